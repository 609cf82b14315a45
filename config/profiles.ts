/** Sizing and safety defaults per profile; every value can be overridden in the stack's config. */
import { KeySpec, ProfileField } from "./keys";
import { Profile, Resources } from "./types";

/** Every field config/keys.ts names as a setting's default is here (the PROFILES below then lack it and fail to compile). */
export interface ProfileDefaults extends Readonly<Record<ProfileField, unknown>> {
    readonly prometheusReplicas: number;
    readonly prometheusRetention: string;
    readonly prometheusRetentionSize: string;
    readonly prometheusVolume: string;
    readonly alertmanagerReplicas: number;
    readonly lokiRetention: string;
    readonly tempoRetention: string;
    readonly backendPersistence: boolean;
    /** Where Loki, Tempo and Mimir keep their data unless `storage.type` says. */
    readonly storageType: "filesystem" | "s3";
    readonly gatewayReplicas: number;
    readonly queueVolume: string;
    readonly networkPolicies: boolean;
    readonly podDisruptionBudgets: boolean;
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
        storageType: "filesystem",
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
        storageType: "s3",
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

/** A setting's default as the README's configuration table shows it: `value` (a number or boolean bare), `dev / prod`, or words. */
export function defaultText(setting: KeySpec): string | undefined {
    const given = setting.default;
    if (given === undefined) {
        return undefined;
    }
    if ("value" in given) {
        const value = typeof given.value === "string" ? `\`${given.value}\`` : String(given.value);
        return given.note === undefined ? value : `${value} ${given.note}`;
    }
    if ("profile" in given) {
        const field = given.profile as ProfileField;
        return `${PROFILES.dev[field]} / ${PROFILES.prod[field]}`;
    }
    if ("requests" in given) {
        const requests = (scale: number) => {
            const { cpu, memory } = scaledResources(given.requests.cpu, given.requests.memory, scale).requests;
            return `${cpu}, ${memory}`;
        };
        return given.scaled ? `${requests(PROFILES.dev.scale)} / ${requests(PROFILES.prod.scale)}` : requests(1);
    }
    return given.text;
}
