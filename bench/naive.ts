/**
 * Raw-metric equivalents of what the recording rules precompute: the baseline the benchmarks
 * compare the generated rules and dashboards against.
 */
import { requestQueries } from "../alerts/conventions";
import { ServiceSpec, Slo } from "../config/types";

/** The SLI error ratio over `window`, straight from the request counters. */
export function rawErrorRatio(service: ServiceSpec, slo: Slo, window: string): string {
    const q = requestQueries(service);
    return slo.kind === "latency" && q.fast ? `1 - (${q.fast(window, slo.thresholdSeconds)} / ${q.total(window)})` : `${q.errors(window)} / ${q.total(window)}`;
}

export const NAIVE_ERROR_RATIO_ALERT = "NaiveErrorRatio1h";

/** The naive baseline: page as soon as the 1h error ratio is above the budget, no `for`, no short window. */
export function naiveRule(service: ServiceSpec, slo: Slo) {
    return { alert: NAIVE_ERROR_RATIO_ALERT, expr: `(${rawErrorRatio(service, slo, "1h")}) > ${budgetOf(slo)}`, for: "0s", labels: { severity: "critical" } };
}

function budgetOf(slo: Slo): number {
    return Number((1 - slo.objective).toPrecision(12));
}

/**
 * Rewrites a dashboard query over recorded `slo:*` series of one SLO into the same figure
 * computed from raw counters at query time (e.g. the 30d SLI as increase over 30 days).
 */
export function naiveDashboardQuery(expr: string, service: ServiceSpec, slo: Slo): string {
    const s = `{service="${service.name}", slo="${slo.name}"}`;
    const budget = budgetOf(slo);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    let out = expr.split(` / on(service, slo) slo:error_budget:ratio${s}`).join(` / ${budget}`);
    out = out.replace(new RegExp(`slo:error_budget_remaining:ratio${escape(s)}`, "g"), () => `(1 - ((${rawErrorRatio(service, slo, `${slo.window}`)}) / ${budget}))`);
    out = out.replace(new RegExp(`slo:burn_rate:ratio_rate(\\w+)${escape(s)}`, "g"), (_m, w: string) => `((${rawErrorRatio(service, slo, w)}) / ${budget})`);
    out = out.replace(new RegExp(`slo:sli_error:ratio_rate(\\w+)${escape(s)}`, "g"), (_m, w: string) => `(${rawErrorRatio(service, slo, w)})`);
    out = out.replace(new RegExp(`slo:sli_total:rate(\\w+)${escape(s)}`, "g"), (_m, w: string) => `${requestQueries(service).total(w)}`);
    out = out.replace(new RegExp(`slo:objective:ratio${escape(s)}`, "g"), () => `vector(${slo.objective})`);
    out = out.replace(new RegExp(`slo:error_budget:ratio${escape(s)}`, "g"), () => `vector(${budget})`);
    return out;
}
