import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../config/sources";
import { run, toolPath } from "./support/tools";

test("the GitHub workflows pass actionlint", () => {
    const dir = path.join(PROJECT_ROOT, ".github/workflows");
    const files = fs.readdirSync(dir).map((file) => path.join(dir, file));
    assert.ok(files.length >= 2);
    const result = run(toolPath("actionlint"), ["-no-color", ...files], PROJECT_ROOT);
    assert.equal(result.code, 0, result.output);
});
