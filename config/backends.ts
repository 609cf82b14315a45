/** Readers of the stack-level sections: one per backend, plus the pieces they share. */
import versions from "../tools/versions.json";
import { Engine } from "../model/topology";
import { BASE_URL, DNS_SUBDOMAIN, HTTP_URL, INGRESS_HOST, S3_BUCKET, S3_ENDPOINT, S3_REGION } from "./formats";
import { ProfileDefaults, scaledResources } from "./profiles";
import { readDashboardConfigMaps } from "./dashboardConfigMaps";
import { readGrafanaAuth } from "./grafanaAuth";
import { readRedaction } from "./redaction";
import { readMaintenance, readTeams, readTicketHours, readTimeIntervals } from "./routing";
import {
    ALERTMANAGER_SETTINGS,
    COLLECTOR_SETTINGS,
    DISTRIBUTED_GATEWAYS,
    engineObjectStorageKeys,
    GRAFANA_SETTINGS,
    keysOf,
    KeySpec,
    LOKI_SETTINGS,
    PersistenceSpec,
    PROMETHEUS_SETTINGS,
    sectionKeys,
    STORAGE,
    TEMPO_SETTINGS,
    variantsOf,
} from "./keys";
import { ObjectReader, Problems, variantReader } from "./reader";
import {
    AlertmanagerConfig,
    CollectorConfig,
    ConfiguredSecrets,
    GrafanaConfig,
    GrafanaMode,
    ImageRef,
    IngressTls,
    LokiConfig,
    ObjectStorage,
    Persistence,
    PrometheusConfig,
    TempoConfig,
} from "./types";

import { readImage, readResources, With } from "./componentSettings";

export { readImage, readResources };
export type { Component, With } from "./componentSettings";

function readPersistence(section: With<"persistence">, spec: PersistenceSpec, defaults: ProfileDefaults): Persistence {
    const { enabled, size } = spec.keys;
    const persistence = section.object("persistence", sectionKeys(spec));
    return { enabled: persistence.boolean("enabled", defaults[enabled.default.profile]), size: persistence.quantity("size", size.default.value) };
}

export function readStorage(section: With<"storage">, defaults: ProfileDefaults, secrets: ConfiguredSecrets, engine: Engine): ObjectStorage {
    const keys = STORAGE.keys;
    const { kind: type, reader: storage } = section.variant("storage", "type", variantsOf(keys, "type", ["filesystem", "s3"]), defaults[keys.type.default.profile]);
    if (type === "filesystem") {
        return { type };
    }
    const bucket = storage.requiredString("bucket", S3_BUCKET, `type is s3; set the bucket name, or use type: filesystem`) ?? "";
    const shared = secrets.objectStorageAccessKeyId && secrets.objectStorageSecretAccessKey;
    if (!shared && !secrets.objectStorageEngines.includes(engine)) {
        const own = engineObjectStorageKeys(engine);
        storage.problems.add(
            storage.keyPath("type"),
            `s3 storage needs credentials; run \`pulumi config set --secret ${own.accessKeyId} ...\` and \`pulumi config set --secret ${own.secretAccessKey} ...\` (a key pair for this bucket only), or set the pair every engine without its own shares: objectStorageAccessKeyId and objectStorageSecretAccessKey`,
        );
    }
    return {
        type,
        bucket,
        endpoint: storage.string("endpoint", keys.endpoint.default.value, S3_ENDPOINT),
        region: storage.string("region", keys.region.default.value, S3_REGION),
        insecure: storage.boolean("insecure", keys.insecure.default.value),
        forcePathStyle: storage.boolean("forcePathStyle", keys.forcePathStyle.default.value),
    };
}

export function readPrometheus(root: With<"prometheus">, defaults: ProfileDefaults): PrometheusConfig {
    const settings = PROMETHEUS_SETTINGS;
    const prometheus = root.object("prometheus", keysOf(settings));
    return {
        image: readImage(prometheus, "prometheus"),
        replicas: prometheus.number("replicas", defaults[settings.replicas.default.profile], settings.replicas.limits),
        resources: readResources(prometheus, settings.resources, defaults),
        retentionTime: prometheus.duration("retention", defaults[settings.retention.default.profile]),
        retentionSize: prometheus.prometheusSize("retentionSize", defaults[settings.retentionSize.default.profile]),
        persistence: { enabled: true, size: prometheus.quantity("volumeSize", defaults[settings.volumeSize.default.profile]) },
        scrapeInterval: prometheus.duration("scrapeInterval", settings.scrapeInterval.default.value),
        evaluationInterval: prometheus.duration("evaluationInterval", settings.evaluationInterval.default.value),
        configMapShards: prometheus.number("configMapShards", settings.configMapShards.default.value, settings.configMapShards.limits),
        shareServiceRules: prometheus.boolean("shareServiceRules", settings.shareServiceRules.default.value),
    };
}

export function readAlertmanager(root: With<"alertmanager">, defaults: ProfileDefaults): AlertmanagerConfig {
    const settings = ALERTMANAGER_SETTINGS;
    const alertmanager = root.object("alertmanager", keysOf(settings));
    for (const key of keysOf(settings).filter((k) => settings[k].type === "refused")) {
        const secret = (settings[key] as KeySpec).documentedAs;
        if (alertmanager.optionalString(key) !== undefined) {
            // A webhook or heartbeat URL usually carries its token; in plain config it would land in a ConfigMap.
            alertmanager.problems.add(
                alertmanager.keyPath(key),
                `is a credential (webhook and heartbeat URLs carry their token) and plain config ends up in a ConfigMap; remove it and run \`pulumi config set --secret ${secret} <url>\``,
            );
        }
    }
    const timeIntervals = readTimeIntervals(alertmanager);
    const ticketHours = readTicketHours(alertmanager, timeIntervals);
    return {
        image: readImage(alertmanager, "alertmanager"),
        replicas: alertmanager.number("replicas", defaults[settings.replicas.default.profile], settings.replicas.limits),
        resources: readResources(alertmanager, settings.resources, defaults),
        persistence: readPersistence(alertmanager, settings.persistence, defaults),
        slackChannel: alertmanager.string("slackChannel", settings.slackChannel.default.value, { test: (v) => /^#[^\s#]+$/.test(v), hint: "must be a channel name starting with #, e.g. #alerts" }),
        teams: readTeams(alertmanager),
        timeIntervals,
        ...(ticketHours === undefined ? {} : { ticketHours }),
        maintenance: readMaintenance(alertmanager),
    };
}

/**
 * The Tempo release line each topology renders the configuration of: the monolith runs Tempo 3
 * (no ingester or compactor blocks, which Tempo 2 cannot start without); the distributed tiers stay
 * on Tempo 2, because Tempo 3's microservices need a Kafka-compatible log the stack does not run.
 */
export const TEMPO_MAJOR = { single: 3, distributed: 2 } as const;

function readTempoImage(section: With<"image">, distributed: boolean): ImageRef {
    const image = readImage(section, distributed ? "tempo-distributed" : "tempo");
    const major = Number(/^v?(\d+)\./.exec(image.tag)?.[1]);
    const wanted = TEMPO_MAJOR[distributed ? "distributed" : "single"];
    if (Number.isFinite(major) && major !== wanted) {
        const pinned = distributed ? versions.images["tempo-distributed"].tag : versions.images.tempo.tag;
        section.problems.add(
            section.keyPath("image.tag"),
            distributed
                ? `${image.tag} is Tempo ${major}; the distributed topology runs Tempo 2 (Tempo 3's microservices need a Kafka-compatible log the stack does not run), so use a 2.x release such as ${pinned}`
                : `${image.tag} is Tempo ${major}; the single topology renders Tempo 3's configuration (ingester and compactor are gone), which Tempo ${major} refuses; use a 3.x release such as ${pinned} (README: Tempo 3, moving from 2.10)`,
        );
    }
    return image;
}

export function readLogsOrTraces(root: With<"loki" | "tempo">, backend: "loki" | "tempo", defaults: ProfileDefaults, secrets: ConfiguredSecrets, distributed = false): LokiConfig & TempoConfig {
    const settings = backend === "loki" ? LOKI_SETTINGS : TEMPO_SETTINGS;
    const section = root.object(backend, keysOf(settings));
    return {
        image: backend === "tempo" ? readTempoImage(section, distributed) : readImage(section, backend),
        resources: readResources(section, settings.resources, defaults),
        retention: section.duration("retention", defaults[settings.retention.default.profile]),
        persistence: readPersistence(section, settings.persistence, defaults),
        storage: readStorage(section, defaults, secrets, backend),
    };
}

/**
 * `distributed`: the topology puts a trace-ID load-balancing tier in front of the gateways (see
 * config/topology.ts), so several tail-sampling gateways keep traces whole; without it, one gateway.
 */
export function readCollector(root: With<"collector">, defaults: ProfileDefaults, distributed = false): CollectorConfig {
    const settings = COLLECTOR_SETTINGS;
    const collector = root.object("collector", keysOf(settings));
    const { min, max, integer } = settings.gatewayReplicas.limits;
    return {
        image: readImage(collector, "otelcol"),
        // Tail sampling must see every span of a trace: more gateways need the trace-ID-aware load-balancing tier of topology distributed.
        gatewayReplicas: distributed
            ? collector.number("gatewayReplicas", DISTRIBUTED_GATEWAYS, { min, max, integer, hint: `e.g. ${DISTRIBUTED_GATEWAYS}` })
            : collector.number("gatewayReplicas", defaults.gatewayReplicas, {
                  min,
                  max: 1,
                  integer,
                  hint: "tail sampling needs all spans of a trace on one gateway; scale it vertically with collector.gateway.resources, or use topology: distributed, which routes each trace to one of several gateways",
              }),
        gatewayResources: readResources(collector.object("gateway", sectionKeys(settings.gateway)), settings.gateway.keys.resources, defaults),
        agentEnabled: collector.boolean("agentEnabled", settings.agentEnabled.default.value),
        agentResources: readResources(collector.object("agent", sectionKeys(settings.agent)), settings.agent.keys.resources, defaults),
        queueStorageSize: collector.quantity("queueVolumeSize", defaults[settings.queueVolumeSize.default.profile]),
        slowTraceThresholdMs: collector.number("slowTraceThresholdMs", settings.slowTraceThresholdMs.default.value, { ...settings.slowTraceThresholdMs.limits, hint: "milliseconds, e.g. 2000" }),
        baselineSamplingPercent: collector.number("samplingPercent", settings.samplingPercent.default.value, { ...settings.samplingPercent.limits, hint: "the share of ordinary traces kept, e.g. 5" }),
        redaction: readRedaction(collector),
    };
}

/** `grafana.mode` and the settings each mode takes; the old `grafana.provision` switch is refused with its replacement. */
export function readGrafana(root: With<"grafana">, defaults: ProfileDefaults, secrets: ConfiguredSecrets): GrafanaConfig {
    const path = root.keyPath("grafana");
    const raw = root.raw("grafana");
    let settings = raw;
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw) && "provision" in raw) {
        const { provision, ...rest } = raw as Record<string, unknown>;
        settings = rest;
        const was = provision === false || provision === "false" ? "provision: false (deploy without datasources and dashboards, then a second up)" : `provision: ${JSON.stringify(provision)}`;
        root.problems.add(
            `${path}.provision`,
            `${was} was replaced by grafana.mode; remove it: the default mode: files provisions Grafana from files on the first up with no API access, ` +
                "mode: api manages the objects through Grafana's API at grafana.url, mode: external provisions into a Grafana of your own",
        );
    }
    const table = GRAFANA_SETTINGS;
    const { kind: mode, reader: grafana } = variantReader(path, settings, root.problems, "mode", variantsOf(table, "mode", ["files", "api", "external"]), table.mode.default.value);
    checkGrafanaSecrets(mode, path, secrets, root.problems);
    if (mode === "external" && secrets.grafanaOAuthClientSecret) {
        root.problems.add("grafanaOAuthClientSecret", "is not used with grafana.mode: external (sign-in to your own Grafana is configured there); remove it with `pulumi config rm grafanaOAuthClientSecret`");
    }
    if (mode === "external") {
        const urls = grafana.object("datasourceUrls", sectionKeys(table.datasourceUrls));
        const url = (backend: "prometheus" | "loki" | "tempo" | "alertmanager") =>
            urls.requiredString(backend, HTTP_URL, `mode is external: give the URL your Grafana reaches ${backend} at (an Ingress or VPN address), e.g. https://${backend}.example.com`) ?? "";
        const browserUrl = grafana.requiredString("url", HTTP_URL, "mode is external: give the URL people open your Grafana at (alerts link to its dashboards), e.g. https://grafana.example.com") ?? "";
        return {
            mode,
            image: readImage(grafana, "grafana"),
            resources: readResources(grafana, GRAFANA_SETTINGS.resources, defaults),
            replicas: 0,
            url: browserUrl,
            persistence: { enabled: false, size: "0" },
            ingress: { enabled: false, host: "grafana.local" },
            datasourceUrls: { prometheus: url("prometheus"), loki: url("loki"), tempo: url("tempo"), alertmanager: url("alertmanager") },
            disableLoginForm: false,
            disableAdminPassword: false,
        };
    }
    const auth = readGrafanaAuth(grafana as ObjectReader<string>, mode, secrets, root.problems);
    const dashboardConfigMaps = readDashboardConfigMaps(grafana as ObjectReader<string>, defaults);
    const ingress = grafana.object("ingress", sectionKeys(table.ingress));
    const tls = readIngressTls(ingress.object("tls", sectionKeys(table.ingress.keys.tls)));
    const enabled = ingress.boolean("enabled", table.ingress.keys.enabled.default.value);
    const host = enabled
        ? ingress.requiredString("host", INGRESS_HOST, `the Ingress needs the DNS name Grafana is served under, e.g. grafana.example.com`)
        : ingress.optionalString("host", INGRESS_HOST);
    return {
        mode,
        image: readImage(grafana, "grafana"),
        resources: readResources(grafana, GRAFANA_SETTINGS.resources, defaults),
        replicas: 1,
        url: grafana.string("url", table.url.default.value, HTTP_URL),
        persistence: readPersistence(grafana, table.persistence, defaults),
        ingress: {
            enabled,
            host: host ?? "grafana.local",
            className: ingress.optionalString("className", { test: DNS_SUBDOMAIN.test, hint: "is not an IngressClass name; use e.g. nginx" }),
            ...(tls ? { tls } : {}),
        },
        ...auth,
        ...(dashboardConfigMaps ? { dashboardConfigMaps } : {}),
    };
}

/** The external Grafana's URL and token are secrets of that mode only; an admin password only for a Grafana we deploy. */
function checkGrafanaSecrets(mode: GrafanaMode, path: string, secrets: ConfiguredSecrets, problems: Problems): void {
    const external = ["grafanaExternalUrl", "grafanaServiceAccountToken"] as const;
    if (mode === "external") {
        for (const key of external.filter((k) => !secrets[k])) {
            problems.add(`${path}.mode`, `external needs the secret ${key}; run \`pulumi config set --secret ${key} <${key === "grafanaExternalUrl" ? "https://grafana.example.com" : "service-account-token"}>\``);
        }
        if (secrets.grafanaAdminPassword) {
            problems.add("grafanaAdminPassword", "is not used with grafana.mode: external (no Grafana is deployed); remove it with `pulumi config rm grafanaAdminPassword`");
        }
        return;
    }
    for (const key of external.filter((k) => secrets[k])) {
        problems.add(key, `is only used with grafana.mode: external (here mode is ${mode}); remove it with \`pulumi config rm ${key}\` or set grafana.mode: external`);
    }
}

/** `grafana.ingress.tls`: the certificate's Secret, and optionally the cert-manager ClusterIssuer that fills it. */
function readIngressTls(tls: ObjectReader<"secretName" | "clusterIssuer">): IngressTls | undefined {
    const secretName = tls.optionalString("secretName", { test: DNS_SUBDOMAIN.test, hint: "is not a Secret name; use e.g. grafana-tls" });
    const clusterIssuer = tls.optionalString("clusterIssuer", { test: DNS_SUBDOMAIN.test, hint: "is not a cert-manager ClusterIssuer name; use e.g. letsencrypt" });
    if (clusterIssuer !== undefined && secretName === undefined) {
        tls.problems.add(tls.keyPath("secretName"), "is required with clusterIssuer: cert-manager writes the certificate into this Secret; use e.g. grafana-tls");
    }
    return secretName === undefined ? undefined : { secretName, ...(clusterIssuer ? { clusterIssuer } : {}) };
}

export function readRunbookBaseUrl(root: With<"runbookBaseUrl">): string {
    return (
        root.requiredString(
            "runbookBaseUrl",
            BASE_URL,
            "every alert links to its runbook; set it to the web view of runbooks/, e.g. https://github.com/acme/lgtm-stack/blob/main/runbooks",
        ) ?? ""
    );
}
