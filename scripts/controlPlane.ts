/**
 * A throwaway Kubernetes control plane started by kwokctl from the cached binaries
 * (kube-apiserver, controller-manager, scheduler, etcd, the KWOK controller), living entirely under
 * `workdir`. The KWOK-only cluster (localCluster.ts) and the real-node cluster (realNode/cluster.ts)
 * both build on it; neither touches the user's kube context.
 */
import * as fs from "fs";
import * as path from "path";
import { V1PersistentVolume } from "@kubernetes/client-node";
import { createUnlessExists, KubeApi } from "./kubeClient";
import { run, RunResult } from "./dev/processes";
import { waitUntil } from "./dev/polling";
import { requireTool } from "./dev/tools";

export const CONTROL_PLANE_TOOLS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kwokctl", "etcd"] as const;

/**
 * `kwokctl scale node` parameters every simulated node gets: KWOK's default node has CPU, memory
 * and pods but no ephemeral-storage, and the scheduler places no pod that requests some (every pod
 * of the stack does) on a node that offers none.
 */
export const SIMULATED_NODE_PARAMS = ["--param", '.allocatable["ephemeral-storage"]="1Ti"'] as const;

export class ControlPlane {
    readonly kubeconfig: string;
    protected readonly kwokWorkdir: string;
    private api?: KubeApi;

    constructor(
        readonly name: string,
        readonly workdir: string,
    ) {
        this.kwokWorkdir = path.join(workdir, "kwok");
        this.kubeconfig = path.join(workdir, "kubeconfig");
    }

    /** The cluster's certificates (the CA, the admin client certificate). */
    protected get pki(): string {
        return path.join(this.kwokWorkdir, "clusters", this.name, "pki");
    }

    /** The kubeconfig kwokctl writes; the one the machine uses ({@link kubeconfig}) is published from it. */
    protected get kwokKubeconfig(): string {
        return this.kubeconfig;
    }

    /** Makes {@link kubeconfig} from kwokctl's (nothing to do when they are one file). */
    protected publishKubeconfig(): void {}

    /** Where kwokctl runs: here, or (the real-node cluster) inside its sandbox. */
    protected execKwokctl(binary: string, args: string[], env: NodeJS.ProcessEnv): RunResult {
        return run(binary, args, undefined, { env, timeoutMs: 300_000 });
    }

    protected kwokctl(args: string[]): string {
        const result = this.execKwokctl(requireTool("kwokctl"), args, { ...process.env, KWOK_WORKDIR: this.kwokWorkdir });
        if (result.code !== 0) {
            throw new Error(`kwokctl ${args.join(" ")} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
        }
        return result.stdout;
    }

    /** Starts the control plane (`extraArgs`: e.g. a kwokctl config file) and waits for the API server. */
    protected async createControlPlane(extraArgs: string[] = []): Promise<void> {
        fs.mkdirSync(this.kwokWorkdir, { recursive: true });
        this.kwokctl([
            "create", "cluster", "--name", this.name, "--runtime", "binary", ...extraArgs,
            "--kube-apiserver-binary", requireTool("kube-apiserver"),
            "--kube-controller-manager-binary", requireTool("kube-controller-manager"),
            "--kube-scheduler-binary", requireTool("kube-scheduler"),
            "--kwok-controller-binary", requireTool("kwok"),
            "--etcd-binary", requireTool("etcd"),
            "--kubeconfig", this.kwokKubeconfig,
            "--timeout", "240s",
        ]);
        this.publishKubeconfig();
        this.connect();
        await this.waitFor("the API server", async () => (await this.kube.version.getCode()).gitVersion !== "", 120);
    }

    /**
     * How a process outside the cluster reaches the API server as its admin: the server's URL and
     * the CA, client certificate and key files (for tools that take them as flags, not a kubeconfig).
     */
    adminAccess(): { server: string; caFile: string; certFile: string; keyFile: string } {
        return { server: this.kube.server, caFile: path.join(this.pki, "ca.crt"), certFile: path.join(this.pki, "admin.crt"), keyFile: path.join(this.pki, "admin.key") };
    }

    /** Talks to the cluster of this kubeconfig (one a previous process started, too). */
    protected connect(): void {
        this.api = new KubeApi(this.kubeconfig);
    }

    /** Whether this object talks to a cluster (started here or by a previous process). */
    protected get connected(): boolean {
        return this.api !== undefined;
    }

    /** Stops and removes the control plane, if there is one. */
    protected deleteControlPlane(): void {
        if (fs.existsSync(path.join(this.kwokWorkdir, "clusters", this.name))) {
            this.kwokctl(["delete", "cluster", "--name", this.name]);
        }
    }

    /** Names of the Ready nodes (matching `labelSelector`, e.g. `type=kwok`). */
    async readyNodes(labelSelector?: string): Promise<string[]> {
        const nodes = await this.kube.core.listNode({ labelSelector });
        return nodes.items.filter((n) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata!.name!);
    }

    /** UID of each pod in `namespace`, by name: a new UID means the pod was replaced. */
    async podUids(namespace: string): Promise<Map<string, string>> {
        return new Map((await this.kube.pods(namespace)).map((p) => [p.metadata.name, p.metadata.uid]));
    }

    /** Creates PersistentVolumes `volume(i)` for i < count (no provisioner here); an existing one is kept. */
    protected async createVolumes(count: number, volume: (i: number) => V1PersistentVolume): Promise<void> {
        for (let i = 0; i < count; i++) {
            await createUnlessExists(this.kube.core.createPersistentVolume({ body: { apiVersion: "v1", kind: "PersistentVolume", ...volume(i) } }));
        }
    }

    waitFor(what: string, condition: () => Promise<boolean>, seconds: number): Promise<void> {
        return waitUntil(what, condition, seconds);
    }

    /** The cluster's typed API clients (@kubernetes/client-node, with its kubeconfig). */
    get kube(): KubeApi {
        if (!this.api) {
            throw new Error(`the ${this.name} control plane is not started`);
        }
        return this.api;
    }
}
