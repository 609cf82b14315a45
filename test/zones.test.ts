/**
 * topology.zones: which lists are refused (and how the error reads), and what the engines' configs
 * and the zone-replicated tiers' StatefulSets get. Expected keys and flags are written by hand from
 * the engines' references (see test/support/upstream/*Keys.ts for the sources of each).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { readRunbooks } from "../io/runbooks";
import { renderStack } from "../render";
import { RenderedEngine } from "../render/topology";
import { configProblems, knownRunbooks, minimalRaw } from "./support/fixtures";
import { distributedRaw, s3 } from "./support/topology";
import { checkAgainstKeyList, KeyList } from "./support/upstream/schema";
import { LOKI_FLAGS, LOKI_KEYS } from "./support/upstream/lokiKeys";
import { MIMIR_FLAGS, MIMIR_KEYS } from "./support/upstream/mimirKeys";
import { TEMPO_2_FLAGS, TEMPO_2_KEYS } from "./support/upstream/tempoKeys";

const MIMIR_STORAGE = s3("metrics");
const withZones = (zones: unknown, extra: Record<string, unknown> = {}) => distributedRaw({ topology: { mode: "distributed", mimir: { storage: MIMIR_STORAGE }, zones, ...extra } });

const problemsOf = configProblems;

const topologyOf = (raw: ReturnType<typeof minimalRaw>) => renderStack(loadStackConfig(raw, { knownRunbooks }), readRunbooks()).topology!;

describe("topology.zones: config", () => {
    test("two zones are refused: replication factor 3 would keep two copies in one of them", () => {
        assert.deepEqual(problemsOf(withZones(["a", "b"])), [
            "topology.zones: has 2 zones; replication factor 3 over 2 zones keeps two copies in one zone, and losing that zone loses write quorum; list at least 3 zones, or remove topology.zones to spread copies by node only",
        ]);
    });

    test("one zone and an empty list are refused with the same fix", () => {
        assert.deepEqual(problemsOf(withZones(["a"])), [
            "topology.zones: has 1 zone; replication factor 3 needs a zone for each copy; list at least 3 zones, or remove topology.zones to spread copies by node only",
        ]);
        assert.deepEqual(problemsOf(withZones([])), [
            "topology.zones: has 0 zones; replication factor 3 needs a zone for each copy; list at least 3 zones, or remove topology.zones to spread copies by node only",
        ]);
    });

    test("a zone twice, a name no label or StatefulSet can carry, and a number are each named by their index", () => {
        assert.deepEqual(problemsOf(withZones(["a", "a", "EU_West", 3, "b"])), [
            'topology.zones[1]: "a" is listed twice; name each zone once',
            "topology.zones[2]: \"EU_West\" is not usable as a zone: give the nodes' topology.kubernetes.io/zone label value, lower-case letters, digits and '-' (at most 27 characters; it names the zone's StatefulSets), e.g. eu-west-1a",
            "topology.zones[3]: 3 is not usable as a zone: give the nodes' topology.kubernetes.io/zone label value, lower-case letters, digits and '-' (at most 27 characters; it names the zone's StatefulSets), e.g. eu-west-1a",
        ]);
    });

    test("a zone of 28 characters would make mimir-store-gateway-zone-<zone> longer than a StatefulSet name may be (52); 27 fit", () => {
        const long = "z".repeat(28);
        assert.match(problemsOf(withZones(["a", "b", long]))[0], /^topology\.zones\[2\]: "z{28}" is not usable as a zone/);
        assert.doesNotThrow(() => loadStackConfig(withZones(["a", "b", "z".repeat(27)]), { knownRunbooks }));
    });

    test("zones with topology single are refused: there are no rings to make zone-aware", () => {
        const raw = minimalRaw({ topology: { mode: "single", zones: ["a", "b", "c"] } });
        assert.deepEqual(problemsOf(raw), ["topology.zones: only applies with topology mode distributed (here single); remove it or set topology.mode: distributed"]);
    });

    test("three cloud zones are accepted as written", () => {
        const config = loadStackConfig(withZones(["eu-west-1a", "eu-west-1b", "eu-west-1c"]), { knownRunbooks });
        assert.equal(config.topology.kind, "distributed");
        assert.deepEqual(config.topology.kind === "distributed" ? config.topology.zones : undefined, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    });
});

const tier = (engine: RenderedEngine, name: string) => engine.tiers.find((t) => t.name === name) ?? assert.fail(`${engine.engine} ${name}`);
const zonesOf = (engine: RenderedEngine, name: string) => (tier(engine, name).zones ?? []).map((z) => `${z.name} x${z.replicas}: ${z.args.join(" ")}`);

describe("topology.zones: the engines' rings and the zone-replicated tiers", () => {
    const topology = topologyOf(withZones(["a", "b", "c"]));

    test("Loki: the ingester ring is zone-aware, and each zone's ingesters name their zone", () => {
        assert.deepEqual(YAML.parse(topology.loki.config).ingester, { lifecycler: { ring: { zone_awareness_enabled: true } } });
        assert.deepEqual(zonesOf(topology.loki, "ingester"), [
            "loki-ingester-zone-a x1: -config.file=/etc/lgtm/loki/loki.yaml -config.expand-env=true -target=ingester -ingester.availability-zone=a",
            "loki-ingester-zone-b x1: -config.file=/etc/lgtm/loki/loki.yaml -config.expand-env=true -target=ingester -ingester.availability-zone=b",
            "loki-ingester-zone-c x1: -config.file=/etc/lgtm/loki/loki.yaml -config.expand-env=true -target=ingester -ingester.availability-zone=c",
        ]);
    });

    test("Tempo: the ingester ring keeps memberlist and replication factor 3 and becomes zone-aware", () => {
        assert.deepEqual(YAML.parse(topology.tempo.config).ingester.lifecycler, { ring: { kvstore: { store: "memberlist" }, replication_factor: 3, zone_awareness_enabled: true } });
        assert.deepEqual(zonesOf(topology.tempo, "ingester"), [
            "tempo-ingester-zone-a x1: -config.file=/etc/lgtm/tempo/tempo.yaml -config.expand-env=true -target=ingester -ingester.availability-zone=a",
            "tempo-ingester-zone-b x1: -config.file=/etc/lgtm/tempo/tempo.yaml -config.expand-env=true -target=ingester -ingester.availability-zone=b",
            "tempo-ingester-zone-c x1: -config.file=/etc/lgtm/tempo/tempo.yaml -config.expand-env=true -target=ingester -ingester.availability-zone=c",
        ]);
    });

    test("Mimir: the ingester and store-gateway rings are zone-aware; each zone's pods name their zone in their own ring", () => {
        const mimir = YAML.parse(topology.mimir.config);
        assert.deepEqual(mimir.ingester.ring, { kvstore: { store: "memberlist" }, replication_factor: 3, zone_awareness_enabled: true });
        assert.deepEqual(mimir.store_gateway.sharding_ring, { replication_factor: 3, zone_awareness_enabled: true });
        assert.deepEqual(zonesOf(topology.mimir, "ingester"), [
            "mimir-ingester-zone-a x1: -config.file=/etc/lgtm/mimir/mimir.yaml -config.expand-env=true -target=ingester -ingester.ring.instance-availability-zone=a",
            "mimir-ingester-zone-b x1: -config.file=/etc/lgtm/mimir/mimir.yaml -config.expand-env=true -target=ingester -ingester.ring.instance-availability-zone=b",
            "mimir-ingester-zone-c x1: -config.file=/etc/lgtm/mimir/mimir.yaml -config.expand-env=true -target=ingester -ingester.ring.instance-availability-zone=c",
        ]);
        assert.deepEqual(zonesOf(topology.mimir, "store-gateway"), [
            "mimir-store-gateway-zone-a x1: -config.file=/etc/lgtm/mimir/mimir.yaml -config.expand-env=true -target=store-gateway -store-gateway.sharding-ring.instance-availability-zone=a",
            "mimir-store-gateway-zone-b x1: -config.file=/etc/lgtm/mimir/mimir.yaml -config.expand-env=true -target=store-gateway -store-gateway.sharding-ring.instance-availability-zone=b",
            "mimir-store-gateway-zone-c x1: -config.file=/etc/lgtm/mimir/mimir.yaml -config.expand-env=true -target=store-gateway -store-gateway.sharding-ring.instance-availability-zone=c",
        ]);
    });

    test("only those four tiers are split by zone: the compactor, metrics-generator and index gateway are not replicated by a ring", () => {
        const split = (["loki", "tempo", "mimir"] as const).flatMap((engine) => topology[engine].tiers.filter((t) => t.zones).map((t) => `${engine} ${t.name}`));
        assert.deepEqual(split, ["loki ingester", "tempo ingester", "mimir ingester", "mimir store-gateway"]);
    });

    test("replicas per zone are ceil(replicas / zones): 7 ingesters over 3 zones run 3 in each, 4 store-gateways over 4 zones 1 in each", () => {
        const seven = topologyOf(withZones(["a", "b", "c"], { loki: { ingester: { replicas: 7 } } }));
        assert.deepEqual(tier(seven.loki, "ingester").zones!.map((z) => z.replicas), [3, 3, 3]);
        const four = topologyOf(withZones(["a", "b", "c", "d"], { mimir: { storage: MIMIR_STORAGE, storeGateway: { replicas: 4 } } }));
        assert.deepEqual(tier(four.mimir, "store-gateway").zones!.map((z) => `${z.zone}:${z.replicas}`), ["a:1", "b:1", "c:1", "d:1"]);
    });

    test("without zones no tier is split and no ring is zone-aware", () => {
        const plain = topologyOf(distributedRaw());
        assert.ok((["loki", "tempo", "mimir"] as const).every((engine) => plain[engine].tiers.every((t) => t.zones === undefined)));
        for (const engine of ["loki", "tempo", "mimir"] as const) {
            assert.doesNotMatch(plain[engine].config, /zone/);
        }
    });
});

describe("topology.zones: configs and flags use only keys of the pinned upstream releases", () => {
    const topology = topologyOf(withZones(["a", "b", "c"]));
    const flags = (args: readonly string[]) => Object.fromEntries(args.map((arg) => /^-([a-z][a-z0-9.-]*)=(.*)$/.exec(arg) ?? assert.fail(arg)).map(([, name, value]) => [name, value === "true" ? true : value === "false" ? false : value]));
    const cases: readonly [RenderedEngine, KeyList, KeyList][] = [
        [topology.loki, LOKI_KEYS, LOKI_FLAGS],
        [topology.tempo, TEMPO_2_KEYS, TEMPO_2_FLAGS],
        [topology.mimir, MIMIR_KEYS, MIMIR_FLAGS],
    ];
    for (const [engine, keys, flagList] of cases) {
        test(`${engine.engine}: the config file and every tier's and zone's flags`, () => {
            assert.deepEqual(checkAgainstKeyList(YAML.parse(engine.config), keys, `${engine.engine}.yaml (zones)`), []);
            for (const t of engine.tiers) {
                for (const args of [t.args, ...(t.zones ?? []).map((z) => z.args)]) {
                    assert.deepEqual(checkAgainstKeyList(flags(args), flagList, `${engine.engine} ${t.name} args`), []);
                }
            }
        });
    }

    test("a zone flag of another engine is named: Loki's ingester flag is not Mimir's", () => {
        assert.deepEqual(checkAgainstKeyList({ "ingester.availability-zone": "a" }, MIMIR_FLAGS, "mimir args"), [
            "mimir args: ingester.availability-zone is not a key of the pinned upstream reference (not on our reviewed list)",
        ]);
    });
});
