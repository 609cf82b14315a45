/**
 * Grafana datasources wired for correlation: metric exemplar → trace, log line → trace (derived
 * field), trace → logs / metrics / service map. The same objects become Grafana's datasource
 * provisioning file (`grafana.mode: files`), the Grafana provider's resources (`api`, `external`) and
 * the render command's files.
 */
import { Tenancy } from "../config/topology";
import { DatasourceUrls } from "../config/types";
import { DATASOURCE_UIDS } from "../model/ids";
import { TENANT_HEADER } from "../model/topology";
import { allTenantsHeader, tenantKey } from "./topology/tenancy";

export interface DatasourceDefinition {
    readonly name: string;
    readonly uid: string;
    readonly type: string;
    readonly url: string;
    readonly isDefault: boolean;
    readonly jsonData: Record<string, unknown>;
    /** Encrypted by Grafana, never shown: here the tenant header's value (topology.tenants). */
    readonly secureJsonData?: Record<string, string>;
}

/** The uids of one set of the three correlated datasources (metrics, logs, traces). */
interface DatasourceUids {
    readonly prometheus: string;
    readonly loki: string;
    readonly tempo: string;
}

/** The uids of a tenant's own datasources: the stack's, suffixed with the tenant ({@link tenantKey}). */
export function tenantDatasourceUids(tenant: string): DatasourceUids {
    const key = tenantKey(tenant);
    return { prometheus: `${DATASOURCE_UIDS.prometheus}-${key}`, loki: `${DATASOURCE_UIDS.loki}-${key}`, tempo: `${DATASOURCE_UIDS.tempo}-${key}` };
}

/** Matches `"trace_id":"<32 hex>"` (and traceId / trace_id=) in raw JSON or logfmt lines. */
export const TRACE_ID_REGEX = '(?:trace_id|traceId|traceID)"?[=:]\\s*"?([0-9a-f]{32})';

/** `endpoints`: the in-cluster Services, or with `grafana.mode: external` the URLs the user gives for reaching them. */
/**
 * `endpoints`: the in-cluster Services, or with `grafana.mode: external` the URLs the user gives for reaching them.
 * With topology.tenants, the stack-wide Prometheus, Loki and Tempo read every tenant at once (the
 * engines' cross-tenant queries: the overview and stack dashboards see every service), and each
 * tenant gets its own three, linked among themselves, which its teams' dashboards use.
 */
export function renderDatasources(endpoints: DatasourceUrls, tenancy?: Tenancy): DatasourceDefinition[] {
    const [prometheus, loki, tempo] = correlated(endpoints, DATASOURCE_UIDS, "", true, tenancy ? allTenantsHeader(tenancy) : undefined);
    const alertmanager: DatasourceDefinition = {
        name: "Alertmanager",
        uid: DATASOURCE_UIDS.alertmanager,
        type: "alertmanager",
        url: endpoints.alertmanager,
        isDefault: false,
        jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
    };
    const tenants = (tenancy?.tenants ?? []).flatMap(({ id }) => correlated(endpoints, tenantDatasourceUids(id), ` (${id})`, false, id));
    return [prometheus, loki, tempo, alertmanager, ...tenants];
}

/** Sends the tenant header (cross-tenant reads: ids joined by `|`), Grafana's custom-header pair. */
function withTenant(datasource: DatasourceDefinition, tenant: string | undefined): DatasourceDefinition {
    if (tenant === undefined) {
        return datasource;
    }
    return { ...datasource, jsonData: { ...datasource.jsonData, httpHeaderName1: TENANT_HEADER }, secureJsonData: { httpHeaderValue1: tenant } };
}

function correlated(endpoints: DatasourceUrls, uids: DatasourceUids, suffix: string, isDefault: boolean, tenant: string | undefined): DatasourceDefinition[] {
    return [
        {
            name: `Prometheus${suffix}`,
            uid: uids.prometheus,
            type: "prometheus",
            url: endpoints.prometheus,
            isDefault,
            jsonData: {
                httpMethod: "POST",
                prometheusType: "Prometheus",
                timeInterval: "30s",
                // Exemplars carry the OTel trace id under trace_id: clicking one opens the trace.
                exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: uids.tempo, urlDisplayLabel: "View trace" }],
            },
        },
        {
            name: `Loki${suffix}`,
            uid: uids.loki,
            type: "loki",
            url: endpoints.loki,
            isDefault: false,
            jsonData: {
                maxLines: 1000,
                derivedFields: [
                    // OTLP-ingested logs carry trace_id as structured metadata.
                    { name: "trace_id", matcherType: "label", matcherRegex: "trace_id", datasourceUid: uids.tempo, url: "${__value.raw}", urlDisplayLabel: "View trace" },
                    // Plain JSON lines that were not parsed upstream.
                    { name: "TraceID", matcherType: "regex", matcherRegex: TRACE_ID_REGEX, datasourceUid: uids.tempo, url: "${__value.raw}", urlDisplayLabel: "View trace" },
                ],
            },
        },
        {
            name: `Tempo${suffix}`,
            uid: uids.tempo,
            type: "tempo",
            url: endpoints.tempo,
            isDefault: false,
            jsonData: {
                tracesToLogsV2: {
                    datasourceUid: uids.loki,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: true,
                    filterBySpanID: false,
                    tags: [{ key: "service.name", value: "service_name" }],
                },
                tracesToMetrics: {
                    datasourceUid: uids.prometheus,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    tags: [{ key: "service.name", value: "service" }],
                    queries: [
                        { name: "Request rate", query: "sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))" },
                        { name: "Error rate", query: 'sum(rate(traces_spanmetrics_calls_total{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))' },
                        { name: "P95 latency", query: "histogram_quantile(0.95, sum by (le) (rate(traces_spanmetrics_latency_bucket{$__tags}[5m])))" },
                    ],
                },
                serviceMap: { datasourceUid: uids.prometheus },
                nodeGraph: { enabled: true },
                lokiSearch: { datasourceUid: uids.loki },
                search: { hide: false },
                streamingEnabled: { search: true, metrics: true },
            },
        },
    ].map((datasource) => withTenant(datasource, tenant));
}

/**
 * A team's dashboard pointed at its tenant's datasources: every reference to the stack-wide
 * Prometheus, Loki or Tempo (a panel's or target's `datasource.uid`, a link's `datasourceUid`)
 * becomes the tenant's.
 */
export function retargetDatasources<T>(model: T, tenant: string): T {
    const own = tenantDatasourceUids(tenant);
    const swap = new Map<string, string>([
        [DATASOURCE_UIDS.prometheus, own.prometheus],
        [DATASOURCE_UIDS.loki, own.loki],
        [DATASOURCE_UIDS.tempo, own.tempo],
    ]);
    const walk = (value: unknown, key?: string): unknown => {
        if (typeof value === "string") {
            return (key === "uid" || key === "datasourceUid") && swap.has(value) ? swap.get(value) : value;
        }
        if (Array.isArray(value)) {
            return value.map((item) => walk(item));
        }
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
        }
        return value;
    };
    return walk(model) as T;
}
