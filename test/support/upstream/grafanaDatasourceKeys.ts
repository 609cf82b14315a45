/**
 * The datasource `jsonData` keys we set, per datasource type, written by hand from grafana/grafana's
 * provisioning docs for the 12.x line: docs/sources/datasources/prometheus/configure/_index.md
 * (exemplars, HTTP method, scrape interval, Prometheus type), docs/sources/datasources/loki/configure/index.md
 * (maxLines, derivedFields), docs/sources/datasources/tempo/configure-tempo-data-source/provision.md
 * and its configure-trace-to-logs / configure-trace-to-metrics / additional-settings pages, the
 * Tempo datasource's TempoJsonData type (public/app/plugins/datasource/tempo/types.ts) for
 * lokiSearch, and docs/sources/datasources/alertmanager for implementation/handleGrafanaManagedAlerts.
 */
import { block, bool, enumOf, int, KeyList, objects, str } from "./schema";

/** Grafana's time shifts: a signed Go-style duration such as -5m or 1h. */
const timeShift = { kind: "string" } as const;

/**
 * A custom header every HTTP datasource can send (administration/provisioning "Custom HTTP headers
 * for data sources": `httpHeaderName<n>` in jsonData, its value `httpHeaderValue<n>` in
 * secureJsonData); Tempo's multi-tenancy page provisions X-Scope-OrgID this way.
 */
const TENANT_HEADER_KEY = { httpHeaderName1: { type: str, note: "name of the first custom header (its value is secureJsonData.httpHeaderValue1)" } } as const;

export const GRAFANA_DATASOURCE_KEYS: Readonly<Record<string, KeyList>> = {
    prometheus: {
        ...TENANT_HEADER_KEY,
        httpMethod: { type: enumOf("POST", "GET"), note: "HTTP method of queries; POST allows long queries" },
        prometheusType: { type: enumOf("Prometheus", "Cortex", "Mimir", "Thanos"), note: "which Prometheus flavour the server is" },
        timeInterval: { type: str, note: "the scrape interval, lower bound of query steps (e.g. 30s)" },
        exemplarTraceIdDestinations: { type: objects, note: "where exemplar trace ids link to" },
        "exemplarTraceIdDestinations[].name": { type: str, note: "exemplar label holding the trace id" },
        "exemplarTraceIdDestinations[].datasourceUid": { type: str, note: "tracing datasource the link opens" },
        "exemplarTraceIdDestinations[].urlDisplayLabel": { type: str, note: "link label shown on the exemplar" },
    },
    loki: {
        ...TENANT_HEADER_KEY,
        maxLines: { type: int, note: "most log lines a query returns" },
        derivedFields: { type: objects, note: "fields extracted from log lines or labels, with links" },
        "derivedFields[].name": { type: str, note: "field name shown in log details" },
        "derivedFields[].matcherType": { type: enumOf("regex", "label"), note: "match the log line with a regex, or take a label's value" },
        "derivedFields[].matcherRegex": { type: str, note: "regex with one capture group, or the label name" },
        "derivedFields[].datasourceUid": { type: str, note: "internal link target (a tracing datasource)" },
        "derivedFields[].url": { type: str, note: "query for the target datasource, ${__value.raw} is the field value" },
        "derivedFields[].urlDisplayLabel": { type: str, note: "link label" },
    },
    tempo: {
        ...TENANT_HEADER_KEY,
        tracesToLogsV2: { type: block, note: "span → logs links" },
        "tracesToLogsV2.datasourceUid": { type: str, note: "logs datasource" },
        "tracesToLogsV2.spanStartTimeShift": { type: timeShift, note: "widen the logs query before the span" },
        "tracesToLogsV2.spanEndTimeShift": { type: timeShift, note: "widen the logs query after the span" },
        "tracesToLogsV2.filterByTraceID": { type: bool, note: "filter logs by the trace id" },
        "tracesToLogsV2.filterBySpanID": { type: bool, note: "filter logs by the span id" },
        "tracesToLogsV2.tags": { type: objects, note: "span attributes turned into log label matchers" },
        "tracesToLogsV2.tags[].key": { type: str, note: "span attribute" },
        "tracesToLogsV2.tags[].value": { type: str, note: "log label it maps to" },
        tracesToMetrics: { type: block, note: "span → metrics links" },
        "tracesToMetrics.datasourceUid": { type: str, note: "metrics datasource" },
        "tracesToMetrics.spanStartTimeShift": { type: timeShift, note: "widen the metrics query before the span" },
        "tracesToMetrics.spanEndTimeShift": { type: timeShift, note: "widen the metrics query after the span" },
        "tracesToMetrics.tags": { type: objects, note: "span attributes turned into metric label matchers ($__tags)" },
        "tracesToMetrics.tags[].key": { type: str, note: "span attribute" },
        "tracesToMetrics.tags[].value": { type: str, note: "metric label it maps to" },
        "tracesToMetrics.queries": { type: objects, note: "named queries offered on a span" },
        "tracesToMetrics.queries[].name": { type: str, note: "link name" },
        "tracesToMetrics.queries[].query": { type: str, note: "PromQL, may use $__tags" },
        serviceMap: { type: block, note: "service graph" },
        "serviceMap.datasourceUid": { type: str, note: "Prometheus holding the service-graph metrics" },
        nodeGraph: { type: block, note: "node graph above the trace view" },
        "nodeGraph.enabled": { type: bool, note: "show it" },
        lokiSearch: { type: block, note: "legacy Loki search query type (still in TempoJsonData)" },
        "lokiSearch.datasourceUid": { type: str, note: "logs datasource it searches" },
        search: { type: block, note: "TraceQL search tab" },
        "search.hide": { type: bool, note: "hide the search tab" },
        streamingEnabled: { type: block, note: "stream results from Tempo (needs stream_over_http_enabled)" },
        "streamingEnabled.search": { type: bool, note: "stream search results" },
        "streamingEnabled.metrics": { type: bool, note: "stream TraceQL metrics results" },
    },
    alertmanager: {
        implementation: { type: enumOf("prometheus", "mimir", "cortex"), note: "which Alertmanager implementation the server is" },
        handleGrafanaManagedAlerts: { type: bool, note: "send Grafana-managed alerts to this Alertmanager" },
    },
};
