import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import versions from "../../tools/versions.json";
import { renderCommand, renderToTemp } from "../support/render";
import { run, toolPath } from "../../scripts/dev";

const LAYOUT = [
    "prometheus/prometheus.yml",
    "prometheus/rules/stack.yaml",
    "alertmanager/alertmanager.yml",
    "loki/loki.yaml",
    "tempo/tempo.yaml",
    "otel-collector/config.yaml",
    "grafana/datasources/lgtm-prometheus.json",
];

for (const stack of ["dev", "prod"]) {
    describe(`${stack}: the real tools accept what we render`, () => {
        const dir = renderToTemp(stack);

        test("npm run render writes the documented layout", () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), `lgtm-cli-${stack}-`));
            renderCommand(stack, out);
            for (const file of LAYOUT) {
                assert.ok(fs.existsSync(path.join(out, file)), `${file} rendered`);
            }
            assert.ok(fs.readdirSync(path.join(out, "grafana/dashboards")).length >= 4, "dashboards rendered");
            // Deterministic: the same config renders byte-identical files.
            for (const file of LAYOUT) {
                assert.equal(fs.readFileSync(path.join(out, file), "utf8"), fs.readFileSync(path.join(dir, file), "utf8"), file);
            }
        });

        test("promtool is the image's version and accepts prometheus.yml (Kubernetes SD included)", () => {
            const promtool = toolPath("promtool");
            const version = run(promtool, ["--version"]).output;
            assert.match(version, new RegExp(`version ${versions.images.prometheus.tag.replace(/^v/, "")}\\b`));
            // --syntax-only: the in-cluster service-account files do not exist here.
            const result = run(promtool, ["check", "config", "--syntax-only", "prometheus.yml"], path.join(dir, "prometheus"));
            assert.equal(result.code, 0, result.output);
        });

        test("promtool accepts every rule file", () => {
            const rules = fs.readdirSync(path.join(dir, "prometheus/rules")).map((f) => path.join(dir, "prometheus/rules", f));
            assert.ok(rules.length >= 2);
            const result = run(toolPath("promtool"), ["check", "rules", ...rules]);
            assert.equal(result.code, 0, result.output);
        });

        test("amtool accepts alertmanager.yml", () => {
            const amtool = toolPath("amtool");
            const result = run(amtool, ["check-config", path.join(dir, "alertmanager/alertmanager.yml")]);
            assert.equal(result.code, 0, result.output);
            assert.match(result.output, /SUCCESS/);
        });
    });
}
