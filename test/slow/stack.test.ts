import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { FAKE_SECRET_PREFIX, isSecretOutput, ofType, RecordedResource, runStack } from "../support/mocks";

const WORKLOAD_TYPES = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet"];

function workloads(resources: readonly RecordedResource[]) {
    return resources.filter((r) => WORKLOAD_TYPES.includes(r.type));
}

function workloadNames(resources: readonly RecordedResource[]): string[] {
    return workloads(resources).map((r) => `${r.type.split(":")[2]}/${r.inputs.metadata.name}`).sort();
}

const BACKENDS = ["DaemonSet/node-exporter", "DaemonSet/otel-agent", "Deployment/blackbox-exporter", "Deployment/grafana", "Deployment/kube-state-metrics", "Deployment/prometheus-operator", "StatefulSet/alertmanager", "StatefulSet/loki", "StatefulSet/otel-collector", "StatefulSet/prometheus", "StatefulSet/tempo"];

function assertHardened(resource: RecordedResource) {
    const pod = resource.inputs.spec.template.spec;
    const where = `${resource.type} ${resource.inputs.metadata.name}`;
    // The node agent is the one exception (root without capabilities, pinned in production.test.ts).
    const nonRoot = resource.inputs.metadata.name !== "otel-agent";
    assert.equal(pod.securityContext.runAsNonRoot, nonRoot, `${where}: pod runAsNonRoot`);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault", `${where}: pod seccomp`);
    for (const container of pod.containers) {
        const at = `${where}/${container.name}`;
        // An upstream release tag only (`v3.15.0`, `3.7.8`, `2.10.8`, `12.4.14`): no branch builds such as `main-<sha>`.
        assert.match(container.image, /:v?\d+\.\d+\.\d+$/, `${at}: image pinned to an upstream release tag`);
        assert.doesNotMatch(container.image, /:latest$/, `${at}: never latest`);
        for (const kind of ["requests", "limits"]) {
            assert.ok(container.resources[kind].cpu && container.resources[kind].memory, `${at}: ${kind}`);
        }
        assert.ok(container.readinessProbe && container.livenessProbe, `${at}: probes`);
        const security = container.securityContext;
        assert.equal(security.runAsNonRoot, nonRoot, `${at}: runAsNonRoot`);
        assert.equal(security.readOnlyRootFilesystem, true, `${at}: read-only root fs`);
        assert.equal(security.allowPrivilegeEscalation, false, `${at}: no privilege escalation`);
        assert.deepEqual(security.capabilities.drop, ["ALL"], `${at}: capabilities dropped`);
        assert.equal(security.seccompProfile.type, "RuntimeDefault", `${at}: seccomp`);
    }
}

function datasource(resources: readonly RecordedResource[], uid: string) {
    // The default grafana.mode (files): Grafana's datasource provisioning file (API modes: test/slow/grafana.test.ts).
    const provisioning = ofType(resources, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === "grafana-provisioning");
    const found = provisioning && YAML.parse(provisioning.inputs.data["datasources.yaml"]).datasources.find((d: { uid: string }) => d.uid === uid);
    assert.ok(found, `datasource ${uid} provisioned`);
    return found;
}

function podTemplates(resources: readonly RecordedResource[]): Map<string, string> {
    return new Map(workloads(resources).map((r) => [r.inputs.metadata.name, JSON.stringify(r.inputs.spec.template)]));
}

describe("dev stack under mocks", () => {
    test("deploys every backend, hardened, in one namespace; the node agents in their own", async () => {
        const { resources } = await runStack("dev");
        assert.deepEqual(workloadNames(resources), BACKENDS);
        workloads(resources).forEach(assertHardened);
        const namespaces = new Set(workloads(resources).map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).filter((name) => !name.startsWith("observability/")));
        assert.deepEqual([...namespaces].sort(), ["observability-agents/node-exporter", "observability-agents/otel-agent"]);
        assert.equal(ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").length, 0, "dev has no network policies");
        assert.equal(ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget").length, 0, "dev has no PDBs");
    });

    test("wires the datasources for metric → trace → logs correlation", async () => {
        const { resources } = await runStack("dev");
        const prometheus = datasource(resources, "lgtm-prometheus");
        assert.deepEqual(prometheus.jsonData.exemplarTraceIdDestinations.map((d: any) => [d.name, d.datasourceUid]), [["trace_id", "lgtm-tempo"]]);
        const loki = datasource(resources, "lgtm-loki");
        assert.ok(loki.jsonData.derivedFields.every((f: any) => f.datasourceUid === "lgtm-tempo"));
        const tempo = datasource(resources, "lgtm-tempo");
        assert.equal(tempo.jsonData.tracesToLogsV2.datasourceUid, "lgtm-loki");
        assert.equal(tempo.jsonData.tracesToMetrics.datasourceUid, "lgtm-prometheus");
        assert.equal(tempo.jsonData.serviceMap.datasourceUid, "lgtm-prometheus");
        assert.equal(tempo.jsonData.nodeGraph.enabled, true);
        datasource(resources, "lgtm-alertmanager");
        const provisioning = ofType(resources, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === "grafana-provisioning")!;
        assert.equal(YAML.parse(provisioning.inputs.data["dashboards.yaml"]).providers[0].folderUid, "lgtm-stack");
    });

    test("gives each configured service its PrometheusRule and dashboards, and patches no shared ConfigMap", async () => {
        const { resources } = await runStack("dev");
        assert.deepEqual(ofType(resources, "kubernetes:core/v1:ConfigMapPatch"), []);
        const rules = ofType(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        assert.deepEqual(rules.map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort(), ["observability/api", "observability/session-start", "observability/transcoding", "observability/video-load"]);
        // The dev services are OTLP services: none is scraped, so none has a PodMonitor.
        assert.deepEqual(ofType(resources, "kubernetes:monitoring.coreos.com/v1:PodMonitor"), []);
        // Their dashboards: one index line each, naming the file, its template and the service (test/slow/grafana.test.ts expands them).
        const index = ofType(resources, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === "grafana-dashboard-index")!.inputs.data["index.txt"] as string;
        const templates = ofType(resources, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === "grafana-dashboard-templates")!.inputs.data as Record<string, string>;
        for (const service of ["api", "session-start", "video-load", "transcoding"]) {
            for (const kind of ["golden", "slo"]) {
                const line = index.split("\n").find((l) => l.startsWith(`${service}-${kind}.json `));
                assert.ok(line && line.endsWith(` ${service}`) && line.split(" ")[1] in templates, `${service} ${kind} dashboard: ${line}`);
            }
        }
    });

    test("keeps the Grafana admin password a secret and out of every ConfigMap", async () => {
        const { resources, outputs } = await runStack("dev");
        assert.equal(await isSecretOutput(outputs.grafanaAdminPassword!), true);
        for (const map of ofType(resources, "kubernetes:core/v1:ConfigMap")) {
            assert.doesNotMatch(JSON.stringify(map.inputs.data ?? {}), new RegExp(FAKE_SECRET_PREFIX), `ConfigMap ${map.inputs.metadata.name}`);
        }
        const env = workloads(resources).find((r) => r.inputs.metadata.name === "grafana")!.inputs.spec.template.spec.containers[0].env;
        const password = env.find((e: any) => e.name === "GF_SECURITY_ADMIN_PASSWORD");
        assert.ok(password.valueFrom.secretKeyRef, "password comes from a Secret, not a literal");
        assert.equal(env.find((e: any) => e.name === "GF_AUTH_ANONYMOUS_ENABLED").value, "false");
    });

    test("rolls only the pod whose config changed", async () => {
        const before = podTemplates((await runStack("dev")).resources);
        const after = podTemplates((await runStack("dev", { loki: { retention: "14d" } })).resources);
        const changed = [...before.keys()].filter((name) => before.get(name) !== after.get(name));
        assert.deepEqual(changed, ["loki"]);
    });

    test("adding a service adds only its resources", async () => {
        const dev = await runStack("dev");
        const base = dev.resources;
        const services = [...(JSON.parse(JSON.stringify((await import("../support/fixtures")).stackFile("dev").values.services)) as object[])];
        const extra = { name: "checkout", namespace: "shop", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] };
        const grown = (await runStack("dev", { services: [...services, extra] })).resources;
        const key = (r: RecordedResource) => `${r.type}::${r.name}`;
        const baseByKey = new Map(base.map((r) => [key(r), JSON.stringify(r.inputs)]));
        const added = grown.filter((r) => !baseByKey.has(key(r)));
        assert.ok(added.length > 0);
        for (const resource of added) {
            // Children carry their parent's name: the stack's ("lgtm"), then the service's.
            assert.match(resource.name, /^lgtm-checkout(-|$)/, `new resource ${key(resource)} belongs to the new service`);
        }
        const changed = grown.filter((r) => baseByKey.has(key(r)) && baseByKey.get(key(r)) !== JSON.stringify(r.inputs)).map(key);
        // Its dashboards: a line in the index and its team's templates; Grafana's pod does not change (test/slow/grafana.test.ts).
        assert.deepEqual(changed, ["kubernetes:core/v1:ConfigMap::lgtm-grafana-grafana-dashboard-index", "kubernetes:core/v1:ConfigMap::lgtm-grafana-grafana-dashboard-templates"], "no existing resource changes but the dashboard index and templates");
    });
});

describe("prod stack under mocks", () => {
    test("adds network policies, disruption budgets and object-storage secrets", async () => {
        const { resources } = await runStack("prod");
        assert.deepEqual(workloadNames(resources), BACKENDS);
        workloads(resources).forEach(assertHardened);
        const policies = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs.metadata.name);
        assert.ok(policies.includes("default-deny"));
        for (const component of ["prometheus", "alertmanager", "loki", "tempo", "otel-collector", "grafana"]) {
            assert.ok(policies.includes(`allow-${component}`), `allow-${component}`);
        }
        const pdbs = ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget").map((p) => p.inputs.metadata.name).sort();
        assert.deepEqual(pdbs, ["alertmanager", "prometheus"]);
        const alertmanager = workloads(resources).find((r) => r.inputs.metadata.name === "alertmanager")!;
        assert.equal(alertmanager.inputs.spec.replicas, 3);
        assert.ok(alertmanager.inputs.spec.template.spec.containers[0].args.some((a: string) => a.startsWith("--cluster.peer=alertmanager-2.")));
    });

    test("mounts receiver and storage credentials from Secrets, never inline", async () => {
        const { resources } = await runStack("prod");
        for (const map of ofType(resources, "kubernetes:core/v1:ConfigMap")) {
            assert.doesNotMatch(JSON.stringify(map.inputs.data ?? {}), new RegExp(FAKE_SECRET_PREFIX), `ConfigMap ${map.inputs.metadata.name}`);
        }
        const secrets = ofType(resources, "kubernetes:core/v1:Secret").map((s) => s.inputs.metadata.name).sort();
        assert.deepEqual(secrets, ["alertmanager-credentials", "grafana-admin", "loki-object-storage", "tempo-object-storage"]);
        const loki = workloads(resources).find((r) => r.inputs.metadata.name === "loki")!;
        const storageEnv = loki.inputs.spec.template.spec.containers[0].env.filter((e: any) => e.name.startsWith("OBJECT_STORAGE_"));
        assert.equal(storageEnv.length, 2);
        assert.ok(storageEnv.every((e: any) => e.valueFrom?.secretKeyRef));
    });
});

describe("a Grafana admin password of your own", () => {
    test("replaces the generated one and stays a secret", async () => {
        const { resources, outputs } = await runStack("dev", {});
        assert.equal(ofType(resources, "random:index/randomPassword:RandomPassword").length, 1, "generated by @pulumi/random by default");
        const own = await runStack("dev", {}, ["grafanaAdminPassword"]);
        assert.equal(ofType(own.resources, "random:index/randomPassword:RandomPassword").length, 0);
        assert.equal(await isSecretOutput(own.outputs.grafanaAdminPassword!), true);
        assert.equal(await isSecretOutput(outputs.grafanaAdminPassword!), true);
    });
});
