/**
 * SLO rules in the structure proven by Sloth and the SRE Workbook (ch. 5): SLI error ratios over
 * the alert windows, error budget series, and multiwindow, multi-burn-rate alerts.
 */
import { ServiceSpec, Slo } from "../config/types";
import { formatDuration, parseDuration } from "../config/units";
import { requestQueries } from "./conventions";
import { dashboardUids } from "../model/ids";
import { AlertDefinition, RecordingRule } from "./model";

/** The SLI windows every SLO records; the SLO window itself is added per SLO. */
export const SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/**
 * Workbook burn rates for a 30-day window: 14.4× for 1h spends 2% of the budget, 6× for 6h spends
 * 5% (page); 3× for 1d spends 10%, 1× for 3d spends 10% (ticket). Each long window is paired with
 * a short one (1/12 of it) so the alert stops soon after the burning stops.
 */
export const BURN_RATE_ALERTS = [
    { alert: "FastBudgetBurn", severity: "page", for: "1m", pairs: [{ long: "1h", short: "5m", factor: 14.4 }, { long: "6h", short: "30m", factor: 6 }] },
    { alert: "SlowBudgetBurn", severity: "ticket", for: "15m", pairs: [{ long: "1d", short: "2h", factor: 3 }, { long: "3d", short: "6h", factor: 1 }] },
] as const;

/** Windows whose total request rate feeds the low-traffic guard. */
const GUARD_WINDOWS = ["1h", "6h", "1d", "3d"] as const;

export function sloLabels(service: ServiceSpec, slo: Slo): Record<string, string> {
    return { service: service.name, slo: slo.name };
}

function sel(service: ServiceSpec, slo: Slo): string {
    return `service="${service.name}", slo="${slo.name}"`;
}

/** `1 - fast/total` for latency, `errors/total` for availability, for one window. */
function errorRatioExpr(service: ServiceSpec, slo: Slo, window: string): string {
    const queries = requestQueries(service);
    if (slo.kind === "latency" && queries.fast) {
        return `1 - (${queries.fast(window, slo.thresholdSeconds)} / ${queries.total(window)})`;
    }
    return `${queries.errors(window)} / ${queries.total(window)}`;
}

export function sloWindowName(slo: Slo): string {
    return formatDuration(parseDuration(slo.window) ?? 30 * 86400);
}

export function sloRecordingRules(service: ServiceSpec, slo: Slo): RecordingRule[] {
    const labels = sloLabels(service, slo);
    const s = sel(service, slo);
    const window = sloWindowName(slo);
    const budget = Number((1 - slo.objective).toPrecision(12));
    const queries = requestQueries(service);
    return [
        ...SLI_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: errorRatioExpr(service, slo, w), labels })),
        ...GUARD_WINDOWS.map((w) => ({ record: `slo:sli_total:rate${w}`, expr: queries.total(w), labels })),
        {
            // Averaging the 5m ratio over the SLO window (as Sloth does) keeps this a cheap read of a recorded series.
            record: `slo:sli_error:ratio_rate${window}`,
            expr: `sum_over_time(slo:sli_error:ratio_rate5m{${s}}[${window}]) / count_over_time(slo:sli_error:ratio_rate5m{${s}}[${window}])`,
            labels,
        },
        { record: "slo:objective:ratio", expr: `vector(${slo.objective})`, labels },
        { record: "slo:error_budget:ratio", expr: `vector(${budget})`, labels },
        {
            record: "slo:error_budget_remaining:ratio",
            expr: `1 - (slo:sli_error:ratio_rate${window}{${s}} / on(service, slo) slo:error_budget:ratio{${s}})`,
            labels,
        },
        ...(["1h", "6h"] as const).map((w) => ({
            record: `slo:burn_rate:ratio_rate${w}`,
            expr: `slo:sli_error:ratio_rate${w}{${s}} / on(service, slo) slo:error_budget:ratio{${s}}`,
            labels,
        })),
    ];
}

export function sloAlerts(service: ServiceSpec, slo: Slo): AlertDefinition[] {
    const s = sel(service, slo);
    const budget = Number((1 - slo.objective).toPrecision(12));
    const what = slo.kind === "availability" ? `${(slo.objective * 100).toPrecision(4).replace(/\.?0+$/, "")}% availability` : `P${(slo.objective * 100).toPrecision(4).replace(/\.?0+$/, "")} < ${slo.thresholdSeconds}s latency`;
    return BURN_RATE_ALERTS.map((spec) => {
        // Each branch yields the long-window burn rate as the value; the traffic guard keeps a
        // single failed request in a quiet hour from paging anyone.
        const branches = spec.pairs.map(
            (pair) =>
                `(\n  (slo:sli_error:ratio_rate${pair.long}{${s}} / ${budget} > ${pair.factor})\n` +
                `  and (slo:sli_error:ratio_rate${pair.short}{${s}} / ${budget} > ${pair.factor})\n` +
                `  and on(service, slo) (slo:sli_total:rate${pair.long}{${s}} * 3600 >= ${service.minRequestsPerHour})\n)`,
        );
        return {
            alert: spec.alert,
            expr: branches.join("\nor\n"),
            for: spec.for,
            severity: spec.severity,
            service: service.name,
            team: service.team,
            slo: slo.name,
            summary: `${service.name} is burning its ${slo.name} error budget ${spec.alert === "FastBudgetBurn" ? "fast" : "steadily"}`,
            description:
                `${service.name} (${what} over ${sloWindowName(slo)}) is spending its error budget at {{ $value | printf "%.1f" }}x the sustainable rate` +
                ` (thresholds: ${spec.pairs.map((p) => `${p.factor}x over ${p.long} and ${p.short}`).join(", or ")}).`,
            dashboardUid: dashboardUids.slo(service.name),
        };
    });
}
