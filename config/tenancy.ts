/**
 * `topology.tenants`: the teams' tenants in the distributed topology. Loki, Tempo and Mimir then run
 * with multi-tenancy on, each team's services write and are read under their tenant's id, and every
 * team not named in a tenant (and the stack's own data) belongs to `topology.defaultTenant`.
 * Without `tenants` the engines stay single-tenant, as before.
 */
import { sectionKeys, TOPOLOGY_SETTINGS } from "./keys";
import { ObjectReader, Raw } from "./reader";
import type { Tenancy, Tenant, TenantLimits } from "./types";

/**
 * The tenant ids Loki, Tempo and Mimir all accept (Mimir's "About tenant IDs": at most 150
 * characters from letters, digits and `! - _ . * ' ( )`; not `.` or `..`, nor `__mimir_cluster`,
 * which Mimir uses itself). `|` is the separator of cross-tenant queries, so it can never be part of an id.
 */
const RESERVED_TENANT_IDS = [".", "..", "__mimir_cluster"];

export const TENANT_ID = {
    test: (value: string) => /^[A-Za-z0-9!\-_.*'()]{1,150}$/.test(value) && !RESERVED_TENANT_IDS.includes(value),
    hint: "is not a tenant id the engines accept: up to 150 letters, digits and ! - _ . * ' ( ), not . or .. nor __mimir_cluster (Mimir's own); use e.g. payments",
};

const TENANT = TOPOLOGY_SETTINGS.tenants.keys["<tenant id>"];
const LIMITS = TENANT.keys.limits;

export const DEFAULT_TENANT = TOPOLOGY_SETTINGS.defaultTenant.default.value;

function readLimits(section: ObjectReader<keyof typeof LIMITS.keys>): TenantLimits {
    const limits: { -readonly [K in keyof TenantLimits]: number } = {};
    for (const key of sectionKeys(LIMITS)) {
        if (section.has(key)) {
            const range: { min: number; integer?: boolean } = LIMITS.keys[key].limits;
            limits[key] = section.number(key, 0, { ...range, hint: range.integer ? "a positive whole number, e.g. 100000" : "a positive number, e.g. 8" });
        }
    }
    return limits;
}

/**
 * Reads `topology.tenants` and `topology.defaultTenant`; undefined without tenants. `knownTeams`:
 * the teams of the services and of `alertmanager.teams`; a tenant naming another team is refused.
 */
export function readTenancy(section: ObjectReader<string>, knownTeams: ReadonlySet<string>): Tenancy | undefined {
    const { problems } = section;
    const raw = section.raw("tenants");
    if (raw === undefined) {
        if (section.has("defaultTenant")) {
            problems.add(section.keyPath("defaultTenant"), "only applies with topology.tenants; add the tenants (e.g. tenants: { payments: { teams: [payments] } }) or remove it");
        }
        return undefined;
    }
    const defaultTenant = section.string("defaultTenant", DEFAULT_TENANT, TENANT_ID);
    const tenantsPath = section.keyPath("tenants");
    if (typeof raw !== "object" || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
        problems.add(tenantsPath, "expected a map of tenant id to { teams, limits }, e.g. { payments: { teams: [payments, checkout] } }");
        return undefined;
    }
    const owner = new Map<string, string>();
    const tenants: Tenant[] = [];
    for (const id of Object.keys(raw as Record<string, unknown>)) {
        const path = `${tenantsPath}.${id}`;
        if (!TENANT_ID.test(id)) {
            problems.add(path, `${JSON.stringify(id)} ${TENANT_ID.hint}`);
            continue;
        }
        const tenant = new ObjectReader(path, (raw as Record<string, Raw>)[id], problems, sectionKeys(TENANT));
        const teams: string[] = [];
        for (const item of tenant.items("teams")) {
            if (typeof item.value !== "string" || item.value === "") {
                problems.add(item.path, "expected a team name");
            } else if (!knownTeams.has(item.value)) {
                const known = [...knownTeams].sort().join(", ");
                problems.add(item.path, `team ${JSON.stringify(item.value)} owns no service and has no alertmanager.teams entry; known teams: ${known || "none"}`);
            } else if (owner.has(item.value)) {
                problems.add(item.path, `team ${JSON.stringify(item.value)} is already in tenant ${owner.get(item.value)}; a team's data goes to one tenant`);
            } else {
                owner.set(item.value, id);
                teams.push(item.value);
            }
        }
        if (teams.length === 0 && id !== defaultTenant && !problems.about(tenant.keyPath("teams"))) {
            problems.add(tenant.keyPath("teams"), `is required: the teams whose services write to tenant ${id}, e.g. teams: [${id}]`);
        }
        tenants.push({ id, teams, limits: readLimits(tenant.object("limits", sectionKeys(LIMITS))) });
    }
    if (!tenants.some((tenant) => tenant.id === defaultTenant)) {
        tenants.push({ id: defaultTenant, teams: [], limits: {} });
    }
    return { defaultTenant, tenants: tenants.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}
