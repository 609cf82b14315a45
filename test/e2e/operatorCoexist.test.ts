/**
 * Co-existence with kube-prometheus-stack, with the real operator (v0.93.0, built by scripts/tools.sh)
 * against a real API server: two operators in one cluster, theirs started without a controller id
 * (as the chart starts it) and ours with the stack's rendered arguments, impersonating the stack's
 * ServiceAccount with exactly the RBAC the stack grants it (components/operator.ts). Each writes
 * rule files for its own `Prometheus` object only, and both honour a third-party PrometheusRule.
 * The operators run as processes on this machine; the cluster is KWOK (no pod runs).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { loadStackConfig } from "../../config/load";
import { OPERATOR_CLUSTER_RULES, OPERATOR_NAMESPACE_RULES } from "../../components/operator";
import { loadOperatorCrds } from "../../io/operatorCrds";
import { renderStack } from "../../render";
import { sleep } from "../../scripts/dev/polling";
import { ManagedProcess } from "../../scripts/dev/processes";
import { ensureTools, requireTool } from "../../scripts/dev/tools";
import { LocalCluster } from "../../scripts/localCluster";
import { knownRunbooks, minimalRaw } from "../support/fixtures";

const OURS = "observability";
const THEIRS = "monitoring";
const VENDOR = "vendor";
/** How long an operator that has reconciled gets to do what it must not do, before the test says it did not. */
const GRACE_MS = 20_000;

describe("kube-prometheus-stack's operator and ours in one cluster", { timeout: 20 * 60_000 }, () => {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-coexist-"));
    const cluster = new LocalCluster(`lgtm-coexist-${process.pid}`, workdir);
    const rendered = renderStack(loadStackConfig(minimalRaw({ namespace: OURS }), { knownRunbooks }), []).operator!;
    let theirs: ManagedProcess;
    let ours: ManagedProcess;

    const create = async (at: string, object: unknown) => {
        const created = await cluster.request("POST", at, object);
        assert.ok(created.status === 201, `POST ${at}: ${created.status} ${JSON.stringify(created.body).slice(0, 400)}`);
    };
    const ruleFiles = async (namespace: string, prometheus: string) => {
        const found = await cluster.request("GET", `/api/v1/namespaces/${namespace}/configmaps/prometheus-${prometheus}-rulefiles-0`);
        return found.status === 200 ? Object.values(found.body.data as Record<string, string>).join("\n") : undefined;
    };
    /** An operator process talking to the test's API server with the admin certificate, optionally as another user. */
    const operator = (name: string, args: readonly string[], port: number, as?: string) => {
        const access = cluster.adminAccess();
        return new ManagedProcess({
            name,
            binary: requireTool("prometheus-operator"),
            args: [
                ...args.filter((arg) => !arg.startsWith("--web.listen-address")),
                `--web.listen-address=127.0.0.1:${port}`,
                `--apiserver=${access.server}`,
                `--ca-file=${access.caFile}`,
                `--cert-file=${access.certFile}`,
                `--key-file=${access.keyFile}`,
                ...(as ? [`--as=${as}`] : []),
            ],
            logFile: path.join(workdir, `${name}.log`),
            maxLifetimeMs: 15 * 60_000,
        });
    };

    before(async () => {
        ensureTools(["prometheus-operator"]);
        await cluster.start();
        for (const crd of await loadOperatorCrds()) {
            await create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: crd.metadata.name }, spec: crd.spec });
        }
        await cluster.waitFor("the CRDs established", async () => {
            const list = (await cluster.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).body.items as { status?: { conditions?: { type: string; status: string }[] } }[];
            return list.length >= 7 && list.every((crd) => crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
        }, 60);
        for (const namespace of [OURS, THEIRS, VENDOR]) {
            await create("/api/v1/namespaces", { metadata: { name: namespace } });
        }
        // Our operator's identity and access, as the stack creates them.
        const subject = [{ kind: "ServiceAccount", name: "prometheus-operator", namespace: OURS }];
        await create(`/api/v1/namespaces/${OURS}/serviceaccounts`, { metadata: { name: "prometheus-operator" } });
        await create("/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: "lgtm-operator" }, rules: OPERATOR_CLUSTER_RULES });
        await create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", { metadata: { name: "lgtm-operator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "lgtm-operator" }, subjects: subject });
        await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${OURS}/roles`, { metadata: { name: "lgtm-operator" }, rules: OPERATOR_NAMESPACE_RULES });
        await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${OURS}/rolebindings`, { metadata: { name: "lgtm-operator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "lgtm-operator" }, subjects: subject });
        // Their Prometheus, as the chart makes it: no controller id, rules selected by the release label.
        await create(`/apis/monitoring.coreos.com/v1/namespaces/${THEIRS}/prometheuses`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            metadata: { name: "kps" },
            spec: { replicas: 1, ruleSelector: { matchLabels: { release: "kps" } }, ruleNamespaceSelector: {} },
        });
        // Ours, as the stack renders it.
        await create(`/apis/monitoring.coreos.com/v1/namespaces/${OURS}/prometheuses`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            metadata: { name: "lgtm", annotations: { ...rendered.annotations } },
            spec: rendered.rulesSpec,
        });
        // A third-party chart's rule, labelled for kube-prometheus-stack's selector.
        await create(`/apis/monitoring.coreos.com/v1/namespaces/${VENDOR}/prometheusrules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "vendor-rules", labels: { release: "kps" } },
            spec: { groups: [{ name: "vendor", rules: [{ alert: "VendorQueueStuck", expr: "vendor_queue_depth > 100", for: "10m", labels: { severity: "warning" } }] }] },
        });
        theirs = operator("their-operator", ["--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0"], 18080);
        ours = operator("our-operator", rendered.args, 18081, `system:serviceaccount:${OURS}:prometheus-operator`);
    });

    after(async () => {
        await theirs?.stop();
        await ours?.stop();
        cluster.stop();
        fs.rmSync(workdir, { recursive: true, force: true });
    });

    test("theirs, started without a controller id, writes rule files for its Prometheus and never for ours", async () => {
        theirs.start();
        await cluster.waitFor("their rule files with the vendor's rule", async () => (await ruleFiles(THEIRS, "kps"))?.includes("VendorQueueStuck") ?? false, 180);
        await sleep(GRACE_MS);
        assert.equal(await ruleFiles(OURS, "lgtm"), undefined, `their operator wrote our rule files; its log:\n${theirs.tail()}`);
        assert.equal((await cluster.request("GET", `/apis/apps/v1/namespaces/${OURS}/statefulsets`)).body.items.length, 0);
        await theirs.stop();
    });

    test("ours, as the stack's ServiceAccount with the stack's RBAC, writes rule files for ours only and honours the vendor's rule", async () => {
        // Removed while theirs is stopped: if ours reconciled their Prometheus, it would write it again.
        assert.equal((await cluster.request("DELETE", `/api/v1/namespaces/${THEIRS}/configmaps/prometheus-kps-rulefiles-0`)).status, 200);
        ours.start();
        await cluster.waitFor("our rule files with the vendor's rule", async () => (await ruleFiles(OURS, "lgtm"))?.includes("VendorQueueStuck") ?? false, 180);
        await sleep(GRACE_MS);
        assert.equal(await ruleFiles(THEIRS, "kps"), undefined, `our operator wrote their rule files; its log:\n${ours.tail()}`);
        // Its RBAC holds no Alertmanager or ThanosRuler access: it leaves those controllers off rather than failing.
        assert.ok(ours.running, `our operator exited (${ours.exitStatus}):\n${ours.tail()}`);
        const log = fs.readFileSync(ours.logFile, "utf8");
        assert.doesNotMatch(log, /level=error.*forbidden/i, "no request of ours was forbidden");
    });

    test("both at once: a change to the vendor's rule reaches both rule files, each written by its own operator", async () => {
        theirs.start();
        const patch = await cluster.request(
            "PATCH",
            `/apis/monitoring.coreos.com/v1/namespaces/${VENDOR}/prometheusrules/vendor-rules`,
            { spec: { groups: [{ name: "vendor", rules: [{ alert: "VendorQueueStuckLonger", expr: "vendor_queue_depth > 500", for: "10m", labels: { severity: "critical" } }] }] } },
            "application/merge-patch+json",
        );
        assert.equal(patch.status, 200);
        await cluster.waitFor("the changed rule in both rule files", async () => {
            const [mine, theirFiles] = [await ruleFiles(OURS, "lgtm"), await ruleFiles(THEIRS, "kps")];
            return (mine?.includes("VendorQueueStuckLonger") ?? false) && (theirFiles?.includes("VendorQueueStuckLonger") ?? false);
        }, 180);
    });
});
