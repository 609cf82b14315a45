/** A distributed stack's raw config, written by hand: S3 (MinIO) for Loki, Tempo and Mimir, credentials as secrets. */
import { RawStackConfig } from "../../config/load";
import { minimalRaw } from "./fixtures";

export const OBJECT_STORAGE_SECRETS = ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"];

export const s3 = (bucket: string) => ({ type: "s3", bucket, endpoint: "minio.storage:9000", region: "eu-west-1", insecure: true, forcePathStyle: true });

/** The keys a distributed stack sets over the minimal dev config. */
export function distributedValues(topology: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        loki: { storage: s3("logs") },
        tempo: { storage: s3("traces") },
        topology: { mode: "distributed", mimir: { storage: s3("metrics") }, ...topology },
        objectStorageAccessKeyId: "<secret>",
        objectStorageSecretAccessKey: "<secret>",
    };
}

export function distributedRaw(values: Record<string, unknown> = {}): RawStackConfig {
    return minimalRaw({ ...distributedValues(), ...values }, OBJECT_STORAGE_SECRETS);
}

/** `distributedValues` as `runStack` overrides: the object-storage credentials go by name in its `extraSecrets` (OBJECT_STORAGE_SECRETS). */
export function distributedOverrides(topology: Record<string, unknown> = {}): Record<string, unknown> {
    const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues(topology);
    return values;
}
