/**
 * The distributed topology's inputs that real tools built here can check: prometheus.yml with remote
 * write to Mimir (and no rule files) and the rule files Mimir's ruler loads (Mimir parses them with
 * Prometheus' rulefmt), by promtool at the pinned Prometheus version; the gateway config by the
 * Collector distribution built from tools/otelcol, which includes the load-balancing exporter the
 * first tier runs (as the deployed contrib image does).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import { after, describe, test } from "node:test";
import * as os from "os";
import * as path from "path";
import { loadStackConfig } from "../config/load";
import { readRunbooks } from "../io/runbooks";
import { artifactFiles, renderStack } from "../render";
import { knownRunbooks } from "./support/fixtures";
import { run, toolPath } from "../scripts/dev";
import { distributedRaw } from "./support/topology";

describe("distributed topology, real promtool and Collector", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-distributed-"));
    const files = artifactFiles(renderStack(loadStackConfig(distributedRaw(), { knownRunbooks }), readRunbooks()));
    for (const [relative, content] of files) {
        fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
        fs.writeFileSync(path.join(dir, relative), content);
    }

    test("accepts prometheus.yml that forwards to Mimir and scrapes Mimir's and the load-balancing tier's pods, tier label included", () => {
        // --syntax-only: the kubelet jobs' service-account token file exists only in the pod.
        const result = run(toolPath("promtool"), ["check", "config", "--syntax-only", "prometheus.yml"], path.join(dir, "prometheus"));
        assert.equal(result.code, 0, result.output);
        const text = fs.readFileSync(path.join(dir, "prometheus/prometheus.yml"), "utf8");
        assert.match(text, /remote_write:/);
        assert.match(text, /job_name: mimir\n/);
        assert.match(text, /job_name: otel-collector-lb\n/);
        assert.match(text, /__meta_kubernetes_pod_label_app_kubernetes_io_component\n\s+target_label: component\n/);
        // The HA pair's labels for Mimir's deduplication, the replica's from the pod's environment (test/slow/haIngest.realtools.test.ts runs it).
        assert.match(text, /external_labels:\n\s+stack: dev\n\s+environment: dev\n\s+cluster: observability\/prometheus\n\s+__replica__: \$\{POD_NAME\}\n/);
    });

    test("promtool refuses the same prometheus.yml with the Mimir job's selector broken, so its acceptance means something", () => {
        const text = fs.readFileSync(path.join(dir, "prometheus/prometheus.yml"), "utf8");
        // Relabel regexes are compiled when the config loads; an unclosed group cannot be.
        fs.writeFileSync(path.join(dir, "prometheus/broken.yml"), text.replace("regex: mimir\n", "regex: mimir(\n"));
        const result = run(toolPath("promtool"), ["check", "config", "--syntax-only", "broken.yml"], path.join(dir, "prometheus"));
        assert.notEqual(result.code, 0, result.output);
        assert.match(result.output, /mimir\(/);
    });

    test("accepts every rule file the Mimir ruler loads", () => {
        const rules = [...files.keys()].filter((file) => file.startsWith("prometheus/rules/")).map((file) => path.join(dir, file));
        assert.ok(rules.length >= 2, "the stack's rule file and the service's");
        const result = run(toolPath("promtool"), ["check", "rules", ...rules]);
        assert.equal(result.code, 0, result.output);
    });

    test("the real Collector accepts the gateway config that pushes to Loki's and Tempo's distributors", () => {
        const result = run(toolPath("otelcol"), ["validate", `--config=${path.join(dir, "otel-collector/config.yaml")}`]);
        assert.equal(result.code, 0, result.output);
        assert.match(fs.readFileSync(path.join(dir, "otel-collector/config.yaml"), "utf8"), /tempo-distributor\./);
    });

    test("the real Collector accepts the load-balancing tier that routes spans by trace id to the gateways", () => {
        const result = run(toolPath("otelcol"), ["validate", `--config=${path.join(dir, "otel-collector/load-balancer.yaml")}`]);
        assert.equal(result.code, 0, result.output);
        assert.match(fs.readFileSync(path.join(dir, "otel-collector/load-balancer.yaml"), "utf8"), /routing_key: traceID/);
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));
});
