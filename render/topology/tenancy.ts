/**
 * Who belongs to which tenant (`topology.tenants`), for every renderer that splits by tenant: the
 * Collector's per-tenant pipelines, Prometheus' per-tenant remote write, the rulers' folders, the
 * Grafana datasources and the services' dashboards.
 */
import { Tenancy, TenantLimits } from "../../config/topology";
import { StackConfig } from "../../config/types";
import { fnv1a32 } from "../prometheus";

export function tenancyOf(config: StackConfig): Tenancy | undefined {
    return config.topology.kind === "distributed" ? config.topology.tenancy : undefined;
}

/** The tenant a team's services write to: the one naming the team, else the default tenant. */
export function tenantOfTeam(tenancy: Tenancy, team: string): string {
    return tenancy.tenants.find((tenant) => tenant.teams.includes(team))?.id ?? tenancy.defaultTenant;
}

/** Each tenant's services from config, by tenant id, in tenant order (services sorted by name). */
export function servicesByTenant(config: StackConfig, tenancy: Tenancy): ReadonlyMap<string, readonly string[]> {
    const result = new Map<string, string[]>(tenancy.tenants.map((tenant) => [tenant.id, []]));
    for (const service of config.services) {
        result.get(tenantOfTeam(tenancy, service.team))!.push(service.name);
    }
    for (const names of result.values()) {
        names.sort();
    }
    return result;
}

/**
 * A tenant id as a name part (Collector component ids, datasource uids, volume names): the id itself
 * when it is a short DNS label (lower-case letters, digits, `-`), else `t` and the hash of the id.
 */
export function tenantKey(id: string): string {
    return /^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/.test(id) ? id : `t${fnv1a32(id).toString(16).padStart(8, "0")}`;
}

/** Every tenant joined for a cross-tenant read (Mimir tenant federation, Loki multi-tenant queries, Tempo). */
export function allTenantsHeader(tenancy: Tenancy): string {
    return tenancy.tenants.map((tenant) => tenant.id).join("|");
}

/** A regular expression (RE2, anchored by its user) matching exactly these names. */
export function namesRegex(names: readonly string[]): string {
    return `(?:${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`;
}

/** Files of one ConfigMap that a tenant's ruler folder takes (projected by key). */
export interface TenantRuleSource {
    readonly configMap: string;
    readonly keys: readonly string[];
}

/** One tenant's folder of a ruler's local rule store: `<directory>/<tenant>/`. */
export interface TenantRules {
    readonly tenant: string;
    /** {@link tenantKey} of the tenant: the volume's name part. */
    readonly key: string;
    readonly sources: readonly TenantRuleSource[];
    /** The default tenant also takes the Prometheus Operator's rule ConfigMaps (PrometheusRules), whole. */
    readonly operatorRules: boolean;
}

interface RuleFileOf {
    readonly team: string;
    readonly configMap: string;
    readonly fileName: string;
}

/**
 * Which rule files each tenant's ruler folder takes: a service's files go to its team's tenant; the
 * stack's own rules (and PrometheusRules) to the default tenant. Tenants without a file get no folder.
 */
export function tenantRules(tenancy: Tenancy, files: readonly RuleFileOf[], stackFile?: { readonly configMap: string; readonly fileName: string }): TenantRules[] {
    const result: TenantRules[] = [];
    for (const { id } of tenancy.tenants) {
        const isDefault = id === tenancy.defaultTenant;
        const own = files.filter((file) => tenantOfTeam(tenancy, file.team) === id);
        const all = isDefault && stackFile ? [stackFile, ...own] : own;
        const byMap = new Map<string, string[]>();
        for (const file of all) {
            byMap.set(file.configMap, [...(byMap.get(file.configMap) ?? []), file.fileName]);
        }
        if (byMap.size > 0) {
            const sources = [...byMap.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([configMap, keys]) => ({ configMap, keys: keys.sort() }));
            result.push({ tenant: id, key: tenantKey(id), sources, operatorRules: isDefault && stackFile !== undefined });
        }
    }
    return result;
}

/**
 * An engine's runtime overrides file (`overrides: { <tenant>: {...} }`, the format Loki, Tempo and
 * Mimir share) from each tenant's limits; undefined without tenants. `own` gives a tenant's keys,
 * or undefined when it sets none of the engine's limits.
 */
export function tenantOverrides(config: StackConfig, own: (limits: TenantLimits) => Record<string, unknown> | undefined) {
    const tenancy = tenancyOf(config);
    if (!tenancy) {
        return undefined;
    }
    const overrides: Record<string, unknown> = {};
    for (const { id, limits } of tenancy.tenants) {
        const keys = own(limits);
        if (keys) {
            overrides[id] = keys;
        }
    }
    return { overrides };
}
