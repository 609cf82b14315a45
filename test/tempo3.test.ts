/**
 * Tempo 3 in the single topology, Tempo 2.10 in the distributed one (issue 27 item 7). Expected
 * values are written by hand from grafana/tempo v3.0.3's migrate-to-3.md and configuration
 * reference: the monolith has no ingester, compactor or local-blocks; retention is the backend
 * worker's; blocks are vParquet4 or later.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { readRunbooks } from "../io/runbooks";
import { renderStack } from "../render";
import { knownRunbooks, minimalRaw, problemsOf } from "./support/fixtures";
import { distributedRaw, distributedValues } from "./support/topology";

describe("Tempo 3 in the single topology", () => {
    const config = loadStackConfig(minimalRaw({ tempo: { retention: "7d" } }), { knownRunbooks });
    const tempo = YAML.parse(renderStack(config, readRunbooks()).workloads.tempo.config);

    test("the monolith runs grafana/tempo 3.0.3 by default", () => {
        assert.deepEqual(config.tempo.image, { repository: "grafana/tempo", tag: "3.0.3" });
    });

    test("the blocks Tempo 3 removed are not rendered: ingester, ingester_client, compactor, metrics_generator_client", () => {
        for (const removed of ["ingester", "ingester_client", "compactor", "metrics_generator_client"]) {
            assert.equal(tempo[removed], undefined, `${removed} is rendered`);
        }
    });

    test("no local-blocks processor and no traces_storage for it (the live-store serves recent TraceQL metrics)", () => {
        assert.deepEqual(tempo.overrides.defaults.metrics_generator.processors, ["service-graphs", "span-metrics"]);
        assert.equal(tempo.metrics_generator.traces_storage, undefined);
    });

    test("retention (7d) is the backend worker's block_retention, 168h, and the scheduler's copy matches", () => {
        assert.equal(tempo.backend_worker.compaction.block_retention, "168h");
        assert.equal(tempo.backend_scheduler.provider.compaction.compaction.block_retention, "168h");
        assert.equal(tempo.backend_worker.backend_scheduler_addr, "127.0.0.1:9095");
    });

    test("blocks are written in vParquet4, which 2.10 wrote too, so existing blocks stay readable", () => {
        assert.equal(tempo.storage.trace.block.version, "vParquet4");
    });

    test("the live-store and the scheduler keep their files on the data volume", () => {
        assert.deepEqual(tempo.live_store, { wal: { path: "/var/tempo/live-store/traces" }, shutdown_marker_dir: "/var/tempo/live-store/shutdown-marker" });
        assert.equal(tempo.backend_scheduler.local_work_path, "/var/tempo");
    });

    test("no Kafka: the monolith has no ingest block", () => {
        assert.equal(tempo.ingest, undefined);
    });
});

describe("Tempo 2.10 in the distributed topology", () => {
    const config = loadStackConfig(distributedRaw(), { knownRunbooks });
    const tempo = YAML.parse(renderStack(config, readRunbooks()).topology!.tempo.config);

    test("the distributed tiers run grafana/tempo 2.10.8 by default", () => {
        assert.deepEqual(config.tempo.image, { repository: "grafana/tempo", tag: "2.10.8" });
    });

    test("ingesters, compactors and local-blocks stay, as Tempo 2.10 needs them", () => {
        assert.equal(tempo.ingester.lifecycler.ring.replication_factor, 3);
        assert.ok(tempo.compactor.compaction.block_retention);
        assert.deepEqual(tempo.overrides.defaults.metrics_generator.processors, ["service-graphs", "span-metrics", "local-blocks"]);
        assert.equal(tempo.live_store, undefined);
        assert.equal(tempo.backend_worker, undefined);
    });
});

describe("a Tempo image of the other release line is refused", () => {
    test("a 2.x image in the single topology, which renders Tempo 3's configuration", () => {
        assert.deepEqual(problemsOf({ tempo: { image: { tag: "2.10.8" } } }), [
            "tempo.image.tag: 2.10.8 is Tempo 2; the single topology renders Tempo 3's configuration (ingester and compactor are gone), which Tempo 2 refuses; use a 3.x release such as 3.0.3 (README: Tempo 3, moving from 2.10)",
        ]);
    });

    test("a 3.x image in the distributed topology, whose Tempo 3 microservices would need Kafka", () => {
        const raw = distributedRaw({ tempo: { ...(distributedValues().tempo as object), image: { tag: "v3.0.3" } } });
        assert.throws(
            () => loadStackConfig(raw, { knownRunbooks }),
            (error: Error & { problems?: string[] }) =>
                error.problems?.length === 1 &&
                error.problems[0] === "tempo.image.tag: v3.0.3 is Tempo 3; the distributed topology runs Tempo 2 (Tempo 3's microservices need a Kafka-compatible log the stack does not run), so use a 2.x release such as 2.10.8",
        );
    });

    test("another 3.x release in the single topology is accepted", () => {
        assert.deepEqual(problemsOf({ tempo: { image: { tag: "3.0.1" } } }), []);
    });
});
