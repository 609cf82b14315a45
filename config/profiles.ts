/** Sizing and safety defaults per profile; every value can be overridden in the stack's config. */
import { PerProfileSetting, SettingKey, SETTINGS, TopLevelKey } from "./keys";
import { Profile, Resources } from "./types";

/** A field per setting whose default depends on the profile (config/keys.ts), and the sizes the readers scale. */
export interface ProfileDefaults extends Readonly<Record<PerProfileSetting, boolean>> {
    readonly prometheusReplicas: number;
    readonly prometheusRetention: string;
    readonly prometheusRetentionSize: string;
    readonly prometheusVolume: string;
    readonly alertmanagerReplicas: number;
    readonly lokiRetention: string;
    readonly tempoRetention: string;
    readonly backendPersistence: boolean;
    readonly gatewayReplicas: number;
    readonly queueVolume: string;
    /** Multiplier of the backends' requests and limits. */
    readonly scale: number;
}

export const PROFILES: Record<Profile, ProfileDefaults> = {
    dev: {
        prometheusReplicas: 1,
        // The default SLO window is 30d: a shorter retention would compute every SLO over less data than it claims.
        prometheusRetention: "30d",
        prometheusRetentionSize: "8GB",
        prometheusVolume: "10Gi",
        alertmanagerReplicas: 1,
        lokiRetention: "7d",
        tempoRetention: "3d",
        backendPersistence: false,
        gatewayReplicas: 1,
        queueVolume: "2Gi",
        networkPolicies: false,
        podDisruptionBudgets: false,
        scale: 1,
    },
    prod: {
        prometheusReplicas: 2,
        prometheusRetention: "30d",
        prometheusRetentionSize: "90GB",
        prometheusVolume: "100Gi",
        alertmanagerReplicas: 3,
        lokiRetention: "30d",
        tempoRetention: "14d",
        backendPersistence: true,
        gatewayReplicas: 1,
        queueVolume: "10Gi",
        networkPolicies: true,
        podDisruptionBudgets: true,
        scale: 4,
    },
};

/** Requests of `cpuMilli` and `memoryMi` times the profile's scale; limits `limitFactor` times that. */
export function scaledResources(cpuMilli: number, memoryMi: number, scale: number, limitFactor = 2): Resources {
    return {
        requests: { cpu: `${cpuMilli * scale}m`, memory: `${memoryMi * scale}Mi` },
        limits: { cpu: `${cpuMilli * scale * limitFactor}m`, memory: `${memoryMi * scale * limitFactor}Mi` },
    };
}

/** A top-level setting's default as the README's configuration table shows it: `value`, `dev / prod`, or words. */
export function defaultText(key: SettingKey): string | undefined {
    const entry: TopLevelKey = SETTINGS[key];
    const given = entry.default;
    if (given === undefined) {
        return undefined;
    }
    if ("value" in given) {
        return `\`${given.value}\``;
    }
    if ("perProfile" in given) {
        const setting = key as PerProfileSetting;
        return `${PROFILES.dev[setting]} / ${PROFILES.prod[setting]}`;
    }
    return given.text;
}
