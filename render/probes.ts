/**
 * Synthetic checks: the blackbox exporter's config and, per service, the Probe objects (one per
 * probe) that the operator's agent scrapes through it. Pure: components wire the result.
 */
import { ServiceSpec, StackConfig } from "../config/types";
import { BLACKBOX, blackboxModuleName, GENERIC_HTTP_MODULE, PROBE_LABEL, probeJob } from "../model/probes";

/** One Probe object: its name (`<service>-<probe>`) and spec (monitoring.coreos.com/v1). */
export interface RenderedProbe {
    readonly name: string;
    readonly spec: Readonly<Record<string, unknown>>;
}

function httpModule(validStatusCodes: readonly number[] | undefined, timeout: string) {
    return {
        prober: "http",
        timeout,
        // A 3xx to the right page is a healthy answer; an explicit code is checked on the final response.
        http: { follow_redirects: true, preferred_ip_protocol: "ip4", ...(validStatusCodes ? { valid_status_codes: [...validStatusCodes] } : {}) },
    };
}

/** The exporter's modules: the generic `http_2xx`, then one per expected status and timeout the services use. */
export function renderBlackboxConfig(config: StackConfig): Record<string, unknown> {
    const modules: Record<string, unknown> = { [GENERIC_HTTP_MODULE]: httpModule(undefined, "5s") };
    for (const probe of config.services.flatMap((service) => service.probes)) {
        modules[blackboxModuleName(probe.expectedStatus, probe.timeout)] = httpModule([probe.expectedStatus], probe.timeout);
    }
    return { modules: Object.fromEntries(Object.entries(modules).sort(([a], [b]) => a.localeCompare(b))) };
}

/** The Probe objects of one service: each URL through its module, all under the service's probe job. */
export function renderServiceProbes(stackNamespace: string, service: ServiceSpec): RenderedProbe[] {
    return service.probes.map((probe) => ({
        name: `${service.name}-${probe.name}`,
        spec: {
            jobName: probeJob(service.name),
            prober: { url: `${BLACKBOX.name}.${stackNamespace}.svc:${BLACKBOX.port}`, path: "/probe" },
            module: blackboxModuleName(probe.expectedStatus, probe.timeout),
            targets: { staticConfig: { static: [probe.url], labels: { service: service.name, [PROBE_LABEL]: probe.name } } },
        },
    }));
}
