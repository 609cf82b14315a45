import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import assert from "node:assert/strict";
import { loadStackConfig, RawStackConfig } from "../../config/load";
import { ConfigErrors } from "../../config/reader";
import { PROJECT_ROOT, rawConfigFromFile, runbookNames } from "../../io/stackSources";
import { StackConfig } from "../../config/types";
import type { SecretKey } from "../../config/keys";

export const knownRunbooks = runbookNames();

/**
 * Credentials an operator sets with `pulumi config set --secret` before the first preview (listed in
 * each stack file's header); the committed stack files hold none.
 */
export const OPERATOR_SECRETS: Readonly<Record<string, readonly SecretKey[]>> = {
    prod: ["pagerdutyRoutingKey", "slackWebhookUrl", "heartbeatUrl", "objectStorageAccessKeyId", "objectStorageSecretAccessKey"],
};

/** The committed stack file as Pulumi sees it once the operator has set the stack's credentials. */
export function stackFile(stack: string): RawStackConfig {
    const file = rawConfigFromFile(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), stack);
    const secrets = OPERATOR_SECRETS[stack] ?? [];
    return { ...file, values: { ...file.values, ...Object.fromEntries(secrets.map((key) => [key, "<secret>"])) }, secretKeys: new Set([...file.secretKeys, ...secrets]) };
}

export function loadStack(stack: string): StackConfig {
    return loadStackConfig(stackFile(stack), { knownRunbooks });
}

/** A minimal valid dev config with one service, to which each test applies one mistake. */
/** The problems loading `raw` reports, in order; fails the test if it loads. */
export function configProblems(raw: RawStackConfig): string[] {
    try {
        loadStackConfig(raw, { knownRunbooks });
    } catch (error) {
        if (error instanceof ConfigErrors) {
            return [...error.problems];
        }
        throw error;
    }
    throw new Error("the config was accepted");
}

export function minimalRaw(values: Record<string, unknown> = {}, secretKeys: string[] = []): RawStackConfig {
    return {
        stack: "dev",
        values: {
            runbookBaseUrl: "https://example.com/runbooks",
            services: [{ name: "checkout", slos: [{ kind: "availability", objective: 99.9 }] }],
            ...values,
        },
        secretKeys: new Set(secretKeys),
    };
}

/** Every problem loading `minimalRaw(values)` reports (none when it loads). */
export function problemsOf(values: Record<string, unknown>): string[] {
    try {
        loadStackConfig(minimalRaw(values), { knownRunbooks });
    } catch (error) {
        assert.ok(error instanceof ConfigErrors, `expected ConfigErrors, got ${error}`);
        return [...error.problems];
    }
    return [];
}

/** A project folder with `Pulumi.dev.yaml` reading services from `<folder>/` holding `files`; returns the stack file's path. */
export function projectWithServiceFolder(folder: string, files: Record<string, string>, values: Record<string, unknown> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-services-"));
    fs.mkdirSync(path.join(dir, folder));
    for (const [name, content] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, folder, name), content);
    }
    const config = { "lgtm-stack:runbookBaseUrl": "https://example.com/runbooks", "lgtm-stack:servicesFrom": folder, ...values };
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), YAML.stringify({ config }));
    return path.join(dir, "Pulumi.dev.yaml");
}
