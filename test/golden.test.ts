import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { readRunbooks } from "../io/runbooks";
import { artifactFiles, renderStack } from "../render";
import { loadStack } from "./support/fixtures";

/**
 * Golden files of the dev stack's rendered rules and dashboards: a change to what we generate shows
 * up in review as a diff of these files. Regenerate with `UPDATE_GOLDEN=1 npm test`.
 */
const GOLDEN_DIR = path.join(__dirname, "golden", "dev");

test("the dev stack renders exactly the reviewed golden rules and dashboards", () => {
    const files = [...artifactFiles(renderStack(loadStack("dev"), readRunbooks()))].filter(([file]) => file.startsWith("prometheus/rules/") || file.startsWith("grafana/dashboards/"));
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.rmSync(GOLDEN_DIR, { recursive: true, force: true });
        for (const [file, content] of files) {
            fs.mkdirSync(path.dirname(path.join(GOLDEN_DIR, file)), { recursive: true });
            fs.writeFileSync(path.join(GOLDEN_DIR, file), content);
        }
    }
    const expected = new Set<string>();
    for (const folder of ["prometheus/rules", "grafana/dashboards"]) {
        for (const file of fs.readdirSync(path.join(GOLDEN_DIR, folder))) {
            expected.add(`${folder}/${file}`);
        }
    }
    assert.deepEqual(files.map(([file]) => file).sort(), [...expected].sort(), "same set of files");
    for (const [file, content] of files) {
        assert.equal(content, fs.readFileSync(path.join(GOLDEN_DIR, file), "utf8"), `${file} differs from its golden copy; review and run UPDATE_GOLDEN=1 npm test`);
    }
});
