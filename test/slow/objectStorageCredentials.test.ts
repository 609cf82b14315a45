/**
 * Object-storage credentials per engine under Pulumi mocks: Loki, Tempo and Mimir each get a
 * Secret of their own, filled from their own config keys (or the shared pair where an engine has
 * none), and only the tiers that read or write the bucket see it. The tier lists are written by
 * hand from the engines' module dependencies (see `bucket` in model/topology.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadStackConfig } from "../../config/load";
import { ConfigErrors } from "../../config/reader";
import { knownRunbooks, minimalRaw } from "../support/fixtures";
import { FAKE_SECRET_PREFIX, RecordedResource, runStack } from "../support/mocks";
import { distributedValues, OBJECT_STORAGE_SECRETS, s3 } from "../support/topology";

const OWN_KEYS = ["lokiObjectStorageAccessKeyId", "lokiObjectStorageSecretAccessKey", "mimirObjectStorageAccessKeyId", "mimirObjectStorageSecretAccessKey"];

/** Workload → the Secret its container's object-storage variables come from (none: no entry). */
function credentialsByWorkload(resources: readonly RecordedResource[]): Record<string, string> {
    const found: Record<string, string> = {};
    for (const r of resources) {
        for (const container of r.inputs.spec?.template?.spec?.containers ?? []) {
            const refs = new Set((container.env ?? []).filter((e: any) => e.name.startsWith("OBJECT_STORAGE_")).map((e: any) => e.valueFrom.secretKeyRef.name));
            if (refs.size > 0) {
                found[r.inputs.metadata.name] = [...refs].join(",");
            }
        }
    }
    return found;
}

function secretValue(resources: readonly RecordedResource[], name: string, key: string): string {
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === name);
    assert.ok(secret, `Secret ${name} exists`);
    // The mocks see a secret Output as Pulumi's envelope: { <signature>: …, value }.
    return secret.inputs.stringData.value[key];
}

describe("object-storage credentials per engine, only where a bucket is read", () => {
    test("distributed: each engine's Secret reaches exactly the tiers that read its bucket", async () => {
        const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues();
        const { resources } = await runStack("prod", { ...values, ...Object.fromEntries(OWN_KEYS.map((k) => [k, "<secret>"])) }, [...OBJECT_STORAGE_SECRETS, ...OWN_KEYS]);
        assert.deepEqual(credentialsByWorkload(resources), {
            "loki-ingester": "loki-distributed-object-storage",
            "loki-querier": "loki-distributed-object-storage",
            "loki-compactor": "loki-distributed-object-storage",
            "loki-index-gateway": "loki-distributed-object-storage",
            "tempo-ingester": "tempo-distributed-object-storage",
            "tempo-querier": "tempo-distributed-object-storage",
            "tempo-query-frontend": "tempo-distributed-object-storage",
            "tempo-compactor": "tempo-distributed-object-storage",
            "mimir-ingester": "mimir-distributed-object-storage",
            "mimir-querier": "mimir-distributed-object-storage",
            "mimir-store-gateway": "mimir-distributed-object-storage",
            "mimir-compactor": "mimir-distributed-object-storage",
            "mimir-ruler": "mimir-distributed-object-storage",
        });
        // Loki and Mimir have pairs of their own; Tempo has none and takes the shared pair.
        assert.equal(secretValue(resources, "loki-distributed-object-storage", "OBJECT_STORAGE_ACCESS_KEY_ID"), `${FAKE_SECRET_PREFIX}lokiObjectStorageAccessKeyId`);
        assert.equal(secretValue(resources, "loki-distributed-object-storage", "OBJECT_STORAGE_SECRET_ACCESS_KEY"), `${FAKE_SECRET_PREFIX}lokiObjectStorageSecretAccessKey`);
        assert.equal(secretValue(resources, "mimir-distributed-object-storage", "OBJECT_STORAGE_SECRET_ACCESS_KEY"), `${FAKE_SECRET_PREFIX}mimirObjectStorageSecretAccessKey`);
        assert.equal(secretValue(resources, "tempo-distributed-object-storage", "OBJECT_STORAGE_SECRET_ACCESS_KEY"), `${FAKE_SECRET_PREFIX}objectStorageSecretAccessKey`);
    });

    test("single topology: Loki and Tempo each their own Secret, nothing else mounts one", async () => {
        const { resources } = await runStack("prod", { lokiObjectStorageAccessKeyId: "<secret>", lokiObjectStorageSecretAccessKey: "<secret>" }, OWN_KEYS.slice(0, 2));
        assert.deepEqual(credentialsByWorkload(resources), { loki: "loki-object-storage", tempo: "tempo-object-storage" });
        assert.equal(secretValue(resources, "loki-object-storage", "OBJECT_STORAGE_ACCESS_KEY_ID"), `${FAKE_SECRET_PREFIX}lokiObjectStorageAccessKeyId`);
        assert.equal(secretValue(resources, "tempo-object-storage", "OBJECT_STORAGE_ACCESS_KEY_ID"), `${FAKE_SECRET_PREFIX}objectStorageAccessKeyId`);
    });

    const problemsOf = (values: Record<string, unknown>, secrets: string[]) => {
        try {
            loadStackConfig(minimalRaw(values, secrets), { knownRunbooks });
            return [];
        } catch (error) {
            assert.ok(error instanceof ConfigErrors, String(error));
            return error.problems;
        }
    };

    test("an engine on s3 with neither its own pair nor the shared one is refused, naming its own keys", () => {
        const problems = problemsOf({ tempo: { storage: s3("traces") }, lokiObjectStorageAccessKeyId: "x", lokiObjectStorageSecretAccessKey: "y" }, ["lokiObjectStorageAccessKeyId", "lokiObjectStorageSecretAccessKey"]);
        assert.ok(
            problems.some((p) => p.startsWith("tempo.storage.type: s3 storage needs credentials; run `pulumi config set --secret tempoObjectStorageAccessKeyId ...`")),
            problems.join("\n"),
        );
        assert.deepEqual(problemsOf({ loki: { storage: s3("logs") }, lokiObjectStorageAccessKeyId: "x", lokiObjectStorageSecretAccessKey: "y" }, ["lokiObjectStorageAccessKeyId", "lokiObjectStorageSecretAccessKey"]), []);
    });

    test("half a pair is refused, and so is a key in plain text", () => {
        const half = problemsOf({ mimirObjectStorageAccessKeyId: "x" }, ["mimirObjectStorageAccessKeyId"]);
        assert.ok(half.some((p) => p.startsWith("mimirObjectStorageSecretAccessKey: is missing while mimirObjectStorageAccessKeyId is set")), half.join("\n"));
        const plain = problemsOf({ tempoObjectStorageAccessKeyId: "x", tempoObjectStorageSecretAccessKey: "y" }, ["tempoObjectStorageSecretAccessKey"]);
        assert.ok(plain.some((p) => p.startsWith("tempoObjectStorageAccessKeyId: is a credential stored in plain text")), plain.join("\n"));
    });
});
