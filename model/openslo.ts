/**
 * OpenSLO v1 (github.com/OpenSLO/OpenSLO, README "Specification") as lgtm-stack reads and writes it:
 * the facts both the import (config/openslo.ts) and the export (render/openslo.ts) rely on.
 */
export const OPENSLO_API_VERSION = "openslo/v1";

/** The only metric source whose queries we can evaluate: our own Prometheus (or Mimir). */
export const OPENSLO_PROMETHEUS_SOURCE = "Prometheus";

/** The one budgeting method our burn-rate SLOs follow: good events over all events. */
export const OPENSLO_BUDGETING_METHOD = "Occurrences";

/**
 * Implementation-specific metadata, which the spec reserves `metadata.annotations` for: what an
 * lgtm-stack service needs beyond OpenSLO, written by the export and read back by the import.
 */
export const OPENSLO_ANNOTATIONS = {
    /** On a Service: the Kubernetes namespace of the service. */
    namespace: "lgtm-stack/namespace",
    /** On a threshold-metric SLI: the histogram's bucket bounds in seconds, comma-separated. */
    histogramBuckets: "lgtm-stack/histogram-buckets",
    /** On an AlertCondition: the short window of the multiwindow pair (default: lookbackWindow / 12). */
    shortWindow: "lgtm-stack/short-window",
    /** On an AlertCondition: the pair spends this share of the SLO window's budget (the threshold is its burn rate). */
    budgetPercent: "lgtm-stack/budget-percent",
} as const;

export const OPENSLO_ANNOTATION_PREFIX = "lgtm-stack/";

/** `metadata.labels` key carrying the owning team (the alerts' `team` label). */
export const OPENSLO_TEAM_LABEL = "team";

/** The SRE Workbook's short window is 1/12 of the long one (5m for 1h, 30m for 6h, 2h for 1d, 6h for 3d). */
export const SHORT_WINDOW_DIVISOR = 12;

/** AlertCondition severities and the half of a burn-rate policy they become. */
export const OPENSLO_SEVERITIES: Readonly<Record<string, "page" | "ticket">> = { page: "page", critical: "page", ticket: "ticket", warning: "ticket" };
