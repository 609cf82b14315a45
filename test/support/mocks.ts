/**
 * Runs the program under Pulumi mocks with a stack's config (from Pulumi.<stack>.yaml, secrets
 * replaced by recognisable fake values) and records every resource's inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackFile } from "./fixtures";

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

export const FAKE_SECRET_PREFIX = "fake-secret-value-";

/** Secrets the program parses as URLs (their ports go into NetworkPolicies): their fake values are URLs that still name the key. */
const URL_SECRETS = new Set(["webhookUrl", "heartbeatUrl"]);
export const fakeSecret = (key: string) => (URL_SECRETS.has(key) ? `https://hooks.example.com/${FAKE_SECRET_PREFIX}${key}` : `${FAKE_SECRET_PREFIX}${key}`);

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

export async function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

// Internal to @pulumi/pulumi but what `runInPulumiStack` itself awaits: the queue of outstanding
// resource registrations drains.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Resolves once every resource registration started so far has reached the mocks. */
export function waitForRegistrations(): Promise<void> {
    return waitForRPCs();
}

/** Config overrides are merged over the stack file's top-level keys. */
export async function runStack(stack: string, overrides: Record<string, unknown> = {}, extraSecrets: string[] = []) {
    const resources = await stackMocks(stack, overrides, extraSecrets);
    const { createStack } = await import("../../program");
    const outputs = createStack();
    // Every registration the program started has reached the mock monitor: no sleeps, no polling.
    await waitForRegistrations();
    return { resources, outputs };
}

/**
 * Sets a stack's config (as {@link runStack} does) and mocks that record every resource's inputs
 * into the array returned, for a test that builds the stack itself (with resource options of its own).
 */
export async function stackMocks(stack: string, overrides: Record<string, unknown> = {}, extraSecrets: string[] = []): Promise<RecordedResource[]> {
    const file = stackFile(stack);
    const raw = { ...file, values: { ...file.values, ...Object.fromEntries(extraSecrets.map((k) => [k, "<secret>"])) }, secretKeys: new Set([...file.secretKeys, ...extraSecrets]) };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries({ ...raw.values, ...overrides })) {
        if (value === undefined) {
            continue;
        }
        const fullKey = `lgtm-stack:${key}`;
        if (raw.secretKeys.has(key)) {
            // A secret map (`pulumi config set --secret --path 'key.entry'`) arrives as JSON, each entry its own fake value.
            config[fullKey] =
                value !== null && typeof value === "object" ? JSON.stringify(Object.fromEntries(Object.keys(value).map((entry) => [entry, `${FAKE_SECRET_PREFIX}${key}.${entry}`]))) : fakeSecret(key);
            secretKeys.push(fullKey);
        } else {
            config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    const resources: RecordedResource[] = [];
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: { ...args.inputs, ...(args.type === "random:index/randomPassword:RandomPassword" ? { result: `${FAKE_SECRET_PREFIX}grafana-admin` } : {}) } };
            },
            call(args) {
                return args.inputs;
            },
        },
        "lgtm-stack",
        stack,
        false,
    );
    return resources;
}

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}
