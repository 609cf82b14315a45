/**
 * The real Pulumi engine against a real Kubernetes API (kube-apiserver, controller-manager and
 * scheduler with KWOK nodes): preview, up, up again with no changes, a config change, a new
 * service, destroy. Tools come from scripts/tools.sh; a missing one fails with the build hint.
 *
 * e2e-only config, and why (visible here on purpose):
 * - `grafana.provision: false`: the Grafana API needs a running Grafana and the
 *   `@pulumiverse/grafana` plugin, which cannot be built offline (see the real-Grafana issue), and
 *   KWOK pods are fake, so nothing would answer at grafana.url anyway.
 * - `grafanaAdminPassword` set as a secret: the `@pulumi/random` plugin cannot be built offline
 *   (the Terraform bridge module is not served by the module proxy); the option is a real one.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { LocalCluster, PulumiProject } from "../../scripts/localCluster";

const STACK = "dev";
const NAMESPACE = "observability";
const WORKLOADS = [
    ["apps/v1", "statefulsets", "prometheus"],
    ["apps/v1", "statefulsets", "alertmanager"],
    ["apps/v1", "statefulsets", "loki"],
    ["apps/v1", "statefulsets", "tempo"],
    ["apps/v1", "statefulsets", "otel-collector"],
    ["apps/v1", "daemonsets", "otel-agent"],
    ["apps/v1", "deployments", "grafana"],
] as const;

interface PreviewStep {
    op: string;
    urn: string;
}

function steps(project: PulumiProject): PreviewStep[] {
    const output = project.run(["preview", "--stack", STACK, "--json"]).stdout;
    return (JSON.parse(output).steps ?? []) as PreviewStep[];
}

const resourceName = (urn: string) => urn.split("::").pop() ?? urn;
const byOp = (all: PreviewStep[], op: string) => all.filter((s) => s.op === op).map((s) => resourceName(s.urn)).sort();

describe("the real Pulumi engine against a real Kubernetes API", { timeout: 40 * 60_000 }, () => {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-e2e-"));
    const cluster = new LocalCluster(`lgtm-e2e-${process.pid}`, workdir);
    let project: PulumiProject;

    async function podUids(): Promise<Map<string, string>> {
        const pods = (await cluster.request("GET", `/api/v1/namespaces/${NAMESPACE}/pods`)).body.items as { metadata: { name: string; uid: string } }[];
        return new Map(pods.map((p) => [p.metadata.name, p.metadata.uid]));
    }

    before(async () => {
        await cluster.start();
        // Prometheus' TSDB and the collector's queue claim volumes in dev.
        await cluster.createPersistentVolumes(4);
        project = new PulumiProject(workdir, cluster.kubeconfig);
        project.run(["stack", "init", STACK]);
        project.editStackConfig(STACK, (config) => {
            (config["lgtm-stack:grafana"] as Record<string, unknown>).provision = false;
        });
        project.run(["config", "set", "--secret", "--stack", STACK, "grafanaAdminPassword", `e2e-${process.pid}-${Date.now()}`]);
    });

    after(() => {
        project?.run(["destroy", "--yes", "--stack", STACK], { allowFailure: true });
        cluster.stop();
        fs.rmSync(workdir, { recursive: true, force: true });
    });

    test("pulumi preview lists every backend to create and nothing else", () => {
        const all = steps(project);
        const creates = byOp(all, "create");
        for (const expected of ["lgtm-prometheus-sts", "lgtm-alertmanager-sts", "lgtm-loki-sts", "lgtm-tempo-sts", "lgtm-collector-gateway", "lgtm-collector-agent", "lgtm-grafana-deployment", "api-rules", "session-start-rules", "video-load-rules"]) {
            assert.ok(creates.includes(expected), `preview creates ${expected}; creates: ${creates.join(", ")}`);
        }
        assert.deepEqual(all.filter((s) => !["create", "same"].includes(s.op)).map((s) => `${s.op} ${resourceName(s.urn)}`), []);
    });

    test("pulumi up creates everything and every workload becomes Ready", async () => {
        project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
        for (const [group, kind, name] of WORKLOADS) {
            const { status, body } = await cluster.request("GET", `/apis/${group}/namespaces/${NAMESPACE}/${kind}/${name}`);
            assert.equal(status, 200, `${kind}/${name} exists`);
            const ready = kind === "daemonsets" ? body.status.numberReady === body.status.desiredNumberScheduled && body.status.numberReady > 0 : body.status.readyReplicas === body.spec.replicas;
            assert.ok(ready, `${kind}/${name} ready: ${JSON.stringify(body.status)}`);
        }
    });

    test("a second pulumi up shows no changes (deterministic rendering)", () => {
        project.run(["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    });

    test("changing Loki's retention updates only Loki and rolls only its pod", async () => {
        const before = await podUids();
        project.editStackConfig(STACK, (config) => {
            config["lgtm-stack:loki"] = { retention: "14d" };
        });
        const all = steps(project);
        assert.deepEqual(byOp(all, "update"), ["lgtm-loki-config", "lgtm-loki-sts"]);
        assert.deepEqual(all.filter((s) => !["update", "same"].includes(s.op)).map((s) => `${s.op} ${resourceName(s.urn)}`), []);
        project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
        await cluster.waitFor("the new Loki pod", async () => (await podUids()).get("loki-0") !== before.get("loki-0"), 120);
        const afterUids = await podUids();
        const rolled = [...before.keys()].filter((pod) => afterUids.get(pod) !== before.get(pod));
        assert.deepEqual(rolled, ["loki-0"]);
    });

    test("adding a service to the config adds only its resources", () => {
        project.editStackConfig(STACK, (config) => {
            (config["lgtm-stack:services"] as unknown[]).push({ name: "checkout", namespace: "shop", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] });
        });
        const all = steps(project);
        assert.deepEqual(all.filter((s) => s.op !== "same" && s.op !== "create").map((s) => `${s.op} ${resourceName(s.urn)}`), []);
        const creates = byOp(all, "create");
        assert.ok(creates.length > 0 && creates.every((name) => name.startsWith("checkout")), `creates: ${creates.join(", ")}`);
        project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
    });

    test("pulumi destroy leaves nothing behind", async () => {
        project.run(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
        await cluster.waitFor("the namespace to be gone", async () => (await cluster.request("GET", `/api/v1/namespaces/${NAMESPACE}`)).status === 404, 180);
        const roles = (await cluster.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles?labelSelector=app.kubernetes.io%2Fpart-of%3Dlgtm-stack")).body.items;
        assert.deepEqual(roles, []);
    });
});
