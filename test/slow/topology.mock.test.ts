/** The distributed profile under Pulumi mocks: which workloads exist, how they scale, spread and survive disruptions. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as YAML from "yaml";
import { FAKE_SECRET_PREFIX, ofType, RecordedResource, runStack } from "../support/mocks";
import { distributedOverrides, OBJECT_STORAGE_SECRETS } from "../support/topology";

const WORKLOAD_TYPES = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet"];

let resources: RecordedResource[] = [];

/** Pulumi's marker of a secret value in serialized inputs (sdk/nodejs/runtime/rpc.ts, specialSigKey and specialSecretSig). */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function named(type: string, name: string): RecordedResource {
    const found = ofType(resources, type).find((r) => r.inputs.metadata?.name === name);
    assert.ok(found, `${type} ${name} exists`);
    return found;
}

describe("distributed stack under mocks", () => {
    before(async () => {
        ({ resources } = await runStack("dev", { ...distributedOverrides(), podDisruptionBudgets: true }, OBJECT_STORAGE_SECRETS));
    });

    test("runs every tier of Loki, Tempo and Mimir instead of the two monoliths", () => {
        const names = resources
            .filter((r) => WORKLOAD_TYPES.includes(r.type))
            .map((r) => `${r.type.split(":")[2]}/${r.inputs.metadata.name}`)
            .sort();
        assert.deepEqual(names, [
            // Infrastructure signals are the same in both topologies.
            "DaemonSet/node-exporter",
            "DaemonSet/otel-agent",
            "Deployment/blackbox-exporter",
            "Deployment/grafana",
            "Deployment/kube-state-metrics",
            "Deployment/loki-distributor",
            "Deployment/loki-querier",
            "Deployment/loki-query-frontend",
            "Deployment/loki-query-scheduler",
            "Deployment/loki-ruler",
            "Deployment/mimir-distributor",
            "Deployment/mimir-querier",
            "Deployment/mimir-query-frontend",
            "Deployment/mimir-query-scheduler",
            "Deployment/mimir-ruler",
            "Deployment/otel-collector-lb",
            "Deployment/prometheus-operator",
            "Deployment/tempo-compactor",
            "Deployment/tempo-distributor",
            "Deployment/tempo-querier",
            "Deployment/tempo-query-frontend",
            "StatefulSet/alertmanager",
            "StatefulSet/loki-compactor",
            "StatefulSet/loki-index-gateway",
            "StatefulSet/loki-ingester",
            "StatefulSet/mimir-compactor",
            "StatefulSet/mimir-ingester",
            "StatefulSet/mimir-store-gateway",
            "StatefulSet/otel-collector",
            "StatefulSet/prometheus",
            "StatefulSet/tempo-ingester",
            "StatefulSet/tempo-metrics-generator",
        ]);
    });

    test("stateless read and write tiers autoscale on CPU between their replicas and ceiling", () => {
        const hpas = ofType(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map(
            (r) => `${r.inputs.metadata.name} ${r.inputs.spec.minReplicas}..${r.inputs.spec.maxReplicas} ${r.inputs.spec.scaleTargetRef.kind}/${r.inputs.spec.scaleTargetRef.name}`,
        );
        assert.deepEqual(hpas.sort(), [
            "loki-distributor 2..10 Deployment/loki-distributor",
            "loki-querier 2..10 Deployment/loki-querier",
            "loki-query-frontend 2..4 Deployment/loki-query-frontend",
            "mimir-distributor 2..10 Deployment/mimir-distributor",
            "mimir-querier 2..10 Deployment/mimir-querier",
            "mimir-query-frontend 2..4 Deployment/mimir-query-frontend",
            "otel-collector 3..10 StatefulSet/otel-collector",
            "otel-collector-lb 2..10 Deployment/otel-collector-lb",
            "tempo-distributor 2..10 Deployment/tempo-distributor",
            "tempo-querier 2..10 Deployment/tempo-querier",
            "tempo-query-frontend 2..4 Deployment/tempo-query-frontend",
        ]);
        const metric = ofType(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")[0].inputs.spec.metrics[0];
        assert.deepEqual(metric, { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } });
    });

    test("ingesters: three replicas, never two on one node, spread across zones, a disruption budget of one", () => {
        for (const engine of ["loki", "tempo", "mimir"]) {
            const ingester = named("kubernetes:apps/v1:StatefulSet", `${engine}-ingester`);
            assert.equal(ingester.inputs.spec.replicas, 3, `${engine} ingester replicas`);
            const spread = ingester.inputs.spec.template.spec.topologySpreadConstraints.map((c: any) => `${c.topologyKey}=${c.whenUnsatisfiable}`);
            assert.deepEqual(spread, ["kubernetes.io/hostname=DoNotSchedule", "topology.kubernetes.io/zone=ScheduleAnyway"]);
            const pdb = named("kubernetes:policy/v1:PodDisruptionBudget", `${engine}-ingester`);
            assert.equal(pdb.inputs.spec.maxUnavailable, 1);
            assert.deepEqual(pdb.inputs.spec.selector.matchLabels, { "app.kubernetes.io/name": engine, "app.kubernetes.io/component": "ingester", "app.kubernetes.io/part-of": "lgtm-stack" });
        }
        // A single-replica tier gets no PDB: it could never be drained.
        assert.equal(ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget").find((r) => r.inputs.metadata.name === "loki-compactor"), undefined);
    });

    test("the three tail-sampling gateways: a disruption budget of one, spread across nodes and zones, softly as the HPA scales them", () => {
        const gateway = named("kubernetes:apps/v1:StatefulSet", "otel-collector").inputs.spec.template.spec;
        const selector = { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/part-of": "lgtm-stack" };
        assert.deepEqual(gateway.topologySpreadConstraints, [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
        ]);
        const pdb = named("kubernetes:policy/v1:PodDisruptionBudget", "otel-collector");
        assert.deepEqual(pdb.inputs.spec, { maxUnavailable: 1, selector: { matchLabels: selector } });
    });

    test("Mimir's compactor has a volume of its own size; ingesters and store-gateways keep volumeSize", () => {
        const claim = (name: string) => named("kubernetes:apps/v1:StatefulSet", name).inputs.spec.volumeClaimTemplates.map((c: any) => c.spec.resources.requests.storage);
        assert.deepEqual(claim("mimir-compactor"), ["100Gi"]);
        assert.deepEqual(claim("mimir-ingester"), ["50Gi"]);
        assert.deepEqual(claim("mimir-store-gateway"), ["50Gi"]);
    });

    test("applications keep sending to otel-collector, which is now the load-balancing tier; the gateways keep their headless Service", () => {
        const entry = named("kubernetes:core/v1:Service", "otel-collector");
        assert.deepEqual(entry.inputs.spec.selector, { "app.kubernetes.io/name": "otel-collector-lb", "app.kubernetes.io/part-of": "lgtm-stack" });
        const gateways = named("kubernetes:core/v1:Service", "otel-collector-gateway");
        assert.deepEqual(gateways.inputs.spec.selector, { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/part-of": "lgtm-stack" });
        const headless = named("kubernetes:core/v1:Service", "otel-collector-headless");
        assert.equal(headless.inputs.spec.clusterIP, "None");
        assert.equal(named("kubernetes:apps/v1:StatefulSet", "otel-collector").inputs.spec.replicas, 3);
        const lb = named("kubernetes:apps/v1:Deployment", "otel-collector-lb").inputs.spec.template.spec.containers[0];
        assert.deepEqual(lb.args, ["--config=/etc/otelcol/load-balancer.yaml"]);
        assert.equal(lb.securityContext.readOnlyRootFilesystem, true);
    });

    test("a gateway drains before it stops, and the autoscaler removes one gateway at a time", () => {
        // The drain, by hand: the cluster DNS answer's lifetime (CoreDNS kubernetes plugin, ttl 5s), one
        // resolve interval of the load balancers (5s), the tail-sampling wait (10s), the batch timeout
        // (2s) and 5s for the export to start: 27s of preStop sleep; 30s more for the shutdown itself.
        const pod = named("kubernetes:apps/v1:StatefulSet", "otel-collector").inputs.spec.template.spec;
        assert.deepEqual(pod.containers[0].lifecycle, { preStop: { sleep: { seconds: 27 } } });
        assert.equal(pod.terminationGracePeriodSeconds, 57);
        const hpa = ofType(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((r) => r.inputs.spec.scaleTargetRef.name === "otel-collector");
        assert.deepEqual(hpa?.inputs.spec.behavior, { scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] } });
        // The load-balancing tier's own pods have no queue on a volume and no tail sampling: they stop as usual.
        assert.equal(named("kubernetes:apps/v1:Deployment", "otel-collector-lb").inputs.spec.template.spec.containers[0].lifecycle, undefined);
    });

    test("Mimir's ruler reads the stack's rule ConfigMap as the anonymous tenant's rules", () => {
        const ruler = named("kubernetes:apps/v1:Deployment", "mimir-ruler").inputs.spec.template.spec;
        const mount = ruler.containers[0].volumeMounts.find((m: any) => m.name === "rules");
        assert.deepEqual(mount, { name: "rules", mountPath: "/etc/mimir/rules/anonymous", readOnly: true });
        // Beside the stack's rules, the operator's rule files (the services' and other charts' PrometheusRules):
        // the dev services' ~80 KiB of rules fill one, plus the reserve of 8, rounded up to a multiple of 8.
        const operatorRules = Array.from({ length: 16 }, (_, n) => ({ configMap: { name: `prometheus-lgtm-rulefiles-${n}`, optional: true } }));
        assert.deepEqual(ruler.volumes.find((v: any) => v.name === "rules"), { name: "rules", projected: { sources: [{ configMap: { name: "prometheus-rules" } }, ...operatorRules] } });
        assert.deepEqual(ruler.containers[0].args, ["-config.file=/etc/lgtm/mimir/mimir.yaml", "-config.expand-env=true", "-target=ruler"]);
    });

    test("memberlist joins through a headless Service of the gossiping pods, ready or not", () => {
        const gossip = named("kubernetes:core/v1:Service", "loki-gossip");
        assert.equal(gossip.inputs.spec.clusterIP, "None");
        assert.equal(gossip.inputs.spec.publishNotReadyAddresses, true);
        assert.deepEqual(gossip.inputs.spec.selector, { "lgtm.dev/memberlist": "loki" });
        const ingesterLabels = named("kubernetes:apps/v1:StatefulSet", "loki-ingester").inputs.spec.template.metadata.labels;
        assert.equal(ingesterLabels["lgtm.dev/memberlist"], "loki");
        const frontendLabels = named("kubernetes:apps/v1:Deployment", "loki-query-frontend").inputs.spec.template.metadata.labels;
        assert.equal(frontendLabels["lgtm.dev/memberlist"], undefined, "the query-frontend is in no ring");
    });

    test("object-storage keys reach every engine from a Secret, never from the config file", () => {
        for (const engine of ["loki", "tempo", "mimir"]) {
            const secret = named("kubernetes:core/v1:Secret", `${engine}-distributed-object-storage`);
            // The mocks see a secret Output as Pulumi's secret envelope: the signature key, then the value.
            assert.equal(secret.inputs.stringData[SECRET_SIGNATURE], SECRET_SIGNATURE_VALUE, `${engine}: stringData is a Pulumi secret`);
            assert.equal(secret.inputs.stringData.value.OBJECT_STORAGE_SECRET_ACCESS_KEY, `${FAKE_SECRET_PREFIX}objectStorageSecretAccessKey`);
            const config = named("kubernetes:core/v1:ConfigMap", `${engine}-distributed-config`);
            assert.doesNotMatch(JSON.stringify(config.inputs.data), new RegExp(FAKE_SECRET_PREFIX));
        }
        const env = named("kubernetes:apps/v1:StatefulSet", "mimir-store-gateway").inputs.spec.template.spec.containers[0].env.map((e: any) => e.name);
        assert.deepEqual(env, ["GOMEMLIMIT", "OBJECT_STORAGE_ACCESS_KEY_ID", "OBJECT_STORAGE_SECRET_ACCESS_KEY"]);
    });

    /**
     * Prometheus's pod discovery run by hand over the recorded pod templates: a target per container
     * port, kept when every `keep` rule's regex matches the joined source values in full, then the
     * tier label copied from the pod. Expected jobs and tiers are written from the issue's list of
     * what the distributed topology deploys, not from the renderer.
     */
    test("Prometheus's self-scrape keeps exactly one target per pod of every workload, with the engine as job and the tier as label", () => {
        const config = YAML.parse(named("kubernetes:core/v1:ConfigMap", "prometheus-config").inputs.data["prometheus.yml"]);
        const podJobs = config.scrape_configs.filter((job: any) => job.kubernetes_sd_configs?.[0].role === "pod");
        const meta = (labels: Record<string, string>, port: string): Record<string, string> => ({
            ...Object.fromEntries(Object.entries(labels).map(([key, value]) => [`__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`, value])),
            __meta_kubernetes_pod_container_port_name: port,
            __meta_kubernetes_pod_phase: "Running",
        });
        const scraped: Record<string, string[]> = {};
        for (const r of resources.filter((r) => WORKLOAD_TYPES.includes(r.type))) {
            const template = r.inputs.spec.template;
            const ports: string[] = template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
            const targets: string[] = [];
            for (const job of podJobs) {
                for (const port of ports) {
                    const sd = meta(template.metadata.labels, port);
                    const kept = job.relabel_configs
                        .filter((rule: any) => rule.action === "keep")
                        .every((rule: any) => new RegExp(`^(?:${rule.regex})$`).test(rule.source_labels.map((l: string) => sd[l] ?? "").join(";")));
                    if (kept) {
                        const tier = job.relabel_configs.find((rule: any) => rule.target_label === "component");
                        targets.push(`${job.job_name}${tier ? ` component=${sd[tier.source_labels[0]]}` : ""} :${port}`);
                    }
                }
            }
            scraped[`${r.type.split(":")[2]}/${r.inputs.metadata.name}`] = targets;
        }
        assert.deepEqual(scraped, {
            "DaemonSet/node-exporter": ["node-exporter :metrics"],
            "DaemonSet/otel-agent": ["otel-agent :metrics"],
            "Deployment/grafana": ["grafana :http"],
            "Deployment/kube-state-metrics": ["kube-state-metrics :http-metrics"],
            "Deployment/loki-distributor": ["loki component=distributor :http"],
            "Deployment/loki-querier": ["loki component=querier :http"],
            "Deployment/loki-query-frontend": ["loki component=query-frontend :http"],
            "Deployment/loki-query-scheduler": ["loki component=query-scheduler :http"],
            "Deployment/loki-ruler": ["loki component=ruler :http"],
            "Deployment/mimir-distributor": ["mimir component=distributor :http"],
            "Deployment/mimir-querier": ["mimir component=querier :http"],
            "Deployment/mimir-query-frontend": ["mimir component=query-frontend :http"],
            "Deployment/mimir-query-scheduler": ["mimir component=query-scheduler :http"],
            "Deployment/mimir-ruler": ["mimir component=ruler :http"],
            "Deployment/otel-collector-lb": ["otel-collector-lb :metrics"],
            // The operator feature's pods are self-scrape jobs (its agent's StatefulSet is the operator's, not in this list).
            "Deployment/prometheus-operator": ["prometheus-operator :http"],
            "Deployment/blackbox-exporter": ["blackbox-exporter :http"],
            "Deployment/tempo-compactor": ["tempo component=compactor :http"],
            "Deployment/tempo-distributor": ["tempo component=distributor :http"],
            "Deployment/tempo-querier": ["tempo component=querier :http"],
            "Deployment/tempo-query-frontend": ["tempo component=query-frontend :http"],
            "StatefulSet/alertmanager": ["alertmanager :http"],
            "StatefulSet/loki-compactor": ["loki component=compactor :http"],
            "StatefulSet/loki-index-gateway": ["loki component=index-gateway :http"],
            "StatefulSet/loki-ingester": ["loki component=ingester :http"],
            "StatefulSet/mimir-compactor": ["mimir component=compactor :http"],
            "StatefulSet/mimir-ingester": ["mimir component=ingester :http"],
            "StatefulSet/mimir-store-gateway": ["mimir component=store-gateway :http"],
            "StatefulSet/otel-collector": ["otel-collector :metrics"],
            "StatefulSet/prometheus": ["prometheus :http"],
            "StatefulSet/tempo-ingester": ["tempo component=ingester :http"],
            "StatefulSet/tempo-metrics-generator": ["tempo component=metrics-generator :http"],
        });
    });

    test("every tier's container is hardened and pinned like the rest of the stack", () => {
        for (const r of resources.filter((r) => WORKLOAD_TYPES.includes(r.type) && r.inputs.metadata.labels?.["app.kubernetes.io/component"])) {
            const container = r.inputs.spec.template.spec.containers[0];
            assert.match(container.image, /^(grafana\/(loki:3\.7\.8|tempo:2\.10\.8|mimir:3\.1\.1)|otel\/opentelemetry-collector-contrib:0\.160\.0)$/, r.inputs.metadata.name);
            assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
            // Loki, Tempo and Mimir answer /ready on their HTTP port; the Collector's health_check extension / on its own port.
            const collector = container.image.startsWith("otel/");
            assert.deepEqual(container.readinessProbe.httpGet, collector ? { path: "/", port: "health" } : { path: "/ready", port: "http" });
            assert.equal(r.inputs.spec.template.spec.automountServiceAccountToken, false);
        }
    });
});

describe("distributed stack without the operator, with prometheus.configMapShards 3, under mocks", () => {
    let sharded: RecordedResource[] = [];
    before(async () => {
        // Shards hold the services' files only without the operator (and so without the dev stack's probes).
        const services = ["api", "session-start", "video-load", "transcoding"].map((name) => ({ name, namespace: "learning", slos: [{ kind: "availability", objective: 99.9 }] }));
        ({ resources: sharded } = await runStack("dev", { ...distributedOverrides(), services, operator: { enabled: false }, prometheus: { configMapShards: 3 } }, OBJECT_STORAGE_SECRETS));
    });

    test("Mimir's ruler reads every rule shard in the anonymous tenant's one folder, as Prometheus mounts them", () => {
        const workload = (type: string, name: string) => ofType(sharded, type).find((r) => r.inputs.metadata?.name === name)?.inputs.spec.template.spec;
        const everyShard = { projected: { sources: [{ configMap: { name: "prometheus-rules" } }, { configMap: { name: "prometheus-rules-1" } }, { configMap: { name: "prometheus-rules-2" } }] } };
        const ruler = workload("kubernetes:apps/v1:Deployment", "mimir-ruler");
        assert.deepEqual(ruler.volumes.find((v: any) => v.name === "rules"), { name: "rules", ...everyShard });
        assert.deepEqual(ruler.containers[0].volumeMounts.find((m: any) => m.name === "rules"), { name: "rules", mountPath: "/etc/mimir/rules/anonymous", readOnly: true });
        const prometheus = workload("kubernetes:apps/v1:StatefulSet", "prometheus");
        assert.deepEqual(prometheus.volumes.find((v: any) => v.name === "rules"), { name: "rules", ...everyShard });
        // No other tier mounts these rules; Loki's ruler mounts its own (the log alerts, test/slow/logAlerts.test.ts).
        const mounting = sharded.filter((r) => r.inputs.spec?.template?.spec?.volumes?.some((v: any) => v.name === "rules")).map((r) => r.inputs.metadata.name);
        assert.deepEqual(mounting.sort(), ["loki-ruler", "mimir-ruler", "prometheus"]);
        assert.deepEqual(workload("kubernetes:apps/v1:Deployment", "loki-ruler").volumes.find((v: any) => v.name === "rules"), { name: "rules", projected: { sources: [{ configMap: { name: "loki-rules" } }] } });
    });
});
