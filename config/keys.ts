/**
 * The stack's config keys and its secrets, each written once. The readers' allowed keys (and, for
 * sections whose keys depend on a discriminator, which keys go with which value), the key names they
 * read (typed against these tables), the defaults (a value, the profile's field, or a workload's requests,
 * the distributed tiers' included) and the limits of numbers and durations,
 * the list of keys that must be set with `pulumi config set --secret`, the shape of the secrets the
 * program is told about (config/types.ts `ConfiguredSecrets`, io/pulumiConfig.ts `StackSecrets`) and
 * the files Alertmanager reads its receivers' credentials from all follow from these tables, and
 * test/configKeys.test.ts holds the README's configuration table, its service table and its sizing table to them.
 */
import versions from "../tools/versions.json";
import { MAX_CONFIGMAP_SHARDS } from "../model/components";
import { CLUSTER_PROVIDERS } from "../model/cluster";
import { GRAFANA_AUTH_PROVIDERS, GrafanaAuthProvider } from "../model/grafanaAuth";
import { Engine, OBJECT_STORAGE_ENGINES, TIERS } from "../model/topology";
import { LOG_ALERT_PRESETS, SEVERITIES, TRAFFIC_ANOMALY } from "../model/alerting";
import { CUSTOM_PRESET, DEFAULT_PRESET } from "../model/presets";

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
 * A default: one value (with a `note` for the README where it does not always apply); the profile's, named by its field of config/profiles.ts `ProfileDefaults`
 * (the reader reads that field through this name); or, where the reader works it out, words for the README.
 */
export type KeyDefault = { readonly value: string | number | boolean; readonly note?: string } | { readonly profile: string } | { readonly text: string } | RequestsDefault;

/**
 * A workload's default `resources`: requests in millicores and MiB, limits twice that (config/profiles.ts
 * `scaledResources`); `scaled`: both times the profile's `scale`.
 */
export interface RequestsDefault {
    readonly requests: { readonly cpu: number; readonly memory: number };
    readonly scaled?: true;
}

/**
 * One setting: what it takes, its default, its limits and what it means. A README row may list several
 * keys (`loki.storage`, `tempo.storage`): its default is theirs (joined with ", " where they differ), its
 * meaning the description of the one key that has it.
 */
export interface KeySpec {
    /** What the key takes; a section is an object of settings documented by the rows for its own keys (`prometheus.replicas`). */
    readonly type: string;
    /** Absent for sections documented by their keys' rows, and for settings documented as `documentedAs`. */
    readonly default?: KeyDefault;
    /** Bounds of a number (or, written as text, of a duration), as the reader enforces them; the README's meaning names the range `min..max`. */
    readonly limits?: { readonly min?: number | string; readonly max?: number | string; readonly integer?: boolean };
    /** Meaning and limits, as the README's configuration table says them. */
    readonly description?: string;
    /**
     * Documented by another README row: a setting every backend shares (`<backend>.image`), or a key the
     * reader only takes to refuse it, documented by the secret that replaces it (`alertmanager.webhookUrl`).
     */
    readonly documentedAs?: string;
    /** A section's own keys: documented by their own rows, or, when the section has a description, named in it. */
    readonly keys?: Readonly<Record<string, KeySpec>>;
    /** The values a key of fixed choices takes, as the reader accepts them (the README's meaning names each). */
    readonly choices?: readonly string[];
    /** The values of the section's discriminator (`type`, `mode`) this key applies with; absent: with every value. */
    readonly only?: readonly string[];
}

/** The image every workload takes, documented once by the README's `<backend>` rows. */
const IMAGE = { type: "image", documentedAs: "<backend>.image" } as const satisfies KeySpec;

/** `resources` with these requests (millicores, MiB) by default; `scaled`: times the profile's `scale`. */
export function resources<const D extends RequestsDefault>(requests: D) {
    return { type: "resources", default: requests } as const satisfies KeySpec;
}

/** A backend's `resources`, documented once by the README's `<backend>.resources` row. */
function backendResources<const D extends RequestsDefault>(requests: D) {
    return { ...resources(requests), documentedAs: "<backend>.resources" } as const satisfies KeySpec;
}

export type ResourcesSpec = { readonly default: RequestsDefault };

/** `<backend>.persistence`: on in prod; `size` is the backend's own. */
export function persistence<Size extends string>(size: Size) {
    return {
        type: "section",
        documentedAs: "<backend>.persistence",
        keys: { enabled: { type: "boolean", default: { profile: "backendPersistence" } }, size: { type: "Kubernetes quantity", default: { value: size } } },
    } as const satisfies KeySpec;
}

export type PersistenceSpec = ReturnType<typeof persistence>;

/** `<engine>.storage` (Loki, Tempo, Mimir): the filesystem, or an S3 bucket (prod's default). */
export const STORAGE = {
    type: "section",
    default: { profile: "storageType" },
    description:
        "`{ type: s3, bucket, endpoint, region, insecure, forcePathStyle }`; `bucket` is required and follows S3 naming; `endpoint` (default `s3.amazonaws.com`) is `host[:port]` without scheme or path (Tempo's S3 client refuses a scheme; `insecure: true` for plain HTTP); `region` (default `us-east-1`); `insecure` and `forcePathStyle` (default `false`); `bucket`, `endpoint` and the rest only with `type: s3`",
    keys: {
        type: { type: "`filesystem` or `s3`", default: { profile: "storageType" } },
        bucket: { type: "S3 bucket name", default: { text: "required" }, only: ["s3"] },
        endpoint: { type: "host[:port]", default: { value: "s3.amazonaws.com" }, only: ["s3"] },
        region: { type: "S3 region", default: { value: "us-east-1" }, only: ["s3"] },
        insecure: { type: "boolean", default: { value: false }, only: ["s3"] },
        forcePathStyle: { type: "boolean", default: { value: false }, only: ["s3"] },
    },
} as const satisfies KeySpec;

/** Config key of a tier: `query-frontend` → `queryFrontend`. */
export function tierKey(tier: string): string {
    return tier.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** A tier's sizing: replicas, the HPA's ceiling (autoscaled tiers only), the fewest and most replicas that work, requests (millicores, MiB). */
interface TierSizing {
    readonly replicas: number;
    readonly maxReplicas?: number;
    /** Replication factor 3 needs three ingesters. */
    readonly min: number;
    /** Loki's compactor must be a singleton. */
    readonly max?: number;
    readonly cpu: number;
    readonly memory: number;
}

/**
 * Sizing per tier. Ingesters start at three (replication factor 3); stateless tiers have an HPA
 * from `replicas` to `maxReplicas`; requests follow the engines' capacity guidance (README, "Sizing").
 */
const TIER_SIZING = {
    loki: {
        distributor: { replicas: 2, maxReplicas: 10, min: 1, cpu: 500, memory: 512 },
        ingester: { replicas: 3, min: 3, cpu: 1000, memory: 4096 },
        querier: { replicas: 2, maxReplicas: 10, min: 1, cpu: 1000, memory: 2048 },
        "query-frontend": { replicas: 2, maxReplicas: 4, min: 1, cpu: 250, memory: 512 },
        "query-scheduler": { replicas: 2, min: 1, cpu: 100, memory: 128 },
        compactor: { replicas: 1, min: 1, max: 1, cpu: 500, memory: 1024 },
        "index-gateway": { replicas: 2, min: 1, cpu: 250, memory: 1024 },
        // Light: it evaluates the log alerts through the query-frontends and only holds their state.
        ruler: { replicas: 2, min: 1, cpu: 250, memory: 512 },
    },
    tempo: {
        distributor: { replicas: 2, maxReplicas: 10, min: 1, cpu: 500, memory: 1024 },
        ingester: { replicas: 3, min: 3, cpu: 1000, memory: 4096 },
        querier: { replicas: 2, maxReplicas: 10, min: 1, cpu: 500, memory: 1024 },
        "query-frontend": { replicas: 2, maxReplicas: 4, min: 1, cpu: 250, memory: 512 },
        compactor: { replicas: 1, min: 1, cpu: 500, memory: 2048 },
        "metrics-generator": { replicas: 2, min: 1, cpu: 500, memory: 1024 },
    },
    mimir: {
        distributor: { replicas: 2, maxReplicas: 10, min: 1, cpu: 1000, memory: 1024 },
        ingester: { replicas: 3, min: 3, cpu: 1000, memory: 2560 },
        querier: { replicas: 2, maxReplicas: 10, min: 1, cpu: 1000, memory: 1024 },
        "query-frontend": { replicas: 2, maxReplicas: 4, min: 1, cpu: 250, memory: 512 },
        "query-scheduler": { replicas: 2, min: 1, cpu: 100, memory: 128 },
        "store-gateway": { replicas: 3, min: 3, cpu: 1000, memory: 1024 },
        compactor: { replicas: 1, min: 1, cpu: 1000, memory: 4096 },
        ruler: { replicas: 2, min: 1, cpu: 500, memory: 1024 },
    },
} as const satisfies { readonly [E in Engine]: { readonly [T in keyof (typeof TIERS)[E]]: TierSizing } };

/** A tier's keys (`topology.loki.ingester.replicas`): `maxReplicas` only for a tier with an HPA, its ceiling. */
export interface TierSpec {
    readonly type: "section";
    readonly keys: {
        readonly replicas: { readonly type: "whole number"; readonly default: { readonly value: number }; readonly limits: { readonly min: number; readonly max?: number; readonly integer: true } };
        readonly maxReplicas?: { readonly type: "whole number"; readonly default: { readonly value: number }; readonly limits: { readonly min: 1; readonly integer: true } };
        readonly resources: { readonly type: "resources"; readonly default: RequestsDefault };
    };
}

function tierSpec({ replicas, maxReplicas, min, max, cpu, memory }: TierSizing): TierSpec {
    return {
        type: "section",
        keys: {
            replicas: { type: "whole number", default: { value: replicas }, limits: { min, ...(max === undefined ? {} : { max }), integer: true } },
            ...(maxReplicas === undefined ? {} : { maxReplicas: { type: "whole number", default: { value: maxReplicas }, limits: { min: 1, integer: true } } }),
            resources: resources({ requests: { cpu, memory } }),
        },
    };
}

/** An engine's tiers by their config keys (model/topology.ts `TIERS`). */
function tiersOf(engine: Engine): Record<string, TierSpec> {
    return Object.fromEntries(Object.entries(TIER_SIZING[engine]).map(([tier, sizing]) => [tierKey(tier), tierSpec(sizing)]));
}

/** A tier's keys, by its name in model/topology.ts `TIERS` (`query-frontend`). */
export function tierSettings(engine: Engine, tier: string): TierSpec {
    return (TOPOLOGY_SETTINGS[engine].keys as Readonly<Record<string, TierSpec>>)[tierKey(tier)];
}

/** `topology`: `single`, or `distributed` with each engine's tiers, the Collector's load-balancing tier, tenants and zones; `only` names the modes a key applies with. */
export const TOPOLOGY_SETTINGS = {
    mode: { type: "`single` or `distributed`", choices: ["single", "distributed"], default: { value: "single" } },
    loki: { type: "section", only: ["distributed"], keys: tiersOf("loki") },
    tempo: { type: "section", only: ["distributed"], keys: tiersOf("tempo") },
    mimir: {
        type: "section",
        only: ["distributed"],
        keys: {
            image: { type: "image", default: { text: "`tools/versions.json`" } },
            storage: { type: "section", default: { text: "required" }, keys: STORAGE.keys },
            retention: { type: "duration", default: { value: "90d" } },
            volumeSize: { type: "Kubernetes quantity", default: { value: "50Gi" } },
            compactorVolumeSize: { type: "Kubernetes quantity", default: { value: "100Gi" } },
            ...tiersOf("mimir"),
        },
    },
    collector: {
        type: "section",
        only: ["distributed"],
        keys: {
            // Light: it only hashes trace IDs and forwards; autoscaled.
            loadBalancer: {
                type: "section",
                keys: {
                    replicas: { type: "whole number", default: { value: 2 }, limits: { min: 1, integer: true } },
                    maxReplicas: { type: "whole number", default: { value: 10 }, limits: { min: 1, integer: true } },
                    resources: resources({ requests: { cpu: 200, memory: 256 } }),
                },
            },
            gatewayMaxReplicas: { type: "whole number", default: { value: 10 }, limits: { min: 1, integer: true } },
        },
    },
    tenants: {
        type: "map",
        only: ["distributed"],
        default: { text: "none (single tenant)" },
        description:
            "distributed only: `{ <tenant id>: { teams: [...], limits: { logsMBPerSecond, tracesMBPerSecond, samplesPerSecond, maxSeries } } }`; Loki, Tempo and Mimir then run multi-tenant, each team's services in its tenant; see [Tenants](#tenants)",
        keys: {
            "<tenant id>": {
                type: "section",
                keys: {
                    teams: { type: "list of teams", default: { text: "required" } },
                    limits: {
                        type: "section",
                        keys: {
                            logsMBPerSecond: { type: "number", default: { text: "Loki's" }, limits: { min: 0.001 } },
                            tracesMBPerSecond: { type: "number", default: { text: "Tempo's" }, limits: { min: 0.001 } },
                            samplesPerSecond: { type: "whole number", default: { text: "Mimir's" }, limits: { min: 1, integer: true } },
                            maxSeries: { type: "whole number", default: { text: "Mimir's" }, limits: { min: 1, integer: true } },
                        },
                    },
                },
            },
        },
    },
    defaultTenant: {
        type: "tenant id",
        only: ["distributed"],
        default: { value: "platform" },
        description: "with `tenants`: the tenant of teams named in none and of the stack's own data",
    },
    zones: {
        type: "list of zones",
        only: ["distributed"],
        default: { text: "none (copies spread by node only)" },
        description:
            "distributed only: the nodes' `topology.kubernetes.io/zone` values, e.g. `[eu-west-1a, eu-west-1b, eu-west-1c]`; at least 3 distinct (replication factor 3), lower-case letters, digits and `-`, at most 27 characters; the ingesters and Mimir's store-gateways run one StatefulSet per zone and keep one copy per zone; see [Zones](#zones)",
    },
} as const satisfies Record<string, KeySpec>;

/** Where the stack's pods may connect outside the cluster's pods (`networkPolicies.egress.<destination>`). */
export const EGRESS_DESTINATIONS = ["apiServer", "nodes", "objectStorage", "receivers", "identityProvider", "probes"] as const;

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
        keys: {
            // Naming destinations asks for the policies: on unless `enabled` says otherwise.
            enabled: { type: "boolean", default: { profile: "networkPolicies" } },
            egress: {
                type: "section",
                keys: {
                    "<destination>": {
                        type: "list of CIDRs",
                        choices: EGRESS_DESTINATIONS,
                        default: { text: "any address, on the destination's port" },
                        description:
                            "lists of CIDRs (IPv4 or IPv6, network address, not `/0`, not empty) for `apiServer`, `nodes`, `objectStorage`, `receivers`, `identityProvider`, `probes`; naming any turns the policies on unless `enabled: false`",
                    },
                },
            },
        },
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
        default: TOPOLOGY_SETTINGS.mode.default,
        keys: TOPOLOGY_SETTINGS,
        description: "`single` or `distributed` (or `{ mode, loki, tempo, mimir, collector, tenants, defaultTenant, zones }` with per-tier settings, `mode` default `single`); see [Topology](#topology-single-or-distributed)",
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
    resources: backendResources({ requests: { cpu: 250, memory: 512 }, scaled: true }),
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
    shareServiceRules: {
        type: "boolean",
        default: { value: false },
        description:
            "only with the operator's PrometheusRule objects (`operator.enabled`, no `topology.tenants`): services whose rules differ only in their name (same preset, team, SLOs, thresholds and policy) share rule groups of about 50, one PrometheusRule each, which the stack owns; 1,000 such services preview in a third of the time (see *Fleet scale*)",
    },
} as const satisfies Record<string, KeySpec>;

/** `alertmanager`: notifications, their receivers' routing and when they are held back. */
export const ALERTMANAGER_SETTINGS = {
    image: IMAGE,
    replicas: {
        type: "whole number",
        default: { profile: "alertmanagerReplicas" },
        limits: { min: 1, max: 5, integer: true },
        description: "1..5; clustered when > 1",
    },
    resources: backendResources({ requests: { cpu: 50, memory: 64 } }),
    persistence: persistence("1Gi"),
    slackChannel: {
        type: "Slack channel",
        default: { value: "#alerts" },
        description: "channel for `warning` alerts, starting with `#`",
    },
    // Taken only to be refused: in plain config a URL and its token would land in a ConfigMap.
    webhookUrl: { type: "refused", documentedAs: "webhookUrl" },
    heartbeatUrl: { type: "refused", documentedAs: "heartbeatUrl" },
    teams: {
        type: "map",
        default: { text: "none" },
        description:
            "`{ <team>: { slackChannel } }`: the team's tickets go to its own channel (through `slackWebhookUrl`, which must be set); `<team>` must be a team of some service",
        keys: { "<team>": { type: "section", keys: { slackChannel: { type: "Slack channel", default: { text: "none" } } } } },
    },
    timeIntervals: {
        type: "map",
        default: { text: "none" },
        description:
            "`{ <name>: [ { times: [{ start, end }], weekdays, daysOfMonth, months, years, location } ] }`, Alertmanager's time-interval fields: `HH:MM` ranges within a day (start before end), names or `from:to` ranges of weekdays and months, days 1..31 or -1..-31, an IANA `location` (default UTC); every period names at least one field; names are lowercase and not `maintenance-…`",
        keys: {
            "<name>": {
                type: "list of periods",
                keys: {
                    times: { type: "list", default: { text: "all day" }, keys: { start: { type: "HH:MM", default: { text: "required" } }, end: { type: "HH:MM", default: { text: "required" } } } },
                    weekdays: { type: "list of ranges", default: { text: "every day" } },
                    daysOfMonth: { type: "list of ranges", default: { text: "every day" } },
                    months: { type: "list of ranges", default: { text: "every month" } },
                    years: { type: "list of ranges", default: { text: "every year" } },
                    location: { type: "IANA time zone", default: { text: "UTC" } },
                },
            },
        },
    },
    ticketHours: {
        type: "time-interval name",
        default: { text: "none (always)" },
        description: "a `timeIntervals` name: tickets notify only then",
    },
    maintenance: {
        type: "list",
        default: { text: "none" },
        description:
            "`[{ name, services, start, end }]`: the services' pages and tickets are muted from `start` to `end` (`YYYY-MM-DDTHH:MMZ`, UTC, whole minutes, end after start, at most 7 days); every service must exist",
        keys: {
            name: { type: "window name", default: { text: "required" } },
            services: { type: "list of services", default: { text: "required" } },
            start: { type: "UTC time", default: { text: "required" } },
            end: { type: "UTC time", default: { text: "required" } },
        },
    },
} as const satisfies Record<string, KeySpec>;

/** `loki`: the log store. */
export const LOKI_SETTINGS = {
    image: IMAGE,
    resources: backendResources({ requests: { cpu: 200, memory: 512 }, scaled: true }),
    retention: {
        type: "duration",
        default: { profile: "lokiRetention" },
        description: "enforced by the compactor; at least 24h",
    },
    persistence: persistence("20Gi"),
    storage: STORAGE,
} as const satisfies Record<string, KeySpec>;

/** `tempo`: the trace store; its release line follows the topology (config/backends.ts `TEMPO_MAJOR`). */
export const TEMPO_SETTINGS = {
    image: {
        type: "image",
        default: { text: `\`tools/versions.json\`: ${versions.images.tempo.tag} (\`single\`), ${versions.images["tempo-distributed"].tag} (\`distributed\`)` },
        description: "as `<backend>.image`, and of the topology's release line: a 3.x tag in `single` (its config is Tempo 3's), a 2.x tag in `distributed`",
    },
    resources: backendResources({ requests: { cpu: 200, memory: 512 }, scaled: true }),
    retention: {
        type: "duration",
        default: { profile: "tempoRetention" },
        description: "`block_retention` (Tempo 3: the backend worker's and scheduler's; Tempo 2.10 in `distributed`: the compactor's); at least 24h",
    },
    persistence: persistence("20Gi"),
    // Documented by the row of `loki.storage`.
    storage: { type: "section", default: STORAGE.default, keys: STORAGE.keys },
} as const satisfies Record<string, KeySpec>;

/** Tail-sampling gateways behind the load-balancing tier in the distributed topology, by default. */
export const DISTRIBUTED_GATEWAYS = 3;

/** `collector`: the OpenTelemetry Collector's gateway (tail sampling, redaction) and node agent. */
export const COLLECTOR_SETTINGS = {
    image: {
        type: "image",
        default: { text: "`tools/versions.json`" },
        description: "as `<backend>.image`",
    },
    gatewayReplicas: {
        type: "whole number",
        default: { text: `1 (${DISTRIBUTED_GATEWAYS} with \`topology: distributed\`)` },
        limits: { min: 1, max: 50, integer: true },
        description:
            "exactly 1 in the single topology: tail sampling needs every span of a trace on one gateway; 1..50 with `topology: distributed`, whose load-balancing tier routes each trace to one gateway",
    },
    gateway: {
        type: "section",
        keys: { resources: { ...resources({ requests: { cpu: 200, memory: 512 }, scaled: true }), description: "as `<backend>.resources`" } },
    },
    agent: {
        type: "section",
        keys: { resources: { ...resources({ requests: { cpu: 100, memory: 256 } }), description: "as `<backend>.resources`" } },
    },
    slowTraceThresholdMs: {
        type: "whole number",
        default: { value: 2000 },
        limits: { min: 1, integer: true },
        description: "whole milliseconds ≥ 1; traces slower than this are always kept",
    },
    samplingPercent: {
        type: "number",
        default: { value: 5 },
        limits: { min: 0, max: 100 },
        description: "0..100; share of the other traces kept",
    },
    queueVolumeSize: {
        type: "Kubernetes quantity",
        default: { profile: "queueVolume" },
        description: "persistent sending queues; positive",
    },
    agentEnabled: {
        type: "boolean",
        default: { value: true },
        description: "node agent shipping container logs",
    },
    redaction: {
        type: "section",
        keys: {
            enabled: {
                type: "boolean",
                default: { value: true },
                description: "what the gateway masks (see *Never ship secrets or personal data*); patterns are RE2",
            },
            // Off by default: pod and node addresses are what an operator debugs with.
            maskIpAddresses: { type: "boolean", default: { value: false } },
            extraKeyPatterns: { type: "list of RE2 patterns", default: { text: "[]" } },
            extraValuePatterns: { type: "list of RE2 patterns", default: { text: "[]" } },
        },
    },
} as const satisfies Record<string, KeySpec>;

/** The sign-in providers with allowed groups, or organizations (model/grafanaAuth.ts `GRAFANA_AUTH_PROVIDERS`). */
const providersWith = (fact: "groups" | "organizations") => (Object.keys(GRAFANA_AUTH_PROVIDERS) as GrafanaAuthProvider[]).filter((provider) => GRAFANA_AUTH_PROVIDERS[provider][fact]);

/** `grafana.auth`: single sign-on; `only` names the providers a key applies with. */
export const GRAFANA_AUTH_SETTINGS = {
    provider: { type: "provider", default: { text: "required" } },
    clientId: { type: "text", default: { text: "required" } },
    name: { type: "text", default: { text: "the provider" } },
    scopes: { type: "list", default: { text: "the provider's" } },
    allowedDomains: { type: "list", default: { text: "[]" } },
    roles: {
        type: "section",
        keys: {
            groupsClaim: { type: "claim path", default: { value: "groups" } },
            grafanaAdmin: { type: "list of groups", default: { text: "[]" } },
            admin: { type: "list of groups", default: { text: "[]" } },
            editor: { type: "list of groups", default: { text: "[]" } },
            viewer: { type: "list of groups", default: { text: "[]" } },
            otherwise: { type: "`Viewer` or `None`", default: { value: "Viewer" } },
        },
    },
    roleAttributePath: { type: "JMESPath", default: { text: "none" } },
    strictRoles: { type: "boolean", default: { value: false } },
    allowSignUp: { type: "boolean", default: { value: true } },
    autoLogin: { type: "boolean", default: { value: false } },
    disableLoginForm: { type: "boolean", default: { value: false } },
    disableAdminPassword: { type: "boolean", default: { value: false } },
    authUrl: { type: "http(s) URL", default: { text: "required" }, only: ["generic"] },
    tokenUrl: { type: "http(s) URL", default: { text: "required" }, only: ["generic"] },
    apiUrl: { type: "http(s) URL", default: { text: "required" }, only: ["generic"] },
    groupsClaim: { type: "claim path", default: { text: "none" }, only: ["generic"] },
    url: { type: "http(s) URL", default: { text: "gitlab.com; required for Okta" }, only: ["gitlab", "okta"] },
    tenantId: { type: "Entra ID tenant", default: { text: "required" }, only: ["azuread"] },
    allowedGroups: { type: "list", default: { text: "[]" }, only: providersWith("groups") },
    allowedOrganizations: { type: "list", default: { text: "[]" }, only: providersWith("organizations") },
} as const satisfies Record<string, KeySpec>;

/** `grafana`: which Grafana gets the datasources and dashboards (`mode`), and the one we deploy; `only` names the modes a key applies with. */
export const GRAFANA_SETTINGS = {
    mode: {
        type: "`files`, `api` or `external`",
        default: { value: "files" },
        description:
            "`files`: Grafana reads datasources and dashboards from provisioning files; `api`: Pulumi creates them through the in-cluster Grafana's API at `grafana.url`; `external`: no Grafana is deployed, they go into yours (see [Grafana modes](#grafana-modes)). The old `grafana.provision` is an error naming `grafana.mode`",
    },
    url: {
        type: "http(s) URL",
        default: { value: "http://localhost:3000", note: "(required with `external`)" },
        description: "an http(s) URL people open Grafana at: alert `dashboard_url`s and Grafana's root URL; with `api` also where the provider reaches Grafana",
    },
    image: { ...IMAGE, only: ["files", "api"] },
    resources: { ...backendResources({ requests: { cpu: 100, memory: 256 } }), only: ["files", "api"] },
    persistence: { ...persistence("5Gi"), only: ["files", "api"] },
    ingress: {
        type: "section",
        default: { text: "off" },
        description:
            "`{ enabled, host, className, tls }`; `enabled` default `false`; with `enabled: true`, `host` is required: a DNS name alone, without scheme, port or path; `tls: { secretName, clusterIssuer }` is required when `grafana.url` is https",
        only: ["files", "api"],
        keys: {
            enabled: { type: "boolean", default: { value: false } },
            host: { type: "DNS name", default: { text: "required when enabled" } },
            className: { type: "IngressClass name", default: { text: "the cluster's default" } },
            tls: {
                type: "section",
                keys: { secretName: { type: "Secret name", default: { text: "none" } }, clusterIssuer: { type: "ClusterIssuer name", default: { text: "none" } } },
            },
        },
    },
    auth: {
        type: "section",
        default: { text: "none" },
        description:
            "single sign-on for the Grafana we deploy (`files`, `api`): `{ provider, clientId, … }` with `provider` one of `google`, `azuread` (`tenantId`), `github`, `gitlab` (`url` when self-managed), `okta` (`url`), `generic` (`authUrl`, `tokenUrl`, `apiUrl`, `groupsClaim`); `name` (the sign-in button's label), `scopes`, `allowedDomains`, `allowedGroups` (not GitHub), `allowedOrganizations` (GitHub, generic), `roles` or `roleAttributePath` (not Entra ID), `strictRoles`, `allowSignUp`, `autoLogin`, `disableLoginForm`, `disableAdminPassword` (`files` only), by default `strictRoles: false`, `allowSignUp: true`, `autoLogin: false`, `disableLoginForm: false`, `disableAdminPassword: false`; needs the secret `grafanaOAuthClientSecret`; see [Grafana single sign-on](#grafana-single-sign-on)",
        only: ["files", "api"],
        keys: GRAFANA_AUTH_SETTINGS,
    },
    dashboardConfigMaps: {
        type: "section",
        default: { text: "none" },
        description:
            "`files` mode only: dashboards from ConfigMaps labelled `label: labelValue` (default `label: grafana_dashboard`, `labelValue: \"1\"`) in other namespaces, by the k8s-sidecar; `namespaces`: `all` (default) with the folder from the `folderAnnotation` (default `grafana_folder`), or a list (a folder per namespace); `image`, `resources`; see [Dashboards from other namespaces](#dashboards-from-other-namespaces)",
        only: ["files"],
        keys: {
            namespaces: { type: "`all` or list of namespaces", default: { value: "all" } },
            // kube-prometheus-stack's defaults (`sidecar.dashboards.label`, `labelValue`, `folderAnnotation`).
            label: { type: "label name", default: { value: "grafana_dashboard" } },
            labelValue: { type: "label value", default: { value: "1" } },
            folderAnnotation: { type: "annotation name", default: { value: "grafana_folder" } },
            image: { type: "image", default: { text: "`tools/versions.json`" } },
            resources: resources({ requests: { cpu: 50, memory: 64 } }),
        },
    },
    datasourceUrls: {
        type: "section",
        default: { text: "none" },
        description:
            "`external` only, and required there: `{ prometheus, loki, tempo, alertmanager }`, http(s) URLs at which your Grafana reaches the stack's backends. `image`, `resources`, `persistence` and `ingress` are refused with `external` (nothing is deployed)",
        only: ["external"],
        keys: {
            prometheus: { type: "http(s) URL", default: { text: "required" } },
            loki: { type: "http(s) URL", default: { text: "required" } },
            tempo: { type: "http(s) URL", default: { text: "required" } },
            alertmanager: { type: "http(s) URL", default: { text: "required" } },
        },
    },
} as const satisfies Record<string, KeySpec>;

/** `operator`: the Prometheus Operator and which monitoring objects of the cluster the stack honours. */
export const OPERATOR_SETTINGS = {
    enabled: {
        type: "boolean",
        default: { value: true },
        description:
            "run the Prometheus Operator and honour the cluster's ServiceMonitor, PodMonitor, Probe, PrometheusRule and ScrapeConfig objects (see [The cluster's monitoring objects](#the-clusters-monitoring-objects-prometheus-operator))",
    },
    crds: {
        type: "`install` or `external`",
        choices: ["install", "external"],
        default: { value: "install" },
        description: "`install`: `pulumi up` applies and upgrades the pinned CRDs (server-side, forced; kept on `destroy`); `external`: another tool owns them",
    },
    namespaceSelector: {
        type: "label map",
        default: { text: "`{}` (everything)" },
        description: "`matchLabels` maps (Kubernetes label names and values) narrowing, for all five kinds, the namespaces and the objects honoured",
    },
    selector: { type: "label map", default: { text: "`{}` (everything)" } },
    image: {
        type: "image",
        default: { text: "`tools/versions.json`" },
        description: "as `<backend>.image`: the operator, its config-reloader, and the Prometheus image the agent runs",
    },
    reloaderImage: { type: "image", default: { text: "`tools/versions.json`" } },
    blackboxImage: {
        type: "image",
        default: { text: "`tools/versions.json`" },
        description: "as `<backend>.image`: the blackbox exporter running the probes",
    },
    agent: {
        type: "section",
        keys: {
            image: { type: "image", default: { text: "`tools/versions.json`" } },
            resources: { ...resources({ requests: { cpu: 100, memory: 256 }, scaled: true }), description: "as `<backend>.resources`" },
        },
    },
} as const satisfies Record<string, KeySpec>;

/** `cluster`: which kind of cluster the stack lands in, and where etcd's metrics are read. */
export const CLUSTER_SETTINGS = {
    provider: {
        type: "provider",
        choices: CLUSTER_PROVIDERS,
        default: { value: "generic" },
        description:
            "`generic`, `eks`, `gke` or `aks`: which control-plane parts are scraped and alerted on (see [Cluster coverage](#cluster-coverage)); anything else is an error naming the four",
    },
    etcdTargets: {
        type: "list of host:port",
        default: { text: "none" },
        description: "`host:port` of etcd's plain-HTTP metrics listeners, scraped as the `etcd` job; `generic` only (refused with a managed provider, which hides etcd)",
    },
} as const satisfies Record<string, KeySpec>;

/** `services[i].slos[j]`: one SLO; `only` names the kinds a key applies with. */
export const SLO_SETTINGS = {
    kind: { type: "`availability` or `latency`", choices: ["availability", "latency"], default: { value: "availability" } },
    name: { type: "name", default: { text: "its kind" } },
    window: { type: "duration", default: { value: "30d" }, limits: { min: "7d", max: "90d" } },
    objective: { type: "percentage", default: { value: 99.9 }, limits: { min: 50, max: 99.999 }, only: ["availability"] },
    sli: { type: "`requests` or `probe`", choices: ["requests", "probe"], default: { value: "requests" }, only: ["availability"] },
    percentile: { type: "percentage", default: { value: 95 }, limits: { min: 50, max: 99.999 }, only: ["latency"] },
    threshold: { type: "duration", default: { value: "1s" }, only: ["latency"] },
} as const satisfies Record<string, KeySpec>;

/** One level of a saturation signal: the share of capacity and how long it must hold. */
const SATURATION_LEVEL = {
    threshold: { type: "percentage", default: { value: 85 }, limits: { min: 1, max: 100 } },
    // A level may fire at once.
    for: { type: "duration", default: { value: "10m" }, limits: { min: "0s" } },
} as const satisfies Record<string, KeySpec>;

/** A saturation signal's severity: `page` and `ticket`, the older routing words, are read as `critical` and `warning`. */
const SEVERITY = { type: "severity", choices: SEVERITIES } as const;

/** `services[i].saturation[j]`: one level (`threshold`, `for`, `severity`), or one object per level (`warning`, `critical`). */
export const SATURATION_SETTINGS = {
    name: { type: "snake_case name", default: { text: "required" } },
    query: { type: "PromQL", default: { text: "required" } },
    alert: { type: "alert name", default: { text: "required" } },
    ...SATURATION_LEVEL,
    severity: { ...SEVERITY, default: { value: "critical" } },
    warning: { type: "section", default: { text: "none" }, keys: { threshold: { ...SATURATION_LEVEL.threshold, default: { text: "required" } }, for: SATURATION_LEVEL.for } },
    critical: { type: "section", default: { text: "none" }, keys: { threshold: { ...SATURATION_LEVEL.threshold, default: { text: "required" } }, for: SATURATION_LEVEL.for } },
} as const satisfies Record<string, KeySpec>;

/** `services[i].logAlerts[j]`: a ready-made alert (`preset`) or the user's own (`custom`); `only` names which a key applies with. */
export const LOG_ALERT_SETTINGS = {
    preset: { type: "log alert preset", choices: Object.keys(LOG_ALERT_PRESETS) as (keyof typeof LOG_ALERT_PRESETS)[], default: { text: "none (your own alert)" }, only: ["preset"] },
    threshold: { type: "whole number", default: { text: "the preset's" }, limits: { min: 0, integer: true }, only: ["preset"] },
    alert: { type: "alert name", default: { text: "required" }, only: ["custom"] },
    expr: { type: "LogQL", default: { text: "required" }, only: ["custom"] },
    for: { type: "duration", default: { value: "5m", note: "(a preset's own)" }, limits: { min: "0s" } },
    severity: { ...SEVERITY, default: { value: "warning" } },
    summary: { type: "text", default: { text: "none" }, only: ["custom"] },
    description: { type: "text", default: { text: "none" }, only: ["custom"] },
} as const satisfies Record<string, KeySpec>;

/** `services[i].conventions`: a preset of model/presets.ts (a queue worker's may add its queue queries), or custom queries. */
export const CONVENTIONS_SETTINGS = {
    preset: { type: "preset", default: { value: DEFAULT_PRESET } },
    queueDepthQuery: { type: "PromQL", default: { text: "none" }, only: ["queue worker"] },
    queueLagQuery: { type: "PromQL", default: { text: "none" }, only: ["queue worker"] },
    errorQuery: { type: "PromQL", default: { text: "required" }, only: [CUSTOM_PRESET] },
    totalQuery: { type: "PromQL", default: { text: "required" }, only: [CUSTOM_PRESET] },
} as const satisfies Record<string, KeySpec>;

/** A window pair of `alerts.burnRatePolicy.page` or `.ticket`: windows fit the shortest SLO window and hold a few scrapes. */
const BURN_RATE_WINDOW = {
    long: { type: "duration", default: { value: "1h" }, limits: { min: "5m", max: "7d" } },
    short: { type: "duration", default: { value: "5m" }, limits: { min: "5m", max: "7d" } },
    budgetPercent: { type: "percentage", default: { text: "this or `factor`" }, limits: { min: 0.01, max: 100 } },
    factor: { type: "number", default: { text: "this or `budgetPercent`" }, limits: { min: 0.01, max: 1000 } },
} as const satisfies Record<string, KeySpec>;

/** `services[i].alerts.trafficAnomaly`: TrafficDrop and TrafficSpike against last week's traffic (model/alerting.ts `TRAFFIC_ANOMALY`). */
export const TRAFFIC_ANOMALY_SETTINGS = {
    enabled: { type: "boolean", default: { value: true } },
    dropPercent: { type: "percentage", default: { value: TRAFFIC_ANOMALY.drop.percent }, limits: { min: 1, max: 99 } },
    spikePercent: { type: "percentage", default: { value: TRAFFIC_ANOMALY.spike.percent }, limits: { min: 10, max: 10_000 } },
    minRequestsPerMinute: { type: "number", default: { value: TRAFFIC_ANOMALY.minRequestsPerMinute }, limits: { min: 0 } },
} as const satisfies Record<string, KeySpec>;

/**
 * `services[i]`: one observed service (config/services.ts), as the README's service table (Key | Default |
 * Limits) documents it; `only` names the discovery kinds a key applies with.
 */
export const SERVICE_SETTINGS = {
    name: { type: "DNS label", default: { text: "required" }, description: "DNS label of at most 30 characters, unique, and not a stack component (`prometheus`, `alertmanager`, `loki`, `tempo`, `otel-collector`, `otel-agent`, `grafana`) nor a name the stack gives the cluster's parts (`kube-apiserver`, `cluster`, `apiserver`, `coredns`, `etcd`, `kubelet`, `kubelet-cadvisor`, `node-exporter`, `kube-state-metrics`): its scrape job and `service` label would merge with the stack's own" },
    namespace: { type: "namespace name", default: { value: "default" }, description: "a namespace name; a short DNS label" },
    team: { type: "DNS label", default: { value: "platform" } },
    discovery: {
        type: "section",
        default: { text: "`{ kind: otlp, exportInterval: 60s }`" },
        description: "`kind: otlp` takes `exportInterval`: how often the service's SDK exports metrics (`OTEL_METRIC_EXPORT_INTERVAL`; the SDKs' default is 60s), at most 1m (two samples in HighErrorRate's 2m window); set it to your SDK's interval or longer, never shorter, or a one-minute blip could page `ServiceFailing`. `kind: scrape` takes `selector` (Kubernetes label names and values), `port` (the container port's *name*, not its number) and `path` (starting with `/`)",
        keys: {
            kind: { type: "`otlp` or `scrape`", default: { value: "otlp" } },
            exportInterval: { type: "duration", only: ["otlp"] },
            selector: { type: "label map", only: ["scrape"] },
            port: { type: "container port name", only: ["scrape"] },
            path: { type: "URL path", only: ["scrape"] },
        },
    },
    conventions: { type: "section", default: { text: "`{ preset: otel-http }`" }, keys: CONVENTIONS_SETTINGS, description: "`errorQuery`/`totalQuery` (PromQL rates with `{{.window}}`, required) only with `preset: custom`; `queueDepthQuery`/`queueLagQuery` (PromQL) only with a queue worker's preset (`otel-messaging`)" },
    histogramBuckets: { type: "list of seconds", default: { text: "the preset's SDK defaults" }, description: "positive seconds, each boundary once" },
    slos: { type: "list", default: { text: "none" }, keys: SLO_SETTINGS, description: "`{ kind, name, window, … }`: `kind` `availability` (default) or `latency`; `name` unique per service (default its kind); `window` 7d..90d (default 30d) and at most `prometheus.retention`; `objective` 50..99.999 (default 99.9) and `sli` `requests` (default) or `probe` (the service's `probes`, which must exist) only for availability; `percentile` 50..99.999 (default 95) and `threshold` (default 1s) only for latency; a latency `threshold` must be one of the buckets" },
    probes: {
        type: "list",
        default: { text: "none" },
        description: "`{ name, url, expectedStatus, timeout }`: `name` a DNS label of at most 20 characters, unique per service (default http); `url` http(s), required; `expectedStatus` 100..599 (default 200); `timeout` 1s..9s (default 5s); needs `operator.enabled` (see [Synthetic probes](#synthetic-probes))",
        keys: {
            name: { type: "DNS label", default: { value: "http" } },
            url: { type: "http(s) URL", default: { text: "required" } },
            expectedStatus: { type: "HTTP status", default: { value: 200 }, limits: { min: 100, max: 599, integer: true } },
            timeout: { type: "duration", default: { value: "5s" }, limits: { min: "1s", max: "9s" } },
        },
    },
    saturation: { type: "list", default: { text: "none" }, keys: SATURATION_SETTINGS, description: "`{ name, query, alert, threshold, for, severity }`: `name` snake_case and unique per service; `query` PromQL giving in-use / capacity as a 0..1 ratio; `alert` UpperCamelCase, with a runbook, and not a name the stack already uses (`HighErrorRate`, `FastBudgetBurn`, `StackComponentDown`, …); `threshold` percent of capacity 1..100 (default 85); `for` may be `0s` (default 10m); `severity` `critical` (default), `warning` or `info` (`page` and `ticket` are accepted as `critical` and `warning`); or, instead of `threshold`, `for` and `severity`, one level per severity: `warning: { threshold, for }` and `critical: { threshold, for }` (each `threshold` required, the critical one above the warning one)" },
    logAlerts: { type: "list", default: { text: "none" }, keys: LOG_ALERT_SETTINGS, description: "alerts on the service's logs, evaluated by Loki's ruler: `{ preset: errors \\| timeouts, threshold, for, severity }` (threshold: records per 5m, default 10, a whole number ≥ 0; `for` 5m / 10m; severity `warning`), or `{ alert, expr, for, severity, summary, description }` with `alert` UpperCamelCase, with a runbook, not a built-in or another alert of the service, and `expr` a LogQL metric query (checked with the LogQL grammar); `for` may be `0s` (default 5m); `severity` `warning` (default), `critical` or `info`; see *Log-based alerts*" },
    businessCounters: {
        type: "list",
        default: { text: "none" },
        description: "numbers the business watches, on the service's golden-signals dashboard and the overview: `{ name, query, unit, goodDirection, description }` with `name` snake_case (at most 40 characters, unique in the service), `query` PromQL (checked with the PromQL grammar; recorded as `sum(<query>)`), `unit` one of `count` (default), `perSecond`, `perMinute`, `perHour`, `ratio`, `seconds`, `bytes`, `usd`, `eur`, `gbp`, `goodDirection` `up` or `down` (required); see *Business counters*",
        keys: {
            name: { type: "snake_case name", default: { text: "required" } },
            query: { type: "PromQL", default: { text: "required" } },
            unit: { type: "unit", default: { value: "count" } },
            goodDirection: { type: "`up` or `down`", default: { text: "required" } },
            description: { type: "text", default: { text: "none" } },
        },
    },
    alerts: {
        type: "section",
        default: { text: "`errorRatePercent: 5`, `latencyP99: 1s`, `minRequestsPerHour: 10`, `maxQueueLag: 10m`, `burnRatePolicy`: the SRE Workbook's, `trafficAnomaly`: on" },
        description: "0.01..100; a duration; a whole number ≥ 0; `burnRatePolicy` has `page` and `ticket` lists (each non-empty when given) of `{ long, short, budgetPercent \\| factor }`: windows 5m..7d with `short` < `long` (`long` default 1h, `short` default 5m), exactly one of `budgetPercent` (0.01..100) or `factor` (0.01..1000); `maxQueueLag` a duration (`JobQueueLagging`); `trafficAnomaly` `{ enabled, dropPercent, spikePercent, minRequestsPerMinute }` (`TrafficDrop`, `TrafficSpike`): `dropPercent` 1..99 (default 50), `spikePercent` 10..10000 (default 200), `minRequestsPerMinute` ≥ 0 (default 10); `enabled` default true, `{ enabled: false }` turns both off",
        keys: {
            errorRatePercent: { type: "percentage", default: { value: 5 }, limits: { min: 0.01, max: 100 } },
            latencyP99: { type: "duration", default: { value: "1s" } },
            minRequestsPerHour: { type: "whole number", default: { value: 10 }, limits: { min: 0, integer: true } },
            burnRatePolicy: {
                type: "section",
                default: { text: "the SRE Workbook's" },
                keys: {
                    page: { type: "list", default: { text: "the SRE Workbook's" }, keys: BURN_RATE_WINDOW },
                    ticket: { type: "list", default: { text: "the SRE Workbook's" }, keys: BURN_RATE_WINDOW },
                },
            },
            trafficAnomaly: { type: "section", default: { text: "on" }, keys: TRAFFIC_ANOMALY_SETTINGS },
            maxQueueLag: { type: "duration", default: { value: "10m" } },
        },
    },
} as const satisfies Record<string, KeySpec>;

/** The sections whose keys are tabled here, by their top-level key. */
export const SECTIONS = {
    prometheus: PROMETHEUS_SETTINGS,
    alertmanager: ALERTMANAGER_SETTINGS,
    loki: LOKI_SETTINGS,
    tempo: TEMPO_SETTINGS,
    collector: COLLECTOR_SETTINGS,
    grafana: GRAFANA_SETTINGS,
    operator: OPERATOR_SETTINGS,
    cluster: CLUSTER_SETTINGS,
} as const satisfies { readonly [K in SettingKey]?: Record<string, KeySpec> };

/** A table's keys, for the reader of its object. */
export function keysOf<T extends Record<string, KeySpec>>(table: T): (keyof T & string)[] {
    return Object.keys(table);
}

/** A section's keys, for the reader of its object. */
export function sectionKeys<T extends { readonly keys: Record<string, KeySpec> }>(section: T): (keyof T["keys"] & string)[] {
    return Object.keys(section.keys);
}

/** The keys each value of a section's discriminator allows (`only`), for config/reader.ts `variantReader`. */
export function variantsOf<T extends Record<string, KeySpec>, const V extends string>(table: T, discriminator: keyof T & string, values: readonly V[]): Record<V, (keyof T & string)[]> {
    const keys = keysOf(table).filter((key) => key !== discriminator);
    return Object.fromEntries(values.map((value) => [value, keys.filter((key) => table[key].only?.includes(value) ?? true)])) as Record<V, (keyof T & string)[]>;
}

/** The keys of a table whose `only` names `value` (`errorQuery`, `totalQuery` with `custom`), typed. */
export function onlyWith<T extends Record<string, KeySpec>, const V extends string>(table: T, value: V): { [K in keyof T]: T[K] extends { only: readonly (infer O)[] } ? (V extends O ? K : never) : never }[keyof T][] {
    return keysOf(table).filter((key) => (table[key].only as readonly string[] | undefined)?.includes(value)) as never;
}

type ProfileNamed<T> = { [K in keyof T]-?: T[K] extends { default: { profile: infer F } } ? F : T[K] extends { keys: infer S } ? ProfileNamed<S> : never }[keyof T];
/** The config/profiles.ts `ProfileDefaults` fields the tables name as defaults. */
export type ProfileField = ProfileNamed<typeof SETTINGS> | { [S in keyof typeof SECTIONS]: ProfileNamed<(typeof SECTIONS)[S]> }[keyof typeof SECTIONS];

/** Every key the stack config may hold at its top level. */
export const ROOT_KEYS = [...(Object.keys(SETTINGS) as SettingKey[]), ...SECRET_CONFIG_KEYS];
