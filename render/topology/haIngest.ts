/**
 * HA metrics ingest (model/haIngest.ts) as the two ends render it: Prometheus's external labels
 * naming its pair and replica, and Mimir's HA tracker that keeps one replica's samples.
 *
 * The tracker's key-value store is memberlist, the one the distributors already gossip on: it is
 * Mimir 3's default for `-distributor.ha-tracker.store` (cmd/mimir/help.txt.tmpl at 003c19d), and
 * Mimir's docs deprecate Consul and etcd for it ("Migrate HA tracker from Consul or etcd to
 * memberlist", docs/sources/mimir/configure/; the mimir-distributed chart's "Configure
 * high-availability deduplication": memberlist by default from 3.0, no external dependency). So no
 * KV store of our own runs for it.
 *
 * Every OTLP push reaches both replicas (the gateways export to each replica's own address,
 * render/collector.ts), so the elected replica holds every pushed series, and so does the other
 * when the election moves to it.
 */
import { StackConfig } from "../../config/types";
import { HA_LABELS, POD_NAME_ENV, prometheusHaCluster } from "../../model/haIngest";

/** prometheus.yml with the HA labels among its external labels, in the distributed topology only (the single one has no Mimir to deduplicate). */
export function withHaLabels<P extends { global: { external_labels: Readonly<Record<string, string>> } }>(config: StackConfig, prometheus: P): P {
    if (config.topology.kind !== "distributed") {
        return prometheus;
    }
    const external_labels = { ...prometheus.global.external_labels, [HA_LABELS.cluster]: prometheusHaCluster(config.namespace), [HA_LABELS.replica]: `\${${POD_NAME_ENV}}` };
    return { ...prometheus, global: { ...prometheus.global, external_labels } };
}

/** Mimir's `distributor.ha_tracker`: on, its state gossiped on the engine's memberlist cluster. */
export const MIMIR_HA_TRACKER = { enable_ha_tracker: true, kvstore: { store: "memberlist" } } as const;

/** Mimir's default limits for HA samples: every tenant accepts them, by the label names both ends share. */
export const MIMIR_HA_LIMITS = { accept_ha_samples: true, ha_cluster_label: HA_LABELS.cluster, ha_replica_label: HA_LABELS.replica } as const;

/** The environment variable the Prometheus container needs for its replica label, in the distributed topology. */
export function prometheusPodNameEnv(config: StackConfig): string | undefined {
    return config.topology.kind === "distributed" ? POD_NAME_ENV : undefined;
}
