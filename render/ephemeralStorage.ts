/**
 * Every workload's scratch space for this stack (model/ephemeralStorage.ts): the profile's sizes,
 * and a data emptyDir exactly where the workload's data is not on a volume.
 */
import { StackConfig } from "../config/types";
import { SCRATCH_SPACE_MI, scratchSpace, ScratchSpace, ScratchWorkload } from "../model/ephemeralStorage";
import { Engine, TIERS } from "../model/topology";

export type RenderedScratch = Readonly<Record<ScratchWorkload, ScratchSpace>>;

/** Where each workload keeps its data on an emptyDir: without persistence, and the distributed engines' stateless tiers. */
function dataOnEmptyDir(config: StackConfig): Partial<Record<ScratchWorkload, boolean>> {
    const volumeOf: Record<Engine, boolean> = { loki: config.loki.persistence.enabled, tempo: config.tempo.persistence.enabled, mimir: true };
    const tiers = (Object.keys(TIERS) as Engine[]).flatMap((engine) =>
        Object.entries(TIERS[engine]).map(([tier, shape]) => [`${engine}-${tier}`, shape.kind === "stateless" || !volumeOf[engine]] as const),
    );
    return {
        alertmanager: !config.alertmanager.persistence.enabled,
        loki: !config.loki.persistence.enabled,
        tempo: !config.tempo.persistence.enabled,
        grafana: !config.grafana.persistence.enabled,
        // Always on an emptyDir: the dashboards are the ConfigMaps', rewritten at every start.
        "grafana-dashboard-sidecar": true,
        // The operator puts the agent's WAL on an emptyDir (no storage class asked for: it is a buffer).
        "prometheus-agent": true,
        ...Object.fromEntries(tiers),
    };
}

export function renderScratch(config: StackConfig): RenderedScratch {
    const onEmptyDir = dataOnEmptyDir(config);
    const workloads = Object.keys(SCRATCH_SPACE_MI) as ScratchWorkload[];
    return Object.fromEntries(workloads.map((workload) => [workload, scratchSpace(config.profile, workload, onEmptyDir[workload] ?? false)])) as RenderedScratch;
}
