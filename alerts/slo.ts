/**
 * SLO rules in the structure proven by Sloth and the SRE Workbook (ch. 5): SLI error ratios over
 * the alert windows, error budget series, and multiwindow, multi-burn-rate alerts whose factors
 * follow from the service's burn-rate policy and the SLO's own window.
 */
import { ServiceSpec, Slo } from "../config/types";
import { durationMs, formatDuration, parseDuration } from "../config/units";
import { BURN_RATE_ALERTS, burnFactor, BurnRatePolicy, FAST_BUDGET_BURN, LATENCY_COLLAPSE, PAGE_RECOVERY_WINDOW, singleErrorGuard } from "../model/alerting";
import { ceil, div, exact, Fraction, mul, percent, promqlNumber, readableNumber, sub } from "../model/exact";
import { dashboardUids } from "../model/ids";
import { GOLDEN_WINDOW, SERVICE_SERIES, SLO_CONSTANT_SERIES, SLO_DISPLAY_WINDOW, SLO_SERIES, sliErrorWindows, sliTotalWindows } from "../model/recordedSeries";
import { alertService, onService, recordedMatcher, recordedSloLabels, recordedSloMatcher } from "./scope";
import { sliQueries } from "./conventions";
import { readsServiceRates, recordedRates } from "./rates";
import { AlertDefinition, RecordingRule } from "./model";

/** A window pair with its factor for one SLO, and the fewest requests its long window must hold. */
export interface BurnRatePair {
    readonly long: string;
    readonly short: string;
    /** For a page pair with a short window longer than PAGE_RECOVERY_WINDOW: that window, which must burn too. */
    readonly recovery?: string;
    readonly factor: Fraction;
    readonly minRequests: bigint;
}

/** "14.4x over 1h and 5m", "6x over 6h, 30m and 5m": a pair's condition as the alert and its dashboard panel state it. */
export function describePair(pair: BurnRatePair): string {
    const windows = [pair.long, pair.short, ...(pair.recovery ? [pair.recovery] : [])];
    return `${readableNumber(pair.factor)}x over ${windows.slice(0, -1).join(", ")} and ${windows[windows.length - 1]}`;
}

export interface BurnRateAlertSpec {
    readonly alert: (typeof BURN_RATE_ALERTS)[number]["alert"];
    readonly severity: (typeof BURN_RATE_ALERTS)[number]["severity"];
    readonly for: string;
    readonly pairs: readonly BurnRatePair[];
}

const ms = (window: string) => durationMs(window) ?? 0;

export function sloWindowName(slo: Slo): string {
    return formatDuration(parseDuration(slo.window) ?? 30 * 86400);
}

export function errorBudget(slo: Slo): Fraction {
    return sub(exact(1), exact(slo.objective));
}

/**
 * The burn-rate alerts of one SLO: factors from the policy and the SLO window, and per pair a
 * traffic guard of at least one bad request's worth (so one failure in a quiet window never alerts)
 * and at least `minRequestsPerHour` per hour of the long window.
 */
export function burnRateAlertSpecs(policy: BurnRatePolicy, slo: Slo, minRequestsPerHour: number): BurnRateAlertSpec[] {
    const budget = errorBudget(slo);
    return BURN_RATE_ALERTS.map((spec) => ({
        alert: spec.alert,
        severity: spec.severity,
        for: spec.for,
        pairs: policy[spec.policy].map((pair) => {
            const factor = burnFactor(pair, ms(slo.window), ms(pair.long));
            const perHour = ceil(mul(exact(minRequestsPerHour), div(exact(ms(pair.long)), exact(3_600_000))));
            const singleError = singleErrorGuard(factor, budget);
            const recovery = spec.policy === "page" && ms(pair.short) > ms(PAGE_RECOVERY_WINDOW) ? { recovery: PAGE_RECOVERY_WINDOW } : {};
            return { long: pair.long, short: pair.short, ...recovery, factor, minRequests: singleError > perHour ? singleError : perHour };
        }),
    }));
}

/**
 * `1 - fast/total` for latency, `errors/total` for availability, for one window. With `recordedTotal`
 * (the window's `slo:sli_total` series, recorded earlier in the same group and evaluation, so the
 * same value at the same timestamp) the denominator reads that one sample instead of every raw
 * series again: the traffic guard's request rates then cost no second read of the raw counters.
 */
function errorRatioExpr(service: ServiceSpec, slo: Slo, window: string, recordedTotal?: string): string {
    const queries = sliQueries(service, slo);
    // Both sides are one series: the raw sum has no labels, the recorded total its SLO's, so `on()` pairs them.
    const total = recordedTotal ? `${onService(service)}${recordedTotal}` : queries.total(window);
    if (slo.kind === "latency" && queries.fast) {
        return `1 - (${queries.fast(window, slo.thresholdSeconds)} / ${queries.latencyTotal ? queries.latencyTotal(window) : total})`;
    }
    return `${queries.errors(window)} / ${total}`;
}

/** The same ratio from the service's recorded rates (alerts/rates.ts): only the latency SLO's fast requests are read raw. */
function errorRatioFromRates(service: ServiceSpec, slo: Slo, window: string): string {
    const rates = recordedRates(service, window);
    const queries = sliQueries(service, slo);
    if (slo.kind === "latency" && queries.fast) {
        return `1 - (${queries.fast(window, slo.thresholdSeconds)} / ${onService(service)}${queries.latencyTotal ? queries.latencyTotal(window) : rates.total})`;
    }
    return `${rates.errors} / ${rates.total}`;
}

/**
 * Whether the ratios may divide by the recorded totals: every preset's sums are one series each. A
 * `custom` preset's queries are the user's, which might keep labels; they keep their own denominator.
 */
function readsRecordedTotals(service: ServiceSpec): boolean {
    return service.conventions.preset !== "custom";
}

/**
 * A constant per service: `vector(c)` for one service (its labels are static); in a shared group one
 * series of `c` per member, from the members' info series the group records first.
 */
function constant(service: ServiceSpec, value: string): string {
    return service.ruleMembers ? `${SERVICE_SERIES.member.name}{${recordedMatcher(service)}} * 0 + ${value}` : `vector(${value})`;
}

/**
 * One SLO's recording rules. With `groupRecordsRates` (a service's rule group, which records its
 * rates first: alerts/rates.ts) the totals and ratios read the recorded rates; without (the cluster's
 * SLOs) they read the raw series, the ratios dividing by the totals recorded earlier in the group.
 */
export function sloRecordingRules(service: ServiceSpec, slo: Slo, groupRecordsRates = false): RecordingRule[] {
    const labels = recordedSloLabels(service, slo);
    const s = recordedSloMatcher(service, slo);
    const window = sloWindowName(slo);
    const queries = sliQueries(service, slo);
    const policy = service.burnRatePolicy;
    const { sliError, sliTotal, burnRate } = SLO_SERIES;
    const { objective, errorBudget: budget, errorBudgetRemaining } = SLO_CONSTANT_SERIES;
    const golden = `${sliError.name(GOLDEN_WINDOW)}{${s}}`;
    const fromRates = groupRecordsRates && readsServiceRates(service, slo);
    // From the service's rates, the traffic guards read its recorded request rates: only the dashboards' window is the SLO's own.
    const totalWindows = fromRates ? [SLO_DISPLAY_WINDOW] : sliTotalWindows(policy);
    const recorded = (w: string) => (readsRecordedTotals(service) && totalWindows.includes(w) ? `${sliTotal.name(w)}{${s}}` : undefined);
    return [
        // The totals first: rules of a group run in order, each seeing what the ones before it recorded at the same time.
        ...totalWindows.map((w) => ({ record: sliTotal.name(w), expr: fromRates ? recordedRates(service, w).total : queries.total(w), labels })),
        ...sliErrorWindows(policy, ms).map((w) => ({ record: sliError.name(w), expr: fromRates ? errorRatioFromRates(service, slo, w) : errorRatioExpr(service, slo, w, recorded(w)), labels })),
        {
            // Averaging the golden-window ratio over the SLO window (as Sloth does) keeps this a cheap read of a recorded series.
            record: sliError.name(window),
            expr: `sum_over_time(${golden}[${window}]) / count_over_time(${golden}[${window}])`,
            labels,
        },
        { record: objective.name, expr: constant(service, promqlNumber(exact(slo.objective))), labels },
        { record: budget.name, expr: constant(service, promqlNumber(errorBudget(slo))), labels },
        {
            record: errorBudgetRemaining.name,
            expr: `1 - (${sliError.name(window)}{${s}} / on(service, slo) ${budget.name}{${s}})`,
            labels,
        },
        // The burn rate the SLO dashboard and the overview show (the burn-rate alerts compare the error ratios with the budget themselves).
        {
            record: burnRate.name(SLO_DISPLAY_WINDOW),
            expr: `${sliError.name(SLO_DISPLAY_WINDOW)}{${s}} / on(service, slo) ${budget.name}{${s}}`,
            labels,
        },
    ];
}

export function describeObjective(slo: Slo): string {
    return slo.kind === "availability" ? `${percent(slo.objective)} availability` : `P${readableNumber(mul(exact(slo.objective), exact(100)))} < ${slo.thresholdSeconds}s latency`;
}

function windowSeconds(window: string): string {
    return String(ms(window) / 1000);
}

/** The SLO's alerts; with `groupRecordsRates` (as for sloRecordingRules) the traffic guards and LatencyCollapse read the service's recorded request rates. */
export function sloAlerts(service: ServiceSpec, slo: Slo, groupRecordsRates = false): AlertDefinition[] {
    const s = recordedSloMatcher(service, slo);
    const budget = promqlNumber(errorBudget(slo));
    const base = { service: alertService(service), team: service.team, slo: slo.name, dashboardUid: dashboardUids.slo(service.name) };
    const fromRates = groupRecordsRates && readsServiceRates(service, slo);
    // The requests over the long window: the service's recorded rate (one series per service), or the SLO's recorded total.
    const guard = (window: string) => (fromRates ? `on(service) (${recordedRates(service, window).total}` : `on(service, slo) (${SLO_SERIES.sliTotal.name(window)}{${s}}`);
    const alerts: AlertDefinition[] = burnRateAlertSpecs(service.burnRatePolicy, slo, service.minRequestsPerHour).map((spec) => {
        // Each branch yields the long-window burn rate as the value; the traffic guard keeps a
        // single failed request in a quiet window from crossing the factor.
        const branches = spec.pairs.map((pair) => {
            const factor = promqlNumber(pair.factor);
            const burning = (window: string) => `(${SLO_SERIES.sliError.name(window)}{${s}} / ${budget} > ${factor})`;
            return (
                `(\n  ${burning(pair.long)}\n` +
                `  and ${burning(pair.short)}\n` +
                (pair.recovery ? `  and ${burning(pair.recovery)}\n` : "") +
                `  and ${guard(pair.long)} * ${windowSeconds(pair.long)} >= ${pair.minRequests})\n)`
            );
        });
        return {
            ...base,
            alert: spec.alert,
            expr: branches.join("\nor\n"),
            for: spec.for,
            severity: spec.severity,
            summary: `${service.name} is burning its ${slo.name} error budget ${spec.alert === FAST_BUDGET_BURN ? "fast" : "steadily"}`,
            description:
                `${service.name} (${describeObjective(slo)} over ${sloWindowName(slo)}) is spending its error budget at {{ $value | printf "%.1f" }}x the sustainable rate` +
                ` (thresholds: ${spec.pairs.map(describePair).join(", or ")}).`,
        };
    });
    const queries = sliQueries(service, slo);
    if (slo.kind === "latency" && queries.fast) {
        const { window, slowPercent, minRequests } = LATENCY_COLLAPSE;
        const slowRatio = promqlNumber(div(exact(slowPercent), exact(100)));
        const collapseFromRates = fromRates && !queries.latencyTotal;
        const total = collapseFromRates ? recordedRates(service, window).total : queries.total(window);
        // The recorded rate carries its service label and the raw sums none: `on()` pairs the one series on each side.
        const on = collapseFromRates ? onService(service) : "";
        alerts.push({
            ...base,
            alert: LATENCY_COLLAPSE.alert,
            expr:
                `(1 - (${queries.fast(window, slo.thresholdSeconds)} / ${on}${queries.latencyTotal ? queries.latencyTotal(window) : total}) > ${slowRatio})\n` +
                `and ${on}(${total} * ${windowSeconds(window)} >= ${minRequests})`,
            for: LATENCY_COLLAPSE.for,
            severity: "critical",
            summary: `Nearly every ${service.name} request is slower than ${slo.thresholdSeconds}s`,
            description: `{{ $value | humanizePercentage }} of ${service.name} requests over the last ${window} took longer than ${slo.thresholdSeconds}s (threshold ${slowPercent}%), far beyond what the ${slo.name} SLO (${describeObjective(slo)}) allows.`,
        });
    }
    return alerts;
}

