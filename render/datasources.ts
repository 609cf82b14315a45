/**
 * Grafana datasources wired for correlation: metric exemplar → trace, log line → trace (derived
 * field), trace → logs / metrics / service map. The same objects become Grafana's datasource
 * provisioning file (`grafana.mode: files`), the Grafana provider's resources (`api`, `external`) and
 * the render command's files.
 */
import { DatasourceUrls } from "../config/types";
import { DATASOURCE_UIDS } from "../model/ids";

export interface DatasourceDefinition {
    readonly name: string;
    readonly uid: string;
    readonly type: string;
    readonly url: string;
    readonly isDefault: boolean;
    readonly jsonData: Record<string, unknown>;
}

/** Matches `"trace_id":"<32 hex>"` (and traceId / trace_id=) in raw JSON or logfmt lines. */
export const TRACE_ID_REGEX = '(?:trace_id|traceId|traceID)"?[=:]\\s*"?([0-9a-f]{32})';

/** `endpoints`: the in-cluster Services, or with `grafana.mode: external` the URLs the user gives for reaching them. */
export function renderDatasources(endpoints: DatasourceUrls): DatasourceDefinition[] {
    return [
        {
            name: "Prometheus",
            uid: DATASOURCE_UIDS.prometheus,
            type: "prometheus",
            url: endpoints.prometheus,
            isDefault: true,
            jsonData: {
                httpMethod: "POST",
                prometheusType: "Prometheus",
                timeInterval: "30s",
                // Exemplars carry the OTel trace id under trace_id: clicking one opens the trace.
                exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: DATASOURCE_UIDS.tempo, urlDisplayLabel: "View trace" }],
            },
        },
        {
            name: "Loki",
            uid: DATASOURCE_UIDS.loki,
            type: "loki",
            url: endpoints.loki,
            isDefault: false,
            jsonData: {
                maxLines: 1000,
                derivedFields: [
                    // OTLP-ingested logs carry trace_id as structured metadata.
                    { name: "trace_id", matcherType: "label", matcherRegex: "trace_id", datasourceUid: DATASOURCE_UIDS.tempo, url: "${__value.raw}", urlDisplayLabel: "View trace" },
                    // Plain JSON lines that were not parsed upstream.
                    { name: "TraceID", matcherType: "regex", matcherRegex: TRACE_ID_REGEX, datasourceUid: DATASOURCE_UIDS.tempo, url: "${__value.raw}", urlDisplayLabel: "View trace" },
                ],
            },
        },
        {
            name: "Tempo",
            uid: DATASOURCE_UIDS.tempo,
            type: "tempo",
            url: endpoints.tempo,
            isDefault: false,
            jsonData: {
                tracesToLogsV2: {
                    datasourceUid: DATASOURCE_UIDS.loki,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: true,
                    filterBySpanID: false,
                    tags: [{ key: "service.name", value: "service_name" }],
                },
                tracesToMetrics: {
                    datasourceUid: DATASOURCE_UIDS.prometheus,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    tags: [{ key: "service.name", value: "service" }],
                    queries: [
                        { name: "Request rate", query: "sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))" },
                        { name: "Error rate", query: 'sum(rate(traces_spanmetrics_calls_total{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))' },
                        { name: "P95 latency", query: "histogram_quantile(0.95, sum by (le) (rate(traces_spanmetrics_latency_bucket{$__tags}[5m])))" },
                    ],
                },
                serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
                nodeGraph: { enabled: true },
                lokiSearch: { datasourceUid: DATASOURCE_UIDS.loki },
                search: { hide: false },
                streamingEnabled: { search: true, metrics: true },
            },
        },
        {
            name: "Alertmanager",
            uid: DATASOURCE_UIDS.alertmanager,
            type: "alertmanager",
            url: endpoints.alertmanager,
            isDefault: false,
            jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
        },
    ];
}
