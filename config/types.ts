/**
 * The validated, fully-defaulted shape of a stack's configuration. Everything downstream (renderers,
 * components) reads only these types; raw stack config never leaves `config/load.ts`.
 */
import type { BurnRatePolicy, LogAlertPreset, Severity } from "../model/alerting";
import type { ClusterProvider } from "../model/cluster";
import type { BusinessUnit, GoodDirection } from "../model/business";
import type { GrafanaAuthProvider } from "../model/grafanaAuth";
import type { MetricPreset } from "../model/presets";
import type { Engine, TierName } from "../model/topology";
import type { EGRESS_DESTINATIONS, StackSecretKey } from "./keys";

export type Profile = "dev" | "prod";

export interface ImageRef {
    readonly repository: string;
    readonly tag: string;
}

export interface ResourceList {
    readonly cpu: string;
    readonly memory: string;
}

export interface Resources {
    readonly requests: ResourceList;
    readonly limits: ResourceList;
}

export interface Persistence {
    readonly enabled: boolean;
    readonly size: string;
}

/** Where Loki chunks and Tempo blocks live. Object-storage keys come from secret config only. */
export type ObjectStorage =
    | { readonly type: "filesystem" }
    | {
          readonly type: "s3";
          readonly bucket: string;
          readonly endpoint: string;
          readonly region: string;
          readonly insecure: boolean;
          readonly forcePathStyle: boolean;
      };

export interface PrometheusConfig {
    readonly image: ImageRef;
    readonly replicas: number;
    readonly resources: Resources;
    readonly retentionTime: string;
    readonly retentionSize: string;
    readonly persistence: Persistence;
    readonly scrapeInterval: string;
    readonly evaluationInterval: string;
    /** How many ConfigMaps of each kind (rules, scrape jobs) hold the services' files; each service goes to one by a hash of its name. */
    readonly configMapShards: number;
    /** Whether services of one rule shape share rule groups (alerts/shared.ts); only with the operator's PrometheusRule objects. */
    readonly shareServiceRules: boolean;
}

/** The Prometheus Operator and the cluster's monitoring objects (`operator`). */
export interface OperatorConfig {
    /** Whether the stack runs the operator and honours ServiceMonitor, PodMonitor, Probe, PrometheusRule and ScrapeConfig objects. */
    readonly enabled: boolean;
    /** `install`: `pulumi up` applies (and upgrades) the pinned CRDs; `external`: another tool owns them. */
    readonly crds: "install" | "external";
    /** Namespaces whose objects are honoured, by their labels (`matchLabels`); empty: every namespace. */
    readonly namespaceSelector: Readonly<Record<string, string>>;
    /** Objects honoured, by their labels (`matchLabels`); empty: every object. */
    readonly selector: Readonly<Record<string, string>>;
    readonly image: ImageRef;
    readonly reloaderImage: ImageRef;
    /** The Prometheus (agent mode) the operator runs to scrape the selected monitors. */
    readonly agentImage: ImageRef;
    readonly agentResources: Resources;
    /** The blackbox exporter that runs the Probe objects' checks. */
    readonly blackboxImage: ImageRef;
}

export interface AlertmanagerConfig {
    readonly image: ImageRef;
    readonly replicas: number;
    readonly resources: Resources;
    readonly persistence: Persistence;
    /** Slack channel for `ticket` alerts; Slack is used only when the webhook URL secret is set. */
    readonly slackChannel: string;
    /** Teams with receivers of their own (`alertmanager.teams`), matched by the alerts' `team` label. */
    readonly teams: readonly TeamRouting[];
    /** Named recurring time intervals (`alertmanager.timeIntervals`), e.g. business hours. */
    readonly timeIntervals: readonly TimeIntervalSpec[];
    /** A `timeIntervals` name: tickets notify only then (Alertmanager's active_time_intervals); pages always. */
    readonly ticketHours?: string;
    /** Planned maintenance windows: the listed services' pages and tickets are muted during each. */
    readonly maintenance: readonly MaintenanceWindow[];
}

/** A team's own receivers; a team without one uses the stack's. */
export interface TeamRouting {
    readonly team: string;
    /** Slack channel of the team's tickets (through the stack's Slack webhook). */
    readonly slackChannel?: string;
}

/** One recurring period of a time interval, in Alertmanager's terms; every field given must match. */
export interface RecurringPeriod {
    readonly times?: readonly { readonly start: string; readonly end: string }[];
    readonly weekdays?: readonly string[];
    readonly daysOfMonth?: readonly string[];
    readonly months?: readonly string[];
    readonly years?: readonly string[];
    /** IANA time zone of `times` and days; UTC when absent. */
    readonly location?: string;
}

export interface TimeIntervalSpec {
    readonly name: string;
    readonly periods: readonly RecurringPeriod[];
}

export interface MaintenanceWindow {
    readonly name: string;
    readonly services: readonly string[];
    /** UTC instants on whole minutes, `YYYY-MM-DDTHH:MMZ`-parsable; start before end. */
    readonly startMs: number;
    readonly endMs: number;
}

export interface LokiConfig {
    readonly image: ImageRef;
    readonly resources: Resources;
    readonly retention: string;
    readonly persistence: Persistence;
    readonly storage: ObjectStorage;
}

export interface TempoConfig {
    readonly image: ImageRef;
    readonly resources: Resources;
    readonly retention: string;
    readonly persistence: Persistence;
    readonly storage: ObjectStorage;
}

/** Masking of credentials and personal data in the Collector gateway (model/redaction.ts holds the built-in patterns). */
export interface RedactionConfig {
    readonly enabled: boolean;
    /** IPv4 and IPv6 addresses are masked too (client addresses are personal data); off by default. */
    readonly maskIpAddresses: boolean;
    /** More attribute-key patterns (RE2) whose values are masked, on top of the built-in ones. */
    readonly extraKeyPatterns: readonly string[];
    /** More value patterns (RE2) masked wherever they appear, on top of the built-in ones. */
    readonly extraValuePatterns: readonly string[];
}

export interface CollectorConfig {
    readonly image: ImageRef;
    readonly gatewayReplicas: number;
    readonly gatewayResources: Resources;
    readonly agentEnabled: boolean;
    readonly agentResources: Resources;
    /** Size of the volume holding the gateway's persistent sending queues. */
    readonly queueStorageSize: string;
    /** Traces with a span slower than this are always kept. */
    readonly slowTraceThresholdMs: number;
    /** Share of the remaining (fast, successful) traces kept, in percent. */
    readonly baselineSamplingPercent: number;
    /** What the gateway masks before export (`collector.redaction`); on unless an environment turns it off. */
    readonly redaction: RedactionConfig;
}

/**
 * How the stack's folder, datasources and dashboards get into Grafana:
 * - `files`: the in-cluster Grafana reads them from provisioning files mounted from ConfigMaps;
 * - `api`: Pulumi creates them through the in-cluster Grafana's HTTP API at `url`;
 * - `external`: no Grafana is deployed; Pulumi creates them through the API of a Grafana you run.
 */
export type GrafanaMode = "files" | "api" | "external";

/** Where an external Grafana reaches the stack's backends (an Ingress, a VPN, a shared network). */
export interface DatasourceUrls {
    readonly prometheus: string;
    readonly loki: string;
    readonly tempo: string;
    readonly alertmanager: string;
}

export interface GrafanaConfig {
    readonly mode: GrafanaMode;
    readonly image: ImageRef;
    readonly resources: Resources;
    /** 1 for the in-cluster Grafana; 0 with `mode: external` (none is deployed). */
    readonly replicas: number;
    /** URL people open Grafana at: alert links point there; with `mode: api` the provider talks to it too. */
    readonly url: string;
    readonly persistence: Persistence;
    readonly ingress: { readonly enabled: boolean; readonly host: string; readonly className?: string; readonly tls?: IngressTls };
    /** With `mode: external` only: the backends' URLs as the external Grafana reaches them. */
    readonly datasourceUrls?: DatasourceUrls;
    /** Single sign-on (`grafana.auth`), for the Grafana we deploy (`files` and `api`). */
    readonly auth?: GrafanaAuth;
    /** Hide the login form (`grafana.auth.disableLoginForm`): people sign in with the provider only. */
    readonly disableLoginForm: boolean;
    /** No admin user and no admin password at all (`grafana.auth.disableAdminPassword`); files mode only. */
    readonly disableAdminPassword: boolean;
    /** Dashboards other teams bring as labelled ConfigMaps (`grafana.dashboardConfigMaps`); files mode only. Absent: none. */
    readonly dashboardConfigMaps?: DashboardConfigMaps;
}

/**
 * ConfigMaps labelled `<label>: "<labelValue>"` in other namespaces, written into Grafana's dashboard
 * folders by the k8s-sidecar (kiwigrid/k8s-sidecar), the mechanism kube-prometheus-stack uses.
 */
export interface DashboardConfigMaps {
    /** `all`: one sidecar watching every namespace, the folder from the ConfigMap's `folderAnnotation`; a list: one sidecar per namespace, a folder named after it. */
    readonly namespaces: "all" | readonly string[];
    readonly label: string;
    readonly labelValue: string;
    /** The annotation naming a ConfigMap's folder (relative to the dashboards' root). */
    readonly folderAnnotation: string;
    readonly image: ImageRef;
    readonly resources: Resources;
}

/** Org roles from the identity provider's groups: the first list a user's groups meet decides. */
export interface GrafanaRoleMapping {
    /** JMESPath of the groups list in the ID token or user info, e.g. `groups`. */
    readonly groupsClaim: string;
    readonly grafanaAdmin: readonly string[];
    readonly admin: readonly string[];
    readonly editor: readonly string[];
    readonly viewer: readonly string[];
    /** The role of everyone else: `Viewer`, or `None` (signed in, sees nothing). */
    readonly otherwise: "Viewer" | "None";
}

/** Grafana's OAuth/OIDC sign-in; the client secret is the Pulumi secret `grafanaOAuthClientSecret`, read by Grafana from a file. */
export interface GrafanaAuth {
    readonly provider: GrafanaAuthProvider;
    readonly clientId: string;
    /** Label of the sign-in button. */
    readonly displayName?: string;
    /** The identity provider's endpoints, when the provider has no fixed ones (generic, Okta, Entra ID, a self-managed GitLab). */
    readonly endpoints?: { readonly authUrl: string; readonly tokenUrl: string; readonly apiUrl?: string };
    readonly scopes: readonly string[];
    readonly allowedDomains: readonly string[];
    readonly allowedGroups: readonly string[];
    readonly allowedOrganizations: readonly string[];
    /** Generic OAuth: the claim the groups come from (for allowedGroups). */
    readonly groupsClaim?: string;
    readonly roles?: GrafanaRoleMapping;
    /** A JMESPath expression of your own instead of `roles`. */
    readonly roleAttributePath?: string;
    /** Refuse sign-in when no role can be mapped (`role_attribute_strict`). */
    readonly strictRoles: boolean;
    readonly allowSignUp: boolean;
    readonly autoLogin: boolean;
}

/**
 * TLS of the Grafana Ingress: the Secret holding the certificate, and optionally the cert-manager
 * cluster issuer that creates it (cert-manager then writes the certificate into that Secret).
 */
export interface IngressTls {
    readonly secretName: string;
    readonly clusterIssuer?: string;
}

export type MetricConventions =
    | {
          /** A key of the presets table (model/presets.ts), e.g. `otel-http`. */
          readonly preset: string;
          /** That preset's entry: its metric and label names, failure matcher, nouns and buckets. */
          readonly metrics: MetricPreset;
          /**
           * Only for queue workers (`metrics.queueWorker`, e.g. `otel-messaging`): PromQL giving the
           * messages waiting in the worker's queue(s), from the broker's exporter.
           */
          readonly queueDepthQuery?: string;
          /** Only for queue workers: PromQL giving how far behind the worker is, in seconds (age of the oldest waiting message, or consumer lag). */
          readonly queueLagQuery?: string;
      }
    | {
          readonly preset: "custom";
          /** Custom queries follow no preset's names. */
          readonly metrics?: undefined;
          /** PromQL for the rate of bad events with a `{{.window}}` placeholder. */
          readonly errorQuery: string;
          /** PromQL for the rate of all events with a `{{.window}}` placeholder. */
          readonly totalQuery: string;
          /**
           * Only for SLOs the stack defines itself (the API server's, alerts/cluster.ts), never read
           * from config: the rate of events at or under a latency threshold (`{{.le}}` stands for its
           * `le` matcher), and the rate of all events that histogram counts, when it counts other events than `totalQuery`.
           */
          readonly fastQuery?: string;
          readonly latencyTotalQuery?: string;
      };

export type Discovery =
    | {
          readonly kind: "scrape";
          readonly selector: Readonly<Record<string, string>>;
          readonly port: string;
          readonly path: string;
      }
    | {
          readonly kind: "otlp";
          /** How often the service's SDK exports metrics (OTEL_METRIC_EXPORT_INTERVAL): each export is one new sample. */
          readonly exportInterval: string;
      };

export interface AvailabilitySlo {
    readonly kind: "availability";
    readonly name: string;
    /** Objective as a ratio, e.g. 0.995. */
    readonly objective: number;
    readonly window: string;
    /** `requests`: failed over all requests (the service's metrics); `probe`: failed over all of its synthetic probes. */
    readonly sli: "requests" | "probe";
}

/** A synthetic HTTP check of a service, run by the stack's blackbox exporter (`services[i].probes`). */
export interface HttpProbe {
    readonly name: string;
    readonly url: string;
    /** The status code a healthy answer has. */
    readonly expectedStatus: number;
    /** How long a probe may take, a Prometheus duration. */
    readonly timeout: string;
}

export interface LatencySlo {
    readonly kind: "latency";
    readonly name: string;
    /** Share of requests that must be faster than the threshold, as a ratio (P95 → 0.95). */
    readonly objective: number;
    readonly thresholdSeconds: number;
    readonly window: string;
}

export type Slo = AvailabilitySlo | LatencySlo;

/** One level of a saturation signal: above `threshold` for `for`, the alert fires with `severity`. */
export interface SaturationLevel {
    readonly severity: Severity;
    /** Ratio (0..1) of capacity above which this level fires. */
    readonly threshold: number;
    readonly for: string;
}

export interface SaturationSignal {
    /** Label value of `signal` on `service:saturation:ratio`, e.g. `db_connection_pool`. */
    readonly name: string;
    /** PromQL giving a 0..1 ratio (in use / capacity) for this service. */
    readonly query: string;
    readonly alert: string;
    /**
     * One level (`threshold`/`for`/`severity`) or two (`warning` and `critical`, e.g. 80% for 15m
     * then 95% for 5m), ordered from the lowest threshold up; each becomes one rule of the same alert.
     */
    readonly levels: readonly SaturationLevel[];
}

export type { Severity } from "../model/alerting";

/** Traffic compared with the same time one week earlier (`alerts.trafficAnomaly`). */
export interface TrafficAnomaly {
    /** TrafficDrop fires when the rate falls more than this share below last week's (0.5: under half). */
    readonly dropRatio: number;
    /** TrafficSpike fires when the rate rises more than this share above last week's (2: over three times). */
    readonly spikeRatio: number;
    /** Below this many requests per minute (last week's for a drop, now for a spike) neither fires. */
    readonly minRequestsPerMinute: number;
}

/**
 * An alert on a service's logs, evaluated by Loki's ruler and routed by our Alertmanager like
 * every other alert: a LogQL metric query of your own, or a ready-made one (`preset`).
 */
export type LogAlert =
    | {
          readonly kind: "custom";
          readonly alert: string;
          /** LogQL metric query; the alert fires while it returns a series. */
          readonly expr: string;
          readonly for: string;
          readonly severity: Severity;
          readonly summary?: string;
          readonly description?: string;
      }
    | {
          readonly kind: "preset";
          readonly preset: LogAlertPreset;
          /** Records per LOG_ALERT_WINDOW above which it fires. */
          readonly threshold: number;
          readonly for: string;
          readonly severity: Severity;
      };

/**
 * A number the business watches next to the service's health (`businessCounters`), e.g. sessions
 * started per minute; drawn on the service's golden-signals dashboard and on the overview.
 */
export interface BusinessCounter {
    /** snake_case, unique within the service; the `counter` label of its recorded series. */
    readonly name: string;
    /** PromQL giving the value (summed into one series), e.g. sum(rate(learning_sessions_started_total[5m])) * 60. */
    readonly query: string;
    readonly unit: BusinessUnit;
    /** `up`: more is better; `down`: less is better. Colours the change against last week. */
    readonly goodDirection: GoodDirection;
    readonly description?: string;
}

export interface ServiceSpec {
    readonly name: string;
    /**
     * Set only on the template a shared rule group renders from (alerts/shared.ts): the services whose
     * rules it holds. The rules then read and record every member's series at once, and take the
     * `service` label from the data; `name` is the label's template, which Prometheus expands per alert.
     */
    readonly ruleMembers?: readonly string[];
    readonly namespace: string;
    readonly team: string;
    readonly discovery: Discovery;
    readonly conventions: MetricConventions;
    /** Histogram bucket upper bounds (seconds) the service exports; latency SLO thresholds must be one. */
    readonly histogramBuckets: readonly number[];
    readonly slos: readonly Slo[];
    /** Synthetic HTTP checks through the blackbox exporter; an availability SLO with `sli: probe` reads them. */
    readonly probes: readonly HttpProbe[];
    readonly saturation: readonly SaturationSignal[];
    /** 5xx ratio above which HighErrorRate pages. */
    readonly errorRateThreshold: number;
    /** P99 latency (seconds) above which HighP99Latency opens a ticket. */
    readonly latencyP99ThresholdSeconds: number;
    /** Fewer requests than this in the alert's long window never page (low-traffic guard). */
    readonly minRequestsPerHour: number;
    /** Which burn rates page and which open a ticket (`alerts.burnRatePolicy`). */
    readonly burnRatePolicy: BurnRatePolicy;
    /** With `queueLagQuery`: JobQueueLagging opens a ticket when the lag stays above this (seconds). */
    readonly maxQueueLagSeconds: number;
    /** Sudden drop and spike alerts against last week; undefined when `alerts.trafficAnomaly.enabled` is false. */
    readonly trafficAnomaly?: TrafficAnomaly;
    /** Alerts on the service's logs (`logAlerts`), evaluated by Loki's ruler. */
    readonly logAlerts: readonly LogAlert[];
    /** Business counters (`businessCounters`) shown on the golden-signals dashboard and the overview. */
    readonly businessCounters: readonly BusinessCounter[];
}

/** The cluster the stack runs in (`cluster`). */
export interface ClusterConfig {
    /** `generic` (a control plane you run), `eks`, `gke` or `aks`. */
    readonly provider: ClusterProvider;
    /** What of the control plane is scraped and alerted on: what the provider exposes (etcd only with targets). */
    readonly controlPlane: { readonly apiServer: boolean; readonly coreDns: boolean; readonly etcd: boolean };
    /** etcd's metrics listeners (`host:port`, plain HTTP), `generic` only. */
    readonly etcdTargets: readonly string[];
}

/**
 * The destinations of `networkPolicies.egress`, each a list of CIDRs: the API server (443, 6443),
 * node and control-plane addresses (scrapes of kubelets, host-network exporters, etcd), the object
 * storage endpoints, Alertmanager's receivers, Grafana's identity provider, and what the blackbox
 * exporter may probe outside the cluster.
 */
export type EgressDestination = (typeof EGRESS_DESTINATIONS)[number];
export type EgressDestinations = Readonly<Partial<Record<EgressDestination, readonly string[]>>>;

export interface NetworkPolicyConfig {
    readonly enabled: boolean;
    readonly egress: EgressDestinations;
}

export interface StackConfig {
    readonly profile: Profile;
    readonly stack: string;
    readonly namespace: string;
    /** Namespace of the node agents (the Collector agent, node-exporter): Pod Security `privileged` there, `restricted` in `namespace`. */
    readonly agentNamespace: string;
    /** Base URL the `runbook_url` annotation points at; `<base>/<AlertName>.md`. */
    readonly runbookBaseUrl: string;
    readonly storageClassName?: string;
    readonly networkPolicies: boolean;
    /** Where the stack's pods may connect outside the cluster's pods; a destination left out is any address (on its port). */
    readonly networkPolicyEgress: EgressDestinations;
    readonly podDisruptionBudgets: boolean;
    readonly prometheus: PrometheusConfig;
    readonly operator: OperatorConfig;
    readonly alertmanager: AlertmanagerConfig;
    readonly loki: LokiConfig;
    readonly tempo: TempoConfig;
    readonly collector: CollectorConfig;
    readonly grafana: GrafanaConfig;
    readonly services: readonly ServiceSpec[];
    /** The cluster's provider and the control-plane parts it lets Prometheus see. */
    readonly cluster: ClusterConfig;
    /** `single` (today's stack) or `distributed` (Loki microservices, Tempo distributed, Mimir). */
    readonly topology: TopologyConfig;
    /** Which credentials were provided (as Pulumi secrets); the values never enter this object. */
    readonly secrets: ConfiguredSecrets;
}

/** Which credentials were provided, one flag per secret of config/keys.ts `SECRETS` holding one value. */
export type ConfiguredSecrets = { readonly [K in StackSecretKey]: boolean } & {
    /** Engines with a key pair of their own (`<engine>ObjectStorageAccessKeyId` and `…SecretAccessKey`, both set). */
    readonly objectStorageEngines: readonly Engine[];
    /** Teams with their own PagerDuty service: the keys of the secret map `pagerdutyTeamRoutingKeys`. */
    readonly pagerdutyTeams: readonly string[];
};

// ---- The topology (config/topology.ts reads it) ----

export interface TierSettings {
    /** Replicas at rest; the HPA's minimum for autoscaled tiers. */
    readonly replicas: number;
    /** The HPA's maximum; equal to `replicas` for tiers that do not autoscale. */
    readonly maxReplicas: number;
    /** Stateless tiers that get a HorizontalPodAutoscaler (distributors, queriers, query-frontends). */
    readonly autoscaled: boolean;
    readonly resources: Resources;
}

export type EngineTiers<E extends Engine> = Readonly<Record<TierName<E>, TierSettings>>;

export type S3Storage = Extract<ObjectStorage, { type: "s3" }>;

export interface MimirSettings {
    readonly image: ImageRef;
    readonly storage: S3Storage;
    /** How long blocks are kept (`compactor_blocks_retention_period`). */
    readonly retention: string;
    /** Volume of the ingesters' and store-gateways' pods (WAL and head, index headers). */
    readonly volumeSize: string;
    /**
     * Volume of the compactor's pod, sized apart: a compaction job downloads every source block
     * and writes the compacted block beside them, which has nothing to do with an ingester's WAL.
     */
    readonly compactorVolumeSize: string;
    readonly tiers: EngineTiers<"mimir">;
}

/**
 * The Collector's first tier in the distributed topology: it receives all OTLP and routes every span
 * by trace ID (the load-balancing exporter, DNS resolver on the gateways' headless Service), so each
 * trace lands whole on one of the tail-sampling gateways, which can then be several.
 */
export interface CollectorTiers {
    readonly loadBalancer: TierSettings;
    /** HPA ceiling of the gateway StatefulSet; its floor is `collector.gatewayReplicas`. */
    readonly gatewayMaxReplicas: number;
}

/** A tenant's own limits (`topology.tenants.<id>.limits`); an absent one is the engine's default for every tenant. */
export interface TenantLimits {
    /** Loki `ingestion_rate_mb` (burst: two seconds of it). */
    readonly logsMBPerSecond?: number;
    /** Tempo `ingestion.rate_limit_bytes`, in MB (burst: two seconds of it). */
    readonly tracesMBPerSecond?: number;
    /** Mimir `ingestion_rate` (burst: two seconds of it). */
    readonly samplesPerSecond?: number;
    /** Mimir `max_global_series_per_user`. */
    readonly maxSeries?: number;
}

export interface Tenant {
    /** The `X-Scope-OrgID` value. */
    readonly id: string;
    /** Teams whose services write and are read under this tenant (empty for the default tenant unless named). */
    readonly teams: readonly string[];
    readonly limits: TenantLimits;
}

/** Multi-tenancy of Loki, Tempo and Mimir (`topology.tenants`). */
export interface Tenancy {
    /** The tenant of teams named in no tenant and of the stack's own data (`topology.defaultTenant`). */
    readonly defaultTenant: string;
    /** Every tenant, the default one included, sorted by id. */
    readonly tenants: readonly Tenant[];
}

export type TopologyConfig =
    | { readonly kind: "single" }
    | {
          readonly kind: "distributed";
          readonly loki: EngineTiers<"loki">;
          readonly tempo: EngineTiers<"tempo">;
          readonly mimir: MimirSettings;
          readonly collector: CollectorTiers;
          /** Absent: the engines run single-tenant (the default). */
          readonly tenancy?: Tenancy;
          /**
           * The nodes' `topology.kubernetes.io/zone` values (`topology.zones`): the zone-replicated tiers
           * run one StatefulSet per zone and their rings keep one copy per zone. Absent: one StatefulSet
           * per tier, copies spread over nodes by hostname only (zones are a scheduling preference).
           */
          readonly zones?: readonly string[];
      };
