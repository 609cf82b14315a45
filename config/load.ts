/**
 * Turns raw stack configuration (from `pulumi.Config` or a `Pulumi.<stack>.yaml` file) into a
 * validated StackConfig. Pure: no Pulumi, no I/O. All problems are collected and thrown together
 * before any resource exists.
 */
import versions from "../tools/versions.json";
import { dashboardUids } from "../model/ids";
import { syntaxError } from "../model/queryGrammar";
import { ConfigErrors, ObjectReader, Problems, Raw } from "./reader";
import { parseDuration } from "./units";
import {
    ConfiguredSecrets,
    Discovery,
    ImageRef,
    MetricConventions,
    ObjectStorage,
    Persistence,
    Profile,
    Resources,
    SaturationSignal,
    SECRET_KEYS,
    ServiceSpec,
    Slo,
    StackConfig,
} from "./types";

/** Raw config as the stack holds it: top-level keys without the `lgtm-stack:` prefix. */
export interface RawStackConfig {
    readonly stack: string;
    readonly values: Readonly<Record<string, Raw>>;
    /** Keys whose values were set with `pulumi config set --secret`. */
    readonly secretKeys: ReadonlySet<string>;
}

export interface LoadOptions {
    /** Alert names that have a runbook in `runbooks/`; a saturation alert without one is an error. */
    readonly knownRunbooks: ReadonlySet<string>;
}

/** OpenTelemetry SDKs' default explicit buckets for `http.server.request.duration` (seconds). */
export const OTEL_HTTP_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** prometheus client libraries' default histogram buckets (seconds). */
export const PROMETHEUS_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME = /^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/;
const NAME_HINT = { pattern: NAME, hint: "is not a short DNS label (at most 30 characters); use lowercase letters, digits and '-', e.g. checkout-api" };
const ALERT_NAME = /^[A-Z][A-Za-z0-9]+$/;
const WINDOW_PLACEHOLDER = "{{.window}}";

interface ProfileDefaults {
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
    readonly networkPolicies: boolean;
    readonly podDisruptionBudgets: boolean;
    readonly scale: number;
}

const PROFILES: Record<Profile, ProfileDefaults> = {
    dev: {
        prometheusReplicas: 1,
        prometheusRetention: "7d",
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

function scaled(cpu: string, memoryMi: number, scale: number, limitFactor = 2): Resources {
    const cpuMilli = Number(cpu.replace(/m$/, ""));
    return {
        requests: { cpu: `${cpuMilli * scale}m`, memory: `${memoryMi * scale}Mi` },
        limits: { cpu: `${cpuMilli * scale * limitFactor}m`, memory: `${memoryMi * scale * limitFactor}Mi` },
    };
}

function readImage(reader: ObjectReader, component: keyof typeof versions.images): ImageRef {
    const pinned = versions.images[component];
    const image = reader.object("image");
    const tag = image.string("tag", pinned.tag);
    if (tag === "latest") {
        reader.problems.add(image.keyPath("tag"), `"latest" is not allowed; pin an exact version such as ${pinned.tag}`);
    }
    const result = { repository: image.string("repository", pinned.repository), tag };
    image.done();
    return result;
}

function readResources(reader: ObjectReader, fallback: Resources): Resources {
    const resources = reader.object("resources");
    const requests = resources.object("requests");
    const limits = resources.object("limits");
    const result = {
        requests: { cpu: requests.quantity("cpu", fallback.requests.cpu), memory: requests.quantity("memory", fallback.requests.memory) },
        limits: { cpu: limits.quantity("cpu", fallback.limits.cpu), memory: limits.quantity("memory", fallback.limits.memory) },
    };
    requests.done();
    limits.done();
    resources.done();
    return result;
}

function readPersistence(reader: ObjectReader, enabled: boolean, size: string): Persistence {
    const persistence = reader.object("persistence");
    const result = { enabled: persistence.boolean("enabled", enabled), size: persistence.quantity("size", size) };
    persistence.done();
    return result;
}

function readStorage(reader: ObjectReader, profile: Profile, secrets: ConfiguredSecrets): ObjectStorage {
    const storage = reader.object("storage");
    const type = storage.oneOf("type", ["filesystem", "s3"], profile === "prod" ? "s3" : "filesystem");
    if (type === "filesystem") {
        storage.done();
        return { type };
    }
    const bucket = storage.string("bucket", "");
    if (!bucket) {
        reader.problems.add(storage.keyPath("bucket"), `is required when ${storage.keyPath("type")} is s3; set the bucket name, or use type: filesystem`);
    }
    const result: ObjectStorage = {
        type,
        bucket,
        endpoint: storage.string("endpoint", "s3.amazonaws.com"),
        region: storage.string("region", "us-east-1"),
        insecure: storage.boolean("insecure", false),
        forcePathStyle: storage.boolean("forcePathStyle", false),
    };
    storage.done();
    if (!secrets.objectStorageAccessKeyId || !secrets.objectStorageSecretAccessKey) {
        reader.problems.add(
            storage.keyPath("type"),
            "s3 storage needs credentials; run `pulumi config set --secret objectStorageAccessKeyId ...` and `pulumi config set --secret objectStorageSecretAccessKey ...`",
        );
    }
    return result;
}

function readSecrets(raw: RawStackConfig, problems: Problems): ConfiguredSecrets {
    const present = (key: (typeof SECRET_KEYS)[number]): boolean => {
        const value = raw.values[key];
        if (value === undefined || value === null || value === "") {
            return false;
        }
        if (!raw.secretKeys.has(key)) {
            problems.add(key, `is a credential stored in plain text; remove it and run \`pulumi config set --secret ${key} <value>\``);
            return false;
        }
        return true;
    };
    return {
        pagerdutyRoutingKey: present("pagerdutyRoutingKey"),
        slackWebhookUrl: present("slackWebhookUrl"),
        objectStorageAccessKeyId: present("objectStorageAccessKeyId"),
        objectStorageSecretAccessKey: present("objectStorageSecretAccessKey"),
        grafanaAdminPassword: present("grafanaAdminPassword"),
    };
}

function readDiscovery(reader: ObjectReader): Discovery {
    const discovery = reader.object("discovery");
    const kind = discovery.oneOf("kind", ["otlp", "scrape"], "otlp");
    if (kind === "otlp") {
        discovery.done();
        return { kind };
    }
    const selectorReader = discovery.object("selector");
    const selector: Record<string, string> = {};
    for (const [key, value] of Object.entries(selectorReader.value)) {
        selector[key] = selectorReader.string(key, "");
    }
    if (Object.keys(selector).length === 0) {
        reader.problems.add(selectorReader.path, "a scraped service needs a pod label selector, e.g. selector: { app.kubernetes.io/name: checkout }");
    }
    const result: Discovery = {
        kind,
        selector,
        port: discovery.string("port", "metrics"),
        path: discovery.string("path", "/metrics", { pattern: /^\//, hint: "must start with /" }),
    };
    selectorReader.done();
    discovery.done();
    return result;
}

function readConventions(reader: ObjectReader): MetricConventions {
    const conventions = reader.object("conventions");
    const preset = conventions.oneOf("preset", ["otel-http", "prometheus-http", "custom"], "otel-http");
    if (preset !== "custom") {
        conventions.done();
        return { preset };
    }
    const errorQuery = conventions.string("errorQuery", "");
    const totalQuery = conventions.string("totalQuery", "");
    for (const [key, query] of [["errorQuery", errorQuery], ["totalQuery", totalQuery]] as const) {
        const path = conventions.keyPath(key);
        if (!query) {
            reader.problems.add(path, `is required with preset custom; give a PromQL rate with ${WINDOW_PLACEHOLDER}, e.g. sum(rate(jobs_failed_total[${WINDOW_PLACEHOLDER}]))`);
            continue;
        }
        if (!query.includes(WINDOW_PLACEHOLDER)) {
            reader.problems.add(path, `has no ${WINDOW_PLACEHOLDER} placeholder; write the range as [${WINDOW_PLACEHOLDER}] so every SLO window can reuse it`);
            continue;
        }
        const error = syntaxError("promql", query.split(WINDOW_PLACEHOLDER).join("5m"));
        if (error) {
            reader.problems.add(path, `is not valid PromQL: ${error}`);
        }
    }
    if (errorQuery && errorQuery === totalQuery) {
        reader.problems.add(conventions.keyPath("errorQuery"), "is the same as totalQuery, so the error ratio would always be 100%; count only failed events");
    }
    conventions.done();
    return { preset, errorQuery, totalQuery };
}

function readSlos(reader: ObjectReader, buckets: readonly number[], metricName: string, customConventions: boolean): Slo[] {
    const slos: Slo[] = [];
    const names = new Set<string>();
    reader.array("slos").forEach((rawSlo, index) => {
        const slo = new ObjectReader(`${reader.keyPath("slos")}[${index}]`, rawSlo, reader.problems);
        const kind = slo.oneOf("kind", ["availability", "latency"], "availability");
        const name = slo.string("name", kind, { pattern: /^[a-z][a-z0-9_-]*$/, hint: "must be lowercase letters, digits, '_' or '-'" });
        const window = slo.duration("window", "30d");
        const windowSeconds = parseDuration(window) ?? 0;
        if (windowSeconds < 7 * 86400 || windowSeconds > 90 * 86400) {
            reader.problems.add(slo.keyPath("window"), `${window} is outside 7d..90d; SLO windows are usually 28d or 30d`);
        }
        if (names.has(name)) {
            reader.problems.add(slo.keyPath("name"), `"${name}" is used twice in this service; give each SLO a unique name`);
        }
        names.add(name);
        if (kind === "availability") {
            const objective = slo.number("objective", 99.9, { min: 50, max: 99.999, hint: "an objective is a percentage below 100; use e.g. 99.9" });
            slos.push({ kind, name, objective: objective / 100, window });
        } else {
            if (customConventions) {
                reader.problems.add(slo.keyPath("kind"), "latency SLOs need a histogram; with conventions.preset custom, express latency as an error query instead");
            }
            const percentile = slo.number("percentile", 95, { min: 50, max: 99.999, hint: "the share of requests that must be fast, e.g. 95 for P95" });
            const threshold = slo.duration("threshold", "1s");
            const thresholdSeconds = parseDuration(threshold) ?? 1;
            if (!customConventions && !buckets.some((bucket) => Math.abs(bucket - thresholdSeconds) < 1e-9)) {
                reader.problems.add(
                    slo.keyPath("threshold"),
                    `${threshold} is not a bucket boundary of ${metricName} (buckets: ${buckets.join(", ")} s), so the SLI cannot be computed exactly; ` +
                        `pick one of those, or declare the buckets your service exports in ${reader.keyPath("histogramBuckets")}`,
                );
            }
            slos.push({ kind, name, objective: percentile / 100, thresholdSeconds, window });
        }
        slo.done();
    });
    return slos;
}

function readSaturation(reader: ObjectReader, options: LoadOptions): SaturationSignal[] {
    return reader.array("saturation").map((rawSignal, index) => {
        const signal = new ObjectReader(`${reader.keyPath("saturation")}[${index}]`, rawSignal, reader.problems);
        const name = signal.string("name", "signal", { pattern: /^[a-z][a-z0-9_]*$/, hint: "must be snake_case, e.g. db_connection_pool" });
        const query = signal.string("query", "");
        if (!query) {
            reader.problems.add(signal.keyPath("query"), "is required: PromQL giving in-use / capacity as a 0..1 ratio");
        } else {
            const error = syntaxError("promql", query);
            if (error) {
                reader.problems.add(signal.keyPath("query"), `is not valid PromQL: ${error}`);
            }
        }
        const alert = signal.string("alert", "", { pattern: ALERT_NAME, hint: "must be an UpperCamelCase alert name, e.g. DBConnectionPoolExhaustion" });
        if (!alert) {
            reader.problems.add(signal.keyPath("alert"), "is required: the alert name, which is also the runbook's file name");
        } else if (dashboardUids.runbook(alert).length > 40) {
            reader.problems.add(signal.keyPath("alert"), `${alert} is too long for its runbook dashboard's Grafana uid (40 characters); shorten the name`);
        } else if (!options.knownRunbooks.has(alert)) {
            reader.problems.add(signal.keyPath("alert"), `${alert} has no runbook; add runbooks/${alert}.md (copy the sections of an existing runbook)`);
        }
        const result: SaturationSignal = {
            name,
            query,
            alert,
            threshold: signal.number("threshold", 85, { min: 1, max: 100, hint: "a percentage of capacity, e.g. 85" }) / 100,
            for: signal.duration("for", "10m"),
            severity: signal.oneOf("severity", ["page", "ticket"], "page"),
        };
        signal.done();
        return result;
    });
}

function readService(rawService: Raw, index: number, problems: Problems, options: LoadOptions): ServiceSpec {
    const service = new ObjectReader(`services[${index}]`, rawService, problems);
    const name = service.string("name", `service-${index}`, NAME_HINT);
    if (!service.has("name")) {
        problems.add(service.keyPath("name"), "is required, e.g. name: checkout");
    }
    const conventions = readConventions(service);
    const defaultBuckets = conventions.preset === "prometheus-http" ? PROMETHEUS_DEFAULT_BUCKETS : OTEL_HTTP_DEFAULT_BUCKETS;
    let buckets = defaultBuckets;
    if (service.has("histogramBuckets")) {
        const rawBuckets = service.array("histogramBuckets");
        if (!rawBuckets.every((b) => typeof b === "number" && b > 0) || rawBuckets.length === 0) {
            problems.add(service.keyPath("histogramBuckets"), "must be a list of positive bucket upper bounds in seconds, e.g. [0.1, 0.5, 1, 2, 4]");
        } else {
            buckets = [...(rawBuckets as number[])].sort((a, b) => a - b);
        }
    }
    const metricName = conventions.preset === "prometheus-http" ? "http_request_duration_seconds" : "http_server_request_duration_seconds";
    const alerts = service.object("alerts");
    const spec: ServiceSpec = {
        name,
        namespace: service.string("namespace", "default", NAME_HINT),
        team: service.string("team", "platform", NAME_HINT),
        discovery: readDiscovery(service),
        conventions,
        histogramBuckets: buckets,
        slos: readSlos(service, buckets, metricName, conventions.preset === "custom"),
        saturation: readSaturation(service, options),
        errorRateThreshold: alerts.number("errorRatePercent", 5, { min: 0.01, max: 100, hint: "the 5xx share in percent that pages, e.g. 5" }) / 100,
        latencyP99ThresholdSeconds: parseDuration(alerts.duration("latencyP99", "1s")) ?? 1,
        minRequestsPerHour: alerts.number("minRequestsPerHour", 10, { min: 0, integer: true, hint: "requests per hour below which SLO alerts never page, e.g. 10" }),
    };
    alerts.done();
    service.done();
    return spec;
}

/** Validates raw stack config; throws ConfigErrors listing every problem. */
export function loadStackConfig(raw: RawStackConfig, options: LoadOptions): StackConfig {
    const problems = new Problems();
    const root = new ObjectReader("", raw.values, problems);
    const profile = root.oneOf("profile", ["dev", "prod"], raw.stack === "prod" ? "prod" : "dev");
    const defaults = PROFILES[profile];
    const secrets = readSecrets(raw, problems);
    SECRET_KEYS.forEach((key) => root.raw(key));

    const prometheus = root.object("prometheus");
    const alertmanager = root.object("alertmanager");
    const loki = root.object("loki");
    const tempo = root.object("tempo");
    const collector = root.object("collector");
    const gateway = collector.object("gateway");
    const agent = collector.object("agent");
    const grafana = root.object("grafana");
    const ingress = grafana.object("ingress");

    const config: StackConfig = {
        profile,
        stack: raw.stack,
        namespace: root.string("namespace", "observability", NAME_HINT),
        runbookBaseUrl: root.string("runbookBaseUrl", "", { pattern: /^https?:\/\/\S+[^/]$/, hint: "must be an http(s) URL without a trailing slash" }),
        storageClassName: root.optionalString("storageClassName"),
        networkPolicies: root.boolean("networkPolicies", defaults.networkPolicies),
        podDisruptionBudgets: root.boolean("podDisruptionBudgets", defaults.podDisruptionBudgets),
        prometheus: {
            image: readImage(prometheus, "prometheus"),
            replicas: prometheus.number("replicas", defaults.prometheusReplicas, { min: 1, max: 5, integer: true }),
            resources: readResources(prometheus, scaled("250m", 512, defaults.scale)),
            retentionTime: prometheus.duration("retention", defaults.prometheusRetention),
            retentionSize: prometheus.prometheusSize("retentionSize", defaults.prometheusRetentionSize),
            persistence: { enabled: true, size: prometheus.quantity("volumeSize", defaults.prometheusVolume) },
            scrapeInterval: prometheus.duration("scrapeInterval", "30s"),
            evaluationInterval: prometheus.duration("evaluationInterval", "30s"),
        },
        alertmanager: {
            image: readImage(alertmanager, "alertmanager"),
            replicas: alertmanager.number("replicas", defaults.alertmanagerReplicas, { min: 1, max: 5, integer: true }),
            resources: readResources(alertmanager, scaled("50m", 64, 1)),
            persistence: readPersistence(alertmanager, defaults.backendPersistence, "1Gi"),
            slackChannel: alertmanager.string("slackChannel", "#alerts", { pattern: /^#\S+$/, hint: "must be a channel name starting with #" }),
            webhookUrl: alertmanager.optionalString("webhookUrl"),
        },
        loki: {
            image: readImage(loki, "loki"),
            resources: readResources(loki, scaled("200m", 512, defaults.scale)),
            retention: loki.duration("retention", defaults.lokiRetention),
            persistence: readPersistence(loki, defaults.backendPersistence, "20Gi"),
            storage: readStorage(loki, profile, secrets),
        },
        tempo: {
            image: readImage(tempo, "tempo"),
            resources: readResources(tempo, scaled("200m", 512, defaults.scale)),
            retention: tempo.duration("retention", defaults.tempoRetention),
            persistence: readPersistence(tempo, defaults.backendPersistence, "20Gi"),
            storage: readStorage(tempo, profile, secrets),
        },
        collector: {
            image: readImage(collector, "otelcol"),
            // Tail sampling must see every span of a trace: more gateways need a trace-ID-aware load-balancing tier first.
            gatewayReplicas: collector.number("gatewayReplicas", defaults.gatewayReplicas, {
                min: 1,
                max: 1,
                integer: true,
                hint: "tail sampling needs all spans of a trace on one gateway; scale it vertically with collector.gateway.resources",
            }),
            gatewayResources: readResources(gateway, scaled("200m", 512, defaults.scale)),
            agentEnabled: collector.boolean("agentEnabled", true),
            agentResources: readResources(agent, scaled("100m", 256, 1)),
            queueStorageSize: collector.quantity("queueVolumeSize", defaults.queueVolume),
            slowTraceThresholdMs: collector.number("slowTraceThresholdMs", 2000, { min: 1, integer: true, hint: "milliseconds, e.g. 2000" }),
            baselineSamplingPercent: collector.number("samplingPercent", 5, { min: 0, max: 100, hint: "the share of ordinary traces kept, e.g. 5" }),
        },
        grafana: {
            image: readImage(grafana, "grafana"),
            resources: readResources(grafana, scaled("100m", 256, 1)),
            replicas: 1,
            url: grafana.string("url", "http://localhost:3000", { pattern: /^https?:\/\/\S+$/, hint: "must be an http(s) URL, e.g. https://grafana.example.com" }),
            provision: grafana.boolean("provision", true),
            persistence: readPersistence(grafana, defaults.backendPersistence, "5Gi"),
            ingress: {
                enabled: ingress.boolean("enabled", false),
                host: ingress.string("host", "grafana.local"),
                className: ingress.optionalString("className"),
            },
        },
        services: root.array("services").map((service, index) => readService(service, index, problems, options)),
        secrets,
    };
    if (!config.runbookBaseUrl) {
        problems.add("runbookBaseUrl", "is required so every alert links to its runbook; set it to the web view of runbooks/, e.g. https://github.com/acme/lgtm-stack/blob/main/runbooks");
    }
    const seen = new Map<string, number>();
    config.services.forEach((service, index) => {
        if (seen.has(service.name)) {
            problems.add(`services[${index}].name`, `"${service.name}" is already used by services[${seen.get(service.name)}]; service names must be unique`);
        }
        seen.set(service.name, index);
    });
    for (const reader of [prometheus, alertmanager, loki, tempo, gateway, agent, collector, ingress, grafana, root]) {
        reader.done();
    }
    if (problems.list.length > 0) {
        throw new ConfigErrors(problems.list);
    }
    return config;
}

/** Validates one service given in code (`new ObservedService(...)`), with the same rules as config. */
export function loadServiceSpec(rawService: Raw, options: LoadOptions, path = "service"): ServiceSpec {
    const problems = new Problems();
    const spec = readService(rawService, 0, problems, options);
    if (problems.list.length > 0) {
        throw new ConfigErrors(problems.list.map((problem) => problem.replace(/^services\[0\]/, path)));
    }
    return spec;
}
