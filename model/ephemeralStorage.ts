/**
 * Node-local scratch space of every workload, per profile: the `sizeLimit` of each emptyDir it
 * mounts and the ephemeral-storage its container requests and is limited to. Without them one pod
 * filling its scratch space fills the node's disk and gets its neighbours evicted.
 *
 * The kubelet charges a pod's emptyDirs (other than memory-backed ones), its containers' writable
 * layers and their logs against the sum of its containers' ephemeral-storage limits, and evicts a
 * pod whose emptyDir outgrows its `sizeLimit`. So a container's limit is its logs' allowance plus
 * every emptyDir its pod mounts (root filesystems are read-only: no writable layer to count). The
 * request equals the limit: the scheduler reserves all the scratch a pod may fill, and under disk
 * pressure the kubelet evicts first the pods that use more than they requested, never ours.
 */

/**
 * Logs of one container: the kubelet rotates at `containerLogMaxSize` (10Mi) and keeps
 * `containerLogMaxFiles` (5) files by default: 50Mi, rounded up.
 */
export const CONTAINER_LOGS_MI = 64;

/** Sizes in MiB: `tmp`, the /tmp emptyDir (0: none); `data`, the data emptyDir where the workload's data is not on a volume (0: never). */
export interface ScratchSizes {
    readonly tmp: number;
    readonly data: number;
}

type PerProfile = { readonly dev: ScratchSizes; readonly prod: ScratchSizes };
const sizes = (dev: [tmp: number, data: number], prod: [tmp: number, data: number]): PerProfile => ({
    dev: { tmp: dev[0], data: dev[1] },
    prod: { tmp: prod[0], data: prod[1] },
});

/**
 * The one table, by workload (Kubernetes name; distributed tiers as `<engine>-<tier>`):
 * [tmp, data] in MiB for the dev and the prod profile. `data` is used only where the data is not on
 * a volume: Loki, Tempo, Alertmanager and Grafana without persistence, the distributed engines'
 * stateless tiers (their working directory: caches, the ruler's WAL) and stateful tiers without a
 * volume. Prometheus's TSDB and the gateway's queues are always on a volume, the node agent's state
 * on the node (hostPath).
 */
export const SCRATCH_SPACE_MI = {
    prometheus: sizes([64, 0], [64, 0]),
    alertmanager: sizes([64, 64], [64, 256]),
    loki: sizes([64, 2048], [64, 8192]),
    tempo: sizes([64, 2048], [64, 8192]),
    grafana: sizes([256, 512], [256, 1024]),
    // The k8s-sidecars of grafana.dashboardConfigMaps: `data` is the folder of other teams' dashboard JSON they write for Grafana.
    "grafana-dashboard-sidecar": sizes([64, 64], [64, 256]),
    "otel-collector": sizes([64, 0], [64, 0]),
    "otel-agent": sizes([64, 0], [64, 0]),
    "otel-collector-lb": sizes([64, 0], [64, 0]),
    "blackbox-exporter": sizes([64, 0], [64, 0]),
    "node-exporter": sizes([0, 0], [0, 0]),
    "kube-state-metrics": sizes([0, 0], [0, 0]),
    "prometheus-operator": sizes([64, 0], [64, 0]),
    // The operator's agent (our PrometheusAgent): `data` is its WAL, the remote-write buffer, on the
    // emptyDir the operator makes for it (`storage.emptyDir`); its root filesystem is read-only, no /tmp.
    "prometheus-agent": sizes([0, 1024], [0, 4096]),
    // The operator's config-reloader sidecar and init container in the agent's pod: logs only.
    "prometheus-config-reloader": sizes([0, 0], [0, 0]),
    "loki-distributor": sizes([64, 256], [64, 1024]),
    "loki-ingester": sizes([64, 4096], [64, 16384]),
    "loki-querier": sizes([64, 1024], [64, 4096]),
    "loki-query-frontend": sizes([64, 256], [64, 1024]),
    "loki-query-scheduler": sizes([64, 64], [64, 64]),
    "loki-compactor": sizes([64, 2048], [64, 8192]),
    "loki-index-gateway": sizes([64, 2048], [64, 8192]),
    "loki-ruler": sizes([64, 512], [64, 2048]),
    "tempo-distributor": sizes([64, 256], [64, 1024]),
    "tempo-ingester": sizes([64, 4096], [64, 16384]),
    "tempo-querier": sizes([64, 1024], [64, 4096]),
    "tempo-query-frontend": sizes([64, 256], [64, 1024]),
    "tempo-compactor": sizes([64, 1024], [64, 4096]),
    "tempo-metrics-generator": sizes([64, 1024], [64, 4096]),
    "mimir-distributor": sizes([64, 256], [64, 1024]),
    "mimir-ingester": sizes([64, 4096], [64, 16384]),
    "mimir-querier": sizes([64, 1024], [64, 4096]),
    "mimir-query-frontend": sizes([64, 256], [64, 1024]),
    "mimir-query-scheduler": sizes([64, 64], [64, 64]),
    "mimir-store-gateway": sizes([64, 2048], [64, 8192]),
    "mimir-compactor": sizes([64, 4096], [64, 16384]),
    "mimir-ruler": sizes([64, 512], [64, 2048]),
} as const satisfies Record<string, PerProfile>;

export type ScratchWorkload = keyof typeof SCRATCH_SPACE_MI;

/** What a workload's pod gets: the emptyDirs' `sizeLimit`s and its container's ephemeral-storage (request = limit). */
export interface ScratchSpace {
    /** `sizeLimit` of the /tmp emptyDir; undefined where the workload mounts none. */
    readonly tmp?: string;
    /** `sizeLimit` of the data emptyDir; undefined where the data is on a volume. */
    readonly data?: string;
    /** The container's ephemeral-storage request and limit: its logs and every emptyDir above. */
    readonly storage: string;
}

const mebibytes = (mi: number) => `${mi}Mi`;

/** CPU and memory as configured, and ephemeral-storage (request = limit) from the container's scratch space. */
export function withScratch(resources: { readonly requests?: object; readonly limits?: object }, scratch: ScratchSpace) {
    return {
        requests: { ...resources.requests, "ephemeral-storage": scratch.storage },
        limits: { ...resources.limits, "ephemeral-storage": scratch.storage },
    };
}

/** The scratch space of `workload` in `profile`, with its data on an emptyDir or not. */
export function scratchSpace(profile: "dev" | "prod", workload: ScratchWorkload, dataOnEmptyDir: boolean): ScratchSpace {
    const { tmp, data } = SCRATCH_SPACE_MI[workload][profile];
    if (dataOnEmptyDir && data === 0) {
        throw new Error(`${workload} keeps its data on an emptyDir but model/ephemeralStorage.ts gives it no data size; add one`);
    }
    const dataMi = dataOnEmptyDir ? data : 0;
    return {
        ...(tmp > 0 ? { tmp: mebibytes(tmp) } : {}),
        ...(dataOnEmptyDir ? { data: mebibytes(data) } : {}),
        storage: mebibytes(CONTAINER_LOGS_MI + tmp + dataMi),
    };
}
