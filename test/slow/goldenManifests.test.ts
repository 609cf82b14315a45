/**
 * Golden files of the Kubernetes objects themselves, for the committed prod stack in both
 * topologies: what every workload, Service, budget, autoscaler, policy and RBAC rule looks like, in
 * the summary form of test/support/manifestSummary.ts (config files and dashboards have golden
 * cases of their own in test/golden/). A change to a pod spec, a port or a grant is then a diff a
 * reviewer reads. Regenerate with `UPDATE_GOLDEN=1 npm test` and review the diff.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, test } from "node:test";
import { summarizeManifests } from "../support/manifestSummary";
import { runStack } from "../support/mocks";
import { distributedOverrides, OBJECT_STORAGE_SECRETS } from "../support/topology";

const GOLDEN_DIR = path.join(__dirname, "..", "golden-manifests");

const CASES: Record<string, { readonly what: string; readonly render: () => Promise<string> }> = {
    "prod.yaml": { what: "the prod stack's objects (single topology)", render: async () => summarizeManifests((await runStack("prod")).resources) },
    "prod-distributed.yaml": {
        what: "the prod stack's objects in the distributed topology, in three zones",
        render: async () => summarizeManifests((await runStack("prod", distributedOverrides({ zones: ["a", "b", "c"] }), OBJECT_STORAGE_SECRETS)).resources),
    },
};

describe("golden manifests: the Kubernetes objects of the prod stack, summarized", () => {
    test("every golden file belongs to a case, and every case has its file", () => {
        const onDisk = fs.existsSync(GOLDEN_DIR) ? fs.readdirSync(GOLDEN_DIR) : [];
        if (process.env.UPDATE_GOLDEN !== "1") {
            assert.deepEqual(onDisk.sort(), Object.keys(CASES).sort());
        }
    });

    for (const [name, { what, render }] of Object.entries(CASES)) {
        test(`${what} are registered exactly as reviewed (${name})`, async () => {
            const actual = await render();
            const file = path.join(GOLDEN_DIR, name);
            if (process.env.UPDATE_GOLDEN === "1") {
                fs.mkdirSync(GOLDEN_DIR, { recursive: true });
                fs.writeFileSync(file, actual);
            }
            assert.equal(actual, fs.readFileSync(file, "utf8"), `${name} differs from its golden copy; review and run UPDATE_GOLDEN=1 npm test`);
        });
    }
});
