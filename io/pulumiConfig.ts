/** Reads the running Pulumi stack's config once, validated, with credentials as Pulumi secrets. */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { PROJECT } from "../config/sources";
import { engineObjectStorageKeys, SecretKey, STANDALONE_SECRET_KEYS, StandaloneSecretKey, TEAM_ROUTING_KEYS } from "../config/keys";
import { StackConfig } from "../config/types";
import { Engine, OBJECT_STORAGE_ENGINES } from "../model/topology";
import { rawConfigOfProgram, runbookNames } from "./stackSources";

// Was the key set with `--secret`? Pulumi's public API cannot say (Config.getSecret marks any value
// secret); the SDK's own check reads the secret keys from its config store, which the engine fills
// from PULUMI_CONFIG_SECRET_KEYS and the mocks from setAllConfig. Not in the public typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export interface ObjectStorageCredentials {
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
}

/**
 * The stack's credentials, each a Pulumi secret; absent when not configured. A secret of
 * config/keys.ts `SECRETS` without a pair arrives under its own key (`heartbeatUrl`); pairs and the
 * team map arrive grouped.
 */
export type StackSecrets = { readonly [K in StandaloneSecretKey]?: pulumi.Output<string> } & {
    /** Each engine's object-storage credentials: its own pair (`<engine>ObjectStorage…`), else the shared one; absent when neither is set. */
    readonly objectStorage?: Readonly<Partial<Record<Engine, ObjectStorageCredentials>>>;
    /** Per team with its own PagerDuty service: that service's routing key (`pagerdutyTeamRoutingKeys.<team>`); none when absent. */
    readonly pagerdutyTeamRoutingKeys?: Readonly<Record<string, pulumi.Output<string>>>;
    /** `grafana.mode: external`: your Grafana's API URL and a service-account token for it. */
    readonly grafanaExternal?: { readonly url: pulumi.Output<string>; readonly token: pulumi.Output<string> };
};

export function readStack(): { config: StackConfig; secrets: StackSecrets } {
    let config: StackConfig;
    try {
        config = loadStackConfig(rawConfigOfProgram(pulumi.getStack(), pulumi.runtime.allConfig(), isConfigSecret), { knownRunbooks: runbookNames() });
    } catch (error) {
        if (error instanceof ConfigErrors) {
            // RunError: Pulumi shows the message alone, without a stack trace.
            throw new pulumi.RunError(error.message);
        }
        throw error;
    }
    const stackConfig = new pulumi.Config(PROJECT);
    const secret = (key: SecretKey, present: boolean) => (present ? stackConfig.requireSecret(key) : undefined);
    const sharedId = secret("objectStorageAccessKeyId", config.secrets.objectStorageAccessKeyId);
    const sharedKey = secret("objectStorageSecretAccessKey", config.secrets.objectStorageSecretAccessKey);
    const shared = sharedId && sharedKey ? { accessKeyId: sharedId, secretAccessKey: sharedKey } : undefined;
    const objectStorage = Object.fromEntries(
        OBJECT_STORAGE_ENGINES.flatMap((engine) => {
            const own = engineObjectStorageKeys(engine);
            const credentials = config.secrets.objectStorageEngines.includes(engine)
                ? { accessKeyId: stackConfig.requireSecret(own.accessKeyId), secretAccessKey: stackConfig.requireSecret(own.secretAccessKey) }
                : shared;
            return credentials ? [[engine, credentials]] : [];
        }),
    );
    const grafanaUrl = secret("grafanaExternalUrl", config.secrets.grafanaExternalUrl);
    const grafanaToken = secret("grafanaServiceAccountToken", config.secrets.grafanaServiceAccountToken);
    // One secret map; each team's key is taken out of it inside the Output, so it stays a secret.
    const teamKeys = config.secrets.pagerdutyTeams.length > 0 ? stackConfig.requireSecretObject<Record<string, string>>(TEAM_ROUTING_KEYS) : undefined;
    const pagerdutyTeamRoutingKeys = teamKeys ? Object.fromEntries(config.secrets.pagerdutyTeams.map((team) => [team, teamKeys.apply((keys) => keys[team])])) : {};
    return {
        config,
        secrets: {
            ...Object.fromEntries(STANDALONE_SECRET_KEYS.map((key) => [key, secret(key, config.secrets[key])])),
            pagerdutyTeamRoutingKeys,
            objectStorage,
            grafanaExternal: grafanaUrl && grafanaToken ? { url: grafanaUrl, token: grafanaToken } : undefined,
        },
    };
}
