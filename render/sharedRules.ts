/**
 * `prometheus.shareServiceRules`: the services of one rule shape (alerts/shared.ts) split into
 * groups of at most about SERVICES_PER_SHARED_GROUP, each group one rule file and one PrometheusRule
 * the stack owns. A service goes to the bucket its name hashes to, among a power-of-two number of
 * buckets per shape: adding a service moves no other service to another group, except when the shape
 * outgrows its buckets and their number doubles. A shape only one service has keeps its own rules.
 */
import { Links } from "../alerts/links";
import { ruleShape, sharedRuleGroup, sharesRules } from "../alerts/shared";
import { ServiceSpec, StackConfig } from "../config/types";
import { OPERATOR_RULE_CONFIGMAP_BYTES } from "../model/operator";
import { RenderedMonitoringObject } from "./operator";
import { fnv1a32 } from "./prometheus";
import { toYaml } from "./yaml";

/** Services per shared group, on average: 50 of today's services' rules evaluate in a few per cent of the interval (BENCHMARKS §8). */
export const SERVICES_PER_SHARED_GROUP = 50;

export interface RenderedSharedRules {
    /** The group's name, its rule file's and its PrometheusRule's. */
    readonly name: string;
    readonly services: readonly string[];
    readonly ruleFile: { readonly fileName: string; readonly content: string };
    readonly prometheusRule: RenderedMonitoringObject;
}

const hex = (n: number) => n.toString(16).padStart(8, "0");

/** The shared groups of the stack's services; empty unless `prometheus.shareServiceRules`. */
export function renderSharedRules(config: StackConfig, links: Links): RenderedSharedRules[] {
    if (!config.prometheus.shareServiceRules) {
        return [];
    }
    const { scrapeInterval } = config.prometheus;
    const byShape = new Map<string, ServiceSpec[]>();
    for (const service of config.services.filter(sharesRules)) {
        const shape = ruleShape(service, scrapeInterval);
        byShape.set(shape, [...(byShape.get(shape) ?? []), service]);
    }
    const groups: RenderedSharedRules[] = [];
    for (const [shape, services] of byShape) {
        if (services.length < 2) {
            continue;
        }
        let buckets = 1;
        while (buckets * SERVICES_PER_SHARED_GROUP < services.length) {
            buckets *= 2;
        }
        const members = new Map<number, ServiceSpec[]>();
        for (const service of services) {
            const bucket = fnv1a32(service.name) % buckets;
            members.set(bucket, [...(members.get(bucket) ?? []), service]);
        }
        for (const [bucket, group] of [...members].sort(([a], [b]) => a - b)) {
            const sorted = [...group].sort((a, b) => (a.name < b.name ? -1 : 1));
            const name = `services-${hex(fnv1a32(shape))}-${bucket}`;
            const rules = sharedRuleGroup(name, sorted, links, scrapeInterval);
            const content = toYaml({ groups: [rules] });
            const bytes = Buffer.byteLength(content);
            if (bytes > OPERATOR_RULE_CONFIGMAP_BYTES) {
                throw new Error(`prometheus.shareServiceRules: the shared rule group ${name} (${sorted.length} services) is ${bytes} bytes, over the ${OPERATOR_RULE_CONFIGMAP_BYTES} bytes the Prometheus Operator puts in one rule ConfigMap; give these services fewer SLOs or saturation checks`);
            }
            groups.push({ name, services: sorted.map((service) => service.name), ruleFile: { fileName: `${name}.yaml`, content }, prometheusRule: { name, spec: { groups: [rules] } } });
        }
    }
    return groups;
}
