/**
 * Facts of the synthetic checks: the blackbox exporter the stack runs, its modules and the job and
 * labels a service's probes are scraped under. The renderers, the SLO rules and the tests read them here.
 */

/** The blackbox exporter's workload name and port (its `--web.listen-address` default :9115). */
export const BLACKBOX = { name: "blackbox-exporter", port: 9115, configDir: "/etc/blackbox", configFile: "blackbox.yml" } as const;

/**
 * The module for one expected status and timeout: modules are shared by every probe with the same
 * two, so the exporter's config changes only when a new combination appears.
 */
export function blackboxModuleName(expectedStatus: number, timeout: string): string {
    return `http_${expectedStatus}_${timeout}`;
}

/** A generic module for Probe objects written by hand: any 2xx within 5s. */
export const GENERIC_HTTP_MODULE = "http_2xx";

/** The job of a service's probes (the Probe objects' `jobName`): every probe of the service under one job. */
export function probeJob(service: string): string {
    return `probe-${service}`;
}

/** The label naming one probe of a service on its `probe_*` series. */
export const PROBE_LABEL = "probe";
