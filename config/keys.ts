/**
 * The stack's top-level config keys and its secrets, each written once. The root reader's allowed
 * keys, the list of keys that must be set with `pulumi config set --secret`, the shape of the
 * secrets the program is told about (config/types.ts `ConfiguredSecrets`, io/pulumiConfig.ts
 * `StackSecrets`) all follow from these two tables, and test/configKeys.test.ts holds the README's
 * configuration table to them.
 */
import { MAX_CONFIGMAP_SHARDS } from "../model/components";
import { Engine, OBJECT_STORAGE_ENGINES } from "../model/topology";

/**
 * What a secret holds: one value; one value per engine with object storage (the key names it with
 * `<engine>` in front, `lokiObjectStorageAccessKeyId`); or a map set path by path (`--path 'key.<team>'`).
 */
type SecretShape = "value" | "per engine" | "map";

interface SecretSpec {
    readonly shape: SecretShape;
    /** What it is, for the README's configuration table. */
    readonly description: string;
    /** The features that read it; without it they are off or fall back, as said here. */
    readonly neededBy: string;
    /**
     * Secrets the program only uses together (an object-storage key pair, the external Grafana's URL and
     * token): io/pulumiConfig.ts hands them over as one object. A secret without a pair is handed over alone.
     */
    readonly pair?: "objectStorage" | "grafanaExternal";
    /** What the program does when it is not set, if more than going without. */
    readonly whenAbsent?: string;
    /** Alertmanager reads it from a file of the `alertmanager-credentials` Secret, named after it in kebab case (`pagerduty-routing-key`). */
    readonly alertmanagerFile?: true;
}

/** Every credential the stack reads; a plain-text value of any of them is refused. */
export const SECRETS = {
    pagerdutyRoutingKey: {
        shape: "value",
        alertmanagerFile: true,
        description: "routing key (Events API v2) of the PagerDuty service that gets the pages",
        neededBy: "pages to PagerDuty (without it pages go to the webhook, else to Slack)",
    },
    slackWebhookUrl: {
        shape: "value",
        alertmanagerFile: true,
        description: "Slack incoming-webhook URL",
        neededBy: "tickets in `alertmanager.slackChannel` and the teams' channels (`alertmanager.teams`)",
    },
    webhookUrl: {
        shape: "value",
        alertmanagerFile: true,
        description: "generic webhook receiving every alert; the plain `alertmanager.webhookUrl` is refused (it would land in a ConfigMap)",
        neededBy: "a copy of every alert, and pages and tickets when PagerDuty or Slack is not set",
    },
    heartbeatUrl: {
        shape: "value",
        alertmanagerFile: true,
        description: "dead-man's switch: the always-firing `Watchdog` is sent there every minute (see *Alerts and severities*); the plain `alertmanager.heartbeatUrl` is refused",
        neededBy: "the Watchdog; required with profile prod",
    },
    objectStorageAccessKeyId: {
        shape: "value",
        pair: "objectStorage",
        description: "access key id of the object-storage key pair every engine without a pair of its own uses",
        neededBy: "`type: s3` storage of Loki, Tempo and Mimir",
    },
    objectStorageSecretAccessKey: {
        shape: "value",
        pair: "objectStorage",
        description: "secret access key of that shared pair",
        neededBy: "`type: s3` storage of Loki, Tempo and Mimir",
    },
    "<engine>ObjectStorageAccessKeyId": {
        shape: "per engine",
        description: "access key id of an engine's own pair (`loki`, `tempo`, `mimir`); half a pair is an error",
        neededBy: "that engine's `type: s3` storage, instead of the shared pair",
    },
    "<engine>ObjectStorageSecretAccessKey": {
        shape: "per engine",
        description: "secret access key of an engine's own pair",
        neededBy: "that engine's `type: s3` storage, instead of the shared pair",
    },
    grafanaAdminPassword: {
        shape: "value",
        description: "an admin password of your own instead of the one generated with @pulumi/random",
        whenAbsent: "generated",
        neededBy: "the Grafana we deploy (`files`, `api`); refused with `grafana.mode: external`",
    },
    grafanaExternalUrl: {
        shape: "value",
        pair: "grafanaExternal",
        description: "API URL of your own Grafana",
        neededBy: "`grafana.mode: external`, where it is required",
    },
    grafanaServiceAccountToken: {
        shape: "value",
        pair: "grafanaExternal",
        description: "service-account token for your own Grafana's API",
        neededBy: "`grafana.mode: external`, where it is required",
    },
    pagerdutyTeamRoutingKeys: {
        shape: "map",
        description:
            "map team → routing key of the team's own PagerDuty service: `pulumi config set --secret --path 'pagerdutyTeamRoutingKeys.<team>' <key>`; each team must be a team of some service",
        neededBy: "the team's pages, instead of `pagerdutyRoutingKey`",
    },
    grafanaOAuthClientSecret: {
        shape: "value",
        description: "the identity provider app's client secret, mounted into Grafana as a file",
        neededBy: "`grafana.auth`, where it is required",
    },
} as const satisfies Record<string, SecretSpec>;

export type SecretName = keyof typeof SECRETS;
type SecretsShaped<S extends SecretShape> = { [K in SecretName]: (typeof SECRETS)[K]["shape"] extends S ? K : never }[SecretName];
/** A secret holding one value for the whole stack (`heartbeatUrl`). */
export type StackSecretKey = SecretsShaped<"value">;
/** The secrets handed to the program alone, not as part of a pair. */
export type StandaloneSecretKey = Exclude<StackSecretKey, { [K in SecretName]: (typeof SECRETS)[K] extends { pair: string } ? K : never }[SecretName]>;
/** An engine's own secret, `lokiObjectStorageAccessKeyId`. */
export type EngineSecretKey = SecretsShaped<"per engine"> extends `<engine>${infer Rest}` ? `${Engine}${Rest}` : never;
/** Every top-level key whose value must be set with `pulumi config set --secret`. */
export type SecretKey = StackSecretKey | EngineSecretKey;

const secretNames = Object.keys(SECRETS) as SecretName[];
const shaped = (shape: SecretShape) => secretNames.filter((name) => SECRETS[name].shape === shape);

/** Secrets holding one value for the whole stack, in the table's order. */
export const STACK_SECRET_KEYS = shaped("value") as StackSecretKey[];
export const STANDALONE_SECRET_KEYS = STACK_SECRET_KEYS.filter((key) => !("pair" in SECRETS[key])) as StandaloneSecretKey[];
/** The secret map team → PagerDuty routing key of that team's own PagerDuty service. */
export const TEAM_ROUTING_KEYS = shaped("map")[0] as SecretsShaped<"map">;

/** The secrets Alertmanager reads from files (receiver credentials), in the table's order. */
export type AlertmanagerSecretKey = { [K in SecretName]: (typeof SECRETS)[K] extends { alertmanagerFile: true } ? K : never }[SecretName];
export const ALERTMANAGER_SECRET_KEYS = secretNames.filter((name) => "alertmanagerFile" in SECRETS[name]) as AlertmanagerSecretKey[];

/** The file each of them becomes under Alertmanager's secrets mount: its name in kebab case (`slackWebhookUrl` → `slack-webhook-url`). */
export const ALERTMANAGER_SECRET_FILES = Object.fromEntries(
    ALERTMANAGER_SECRET_KEYS.map((key) => [key, key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)]),
) as Readonly<Record<AlertmanagerSecretKey, string>>;

/** The file of one team's PagerDuty routing key (`pagerdutyTeamRoutingKeys.<team>`), beside the stack's. */
export const teamRoutingKeyFile = (team: string) => `${ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey}-${team}`;

/** The config keys of an engine's own object-storage key pair: `lokiObjectStorageAccessKeyId` and `lokiObjectStorageSecretAccessKey`. */
export function engineObjectStorageKeys(engine: Engine): { readonly accessKeyId: EngineSecretKey; readonly secretAccessKey: EngineSecretKey } {
    // The type refuses a name that is not one of the table's per-engine secrets.
    return { accessKeyId: `${engine}ObjectStorageAccessKeyId`, secretAccessKey: `${engine}ObjectStorageSecretAccessKey` };
}

/** Every top-level key holding a secret: the engines' own keys spelt out, the map's key included. */
export const SECRET_CONFIG_KEYS: readonly (SecretKey | typeof TEAM_ROUTING_KEYS)[] = secretNames.flatMap((name) =>
    SECRETS[name].shape === "per engine" ? OBJECT_STORAGE_ENGINES.map((engine) => name.replace("<engine>", engine) as EngineSecretKey) : [name as StackSecretKey | typeof TEAM_ROUTING_KEYS],
);

/**
 * A default: one value; the profile's, named by its field of config/profiles.ts `ProfileDefaults`
 * (the reader reads that field through this name); or, where the reader works it out, words for the README.
 */
export type KeyDefault = { readonly value: string | number } | { readonly profile: string } | { readonly text: string };

/** One setting: what it takes, its default, its limits and what it means. */
export interface KeySpec {
    /** What the key takes; a section is an object of settings documented by the rows for its own keys (`prometheus.replicas`). */
    readonly type: string;
    /** Absent for sections (their keys have their own defaults) and for settings documented as `documentedAs`. */
    readonly default?: KeyDefault;
    /** Bounds of a number, as the reader enforces them; the README's meaning names the range `min..max`. */
    readonly limits?: { readonly min?: number; readonly max?: number; readonly integer?: boolean };
    /** Meaning and limits, as the README's configuration table says them; absent for sections. */
    readonly description?: string;
    /** A setting every backend shares, documented once by this README row (`<backend>.image`). */
    readonly documentedAs?: string;
}

/** The top-level keys other than secrets, in the README's order. */
export const SETTINGS = {
    profile: {
        type: "`dev` or `prod`",
        default: { text: "stack name `prod` → prod, else dev" },
        description: "sizing and safety profile: `dev` or `prod`",
    },
    namespace: {
        type: "namespace name",
        default: { value: "observability" },
        description: "namespace of the stack, which the stack creates and owns; not `default`, `kube-system`, `kube-public` or `kube-node-lease`",
    },
    agentNamespace: {
        type: "namespace name",
        default: { text: "`<namespace>-agents`" },
        description: "namespace of the node agents (Collector agent, node-exporter), Pod Security `privileged`; created with the agent; not the stack's",
    },
    runbookBaseUrl: {
        type: "http(s) URL",
        default: { text: "required" },
        description: "web view of `runbooks/`, an http(s) URL without trailing slash; `runbook_url` = `<base>/<Alert>.md`",
    },
    storageClassName: {
        type: "StorageClass name",
        default: { text: "cluster default" },
        description: "storage class of every PVC (a DNS name)",
    },
    networkPolicies: {
        type: "boolean or section",
        default: { profile: "networkPolicies" },
        description: "default-deny plus explicit allows; `true`/`false`, or an object `{ enabled, egress }` (see [Network policies](#network-policies))",
    },
    podDisruptionBudgets: {
        type: "boolean",
        default: { profile: "podDisruptionBudgets" },
        description: "PDBs for multi-replica components",
    },
    prometheus: { type: "section" },
    operator: { type: "section" },
    alertmanager: { type: "section" },
    loki: { type: "section" },
    tempo: { type: "section" },
    collector: { type: "section" },
    grafana: { type: "section" },
    services: {
        type: "list",
        default: { value: "[]" },
        description: "see [Add a service](#add-a-service)",
    },
    servicesFrom: {
        type: "folder",
        default: { text: "none" },
        description:
            "a folder inside the project whose `*.yaml` files each hold `services: [...]`, or OpenSLO v1 documents (`apiVersion: openslo/v1`, several per file); see [Fleet scale](#fleet-scale-services-in-files) and [OpenSLO](#openslo-import-and-export)",
    },
    topology: {
        type: "string or section",
        default: { value: "single" },
        description: "`single` or `distributed` (or `{ mode, loki, tempo, mimir, collector, tenants, defaultTenant, zones }` with per-tier settings); see [Topology](#topology-single-or-distributed)",
    },
    cluster: { type: "section" },
} as const satisfies Record<string, KeySpec>;

export type SettingKey = keyof typeof SETTINGS;

/** The value a key defaults to in the reader, where it is one fixed value. */
export function defaultOf<K extends { [S in SettingKey]: (typeof SETTINGS)[S] extends { default: { value: string } } ? S : never }[SettingKey]>(key: K): (typeof SETTINGS)[K]["default"]["value"] {
    return SETTINGS[key].default.value;
}

/** `prometheus`: the metrics store the stack runs (`mode: single`; with `distributed` its HA pair writes to Mimir). */
export const PROMETHEUS_SETTINGS = {
    image: { type: "image", documentedAs: "<backend>.image" },
    replicas: {
        type: "whole number",
        default: { profile: "prometheusReplicas" },
        limits: { min: 1, max: 5, integer: true },
        description:
            "1..5; an independent HA pair in prod. With `topology: distributed` the default is 2 in every profile (an HA pair Mimir deduplicates; the operator's agent follows it); set 1 only where a second replica cannot run apart (a one-node dev cluster): every metric then passes through one pod",
    },
    resources: { type: "resources", documentedAs: "<backend>.resources" },
    retention: {
        type: "duration",
        default: { profile: "prometheusRetention" },
        description: "at least 3d (SlowBudgetBurn's longest window) and at least every service's SLO window",
    },
    retentionSize: {
        type: "Prometheus size",
        default: { profile: "prometheusRetentionSize" },
        description: "Prometheus units (powers of two: 1GB = 1GiB), positive, at most 90% of `volumeSize` (compaction needs room)",
    },
    volumeSize: {
        type: "Kubernetes quantity",
        default: { profile: "prometheusVolume" },
        description: "positive Kubernetes quantity",
    },
    scrapeInterval: {
        type: "duration",
        default: { value: "30s" },
        description: "at most 1m: half the shortest alert window (2m), so `rate()` always has two samples",
    },
    evaluationInterval: {
        type: "duration",
        default: { value: "30s" },
        description: "at most 2m, the shortest alert window",
    },
    configMapShards: {
        type: "whole number",
        // One of each kind fits ~40 services of two SLOs; render/index.ts names the count a fleet needs.
        default: { value: 1 },
        limits: { min: 1, max: MAX_CONFIGMAP_SHARDS, integer: true },
        description:
            "only with `operator.enabled: false`; 1..64: ConfigMaps of each kind (`prometheus-rules`, `prometheus-scrape`, then `-1`, `-2`, …) over which the services' rule and scrape files are spread by an FNV-1a hash of the service name; raise it when a shard would pass 960 KiB (see *Large fleets*)",
    },
} as const satisfies Record<string, KeySpec>;

/** The sections whose keys are tabled here, by their top-level key. */
export const SECTIONS = { prometheus: PROMETHEUS_SETTINGS } as const satisfies { readonly [K in SettingKey]?: Record<string, KeySpec> };

/** A table's keys, for the reader of its object. */
export function keysOf<T extends Record<string, KeySpec>>(table: T): (keyof T & string)[] {
    return Object.keys(table);
}

type ProfileNamed<T> = { [K in keyof T]: T[K] extends { default: { profile: infer F } } ? F : never }[keyof T];
/** The config/profiles.ts `ProfileDefaults` fields the tables name as defaults. */
export type ProfileField = ProfileNamed<typeof SETTINGS> | ProfileNamed<typeof PROMETHEUS_SETTINGS>;

/** Every key the stack config may hold at its top level. */
export const ROOT_KEYS = [...(Object.keys(SETTINGS) as SettingKey[]), ...SECRET_CONFIG_KEYS];
