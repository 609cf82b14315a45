/**
 * The distributed topology against the real Pulumi engine and a real Kubernetes API (KWOK nodes:
 * Loki, Tempo, Mimir and Grafana images cannot run here, so every pod is simulated): it converges,
 * `up` again changes nothing, a replica change touches only that tier, and `destroy` leaves nothing.
 * The stack is the dev stack plus the keys a distributed environment sets (object storage for the
 * three engines, `topology.mode: distributed`), written here in the test.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import * as YAML from "yaml";
import { LocalCluster, LocalStack, PreviewStep, projectCopy } from "../../scripts/localCluster";

const STACK = "dist";
const NAMESPACE = "observability";
const s3 = (bucket: string) => ({ type: "s3", bucket, endpoint: "minio.storage:9000", region: "eu-west-1", insecure: true, forcePathStyle: true });

interface Workload {
    readonly kind: string;
    readonly metadata: { readonly name: string };
    readonly spec: { readonly replicas?: number };
    readonly status: { readonly readyReplicas?: number; readonly numberReady?: number; readonly desiredNumberScheduled?: number };
}

describe("the distributed topology on the real engine and a real Kubernetes API", { timeout: 40 * 60_000 }, () => {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-e2e-dist-"));
    const cluster = new LocalCluster(`lgtm-dist-${process.pid}`, workdir);
    let project: LocalStack;

    const changes = (all: PreviewStep[]) => all.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`).sort();

    async function workloads(): Promise<Workload[]> {
        const lists = await Promise.all(["statefulsets", "deployments", "daemonsets"].map((kind) => cluster.request("GET", `/apis/apps/v1/namespaces/${NAMESPACE}/${kind}`)));
        return lists.flatMap((list, i) => (list.body.items as Workload[]).map((w) => ({ ...w, kind: ["StatefulSet", "Deployment", "DaemonSet"][i] })));
    }

    const podUids = () => cluster.podUids(NAMESPACE);

    before(async () => {
        await cluster.start();
        // Ingesters and store-gateways spread over distinct nodes; 4 leaves room for a fourth replica.
        await cluster.scaleNodes(4);
        await cluster.createPersistentVolumes(40);
        const dir = projectCopy(workdir);
        const dev = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const config = {
            ...dev.config,
            "lgtm-stack:loki": { storage: s3("logs") },
            "lgtm-stack:tempo": { storage: s3("traces") },
            "lgtm-stack:topology": { mode: "distributed", mimir: { storage: s3("metrics") } },
        };
        fs.writeFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), YAML.stringify({ config }, { lineWidth: 0 }));
        project = await LocalStack.create(workdir, cluster.kubeconfig, STACK);
        await project.setSecret("objectStorageAccessKeyId", "e2e-access-key");
        await project.setSecret("objectStorageSecretAccessKey", "e2e-secret-key");
    });

    after(async () => {
        await project?.destroy().catch(() => undefined);
        cluster.stop();
        fs.rmSync(workdir, { recursive: true, force: true });
    });

    test("pulumi up converges: every tier of Loki, Tempo, Mimir and the two-tier Collector is Ready", async () => {
        await project.up();
        const all = await workloads();
        const names = all.map((w) => w.metadata.name);
        for (const expected of [
            "loki-distributor", "loki-ingester", "loki-querier", "loki-query-frontend", "loki-query-scheduler", "loki-compactor", "loki-index-gateway", "loki-ruler",
            "tempo-distributor", "tempo-ingester", "tempo-querier", "tempo-query-frontend", "tempo-compactor", "tempo-metrics-generator",
            "mimir-distributor", "mimir-ingester", "mimir-querier", "mimir-query-frontend", "mimir-query-scheduler", "mimir-store-gateway", "mimir-compactor", "mimir-ruler",
            "otel-collector-lb", "otel-collector", "prometheus", "alertmanager", "grafana",
        ]) {
            assert.ok(names.includes(expected), `${expected} is deployed; deployed: ${names.sort().join(", ")}`);
        }
        assert.ok(!names.includes("loki") && !names.includes("tempo"), "no monolithic Loki or Tempo beside the distributed tiers");
        for (const w of all) {
            const ready = w.kind === "DaemonSet" ? w.status.numberReady === w.status.desiredNumberScheduled && (w.status.numberReady ?? 0) > 0 : (w.status.readyReplicas ?? 0) === w.spec.replicas;
            assert.ok(ready, `${w.kind}/${w.metadata.name} ready: ${JSON.stringify(w.status)}`);
        }
        const ingester = all.find((w) => w.metadata.name === "loki-ingester");
        assert.equal(ingester?.spec.replicas, 3, "Loki's ingesters: replication factor 3");
        console.log(`distributed: ${all.length} workloads Ready on ${names.length} names`);
    });

    test("a second pulumi up shows no changes", async () => {
        await project.up({ expectNoChanges: true });
    });

    test("a replica change of one tier updates only that tier and rolls no running pod", async () => {
        const before = await podUids();
        project.editConfig((config) => {
            config["lgtm-stack:topology"] = { mode: "distributed", mimir: { storage: s3("metrics"), storeGateway: { replicas: 4 } } };
        });
        const planned = changes(await project.preview());
        assert.equal(planned.length, 1, `one change planned: ${planned.join(", ")}`);
        assert.match(planned[0], /^update .*mimir-store-gateway/);
        await project.up();
        await cluster.waitFor("the fourth store-gateway", async () => (await podUids()).has("mimir-store-gateway-3"), 120);
        const afterUids = await podUids();
        const replaced = [...before.keys()].filter((pod) => afterUids.get(pod) !== before.get(pod));
        assert.deepEqual(replaced, [], "no existing pod was replaced");
        assert.deepEqual([...afterUids.keys()].filter((pod) => !before.has(pod)), ["mimir-store-gateway-3"]);
    });

    test("pulumi destroy leaves nothing behind", async () => {
        await project.destroy();
        await cluster.waitFor("the namespace to be gone", async () => (await cluster.request("GET", `/api/v1/namespaces/${NAMESPACE}`)).status === 404, 180);
        const roles = (await cluster.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles?labelSelector=app.kubernetes.io%2Fpart-of%3Dlgtm-stack")).body.items;
        assert.deepEqual(roles, []);
    });
});
