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
import { V1ClusterRole, V1CustomResourceDefinition, V1Role } from "@kubernetes/client-node";
import { loadStackConfig } from "../../config/load";
import { OPERATOR_CLUSTER_RULES, OPERATOR_NAMESPACE_RULES } from "../../components/operator";
import { loadOperatorCrds } from "../../io/operatorCrds";
import { renderStack } from "../../render";
import { sleep } from "../../scripts/dev/polling";
import { ManagedProcess } from "../../scripts/dev/processes";
import { ensureTools, requireTool } from "../../scripts/dev/tools";
import { asModel, ifFound, MERGE_PATCH, monitoring } from "../../scripts/kubeClient";
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

    const ruleFiles = async (namespace: string, prometheus: string) => {
        const found = await ifFound(cluster.kube.core.readNamespacedConfigMap({ namespace, name: `prometheus-${prometheus}-rulefiles-0` }));
        return found ? Object.values(found.data ?? {}).join("\n") : undefined;
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
        const kube = cluster.kube;
        for (const crd of await loadOperatorCrds()) {
            await kube.crds.createCustomResourceDefinition({ body: asModel<V1CustomResourceDefinition>({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: crd.metadata.name }, spec: crd.spec }) });
        }
        await cluster.waitFor("the CRDs established", async () => {
            const list = (await kube.crds.listCustomResourceDefinition()).items;
            return list.length >= 7 && list.every((crd) => crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
        }, 60);
        for (const namespace of [OURS, THEIRS, VENDOR]) {
            await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
        }
        // Our operator's identity and access, as the stack creates them.
        const subject = [{ kind: "ServiceAccount", name: "prometheus-operator", namespace: OURS }];
        await kube.core.createNamespacedServiceAccount({ namespace: OURS, body: { metadata: { name: "prometheus-operator" } } });
        // The component's rules are typed as Pulumi inputs; their values are plain JSON, read as the client's model.
        await kube.rbac.createClusterRole({ body: asModel<V1ClusterRole>({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "lgtm-operator" }, rules: OPERATOR_CLUSTER_RULES }) });
        await kube.rbac.createClusterRoleBinding({ body: { metadata: { name: "lgtm-operator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "lgtm-operator" }, subjects: subject } });
        await kube.rbac.createNamespacedRole({ namespace: OURS, body: asModel<V1Role>({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "lgtm-operator" }, rules: OPERATOR_NAMESPACE_RULES }) });
        await kube.rbac.createNamespacedRoleBinding({ namespace: OURS, body: { metadata: { name: "lgtm-operator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "lgtm-operator" }, subjects: subject } });
        // Their Prometheus, as the chart makes it: no controller id, rules selected by the release label.
        await kube.createMonitoring(THEIRS, { kind: "Prometheus", metadata: { name: "kps" }, spec: { replicas: 1, ruleSelector: { matchLabels: { release: "kps" } }, ruleNamespaceSelector: {} } });
        // Ours, as the stack renders it.
        await kube.createMonitoring(OURS, { kind: "Prometheus", metadata: { name: "lgtm", annotations: { ...rendered.annotations } }, spec: rendered.rulesSpec });
        // A third-party chart's rule, labelled for kube-prometheus-stack's selector.
        await kube.createMonitoring(VENDOR, {
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
        assert.equal((await cluster.kube.apps.listNamespacedStatefulSet({ namespace: OURS })).items.length, 0);
        await theirs.stop();
    });

    test("ours, as the stack's ServiceAccount with the stack's RBAC, writes rule files for ours only and honours the vendor's rule", async () => {
        // Removed while theirs is stopped: if ours reconciled their Prometheus, it would write it again.
        await cluster.kube.core.deleteNamespacedConfigMap({ namespace: THEIRS, name: "prometheus-kps-rulefiles-0" });
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
        await cluster.kube.custom.patchNamespacedCustomObject(
            {
                ...monitoring("PrometheusRule", VENDOR),
                name: "vendor-rules",
                body: { spec: { groups: [{ name: "vendor", rules: [{ alert: "VendorQueueStuckLonger", expr: "vendor_queue_depth > 500", for: "10m", labels: { severity: "critical" } }] }] } },
            },
            MERGE_PATCH,
        );
        await cluster.waitFor("the changed rule in both rule files", async () => {
            const [mine, theirFiles] = [await ruleFiles(OURS, "lgtm"), await ruleFiles(THEIRS, "kps")];
            return (mine?.includes("VendorQueueStuckLonger") ?? false) && (theirFiles?.includes("VendorQueueStuckLonger") ?? false);
        }, 180);
    });
});
