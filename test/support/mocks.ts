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

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

export async function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Config overrides are merged over the stack file's top-level keys. */
export async function runStack(stack: string, overrides: Record<string, unknown> = {}, extraSecrets: string[] = []) {
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
            config[fullKey] = `${FAKE_SECRET_PREFIX}${key}`;
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
    // Required after the mocks so the program sees them; a fresh copy for every run.
    for (const key of Object.keys(require.cache)) {
        if (!key.includes("node_modules")) {
            delete require.cache[key];
        }
    }
    const { createStack } = require("../../program") as typeof import("../../program");
    const outputs = createStack();
    // Let every apply settle so all resources are registered.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await promiseOf(outputs.portForward);
    return { resources, outputs };
}

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}
