import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { StackConfig } from "../config/types";
import { readRunbooks } from "../io/runbooks";
import { renderStack } from "../render";
import { knownRunbooks, loadStack, minimalRaw } from "./support/fixtures";
import { GRAFANA_DATASOURCE_KEYS } from "./support/upstream/grafanaDatasourceKeys";
import { GRAFANA_INI_KEYS } from "./support/upstream/grafanaIniKeys";
import { LOKI_KEYS } from "./support/upstream/lokiKeys";
import { checkAgainstKeyList, KeyList } from "./support/upstream/schema";
import { TEMPO_2_KEYS, TEMPO_KEYS } from "./support/upstream/tempoKeys";
import { MIMIR_FLAGS, MIMIR_KEYS } from "./support/upstream/mimirKeys";
import { distributedRaw } from "./support/topology";

/**
 * Every key path we render into loki.yaml, tempo.yaml, mimir.yaml and the Grafana datasources'
 * jsonData, and every flag the Mimir tiers pass, must be on our hand-reviewed list of keys of the
 * pinned upstream release, with a value of the documented type. A renamed or misspelled key, a flag
 * upstream removed, or a duration Tempo cannot parse, fails here with its path.
 */
const OBJECT_STORAGE_SECRETS = ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"];

function withOptionalFeatures(): StackConfig {
    const s3 = (bucket: string) => ({ type: "s3", bucket, endpoint: "minio.storage:9000", region: "eu-west-1", insecure: true, forcePathStyle: true });
    const raw = minimalRaw(
        {
            profile: "dev",
            loki: { storage: s3("logs"), persistence: { enabled: true, size: "5Gi" }, retention: "45d" },
            tempo: { storage: s3("traces"), persistence: { enabled: true, size: "5Gi" }, retention: "2w" },
            prometheus: { replicas: 3 },
            alertmanager: { replicas: 3 },
            objectStorageAccessKeyId: "id",
            objectStorageSecretAccessKey: "key",
        },
        OBJECT_STORAGE_SECRETS,
    );
    return loadStackConfig(raw, { knownRunbooks });
}

const CASES: ReadonlyArray<readonly [string, () => StackConfig]> = [
    ["the dev stack (filesystem storage, no persistence)", () => loadStack("dev")],
    ["the prod stack (S3 storage, persistence, replicas)", () => loadStack("prod")],
    ["a dev stack with S3 via MinIO, persistence, replicas and week/day retentions", withOptionalFeatures],
];

function assertOnList(config: unknown, keys: KeyList, where: string) {
    const problems = checkAgainstKeyList(config, keys, where);
    assert.deepEqual(problems, [], problems.join("\n"));
}

describe("rendered configs use only keys of the pinned upstream releases", () => {
    for (const [name, load] of CASES) {
        test(`${name}: loki.yaml`, () => {
            assertOnList(YAML.parse(renderStack(load(), readRunbooks()).workloads.loki.config), LOKI_KEYS, "loki.yaml");
        });
        test(`${name}: tempo.yaml`, () => {
            assertOnList(YAML.parse(renderStack(load(), readRunbooks()).workloads.tempo.config), TEMPO_KEYS, "tempo.yaml");
        });
        test(`${name}: grafana.ini`, () => {
            assertOnList(renderStack(load(), readRunbooks()).grafanaServer!.settings, GRAFANA_INI_KEYS, "grafana.ini");
        });
        test(`${name}: Grafana datasource jsonData`, () => {
            const datasources = renderStack(load(), readRunbooks()).datasources;
            assert.deepEqual(datasources.map((d) => d.type).sort(), Object.keys(GRAFANA_DATASOURCE_KEYS).sort(), "a key list for every datasource type we provision");
            for (const datasource of datasources) {
                assertOnList(datasource.jsonData, GRAFANA_DATASOURCE_KEYS[datasource.type], `${datasource.name} jsonData`);
            }
        });
    }
});

describe("the key check itself", () => {
    test("names the path of a key that is not on the list", () => {
        const problems = checkAgainstKeyList({ compactor: { retention_enabled: true, retention_deletion_delay: "2h" } }, LOKI_KEYS, "loki.yaml");
        assert.deepEqual(problems, ["loki.yaml: compactor.retention_deletion_delay is not a key of the pinned upstream reference (not on our reviewed list)"]);
    });

    test("refuses a day-based duration where Tempo parses Go durations, and accepts it where Loki does", () => {
        assert.deepEqual(checkAgainstKeyList({ backend_worker: { compaction: { block_retention: "14d" } } }, TEMPO_KEYS, "tempo.yaml"), [
            'tempo.yaml: backend_worker.compaction.block_retention must be a Go duration such as 10m or 72h (no d or w), got "14d"',
        ]);
        assert.deepEqual(checkAgainstKeyList({ compactor: { compaction: { block_retention: "14d" } } }, TEMPO_2_KEYS, "tempo.yaml"), [
            'tempo.yaml: compactor.compaction.block_retention must be a Go duration such as 10m or 72h (no d or w), got "14d"',
        ]);
        assert.deepEqual(checkAgainstKeyList({ limits_config: { retention_period: "30d" } }, LOKI_KEYS, "loki.yaml"), []);
    });

    test("refuses in a Tempo 3 config what 3.0 removed: ingester, compactor, traces_storage, local-blocks, vParquet3", () => {
        const problems = checkAgainstKeyList(
            {
                ingester: { max_block_duration: "5m" },
                compactor: { compaction: { block_retention: "72h" } },
                metrics_generator: { traces_storage: { path: "/var/tempo/generator/traces" } },
                overrides: { defaults: { metrics_generator: { processors: ["span-metrics", "local-blocks"] } } },
                storage: { trace: { block: { version: "vParquet3" } } },
            },
            TEMPO_KEYS,
            "tempo.yaml",
        );
        assert.deepEqual(problems, [
            "tempo.yaml: ingester is not a key of the pinned upstream reference (not on our reviewed list)",
            "tempo.yaml: compactor is not a key of the pinned upstream reference (not on our reviewed list)",
            "tempo.yaml: metrics_generator.traces_storage is not a key of the pinned upstream reference (not on our reviewed list)",
            'tempo.yaml: overrides.defaults.metrics_generator.processors[1] must be one of service-graphs, span-metrics, host-info, got "local-blocks"',
            'tempo.yaml: storage.trace.block.version must be one of vParquet4, vParquet5, got "vParquet3"',
        ]);
    });

    test("checks enum values, bools and ints, and walks lists of objects", () => {
        const problems = checkAgainstKeyList(
            {
                schema_config: { configs: [{ from: "2024-1-1", store: "tsdb", schema: "v14", index: { period: "24h", prefx: "index_" } }] },
                auth_enabled: "false",
                server: { http_listen_port: 3100.5 },
            },
            LOKI_KEYS,
            "loki.yaml",
        );
        assert.deepEqual(problems, [
            'loki.yaml: schema_config.configs[].from must be a YYYY-MM-DD day, got "2024-1-1"',
            'loki.yaml: schema_config.configs[].schema must be one of v11, v12, v13, got "v14"',
            "loki.yaml: schema_config.configs[].index.prefx is not a key of the pinned upstream reference (not on our reviewed list)",
            'loki.yaml: auth_enabled must be a bool, got "false"',
            "loki.yaml: server.http_listen_port must be an int, got 3100.5",
        ]);
    });

    test("accepts an environment reference for a secret string and checks map values", () => {
        assert.deepEqual(checkAgainstKeyList({ storage: { trace: { s3: { access_key: "${OBJECT_STORAGE_ACCESS_KEY_ID}" } } } }, TEMPO_KEYS, "tempo.yaml"), []);
        assert.deepEqual(checkAgainstKeyList({ metrics_generator: { registry: { external_labels: { stack: 3 } } } }, TEMPO_KEYS, "tempo.yaml"), [
            "tempo.yaml: metrics_generator.registry.external_labels.stack must be a string, got 3",
        ]);
    });
});

describe("with topology.tenants, the engines' configs and runtime overrides use only keys of the pinned releases", () => {
    const tenants = () => {
        const raw = distributedRaw({
            services: [
                { name: "checkout", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] },
                { name: "search", team: "discovery", slos: [{ kind: "availability", objective: 99.5 }] },
            ],
            topology: {
                mode: "distributed",
                mimir: { storage: { type: "s3", bucket: "metrics", endpoint: "minio.storage:9000", region: "eu-west-1", insecure: true, forcePathStyle: true } },
                tenants: { payments: { teams: ["payments"], limits: { logsMBPerSecond: 8, tracesMBPerSecond: 4, samplesPerSecond: 50000, maxSeries: 300000 } } },
            },
        });
        return renderStack(loadStackConfig(raw, { knownRunbooks }), readRunbooks());
    };
    /** A runtime file's per-tenant entries take the keys of the engine's defaults block: checked as if they were that block. */
    const eachTenant = (overrides: string, wrap: (entry: unknown) => unknown, keys: KeyList, where: string) => {
        const entries = Object.entries((YAML.parse(overrides) as { overrides: Record<string, unknown> }).overrides);
        assert.ok(entries.length > 0, `${where} holds a tenant`);
        for (const [tenant, entry] of entries) {
            assertOnList(wrap(entry), keys, `${where} (${tenant})`);
        }
    };
    test("loki.yaml and its overrides (limits_config keys)", () => {
        const { loki } = tenants().topology!;
        assertOnList(YAML.parse(loki.config), LOKI_KEYS, "loki.yaml (tenants)");
        eachTenant(loki.overrides!, (entry) => ({ limits_config: entry }), LOKI_KEYS, "loki overrides.yaml");
    });
    test("tempo.yaml and its overrides (distributed: Tempo 2.10; the scoped format of overrides.defaults)", () => {
        const { tempo } = tenants().topology!;
        assertOnList(YAML.parse(tempo.config), TEMPO_2_KEYS, "tempo.yaml (tenants)");
        eachTenant(tempo.overrides!, (entry) => ({ overrides: { defaults: entry } }), TEMPO_2_KEYS, "tempo overrides.yaml");
    });
    test("mimir.yaml and its overrides (limits keys)", () => {
        const { mimir } = tenants().topology!;
        assertOnList(YAML.parse(mimir.config), MIMIR_KEYS, "mimir.yaml (tenants)");
        eachTenant(mimir.overrides!, (entry) => ({ limits: entry }), MIMIR_KEYS, "mimir overrides.yaml");
    });
    test("every datasource's jsonData, the tenant header included", () => {
        for (const datasource of tenants().datasources) {
            assertOnList(datasource.jsonData, GRAFANA_DATASOURCE_KEYS[datasource.type], `${datasource.name} jsonData`);
        }
    });
});

describe("the distributed topology's configs use only keys of the pinned upstream releases", () => {
    const topology = () => renderStack(loadStackConfig(distributedRaw(), { knownRunbooks }), readRunbooks()).topology!;

    test("Loki microservices: loki.yaml", () => {
        assertOnList(YAML.parse(topology().loki.config), LOKI_KEYS, "loki.yaml (distributed)");
    });
    test("Tempo distributed: tempo.yaml", () => {
        // Tempo 2.10: the distributed topology stays there (Tempo 3's microservices need a Kafka-compatible log).
        assertOnList(YAML.parse(topology().tempo.config), TEMPO_2_KEYS, "tempo.yaml (distributed)");
    });
    test("Grafana Mimir: mimir.yaml", () => {
        assertOnList(YAML.parse(topology().mimir.config), MIMIR_KEYS, "mimir.yaml");
    });
    test("Grafana Mimir: every tier passes only flags of the pinned release, and runs classic ingesters", () => {
        const tiers = topology().mimir.tiers;
        assert.deepEqual(tiers.map((t) => t.name).sort(), ["compactor", "distributor", "ingester", "querier", "query-frontend", "query-scheduler", "ruler", "store-gateway"]);
        for (const tier of tiers) {
            assertOnList(mimirFlags(tier.args), MIMIR_FLAGS, `mimir ${tier.name} args`);
        }
        // Classic architecture: nothing may switch on Kafka-based ingest storage, by file or by flag.
        const mimir = YAML.parse(topology().mimir.config);
        assert.equal(mimir.ingest_storage, undefined);
        assert.ok(tiers.every((t) => t.args.every((arg) => !arg.startsWith("-ingest-storage."))));
    });
    test("a Mimir flag removed in 3.x, or a target it no longer has, is named", () => {
        assert.deepEqual(checkAgainstKeyList(mimirFlags(["-querier.frontend-address=qf:9095", "-target=flusher", "-config.expand-env=yes"]), MIMIR_FLAGS, "mimir args"), [
            "mimir args: querier.frontend-address is not a key of the pinned upstream reference (not on our reviewed list)",
            'mimir args: target must be one of distributor, ingester, querier, query-frontend, query-scheduler, store-gateway, compactor, ruler, got "flusher"',
            'mimir args: config.expand-env must be a bool, got "yes"',
        ]);
    });
    test("a misspelled Mimir key is named with its path", () => {
        assert.deepEqual(checkAgainstKeyList({ ruler: { alertmanager_urls: "http://am:9093" } }, MIMIR_KEYS, "mimir.yaml"), [
            "mimir.yaml: ruler.alertmanager_urls is not a key of the pinned upstream reference (not on our reviewed list)",
        ]);
    });
});

/** `-name=value` container args as a flat map; `true`/`false` become bools, as Go's flag package reads them. */
function mimirFlags(args: readonly string[]): Record<string, unknown> {
    const flags: Record<string, unknown> = {};
    for (const arg of args) {
        const match = /^-([a-z][a-z0-9.-]*)=(.*)$/.exec(arg);
        assert.ok(match, `${arg} is not in -name=value form`);
        const [, name, value] = match;
        assert.ok(!(name in flags), `-${name} is passed twice`);
        flags[name] = value === "true" ? true : value === "false" ? false : value;
    }
    return flags;
}
