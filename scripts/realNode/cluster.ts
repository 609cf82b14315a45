/**
 * A local control plane with one real node (kubelet + containerd + kube-proxy, CoreDNS for Service
 * names) and one KWOK node for the pods whose images cannot exist here (Loki, Tempo and Grafana are
 * AGPL: never built). Used by the e2e suite and `npm run demo`.
 *
 * Isolation: the whole cluster (control plane, node, pods) runs in the run's sandbox (sandbox.ts):
 * network and mount namespaces and a cgroup of its own, reached from the machine through one veth
 * pair. Its directory is private to the invoking user (runs.ts). The machine keeps nothing of it but
 * that link and one route through it, both gone with the namespace; the teardown ends the cgroup's
 * processes and removes the cgroup and the directory, and nothing else.
 *
 * Network (network.ts): pods, Services, the KWOK node's simulated addresses (routed `unreachable`
 * inside the namespace, so a connection to a simulated pod fails instead of leaving) and the link
 * come from one /16 that avoids the defaults of Docker, podman, k3s, kind and minikube; the cluster
 * refuses to start while the machine routes any part of it. CoreDNS answers only for cluster.local.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { V1MutatingAdmissionPolicy, V1MutatingAdmissionPolicyBinding } from "@kubernetes/client-node";
import { CONTROL_PLANE_TOOLS, ControlPlane, SIMULATED_NODE_PARAMS } from "../controlPlane";
import { RunResult } from "../dev/processes";
import { ifFound, MERGE_PATCH } from "../kubeClient";
import { requireTool } from "../dev/tools";
import { BuiltImage, buildImages, COREDNS_IMAGE, IMAGE_TOOLS, PAUSE_IMAGE } from "./images";
import { networkConflicts, NodeNetwork, nodeNetwork, NODE_NETWORK_VARIABLE } from "./network";
import { NODE_TOOLS, RealNode } from "./node";
import { assertTrusted, DEMO_WORKDIR, knownRunDirs, newRunDir } from "./runs";
import { hostMountsUnder, identityOf, NodeSandbox, ProcessIdentity } from "./sandbox";

export { DEMO_WORKDIR } from "./runs";

export const REAL_NODE_TOOLS = [...CONTROL_PLANE_TOOLS, ...NODE_TOOLS, ...IMAGE_TOOLS, "kubectl"] as const;

/** Label and taint of the KWOK node: only pods placed there on purpose run (simulated) on it. */
export const SIMULATED_NODE_LABEL = { key: "type", value: "kwok" } as const;
export const SIMULATED_NODE_TAINT = { key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" } as const;

/** Removes a run's directory, unless the machine still has something mounted below it (then removing would reach into that). */
function removeRunDir(dir: string): void {
    const mounts = hostMountsUnder(dir);
    if (mounts.length > 0) {
        throw new Error(`not removing ${dir}: mounted below it: ${mounts.join(", ")}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
}

export class RealNodeCluster extends ControlPlane {
    readonly nodeName = "lgtm-node";
    simulatedNodeName = "";
    node?: RealNode;
    images: BuiltImage[] = [];
    sandbox?: NodeSandbox;
    readonly network: NodeNetwork;
    private stopped = false;

    /**
     * `owner`: the process whose end abandons the run (the test process for the e2e suites); the demo
     * has none and lives until `npm run demo -- --down`.
     */
    constructor(
        name: string,
        workdir: string,
        readonly owner?: ProcessIdentity,
    ) {
        super(name, workdir);
        this.network = nodeNetwork();
    }

    /** A cluster for this test process, in a new private run directory (runs.ts). */
    static forTest(): RealNodeCluster {
        const workdir = newRunDir();
        return new RealNodeCluster(`lgtm-${path.basename(workdir)}`, workdir, identityOf(process.pid));
    }

    /** kwokctl's own kubeconfig: the API server as seen from inside the namespace (kubelet, kube-proxy). */
    protected override get kwokKubeconfig(): string {
        return path.join(this.workdir, "kubeconfig.node");
    }

    /** The machine's kubeconfig (Pulumi, the tests): the API server at the node's address, through the veth pair. */
    protected override publishKubeconfig(): void {
        const config = YAML.parse(fs.readFileSync(this.kwokKubeconfig, "utf8"));
        for (const entry of config.clusters ?? []) {
            const server = new URL(entry.cluster.server);
            server.hostname = this.network.nodeIp;
            entry.cluster.server = server.origin;
        }
        fs.writeFileSync(this.kubeconfig, YAML.stringify(config), { mode: 0o600 });
    }

    /** kwokctl inside the sandbox: the control plane it starts lives in the run's namespaces and cgroup. */
    protected override execKwokctl(binary: string, args: string[], env: NodeJS.ProcessEnv): RunResult {
        if (!this.sandbox) {
            throw new Error("the cluster's sandbox is not created");
        }
        return this.sandbox.exec(binary, args, { env, timeoutMs: 300_000 });
    }

    /** The sandbox, the control plane, the images, the real node (Ready), CoreDNS (Ready) and the KWOK node. */
    async start(): Promise<void> {
        await this.reclaimAbandoned();
        const conflicts = networkConflicts(this.network);
        if (conflicts.length > 0) {
            throw new Error(`the real node's addresses (${this.network.block}) collide with this machine's network: ${conflicts.join("; ")}. Set ${NODE_NETWORK_VARIABLE} to a /16 nothing here uses, e.g. ${NODE_NETWORK_VARIABLE}=10.217.0.0/16`);
        }
        fs.mkdirSync(this.workdir, { recursive: true, mode: 0o700 });
        assertTrusted(this.workdir);
        this.sandbox = NodeSandbox.create(this.workdir, this.network, this.owner);
        const config = path.join(this.workdir, "kwokctl.yaml");
        // Not an override: kwokctl passes no --service-cluster-ip-range of its own (the API server's default is 10.0.0.0/24).
        const serviceRange = () => ({ key: "service-cluster-ip-range", value: this.network.services });
        fs.writeFileSync(
            config,
            YAML.stringify({
                apiVersion: "config.kwok.x-k8s.io/v1alpha1",
                kind: "KwokctlConfiguration",
                // Pods reach the API server at the `kubernetes` Service IP, the machine at the node's address: the certificate names both.
                options: { kubeApiserverCertSANs: [this.network.kubernetesService, this.network.nodeIp] },
                componentsPatches: [
                    // kwokctl starts KWOK with --manage-all-nodes, which would take over the real node.
                    { name: "kwok-controller", extraArgs: [{ key: "manage-all-nodes", value: "false", override: true }, { key: "manage-nodes-with-annotation-selector", value: `${SIMULATED_NODE_TAINT.key}=${SIMULATED_NODE_TAINT.value}` }] },
                    // logs, exec and port-forward: the API server authenticates to the kubelet with a client
                    // certificate and dials its InternalIP (a node name would be looked up in the machine's DNS).
                    { name: "kube-apiserver", extraArgs: [{ key: "kubelet-client-certificate", value: path.join(this.pki, "admin.crt") }, { key: "kubelet-client-key", value: path.join(this.pki, "admin.key") }, { key: "kubelet-preferred-address-types", value: "InternalIP" }, serviceRange()] },
                    { name: "kube-controller-manager", extraArgs: [serviceRange()] },
                ],
            }),
        );
        await this.createControlPlane(["-c", config]);
        await this.waitFor("the kubernetes Service", async () => (await this.kube.core.readNamespacedService({ namespace: "default", name: "kubernetes" })).spec?.clusterIP === this.network.kubernetesService, 60);

        this.images = buildImages(path.join(this.workdir, "images"), requireTool);
        this.node = this.newNode(this.sandbox);
        await this.node.start(this.images, PAUSE_IMAGE);
        await this.waitFor(
            `node ${this.nodeName} Ready (kubelet log:\n${this.node.logTail("kubelet")})`,
            async () => (await this.readyNodes()).includes(this.nodeName),
            120,
        );
        await this.startSimulatedNode();
        await this.deployCoreDns(this.network.clusterDns);
    }

    private newNode(sandbox: NodeSandbox): RealNode {
        return new RealNode({
            workdir: path.join(this.workdir, "node"),
            nodeName: this.nodeName,
            kubeconfig: this.kwokKubeconfig,
            caFile: path.join(this.pki, "ca.crt"),
            network: this.network,
            sandbox,
            toolPath: requireTool,
        });
    }

    /** Takes over a cluster a previous process started (`demo --down`). Returns false when there is none. */
    attach(): boolean {
        if (!fs.existsSync(this.workdir)) {
            return false;
        }
        assertTrusted(this.workdir);
        this.sandbox = NodeSandbox.load(this.workdir);
        if (!this.sandbox) {
            return false;
        }
        if (fs.existsSync(this.kubeconfig)) {
            this.connect();
        }
        this.node = this.newNode(this.sandbox);
        return true;
    }

    /**
     * Ends the runs that were killed before their teardown (a session or CI job ending hard): a test
     * run whose test process is gone, a demo whose processes are all gone. Each is ended by its
     * sandbox: its cgroup's processes, its cgroups, its directory. Refuses to start beside a run that
     * is still alive, and refuses any directory that is not private to the invoking user or holds a
     * state file of another shape: those are named, and nothing of them is read, run or removed.
     */
    async reclaimAbandoned(): Promise<void> {
        const runs = knownRunDirs()
            .filter((dir) => dir !== this.workdir)
            .map((workdir) => {
                const sandbox = NodeSandbox.load(workdir);
                const live = !sandbox ? [] : sandbox.state.owner ? (sandbox.ownerAlive() ? [`test process ${sandbox.state.owner.pid}`] : []) : sandbox.processes().length > 0 ? [`${sandbox.processes().length} processes in cgroup ${sandbox.name}`] : [];
                return { workdir, sandbox, live };
            });
        // Every run is checked before any is ended.
        const live = runs.find((r) => r.live.length > 0);
        if (live) {
            const stop = live.workdir === DEMO_WORKDIR ? "stop it with `npm run demo -- --down`" : "let that run finish or end it";
            throw new Error(`a real-node cluster already runs on this machine in ${live.workdir} (${live.live.join(", ")}): ${stop}`);
        }
        for (const { workdir, sandbox } of runs) {
            if (sandbox) {
                console.error(`reclaiming an abandoned real-node run in ${workdir} (${sandbox.name})`);
                await sandbox.destroy();
                fs.rmSync(NodeSandbox.stateFile(workdir));
            }
            if (workdir !== DEMO_WORKDIR) {
                removeRunDir(workdir);
            }
        }
    }

    private async startSimulatedNode(): Promise<void> {
        this.kwokctl(["scale", "node", "--name", this.name, "--replicas", "1", "--param", `.podCIDRs=["${this.network.simulatedPodCidr}"]`, "--param", `.nodeIPs=["${this.network.simulatedNodeIp}"]`, ...SIMULATED_NODE_PARAMS]);
        let simulated = "";
        await this.waitFor("the KWOK node Ready", async () => {
            simulated = (await this.readyNodes(`${SIMULATED_NODE_LABEL.key}=${SIMULATED_NODE_LABEL.value}`))[0] ?? "";
            return simulated !== "";
        }, 120);
        this.simulatedNodeName = simulated;
        await this.kube.core.patchNode({ name: simulated, body: { spec: { taints: [SIMULATED_NODE_TAINT] } } }, MERGE_PATCH);
    }

    /**
     * CoreDNS for Service names, on the real node, from the image built here; no forwarding outside.
     * Its metrics listen on 9153 in a container port named `metrics`, as kubeadm, EKS and AKS deploy
     * it, so the stack's `coredns` scrape job finds it.
     */
    private async deployCoreDns(clusterIp: string): Promise<void> {
        const labels = { "k8s-app": "kube-dns" };
        const namespace = "kube-system";
        await this.waitFor("the kube-system ServiceAccount controller", async () => (await ifFound(this.kube.core.readNamespacedServiceAccount({ namespace, name: "default" }))) !== undefined, 60);
        await this.kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "coredns" } } });
        await this.kube.rbac.createClusterRole({ body: { metadata: { name: "lgtm-coredns" }, rules: [{ apiGroups: [""], resources: ["services", "pods", "namespaces"], verbs: ["list", "watch"] }, { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] }] } });
        await this.kube.rbac.createClusterRoleBinding({ body: { metadata: { name: "lgtm-coredns" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "lgtm-coredns" }, subjects: [{ kind: "ServiceAccount", name: "coredns", namespace }] } });
        await this.kube.core.createNamespacedConfigMap({
            namespace,
            body: {
                metadata: { name: "coredns" },
                // No `forward`: a name outside cluster.local gets no answer rather than a query off this machine.
                data: { Corefile: ["cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {", "    errors", "    prometheus :9153", "    health :8080", "    ready :8181", "    kubernetes cluster.local in-addr.arpa ip6.arpa {", "        pods insecure", "    }", "    cache 30", "}", ""].join("\n") },
            },
        });
        await this.kube.apps.createNamespacedDeployment({
            namespace,
            body: {
                metadata: { name: "coredns", labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: "coredns",
                            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "coredns",
                                    image: COREDNS_IMAGE,
                                    imagePullPolicy: "Never",
                                    command: ["/coredns"],
                                    args: ["-conf", "/etc/coredns/Corefile"],
                                    ports: [
                                        { name: "dns", containerPort: 53, protocol: "UDP" },
                                        { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                                        { name: "metrics", containerPort: 9153, protocol: "TCP" },
                                    ],
                                    readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                                    livenessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 10 },
                                    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                                    securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                                    volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                                },
                            ],
                            volumes: [{ name: "config", configMap: { name: "coredns" } }],
                        },
                    },
                },
            },
        });
        await this.kube.core.createNamespacedService({ namespace, body: { metadata: { name: "kube-dns", labels }, spec: { selector: labels, clusterIP: clusterIp, ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }, { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 }] } } });
        await this.waitFor("CoreDNS Ready", async () => (await this.kube.apps.readNamespacedDeployment({ namespace, name: "coredns" })).status?.readyReplicas === 1, 120);
    }

    /** Creates a MutatingAdmissionPolicy and its binding (placement.ts) and waits until the API server enforces it. */
    async applyPlacement(rule: { policy: V1MutatingAdmissionPolicy; binding: V1MutatingAdmissionPolicyBinding }): Promise<void> {
        await this.kube.admission.createMutatingAdmissionPolicy({ body: rule.policy });
        await this.kube.admission.createMutatingAdmissionPolicyBinding({ body: rule.binding });
        // Policies take effect asynchronously: probe with a dry-run pod until the mutation shows.
        await this.waitFor("the placement policy to take effect", async () => {
            const probe = await this.kube.core.createNamespacedPod({
                namespace: "default",
                dryRun: "All",
                body: {
                    metadata: { name: "placement-probe", labels: { "app.kubernetes.io/name": "loki" } },
                    spec: { containers: [{ name: "probe", image: "example.invalid/probe:v1" }] },
                },
            });
            return probe.spec?.nodeSelector?.[SIMULATED_NODE_LABEL.key] === SIMULATED_NODE_LABEL.value;
        }, 60);
    }

    /**
     * Volumes for the stack's claims (no provisioner here): directories on the real node, writable by
     * the pods' non-root users (fsGroup does not apply to hostPath), bound only there.
     */
    createPersistentVolumes(count: number, size = "200Gi"): Promise<void> {
        return this.createVolumes(count, (i) => {
            const dir = path.join(this.workdir, "volumes", `pv-${i}`);
            fs.mkdirSync(dir, { recursive: true });
            fs.chmodSync(dir, 0o777);
            return {
                metadata: { name: `real-pv-${i}` },
                spec: {
                    capacity: { storage: size },
                    accessModes: ["ReadWriteOnce"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: "",
                    hostPath: { path: dir, type: "Directory" },
                    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [this.nodeName] }] }] } },
                },
            };
        });
    }

    /**
     * Ends the run: every process of its sandbox (control plane, node, pods), its cgroups, its
     * namespaces (with the veth pair and the route through it); a test run's directory too.
     */
    async stop(): Promise<void> {
        if (this.stopped) {
            return;
        }
        this.stopped = true;
        if (this.sandbox) {
            await this.sandbox.destroy();
            fs.rmSync(NodeSandbox.stateFile(this.workdir), { force: true });
        }
        if (this.owner) {
            removeRunDir(this.workdir);
        }
    }

    /** What of the run is still on the machine (empty after a clean teardown). */
    leftovers(): string[] {
        const left = this.sandbox?.leftovers() ?? [];
        if (this.owner && fs.existsSync(this.workdir)) {
            left.push(`directory ${this.workdir}`);
        }
        return left;
    }
}
