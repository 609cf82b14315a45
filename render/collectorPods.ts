/**
 * The OpenTelemetry Collector's pods, described: the gateway, the node agent and, in the
 * distributed topology, the load-balancing tier (render/pods.ts describes the other backends).
 */
import { StackConfig } from "../config/types";
import { CONFIG_CHECKSUM_ANNOTATION, PATHS } from "../model/components";
import { ScratchSpace } from "../model/ephemeralStorage";
import { componentLabels, selectorLabels } from "../model/labels";
import { COLLECTOR_TIERS } from "../model/topology";
import type { RenderedScratch } from "./ephemeralStorage";
import type { RenderedCollectorTiers, RenderedTopology } from "./topology";
import type { RenderedWorkload } from "./workloads";
import { COMPONENT_PORTS, componentBudget, type ComponentPod, configMapName, type Container, hardenedContainer, HPA_CPU_UTILIZATION, persistentClaim, type PodDescription, podSecurityContext, type SecurityContext, spreadAcrossNodes, spreadOver, TMP_MOUNT, tmpVolume, type VolumeMount, workloadEnv } from "./podSpec";

/**
 * What the node agent may do, and why each grant exists; nothing else is allowed.
 * - UID and GID 0: container log files under /var/log/pods are root:root 0640, and the agent's
 *   state directory on the node (file offsets and its queue, so a restart neither re-sends nor
 *   loses lines) is created root:root 0755 by the kubelet (`DirectoryOrCreate`; fsGroup does not
 *   apply to hostPath). As their owner, root reads the logs and writes its state directory.
 * - No capabilities at all: without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, root in the
 *   container gets owner access only, so it cannot read or write other users' files; no
 *   privilege escalation, read-only root filesystem, RuntimeDefault seccomp.
 * - /var/log/pods is mounted read-only; the only writable host path is the agent's own state dir.
 * Pod Security Admission's baseline level forbids hostPath volumes, so the agent runs in the node
 * agents' own namespace, which enforces `privileged` (the stack's enforces `restricted`).
 */
export const AGENT_SECURITY_CONTEXT: SecurityContext = {
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The Collector's gateway (a StatefulSet with its queue volume) and node agent (a DaemonSet); the
 * agent only with `collector.agentEnabled`, the load-balancing tier only in the distributed topology.
 */
export interface CollectorPods {
    readonly gateway: ComponentPod;
    readonly agent?: PodDescription;
    /** Topology distributed: the Deployment receiving all OTLP and routing spans by trace ID to the gateways, with its HPA. */
    readonly loadBalancer?: ComponentPod;
    /** The gateways' ClusterIP Service: `otel-collector`, or in the distributed topology the name the load-balancing tier leaves it. */
    readonly gatewayService: string;
}

function collectorContainer(config: StackConfig, component: "otel-collector" | "otel-agent", workload: RenderedWorkload, scratch: ScratchSpace, extraMounts: VolumeMount[]): Container {
    return hardenedContainer({
        name: component,
        image: config.collector.image,
        args: [...workload.args],
        // GOMEMLIMIT (rendered) below the memory limit: the Go runtime collects garbage before the OOM killer acts.
        env: [{ name: "K8S_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }, ...workloadEnv(workload)],
        ports: [...COMPONENT_PORTS["otel-collector"]],
        probePort: "health",
        resources: component === "otel-agent" ? config.collector.agentResources : config.collector.gatewayResources,
        scratch,
        readinessPath: "/",
        livenessPath: "/",
        volumeMounts: [{ name: "config", mountPath: workload.configDir, readOnly: true }, TMP_MOUNT, ...extraMounts],
    });
}

/**
 * The OpenTelemetry Collector: a gateway (OTLP in, tail sampling, durable queues on a volume) and a
 * node agent DaemonSet shipping every container's logs with Kubernetes metadata. In the distributed
 * topology an HPA scales the gateways behind the load-balancing tier, each draining before it stops.
 */
export function collectorPods(
    config: StackConfig,
    workloads: Readonly<Record<"otel-collector" | "otel-agent", RenderedWorkload>>,
    scratch: RenderedScratch,
    topology: RenderedTopology | undefined,
): CollectorPods {
    const { collector } = config;
    const drain = topology?.collector.gatewayDrain;
    const autoscaled = topology !== undefined;
    const gateway = workloads["otel-collector"];
    const agent = workloads["otel-agent"];
    const labels = componentLabels("otel-collector");
    const gatewayContainer = collectorContainer(config, "otel-collector", gateway, scratch["otel-collector"], [{ name: "queue", mountPath: PATHS.collectorQueue }]);
    const agentLabels = componentLabels("otel-agent");
    return {
        gatewayService: topology ? COLLECTOR_TIERS.gatewayService : "otel-collector",
        ...(topology ? { loadBalancer: loadBalancerPod(config, topology.collector, scratch["otel-collector-lb"]) } : {}),
        gateway: {
            pod: {
                kind: "StatefulSet",
                name: "otel-collector",
                labels,
                selector: selectorLabels("otel-collector"),
                annotations: { [CONFIG_CHECKSUM_ANNOTATION]: gateway.checksum },
                replicas: collector.gatewayReplicas,
                serviceName: COLLECTOR_TIERS.gatewayHeadless,
                autoscaled,
                spec: {
                    securityContext: podSecurityContext(10001),
                    // The gateway never calls the Kubernetes API: no token in the pod.
                    automountServiceAccountToken: false,
                    ...(collector.gatewayReplicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("otel-collector", autoscaled ? "preferred" : "required") } : {}),
                    containers: [{ ...gatewayContainer, ...(drain ? { lifecycle: { preStop: { sleep: { seconds: drain.preStopSeconds } } } } : {}) }],
                    ...(drain ? { terminationGracePeriodSeconds: drain.terminationGracePeriodSeconds } : {}),
                    volumes: [{ name: "config", configMap: { name: configMapName("otel-collector") } }, tmpVolume(scratch["otel-collector"])],
                },
                // The sending queues live here: a restart or a backend outage loses nothing already accepted.
                volumeClaimTemplates: [persistentClaim("queue", collector.queueStorageSize, config.storageClassName)],
            },
            // Several gateways (topology distributed) each hold a share of the trace IDs: a drain takes one at a time.
            budget: componentBudget(config, "otel-collector", collector.gatewayReplicas),
            // The gateways scale too; a gateway added or removed moves only its share of trace IDs to others, and they leave one at a time.
            ...(topology
                ? {
                      autoscaler: {
                          minReplicas: topology.collector.gatewayReplicas,
                          maxReplicas: topology.collector.gatewayMaxReplicas,
                          cpuUtilization: HPA_CPU_UTILIZATION,
                          scaleDown: topology.collector.gatewayScaleDown,
                      },
                  }
                : {}),
        },
        ...(collector.agentEnabled
            ? {
                  agent: {
                      kind: "DaemonSet",
                      name: "otel-agent",
                      labels: agentLabels,
                      selector: selectorLabels("otel-agent"),
                      annotations: { [CONFIG_CHECKSUM_ANNOTATION]: agent.checksum },
                      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                      spec: {
                          // Its k8sattributes service account (pods: list, watch) has the component's name.
                          serviceAccountName: "otel-agent",
                          securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
                          tolerations: [{ operator: "Exists" }],
                          containers: [
                              {
                                  ...collectorContainer(config, "otel-agent", agent, scratch["otel-agent"], [
                                      { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                                      { name: "state", mountPath: PATHS.agentState },
                                  ]),
                                  securityContext: AGENT_SECURITY_CONTEXT,
                              },
                          ],
                          volumes: [
                              { name: "config", configMap: { name: configMapName("otel-agent") } },
                              { name: "varlogpods", hostPath: { path: "/var/log/pods", type: "Directory" } },
                              { name: "state", hostPath: { path: PATHS.agentState, type: "DirectoryOrCreate" } },
                              tmpVolume(scratch["otel-agent"]),
                          ],
                      },
                  },
              }
            : {}),
    };
}

/**
 * The Collector's load-balancing tier (topology distributed): a Deployment that receives all OTLP
 * under the `otel-collector` Service name and routes spans by trace ID to the tail-sampling
 * gateways; an HPA scales it (hashing and forwarding are CPU-bound) and it prefers other nodes.
 */
function loadBalancerPod(config: StackConfig, tiers: RenderedCollectorTiers, scratch: ScratchSpace): ComponentPod {
    const { loadBalancer } = tiers;
    const { replicas, maxReplicas, resources } = loadBalancer.settings;
    const component = COLLECTOR_TIERS.loadBalancer;
    const selector = selectorLabels(component);
    const labels = { ...selector, "app.kubernetes.io/component": "load-balancer", ...componentLabels(component) };
    return {
        pod: {
            kind: "Deployment",
            name: component,
            labels,
            selector,
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: loadBalancer.checksum },
            replicas,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            autoscaled: true,
            spec: {
                securityContext: podSecurityContext(10001),
                automountServiceAccountToken: false,
                topologySpreadConstraints: spreadOver(selector, "preferred"),
                containers: [
                    hardenedContainer({
                        name: component,
                        image: config.collector.image,
                        args: [...loadBalancer.args],
                        env: Object.entries(loadBalancer.env).map(([key, value]) => ({ name: key, value })),
                        ports: [...COMPONENT_PORTS[component]],
                        probePort: "health",
                        resources,
                        scratch,
                        readinessPath: "/",
                        livenessPath: "/",
                        volumeMounts: [{ name: "config", mountPath: loadBalancer.configDir, readOnly: true }, TMP_MOUNT],
                    }),
                ],
                volumes: [{ name: "config", configMap: { name: configMapName(component) } }, tmpVolume(scratch)],
            },
        },
        ...(config.podDisruptionBudgets && replicas >= 2 ? { budget: { name: component, labels, selector } } : {}),
        autoscaler: { minReplicas: replicas, maxReplicas, cpuUtilization: HPA_CPU_UTILIZATION },
    };
}
