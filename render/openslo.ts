/**
 * OpenSLO v1 export of a service: a `Service`, one `SLI` per kind of indicator (the request ratio,
 * the latency histogram), one `SLO` per SLO and, when the service's burn-rate policy is not the
 * default, one `AlertPolicy` per window pair. config/openslo.ts reads these documents back into the
 * same service (OTLP services exactly; see README "OpenSLO").
 */
import * as YAML from "yaml";
import { rawSeriesMatcher, WINDOW_PLACEHOLDER } from "../alerts/conventions";
import { BURN_RATE_ALERTS, burnFactor, BurnRateWindow, DEFAULT_BURN_RATE_POLICY } from "../model/alerting";
import { toNumber } from "../model/exact";
import {
    OPENSLO_ANNOTATIONS,
    OPENSLO_API_VERSION,
    OPENSLO_BUDGETING_METHOD,
    OPENSLO_PROMETHEUS_SOURCE,
    OPENSLO_TEAM_LABEL,
    SHORT_WINDOW_DIVISOR,
} from "../model/openslo";
import { durationMs } from "../config/units";
import { ServiceSpec, Slo } from "../config/types";

function prometheus(query: string): { metricSource: { type: string; spec: { query: string } } } {
    return { metricSource: { type: OPENSLO_PROMETHEUS_SOURCE, spec: { query } } };
}

/** The request ratio as counters: the preset's own selectors, or the custom preset's rate expressions with `{{.window}}`. */
function ratioMetric(service: ServiceSpec): Record<string, unknown> {
    const { conventions } = service;
    const { metrics } = conventions;
    if (metrics === undefined) {
        return { counter: true, bad: prometheus(conventions.errorQuery), total: prometheus(conventions.totalQuery) };
    }
    const { counter, failed } = metrics;
    const sel = rawSeriesMatcher(service);
    return { counter: true, bad: prometheus(`${counter}{${sel}, ${failed}}`), total: prometheus(`${counter}{${sel}}`) };
}

function latencyIndicator(service: ServiceSpec): Record<string, unknown> | undefined {
    const { metrics } = service.conventions;
    if (metrics === undefined) {
        return undefined;
    }
    return {
        apiVersion: OPENSLO_API_VERSION,
        kind: "SLI",
        metadata: { name: `${service.name}-latency`, annotations: { [OPENSLO_ANNOTATIONS.histogramBuckets]: service.histogramBuckets.join(", ") } },
        spec: {
            description: `Each ${service.name} request is one occurrence, its duration in seconds`,
            thresholdMetric: prometheus(`${metrics.histogram}{${rawSeriesMatcher(service)}}`),
        },
    };
}

function isDefaultPolicy(service: ServiceSpec): boolean {
    return JSON.stringify(service.burnRatePolicy) === JSON.stringify(DEFAULT_BURN_RATE_POLICY);
}

/** One AlertPolicy per pair and SLO window (a budget share is a different burn rate in a different window). */
function alertPolicies(service: ServiceSpec, window: string): Record<string, unknown>[] {
    const windowMs = durationMs(window) ?? 0;
    return (["page", "ticket"] as const).flatMap((half) =>
        service.burnRatePolicy[half].map((pair: BurnRateWindow, k) => {
            const longMs = durationMs(pair.long) ?? 1;
            const annotations: Record<string, string> = {};
            if (longMs % SHORT_WINDOW_DIVISOR !== 0 || durationMs(pair.short) !== longMs / SHORT_WINDOW_DIVISOR) {
                annotations[OPENSLO_ANNOTATIONS.shortWindow] = pair.short;
            }
            if ("percent" in pair.budget) {
                annotations[OPENSLO_ANNOTATIONS.budgetPercent] = String(pair.budget.percent);
            }
            const factor = toNumber(burnFactor(pair, windowMs, longMs));
            return {
                apiVersion: OPENSLO_API_VERSION,
                kind: "AlertPolicy",
                metadata: { name: `${service.name}-${half}-${k + 1}-${window}` },
                spec: {
                    alertWhenBreaching: true,
                    alertWhenResolved: true,
                    conditions: [
                        {
                            kind: "AlertCondition",
                            metadata: { name: `${service.name}-${half}-${k + 1}-${window}`, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
                            spec: {
                                severity: half,
                                condition: {
                                    kind: "burnrate",
                                    op: "gte",
                                    // Not always exact: 10% of 28d in 3d is 14/15; the budget share annotation keeps the exact intent.
                                    threshold: Number(factor.toPrecision(12)),
                                    lookbackWindow: pair.long,
                                    alertAfter: BURN_RATE_ALERTS.find((alert) => alert.policy === half)!.for,
                                },
                            },
                        },
                    ],
                    notificationTargets: [],
                },
            };
        }),
    );
}

function sloDocument(service: ServiceSpec, slo: Slo, policies: readonly string[]): Record<string, unknown> {
    const objective =
        slo.kind === "availability"
            ? { displayName: `${slo.name}`, target: slo.objective }
            : { displayName: `${slo.name}`, op: "lte", value: slo.thresholdSeconds, target: slo.objective };
    return {
        apiVersion: OPENSLO_API_VERSION,
        kind: "SLO",
        // OpenSLO names are global; the import drops the service prefix again.
        metadata: { name: `${service.name}-${slo.name}` },
        spec: {
            service: service.name,
            indicatorRef: slo.kind === "availability" ? `${service.name}-requests` : `${service.name}-latency`,
            timeWindow: [{ duration: slo.window, isRolling: true }],
            budgetingMethod: OPENSLO_BUDGETING_METHOD,
            objectives: [objective],
            ...(policies.length > 0 ? { alertPolicies: policies.map((alertPolicyRef) => ({ alertPolicyRef })) } : {}),
        },
    };
}

/** The service as OpenSLO v1 documents, one YAML stream. */
export function renderOpenSlo(service: ServiceSpec): string {
    const documents: Record<string, unknown>[] = [
        {
            apiVersion: OPENSLO_API_VERSION,
            kind: "Service",
            metadata: { name: service.name, labels: { [OPENSLO_TEAM_LABEL]: service.team }, annotations: { [OPENSLO_ANNOTATIONS.namespace]: service.namespace } },
            spec: { description: `${service.name} in namespace ${service.namespace}, owned by ${service.team}` },
        },
    ];
    // A probe-backed SLO counts the blackbox exporter's checks, not requests: OpenSLO's ratio of request
    // counters cannot say that, and an import would read it back as a request SLO. It is named, not exported.
    const exported = service.slos.filter((slo) => !(slo.kind === "availability" && slo.sli === "probe"));
    const probeSlos = service.slos.filter((slo) => !exported.includes(slo)).map((slo) => slo.name);
    if (exported.some((slo) => slo.kind === "availability")) {
        documents.push({
            apiVersion: OPENSLO_API_VERSION,
            kind: "SLI",
            metadata: { name: `${service.name}-requests` },
            spec: { description: `Failed ${service.name} requests over all requests`, ratioMetric: ratioMetric(service) },
        });
    }
    const latency = exported.some((slo) => slo.kind === "latency") ? latencyIndicator(service) : undefined;
    if (latency) {
        documents.push(latency);
    }
    const policiesByWindow = new Map<string, Record<string, unknown>[]>();
    if (!isDefaultPolicy(service)) {
        for (const window of new Set(exported.map((slo) => slo.window))) {
            policiesByWindow.set(window, alertPolicies(service, window));
        }
    }
    for (const slo of exported) {
        const policies = policiesByWindow.get(slo.window) ?? [];
        documents.push(sloDocument(service, slo, policies.map((policy) => (policy.metadata as { name: string }).name)));
    }
    for (const policies of policiesByWindow.values()) {
        documents.push(...policies);
    }
    const header = `# OpenSLO ${OPENSLO_API_VERSION} documents of service ${service.name}, written by lgtm-stack (npm run render). Custom queries keep ${WINDOW_PLACEHOLDER}, the rate window.`;
    const skipped = probeSlos.length > 0 ? `\n# Not exported: SLO ${probeSlos.join(", ")} counts synthetic probes (sli: probe), which an OpenSLO ratio of request counters cannot express.` : "";
    return `${header}${skipped}\n${documents.map((document) => YAML.stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 })).join("---\n")}`;
}
