/**
 * Alerting facts shared by alert rules, dashboards, runbook links and config validation, each
 * written once: severity words, the burn-rate policy, the golden-signal thresholds, and the names
 * of the alerts the stack defines itself.
 */
import { CLUSTER_ALERTS } from "./cluster";
import { ceil, compare, div, exact, Fraction, mul } from "./exact";

/**
 * The severity words kube-prometheus and most runbooks use. `critical` pages (PagerDuty),
 * `warning` opens a ticket (Slack), `info` is shown in Alertmanager and Grafana without notifying.
 */
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Older routing terms, still accepted in config for the severity they always meant. */
export const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = { page: "critical", ticket: "warning" };

/** One window pair of a burn-rate policy: alert when both windows burn faster than the factor. */
export interface BurnRateWindow {
    /** Long window (Prometheus duration): how much evidence the alert needs. */
    readonly long: string;
    /** Short window: lets the alert resolve soon after the burning stops (1/12 of the long one in the workbook). */
    readonly short: string;
    /**
     * Either the share of the SLO window's budget (percent) the long window may consume before the
     * alert fires (Sloth's model; the factor follows from the SLO window), or a burn factor given outright.
     */
    readonly budget: { readonly percent: number } | { readonly factor: number };
}

/** Which window pairs page (critical) and which open a ticket (warning). */
export interface BurnRatePolicy {
    readonly page: readonly BurnRateWindow[];
    readonly ticket: readonly BurnRateWindow[];
}

/**
 * The SRE Workbook's policy (ch. 5, table 5-8) as shares of the budget: 2% in 1h or 5% in 6h pages,
 * 10% in 1d or 10% in 3d opens a ticket. For a 30-day SLO that is 14.4×, 6×, 3× and 1×.
 */
export const DEFAULT_BURN_RATE_POLICY: BurnRatePolicy = {
    page: [
        { long: "1h", short: "5m", budget: { percent: 2 } },
        { long: "6h", short: "30m", budget: { percent: 5 } },
    ],
    ticket: [
        { long: "1d", short: "2h", budget: { percent: 10 } },
        { long: "3d", short: "6h", budget: { percent: 10 } },
    ],
};

/**
 * The burn factor of a window pair for an SLO window: spending `percent`% of the budget within
 * `long` means burning at `percent/100 × sloWindow / long` times the sustainable rate.
 */
export function burnFactor(window: BurnRateWindow, sloWindowMs: number, longWindowMs: number): Fraction {
    if ("factor" in window.budget) {
        return exact(window.budget.factor);
    }
    return mul(div(exact(window.budget.percent), exact(100)), div(exact(sloWindowMs), exact(longWindowMs)));
}

/**
 * The fewest requests the long window must hold so that one bad request cannot reach the burn
 * factor: one bad request in N is an error ratio of 1/N, a burn rate of 1/(N × budget), which
 * stays at or under the factor once N ≥ 1/(factor × budget).
 */
export function singleErrorGuard(factor: Fraction, errorBudget: Fraction): bigint {
    return ceil(div(exact(1), mul(factor, errorBudget)));
}

/** The same guard for a plain ratio threshold (HighErrorRate): one bad request in N stays at or under it once N ≥ 1/threshold. */
export function ratioGuard(threshold: Fraction, floor: number): bigint {
    const derived = ceil(div(exact(1), threshold));
    return compare(exact(derived), exact(floor)) >= 0 ? derived : BigInt(floor);
}

/**
 * A page pair whose short window is longer than this also needs this window to burn above the
 * pair's factor. The short window is what lets a page resolve once the burning stops, and it
 * forgets an outage only as fast as it is long: with the Workbook's 6h/30m pair a 6-minute total
 * outage keeps paging ~29 minutes after full recovery (the 30m window still holds the outage, the
 * 6h window too); 5m forgets it within 5 minutes. The 1h/5m pair already ends this way. It cannot
 * add a page (one more condition only narrows when a pair fires) and it does not delay one: a
 * burn that is still going on burns over the last 5 minutes as well.
 */
export const PAGE_RECOVERY_WINDOW = "5m";

/** The burn-rate alerts and what each policy half becomes. */
export const BURN_RATE_ALERTS = [
    { alert: "FastBudgetBurn", policy: "page", severity: "critical", for: "1m" },
    { alert: "SlowBudgetBurn", policy: "ticket", severity: "warning", for: "15m" },
] as const satisfies readonly { alert: string; policy: keyof BurnRatePolicy; severity: Severity; for: string }[];

/** The burn-rate alerts by policy half, for rules and panels that name one of them. */
export const FAST_BUDGET_BURN = BURN_RATE_ALERTS[0].alert;
export const SLOW_BUDGET_BURN = BURN_RATE_ALERTS[1].alert;

/**
 * HighErrorRate looks at a 2m window and waits 3m: a one-minute blip of errors keeps a 2m ratio
 * high for under 3 minutes and does not page, six minutes of HTTP 500 do. It needs at least
 * `minRequests` requests in the window (and never fewer than one bad request's worth, 1/threshold),
 * and `keepFiringFor` keeps one good evaluation from resolving and re-paging it.
 */
export const HIGH_ERROR_RATE = { alert: "HighErrorRate", window: "2m", for: "3m", keepFiringFor: "2m", minRequests: 10 } as const;

/**
 * How often an OTLP service's metrics get a new sample when its config does not say: the OTel SDKs'
 * default metric export interval (OTEL_METRIC_EXPORT_INTERVAL, 60000 ms).
 */
export const OTLP_EXPORT_INTERVAL = "60s";

/**
 * ServiceFailing: nearly every request fails, whatever the service's objectives. The burn-rate page
 * needs `factor × budget × 1h` of total outage before its long window burns (about 4m30s at 99%
 * with a 5× page, 5m30s at 99.5% with the Workbook's 14.4×), so a lax objective would page a full
 * outage late; this pages it in about two minutes at any objective.
 *
 * The window, not a `for`, keeps a one-minute blip quiet: it spans at least `minWindow` and at least
 * `intervals` sample intervals of the service (alerts/golden.ts), so the samples in it cover at
 * least 80s whenever the interval is 40s or longer, and at least 90s at 30s (three intervals in 2m),
 * and a blip of 60s fails at most 60/80 = 75% of them, under `percent`. At a 30s interval a full
 * outage fills the 2m window 90s after it starts. It needs `minRequests` requests in the window (a
 * trickle of two failing requests is not an outage) and `keepFiringFor` keeps one good evaluation
 * from resolving and re-paging it.
 */
export const SERVICE_FAILING = {
    alert: "ServiceFailing",
    severity: "critical",
    minWindow: "2m",
    intervals: 3,
    percent: 90,
    for: "0s",
    keepFiringFor: "2m",
    minRequests: 10,
} as const satisfies { alert: string; severity: Severity; minWindow: string; intervals: number; percent: number; for: string; keepFiringFor: string; minRequests: number };

/**
 * LatencyCollapse: nearly every request slower than the latency SLO's threshold. A P95 objective
 * leaves so much budget that FastBudgetBurn needs ~45 minutes when every request is slow; this
 * pages within 5 minutes. Over a 2m window a one-minute blip reaches at most half slow, below
 * `slowPercent`; a collapse reaches it 2 minutes after onset and fires `for` later.
 */
export const LATENCY_COLLAPSE = { alert: "LatencyCollapse", window: "2m", slowPercent: 90, for: "2m", minRequests: 10 } as const;

/**
 * HighP99Latency, as the reference architecture defines it: the P99 over 5m above the service's
 * threshold for 5 minutes opens a ticket. A one-minute blip keeps the 5m P99 high for at most 4
 * evaluations (the range is left-open), so it never reaches the `for`.
 */
export const HIGH_P99_LATENCY = { alert: "HighP99Latency", severity: "warning", for: "5m" } as const satisfies { alert: string; severity: Severity; for: string };

/** ServiceDown: no instance reports; ServiceInstancesDown: some, not all, scrape targets fail. */
export const SERVICE_DOWN = { alert: "ServiceDown", for: "1m", absentFor: "5m" } as const;
export const SERVICE_INSTANCES_DOWN = { alert: "ServiceInstancesDown", for: "5m" } as const;

/**
 * TrafficDrop / TrafficSpike: the request rate, averaged over `window` of the recorded 5m rate,
 * against the same window exactly one week earlier (`offset 1w`, so weekday and hour match).
 * Reading the recorded series a week back keeps both alerts quiet for the first week of a service's
 * history (there is no baseline yet); `minRequestsPerMinute` keeps them quiet at low traffic: a
 * drop needs that much traffic last week, a spike that much now (and is measured against at least
 * that rate, so a jump from nearly nothing to a trickle stays quiet). Last week's own anomaly would
 * echo a week later, when traffic is back to normal (a spike last week reads as a drop now, a drop
 * as a spike): the week before, `echoOffset`, must show the anomaly too when it is on record.
 */
export const TRAFFIC_ANOMALY = {
    window: "10m",
    baselineOffset: "1w",
    echoOffset: "2w",
    drop: { alert: "TrafficDrop", severity: "critical", for: "10m", percent: 50 },
    spike: { alert: "TrafficSpike", severity: "warning", for: "10m", percent: 200 },
    minRequestsPerMinute: 10,
} as const satisfies {
    window: string;
    baselineOffset: string;
    echoOffset: string;
    drop: { alert: string; severity: Severity; for: string; percent: number };
    spike: { alert: string; severity: Severity; for: string; percent: number };
    minRequestsPerMinute: number;
};

/**
 * JobQueueLagging: a worker's queue lag (age of the oldest waiting message, or consumer lag in
 * seconds) above `alerts.maxQueueLag` for `for` opens a ticket; the jobs are late but still done.
 */
export const QUEUE_LAG = { alert: "JobQueueLagging", severity: "warning", for: "10m" } as const satisfies { alert: string; severity: Severity; for: string };

/**
 * Watchdog: always firing while the rule evaluator evaluates and can notify, so its absence at an
 * outside heartbeat service (the `heartbeatUrl` receiver) says the alerting pipeline is broken —
 * what no alert inside the stack can say about itself (kube-prometheus ships the same alert).
 * Alertmanager re-sends it on its own route: flushes every `groupInterval`, re-sent once
 * `repeatInterval` has passed since the last one, so one heartbeat every `cadenceSeconds` (the
 * notification log stamps a send just after its flush: a repeat interval equal to the cadence would
 * skip every other flush). Configure the heartbeat service with that period and a grace of a few
 * minutes (rule evaluator and Alertmanager restarts).
 */
export const WATCHDOG = { alert: "Watchdog", severity: "info", groupInterval: "30s", repeatInterval: "50s", cadenceSeconds: 60 } as const satisfies {
    alert: string;
    severity: Severity;
    groupInterval: string;
    repeatInterval: string;
    cadenceSeconds: number;
};

/**
 * How Alertmanager turns alerts into notifications. One outage trips several rules of one service
 * (FastBudgetBurn, HighErrorRate, ServiceDown, TrafficDrop, ...): grouped by service and team they
 * are one notification group, so one PagerDuty incident (its dedup key is the group's key) and one
 * Slack thread, whatever fired. Pages flush every minute, so a resolved page reaches PagerDuty
 * within a minute of the alert resolving, and repeat only after 12h: PagerDuty keeps an open
 * incident open and escalates by itself, so a repeat only re-opens one that someone resolved by
 * hand while the alert still fired. Tickets batch for 5 minutes and remind once a day.
 */
export const NOTIFICATION_POLICY = {
    groupBy: ["service", "team"],
    groupWait: "30s",
    page: { groupInterval: "1m", repeatInterval: "12h" },
    ticket: { groupInterval: "5m", repeatInterval: "24h" },
} as const;

/**
 * Symptom alerts muted while a stronger alert of the same service fires (it says the same thing,
 * better): with no instance left, error ratios, latency and traffic only echo ServiceDown; while the
 * SLO page fires, the threshold pages of the same service add nothing to it.
 */
export const SYMPTOM_INHIBITIONS = [
    {
        source: SERVICE_DOWN.alert,
        targets: [HIGH_ERROR_RATE.alert, SERVICE_FAILING.alert, LATENCY_COLLAPSE.alert, TRAFFIC_ANOMALY.drop.alert, FAST_BUDGET_BURN, SLOW_BUDGET_BURN, HIGH_P99_LATENCY.alert, SERVICE_INSTANCES_DOWN.alert],
        equal: ["service"],
    },
    { source: FAST_BUDGET_BURN, targets: [HIGH_ERROR_RATE.alert], equal: ["service"] },
    { source: SERVICE_FAILING.alert, targets: [HIGH_ERROR_RATE.alert], equal: ["service"] },
    { source: FAST_BUDGET_BURN, targets: [LATENCY_COLLAPSE.alert], equal: ["service", "slo"] },
] as const satisfies readonly { source: string; targets: readonly string[]; equal: readonly string[] }[];

/** Maintenance windows become Alertmanager time intervals named with this prefix; at most this long. */
export const MAINTENANCE_PREFIX = "maintenance-";
export const MAINTENANCE_MAX_MS = 7 * 86_400_000;

/** The cluster alerts (kube-state-metrics), with kube-prometheus' usual waits. */
export const INFRASTRUCTURE_ALERTS = {
    crashLooping: { alert: "KubePodCrashLooping", severity: "warning", for: "15m" },
    notReady: { alert: "KubeWorkloadNotReady", severity: "warning", for: "15m" },
    nodePressure: { alert: "KubeNodePressure", severity: "warning", for: "5m" },
} as const satisfies Record<string, { alert: string; severity: Severity; for: string }>;

/**
 * LogQL stage keeping error records, whichever way they arrived: OTel SDK records carry
 * `severity_text` (and Loki derives `detected_level` from it), JSON lines parsed by the node agent a `level`.
 */
export const ERROR_LOG_FILTER = '| detected_level=~"(?i)error|fatal|critical" or severity_text=~"(?i)(error|fatal|critical).*" or level=~"(?i)error|fatal|critical"';

/** LogQL stage keeping timeout and slowness messages (the HighLatency runbook's query). */
export const TIMEOUT_LOG_FILTER = '|~ "(?i)timeout|timed out|deadline exceeded|slow query"';

/** The range every ready-made log alert counts records over. */
export const LOG_ALERT_WINDOW = "5m";

/**
 * Ready-made log alerts (`logAlerts: [{ preset: errors }]`): the log queries the runbooks already
 * use, counted per service over LOG_ALERT_WINDOW by Loki's ruler. A threshold is records per window.
 */
export const LOG_ALERT_PRESETS = {
    errors: { alert: "ServiceErrorLogs", filter: ERROR_LOG_FILTER, threshold: 10, for: "5m", severity: "warning", records: "error records" },
    timeouts: { alert: "ServiceTimeoutLogs", filter: TIMEOUT_LOG_FILTER, threshold: 10, for: "10m", severity: "warning", records: "timeout messages" },
} as const satisfies Record<string, { alert: string; filter: string; threshold: number; for: string; severity: Severity; records: string }>;

export type LogAlertPreset = keyof typeof LOG_ALERT_PRESETS;

/** Names of the stack's self-monitoring alerts (alerts/stack.ts). */
export const STACK_ALERTS = {
    componentDown: "StackComponentDown",
    // Rendered with topology distributed only.
    tierDown: "StackTierDown",
    ruleEvaluationFailures: "PrometheusRuleEvaluationFailures",
    notificationsFailing: "PrometheusNotificationsFailing",
    // Rendered with topology distributed only, where Prometheus remote-writes to Mimir.
    remoteWriteFailing: "PrometheusRemoteWriteFailing",
    lokiRequestErrors: "LokiRequestErrors",
    tempoDiscardedSpans: "TempoDiscardedSpans",
    volumeFillingUp: "PersistentVolumeFillingUp",
    collectorRefusedData: "CollectorRefusedData",
    collectorExportFailures: "CollectorExportFailures",
    alertmanagerNotificationsFailing: "AlertmanagerNotificationsFailing",
    watchdog: WATCHDOG.alert,
} as const;

/**
 * The alert families, each registered once: alerts/index.ts renders each from one entry keyed by
 * the same name (its rule groups, once per stack or once per service), and these are the only
 * names a family's alerts may carry besides the ones the user names (saturation signals, custom log
 * alerts) and those of the families it `reuses` for a component of its own (the cluster's API
 * server has SLOs, with the slo family's alerts). Config validation refuses a user's alert by any
 * of these names.
 */
export const ALERT_FAMILIES = {
    stack: { scope: "stack", alerts: Object.values(STACK_ALERTS) },
    infrastructure: { scope: "stack", alerts: Object.values(INFRASTRUCTURE_ALERTS).map((a) => a.alert) },
    cluster: { scope: "stack", alerts: Object.values(CLUSTER_ALERTS), reuses: ["slo"] },
    golden: {
        scope: "service",
        alerts: [HIGH_ERROR_RATE.alert, SERVICE_FAILING.alert, SERVICE_DOWN.alert, SERVICE_INSTANCES_DOWN.alert, HIGH_P99_LATENCY.alert, TRAFFIC_ANOMALY.drop.alert, TRAFFIC_ANOMALY.spike.alert, QUEUE_LAG.alert],
    },
    slo: { scope: "service", alerts: [...BURN_RATE_ALERTS.map((a) => a.alert), LATENCY_COLLAPSE.alert] },
    /** Evaluated by Loki's ruler, on the service's logs (every other family by Prometheus or Mimir's ruler). */
    logs: { scope: "service", ruler: "loki", alerts: Object.values(LOG_ALERT_PRESETS).map((preset) => preset.alert) },
} as const satisfies Record<string, { scope: "stack" | "service"; ruler?: "loki"; alerts: readonly string[]; reuses?: readonly string[] }>;
export type AlertFamily = keyof typeof ALERT_FAMILIES;

/** Names of the stack's self-monitoring alerts, whose runbook dashboards list the stack's components. */
export const STACK_ALERT_NAMES: readonly string[] = ALERT_FAMILIES.stack.alerts;
export const BUILT_IN_ALERT_NAMES: ReadonlySet<string> = new Set(Object.values(ALERT_FAMILIES).flatMap((family): readonly string[] => family.alerts));
