/**
 * The licence gate: no build of ours requires Grafana Loki, Tempo or Grafana (AGPL), and nothing we
 * compile or install is under AGPL, GPL or LGPL. Policy and plumbing: test/support/licences.ts;
 * the first run classifies every module (minutes), later runs read ~/.cache/lgtm-stack/licences.
 */
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, describe, test } from "node:test";
import versions from "../../tools/versions.json";
import {
    GoTarget,
    classifierLicenceOf,
    classifyFiles,
    collectorBuild,
    goInstallBuilds,
    goViolations,
    inspectGoBuilds,
    installedNpmPackages,
    licenceExpressionVerdict,
    npmViolations,
    wrapperBuilds,
} from "../support/licences";
import { toolPath } from "../../scripts/dev";

const CLASSIFIER_VERSION = versions.tools.identify_license.version;

/** The classifier's own copy of a licence text, from the module cache (never from this repo). */
function classifierAsset(licence: string): string {
    const result = spawnSync("go", ["mod", "download", "-json", `${versions.tools.identify_license.goModule}@${versions.tools.identify_license.goVersion}`], {
        cwd: os.tmpdir(),
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "", GOTOOLCHAIN: "local" },
    });
    assert.equal(result.status, 0, result.stderr);
    return path.join(JSON.parse(result.stdout).Dir, licence === "Apache-2.0" ? "LICENSE" : `assets/License/${licence}/license.txt`);
}

const scratchDirs: string[] = [];
after(() => scratchDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function scratchDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    scratchDirs.push(dir);
    return dir;
}

function write(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}

describe("licence gate: the Go module graphs of every tool we build", () => {
    const classifier = toolPath("identify_license");
    const { builds: goInstalls, bannedPins } = goInstallBuilds();
    const specs = [...wrapperBuilds(), ...goInstalls, collectorBuild(() => toolPath("otelcol-builder"))];

    test("every wrapper module, every go-install pin and the Collector distribution are inspected", () => {
        const names = specs.map((s) => s.name);
        for (const wrapper of ["tools/prometheus", "tools/pulumi", "tools/pulumi-language-nodejs", "tools/pulumi-kubernetes", "tools/kubernetes"]) {
            assert.ok(names.includes(wrapper), `${wrapper} inspected; got ${names.join(", ")}`);
        }
        for (const module of ["github.com/prometheus/alertmanager@v0.31.1", "sigs.k8s.io/kwok@v0.8.0", "github.com/rhysd/actionlint@v1.7.12", "go.opentelemetry.io/collector/cmd/builder@v0.160.0", "github.com/zegl/kube-score@v1.20.0", "github.com/slok/sloth@v0.16.0"]) {
            assert.ok(names.some((n) => n.startsWith(`go install ${module} `)), `go install ${module} inspected; got ${names.join(", ")}`);
        }
        assert.ok(names.includes("Collector distribution (tools/otelcol/builder-config.yaml)"));
        // Modules that a wrapper builds are not inspected a second time as a go install.
        assert.ok(!names.some((n) => n.startsWith("go install github.com/prometheus/prometheus@")));
        assert.ok(!names.some((n) => n.startsWith("go install k8s.io/kubernetes@")));
        assert.deepEqual(bannedPins, []);
    });

    test("a new wrapper module under tools/ is found without being listed anywhere", () => {
        const tools = scratchDir("lgtm-tools-");
        write(path.join(tools, "pulumi-random/go.mod"), "module lgtm-stack/tools/pulumi-random\n\ngo 1.26\n");
        write(path.join(tools, "otelcol/builder-config.yaml"), "dist: {}\n");
        write(path.join(tools, "kubernetes/go.mod"), "module lgtm-stack/tools/kubernetes\n\ngo 1.26\n");
        assert.deepEqual(
            wrapperBuilds(tools).map((w) => w.name),
            ["tools/kubernetes", "tools/pulumi-random"],
        );
    });

    test("no build requires Loki, Tempo or Grafana, and nothing compiled is under AGPL, GPL or LGPL", () => {
        const targets = inspectGoBuilds(specs, classifier, CLASSIFIER_VERSION);
        assert.deepEqual(goViolations(targets), []);
        for (const target of targets) {
            assert.ok(target.edges.length > 0 && target.modules.length > 0, `${target.name}: a module graph and compiled modules`);
        }
        const licencesOf = (targetName: string, id: string) => {
            const module = targets.find((t) => t.name === targetName)?.modules.find((m) => m.id === id);
            assert.ok(module, `${targetName} compiles ${id}`);
            return [...new Set(Object.values(module.licenceFiles).flat())];
        };
        // Known licences, read on the projects' pages: the gate really classifies what it lists.
        assert.deepEqual(licencesOf("tools/prometheus", "github.com/prometheus/prometheus@v0.315.0"), ["Apache-2.0"]);
        assert.deepEqual(licencesOf(specs.find((s) => s.name.includes("actionlint"))!.name, "github.com/rhysd/actionlint@v1.7.12"), ["MIT"]);
        const collector = targets.find((t) => t.name.startsWith("Collector distribution"))!;
        assert.ok(collector.modules.some((m) => m.id === "github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor@v0.160.0"));
    });
});

describe("licence gate: the policy, on module graphs written by hand", () => {
    const target = (over: Partial<GoTarget>): GoTarget => ({ name: "tools/scratch", root: "lgtm-stack/tools/scratch", edges: [], modules: [], ...over });
    const apache = { "LICENSE": ["Apache-2.0"] };

    test("Loki pulled in two levels down is named with the wrapper and the whole chain", () => {
        const violations = goViolations([
            target({
                // A tidy go.mod lists the indirect requirement on the root too; the chain names the
                // direct requirement that asks for it.
                edges: [
                    ["lgtm-stack/tools/scratch", "example.com/other@v0.1.0"],
                    ["lgtm-stack/tools/scratch", "example.com/exporter@v1.2.0"],
                    ["lgtm-stack/tools/scratch", "github.com/grafana/loki/v3@v3.4.0"],
                    ["example.com/other@v0.1.0", "github.com/grafana/loki/v3@v3.4.0"],
                    ["example.com/exporter@v1.2.0", "github.com/grafana/loki/v3@v3.4.0"],
                    ["github.com/grafana/loki/v3@v3.4.0", "github.com/prometheus/common@v0.60.0"],
                ],
                preferred: ["example.com/exporter@v1.2.0"],
            }),
        ]);
        assert.deepEqual(violations, [
            "tools/scratch: github.com/grafana/loki/v3@v3.4.0 is Grafana Loki (AGPL-3.0); required through lgtm-stack/tools/scratch → example.com/exporter@v1.2.0 → github.com/grafana/loki/v3@v3.4.0",
        ]);
    });

    test("Tempo, Grafana and a Grafana submodule are refused; Grafana's Apache-licensed SDK and Loki's push module are not", () => {
        const violations = goViolations([
            target({
                edges: [
                    ["lgtm-stack/tools/scratch", "github.com/grafana/tempo@v1.5.1-0.20250529124718-87c2dc380cec"],
                    ["lgtm-stack/tools/scratch", "github.com/grafana/grafana/apps/dashboard@v0.0.0-20251001000000-abcdefabcdef"],
                    ["lgtm-stack/tools/scratch", "github.com/grafana/grafana@v6.1.6+incompatible"],
                    ["lgtm-stack/tools/scratch", "github.com/grafana/grafana-foundation-sdk/go@v0.0.22"],
                    ["lgtm-stack/tools/scratch", "github.com/grafana/loki/pkg/push@v0.0.0-20240101000000-abcdefabcdef"],
                    ["lgtm-stack/tools/scratch", "github.com/grafana/loki@v1.6.1"],
                ],
            }),
        ]);
        assert.deepEqual(violations, [
            "tools/scratch: github.com/grafana/grafana/apps/dashboard@v0.0.0-20251001000000-abcdefabcdef is Grafana (AGPL-3.0); required through lgtm-stack/tools/scratch → github.com/grafana/grafana/apps/dashboard@v0.0.0-20251001000000-abcdefabcdef",
            "tools/scratch: github.com/grafana/grafana@v6.1.6+incompatible is Grafana (AGPL-3.0); required through lgtm-stack/tools/scratch → github.com/grafana/grafana@v6.1.6+incompatible",
            "tools/scratch: github.com/grafana/loki@v1.6.1 is Grafana Loki (AGPL-3.0); required through lgtm-stack/tools/scratch → github.com/grafana/loki@v1.6.1",
            "tools/scratch: github.com/grafana/tempo@v1.5.1-0.20250529124718-87c2dc380cec is Grafana Tempo (AGPL-3.0); required through lgtm-stack/tools/scratch → github.com/grafana/tempo@v1.5.1-0.20250529124718-87c2dc380cec",
        ]);
    });

    test("GPL, AGPL and LGPL code is refused, MPL-2.0 and permissive code pass, an unnamed licence fails as unknown", () => {
        const violations = goViolations([
            target({
                edges: [
                    ["lgtm-stack/tools/scratch", "example.com/a@v1.0.0"],
                    ["example.com/a@v1.0.0", "example.com/gpl@v2.0.0"],
                ],
                modules: [
                    { id: "example.com/a@v1.0.0", licenceFiles: apache },
                    { id: "example.com/gpl@v2.0.0", licenceFiles: { "COPYING": ["GPL-2.0"], "LICENSE": ["MIT"] } },
                    { id: "example.com/agpl@v1.0.0", licenceFiles: { "LICENSE": ["AGPL-3.0"] } },
                    { id: "example.com/lgpl@v1.0.0", licenceFiles: { "COPYING.LESSER": ["LGPL-3.0"] } },
                    { id: "github.com/terraform-providers/terraform-provider-random@v1.3.2-0.20260513075824-f8d869dc98d9", licenceFiles: { "LICENSE": ["MPL-2.0"] } },
                    { id: "example.com/bsd@v1.0.0", replacedBy: "example.com/bsd-fork@v1.0.1", licenceFiles: { "LICENSE.md": ["BSD-3-Clause"] } },
                    { id: "example.com/bare@v1.0.0", licenceFiles: {} },
                    { id: "example.com/odd@v1.0.0", licenceFiles: { "LICENSE": [] } },
                ],
            }),
        ]);
        assert.deepEqual(violations, [
            "tools/scratch: example.com/gpl@v2.0.0 is under GPL-2.0 (COPYING); compiled through lgtm-stack/tools/scratch → example.com/a@v1.0.0 → example.com/gpl@v2.0.0",
            "tools/scratch: example.com/agpl@v1.0.0 is under AGPL-3.0 (LICENSE); compiled through lgtm-stack/tools/scratch → … → example.com/agpl@v1.0.0",
            "tools/scratch: example.com/lgpl@v1.0.0 is under LGPL-3.0 (COPYING.LESSER); compiled through lgtm-stack/tools/scratch → … → example.com/lgpl@v1.0.0",
            "tools/scratch: example.com/bare@v1.0.0: it has no licence file; compiled through lgtm-stack/tools/scratch → … → example.com/bare@v1.0.0",
            "tools/scratch: example.com/odd@v1.0.0: its licence files (LICENSE) match no licence the classifier knows; compiled through lgtm-stack/tools/scratch → … → example.com/odd@v1.0.0",
        ]);
    });
});

describe("licence gate: the real go commands and classifier on scratch modules (no download)", () => {
    const classifier = toolPath("identify_license");

    /** A scratch wrapper whose dependencies are local directories: `go` needs no proxy for them. */
    function scratchWrapper(deps: Record<string, { requires?: string[]; licence?: string }>, imports: string[]): string {
        const dir = scratchDir("lgtm-scratch-wrapper-");
        const names = Object.keys(deps);
        const version = (module: string) => `v${module.match(/\/v(\d+)$/)?.[1] ?? "0"}.0.0`;
        write(
            path.join(dir, "go.mod"),
            [
                "module lgtm-stack/tools/scratch",
                "",
                "go 1.26",
                "",
                ...names.filter((n) => !names.some((m) => deps[m].requires?.includes(n))).map((n) => `require ${n} ${version(n)}`),
                ...names.map((n) => `replace ${n} => ./deps/${n.replace(/\//g, "_")}`),
                "",
            ].join("\n"),
        );
        write(path.join(dir, "main.go"), `package main\n\nimport (\n${imports.map((i) => `\t_ "${i}"\n`).join("")})\n\nfunc main() {}\n`);
        for (const [name, dep] of Object.entries(deps)) {
            const depDir = path.join(dir, "deps", name.replace(/\//g, "_"));
            write(path.join(depDir, "go.mod"), `module ${name}\n\ngo 1.26\n${(dep.requires ?? []).map((r) => `\nrequire ${r} ${version(r)}\n`).join("")}`);
            write(path.join(depDir, "lib.go"), `package ${path.basename(name).replace(/[^a-z]/g, "") || "lib"}\n`);
            if (dep.licence) fs.copyFileSync(classifierAsset(dep.licence), path.join(depDir, "LICENSE"));
        }
        return dir;
    }

    test("go mod graph of a wrapper that requires Loki's go.mod through another module: wrapper and chain are named", () => {
        const dir = scratchWrapper({ "example.com/exporter": { requires: ["github.com/grafana/loki/v3"] }, "github.com/grafana/loki/v3": {} }, []);
        const targets = inspectGoBuilds([{ name: "tools/scratch", dir, patterns: ["./..."], modMode: true }], classifier, CLASSIFIER_VERSION);
        assert.deepEqual(goViolations(targets), [
            "tools/scratch: github.com/grafana/loki/v3@v3.0.0 is Grafana Loki (AGPL-3.0); required through lgtm-stack/tools/scratch → example.com/exporter@v0.0.0 → github.com/grafana/loki/v3@v3.0.0",
        ]);
        // Listing packages would read Loki's source: the gate stops before that.
        assert.deepEqual(targets[0].modules, []);
    });

    test("the classifier reads a compiled module's GPL licence file and the gate names it; Apache passes", () => {
        const dir = scratchWrapper({ "example.com/gplthing": { licence: "GPL-3.0" }, "example.com/apachething": { licence: "Apache-2.0" }, "example.com/unused": { licence: "AGPL-3.0" } }, [
            "example.com/gplthing",
            "example.com/apachething",
        ]);
        // example.com/unused is required but compiles into nothing: its licence does not matter.
        const targets = inspectGoBuilds([{ name: "tools/scratch", dir, patterns: ["./..."], modMode: true }], classifier, CLASSIFIER_VERSION);
        assert.deepEqual(goViolations(targets), [
            "tools/scratch: example.com/gplthing@v0.0.0 (replaced by " + path.join(dir, "deps/example.com_gplthing") + ") is under GPL-3.0 (LICENSE); compiled through lgtm-stack/tools/scratch → example.com/gplthing@v0.0.0",
        ]);
        assert.deepEqual(targets[0].modules.find((m) => m.id === "example.com/apachething@v0.0.0")?.licenceFiles, { LICENSE: ["Apache-2.0"] });
    });

    test("a package that go list cannot load fails the gate instead of leaving its licence unchecked", () => {
        const dir = scratchWrapper({ "example.com/apachething": { licence: "Apache-2.0" } }, ["example.com/apachething", "example.com/apachething/nosuch"]);
        const proxy = process.env.GOPROXY;
        process.env.GOPROXY = "off"; // the missing package must not be looked for on the network
        try {
            assert.throws(
                () => inspectGoBuilds([{ name: "tools/scratch", dir, patterns: ["./..."], modMode: true }], classifier, CLASSIFIER_VERSION),
                /tools\/scratch: go list cannot load every package it builds:\nERROR .*example\.com\/apachething\/nosuch/,
            );
        } finally {
            if (proxy === undefined) delete process.env.GOPROXY;
            else process.env.GOPROXY = proxy;
        }
    });

    test("a classifier that is not there fails with the build hint", () => {
        assert.throws(() => classifyFiles("/nonexistent/identify_license", [classifierAsset("Apache-2.0")]), /npm run tools -- build identify_license/);
    });
});

describe("licence gate: npm packages (production and dev, the whole installed tree)", () => {
    test("licence expressions: an OR with a permissive side passes, AND with GPL fails, WITH keeps the licence", () => {
        const cases: [string | undefined, boolean][] = [
            ["MIT", true],
            ["(MIT OR GPL-2.0)", true],
            ["GPL-2.0 OR MIT", true],
            ["(BSD-3-Clause AND Apache-2.0)", true],
            ["MPL-2.0", true],
            ["BlueOak-1.0.0", true],
            ["GPL-2.0", false],
            ["AGPL-3.0-only", false],
            ["LGPL-2.1-or-later", false],
            ["(MIT AND GPL-3.0)", false],
            ["GPL-2.0 WITH Classpath-exception-2.0", false],
            ["(MIT OR (Apache-2.0 AND AGPL-3.0))", true],
            ["((GPL-3.0 OR AGPL-3.0) AND MIT)", false],
            ["mit or gpl-3.0", true],
            ["UNLICENSED", false],
            ["(MIT OR", false],
            [undefined, false],
        ];
        for (const [expression, ok] of cases) assert.equal(licenceExpressionVerdict(expression).ok, ok, `${expression}`);
    });

    test("the installed tree has no AGPL, GPL or LGPL package and every package declares a licence", () => {
        const classifier = toolPath("identify_license");
        const packages = installedNpmPackages(undefined, classifierLicenceOf(classifier, CLASSIFIER_VERSION));
        assert.deepEqual(npmViolations(packages), []);
        assert.ok(packages.length >= 200, `${packages.length} packages`);
        assert.equal(packages.find((p) => p.name === "@pulumi/pulumi")?.license, "Apache-2.0");
        assert.equal(packages.find((p) => p.name === "typescript")?.license, "Apache-2.0");
        // "SEE LICENSE IN LICENSE": the file is classified.
        assert.equal(packages.find((p) => p.name === "@logdna/tail-file")?.license, "MIT");
    });

    test("a scratch node_modules: AGPL, nested GPL, a missing licence and a GPL licence file are named", () => {
        const root = scratchDir("lgtm-scratch-npm-");
        const pkg = (dir: string, manifest: object) => write(path.join(root, dir, "package.json"), JSON.stringify(manifest));
        pkg("node_modules/agpl-thing", { name: "agpl-thing", version: "1.0.0", license: "AGPL-3.0" });
        pkg("node_modules/dual", { name: "dual", version: "2.0.0", license: "(MIT OR GPL-2.0)" });
        pkg("node_modules/dual/node_modules/deep", { name: "deep", version: "0.1.0", license: "GPL-3.0-only" });
        pkg("node_modules/@scope/nolicence", { name: "@scope/nolicence", version: "3.0.0" });
        pkg("node_modules/legacy", { name: "legacy", version: "0.0.1", licenses: [{ type: "GPL-2.0" }, { type: "MIT" }] });
        pkg("node_modules/seefile", { name: "seefile", version: "1.1.1", license: "SEE LICENSE IN COPYING" });
        fs.copyFileSync(classifierAsset("GPL-3.0"), path.join(root, "node_modules/seefile/COPYING"));
        const packages = installedNpmPackages(root, classifierLicenceOf(toolPath("identify_license"), CLASSIFIER_VERSION));
        assert.deepEqual(npmViolations(packages), [
            "@scope/nolicence@3.0.0 (node_modules/@scope/nolicence): no licence declared",
            "agpl-thing@1.0.0 (node_modules/agpl-thing): AGPL-3.0 leaves no choice but a refused licence",
            "deep@0.1.0 (node_modules/dual/node_modules/deep): GPL-3.0-only leaves no choice but a refused licence",
            "seefile@1.1.1 (node_modules/seefile): GPL-3.0 leaves no choice but a refused licence",
        ]);
    });
});
