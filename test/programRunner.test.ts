import assert from "node:assert/strict";
import * as path from "path";
import { test } from "node:test";
import { parse } from "yaml";
import * as fs from "fs";
import { PROJECT_ROOT } from "../io/stackSources";
import { run } from "../scripts/dev";

/**
 * What `pulumi preview` and `up` do before the program runs, done the way @pulumi/pulumi's runner
 * does it (cmd/run/run.js): read the tsconfig Pulumi.yaml names, take `transpileOnly` from its
 * `noCheck`, register the project's ts-node with it, then load the program. Run in a child, so the
 * registration does not leak into this test process.
 */
const RUNNER = `
const tsutils = require("@pulumi/pulumi/tsutils");
const tsconfig = process.argv[1];
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: tsutils.loadTypeScriptCompilerOptions(tsconfig).noCheck,
    project: tsconfig,
    skipProject: false,
    compilerOptions: {},
});
const service = process[Symbol.for("ts-node.register.instance")];
let compiled = 0;
const compile = service.compile;
service.compile = (...args) => { compiled++; return compile(...args); };
const program = require("./program.ts");
console.log(JSON.stringify({ swc: service.options.swc, transpileOnly: service.transpileOnly, createStack: typeof program.createStack, compiled }));
`;

test("previews load the program through ts-node's swc transpiler, without type-checking it again", () => {
    const tsconfig = (parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options: { tsconfig: string } } }).runtime.options.tsconfig;
    assert.equal(tsconfig, "tsconfig.program.json");
    const result = run(process.execPath, ["-e", RUNNER, tsconfig], PROJECT_ROOT);
    assert.equal(result.code, 0, result.output);
    const loaded = JSON.parse(result.stdout.trim().split("\n").pop()!) as { swc: boolean; transpileOnly: boolean; createStack: string; compiled: number };
    assert.equal(loaded.swc, true, "tsconfig.program.json's ts-node section selects swc");
    assert.equal(loaded.transpileOnly, true, "noCheck: npm test type-checks these files with tsc");
    assert.equal(loaded.createStack, "function");
    // Every product file the program imports went through the transpiler (index.ts is loaded by the runner itself).
    assert.ok(loaded.compiled >= 100, `${loaded.compiled} files transpiled`);
});
