/**
 * A local control plane with one real node (kubelet + containerd + kube-proxy, CoreDNS for Service
 * names) and one KWOK node for the pods whose images cannot exist here (Loki, Tempo and Grafana are
 * AGPL: never built). Used by the e2e suite and `npm run demo`; lives entirely under `workdir`.
 *
 * Network: pods sit on a bridge of ours (10.88.0.0/16); the KWOK node's simulated addresses are in
 * 10.89.0.0/16, which is routed `unreachable` while the cluster runs, so a connection to a simulated
 * pod fails on this machine instead of leaving it. CoreDNS answers only for cluster.local.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CONTROL_PLANE_TOOLS, ControlPlane } from "../controlPlane";
import { run } from "../dev/processes";
import { requireTool } from "../dev/tools";
import { BuiltImage, buildImages, COREDNS_IMAGE, IMAGE_TOOLS, PAUSE_IMAGE } from "./images";
import { NODE_TOOLS, RealNode } from "./node";

export const REAL_NODE_TOOLS = [...CONTROL_PLANE_TOOLS, ...NODE_TOOLS, ...IMAGE_TOOLS, "kubectl"] as const;

/** Label and taint of the KWOK node: only pods placed there on purpose run (simulated) on it. */
export const SIMULATED_NODE_LABEL = { key: "type", value: "kwok" } as const;
export const SIMULATED_NODE_TAINT = { key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" } as const;
const SIMULATED_CIDR = "10.89.0.0/16";

/** Where `npm run demo` keeps its cluster, which outlives the command until `npm run demo -- --down`. */
export const DEMO_WORKDIR = path.join(process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache/lgtm-stack"), "demo");
/** Prefix of the e2e suite's temporary work directories; its clusters are named `lgtm-real-<pid>`. */
export const TEST_WORKDIR_PREFIX = "lgtm-real-";

/** Work directories a real-node cluster on this machine may live in: the e2e suite's and the demo's. */
function knownWorkdirs(): string[] {
    const temporary = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(TEST_WORKDIR_PREFIX)).map((name) => path.join(os.tmpdir(), name));
    return [...temporary, DEMO_WORKDIR].filter((dir) => fs.existsSync(dir));
}

const simulatedRouteExists = () => run("ip", ["route", "show", SIMULATED_CIDR]).stdout.startsWith("unreachable");

function machineAddress(): string {
    for (const addresses of Object.values(os.networkInterfaces())) {
        for (const address of addresses ?? []) {
            if (address.family === "IPv4" && !address.internal) {
                return address.address;
            }
        }
    }
    throw new Error("no IPv4 address on this machine for the node's InternalIP");
}

export class RealNodeCluster extends ControlPlane {
    readonly nodeName = "lgtm-node";
    simulatedNodeName = "";
    node?: RealNode;
    images: BuiltImage[] = [];
    private routeAdded = false;
    private stopped = false;

    /** The control plane, the images, the real node (Ready), CoreDNS (Ready) and the KWOK node. */
    async start(): Promise<void> {
        await this.reclaimAbandoned();
        fs.mkdirSync(this.workdir, { recursive: true });
        const config = path.join(this.workdir, "kwokctl.yaml");
        fs.writeFileSync(
            config,
            YAML.stringify({
                apiVersion: "config.kwok.x-k8s.io/v1alpha1",
                kind: "KwokctlConfiguration",
                // Pods reach the API server at the `kubernetes` Service IP: the certificate must name it.
                options: { kubeApiserverCertSANs: ["10.0.0.1"] },
                componentsPatches: [
                    // kwokctl starts KWOK with --manage-all-nodes, which would take over the real node.
                    { name: "kwok-controller", extraArgs: [{ key: "manage-all-nodes", value: "false", override: true }, { key: "manage-nodes-with-annotation-selector", value: `${SIMULATED_NODE_TAINT.key}=${SIMULATED_NODE_TAINT.value}` }] },
                    // logs, exec and port-forward: the API server authenticates to the kubelet with a client
                    // certificate and dials its InternalIP (a node name would be looked up in the machine's DNS).
                    { name: "kube-apiserver", extraArgs: [{ key: "kubelet-client-certificate", value: path.join(this.pki, "admin.crt") }, { key: "kubelet-client-key", value: path.join(this.pki, "admin.key") }, { key: "kubelet-preferred-address-types", value: "InternalIP" }] },
                ],
            }),
        );
        await this.createControlPlane(["-c", config]);
        let kubernetesIp = "";
        await this.waitFor("the kubernetes Service", async () => {
            kubernetesIp = (await this.request("GET", "/api/v1/namespaces/default/services/kubernetes")).body.spec?.clusterIP ?? "";
            return kubernetesIp !== "";
        }, 60);
        const clusterDns = kubernetesIp.replace(/\.\d+$/, ".10");

        this.images = buildImages(path.join(this.workdir, "images"), requireTool);
        this.node = this.newNode(clusterDns);
        await this.node.start(this.images, PAUSE_IMAGE);
        await this.waitFor(
            `node ${this.nodeName} Ready (kubelet log:\n${this.node.logTail("kubelet")})`,
            async () => (await this.readyNodes()).includes(this.nodeName),
            120,
        );
        await this.startSimulatedNode();
        await this.deployCoreDns(clusterDns);
    }

    private newNode(clusterDns: string): RealNode {
        return new RealNode({
            workdir: path.join(this.workdir, "node"),
            nodeName: this.nodeName,
            kubeconfig: this.kubeconfig,
            caFile: path.join(this.pki, "ca.crt"),
            clusterDns,
            nodeIp: machineAddress(),
            bridge: "lgtm0",
            toolPath: requireTool,
        });
    }

    /**
     * Takes over a cluster a previous process started (`demo --down`): its kubeconfig, the node's
     * state file, the unreachable route. Returns false when there is none.
     */
    attach(): boolean {
        if (!fs.existsSync(this.kubeconfig)) {
            return false;
        }
        this.connect();
        const node = this.newNode("");
        if (node.restore()) {
            this.node = node;
        }
        this.routeAdded = simulatedRouteExists();
        return true;
    }

    /**
     * Clears what earlier runs left on this machine when they were killed before their teardown
     * (a session or CI job ended hard): their node's mounts, network namespaces, iptables chains and
     * bridge, their control plane, the unreachable route. A run is abandoned when its node's
     * processes are gone and, for a test run, the test process that owns it too. Refuses to start
     * beside a cluster that still runs: both would claim the same bridge and route.
     */
    async reclaimAbandoned(): Promise<void> {
        const runs = knownWorkdirs()
            .filter((dir) => dir !== this.workdir)
            .map((workdir) => {
                const clusters = path.join(workdir, "kwok", "clusters");
                const names = fs.existsSync(clusters) ? fs.readdirSync(clusters) : [];
                const node = new RealNodeCluster(names[0] ?? this.name, workdir).newNode("");
                const restored = node.restore();
                const owners = names.map((name) => new RegExp(`^${TEST_WORKDIR_PREFIX}(\\d+)$`).exec(name)?.[1]).filter((pid) => pid !== undefined && fs.existsSync(`/proc/${pid}`));
                return { workdir, names, node: restored ? node : undefined, live: [...(restored ? node.running() : []), ...owners.map((pid) => `test process ${pid}`)] };
            });
        // All checked before anything is removed: a node's teardown removes host state (chains, cgroups) a live one may share.
        const live = runs.find((r) => r.live.length > 0);
        if (live) {
            const stop = live.workdir === DEMO_WORKDIR ? "stop it with `npm run demo -- --down`" : "let that run finish or end it";
            throw new Error(`a real-node cluster already runs on this machine in ${live.workdir} (${live.live.join(", ")}): ${stop}; two would claim the same bridge and routes`);
        }
        for (const { workdir, names, node } of runs) {
            if (node || names.length > 0) {
                console.error(`reclaiming an abandoned real-node cluster in ${workdir}`);
            }
            await node?.stop();
            for (const name of names) {
                try {
                    new RealNodeCluster(name, workdir).deleteControlPlane();
                } catch (error) {
                    console.error(`the abandoned control plane ${name} in ${workdir}: ${(error as Error).message}`);
                }
            }
            if (workdir !== DEMO_WORKDIR) {
                fs.rmSync(workdir, { recursive: true, force: true });
            }
        }
        // No cluster runs now: a route left by one killed before it saved any state is stale too.
        if (simulatedRouteExists()) {
            run("ip", ["route", "del", "unreachable", SIMULATED_CIDR]);
        }
    }

    private async startSimulatedNode(): Promise<void> {
        const route = run("ip", ["route", "add", "unreachable", SIMULATED_CIDR]);
        if (route.code !== 0) {
            throw new Error(`ip route add unreachable ${SIMULATED_CIDR}: ${route.stderr}`);
        }
        this.routeAdded = true;
        this.kwokctl(["scale", "node", "--name", this.name, "--replicas", "1", "--param", '.podCIDRs=["10.89.1.0/24"]', "--param", '.nodeIPs=["10.89.0.1"]']);
        let simulated = "";
        await this.waitFor("the KWOK node Ready", async () => {
            simulated = (await this.readyNodes(`${SIMULATED_NODE_LABEL.key}=${SIMULATED_NODE_LABEL.value}`))[0] ?? "";
            return simulated !== "";
        }, 120);
        this.simulatedNodeName = simulated;
        const patch = await this.request("PATCH", `/api/v1/nodes/${simulated}`, { spec: { taints: [SIMULATED_NODE_TAINT] } }, "application/merge-patch+json");
        if (patch.status !== 200) {
            throw new Error(`tainting ${simulated}: ${patch.status} ${JSON.stringify(patch.body)}`);
        }
    }

    /**
     * CoreDNS for Service names, on the real node, from the image built here; no forwarding outside.
     * Its metrics listen on 9153 in a container port named `metrics`, as kubeadm, EKS and AKS deploy
     * it, so the stack's `coredns` scrape job finds it.
     */
    private async deployCoreDns(clusterIp: string): Promise<void> {
        const labels = { "k8s-app": "kube-dns" };
        const objects: [string, unknown][] = [
            ["/api/v1/namespaces/kube-system/serviceaccounts", { metadata: { name: "coredns" } }],
            ["/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: "lgtm-coredns" }, rules: [{ apiGroups: [""], resources: ["services", "pods", "namespaces"], verbs: ["list", "watch"] }, { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] }] }],
            ["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", { metadata: { name: "lgtm-coredns" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "lgtm-coredns" }, subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }] }],
            [
                "/api/v1/namespaces/kube-system/configmaps",
                {
                    metadata: { name: "coredns" },
                    // No `forward`: a name outside cluster.local gets no answer rather than a query off this machine.
                    data: { Corefile: ["cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {", "    errors", "    prometheus :9153", "    health :8080", "    ready :8181", "    kubernetes cluster.local in-addr.arpa ip6.arpa {", "        pods insecure", "    }", "    cache 30", "}", ""].join("\n") },
                },
            ],
            [
                "/apis/apps/v1/namespaces/kube-system/deployments",
                {
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
            ],
            ["/api/v1/namespaces/kube-system/services", { metadata: { name: "kube-dns", labels }, spec: { selector: labels, clusterIP: clusterIp, ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }, { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 }] } }],
        ];
        await this.waitFor("the kube-system ServiceAccount controller", async () => (await this.request("GET", "/api/v1/namespaces/kube-system/serviceaccounts/default")).status === 200, 60);
        for (const [at, object] of objects) {
            const created = await this.request("POST", at, object);
            if (created.status !== 201) {
                throw new Error(`creating ${at}: ${created.status} ${JSON.stringify(created.body)}`);
            }
        }
        await this.waitFor("CoreDNS Ready", async () => (await this.request("GET", "/apis/apps/v1/namespaces/kube-system/deployments/coredns")).body.status?.readyReplicas === 1, 120);
    }

    /** Creates a MutatingAdmissionPolicy and its binding (placement.ts) and waits until the API server enforces it. */
    async applyPlacement(rule: { policy: unknown; binding: unknown }): Promise<void> {
        for (const [kind, object] of [["mutatingadmissionpolicies", rule.policy], ["mutatingadmissionpolicybindings", rule.binding]] as const) {
            const created = await this.request("POST", `/apis/admissionregistration.k8s.io/v1/${kind}`, object);
            if (created.status !== 201) {
                throw new Error(`creating ${kind}: ${created.status} ${JSON.stringify(created.body)}`);
            }
        }
        // Policies take effect asynchronously: probe with a dry-run pod until the mutation shows.
        await this.waitFor("the placement policy to take effect", async () => {
            const probe = await this.request("POST", "/api/v1/namespaces/default/pods?dryRun=All", {
                metadata: { name: "placement-probe", labels: { "app.kubernetes.io/name": "loki" } },
                spec: { containers: [{ name: "probe", image: "example.invalid/probe:v1" }] },
            });
            return probe.body?.spec?.nodeSelector?.[SIMULATED_NODE_LABEL.key] === SIMULATED_NODE_LABEL.value;
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

    /** Deletes every pod (CNI cleans up per pod), then stops the node and the control plane. */
    async stop(): Promise<void> {
        if (this.stopped) {
            return;
        }
        this.stopped = true;
        if (this.connected && this.node) {
            await this.drainRealNode().catch((error: Error) => console.error(`draining ${this.nodeName}: ${error.message}`));
        }
        await this.node?.stop();
        if (this.routeAdded) {
            run("ip", ["route", "del", "unreachable", SIMULATED_CIDR]);
            this.routeAdded = false;
        }
        this.deleteControlPlane();
    }

    /** Controllers first (so nothing recreates pods), then every pod on the real node, and wait until the kubelet has removed them. */
    private async drainRealNode(): Promise<void> {
        const namespaces = ((await this.request("GET", "/api/v1/namespaces")).body.items as any[]).map((n) => n.metadata.name as string);
        for (const ns of namespaces) {
            for (const kind of ["deployments", "statefulsets", "daemonsets", "replicasets"]) {
                await this.request("DELETE", `/apis/apps/v1/namespaces/${ns}/${kind}?propagationPolicy=Orphan`);
            }
        }
        const onNode = async () => ((await this.request("GET", `/api/v1/pods?fieldSelector=spec.nodeName%3D${this.nodeName}`)).body.items as any[]) ?? [];
        for (const pod of await onNode()) {
            await this.request("DELETE", `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=2`);
        }
        await this.waitFor("the real node's pods to be gone", async () => (await onNode()).length === 0, 120);
    }
}
