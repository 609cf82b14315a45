/**
 * HA metrics ingest in the distributed topology (issue 24, item 1), under Pulumi mocks: the prod
 * stack with `topology: distributed` runs Prometheus and the operator's agent as HA pairs that label
 * their pair and replica, Mimir's HA tracker keeps one replica's samples, and each pair keeps one
 * pod through a drain. Every expected value is written here by hand from the upstream docs: Mimir's
 * default HA labels `cluster` and `__replica__` (help.txt.tmpl, -distributor.ha-tracker.cluster and
 * .replica), Prometheus 3's `${VAR}` expansion in external labels, the operator's CRD field names.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as YAML from "yaml";
import { ofType, RecordedResource, runStack } from "../support/mocks";
import { distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const AGENT = "kubernetes:monitoring.coreos.com/v1alpha1:PrometheusAgent";

function named(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
    const found = ofType(resources, type).find((r) => r.inputs.metadata?.name === name);
    assert.ok(found, `${type} ${name} exists`);
    return found;
}

function configFile(resources: readonly RecordedResource[], configMap: string, key: string): any {
    return YAML.parse(named(resources, CONFIG_MAP, configMap).inputs.data[key]);
}

describe("prod, distributed: Prometheus and the agent as HA pairs, deduplicated by Mimir", () => {
    let resources: RecordedResource[] = [];
    before(async () => {
        const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues();
        ({ resources } = await runStack("prod", values, OBJECT_STORAGE_SECRETS));
    });

    test("Prometheus runs two replicas, one per node (required) and spread over zones (preferred), each knowing its pod name", () => {
        const spec = named(resources, STATEFUL_SET, "prometheus").inputs.spec;
        assert.equal(spec.replicas, 2);
        const selector = { matchLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "lgtm-stack" } };
        assert.deepEqual(spec.template.spec.topologySpreadConstraints, [
            { labelSelector: selector, maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" },
            { labelSelector: selector, maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        ]);
        assert.deepEqual(spec.template.spec.containers[0].env, [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }]);
    });

    test("a drain takes at most one Prometheus and one agent pod at a time", () => {
        assert.deepEqual(named(resources, PDB, "prometheus").inputs.spec, {
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "lgtm-stack" } },
        });
        assert.deepEqual(named(resources, PDB, "prometheus-agent").inputs.spec, {
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "prometheus-agent", "app.kubernetes.io/part-of": "lgtm-stack" } },
        });
    });

    test("every series Prometheus forwards names its pair and its replica (the pod name, expanded by Prometheus)", () => {
        const prometheus = configFile(resources, "prometheus-config", "prometheus.yml");
        assert.deepEqual(prometheus.global.external_labels, { stack: "prod", environment: "prod", cluster: "observability/prometheus", __replica__: "${POD_NAME}" });
        assert.deepEqual(
            prometheus.remote_write.map((w: any) => w.url),
            ["http://mimir-distributor.observability.svc.cluster.local:8080/api/v1/push"],
        );
    });

    test("Mimir's distributors track the elected replica on their memberlist and accept HA samples by the same two labels", () => {
        const mimir = configFile(resources, "mimir-distributed-config", "mimir.yaml");
        assert.deepEqual(mimir.distributor.ha_tracker, { enable_ha_tracker: true, kvstore: { store: "memberlist" } });
        assert.equal(mimir.limits.accept_ha_samples, true);
        assert.equal(mimir.limits.ha_cluster_label, "cluster");
        assert.equal(mimir.limits.ha_replica_label, "__replica__");
        // The tracker's state gossips where the rings do: the engine's own memberlist cluster.
        assert.deepEqual(mimir.memberlist.join_members, ["dns+mimir-gossip.observability.svc.cluster.local:7946"]);
    });

    test("the operator's agent runs as a pair too, labelled for the same deduplication and spread like Prometheus", () => {
        const spec = named(resources, AGENT, "lgtm").inputs.spec;
        assert.equal(spec.replicas, 2);
        assert.equal(spec.prometheusExternalLabelName, "cluster");
        assert.equal(spec.replicaExternalLabelName, "__replica__");
        assert.deepEqual(spec.topologySpreadConstraints, [
            { additionalLabelSelectors: "OnResource", maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" },
            { additionalLabelSelectors: "OnResource", maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        ]);
        assert.deepEqual(
            spec.remoteWrite.map((w: any) => w.url),
            ["http://mimir-distributor.observability.svc.cluster.local:8080/api/v1/push"],
        );
    });

    test("OTLP metrics reach both replicas: the gateway exports each batch to every replica's own address", () => {
        const gateway = configFile(resources, "otel-collector-config", "config.yaml");
        const endpoints = gateway.service.pipelines.metrics.exporters.map((id: string) => gateway.exporters[id].endpoint);
        assert.deepEqual(endpoints, [
            "http://prometheus-0.prometheus-headless.observability.svc.cluster.local:9090/api/v1/otlp",
            "http://prometheus-1.prometheus-headless.observability.svc.cluster.local:9090/api/v1/otlp",
        ]);
    });
});

describe("prod, single: nothing of the HA ingest", () => {
    let resources: RecordedResource[] = [];
    before(async () => {
        ({ resources } = await runStack("prod", {}, ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"]));
    });

    test("the independent pair keeps its labels, and one agent writes to both replicas with no pair or replica label", () => {
        const prometheus = configFile(resources, "prometheus-config", "prometheus.yml");
        assert.deepEqual(prometheus.global.external_labels, { stack: "prod", environment: "prod" });
        assert.equal(named(resources, STATEFUL_SET, "prometheus").inputs.spec.template.spec.containers[0].env, undefined);
        const spec = named(resources, AGENT, "lgtm").inputs.spec;
        assert.equal(spec.replicas, 1);
        assert.equal(spec.prometheusExternalLabelName, "");
        assert.equal(spec.replicaExternalLabelName, "");
        assert.equal(spec.topologySpreadConstraints, undefined);
        assert.equal(
            ofType(resources, PDB).find((r) => r.inputs.metadata?.name === "prometheus-agent"),
            undefined,
        );
    });
});
