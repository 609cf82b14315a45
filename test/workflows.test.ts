import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../io/stackSources";
import { run, toolPath } from "../scripts/dev";

test("the GitHub workflows pass actionlint", () => {
    const dir = path.join(PROJECT_ROOT, ".github/workflows");
    const files = fs.readdirSync(dir).map((file) => path.join(dir, file));
    assert.ok(files.length >= 2);
    const result = run(toolPath("actionlint"), ["-no-color", ...files], PROJECT_ROOT);
    assert.equal(result.code, 0, result.output);
});

function workflow(name: string): any {
    return parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github/workflows", name), "utf8"));
}

function steps(job: any): any[] {
    return job.steps ?? [];
}

test("pull requests run the test suite once, on the Node and Go the suite needs, with tools cached", () => {
    const preview = workflow("preview.yml");
    const runsNpmTest = Object.entries(preview.jobs).filter(([, job]: [string, any]) => steps(job).some((s) => s.run === "npm test"));
    assert.deepEqual(runsNpmTest.map(([id]) => id), ["test"]);
    assert.ok(steps(preview.jobs.test).some((s) => s.run === "npm run test:slow"), "the slow suite runs in the same job");
    const testJob = preview.jobs.test;
    assert.equal(testJob.strategy, undefined, "not once per matrix leg");
    const uses = (prefix: string) => steps(testJob).find((s) => typeof s.uses === "string" && s.uses.startsWith(prefix));
    assert.equal(uses("actions/setup-node@").with["node-version"], 24);
    assert.equal(uses("actions/setup-go@").with["go-version"], "1.26");
    assert.equal(uses("actions/cache@").with.path, "~/.cache/lgtm-stack");
    assert.equal(workflow("deploy.yml").jobs.up.steps.find((s: any) => s.uses?.startsWith("actions/setup-node@")).with["node-version"], 24);
});

test("every action is pinned to a commit, with its release named beside it", () => {
    for (const file of ["preview.yml", "deploy.yml"]) {
        const text = fs.readFileSync(path.join(PROJECT_ROOT, ".github/workflows", file), "utf8");
        const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
        assert.ok(uses.length >= 2, file);
        for (const [, ref, comment] of uses) {
            // A tag can be moved to other code; a commit cannot.
            assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${ref} is not pinned to a commit`);
            assert.match(comment, /^ # v\d+\.\d+\.\d+$/, `${file}: ${ref} names its release`);
        }
    }
});

test("previews, dev and prod, need an approved environment of their own and never run for fork pull requests", () => {
    const job = workflow("preview.yml").jobs.preview;
    assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
    // Not `dev`, the environment deploys use: a branch's code never gets the deploy credentials.
    assert.equal(job.environment, "${{ matrix.stack == 'prod' && 'prod-preview' || 'dev-preview' }}");
    assert.deepEqual(job.needs, "test");
    const check = steps(job).findIndex((s) => s.name === "Check the secrets this job needs");
    const kubeconfig = steps(job).findIndex((s) => s.name === "Write kubeconfig");
    assert.ok(check >= 0 && check < kubeconfig, "missing secrets are named before anything uses them");
});
