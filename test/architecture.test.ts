/**
 * The direction of the code, enforced: model ← config ← alerts ← dashboards ← render ← components
 * ← the program. A module imports only from its own layer or the ones before it, and product code
 * never imports tests, benchmarks or scripts. Imports are read with TypeScript's own pre-processor.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, test } from "node:test";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

/** Each layer and the layers it may import from (besides itself). Written by hand: this is the architecture. */
const ALLOWED: Record<string, readonly string[]> = {
    model: [],
    config: ["model"],
    alerts: ["model", "config"],
    dashboards: ["model", "config", "alerts"],
    render: ["model", "config", "alerts", "dashboards"],
    io: ["model", "config", "dashboards"],
    components: ["model", "config", "render"],
    program: ["model", "config", "alerts", "dashboards", "render", "io", "components"],
};

function layerOf(file: string): string | undefined {
    const relative = path.relative(ROOT, file);
    if (relative === "index.ts" || relative === "program.ts") {
        return "program";
    }
    const top = relative.split(path.sep)[0];
    return top in ALLOWED ? top : undefined;
}

function productFiles(): string[] {
    const files = ["index.ts", "program.ts"].map((f) => path.join(ROOT, f));
    for (const layer of Object.keys(ALLOWED).filter((l) => l !== "program")) {
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                else if (entry.name.endsWith(".ts")) files.push(full);
            }
        };
        walk(path.join(ROOT, layer));
    }
    return files;
}

/** Relative imports of a file, resolved to paths in the repository. */
function localImports(file: string): string[] {
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith(".")).map((name) => path.resolve(path.dirname(file), name));
}

/** Every import that runs against the direction, as "from → to". */
export function backEdges(files: readonly string[]): string[] {
    const problems: string[] = [];
    for (const file of files) {
        const from = layerOf(file);
        for (const target of localImports(file)) {
            const to = layerOf(target) ?? path.relative(ROOT, target).split(path.sep)[0];
            const ok = from !== undefined && (to === from || ALLOWED[from].includes(to) || (to === "tools" && target.endsWith("versions.json")));
            if (!ok) {
                problems.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`);
            }
        }
    }
    return problems;
}

describe("the direction of the code", () => {
    const files = productFiles();

    test("reads every product layer", () => {
        for (const layer of Object.keys(ALLOWED)) {
            assert.ok(files.some((file) => layerOf(file) === layer), `no file found in layer ${layer}`);
        }
    });

    test("no product module imports against the direction, nor tests, benchmarks or scripts", () => {
        assert.deepEqual(backEdges(files), []);
    });

    test("the check catches a back edge and an import of test code", () => {
        const dir = fs.mkdtempSync(path.join(ROOT, "config", ".arch-probe-"));
        try {
            const probe = path.join(dir, "probe.ts");
            fs.writeFileSync(probe, 'import { renderStack } from "../../render";\nimport { loadStack } from "../../test/support/fixtures";\n');
            assert.deepEqual(backEdges([probe]), [`${path.relative(ROOT, probe)} → render`, `${path.relative(ROOT, probe)} → test/support/fixtures`]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
