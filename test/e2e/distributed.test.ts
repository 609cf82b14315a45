/**
 * The distributed topology against the real Pulumi engine and a real Kubernetes API (KWOK nodes:
 * Loki, Tempo, Mimir and Grafana images cannot run here, so every pod is simulated): it converges,
 * `up` again changes nothing, a replica change touches only that tier, and `destroy` leaves nothing.
 * The stack is the dev stack plus the keys a distributed environment sets (object storage for the
 * three engines, `topology.mode: distributed`), written by test/e2e/distributedStack.ts.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import * as YAML from "yaml";
import { freePort, LOOPBACK } from "../../scripts/dev/ports";
import { ManagedProcess, run } from "../../scripts/dev/processes";
import { requireTool } from "../../scripts/dev/tools";
import { isGone } from "../../scripts/kubeClient";
import { LocalCluster, LocalStack, PreviewStep } from "../../scripts/localCluster";
import { createDistributedStack } from "./distributedStack";

const STACK = "dist";
const NAMESPACE = "observability";
/** Another chart's namespace and its PrometheusRule, unknown to the stack's config. */
const VENDOR = "vendor";
const VENDOR_RULE = "vendor-app-rules";
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
    let operator: ManagedProcess | undefined;

    const changes = (all: PreviewStep[]) => all.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`).sort();

    async function workloads(): Promise<Workload[]> {
        const apps = cluster.kube.apps;
        const namespace = NAMESPACE;
        const [statefulSets, deployments, daemonSets] = await Promise.all([apps.listNamespacedStatefulSet({ namespace }), apps.listNamespacedDeployment({ namespace }), apps.listNamespacedDaemonSet({ namespace })]);
        const summary = (kind: string, w: { metadata?: { name?: string }; status?: Workload["status"] }, replicas?: number): Workload => ({ kind, metadata: { name: w.metadata?.name ?? "" }, spec: { replicas }, status: w.status ?? {} });
        return [
            ...statefulSets.items.map((w) => summary("StatefulSet", w, w.spec?.replicas)),
            ...deployments.items.map((w) => summary("Deployment", w, w.spec?.replicas)),
            ...daemonSets.items.map((w) => summary("DaemonSet", w)),
        ];
    }

    const podUids = () => cluster.podUids(NAMESPACE);

    before(async () => {
        await cluster.start();
        // Ingesters and store-gateways spread over distinct nodes; 4 leaves room for a fourth replica.
        await cluster.scaleNodes(4);
        await cluster.createPersistentVolumes(40);
        project = await createDistributedStack(workdir, cluster.kubeconfig, STACK);
    });

    after(async () => {
        await operator?.stop();
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
        // HA ingest: Prometheus runs as a pair by default in distributed (dev profile too), one pod per node.
        const prometheus = all.find((w) => w.kind === "StatefulSet" && w.metadata.name === "prometheus");
        assert.equal(prometheus?.spec.replicas, 2, "Prometheus: an HA pair");
        assert.equal(prometheus?.status.readyReplicas, 2, `Prometheus 2/2 ready: ${JSON.stringify(prometheus?.status)}`);
        const pods = await cluster.kube.pods(NAMESPACE, { labelSelector: "app.kubernetes.io/name=prometheus" });
        assert.deepEqual(pods.map((pod) => pod.metadata.name).sort(), ["prometheus-0", "prometheus-1"]);
        assert.equal(new Set(pods.map((pod) => pod.spec.nodeName)).size, 2, `the pair on two nodes: ${pods.map((pod) => pod.spec.nodeName).join(", ")}`);
        for (const pod of pods) {
            // As plain JSON: the client's models are class instances, which a strict deepEqual tells from object literals.
            assert.deepEqual(JSON.parse(JSON.stringify(pod.spec.containers[0].env)), [{ name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }], `${pod.metadata.name} knows its name`);
        }
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

    test("a PrometheusRule in another namespace reaches Mimir's ruler: the real operator, as the stack's ServiceAccount, writes it where the ruler reads rules, and promtool accepts it", async () => {
        // The operator's pod is simulated here; its real binary runs on this machine instead, with the
        // Deployment's own arguments and, through a token of its ServiceAccount, only the stack's RBAC.
        const started = Date.now();
        const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
        const deployment = await cluster.kube.apps.readNamespacedDeployment({ namespace: NAMESPACE, name: "prometheus-operator" });
        const container = deployment.spec!.template.spec!.containers[0];
        const port = await freePort();
        // The one change: its HTTP port on this machine's loopback (the pod's :8080 may be taken here).
        const args = (container.args ?? []).map((arg) => (arg.startsWith("--web.listen-address=") ? `--web.listen-address=${LOOPBACK}:${port}` : arg));
        assert.ok(args.includes("--controller-id=lgtm-stack"), `the Deployment's args: ${args.join(" ")}`);
        const token = await cluster.kube.core.createNamespacedServiceAccountToken({
            namespace: NAMESPACE,
            name: deployment.spec!.template.spec!.serviceAccountName!,
            // No audiences (the model requires the field): the API server's own, as for a pod's token.
            body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [], expirationSeconds: 3600 } },
        });
        const admin = YAML.parse(fs.readFileSync(cluster.kubeconfig, "utf8"));
        const kubeconfig = path.join(workdir, "kubeconfig.operator");
        fs.writeFileSync(kubeconfig, YAML.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: admin.clusters,
            users: [{ name: "prometheus-operator", user: { token: token.status!.token } }],
            contexts: [{ name: "operator", context: { cluster: admin.clusters[0].name, user: "prometheus-operator" } }],
            "current-context": "operator",
        }), { mode: 0o600 });
        operator = new ManagedProcess({
            name: "prometheus-operator",
            binary: requireTool("prometheus-operator"),
            args,
            logFile: path.join(workdir, "prometheus-operator.log"),
            env: { ...process.env, KUBECONFIG: kubeconfig },
            maxLifetimeMs: 10 * 60_000,
        });
        operator.start();
        await operator.waitForHttp(`http://${LOOPBACK}:${port}/healthz`, 60_000);
        console.log(`the real operator up as system:serviceaccount:${NAMESPACE}:prometheus-operator after ${elapsed()}`);
        await cluster.kube.core.createNamespace({ body: { metadata: { name: VENDOR } } });
        const created = await cluster.kube.createMonitoring(VENDOR, {
            kind: "PrometheusRule",
            metadata: { name: VENDOR_RULE, namespace: VENDOR },
            spec: { groups: [{ name: "vendor-app", rules: [{ alert: "VendorAppTestAlwaysFiring", expr: "vector(1)", labels: { severity: "warning", vendor_label: "kept" } }] }] },
        });
        // The operator's file name: <namespace>-<name>-<uid>.yaml (pkg/operator/rules.go at v0.93.0).
        const file = `${VENDOR}-${VENDOR_RULE}-${created.metadata.uid}.yaml`;
        let content = "";
        await cluster.waitFor(`${file} in prometheus-lgtm-rulefiles-0`, async () => {
            content = (await cluster.kube.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: "prometheus-lgtm-rulefiles-0" })).data?.[file] ?? "";
            return content !== "";
        }, 120).catch((error: Error) => assert.fail(`${error.message}\n--- operator log ---\n${operator!.tail(60)}`));
        console.log(`the operator wrote ${file} into prometheus-lgtm-rulefiles-0 after ${elapsed()}`);
        assert.match(content, /vendor_label: kept/);
        // Where the ruler reads: Mimir's local rule storage reads <ruler_storage.local.directory>/<tenant>/,
        // and with multitenancy_enabled false every request is tenant "anonymous" (Mimir's docs).
        const ruler = await cluster.kube.apps.readNamespacedDeployment({ namespace: NAMESPACE, name: "mimir-ruler" });
        const pod = ruler.spec!.template.spec!;
        const mounts = pod.containers[0].volumeMounts ?? [];
        const volumes = pod.volumes ?? [];
        // The config the ruler reads: -config.file=<mount of a ConfigMap>/<key>.
        const configPath = (pod.containers[0].args ?? []).find((a) => a.startsWith("-config.file="))!.slice("-config.file=".length);
        const configMount = mounts.find((m) => configPath.startsWith(`${m.mountPath}/`))!;
        const configVolume = volumes.find((v) => v.name === configMount.name);
        const configKey = path.relative(configMount.mountPath, configPath);
        const mimirConfig = YAML.parse((await cluster.kube.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: configVolume!.configMap!.name! })).data![configKey]);
        assert.equal(mimirConfig.multitenancy_enabled, false);
        assert.equal(mimirConfig.ruler_storage.backend, "local");
        const rulesVolume = volumes.find((v) => (v.projected?.sources ?? []).some((s) => s.configMap?.name === "prometheus-lgtm-rulefiles-0"));
        assert.ok(rulesVolume, `a volume of mimir-ruler projects prometheus-lgtm-rulefiles-0: ${JSON.stringify(pod.volumes)}`);
        const source = rulesVolume.projected!.sources!.find((s) => s.configMap?.name === "prometheus-lgtm-rulefiles-0")!.configMap!;
        assert.equal(source.optional, true, "optional: the ruler starts before the operator writes it");
        assert.equal(source.items, undefined, "every key of the ConfigMap becomes a file");
        assert.equal(mounts.find((m) => m.name === rulesVolume.name)?.mountPath, `${mimirConfig.ruler_storage.local.directory}/anonymous`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-operator-rules-"));
        try {
            fs.writeFileSync(path.join(dir, file), content);
            const checked = run(requireTool("promtool"), ["check", "rules", path.join(dir, file)], undefined, { timeoutMs: 60_000 });
            assert.equal(checked.code, 0, checked.output);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        await operator.stop();
        console.log(`mimir-ruler mounts it at ${mimirConfig.ruler_storage.local.directory}/anonymous; promtool check rules passes (${elapsed()} in all)`);
    });

    test("pulumi destroy leaves nothing behind", async () => {
        await project.destroy();
        await cluster.waitFor("the namespace to be gone", () => isGone(cluster.kube.core.readNamespace({ name: NAMESPACE })), 180);
        const roles = await cluster.kube.rbac.listClusterRole({ labelSelector: "app.kubernetes.io/part-of=lgtm-stack" });
        assert.deepEqual(roles.items, []);
    });
});
