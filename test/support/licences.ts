/**
 * The licence gate (test/slow/licences.test.ts): what every Go build of ours and the npm tree pull in.
 *
 * Policy, decided once and documented in tools/README.md:
 * - Module paths: Grafana Loki and Tempo (any major) and Grafana with every submodule are AGPL and
 *   must never be required, not even as a go.mod-only edge of the module graph.
 * - Licences: AGPL, GPL and LGPL (any version, with or without an exception) and SSPL are refused.
 *   LGPL too, because Go links statically: LGPL's relinking duty would reach the whole binary.
 *   Weak, file-level copyleft (MPL-2.0, EPL) is accepted: we use such code unmodified.
 *   A Go module whose licence files the classifier cannot name fails as unknown; so does an npm
 *   package without a licence.
 *
 * The pure checks (`goViolations`, `npmViolations`, `licenceExpressionVerdict`) take plain data;
 * the plumbing below gathers that data from `go mod graph`, `go list -deps`, the module cache and
 * Google's licence classifier, caching results outside the repo.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../io/stackSources";

// ---------------------------------------------------------------------------------------------
// Policy (pure)

/** Why a module path may never appear in a module graph of ours, or undefined when it may. */
export function bannedModuleReason(modulePath: string): string | undefined {
    if (/^github\.com\/grafana\/loki(\/v\d+)?$/.test(modulePath)) return "Grafana Loki (AGPL-3.0)";
    if (/^github\.com\/grafana\/tempo(\/v\d+)?$/.test(modulePath)) return "Grafana Tempo (AGPL-3.0)";
    if (/^github\.com\/grafana\/grafana(\/.+)?$/.test(modulePath)) return "Grafana (AGPL-3.0)";
    return undefined;
}

/** Licence identifiers (SPDX ids, the classifier's names, or npm's free-form words) we refuse. */
export function isRefusedLicence(id: string): boolean {
    return /^(A|L)?GPL/i.test(id.trim()) || /^SSPL/i.test(id.trim());
}

export type LicenceVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Reads an SPDX licence expression as npm's `license` field carries it. `A OR B` is acceptable when
 * either side is (we may choose the permissive one), `A AND B` only when both are, `X WITH exc`
 * as X (an exception to GPL leaves it GPL for our purposes).
 */
export function licenceExpressionVerdict(expression: string | undefined): LicenceVerdict {
    if (expression === undefined || expression.trim() === "") return { ok: false, reason: "no licence declared" };
    if (/^UNLICENSED$/i.test(expression.trim())) return { ok: false, reason: "UNLICENSED: no licence is granted" };
    const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
    let at = 0;
    const peek = () => tokens[at];
    const word = (w: string) => peek()?.toUpperCase() === w;
    const fail = (msg: string): never => {
        throw new Error(msg);
    };
    // or := and (OR and)*; and := with (AND with)*; with := primary (WITH id)?; primary := id | ( or )
    const primary = (): boolean => {
        const t = peek() ?? fail("ends early");
        at++;
        if (t === "(") {
            const v = or();
            if (peek() !== ")") fail("unbalanced parentheses");
            at++;
            return v;
        }
        if (t === ")" || ["AND", "OR", "WITH"].includes(t.toUpperCase())) fail(`unexpected "${t}"`);
        return !isRefusedLicence(t);
    };
    const withExpr = (): boolean => {
        const v = primary();
        if (word("WITH")) {
            if (tokens[at + 1] === undefined) fail("WITH without an exception");
            at += 2;
        }
        return v;
    };
    const and = (): boolean => {
        let v = withExpr();
        while (word("AND")) {
            at++;
            v = withExpr() && v;
        }
        return v;
    };
    const or = (): boolean => {
        let v = and();
        while (word("OR")) {
            at++;
            v = and() || v;
        }
        return v;
    };
    try {
        const acceptable = or();
        if (at !== tokens.length) fail(`unexpected "${tokens[at]}"`);
        return acceptable ? { ok: true } : { ok: false, reason: `${expression} leaves no choice but a refused licence` };
    } catch (err) {
        return { ok: false, reason: `cannot read the licence expression "${expression}": ${(err as Error).message}` };
    }
}

/** One module whose packages a tool compiles, with what the classifier found in its licence files. */
export interface CompiledModule {
    /** `path@version` as the module graph names it. */
    id: string;
    /** `path@version` of the code actually compiled, when a replace directive substitutes it. */
    replacedBy?: string;
    /** Licence file name → licence names the classifier found in it. */
    licenceFiles: Record<string, string[]>;
}

/** Everything one Go build of ours pulls in. */
export interface GoTarget {
    /** How a reader finds it: `tools/prometheus`, `go install github.com/rhysd/actionlint@v1.7.12`, ... */
    name: string;
    /** The main module as `go mod graph` names it (no version). */
    root: string;
    /** `go mod graph` edges: [from, to], nodes as `path@version` (the root without version). */
    edges: [string, string][];
    /** Modules that provide compiled packages; empty when a banned module stopped the inspection. */
    modules: CompiledModule[];
    /**
     * The root's own direct requirements and the modules of its tool directives, as graph nodes. A
     * tidy go.mod also lists every indirect dependency, so a chain starts with these when it can.
     */
    preferred?: string[];
}

/**
 * Module versions whose licence the classifier cannot name, read by hand in the module cache and
 * accepted: `path@version` → what was read. A new version is classified (and reviewed) again.
 */
export const REVIEWED_GO_MODULES: Record<string, string> = {
    "github.com/coder/quartz@v0.3.1": "LICENSE is \"MIT No Attribution\" (MIT-0, Coder Technologies): the MIT grant without the notice condition; permissive (a dependency of the Prometheus Operator v0.93.0)",
    "github.com/mattn/go-localereader@v0.0.1": "no licence file; its README.md says \"## License MIT\" (author Yasuhiro Matsumoto)",
    "github.com/sourcegraph/appdash-data@v0.0.0-20151005221446-73f23eafcf67":
        "no licence file; README.md puts the top level under the Appdash licence (MIT, the LICENSE of github.com/pulumi/appdash, which imports it) and the bundled JS assets (d3pie, d3-timeline, Fuse, ZeroClipboard, d3-tip, bootstrap-slider) under their own MIT/Apache licences; no GPL text in the module",
};

const modulePathOf = (node: string) => node.replace(/@[^@]*$/, "");

/**
 * The shortest chain of requirements from the root to a node, as `a → b@v → c@v`: through the
 * module that really asks for it rather than the root's tidy copy of the requirement, and through
 * the root's direct requirements first.
 */
export function requirementChain(target: GoTarget, node: string): string {
    const next = new Map<string, string[]>();
    for (const [from, to] of target.edges) next.set(from, [...(next.get(from) ?? []), to]);
    const preferred = new Set(target.preferred ?? []);
    const search = (skipDirectEdge: boolean): Map<string, string> => {
        const parent = new Map<string, string>([[target.root, ""]]);
        const queue = [target.root];
        while (queue.length > 0 && !parent.has(node)) {
            const at = queue.shift()!;
            let children = next.get(at) ?? [];
            if (at === target.root) {
                if (skipDirectEdge) children = children.filter((c) => c !== node);
                children = [...children.filter((c) => preferred.has(c)), ...children.filter((c) => !preferred.has(c))];
            }
            for (const to of children) {
                if (!parent.has(to)) {
                    parent.set(to, at);
                    queue.push(to);
                }
            }
        }
        return parent;
    };
    let parent = search(true);
    if (!parent.has(node)) parent = search(false);
    if (!parent.has(node)) return `${target.root} → … → ${node}`;
    const chain = [node];
    while (parent.get(chain[0])) chain.unshift(parent.get(chain[0])!);
    return chain.join(" → ");
}

/** Every breach of the policy in these builds, each naming the build, the module and its chain. */
export function goViolations(targets: GoTarget[]): string[] {
    const out: string[] = [];
    for (const target of targets) {
        const nodes = new Set(target.edges.flat());
        for (const node of [...nodes].sort()) {
            const reason = bannedModuleReason(modulePathOf(node));
            if (reason && node !== target.root) {
                out.push(`${target.name}: ${node} is ${reason}; required through ${requirementChain(target, node)}`);
            }
        }
        for (const module of target.modules) {
            const names = [...new Set(Object.values(module.licenceFiles).flat())].sort();
            const refused = names.filter(isRefusedLicence);
            const via = module.replacedBy ? ` (replaced by ${module.replacedBy})` : "";
            if (refused.length > 0) {
                const files = Object.keys(module.licenceFiles).filter((f) => module.licenceFiles[f].some(isRefusedLicence));
                out.push(`${target.name}: ${module.id}${via} is under ${refused.join(", ")} (${files.join(", ")}); compiled through ${requirementChain(target, module.id)}`);
            } else if (names.length === 0 && !(module.id in REVIEWED_GO_MODULES)) {
                const files = Object.keys(module.licenceFiles);
                const what = files.length > 0 ? `its licence files (${files.join(", ")}) match no licence the classifier knows` : "it has no licence file";
                out.push(`${target.name}: ${module.id}${via}: ${what}; compiled through ${requirementChain(target, module.id)}`);
            }
        }
    }
    return out;
}

/** One installed npm package. `license` is the declared expression (or what its licence file is). */
export interface NpmPackage {
    name: string;
    version: string;
    /** Relative to the project: node_modules/... */
    where: string;
    license?: string;
}

export function npmViolations(packages: NpmPackage[]): string[] {
    const out: string[] = [];
    for (const pkg of packages) {
        const verdict = licenceExpressionVerdict(pkg.license);
        if (!verdict.ok) out.push(`${pkg.name}@${pkg.version} (${pkg.where}): ${verdict.reason}`);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Plumbing: the Go side

export const CACHE = path.join(process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache/lgtm-stack"), "licences");
const TOOLS_DIR = path.join(PROJECT_ROOT, "tools");

function sha256(...parts: string[]): string {
    const h = crypto.createHash("sha256");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex");
}

function readCache<T>(kind: string, key: string): T | undefined {
    try {
        return JSON.parse(fs.readFileSync(path.join(CACHE, kind, `${key}.json`), "utf8")) as T;
    } catch {
        return undefined;
    }
}

function writeCache(kind: string, key: string, value: unknown): void {
    const dir = path.join(CACHE, kind);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${key}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(value));
    fs.renameSync(tmp, path.join(dir, `${key}.json`));
}

function go(dir: string, args: string[], modMode: boolean): string {
    const env: NodeJS.ProcessEnv = { ...process.env, GOTOOLCHAIN: "local", GOWORK: "off", CGO_ENABLED: "0", GOFLAGS: modMode ? "-mod=mod" : "" };
    const result = spawnSync("nice", ["-n", "10", "go", ...args], { cwd: dir, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: 45 * 60_000 });
    if (result.status !== 0) {
        throw new Error(`go ${args.join(" ")} in ${dir} failed (needs the Go module proxy for modules not yet in the module cache):\n${result.stderr}`);
    }
    return result.stdout;
}

/** How to inspect one build: its main module's directory and the packages it compiles. */
export interface GoBuildSpec {
    name: string;
    dir: string;
    patterns: string[];
    /** Scratch modules without a go.sum of their own resolve with -mod=mod. */
    modMode: boolean;
    /** Identifies the immutable inputs; unset: never cached (scratch modules of the tests). */
    cacheKey?: string;
    /** Writes the main module into `dir` first (only on a cache miss). */
    prepare?: () => void;
    /** A directory of this process only, removed after the inspection. */
    scratch?: string;
}

interface ListedModule {
    id: string;
    replacedBy?: string;
    dir: string;
    /** Cacheable: a published module version (not a replace by a local directory). */
    immutable: boolean;
}

interface InspectedBuild {
    root: string;
    edges: [string, string][];
    preferred: string[];
    modules: ListedModule[];
}

function inspectBuild(spec: GoBuildSpec): InspectedBuild {
    try {
        spec.prepare?.();
        return inspectPreparedBuild(spec);
    } finally {
        if (spec.scratch) fs.rmSync(spec.scratch, { recursive: true, force: true });
    }
}

function inspectPreparedBuild(spec: GoBuildSpec): InspectedBuild {
    const graph = go(spec.dir, ["mod", "graph"], spec.modMode)
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => line.split(" ") as [string, string]);
    const root = go(spec.dir, ["list", "-m", "-f", "{{.Path}}"], spec.modMode).trim();
    const edges = graph;
    const goMod = JSON.parse(go(spec.dir, ["mod", "edit", "-json"], spec.modMode)) as { Require?: { Path: string; Version: string; Indirect?: boolean }[]; Tool?: { Path: string }[] };
    const tools = (goMod.Tool ?? []).map((t) => t.Path);
    const preferred = (goMod.Require ?? []).filter((r) => !r.Indirect || tools.some((t) => t.startsWith(`${r.Path}/`))).map((r) => `${r.Path}@${r.Version}`);
    // A banned module stops here: listing packages would download its source.
    if (edges.flat().some((node) => bannedModuleReason(modulePathOf(node)))) return { root, edges, preferred, modules: [] };
    const format =
        '{{with .Error}}ERROR {{.}}{{"\\n"}}{{end}}{{range .DepsErrors}}ERROR {{.}}{{"\\n"}}{{end}}' +
        "{{with .Module}}{{.Main}}\t{{.Path}}@{{.Version}}\t{{.Dir}}{{with .Replace}}\t{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}";
    const listed = go(spec.dir, ["list", "-e", "-deps", "-f", format, ...spec.patterns], spec.modMode);
    // -e lists what it can; only a file that the build generates before compiling (an embedded
    // schema) may be missing. Anything else, a module that cannot be downloaded above all, would
    // leave its licence unchecked.
    const errors = [...new Set(listed.split("\n").filter((l) => l.startsWith("ERROR ") && !/: pattern [^:]+: no matching files found$/.test(l)))];
    if (errors.length > 0) throw new Error(`${spec.name}: go list cannot load every package it builds:\n${errors.join("\n")}`);
    const modules = new Map<string, ListedModule>();
    for (const line of listed.split("\n")) {
        if (line.startsWith("ERROR ")) continue;
        const [main, id, dir, rPath, rVersion, rDir] = line.split("\t");
        if (!id || main === "true" || modules.has(id)) continue;
        if (rPath !== undefined && rVersion === "") {
            const local = path.resolve(spec.dir, rDir || rPath);
            // A replace by a directory of this repository is our own code (Apache-2.0, like the project).
            if (local.startsWith(PROJECT_ROOT + path.sep) && !local.includes(`${path.sep}node_modules${path.sep}`)) continue;
            modules.set(id, { id, replacedBy: local, dir: local, immutable: false });
        } else if (rPath !== undefined) {
            modules.set(id, { id, replacedBy: `${rPath}@${rVersion}`, dir: rDir, immutable: true });
        } else {
            modules.set(id, { id, dir, immutable: true });
        }
    }
    return { root, edges, preferred, modules: [...modules.values()].sort((a, b) => a.id.localeCompare(b.id)) };
}

/** Licence files at a module's root, as go-licenses and pkg.go.dev look for them. */
function licenceFilesIn(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && /^(un)?licen[cs]e|^copying|^copyright$/i.test(e.name))
        .map((e) => e.name)
        .sort();
}

/** Part of every classification cache key: a change of how we run the classifier reclassifies. */
const CLASSIFIER_FLAGS = "-headers";

/** Runs the classifier once over many files: absolute path → licence names found. */
export function classifyFiles(classifier: string, files: string[]): Map<string, string[]> {
    const found = new Map<string, string[]>(files.map((f) => [f, []]));
    for (let i = 0; i < files.length; i += 200) {
        const batch = files.slice(i, i + 200);
        const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-licences-")), "out.json");
        // identify_license v2.0.0 closes its task channel while the last worker may still send on
        // it ("panic: send on closed channel", a race in tools/identify_license/backend); the
        // results are lost with it, so a batch that hit the race runs again.
        let result = spawnSync(classifier, [CLASSIFIER_FLAGS, "-tasks", "2", "-json", json, ...batch], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
        for (let retry = 0; retry < 5 && /panic: send on closed channel/.test(result.stderr ?? ""); retry++) {
            result = spawnSync(classifier, [CLASSIFIER_FLAGS, "-tasks", "2", "-json", json, ...batch], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
        }
        if (result.error || result.status === null) {
            fs.rmSync(path.dirname(json), { recursive: true, force: true });
            throw new Error(`the licence classifier ${classifier} cannot run (${result.error?.message ?? result.signal}); run \`npm run tools -- build identify_license\``);
        }
        const output = result.status === 0 ? fs.readFileSync(json, "utf8") : undefined;
        fs.rmSync(path.dirname(json), { recursive: true, force: true });
        if (output === undefined) {
            // The classifier exits 1 when no file of the batch matched anything: all unknown.
            if (/Couldn't classify license/.test(result.stderr)) continue;
            throw new Error(`${classifier} failed:\n${result.stderr.slice(-4000)}`);
        }
        for (const entry of JSON.parse(output) as { Filepath: string; Classifications: { Name: string }[] }[]) {
            const names = entry.Classifications.map((c) => c.Name).filter((n) => n !== "Copyright");
            found.set(entry.Filepath, [...new Set([...(found.get(entry.Filepath) ?? []), ...names])].sort());
        }
    }
    return found;
}

/** Attaches classified licence files to modules, classifying (once per module version) what the cache lacks. */
function classifyModules(classifier: string, classifierVersion: string, builds: InspectedBuild[]): Map<string, Record<string, string[]>> {
    const result = new Map<string, Record<string, string[]>>();
    const pending: { module: ListedModule; key: string; files: string[] }[] = [];
    for (const module of builds.flatMap((b) => b.modules)) {
        const source = module.replacedBy ?? module.id;
        if (result.has(source) || pending.some((p) => (p.module.replacedBy ?? p.module.id) === source)) continue;
        const key = sha256(classifierVersion, CLASSIFIER_FLAGS, source);
        const cached = module.immutable ? readCache<Record<string, string[]>>("modules", key) : undefined;
        if (cached) {
            result.set(source, cached);
            continue;
        }
        if (!module.dir || !fs.existsSync(module.dir)) throw new Error(`${source}: not in the module cache (go mod download ${source})`);
        pending.push({ module, key, files: licenceFilesIn(module.dir) });
    }
    const all = pending.flatMap((p) => p.files.map((f) => path.join(p.module.dir, f)));
    const found = all.length > 0 ? classifyFiles(classifier, all) : new Map<string, string[]>();
    for (const p of pending) {
        const files: Record<string, string[]> = {};
        for (const f of p.files) files[f] = found.get(path.join(p.module.dir, f)) ?? [];
        if (p.module.immutable) writeCache("modules", p.key, files);
        result.set(p.module.replacedBy ?? p.module.id, files);
    }
    return result;
}

/**
 * Inspects builds (cached per immutable inputs) and classifies their modules' licences (cached per
 * module version). `classifier` is the identify_license binary; its version is part of every key.
 */
export function inspectGoBuilds(specs: GoBuildSpec[], classifier: string, classifierVersion: string): GoTarget[] {
    const builds = specs.map((spec) => {
        const key = spec.cacheKey && sha256("build/3", spec.cacheKey);
        const cached = key ? readCache<InspectedBuild>("builds", key) : undefined;
        if (cached && cached.modules.every((m) => !m.immutable || fs.existsSync(m.dir) || readCache("modules", sha256(classifierVersion, CLASSIFIER_FLAGS, m.replacedBy ?? m.id)))) {
            return cached;
        }
        const fresh = inspectBuild(spec);
        if (key) writeCache("builds", key, fresh);
        return fresh;
    });
    const licences = classifyModules(classifier, classifierVersion, builds);
    return builds.map((build, i) => ({
        name: specs[i].name,
        root: build.root,
        edges: build.edges,
        preferred: build.preferred,
        modules: build.modules.map((m) => ({ id: m.id, replacedBy: m.replacedBy, licenceFiles: licences.get(m.replacedBy ?? m.id) ?? {} })),
    }));
}

/** Every file under a directory, sorted, for a cache key over a wrapper module's own sources. */
function treeDigest(dir: string): string {
    const parts: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) parts.push(path.relative(dir, p), fs.readFileSync(p, "utf8"));
        }
    };
    walk(dir);
    return sha256(...parts);
}

/** Our own Go sources in a wrapper module (a few small mains and shims). */
function goSourcesIn(dir: string): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...goSourcesIn(p));
        else if (e.isFile() && e.name.endsWith(".go")) out.push(fs.readFileSync(p, "utf8"));
    }
    return out;
}

/** Wrapper modules: every tools/<dir> with a go.mod, found by listing, not by name. */
export function wrapperBuilds(toolsDir = TOOLS_DIR): GoBuildSpec[] {
    return fs
        .readdirSync(toolsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(toolsDir, e.name, "go.mod")))
        .map((e) => e.name)
        .sort()
        .map((name) => {
            const dir = path.join(toolsDir, name);
            // `tool`: the upstream commands listed by tool directives; ./...: our own mains.
            return { name: `tools/${name}`, dir, patterns: ["tool", "./..."], modMode: false, cacheKey: `wrapper ${name} ${treeDigest(dir)}` };
        });
}

interface VersionsEntry {
    goModule?: string;
    goVersion?: string;
}

/**
 * Modules pinned in tools/versions.json (goModule + goVersion) that no wrapper module requires:
 * scripts/tools.sh builds those with `go install <module>/...@<goVersion>`. Inspected as the
 * dependency of a scratch module, which selects the same versions (they have no replace lines, or
 * go install would refuse them). A banned pin is reported without touching the proxy.
 */
export function goInstallBuilds(versionsFile = path.join(TOOLS_DIR, "versions.json"), toolsDir = TOOLS_DIR): { builds: GoBuildSpec[]; bannedPins: string[] } {
    const versions = JSON.parse(fs.readFileSync(versionsFile, "utf8")) as Record<string, Record<string, VersionsEntry> | string>;
    const wrappers = wrapperBuilds(toolsDir).map((w) => ({ goMod: fs.readFileSync(path.join(w.dir, "go.mod"), "utf8"), sources: goSourcesIn(w.dir) }));
    const builds: GoBuildSpec[] = [];
    const bannedPins: string[] = [];
    const seen = new Set<string>();
    for (const [section, entries] of Object.entries(versions)) {
        if (typeof entries !== "object") continue;
        for (const [name, entry] of Object.entries(entries)) {
            const { goModule, goVersion } = entry;
            if (!goModule || !goVersion || seen.has(`${goModule}@${goVersion}`)) continue;
            seen.add(`${goModule}@${goVersion}`);
            const reason = bannedModuleReason(goModule);
            if (reason) {
                bannedPins.push(`tools/versions.json ${section}.${name}: pins ${goModule}@${goVersion} (${reason}) as a Go module to build; the image is deployed, the module must go (drop goModule/goVersion)`);
                continue;
            }
            // Built by a wrapper: it requires the pinned version and builds packages of the module
            // (a tool directive or an import in our own main), as opposed to merely depending on
            // another version of it (the Prometheus wrapper requires some Alertmanager too).
            const escaped = goModule.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            const pinned = new RegExp(`^\\s*(require\\s+)?${escaped}\\s+${goVersion.replace(/[.+]/g, "\\$&")}(\\s|$)`, "m");
            const buildsPackages = new RegExp(`^\\s*(tool\\s+)?${escaped}/\\S+\\s*$|"${escaped}(/[^"]*)?"`, "m");
            if (wrappers.some((w) => pinned.test(w.goMod) && (buildsPackages.test(w.goMod) || w.sources.some((src) => buildsPackages.test(src))))) continue;
            const dir = path.join(CACHE, "work", `${sha256(goModule, goVersion).slice(0, 16)}-${process.pid}`);
            builds.push({
                name: `go install ${goModule}@${goVersion} (versions.json ${section}.${name})`,
                dir,
                patterns: [`${goModule}/...`],
                modMode: true,
                cacheKey: `go install ${goModule}@${goVersion}`,
                scratch: dir,
                prepare: () => {
                    fs.rmSync(dir, { recursive: true, force: true });
                    fs.mkdirSync(dir, { recursive: true });
                    fs.writeFileSync(path.join(dir, "go.mod"), `module lgtm-stack/licence-gate\n\ngo 1.26\n\nrequire ${goModule} ${goVersion}\n`);
                },
            });
        }
    }
    return { builds, bannedPins };
}

/**
 * The Collector distribution: the Collector Builder (`builder`, cached by scripts/tools.sh as
 * otelcol-builder) regenerates its main module from tools/otelcol/builder-config.yaml with
 * --skip-compilation; that go.mod is what the otelcol recipe compiles. The builder's own
 * `go mod tidy` may fail on a component whose tests import a module the proxy refuses (see
 * TOOLCHAIN-NOTES); the generated go.mod is complete before that step, so it is used either way.
 */
export function collectorBuild(builder: () => string, config = path.join(TOOLS_DIR, "otelcol/builder-config.yaml")): GoBuildSpec {
    const text = fs.readFileSync(config, "utf8");
    const work = path.join(CACHE, "work", `otelcol-${process.pid}`);
    const dist = path.join(work, "dist");
    return {
        name: `Collector distribution (${path.relative(PROJECT_ROOT, config)})`,
        dir: dist,
        patterns: ["."],
        modMode: true,
        cacheKey: `collector ${sha256(text)}`,
        scratch: work,
        prepare: () => {
            fs.rmSync(work, { recursive: true, force: true });
            fs.mkdirSync(work, { recursive: true });
            fs.writeFileSync(path.join(work, "builder-config.yaml"), text.replace("@OUTPUT@", dist));
            const env = { ...process.env, GOTOOLCHAIN: "local", GOWORK: "off", CGO_ENABLED: "0", GOFLAGS: "" };
            const result = spawnSync("nice", ["-n", "10", builder(), "--config", "builder-config.yaml", "--skip-compilation"], { cwd: work, env, encoding: "utf8", timeout: 45 * 60_000 });
            if (!fs.existsSync(path.join(dist, "go.mod")) || !fs.existsSync(path.join(dist, "components.go"))) {
                throw new Error(`the Collector Builder generated no go.mod:\n${result.stdout}${result.stderr}`);
            }
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Plumbing: the npm side

/** Every package installed under node_modules (nested and scoped ones included). */
export function installedNpmPackages(root = PROJECT_ROOT, resolveLicenceFile: (file: string) => string | undefined = () => undefined): NpmPackage[] {
    const out: NpmPackage[] = [];
    const walk = (nodeModules: string) => {
        if (!fs.existsSync(nodeModules)) return;
        for (const e of fs.readdirSync(nodeModules, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            if (!e.isDirectory() || e.name.startsWith(".")) continue;
            const dir = path.join(nodeModules, e.name);
            if (e.name.startsWith("@")) {
                walk(dir);
                continue;
            }
            const manifest = path.join(dir, "package.json");
            if (fs.existsSync(manifest)) {
                const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
                out.push({ name: pkg.name ?? e.name, version: pkg.version ?? "?", where: path.relative(root, dir), license: declaredLicence(pkg, dir, resolveLicenceFile) });
            }
            walk(path.join(dir, "node_modules"));
        }
    };
    walk(path.join(root, "node_modules"));
    return out;
}

/** npm's `license` (SPDX expression), the legacy `licenses` list (dual: OR), or `SEE LICENSE IN <file>`. */
function declaredLicence(pkg: { license?: unknown; licenses?: unknown }, dir: string, resolveLicenceFile: (file: string) => string | undefined): string | undefined {
    const typeOf = (x: unknown) => (typeof x === "string" ? x : typeof x === "object" && x && "type" in x ? String((x as { type: unknown }).type) : undefined);
    let license = typeOf(pkg.license);
    if (license === undefined && Array.isArray(pkg.licenses)) {
        const types = pkg.licenses.map(typeOf).filter((t): t is string => !!t);
        license = types.length > 0 ? `(${types.join(" OR ")})` : undefined;
    }
    const see = license?.match(/^SEE LICEN[CS]E IN (.+)$/i);
    if (see) return resolveLicenceFile(path.join(dir, see[1].trim()));
    return license;
}

/** A `SEE LICENSE IN` file as the classifier reads it: its licences joined with AND, or undefined. */
export function classifierLicenceOf(classifier: string, classifierVersion: string): (file: string) => string | undefined {
    return (file) => {
        if (!fs.existsSync(file)) return undefined;
        const key = sha256(classifierVersion, CLASSIFIER_FLAGS, fs.readFileSync(file, "utf8"));
        let names = readCache<string[]>("files", key);
        if (!names) {
            names = classifyFiles(classifier, [file]).get(file) ?? [];
            writeCache("files", key, names);
        }
        return names.length > 0 ? names.join(" AND ") : undefined;
    };
}
