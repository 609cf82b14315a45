/**
 * What each workload's container runs: its main config file and command-line flags. Rendered here,
 * once, so the components only mount what they are given and the data-flow harness derives its
 * loopback variants from exactly these args.
 */
import { Resources, StackConfig } from "../config/types";
import { NANO, parseQuantity } from "../config/units";
import { CONFIG_FILES, PATHS, PORTS } from "../model/components";
import { prometheusPodNameEnv } from "./topology/haIngest";
import { checksum } from "./checksum";
import { prometheusArgs } from "./prometheus";

export type WorkloadName = keyof typeof CONFIG_FILES;

export interface RenderedWorkload {
    /** The main config file, mounted from a ConfigMap into `configDir`. */
    readonly configFileName: string;
    readonly configDir: string;
    readonly config: string;
    /** Container args (the image's entrypoint runs them). */
    readonly args: readonly string[];
    /** Checksum of the config: the pod-template annotation that rolls the pod when it changes. */
    readonly checksum: string;
    /** Environment variables of the container (GOMEMLIMIT for the Go programs that do not set it themselves). */
    readonly env: Readonly<Record<string, string>>;
    /** An environment variable the container gets holding its pod's name (downward API `metadata.name`); absent: none. */
    readonly podNameEnv?: string;
}

/** GOMEMLIMIT as a share of the memory limit, in percent: the rest is headroom for non-heap memory (stacks, mmap, cgo). */
export const GO_MEMORY_LIMIT_PERCENT = 80n;

/**
 * GOMEMLIMIT in bytes (Go reads a plain number as bytes), 80% of the container's memory limit,
 * rounded down: the garbage collector works harder before the kernel's OOM killer steps in,
 * instead of at the limit itself, where the kill comes first.
 */
export function goMemoryLimit(resources: Resources): string {
    const limit = parseQuantity(resources.limits.memory);
    if (limit === undefined || limit <= 0n) {
        throw new Error(`memory limit ${resources.limits.memory} is not a positive Kubernetes quantity`);
    }
    return String((limit * GO_MEMORY_LIMIT_PERCENT) / 100n / NANO);
}

/** Alertmanager flags: clustered (gossip on the cluster port, every peer listed) only with more than one replica. */
export function alertmanagerArgs(config: StackConfig): string[] {
    const replicas = config.alertmanager.replicas;
    const peers = Array.from({ length: replicas > 1 ? replicas : 0 }, (_, i) => `--cluster.peer=alertmanager-${i}.alertmanager-peers:${PORTS.alertmanagerCluster}`);
    return [
        `--config.file=${PATHS.alertmanagerConfigDir}/${CONFIG_FILES.alertmanager}`,
        `--storage.path=${PATHS.alertmanagerData}`,
        `--web.listen-address=:${PORTS.alertmanager}`,
        replicas > 1 ? `--cluster.listen-address=0.0.0.0:${PORTS.alertmanagerCluster}` : "--cluster.listen-address=",
        ...peers,
    ];
}

/** Loki and Tempo: expand-env, because object-storage keys arrive as environment variables, never in the file. */
function singleBinaryArgs(configDir: string, fileName: string): string[] {
    return [`-config.file=${configDir}/${fileName}`, "-config.expand-env=true"];
}

const collectorArgs = (fileName: string) => [`--config=${PATHS.collectorConfigDir}/${fileName}`];

export interface WorkloadConfigs {
    readonly prometheus: string;
    readonly alertmanager: string;
    readonly loki: string;
    readonly tempo: string;
    readonly "otel-collector": string;
    readonly "otel-agent": string;
}

function withPodNameEnv(workload: RenderedWorkload, name: string | undefined): RenderedWorkload {
    return name === undefined ? workload : { ...workload, podNameEnv: name };
}

export function renderWorkloads(config: StackConfig, files: WorkloadConfigs): Record<WorkloadName, RenderedWorkload> {
    const workload = (name: WorkloadName, configDir: string, args: string[], resources?: Resources): RenderedWorkload => ({
        configFileName: CONFIG_FILES[name],
        configDir,
        config: files[name],
        args,
        checksum: checksum(files[name]),
        env: resources ? { GOMEMLIMIT: goMemoryLimit(resources) } : {},
    });
    const { alertmanager, loki, tempo, collector } = config;
    return {
        // Prometheus 3 sets its own Go memory limit from the cgroup limit (--auto-gomemlimit, 90%).
        // Its pod name is its replica label in the distributed topology (render/topology/haIngest.ts).
        prometheus: withPodNameEnv(workload("prometheus", PATHS.prometheusConfigDir, prometheusArgs(config)), prometheusPodNameEnv(config)),
        alertmanager: workload("alertmanager", PATHS.alertmanagerConfigDir, alertmanagerArgs(config), alertmanager.resources),
        loki: workload("loki", PATHS.lokiConfigDir, singleBinaryArgs(PATHS.lokiConfigDir, CONFIG_FILES.loki), loki.resources),
        tempo: workload("tempo", PATHS.tempoConfigDir, singleBinaryArgs(PATHS.tempoConfigDir, CONFIG_FILES.tempo), tempo.resources),
        "otel-collector": workload("otel-collector", PATHS.collectorConfigDir, collectorArgs(CONFIG_FILES["otel-collector"]), collector.gatewayResources),
        "otel-agent": workload("otel-agent", PATHS.collectorConfigDir, collectorArgs(CONFIG_FILES["otel-agent"]), collector.agentResources),
    };
}
