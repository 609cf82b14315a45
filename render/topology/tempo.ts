/**
 * Tempo distributed: distributors, replicated ingesters, queriers pulling work from the
 * query-frontend, compactors sharing the blocks through a ring, metrics-generators remote-writing
 * span metrics and service graphs to Mimir. Rings on memberlist; blocks in object storage.
 */
import { StackConfig } from "../../config/types";
import { DistributedEndpoints, gossipServiceName, headlessName, memberlistClusterLabel, TOPOLOGY_PORTS } from "../../model/topology";
import { renderTempoConfig } from "../tempo";
import { clusterEndpoints } from "../../model/components";

/** Each trace is written to three ingesters, as Tempo's distributed deployment recommends. */
export const TEMPO_REPLICATION_FACTOR = 3;

const MEMBERLIST_RING = { kvstore: { store: "memberlist" } } as const;

export function renderTempoDistributedConfig(config: StackConfig, endpoints: DistributedEndpoints) {
    const monolith = renderTempoConfig(config, clusterEndpoints(config.namespace));
    const host = (name: string) => `${name}.${config.namespace}.svc.cluster.local`;
    return {
        ...monolith,
        distributor: { ...monolith.distributor, ring: MEMBERLIST_RING },
        ingester: { ...monolith.ingester, lifecycler: { ring: { ...MEMBERLIST_RING, replication_factor: TEMPO_REPLICATION_FACTOR } } },
        memberlist: { join_members: [`${host(gossipServiceName("tempo"))}:${TOPOLOGY_PORTS.gossip}`], cluster_label: memberlistClusterLabel(config.namespace, "tempo") },
        compactor: { ...monolith.compactor, ring: MEMBERLIST_RING },
        querier: { frontend_worker: { frontend_address: `${host(headlessName("tempo", "query-frontend"))}:${TOPOLOGY_PORTS.grpc}` } },
        metrics_generator: {
            ...monolith.metrics_generator,
            ring: MEMBERLIST_RING,
            // Span metrics and service graphs go to Mimir, which holds every other metric too.
            storage: { ...monolith.metrics_generator.storage, remote_write: [{ url: endpoints.mimirPush, send_exemplars: true }] },
        },
    };
}
