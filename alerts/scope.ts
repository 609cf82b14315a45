/**
 * Whose series a rule reads and records: one service (its name in equality matchers and static
 * labels, as a service's own group has them) or every member of a shared rule group (alerts/shared.ts),
 * where matchers list the members, sums keep a `service` label taken from the raw series' own
 * (`service_name` or `job`), and the recorded series get their `service` label from the data.
 */
import { ServiceSpec, Slo } from "../config/types";
import { sloSeriesLabels } from "../model/series";

/** The label that names a service on its raw series: the job we named after a scraped one, `service_name` on OTLP pushes. */
export function rawServiceLabel(service: ServiceSpec): string {
    return service.discovery.kind === "scrape" ? "job" : "service_name";
}

/** `label="shop"`, or `label=~"shop|cart"` for a shared group's members (service names are DNS labels: no regex metacharacters but `-`). */
export function memberMatcher(label: string, service: ServiceSpec): string {
    return service.ruleMembers ? `${label}=~"${service.ruleMembers.join("|")}"` : `${label}="${service.name}"`;
}

/** Selects the service's recorded series. */
export function recordedMatcher(service: ServiceSpec): string {
    return memberMatcher("service", service);
}

/** Selects one SLO's recorded series. */
export function recordedSloMatcher(service: ServiceSpec, slo: Slo): string {
    return `${recordedMatcher(service)}, slo="${slo.name}"`;
}

/** Static labels of a recorded series: the service's own, or none when the data carries it. */
export function recordedLabels(service: ServiceSpec): Readonly<Record<string, string>> {
    return service.ruleMembers ? {} : { service: service.name };
}

export function recordedSloLabels(service: ServiceSpec, slo: Slo): Readonly<Record<string, string>> {
    return service.ruleMembers ? { slo: slo.name } : sloSeriesLabels(service.name, slo.name);
}

/** An alert's static `service` label; none in a shared group, whose expressions yield it. */
export function alertService(service: ServiceSpec): string | undefined {
    return service.ruleMembers ? undefined : service.name;
}

/**
 * `sum(inner)` (or `sum by (<by>)`) over a service's raw series; in a shared group, kept per member
 * as `service`, copied from the raw series' own label (any `service` label they carry is replaced).
 */
export function sumRaw(service: ServiceSpec, inner: string, by: readonly string[] = []): string {
    return aggregateRaw(service, "sum", inner, by);
}

/** As {@link sumRaw}, with another aggregation (`max`, `count`). */
export function aggregateRaw(service: ServiceSpec, op: string, inner: string, by: readonly string[] = []): string {
    if (!service.ruleMembers) {
        return by.length === 0 ? `${op}(${inner})` : `${op} by (${by.join(", ")}) (${inner})`;
    }
    return `${op} by (${["service", ...by].join(", ")}) (${asService(service, inner)})`;
}

/** A shared group's raw series with the member's name copied into `service` (any `service` label they carry is replaced). */
export function asService(service: ServiceSpec, inner: string): string {
    return `label_replace(${inner}, "service", "$1", "${rawServiceLabel(service)}", "(.*)")`;
}

/** `sum(recorded)` of series that already carry `service` (in a shared group, kept per member). */
export function sumRecorded(service: ServiceSpec, recorded: string): string {
    return service.ruleMembers ? `sum by (service) (${recorded})` : `sum(${recorded})`;
}

/** Pairs a label-less raw sum with a recorded series: `on() ` for one service, `on(service) ` in a shared group. */
export function onService(service: ServiceSpec): string {
    return service.ruleMembers ? "on(service) " : "on() ";
}
