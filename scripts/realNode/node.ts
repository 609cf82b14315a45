/**
 * One real Kubernetes node on this machine: containerd (with runc and the CNI plugins), kubelet and
 * kube-proxy, all built by scripts/tools.sh and run from the tool cache, joined to a local control
 * plane. Needs root. The node lives in its run's sandbox (sandbox.ts): its own network and mount
 * namespaces and cgroup, so its bridge, iptables rules, routes, pod network namespaces, mounts, pod
 * logs and pod cgroups never appear on the machine, and the sandbox's teardown removes them all.
 *
 * The machine's traps (../shared/real-node/README.md) and what answers each one here:
 * - root lacks CAP_SYS_RESOURCE: containerd's `restrict_oom_score_adj`;
 * - KWOK would take over the real node: KWOK manages only nodes annotated as fake (cluster.ts);
 * - the API server certificate lacks the Service IP: an extra SAN (cluster.ts);
 * - Service IPs would leave the node without kube-proxy: kube-proxy in iptables mode, here.
 */
import * as fs from "fs";
import * as path from "path";
import { run as runTool } from "../dev/processes";
import { waitUntil } from "../dev/polling";
import { BuiltImage } from "./images";
import { NodeNetwork } from "./network";
import { NodeSandbox } from "./sandbox";

export const NODE_TOOLS = ["runc", "containerd", "containerd-shim-runc-v2", "ctr", "cni-bridge", "cni-loopback", "cni-host-local", "cni-portmap", "kubelet", "kube-proxy"] as const;

const CNI_PLUGINS = ["bridge", "loopback", "host-local", "portmap"] as const;

export interface RealNodeOptions {
    readonly workdir: string;
    readonly nodeName: string;
    /** Admin kubeconfig of the control plane as seen from inside the sandbox (kubelet and kube-proxy authenticate with it). */
    readonly kubeconfig: string;
    /** The cluster CA: the kubelet verifies client certificates (the API server's) with it. */
    readonly caFile: string;
    readonly network: NodeNetwork;
    readonly sandbox: NodeSandbox;
    readonly toolPath: (tool: string) => string;
}

/**
 * The CNI plugins under the names containerd looks them up by (their `type`): links in the tool
 * cache, next to the binaries they point at, never in a run's directory.
 */
function cniPluginDir(toolPath: (tool: string) => string): string {
    const bridge = toolPath("cni-bridge");
    const version = path.basename(bridge).slice("cni-bridge-".length);
    const dir = path.join(path.dirname(path.dirname(bridge)), "cni-plugins", version);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const plugin of CNI_PLUGINS) {
        const target = toolPath(`cni-${plugin}`);
        const at = path.join(dir, plugin);
        if (!fs.existsSync(at) || fs.readlinkSync(at) !== target) {
            const temporary = `${at}.${process.pid}`;
            fs.rmSync(temporary, { force: true });
            fs.symlinkSync(target, temporary);
            fs.renameSync(temporary, at);
        }
    }
    return dir;
}

export class RealNode {
    private readonly dir: Record<string, string>;

    constructor(readonly options: RealNodeOptions) {
        const at = (name: string) => path.join(options.workdir, name);
        this.dir = { cniConf: at("cni-conf"), ipam: at("cni-ipam"), containerd: at("containerd"), kubelet: at("kubelet"), pki: at("kubelet-pki"), etc: at("etc"), logs: at("logs") };
    }

    get containerdSocket(): string {
        return path.join(this.dir.containerd, "containerd.sock");
    }

    /** Starts containerd, imports the images, then kubelet and kube-proxy. Resolves when they run. */
    async start(images: readonly BuiltImage[], pauseImage: string): Promise<void> {
        for (const dir of Object.values(this.dir)) {
            fs.mkdirSync(dir, { recursive: true });
        }
        this.writeConfigs(pauseImage);
        this.launch("containerd", ["--config", path.join(this.dir.etc, "containerd.toml")]);
        await waitUntil("containerd's socket", () => fs.existsSync(this.containerdSocket), 60);
        for (const image of images) {
            this.ctr(["images", "import", image.archive]);
        }
        const { kubeconfig, nodeName, network } = this.options;
        this.launch("kubelet", [
            "--config", path.join(this.dir.etc, "kubelet.yaml"),
            "--kubeconfig", kubeconfig,
            "--root-dir", this.dir.kubelet,
            "--cert-dir", this.dir.pki,
            "--node-ip", network.nodeIp,
            "--hostname-override", nodeName,
        ]);
        this.launch("kube-proxy", ["--config", path.join(this.dir.etc, "kube-proxy.yaml")]);
    }

    /** The images containerd holds in the Kubernetes namespace. */
    images(): string[] {
        return this.ctr(["images", "ls", "-q"]).split("\n").filter(Boolean);
    }

    /** PID (on this machine) of each running container's main process, by containerd container ID. */
    containerPids(): Map<string, number> {
        const pids = new Map<string, number>();
        for (const line of this.ctr(["tasks", "ls"]).split("\n").slice(1)) {
            const [id, pid, status] = line.trim().split(/\s+/);
            if (id && status === "RUNNING") {
                pids.set(id, Number(pid));
            }
        }
        return pids;
    }

    /** Where the kubelet keeps a pod's emptyDir volume on this machine. */
    emptyDirPath(podUid: string, volume: string): string {
        return path.join(this.dir.kubelet, "pods", podUid, "volumes", "kubernetes.io~empty-dir", volume);
    }

    /** `ctr` from the tool cache, talking to the node's containerd through its socket (a path: reachable from outside the namespaces). */
    private ctr(args: string[]): string {
        const result = runTool(this.options.toolPath("ctr"), ["--address", this.containerdSocket, "-n", "k8s.io", ...args], undefined, { timeoutMs: 300_000 });
        if (result.code !== 0) {
            throw new Error(`ctr ${args.join(" ")} failed: ${result.stderr}`);
        }
        return result.stdout;
    }

    private writeConfigs(pauseImage: string): void {
        const { caFile, kubeconfig, nodeName, network, sandbox, toolPath } = this.options;
        const d = this.dir;
        fs.writeFileSync(
            path.join(d.etc, "containerd.toml"),
            [
                "version = 3",
                `root = "${d.containerd}/root"`,
                `state = "${d.containerd}/state"`,
                "[grpc]",
                `  address = "${this.containerdSocket}"`,
                "[ttrpc]",
                `  address = "${this.containerdSocket}.ttrpc"`,
                "[debug]",
                `  address = "${d.containerd}/debug.sock"`,
                '  level = "info"',
                '[plugins."io.containerd.cri.v1.images"]',
                '  snapshotter = "overlayfs"',
                '  [plugins."io.containerd.cri.v1.images".pinned_images]',
                `    sandbox = "${pauseImage}"`,
                '[plugins."io.containerd.cri.v1.runtime"]',
                // The machine's root lacks CAP_SYS_RESOURCE: runc may not raise a process's oom_score_adj.
                "  restrict_oom_score_adj = true",
                // Pod network namespaces under the node's own state, not the machine's /run/netns.
                "  netns_mounts_under_state_dir = true",
                '  [plugins."io.containerd.cri.v1.runtime".containerd]',
                '    default_runtime_name = "runc"',
                '    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]',
                '      runtime_type = "io.containerd.runc.v2"',
                `      runtime_path = "${toolPath("containerd-shim-runc-v2")}"`,
                '      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]',
                `        BinaryName = "${toolPath("runc")}"`,
                "        SystemdCgroup = false",
                '  [plugins."io.containerd.cri.v1.runtime".cni]',
                `    bin_dirs = ["${cniPluginDir(toolPath)}"]`,
                `    conf_dir = "${d.cniConf}"`,
                "",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(d.cniConf, "10-lgtm.conflist"),
            JSON.stringify({
                cniVersion: "1.0.0",
                name: "lgtm",
                plugins: [
                    { type: "bridge", bridge: "lgtm0", isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: "host-local", ranges: [[{ subnet: network.pods }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: d.ipam } },
                    { type: "portmap", capabilities: { portMappings: true } },
                ],
            }),
        );
        fs.writeFileSync(
            path.join(d.etc, "kubelet.yaml"),
            JSON.stringify({
                apiVersion: "kubelet.config.k8s.io/v1beta1",
                kind: "KubeletConfiguration",
                cgroupDriver: "cgroupfs",
                // The pods' cgroups below the run's own (sandbox.ts), never the machine's /kubepods.
                cgroupRoot: sandbox.cgroupPath,
                // This machine mounts cgroup v1 hierarchies; kubelet 1.36 still runs there when told to.
                failCgroupV1: false,
                failSwapOn: false,
                containerRuntimeEndpoint: `unix://${this.containerdSocket}`,
                imageServiceEndpoint: `unix://${this.containerdSocket}`,
                address: network.nodeIp,
                port: 10250,
                readOnlyPort: 0,
                healthzBindAddress: "127.0.0.1",
                healthzPort: 10248,
                // Real authentication and authorization: Prometheus's token is reviewed by the API
                // server and its `nodes/metrics` permission decides whether it may scrape.
                authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caFile } },
                authorization: { mode: "Webhook" },
                clusterDomain: "cluster.local",
                clusterDNS: [network.clusterDns],
                // No host resolv.conf: names outside the cluster are never resolved through the machine's DNS.
                resolvConf: "",
                serializeImagePulls: false,
                evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%" },
                imageGCHighThresholdPercent: 100,
                imageGCLowThresholdPercent: 99,
                cgroupsPerQOS: true,
                enforceNodeAllocatable: ["pods"],
                maxPods: 30,
                registerNode: true,
            }),
        );
        fs.writeFileSync(
            path.join(d.etc, "kube-proxy.yaml"),
            JSON.stringify({
                apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
                kind: "KubeProxyConfiguration",
                clientConnection: { kubeconfig },
                mode: "iptables",
                clusterCIDR: network.pods,
                hostnameOverride: nodeName,
                bindAddress: "127.0.0.1",
                healthzBindAddress: "127.0.0.1:10256",
                metricsBindAddress: "127.0.0.1:10249",
                // Pod → Service → pod on the same bridge: the reply must come back through the host.
                iptables: { masqueradeAll: true },
                // Conntrack limits and timeouts left as they are: some of them are the whole machine's.
                conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
            }),
        );
    }

    /** A daemon from the tool cache, inside the sandbox; its environment names no directory of the run. */
    private launch(name: (typeof NODE_TOOLS)[number], args: string[]): void {
        this.options.sandbox.launch(this.options.toolPath(name), args, path.join(this.dir.logs, `${name}.log`), { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: this.options.workdir });
    }

    /** The last lines of a component's log, for error messages. */
    logTail(name: string, lines = 30): string {
        const file = path.join(this.dir.logs, `${name}.log`);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
    }
}
