import * as path from "path";
import { loadStackConfig, RawStackConfig } from "../../config/load";
import { PROJECT_ROOT, rawConfigFromFile, runbookNames } from "../../config/sources";
import { StackConfig } from "../../config/types";

export const knownRunbooks = runbookNames();

/**
 * Credentials an operator sets with `pulumi config set --secret` before the first preview (listed in
 * each stack file's header); the committed stack files hold none.
 */
export const OPERATOR_SECRETS: Readonly<Record<string, readonly string[]>> = {
    prod: ["pagerdutyRoutingKey", "slackWebhookUrl", "objectStorageAccessKeyId", "objectStorageSecretAccessKey"],
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
