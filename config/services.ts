/** Reads one service entry (`services[i]` in stack config, or a spec given in code) into a ServiceSpec. */
import { BUILT_IN_ALERT_NAMES, BurnRatePolicy, BurnRateWindow, DEFAULT_BURN_RATE_POLICY, HIGH_ERROR_RATE, LOG_ALERT_PRESETS, LOG_ALERT_WINDOW, SEVERITIES, SEVERITY_ALIASES, Severity, OTLP_EXPORT_INTERVAL } from "../model/alerting";
import { BUSINESS_UNITS, BusinessUnit, GOOD_DIRECTIONS, GoodDirection } from "../model/business";
import { CLUSTER_RESERVED_NAMES } from "../model/cluster";
import { COMPONENTS } from "../model/components";
import { percent, percentToRatio } from "../model/exact";
import { dashboardUids } from "../model/ids";
import { INFRASTRUCTURE_JOBS } from "../model/infrastructure";
import { CUSTOM_DEFAULT_BUCKETS, CUSTOM_PRESET, METRIC_PRESETS, MetricPresets } from "../model/presets";
import { isLogqlMetricQuery, syntaxError } from "../model/queryGrammar";
import { HTTP_PATH, HTTP_URL, LABEL_KEY, LABEL_VALUE, NAMESPACE, PORT_NAME, SHORT_NAME, Format } from "./formats";
import { CONVENTIONS_SETTINGS, KeySpec, keysOf, LOG_ALERT_SETTINGS, onlyWith, SATURATION_SETTINGS, sectionKeys, SERVICE_SETTINGS, SLO_SETTINGS, TRAFFIC_ANOMALY_SETTINGS, variantsOf } from "./keys";
import { ObjectReader, Problems, Raw, variantReader } from "./reader";
import { BusinessCounter, Discovery, HttpProbe, LogAlert, MetricConventions, SaturationLevel, SaturationSignal, ServiceSpec, Slo, TrafficAnomaly } from "./types";

/** `{ key: value }` when the value is defined, `{}` otherwise (optional fields stay absent, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
    return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
import { durationMs, formatMs, parseDuration } from "./units";

/**
 * A duration key read with its table's default and range (config/keys.ts): zero only where the range starts
 * at `0s`; a value outside the range is reported with `why` and kept, so later checks still see it.
 */
function tabledDuration<K extends string>(reader: ObjectReader<K>, key: NoInfer<K>, spec: KeySpec & { readonly default: { readonly value: string } }, why = ""): string {
    const { min, max } = spec.limits ?? {};
    const value = reader.duration(key, spec.default.value, { allowZero: min === "0s" });
    const ms = durationMs(value) ?? 0;
    const [minMs, maxMs] = [min, max].map((bound) => (typeof bound === "string" ? durationMs(bound) : bound));
    if (!reader.problems.about(reader.keyPath(key)) && ((minMs !== undefined && ms < minMs) || (maxMs !== undefined && ms > maxMs))) {
        reader.problems.add(reader.keyPath(key), `${value} is outside ${min}..${max}; ${why}`);
    }
    return value;
}

export interface ServiceReadOptions {
    /** Alert names that have a runbook in `runbooks/`; a saturation alert without one is an error. */
    readonly knownRunbooks: ReadonlySet<string>;
    /** The metric-convention presets `conventions.preset` may name. Defaults to METRIC_PRESETS (model/presets.ts). */
    readonly presets?: MetricPresets;
}

const ALERT_NAME: Format = {
    test: (value) => /^[A-Z][A-Za-z0-9]+$/.test(value),
    hint: "is not an UpperCamelCase alert name; use e.g. DBConnectionPoolExhaustion",
};
const WINDOW_PLACEHOLDER = "{{.window}}";
/** Grafana refuses dashboard uids longer than 40 characters; each saturation alert gets a runbook dashboard. */
const GRAFANA_UID_MAX = 40;

const SETTINGS = SERVICE_SETTINGS;
const SERVICE_KEYS = keysOf(SETTINGS);

/** A map of Kubernetes label names to values (a `matchLabels` selector); each bad entry is reported at its key path. */
export function readLabelMap<K extends string>(reader: ObjectReader<K>, key: K): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const entry of reader.map(key)) {
        if (!LABEL_KEY.test(entry.key)) {
            reader.problems.add(entry.path, `${JSON.stringify(entry.key)} ${LABEL_KEY.hint}`);
        } else if (!LABEL_VALUE.test(entry.value)) {
            reader.problems.add(entry.path, `${JSON.stringify(entry.value)} ${LABEL_VALUE.hint}`);
        } else {
            labels[entry.key] = entry.value;
        }
    }
    return labels;
}

function readDiscovery(service: ObjectReader<(typeof SERVICE_KEYS)[number]>): Discovery {
    const discovery = SETTINGS.discovery.keys;
    const { kind, reader } = service.variant("discovery", "kind", variantsOf(discovery, "kind", ["otlp", "scrape"]), discovery.kind.default.value);
    if (kind === "otlp") {
        const exportInterval = reader.duration("exportInterval", OTLP_EXPORT_INTERVAL);
        const shortest = HIGH_ERROR_RATE.window;
        if ((durationMs(exportInterval) ?? 0) * 2 > (durationMs(shortest) ?? 0)) {
            reader.problems.add(
                reader.keyPath("exportInterval"),
                `${exportInterval} leaves fewer than two samples in the shortest alert window (${shortest}, HighErrorRate), so its rate() returns nothing; have the SDK export at most every ${formatMs((durationMs(shortest) ?? 0) / 2)} (OTEL_METRIC_EXPORT_INTERVAL) and set that here`,
            );
        }
        return { kind, exportInterval };
    }
    const selector = readLabelMap(reader, "selector");
    if (Object.keys(selector).length === 0 && !reader.problems.about(reader.keyPath("selector"))) {
        reader.problems.add(reader.keyPath("selector"), "a scraped service needs a pod label selector, e.g. selector: { app.kubernetes.io/name: checkout }");
    }
    if (typeof reader.raw("port") === "number") {
        // The scrape job keeps targets by container port *name*; a number would match no target.
        reader.problems.add(reader.keyPath("port"), `${reader.raw("port")} is a port number; give the name of the container port instead (ports[].name in the pod spec), e.g. metrics`);
    }
    return {
        kind,
        selector,
        port: typeof reader.raw("port") === "number" ? "metrics" : reader.string("port", "metrics", PORT_NAME),
        path: reader.string("path", "/metrics", HTTP_PATH),
    };
}

const QUEUE_KEYS = onlyWith(CONVENTIONS_SETTINGS, "queue worker");
const CUSTOM_KEYS = onlyWith(CONVENTIONS_SETTINGS, CUSTOM_PRESET);

/** `conventions`: one preset of the table (a queue worker's may add its queue queries), or custom queries. */
function readConventions(service: ObjectReader<(typeof SERVICE_KEYS)[number]>, presets: MetricPresets): MetricConventions {
    const variants: Record<string, readonly (typeof QUEUE_KEYS | typeof CUSTOM_KEYS)[number][]> = {
        ...Object.fromEntries(Object.entries(presets).map(([name, preset]) => [name, preset.queueWorker ? QUEUE_KEYS : []])),
        [CUSTOM_PRESET]: CUSTOM_KEYS,
    };
    const { kind: preset, reader } = service.variant("conventions", "preset", variants, CONVENTIONS_SETTINGS.preset.default.value);
    if (preset !== CUSTOM_PRESET) {
        const metrics = presets[preset];
        const queues: { queueDepthQuery?: string; queueLagQuery?: string } = {};
        for (const key of metrics.queueWorker ? QUEUE_KEYS : []) {
            const query = reader.optionalString(key);
            const error = query === undefined ? undefined : syntaxError("promql", query);
            if (error) {
                reader.problems.add(reader.keyPath(key), `is not valid PromQL: ${error}`);
            } else if (query !== undefined) {
                queues[key] = query;
            }
        }
        return { preset, metrics, ...queues };
    }
    const queries: Record<"errorQuery" | "totalQuery", string> = { errorQuery: "", totalQuery: "" };
    for (const key of CUSTOM_KEYS) {
        const path = reader.keyPath(key);
        const query = reader.requiredString(key, undefined, `give a PromQL rate with ${WINDOW_PLACEHOLDER}, e.g. sum(rate(jobs_failed_total[${WINDOW_PLACEHOLDER}]))`);
        if (query === undefined) {
            continue;
        }
        queries[key] = query;
        if (!query.includes(WINDOW_PLACEHOLDER)) {
            reader.problems.add(path, `has no ${WINDOW_PLACEHOLDER} placeholder; write the range as [${WINDOW_PLACEHOLDER}] so every SLO window can reuse it`);
            continue;
        }
        const error = syntaxError("promql", query.split(WINDOW_PLACEHOLDER).join("5m"));
        if (error) {
            reader.problems.add(path, `is not valid PromQL: ${error}`);
        }
    }
    if (queries.errorQuery && queries.errorQuery === queries.totalQuery) {
        reader.problems.add(reader.keyPath("errorQuery"), "is the same as totalQuery, so the error ratio would always be 100%; count only failed events");
    }
    return { preset: CUSTOM_PRESET, ...queries };
}

function readBuckets(service: ObjectReader<(typeof SERVICE_KEYS)[number]>, defaults: readonly number[]): readonly number[] {
    if (!service.has("histogramBuckets")) {
        return defaults;
    }
    const entries = service.items("histogramBuckets");
    const path = service.keyPath("histogramBuckets");
    if (entries.length === 0 && !service.problems.about(path)) {
        service.problems.add(path, "is empty; list the bucket upper bounds in seconds your SDK exports, e.g. [0.1, 0.5, 1, 2, 4]");
        return defaults;
    }
    const seen = new Map<number, number>();
    let valid = true;
    for (const entry of entries) {
        if (typeof entry.value !== "number" || !Number.isFinite(entry.value) || entry.value <= 0) {
            service.problems.add(entry.path, `${JSON.stringify(entry.value)} is not a positive bucket upper bound in seconds; use e.g. 0.5`);
            valid = false;
        } else if (seen.has(entry.value)) {
            // Prometheus client libraries and OpenTelemetry SDKs refuse a bucket boundary given twice.
            service.problems.add(entry.path, `${entry.value} is already listed at ${path}[${seen.get(entry.value)}]; each bucket boundary appears once`);
            valid = false;
        } else {
            seen.set(entry.value, entry.index);
        }
    }
    return valid ? [...seen.keys()].sort((a, b) => a - b) : defaults;
}

/** Blackbox probes: a probe's timeout must end before the agent's scrape timeout (10s) does. */
function readProbes(service: ObjectReader<(typeof SERVICE_KEYS)[number]>): HttpProbe[] {
    const probes: HttpProbe[] = [];
    const names = new Map<string, string>();
    for (const entry of service.items("probes")) {
        const keys = SETTINGS.probes.keys;
        const probe = new ObjectReader(entry.path, entry.value, service.problems, sectionKeys(SETTINGS.probes));
        const name = probe.string("name", keys.name.default.value, { test: (v) => /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/.test(v), hint: "is not a short DNS label (at most 20 characters); use e.g. home" });
        if (names.has(name)) {
            service.problems.add(probe.keyPath("name"), `"${name}" is already used by ${names.get(name)}; give each probe of a service a unique name`);
        }
        names.set(name, entry.path);
        const url = probe.requiredString("url", HTTP_URL, "give the http(s) URL to check, e.g. https://shop.example.com/health") ?? "";
        const expectedStatus = probe.number("expectedStatus", keys.expectedStatus.default.value, { ...keys.expectedStatus.limits, hint: "an HTTP status code, e.g. 200" });
        const timeout = tabledDuration(probe, "timeout", keys.timeout, "a probe must end before the 10s scrape that runs it times out");
        probes.push({ name, url, expectedStatus, timeout });
    }
    return probes;
}

const SLO = SLO_SETTINGS;

/** `histogram`: the preset's latency histogram, or undefined for custom queries (which have none). */
function readSlos(service: ObjectReader<(typeof SERVICE_KEYS)[number]>, buckets: readonly number[], histogram: string | undefined, hasProbes: boolean): Slo[] {
    const slos: Slo[] = [];
    const names = new Map<string, string>();
    for (const entry of service.items("slos")) {
        const { kind, reader: slo } = variantReader(entry.path, entry.value, service.problems, "kind", variantsOf(SLO, "kind", SLO.kind.choices), SLO.kind.default.value);
        const name = slo.string("name", kind, { test: (v) => /^[a-z][a-z0-9_-]*$/.test(v), hint: "must be lowercase letters, digits, '_' or '-', e.g. availability" });
        const window = tabledDuration(slo, "window", SLO.window, "SLO windows are usually 28d or 30d");
        if (names.has(name)) {
            service.problems.add(slo.keyPath("name"), `"${name}" is already used by ${names.get(name)}; give each SLO of a service a unique name`);
        }
        names.set(name, entry.path);
        if (kind === "availability") {
            const objective = slo.number("objective", SLO.objective.default.value, { ...SLO.objective.limits, hint: "an objective is a percentage below 100; use e.g. 99.9" });
            const sli = slo.oneOf("sli", SLO.sli.choices, SLO.sli.default.value);
            if (sli === "probe" && !hasProbes) {
                service.problems.add(slo.keyPath("sli"), `probe needs at least one entry in ${service.keyPath("probes")}, e.g. probes: [{ name: home, url: https://shop.example.com/health }]`);
            }
            slos.push({ kind, name, objective: percentToRatio(objective), window, sli });
            continue;
        }
        if (histogram === undefined) {
            service.problems.add(slo.keyPath("kind"), "latency SLOs need a histogram; with conventions.preset custom, express latency as an error query instead");
        }
        const percentile = slo.number("percentile", SLO.percentile.default.value, { ...SLO.percentile.limits, hint: "the share of requests that must be fast, e.g. 95 for P95" });
        const threshold = slo.duration("threshold", SLO.threshold.default.value);
        const thresholdMs = durationMs(threshold) ?? 1000;
        // n/1000 and a bucket literal such as 0.1 round to the same double, so this equality is exact.
        if (histogram !== undefined && !service.problems.about(slo.keyPath("threshold")) && !buckets.includes(thresholdMs / 1000)) {
            service.problems.add(
                slo.keyPath("threshold"),
                `${threshold} is not a bucket boundary of ${histogram} (buckets: ${buckets.join(", ")} s), so the SLI cannot be computed exactly; ` +
                    `pick one of those, or declare the buckets your service exports in ${service.keyPath("histogramBuckets")}`,
            );
        }
        slos.push({ kind, name, objective: percentToRatio(percentile), thresholdSeconds: thresholdMs / 1000, window });
    }
    return slos;
}

const SATURATION = SATURATION_SETTINGS;
type SaturationKey = keyof typeof SATURATION;
/** Keys of a two-level saturation signal: one object per severity, each with its own threshold and `for`. */
const LEVEL_KEYS = ["warning", "critical"] as const satisfies readonly (SaturationKey & Severity)[];
/** Keys of a one-level signal. */
const SINGLE_LEVEL_KEYS = ["threshold", "for", "severity"] as const satisfies readonly SaturationKey[];

function readSaturationLevels(signal: ObjectReader<SaturationKey>): SaturationLevel[] {
    const levelled = LEVEL_KEYS.filter((key) => signal.has(key));
    const single = SINGLE_LEVEL_KEYS.filter((key) => signal.has(key));
    if (levelled.length > 0 && single.length > 0) {
        signal.problems.add(
            signal.keyPath(single[0]),
            `cannot be combined with ${levelled.join(" and ")}; either give one level (threshold, for, severity) or one object per level, e.g. warning: { threshold: 80, for: 15m }, critical: { threshold: 95, for: 5m }`,
        );
    }
    if (levelled.length === 0) {
        return [
            {
                severity: readSeverity(signal, "severity", SATURATION.severity.default.value),
                threshold: percentToRatio(signal.number("threshold", SATURATION.threshold.default.value, { ...SATURATION.threshold.limits, hint: "a percentage of capacity, e.g. 85" })),
                for: tabledDuration(signal, "for", SATURATION.for),
            },
        ];
    }
    const levels = levelled.map((severity) => {
        const keys = SATURATION[severity].keys;
        const level = signal.object(severity, sectionKeys(SATURATION[severity]));
        if (!level.has("threshold") && !signal.problems.about(signal.keyPath(severity))) {
            signal.problems.add(level.keyPath("threshold"), `is required; give the percentage of capacity at which the ${severity} fires, e.g. ${severity === "critical" ? 95 : 80}`);
        }
        return {
            severity,
            // Reported above when missing; the one-level default stands in.
            threshold: percentToRatio(level.number("threshold", SATURATION.threshold.default.value, { ...keys.threshold.limits, hint: "a percentage of capacity, e.g. 80" })),
            for: tabledDuration(level, "for", keys.for),
        };
    });
    const [warning, critical] = [levels.find((l) => l.severity === "warning"), levels.find((l) => l.severity === "critical")];
    if (warning && critical && critical.threshold <= warning.threshold) {
        // Otherwise the page would fire before (or with) the warning that should have come first.
        signal.problems.add(signal.keyPath("critical.threshold"), `${percent(critical.threshold)} is not above warning.threshold (${percent(warning.threshold)}); the page comes at the higher level, e.g. warning 80, critical 95`);
    }
    return levels.sort((a, b) => a.threshold - b.threshold);
}

/** Records `name` as used by the entry at `entryPath`; a second entry of the same name is refused at `namePath`. */
function claimName(names: Map<string, string>, name: string | undefined, namePath: string, entryPath: string, what: string, problems: Problems): void {
    if (name !== undefined && names.has(name)) {
        problems.add(namePath, `"${name}" is already used by ${names.get(name)}; give each ${what} of a service a unique name`);
    } else if (name !== undefined) {
        names.set(name, entryPath);
    }
}

/** The required `query` key, parsed with the PromQL grammar. */
function readPromql(reader: ObjectReader<string>, whenMissing: string): string | undefined {
    const query = reader.requiredString("query", undefined, whenMissing);
    const error = query === undefined ? undefined : syntaxError("promql", query);
    if (error) {
        reader.problems.add(reader.keyPath("query"), `is not valid PromQL: ${error}`);
    }
    return query;
}

function readSaturation(service: ObjectReader<(typeof SERVICE_KEYS)[number]>, options: ServiceReadOptions): SaturationSignal[] {
    const names = new Map<string, string>();
    return service.items("saturation").map((entry) => {
        const signal = new ObjectReader(entry.path, entry.value, service.problems, keysOf(SATURATION));
        const problems = service.problems;
        const name = signal.requiredString("name", { test: (v) => /^[a-z][a-z0-9_]*$/.test(v), hint: "must be snake_case, e.g. db_connection_pool" }, "e.g. name: db_connection_pool");
        // Both would record service:saturation:ratio with the same labels: Prometheus drops one as a duplicate series.
        claimName(names, name, signal.keyPath("name"), entry.path, "saturation signal", problems);
        const query = readPromql(signal as ObjectReader<string>, "PromQL giving in-use / capacity as a 0..1 ratio");
        const alert = readAlertName(signal as ObjectReader<string>, options, "e.g. DBConnectionPoolExhaustion");
        return { name: name ?? "signal", query: query ?? "", alert: alert ?? "", levels: readSaturationLevels(signal) };
    });
}

/** An alert named by the user: UpperCamelCase, with a runbook, short enough for its runbook dashboard's uid. */
function readAlertName(reader: ObjectReader<string>, options: ServiceReadOptions, example: string): string | undefined {
    const alert = reader.requiredString("alert", ALERT_NAME, `the alert name, which is also the runbook's file name, ${example}`);
    if (alert !== undefined && dashboardUids.runbook(alert).length > GRAFANA_UID_MAX) {
        reader.problems.add(reader.keyPath("alert"), `${alert} is too long for its runbook dashboard's Grafana uid (${GRAFANA_UID_MAX} characters); shorten the name`);
    } else if (alert !== undefined && !options.knownRunbooks.has(alert)) {
        reader.problems.add(reader.keyPath("alert"), `${alert} has no runbook; add runbooks/${alert}.md (copy the sections of an existing runbook)`);
    }
    return alert;
}

const LOG_ALERT = LOG_ALERT_SETTINGS;
const LOG_ALERT_KEYS = keysOf(LOG_ALERT);
const PRESET_ONLY = onlyWith(LOG_ALERT, "preset");
const CUSTOM_ONLY = onlyWith(LOG_ALERT, "custom");

/**
 * `logAlerts`: LogQL alerts Loki's ruler evaluates. A custom one names its alert (with a runbook)
 * and gives a metric query; a preset is one of the runbooks' log queries, counted per window.
 */
function readLogAlerts(service: ObjectReader<(typeof SERVICE_KEYS)[number]>, options: ServiceReadOptions, saturation: readonly SaturationSignal[]): LogAlert[] {
    // A saturation alert of the same name would be a second rule, from another evaluator, with the same alertname and service.
    const names = new Map<string, string>(saturation.map((signal, j) => [signal.alert, `${service.keyPath("saturation")}[${j}]`]));
    const alerts: LogAlert[] = [];
    for (const entry of service.items("logAlerts")) {
        const reader = new ObjectReader(entry.path, entry.value, service.problems, LOG_ALERT_KEYS);
        const problems = service.problems;
        const isPreset = reader.has("preset");
        for (const key of isPreset ? CUSTOM_ONLY : PRESET_ONLY) {
            if (reader.has(key)) {
                problems.add(reader.keyPath(key), isPreset ? "does not apply to a ready-made log alert (preset); remove it, or drop preset and write your own alert and expr" : "only applies with preset; remove it");
            }
        }
        const claim = (name: string | undefined, path: string) => {
            if (name === undefined) return;
            if (names.has(name)) {
                problems.add(path, `${name} is already defined by ${names.get(name)}; give each alert of a service its own name`);
            }
            names.set(name, entry.path);
        };
        if (isPreset) {
            // An unknown preset is reported; the first stands in.
            const preset = reader.oneOf("preset", LOG_ALERT.preset.choices, LOG_ALERT.preset.choices[0]);
            const facts = LOG_ALERT_PRESETS[preset];
            claim(facts.alert, reader.keyPath("preset"));
            alerts.push({
                kind: "preset",
                preset,
                threshold: reader.number("threshold", facts.threshold, { ...LOG_ALERT.threshold.limits, hint: `${facts.records} per ${LOG_ALERT_WINDOW} above which it fires, e.g. ${facts.threshold}` }),
                for: tabledDuration(reader, "for", { ...LOG_ALERT.for, default: { value: facts.for } }),
                severity: readSeverity(reader, "severity", facts.severity),
            });
            continue;
        }
        const alert = readAlertName(reader as ObjectReader<string>, options, "e.g. PaymentProviderDeclines");
        if (alert !== undefined && BUILT_IN_ALERT_NAMES.has(alert)) {
            problems.add(reader.keyPath("alert"), `${alert} is an alert of the stack's own; name yours differently (ready-made log alerts are written as preset: ${Object.keys(LOG_ALERT_PRESETS).join(" or ")})`);
        }
        claim(alert, reader.keyPath("alert"));
        const expr = reader.requiredString("expr", undefined, `a LogQL metric query, e.g. sum(count_over_time({service_name="checkout"} |= "provider declined" [5m])) > 10`);
        const error = expr === undefined ? undefined : syntaxError("logql", expr);
        if (error) {
            problems.add(reader.keyPath("expr"), `is not valid LogQL: ${error}`);
        } else if (expr !== undefined && !isLogqlMetricQuery(expr)) {
            problems.add(reader.keyPath("expr"), `is a log query, which returns lines, not a number to alert on; count them, e.g. sum(count_over_time(${expr} [5m])) > 0`);
        }
        const summary = reader.optionalString("summary");
        const description = reader.optionalString("description");
        alerts.push({
            kind: "custom",
            alert: alert ?? "LogAlert",
            expr: expr ?? "",
            for: tabledDuration(reader, "for", LOG_ALERT.for),
            severity: readSeverity(reader, "severity", LOG_ALERT.severity.default.value),
            ...(summary === undefined ? {} : { summary }),
            ...(description === undefined ? {} : { description }),
        });
    }
    return alerts;
}

const BUSINESS_COUNTER_KEYS = sectionKeys(SETTINGS.businessCounters);
/** Prometheus label values have no limit, but a title such as "sessions started per minute" must fit a stat panel. */
const BUSINESS_COUNTER_NAME: Format = {
    test: (value) => /^[a-z][a-z0-9_]{0,39}$/.test(value),
    hint: "is not a snake_case name of at most 40 characters; use e.g. sessions_started",
};

/**
 * `businessCounters`: numbers the business watches (sessions started, videos played), each a
 * PromQL query recorded into one series, with a unit and the direction that is good news.
 */
function readBusinessCounters(service: ObjectReader<(typeof SERVICE_KEYS)[number]>): BusinessCounter[] {
    const names = new Map<string, string>();
    const counters: BusinessCounter[] = [];
    for (const entry of service.items("businessCounters")) {
        const reader = new ObjectReader(entry.path, entry.value, service.problems, BUSINESS_COUNTER_KEYS);
        const problems = service.problems;
        const name = reader.requiredString("name", BUSINESS_COUNTER_NAME, "e.g. name: sessions_started");
        // Both would record the same series (same service and counter labels): Prometheus keeps only one.
        claimName(names, name, reader.keyPath("name"), entry.path, "business counter", problems);
        const query = readPromql(reader as ObjectReader<string>, "PromQL giving the number, e.g. sum(rate(learning_sessions_started_total[5m])) * 60");
        const unit = reader.oneOf("unit", Object.keys(BUSINESS_UNITS) as BusinessUnit[], SETTINGS.businessCounters.keys.unit.default.value);
        if (!reader.has("goodDirection") && reader.value.goodDirection !== null) {
            problems.add(reader.keyPath("goodDirection"), `is required; say whether more is good news (up, e.g. sessions started) or less is (down, e.g. abandoned carts)`);
        }
        const goodDirection = reader.oneOf("goodDirection", GOOD_DIRECTIONS as readonly GoodDirection[], "up");
        counters.push({ name: name ?? "counter", query: query ?? "", unit, goodDirection, ...optional("description", reader.optionalString("description")) });
    }
    return counters;
}

/** `critical`, `warning` or `info`; the older routing words `page` and `ticket` still mean critical and warning. */
function readSeverity<K extends string>(reader: ObjectReader<K>, key: K, fallback: Severity): Severity {
    const value = reader.raw(key);
    if (typeof value === "string" && value in SEVERITY_ALIASES) {
        return SEVERITY_ALIASES[value];
    }
    return reader.oneOf(key, [...SEVERITIES, ...(Object.keys(SEVERITY_ALIASES) as Severity[])], fallback);
}

const ALERTS = SETTINGS.alerts.keys;
const ALERT_KEYS = sectionKeys(SETTINGS.alerts);
const BURN_RATE_POLICY = ALERTS.burnRatePolicy;
type PolicyKey = keyof typeof BURN_RATE_POLICY.keys;

function readBurnRateWindows(policy: ObjectReader<PolicyKey>, key: PolicyKey): readonly BurnRateWindow[] {
    const windows = BURN_RATE_POLICY.keys[key].keys;
    if (!policy.has(key)) {
        return DEFAULT_BURN_RATE_POLICY[key];
    }
    const entries = policy.items(key);
    if (entries.length === 0) {
        policy.problems.add(policy.keyPath(key), "is empty; give at least one window pair, e.g. [{ long: 1h, short: 5m, factor: 5 }]");
        return DEFAULT_BURN_RATE_POLICY[key];
    }
    return entries.map((entry) => {
        const pair = new ObjectReader(entry.path, entry.value, policy.problems, keysOf(windows));
        const why = "a burn-rate window needs several scrapes and must fit the shortest SLO window";
        const long = tabledDuration(pair, "long", windows.long, why);
        const short = tabledDuration(pair, "short", windows.short, why);
        const longMs = durationMs(long) ?? 0;
        const shortMs = durationMs(short) ?? 0;
        if (!pair.problems.about(pair.keyPath("long"), pair.keyPath("short")) && shortMs >= longMs) {
            pair.problems.add(pair.keyPath("short"), `${short} is not shorter than long (${long}); the short window (usually 1/12 of the long one) lets the alert resolve soon after the burning stops`);
        }
        if (pair.has("budgetPercent") === pair.has("factor")) {
            pair.problems.add(entry.path, "needs exactly one of budgetPercent (the share of the SLO window's budget the long window may spend, e.g. 2) or factor (a burn rate, e.g. 5)");
            return { long, short, budget: { percent: 2 } };
        }
        return pair.has("factor")
            ? { long, short, budget: { factor: pair.number("factor", 1, { ...windows.factor.limits, hint: "the burn rate that alerts, e.g. 5 for 5× the sustainable rate" }) } }
            : { long, short, budget: { percent: pair.number("budgetPercent", 2, { ...windows.budgetPercent.limits, hint: "the share of the budget in percent, e.g. 2" }) } };
    });
}

function readTrafficAnomaly(alerts: ObjectReader<(typeof ALERT_KEYS)[number]>): TrafficAnomaly | undefined {
    const keys = TRAFFIC_ANOMALY_SETTINGS;
    const anomaly = alerts.object("trafficAnomaly", keysOf(keys));
    if (!anomaly.boolean("enabled", keys.enabled.default.value)) {
        return undefined;
    }
    const { dropPercent: drop, spikePercent: spike, minRequestsPerMinute: least } = keys;
    return {
        dropRatio: percentToRatio(anomaly.number("dropPercent", drop.default.value, { ...drop.limits, hint: "how far below last week's traffic is a drop, in percent, e.g. 50 for under half" })),
        spikeRatio: percentToRatio(anomaly.number("spikePercent", spike.default.value, { ...spike.limits, hint: "how far above last week's traffic is a spike, in percent, e.g. 200 for over three times" })),
        minRequestsPerMinute: anomaly.number("minRequestsPerMinute", least.default.value, { ...least.limits, hint: "requests per minute below which neither alert fires, e.g. 10" }),
    };
}

function readBurnRatePolicy(alerts: ObjectReader<(typeof ALERT_KEYS)[number]>): BurnRatePolicy {
    if (!alerts.has("burnRatePolicy")) {
        return DEFAULT_BURN_RATE_POLICY;
    }
    const policy = alerts.object("burnRatePolicy", sectionKeys(BURN_RATE_POLICY));
    return { page: readBurnRateWindows(policy, "page"), ticket: readBurnRateWindows(policy, "ticket") };
}

/** Reads one service; `path` is its key path (`services[2]`, or `service` for one given in code). */
export function readService(path: string, rawService: Raw, problems: Problems, options: ServiceReadOptions, index = 0): ServiceSpec {
    const service = new ObjectReader(path, rawService, problems, SERVICE_KEYS);
    const name = service.requiredString("name", SHORT_NAME, "e.g. name: checkout") ?? `service-${index}`;
    if ([...CLUSTER_RESERVED_NAMES, ...Object.values(INFRASTRUCTURE_JOBS)].includes(name)) {
        problems.add(
            service.keyPath("name"),
            `"${name}" is a name the stack gives the cluster's own parts (${[...CLUSTER_RESERVED_NAMES, ...Object.values(INFRASTRUCTURE_JOBS)].join(", ")}); its scrape job, SLO series or dashboard would collide; rename the service, e.g. ${name}-app`,
        );
    } else if ((COMPONENTS as readonly string[]).includes(name)) {
        // Its scrape job and `service` label would merge with the stack's own: alerts, dashboards and routing mix both.
        problems.add(service.keyPath("name"), `"${name}" is the name of a stack component (${COMPONENTS.join(", ")}); its scrape job and service label would collide; rename the service, e.g. ${name}-app`);
    }
    const conventions = readConventions(service, options.presets ?? METRIC_PRESETS);
    const { metrics } = conventions;
    const buckets = readBuckets(service, metrics?.defaultBuckets ?? CUSTOM_DEFAULT_BUCKETS);
    const alerts = service.object("alerts", ALERT_KEYS);
    const spec = {
        name,
        namespace: service.string("namespace", SETTINGS.namespace.default.value, NAMESPACE),
        team: service.string("team", SETTINGS.team.default.value, SHORT_NAME),
        discovery: readDiscovery(service),
        conventions,
        histogramBuckets: buckets,
        slos: readSlos(service, buckets, metrics?.histogram, service.items("probes").length > 0),
        probes: readProbes(service),
        saturation: readSaturation(service, options),
        errorRateThreshold: percentToRatio(alerts.number("errorRatePercent", ALERTS.errorRatePercent.default.value, { ...ALERTS.errorRatePercent.limits, hint: "the 5xx share in percent that pages, e.g. 5" })),
        latencyP99ThresholdSeconds: parseDuration(alerts.duration("latencyP99", ALERTS.latencyP99.default.value)) ?? 1,
        minRequestsPerHour: alerts.number("minRequestsPerHour", ALERTS.minRequestsPerHour.default.value, { ...ALERTS.minRequestsPerHour.limits, hint: "requests per hour below which SLO alerts never page, e.g. 10" }),
        burnRatePolicy: readBurnRatePolicy(alerts),
        maxQueueLagSeconds: parseDuration(alerts.duration("maxQueueLag", ALERTS.maxQueueLag.default.value)) ?? 600,
        ...optional("trafficAnomaly", readTrafficAnomaly(alerts)),
    };
    return { ...spec, logAlerts: readLogAlerts(service, options, spec.saturation), businessCounters: readBusinessCounters(service) };
}
