/**
 * HA metrics ingest in the distributed topology, as facts written once. Prometheus runs as a pair
 * (and the operator's agent as one too); both replicas of a pair scrape the same targets and receive
 * every OTLP push, and each remote-writes everything to Mimir with two external labels: the pair
 * (`cluster`) and the replica (`__replica__`, the pod's name). Mimir's distributors keep one elected
 * replica's samples per pair and tenant and drop the other's; the replica label is removed before
 * storage, so queries see one series, and a replica that goes silent hands the election to the other.
 *
 * The label names are Mimir's defaults (`-distributor.ha-tracker.cluster`, `-distributor.ha-tracker.replica`
 * in cmd/mimir/help.txt.tmpl at 003c19d); renderers of both ends read them from here.
 */

export const HA_LABELS = {
    /** Names the HA pair; kept on every stored series. */
    cluster: "cluster",
    /** Names the replica within the pair; Mimir removes it from the series it accepts. */
    replica: "__replica__",
} as const;

/**
 * The environment variable holding a Prometheus pod's own name (Kubernetes downward API,
 * `metadata.name`): its replica label. Prometheus 3 expands `${VAR}` in external label values by
 * default (the `expand-external-labels` feature flag was removed in 3.0 and made the behaviour:
 * docs/migration.md at v3.15.0).
 */
export const POD_NAME_ENV = "POD_NAME";

/** The `cluster` label of the stack's Prometheus pair; the agent's is `<namespace>/<agent>`, which the operator sets itself. */
export function prometheusHaCluster(namespace: string): string {
    return `${namespace}/prometheus`;
}
