/**
 * topology.zones under Pulumi mocks, on the prod profile in the distributed topology with zones a, b
 * and c: the zone-replicated tiers become one StatefulSet per zone, pinned to their zone's nodes, and
 * everything that selects a tier (Services, the disruption budget, NetworkPolicies) still selects
 * every zone's pods.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { ofType, RecordedResource, runStack } from "../support/mocks";
import { distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";

const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
let resources: RecordedResource[] = [];

function named(type: string, name: string): RecordedResource {
    const found = ofType(resources, type).find((r) => r.inputs.metadata?.name === name);
    assert.ok(found, `${type} ${name} exists`);
    return found;
}

/** The tier labels every pod of a tier carries, written out. */
const tierSelector = (engine: string, tier: string) => ({ "app.kubernetes.io/name": engine, "app.kubernetes.io/component": tier, "app.kubernetes.io/part-of": "lgtm-stack" });
const ZONED = ["loki-ingester", "tempo-ingester", "mimir-ingester", "mimir-store-gateway"];

describe("topology.zones [a, b, c] on prod-distributed under mocks", () => {
    before(async () => {
        const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues({ zones: ["a", "b", "c"] });
        ({ resources } = await runStack("prod", values, OBJECT_STORAGE_SECRETS));
    });

    test("each zone-replicated tier runs one StatefulSet per zone, one replica each, and no StatefulSet for the whole tier", () => {
        const statefulSets = ofType(resources, STATEFULSET).map((r) => `${r.inputs.metadata.name} x${r.inputs.spec.replicas}`).sort();
        assert.deepEqual(statefulSets, [
            "alertmanager x3",
            "loki-compactor x1",
            "loki-index-gateway x2",
            "loki-ingester-zone-a x1",
            "loki-ingester-zone-b x1",
            "loki-ingester-zone-c x1",
            "mimir-compactor x1",
            "mimir-ingester-zone-a x1",
            "mimir-ingester-zone-b x1",
            "mimir-ingester-zone-c x1",
            "mimir-store-gateway-zone-a x1",
            "mimir-store-gateway-zone-b x1",
            "mimir-store-gateway-zone-c x1",
            "otel-collector x3",
            "prometheus x2", // the HA pair of the distributed topology
            "tempo-ingester-zone-a x1",
            "tempo-ingester-zone-b x1",
            "tempo-ingester-zone-c x1",
            "tempo-metrics-generator x2",
        ]);
    });

    test("a zone's pods may only run on that zone's nodes, and never two of the tier on one node", () => {
        for (const name of ZONED) {
            for (const zone of ["a", "b", "c"]) {
                const spec = named(STATEFULSET, `${name}-zone-${zone}`).inputs.spec.template.spec;
                assert.deepEqual(spec.affinity, {
                    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }] }] } },
                });
                const [engine, ...tier] = name.split("-");
                assert.deepEqual(spec.topologySpreadConstraints, [
                    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: tierSelector(engine, tier.join("-")) } },
                ]);
            }
        }
    });

    test("each zone's pods name their zone to their engine, by the engine's own flag", () => {
        const zoneFlag = (name: string) => (named(STATEFULSET, name).inputs.spec.template.spec.containers[0].args as string[]).filter((arg) => /zone/.test(arg));
        assert.deepEqual(zoneFlag("loki-ingester-zone-b"), ["-ingester.availability-zone=b"]);
        assert.deepEqual(zoneFlag("tempo-ingester-zone-c"), ["-ingester.availability-zone=c"]);
        assert.deepEqual(zoneFlag("mimir-ingester-zone-a"), ["-ingester.ring.instance-availability-zone=a"]);
        assert.deepEqual(zoneFlag("mimir-store-gateway-zone-b"), ["-store-gateway.sharding-ring.instance-availability-zone=b"]);
        // Tiers that are not zone-replicated pass no zone.
        assert.deepEqual(zoneFlag("loki-index-gateway"), []);
    });

    test("a zone's StatefulSet selects only its zone's pods; the pods keep the tier's labels beside the zone", () => {
        const sts = named(STATEFULSET, "mimir-store-gateway-zone-c").inputs;
        assert.deepEqual(sts.spec.selector.matchLabels, { ...tierSelector("mimir", "store-gateway"), "lgtm.dev/zone": "c" });
        assert.deepEqual(sts.spec.template.metadata.labels, {
            ...tierSelector("mimir", "store-gateway"),
            "app.kubernetes.io/managed-by": "pulumi",
            "lgtm.dev/memberlist": "mimir",
            "lgtm.dev/zone": "c",
        });
        // Pod DNS names stay under the tier's headless Service: mimir-store-gateway-zone-c-0.mimir-store-gateway-headless.
        assert.equal(sts.spec.serviceName, "mimir-store-gateway-headless");
    });

    test("the tier's Services, its disruption budget and its NetworkPolicy select every zone's pods", () => {
        for (const name of ZONED) {
            const [engine, ...rest] = name.split("-");
            const selector = tierSelector(engine, rest.join("-"));
            const podLabels = ["a", "b", "c"].map((zone) => named(STATEFULSET, `${name}-zone-${zone}`).inputs.spec.template.metadata.labels);
            const selects = (matchLabels: Record<string, string>) => podLabels.every((labels) => Object.entries(matchLabels).every(([key, value]) => labels[key] === value));
            assert.deepEqual(named("kubernetes:core/v1:Service", name).inputs.spec.selector, selector);
            assert.deepEqual(named("kubernetes:core/v1:Service", `${name}-headless`).inputs.spec.selector, selector);
            // One budget over the three zones: a PodDisruptionBudget cannot limit evictions to one zone at a time,
            // so it allows one pod, which with one replica per zone is a whole zone.
            const pdb = named("kubernetes:policy/v1:PodDisruptionBudget", name).inputs.spec;
            assert.deepEqual(pdb, { maxUnavailable: 1, selector: { matchLabels: selector } });
            const policy = named("kubernetes:networking.k8s.io/v1:NetworkPolicy", `allow-${name}`).inputs.spec;
            assert.ok(selects(policy.podSelector.matchLabels), `allow-${name} selects every zone's pods: ${JSON.stringify(policy.podSelector)}`);
            assert.ok(selects(selector));
        }
        assert.equal(ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget").filter((r) => /zone/.test(r.inputs.metadata.name)).length, 0, "no budget per zone");
    });
});
