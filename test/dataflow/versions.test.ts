/**
 * The binaries the data-flow suite runs are the versions the stack deploys: each one's own
 * `--version` names the image tag in tools/versions.json. A missing binary fails with the build hint.
 * Loki and Tempo are not among them: their modules are AGPL and never built here.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import versions from "../../tools/versions.json";
import { run } from "../../scripts/dev/processes";
import { requireTool } from "../../scripts/dev/tools";
import { Tool } from "./harness";

const IMAGE_OF: Record<Tool, keyof typeof versions.images> = {
    prometheus: "prometheus",
    promtool: "prometheus",
    alertmanager: "alertmanager",
    amtool: "alertmanager",
    otelcol: "otelcol",
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("built binaries match the image tags in tools/versions.json", () => {
    for (const [tool, image] of Object.entries(IMAGE_OF) as [Tool, keyof typeof versions.images][]) {
        const tag = versions.images[image].tag;
        test(`${tool} --version reports ${image} ${tag}`, () => {
            const result = run(requireTool(tool), ["--version"], undefined, { timeoutMs: 30_000 });
            assert.equal(result.code, 0, result.output);
            // "prometheus, version 3.15.0 (...)", "alertmanager, version 0.31.1 (...)", "otelcol version 0.160.0"
            assert.match(result.output, new RegExp(`\\bversion v?${escape(tag.replace(/^v/, ""))}(\\s|$)`), `${tool}: ${result.output.split("\n")[0]}`);
        });
    }
});
