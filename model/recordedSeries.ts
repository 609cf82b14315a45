/**
 * The registry of recorded series: every series a recording rule of the stack writes, by name (or
 * by the builder of its name, for a family recorded over several windows or quantiles) and the
 * labels it carries. Rules record these entries and alerts and dashboards read them; neither
 * spells a recorded name. Names follow Prometheus's `level:metric:operations` convention.
 *
 * Which windows an SLO's series are recorded over follows from its burn-rate policy (every window
 * of its pairs, the traffic guard of each long window) and from what the readers show: the golden
 * window, PAGE_RECOVERY_WINDOW and SLO_DISPLAY_WINDOW. The SLO window itself is recorded as an
 * average of the golden-window ratio (alerts/slo.ts).
 */
import { BurnRatePolicy, PAGE_RECOVERY_WINDOW } from "./alerting";
import { BUSINESS_COUNTER } from "./business";

/** The window every golden signal of a service is recorded over, and the SLI ratio the SLO-window average is taken of. */
export const GOLDEN_WINDOW = "5m";

/** The window the SLO dashboards and the overview show an SLO's SLI, burn rate and traffic over. */
export const SLO_DISPLAY_WINDOW = "1h";

/** A recorded series of one name. */
export interface RecordedSeries {
    readonly name: string;
    /** The labels every sample carries (the rule's own, or kept by its `by`). */
    readonly labels: readonly string[];
}

/** A family of recorded series, one name per window (or quantile). */
export interface RecordedSeriesFamily<P> {
    readonly name: (parameter: P) => string;
    readonly labels: readonly string[];
}

const SERVICE_LABELS = ["service"] as const;
const SLO_LABELS = ["service", "slo"] as const;

/**
 * A service's request and failure rates over a window, each read once from the raw counters: over
 * GOLDEN_WINDOW (the dashboards, the error ratio, the traffic alerts) and over each window a golden
 * alert judges (alerts/golden.ts `goldenRateWindows`), which then read these instead of the raw
 * counters three times each.
 */
export const SERVICE_RATE_SERIES = {
    requests: { name: (window: string) => `service:http_requests:rate${window}`, labels: SERVICE_LABELS },
    errors: { name: (window: string) => `service:http_errors:rate${window}`, labels: SERVICE_LABELS },
} as const satisfies Record<string, RecordedSeriesFamily<string>>;

/** A service's golden signals (alerts/golden.ts records them; the golden dashboard, the overview and the alerts read them). */
export const SERVICE_SERIES = {
    requests: { name: SERVICE_RATE_SERIES.requests.name(GOLDEN_WINDOW), labels: SERVICE_LABELS },
    errors: { name: SERVICE_RATE_SERIES.errors.name(GOLDEN_WINDOW), labels: SERVICE_LABELS },
    errorRatio: { name: `service:http_errors:ratio_rate${GOLDEN_WINDOW}`, labels: SERVICE_LABELS },
    /** One name for the status code whatever the preset calls it, so the runbooks' queries work for every service. */
    errorsByCode: { name: `service_code:http_errors:rate${GOLDEN_WINDOW}`, labels: [...SERVICE_LABELS, "code"] },
    /** Bucket rates `sum by (le)` of the latency histogram: read once, by every recorded quantile. */
    bucketRates: { name: `service_le:http_request_duration_seconds_bucket:rate${GOLDEN_WINDOW}`, labels: [...SERVICE_LABELS, "le"] },
    queueDepth: { name: "service:queue_depth:messages", labels: SERVICE_LABELS },
    queueLag: { name: "service:queue_lag:seconds", labels: SERVICE_LABELS },
    saturation: { name: "service:saturation:ratio", labels: [...SERVICE_LABELS, "signal"] },
    /** 1 per member of a shared rule group (alerts/shared.ts), recorded first in the group: its constants and ServiceDown read it. */
    member: { name: "service:rule_group_member:info", labels: SERVICE_LABELS },
    businessCounter: { name: "service:business_counter:value", labels: [...SERVICE_LABELS, ...Object.values(BUSINESS_COUNTER.labels)] },
} as const satisfies Record<string, RecordedSeries>;

/**
 * The latency quantiles recorded per service: P99 for HighP99Latency and the golden dashboard's
 * stat, P95 for the runbooks' queries (dashboards draw their quantiles from the buckets themselves).
 */
export const LATENCY_SERIES = {
    name: (quantile: number) => `service:http_request_duration_seconds:p${Math.round(quantile * 100)}_${GOLDEN_WINDOW}`,
    labels: SERVICE_LABELS,
    quantiles: [0.95, 0.99],
} as const satisfies RecordedSeriesFamily<number> & { quantiles: readonly number[] };

/** One SLO's series (alerts/slo.ts records them; the SLO dashboard, the overview and the burn-rate alerts read them). */
export const SLO_SERIES = {
    /** Error ratio over a window: see sliErrorWindows. */
    sliError: { name: (window: string) => `slo:sli_error:ratio_rate${window}`, labels: SLO_LABELS },
    /** Request (or probe) rate over a window: see sliTotalWindows. */
    sliTotal: { name: (window: string) => `slo:sli_total:rate${window}`, labels: SLO_LABELS },
    /** Error ratio over a window divided by the budget, over SLO_DISPLAY_WINDOW only. */
    burnRate: { name: (window: string) => `slo:burn_rate:ratio_rate${window}`, labels: SLO_LABELS },
} as const satisfies Record<string, RecordedSeriesFamily<string>>;

export const SLO_CONSTANT_SERIES = {
    objective: { name: "slo:objective:ratio", labels: SLO_LABELS },
    errorBudget: { name: "slo:error_budget:ratio", labels: SLO_LABELS },
    /** `1 - error ratio over the SLO window / budget`: one name whatever the window, so the overview needs no service's window. */
    errorBudgetRemaining: { name: "slo:error_budget_remaining:ratio", labels: SLO_LABELS },
} as const satisfies Record<string, RecordedSeries>;

/** The stack's own recorded series (alerts/cluster.ts). */
export const CLUSTER_SERIES = {
    /**
     * The mapping from a pod to the workload that owns it (`workload`, `workload_type`): a Deployment
     * through its ReplicaSet, a StatefulSet, DaemonSet or Job directly. kube-prometheus's name, so
     * queries written against it keep working.
     */
    workloadPod: { name: "namespace_workload_pod:kube_pod_owner:relabel", labels: ["namespace", "workload", "workload_type", "pod"] },
} as const satisfies Record<string, RecordedSeries>;

/**
 * The windows an SLO's error ratio is recorded over: every window of its burn-rate policy, the
 * golden window (the SLO-window average reads it), PAGE_RECOVERY_WINDOW and SLO_DISPLAY_WINDOW;
 * shortest first. `durationMs` parses a window (model/ parses no durations itself).
 */
export function sliErrorWindows(policy: BurnRatePolicy, durationMs: (window: string) => number): string[] {
    const windows = new Set<string>([GOLDEN_WINDOW, PAGE_RECOVERY_WINDOW]);
    for (const pair of [...policy.page, ...policy.ticket]) {
        windows.add(pair.short);
        windows.add(pair.long);
    }
    windows.add(SLO_DISPLAY_WINDOW);
    return [...windows].sort((a, b) => durationMs(a) - durationMs(b));
}

/** The windows an SLO's traffic is recorded over: each long window of its policy (the traffic guards), then SLO_DISPLAY_WINDOW. */
export function sliTotalWindows(policy: BurnRatePolicy): string[] {
    return [...new Set([...[...policy.page, ...policy.ticket].map((pair) => pair.long), SLO_DISPLAY_WINDOW])];
}
