/**
 * Recorded series: the labels our recording rules put on every series they record for a service
 * (and an SLO), and the PromQL matchers that select those series in alerts and dashboards. Raw
 * metrics are matched by their metric conventions instead (alerts/conventions.ts).
 */

export function serviceSeriesLabels(service: string): { service: string } {
    return { service };
}

export function sloSeriesLabels(service: string, slo: string): { service: string; slo: string } {
    return { service, slo };
}

function matchers(labels: Readonly<Record<string, string>>): string {
    return Object.entries(labels)
        .map(([name, value]) => `${name}="${value}"`)
        .join(", ");
}

/** `service="<service>"`: selects a service's recorded series. */
export function serviceSeriesMatcher(service: string): string {
    return matchers(serviceSeriesLabels(service));
}

/** `service="<service>", slo="<slo>"`: selects one SLO's recorded series. */
export function sloSeriesMatcher(service: string, slo: string): string {
    return matchers(sloSeriesLabels(service, slo));
}
