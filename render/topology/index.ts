/**
 * The distributed topology rendered: each engine's config file and, per tier, the container args,
 * replicas and resources the components wire into Deployments and StatefulSets. Also the addresses
 * the rest of the stack uses instead of the monolith's (Collector push, Grafana queries, remote write).
 */
import { CollectorTiers, EngineTiers, Tenancy, TierSettings } from "../../config/topology";
import { StackConfig } from "../../config/types";
import { Endpoints, PATHS } from "../../model/components";
import { distributedEndpoints, Engine, TENANT_HEADER, TIERS, TierShape, TOPOLOGY_PATHS } from "../../model/topology";
import { checksum } from "../checksum";
import { goMemoryLimit } from "../workloads";
import { toYaml } from "../yaml";
import { GATEWAY_SCALE_DOWN, gatewayDrain, GatewayDrain, renderCollectorLoadBalancerConfig, ScaleDownRules } from "./collector";
import { LOKI_ZONE_AWARENESS, renderLokiDistributedConfig, renderLokiOverrides } from "./loki";
import { MIMIR_ZONE_AWARENESS, renderMimirConfig, renderMimirOverrides } from "./mimir";
import { renderTempoDistributedConfig, renderTempoOverrides, TEMPO_ZONE_AWARENESS } from "./tempo";
import { RenderedZone, withZoneAwareness, ZoneAwareness, zonesOf } from "./zones";
import { namesRegex, servicesByTenant, TenantRules, tenantKey, tenantRules } from "./tenancy";

export type { TenantRules } from "./tenancy";
export type { RenderedZone } from "./zones";

export interface RenderedTier extends TierShape, TierSettings {
    readonly name: string;
    readonly args: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    /** With topology.zones, a zone-replicated tier runs one StatefulSet per zone instead of one for the tier. */
    readonly zones?: readonly RenderedZone[];
}

export interface RenderedEngine {
    readonly engine: Engine;
    readonly configFileName: string;
    readonly configDir: string;
    readonly config: string;
    readonly checksum: string;
    readonly tiers: readonly RenderedTier[];
    /** With topology.tenants: the runtime overrides file ({@link OVERRIDES_FILE}) beside the config, per-tenant limits. Not in the checksum: the engines re-read it without a restart. */
    readonly overrides?: string;
}

/** The Collector's load-balancing tier: its config, args and settings; and the gateways' HPA ceiling. */
export interface RenderedCollectorTiers {
    readonly loadBalancer: {
        readonly configFileName: string;
        readonly configDir: string;
        readonly config: string;
        readonly checksum: string;
        readonly args: readonly string[];
        readonly env: Readonly<Record<string, string>>;
        readonly settings: TierSettings;
    };
    readonly gatewayReplicas: number;
    readonly gatewayMaxReplicas: number;
    /** How a gateway drains before it stops (its pod's preStop sleep and grace period). */
    readonly gatewayDrain: GatewayDrain;
    /** The gateways' HorizontalPodAutoscaler `behavior.scaleDown`. */
    readonly gatewayScaleDown: ScaleDownRules;
}

export interface RenderedTopology {
    readonly loki: RenderedEngine;
    readonly tempo: RenderedEngine;
    readonly mimir: RenderedEngine;
    readonly collector: RenderedCollectorTiers;
    /** With topology.tenants: which rule files each tenant's folder of the Mimir and Loki rulers takes. */
    readonly rulerTenants?: { readonly mimir: readonly TenantRules[]; readonly loki: readonly TenantRules[] };
}

/** The services' rule files as the rulers split them by tenant. */
export interface TopologyRuleFiles {
    readonly stack: { readonly configMap: string; readonly fileName: string };
    readonly mimir: readonly { readonly team: string; readonly configMap: string; readonly fileName: string }[];
    readonly loki: readonly { readonly team: string; readonly configMap: string; readonly fileName: string }[];
}

const CONFIG_FILE = { loki: "loki.yaml", tempo: "tempo.yaml", mimir: "mimir.yaml" } as const;

interface EngineZones<E extends Engine> {
    readonly awareness: ZoneAwareness<E>;
    readonly zones: readonly string[] | undefined;
}

function renderEngine<E extends Engine>(engine: E, content: Record<string, unknown>, settings: EngineTiers<E>, { awareness, zones }: EngineZones<E>, overrides?: unknown): RenderedEngine {
    const config = toYaml(withZoneAwareness(content, awareness, zones));
    const configDir = `${TOPOLOGY_PATHS.configDir}/${engine}`;
    const shapes = TIERS[engine] as Readonly<Record<string, TierShape>>;
    const tiers = Object.entries(shapes).map(([name, shape]): RenderedTier => {
        const tier = (settings as Readonly<Record<string, TierSettings>>)[name];
        // expand-env: object-storage keys arrive as environment variables, never in the file.
        const args = [`-config.file=${configDir}/${CONFIG_FILE[engine]}`, "-config.expand-env=true", `-target=${shape.target}`];
        const perZone = zonesOf(engine, name, tier.replicas, args, awareness, zones);
        return {
            name,
            ...shape,
            ...tier,
            args,
            env: { GOMEMLIMIT: goMemoryLimit(tier.resources) },
            ...(perZone ? { zones: perZone } : {}),
        };
    });
    return { engine, configFileName: CONFIG_FILE[engine], configDir, config, checksum: checksum(config), tiers, ...(overrides ? { overrides: toYaml(overrides) } : {}) };
}

/** The distributed topology, or undefined for the single one. */
export function renderTopology(config: StackConfig, endpoints: Endpoints, rules: TopologyRuleFiles): RenderedTopology | undefined {
    if (config.topology.kind !== "distributed") {
        return undefined;
    }
    const addresses = distributedEndpoints(config.namespace);
    const { tenancy, zones } = config.topology;
    return {
        loki: renderEngine("loki", renderLokiDistributedConfig(config, endpoints), config.topology.loki, { awareness: LOKI_ZONE_AWARENESS, zones }, renderLokiOverrides(config)),
        tempo: renderEngine("tempo", renderTempoDistributedConfig(config, addresses), config.topology.tempo, { awareness: TEMPO_ZONE_AWARENESS, zones }, renderTempoOverrides(config)),
        mimir: renderEngine("mimir", renderMimirConfig(config, endpoints), config.topology.mimir.tiers, { awareness: MIMIR_ZONE_AWARENESS, zones }, renderMimirOverrides(config)),
        collector: renderCollectorTiers(config, config.topology.collector),
        ...(tenancy ? { rulerTenants: { mimir: tenantRules(tenancy, rules.mimir, rules.stack), loki: tenantRules(tenancy, rules.loki) } } : {}),
    };
}

const LOAD_BALANCER_CONFIG = "load-balancer.yaml";

function renderCollectorTiers(config: StackConfig, tiers: CollectorTiers): RenderedCollectorTiers {
    const content = toYaml(renderCollectorLoadBalancerConfig(config));
    return {
        loadBalancer: {
            configFileName: LOAD_BALANCER_CONFIG,
            configDir: PATHS.collectorConfigDir,
            config: content,
            checksum: checksum(content),
            args: [`--config=${PATHS.collectorConfigDir}/${LOAD_BALANCER_CONFIG}`],
            env: { GOMEMLIMIT: goMemoryLimit(tiers.loadBalancer.resources) },
            settings: tiers.loadBalancer,
        },
        gatewayReplicas: config.collector.gatewayReplicas,
        gatewayMaxReplicas: tiers.gatewayMaxReplicas,
        gatewayDrain: gatewayDrain(),
        gatewayScaleDown: GATEWAY_SCALE_DOWN,
    };
}

/**
 * The peers' addresses the Collector and Tempo push to: in the distributed topology, Loki's and
 * Tempo's distributors instead of the monoliths. Unchanged for the single topology.
 */
export function pushEndpoints(config: StackConfig, endpoints: Endpoints): Endpoints {
    if (config.topology.kind !== "distributed") {
        return endpoints;
    }
    const addresses = distributedEndpoints(config.namespace);
    return { ...endpoints, loki: addresses.lokiPush, tempoOtlpGrpc: addresses.tempoOtlpGrpc };
}

/** What Grafana queries: the query-frontends, and Mimir's Prometheus API for metrics. Unchanged for single. */
export function queryEndpoints(config: StackConfig, endpoints: Endpoints): Endpoints {
    if (config.topology.kind !== "distributed") {
        return endpoints;
    }
    const addresses = distributedEndpoints(config.namespace);
    return { ...endpoints, prometheus: addresses.mimirQuery, loki: addresses.lokiQuery, tempo: addresses.tempoQuery };
}

/**
 * prometheus.yml in the distributed topology: Prometheus scrapes and receives pushes as before and
 * forwards everything to Mimir; Mimir's ruler evaluates the rules and alerts, so Prometheus drops
 * its rule files and Alertmanager (it would otherwise notify twice, with different labels).
 */
export function withMimir<P extends { rule_files?: unknown; alerting?: unknown }>(config: StackConfig, prometheus: P): P | (Omit<P, "rule_files" | "alerting"> & { remote_write: unknown[] }) {
    if (config.topology.kind !== "distributed") {
        return prometheus;
    }
    const { rule_files: _rules, alerting: _alerting, ...rest } = prometheus;
    const url = distributedEndpoints(config.namespace).mimirPush;
    const tenancy = config.topology.tenancy;
    if (!tenancy) {
        return { ...rest, remote_write: [{ url, send_exemplars: true }] };
    }
    return { ...rest, remote_write: tenantRemoteWrites(url, tenancy, servicesByTenant(config, tenancy)) };
}

/**
 * topology.tenants: one remote write per tenant, each with its tenant's header and only its
 * services' series. A service's series carry its name in `service` (scraped: the job's label) or
 * `service_name` (OTLP pushes, promoted from service.name); the default tenant takes every series
 * that is no other tenant's, the stack's own and the cluster's included.
 */
function tenantRemoteWrites(url: string, tenancy: Tenancy, services: ReadonlyMap<string, readonly string[]>) {
    const ofService = (names: readonly string[]) => {
        const any = namesRegex(names);
        // Either label names one of these services; the other may be empty or anything.
        return { source_labels: ["service", "service_name"], separator: ";", regex: `${any};.*|.*;${any}` };
    };
    const others = [...services.entries()].filter(([id]) => id !== tenancy.defaultTenant).flatMap(([, names]) => names);
    return tenancy.tenants.flatMap(({ id }) => {
        const names = services.get(id) ?? [];
        const headers = { [TENANT_HEADER]: id };
        if (id === tenancy.defaultTenant) {
            return [{ url, name: `tenant-${tenantKey(id)}`, headers, send_exemplars: true, ...(others.length > 0 ? { write_relabel_configs: [{ ...ofService(others), action: "drop" }] } : {}) }];
        }
        // A tenant without services in config receives nothing from Prometheus.
        return names.length === 0 ? [] : [{ url, name: `tenant-${tenantKey(id)}`, headers, send_exemplars: true, write_relabel_configs: [{ ...ofService(names), action: "keep" }] }];
    });
}
