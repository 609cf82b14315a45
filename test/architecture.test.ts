/**
 * The direction of the code, enforced: model ← config ← alerts ← dashboards ← render ← components
 * ← the program. A module imports only from its own layer or the ones before it, and product code
 * never imports tests, benchmarks or scripts. Each layer imports only the packages it is allowed
 * (no file system, processes or Pulumi below io/ and components/), and no two modules of a layer
 * import each other, even through others. The development code is ordered too: scripts/ ← test
 * support ← tests and bench/, and tests and benchmarks never import each other. Imports are read
 * with TypeScript's own pre-processor.
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
    // io: the Pulumi secrets the program read (io/pulumiConfig.ts StackSecrets), which components wire.
    components: ["model", "config", "render", "io"],
    program: ["model", "config", "alerts", "dashboards", "render", "io", "components"],
};

/**
 * The packages (and Node built-ins) each layer may import, by prefix. Written by hand: the pure
 * layers parse and build (grammars, YAML, the dashboard SDK, hashes); io/ reads files and the
 * Pulumi program's config; components/ create resources.
 */
const PACKAGES: Record<string, readonly string[]> = {
    model: ["@prometheus-io/lezer-promql", "@grafana/lezer-logql", "@grafana/lezer-traceql"],
    config: ["path"],
    alerts: [],
    dashboards: ["@grafana/grafana-foundation-sdk/", "@prometheus-io/lezer-promql", "@grafana/lezer-logql"],
    render: ["crypto", "yaml"],
    io: ["fs", "os", "path", "crypto", "zlib", "yaml", "@pulumi/pulumi"],
    components: ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/random", "@pulumiverse/grafana"],
    program: ["@pulumi/pulumi"],
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

function importedNames(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const info = ts.preProcessFile(text, true, true);
    // require("…") calls too: preProcessFile reads imports and exports only.
    const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    return [...info.importedFiles.map((f) => f.fileName), ...required];
}

/** Relative imports of a file, resolved to paths in the repository. */
function localImports(file: string): string[] {
    return importedNames(file).filter((name) => name.startsWith(".")).map((name) => path.resolve(path.dirname(file), name));
}

/** The module a relative import names: `x.ts`, or `x/index.ts`. */
function moduleFile(target: string): string {
    return fs.existsSync(`${target}.ts`) ? `${target}.ts` : fs.existsSync(path.join(target, "index.ts")) ? path.join(target, "index.ts") : target;
}

/** Every package import outside the file's layer's allow-list, as "file → package". */
export function packageViolations(files: readonly string[]): string[] {
    const problems: string[] = [];
    for (const file of files) {
        const layer = layerOf(file);
        for (const name of importedNames(file).filter((n) => !n.startsWith("."))) {
            const bare = name.replace(/^node:/, "");
            const allowed = layer !== undefined && PACKAGES[layer].some((p) => (p.endsWith("/") ? bare.startsWith(p) : bare === p || bare.startsWith(`${p}/`)));
            if (!allowed) {
                problems.push(`${path.relative(ROOT, file)} → ${name}`);
            }
        }
    }
    return problems;
}

/** Import cycles among the modules of one layer, each as "a → b → a". */
export function layerCycles(files: readonly string[]): string[] {
    const edges = new Map(files.map((file) => [file, localImports(file).map(moduleFile).filter((target) => layerOf(target) === layerOf(file) && files.includes(target))]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
        state.set(file, "open");
        stack.push(file);
        for (const next of edges.get(file) ?? []) {
            if (state.get(next) === "open") {
                cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(ROOT, f)).join(" → "));
            } else if (!state.has(next)) {
                visit(next);
            }
        }
        stack.pop();
        state.set(file, "done");
    };
    for (const file of files) {
        if (!state.has(file)) {
            visit(file);
        }
    }
    return cycles;
}

/** The development code's place: scripts/ at the bottom, test support above it, tests and benchmarks on top. */
type DevLayer = "scripts" | "test support" | "test" | "bench";
function devLayerOf(file: string): DevLayer | undefined {
    const relative = path.relative(ROOT, file);
    const top = relative.split(path.sep)[0];
    if (top === "scripts") return "scripts";
    if (top === "bench") return "bench";
    if (top === "test") return relative.endsWith(".test.ts") ? "test" : "test support";
    return undefined;
}
const DEV_ALLOWED: Record<DevLayer, readonly DevLayer[]> = { scripts: ["scripts"], "test support": ["scripts", "test support"], test: ["scripts", "test support"], bench: ["scripts", "test support", "bench"] };

function devFiles(): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory() && entry.name !== "golden" && entry.name !== "golden-manifests") walk(full);
            else if (entry.name.endsWith(".ts")) files.push(full);
        }
    };
    for (const dir of ["scripts", "test", "bench"]) walk(path.join(ROOT, dir));
    return files;
}

/** Development imports against their order, as "from → to". */
export function devBackEdges(files: readonly string[]): string[] {
    const problems: string[] = [];
    for (const file of files) {
        const from = devLayerOf(file)!;
        for (const target of localImports(file).map(moduleFile)) {
            const to = devLayerOf(target);
            if (to !== undefined && !DEV_ALLOWED[from].includes(to)) {
                problems.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`);
            }
        }
    }
    return problems;
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

    test("each layer imports only its allowed packages: no fs, processes or Pulumi in the pure layers", () => {
        assert.deepEqual(packageViolations(files), []);
    });

    test("no import cycle inside a layer", () => {
        assert.deepEqual(layerCycles(files), []);
    });

    test("scripts ← test support ← tests and benchmarks, which never import each other", () => {
        assert.deepEqual(devBackEdges(devFiles()), []);
    });

    test("the checks catch a forbidden package, a cycle and a test importing a benchmark", () => {
        const dir = fs.mkdtempSync(path.join(ROOT, "render", ".arch-probe-"));
        const testDir = fs.mkdtempSync(path.join(ROOT, "test", ".arch-probe-"));
        try {
            const [a, b] = [path.join(dir, "a.ts"), path.join(dir, "b.ts")];
            fs.writeFileSync(a, 'import * as fs from "node:fs";\nimport { b } from "./b";\nexport const a = fs.existsSync("x") ? b : 0;\n');
            fs.writeFileSync(b, 'import { a } from "./a";\nexport const b = a;\n');
            assert.deepEqual(packageViolations([a, b]), [`${path.relative(ROOT, a)} → node:fs`]);
            assert.deepEqual(layerCycles([a, b]), [`${path.relative(ROOT, a)} → ${path.relative(ROOT, b)} → ${path.relative(ROOT, a)}`]);
            const probe = path.join(testDir, "probe.test.ts");
            fs.writeFileSync(probe, 'import { incidentsRows } from "../../bench/incidents";\n');
            assert.deepEqual(devBackEdges([probe]), [`${path.relative(ROOT, probe)} → bench/incidents.ts`]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(testDir, { recursive: true, force: true });
        }
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
