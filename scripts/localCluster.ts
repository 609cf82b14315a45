/**
 * A throwaway Kubernetes control plane (kube-apiserver, controller-manager, scheduler, etcd, with
 * KWOK faking nodes and pod readiness) and a Pulumi CLI logged into a local file backend — all from
 * binaries built by scripts/tools.sh, nothing downloaded. Used by the e2e suite and `npm run demo`.
 * Never touches the user's kube context or Pulumi login: everything lives under `workdir`.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_ROOT } from "../config/sources";

export const CLUSTER_TOOLS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kwokctl", "etcd"] as const;
// Provider plugins are "ambient": the CLI finds pulumi-resource-<name> on PATH (the bindir symlinks).
export const PULUMI_TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random"] as const;

const TOOLS_SCRIPT = path.join(PROJECT_ROOT, "scripts/tools.sh");

/** Path of a cached tool, or undefined when it is not built. */
export function cachedTool(tool: string): string | undefined {
    const result = spawnSync("bash", [TOOLS_SCRIPT, "path", tool], { encoding: "utf8" });
    const binary = result.stdout.trim();
    return result.status === 0 && binary && fs.existsSync(binary) ? binary : undefined;
}

export function missingTools(tools: readonly string[]): string[] {
    return tools.filter((tool) => cachedTool(tool) === undefined);
}

/** Builds what is missing (cached, incremental per tool); throws with the build hint if a build fails. */
export function ensureTools(tools: readonly string[]): void {
    const missing = missingTools(tools);
    if (missing.length === 0) {
        return;
    }
    const result = spawnSync("bash", [TOOLS_SCRIPT, "build", ...missing], { stdio: "inherit" });
    if (result.status !== 0 || missingTools(missing).length > 0) {
        throw new Error(`could not build ${missingTools(missing).join(", ")}; run \`npm run tools -- build ${missing.join(" ")}\` and read its log`);
    }
}

function toolsBinDir(): string {
    return spawnSync("bash", [TOOLS_SCRIPT, "bindir"], { encoding: "utf8" }).stdout.trim();
}

function check(result: SpawnSyncReturns<string>, what: string): string {
    if (result.status !== 0) {
        throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
}

interface KubeConfigFile {
    clusters: { cluster: { server: string; "certificate-authority": string } }[];
    users: { user: { "client-certificate": string; "client-key": string } }[];
}

export class LocalCluster {
    readonly kubeconfig: string;
    private readonly kwokWorkdir: string;
    private agent?: https.Agent;
    private server = "";

    constructor(
        readonly name: string,
        readonly workdir: string,
    ) {
        this.kwokWorkdir = path.join(workdir, "kwok");
        this.kubeconfig = path.join(workdir, "kubeconfig");
    }

    private kwokctl(args: string[]): string {
        return check(
            spawnSync(cachedTool("kwokctl")!, args, { encoding: "utf8", env: { ...process.env, KWOK_WORKDIR: this.kwokWorkdir }, timeout: 300_000 }),
            `kwokctl ${args.join(" ")}`,
        );
    }

    /** Creates the control plane and one fake node, and waits until the node is Ready. */
    async start(): Promise<void> {
        ensureTools(CLUSTER_TOOLS);
        fs.mkdirSync(this.kwokWorkdir, { recursive: true });
        const binary = (tool: string) => cachedTool(tool)!;
        this.kwokctl([
            "create", "cluster", "--name", this.name, "--runtime", "binary",
            "--kube-apiserver-binary", binary("kube-apiserver"),
            "--kube-controller-manager-binary", binary("kube-controller-manager"),
            "--kube-scheduler-binary", binary("kube-scheduler"),
            "--kwok-controller-binary", binary("kwok"),
            "--etcd-binary", binary("etcd"),
            "--kubeconfig", this.kubeconfig,
            "--timeout", "240s",
        ]);
        const config = YAML.parse(fs.readFileSync(this.kubeconfig, "utf8")) as KubeConfigFile;
        this.server = config.clusters[0].cluster.server;
        this.agent = new https.Agent({
            ca: fs.readFileSync(config.clusters[0].cluster["certificate-authority"]),
            cert: fs.readFileSync(config.users[0].user["client-certificate"]),
            key: fs.readFileSync(config.users[0].user["client-key"]),
        });
        await this.waitFor("the API server", async () => (await this.request("GET", "/version")).status === 200, 120);
        this.kwokctl(["scale", "node", "--name", this.name, "--replicas", "1"]);
        await this.waitFor("a Ready node", async () => {
            const nodes = (await this.request("GET", "/api/v1/nodes")).body as { items?: { status?: { conditions?: { type: string; status: string }[] } }[] };
            return (nodes.items ?? []).some((n) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));
        }, 120);
    }

    /** Simulated nodes in all: spread constraints that require distinct nodes need as many as replicas. */
    async scaleNodes(count: number): Promise<void> {
        this.kwokctl(["scale", "node", "--name", this.name, "--replicas", String(count)]);
        await this.waitFor(`${count} Ready nodes`, async () => {
            const nodes = (await this.request("GET", "/api/v1/nodes")).body as { items?: { status?: { conditions?: { type: string; status: string }[] } }[] };
            return (nodes.items ?? []).filter((n) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length >= count;
        }, 120);
    }

    stop(): void {
        if (fs.existsSync(path.join(this.kwokWorkdir, "clusters", this.name))) {
            this.kwokctl(["delete", "cluster", "--name", this.name]);
        }
    }

    request(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: any }> {
        return new Promise((resolve, reject) => {
            const request = https.request(
                `${this.server}${apiPath}`,
                { method, agent: this.agent, headers: { "content-type": "application/json" }, timeout: 30_000 },
                (response) => {
                    let text = "";
                    response.on("data", (chunk) => (text += chunk));
                    response.on("end", () => {
                        let parsed: unknown = text;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            // non-JSON answers (e.g. /healthz) stay text
                        }
                        resolve({ status: response.statusCode ?? 0, body: parsed });
                    });
                },
            );
            request.on("error", reject);
            request.on("timeout", () => request.destroy(new Error(`${method} ${apiPath} timed out`)));
            if (body !== undefined) {
                request.write(JSON.stringify(body));
            }
            request.end();
        });
    }

    async waitFor(what: string, condition: () => Promise<boolean>, seconds: number): Promise<void> {
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
            try {
                if (await condition()) {
                    return;
                }
            } catch {
                // not up yet
            }
            if (Date.now() > deadline) {
                throw new Error(`timed out after ${seconds}s waiting for ${what}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    }

    /**
     * KWOK has no volume provisioner: claims without a storage class bind to these pre-made
     * hostPath volumes (the pods are fake, so nothing is ever written to them).
     */
    async createPersistentVolumes(count: number, size = "200Gi"): Promise<void> {
        for (let i = 0; i < count; i++) {
            const result = await this.request("POST", "/api/v1/persistentvolumes", {
                apiVersion: "v1",
                kind: "PersistentVolume",
                metadata: { name: `local-pv-${i}` },
                spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "", hostPath: { path: `/tmp/lgtm-pv-${i}` } },
            });
            if (result.status !== 201 && result.status !== 409) {
                throw new Error(`creating PersistentVolume local-pv-${i}: ${result.status} ${JSON.stringify(result.body)}`);
            }
        }
    }
}

/** A copy of the project in `workdir/project` driven by the real Pulumi CLI on a local file backend. */
/** A --json plan carries every resource's inputs: a thousand services' rule files and dashboards run to hundreds of MiB. */
const PLAN_OUTPUT_LIMIT_BYTES = 1024 * 1024 * 1024;

export class PulumiProject {
    readonly dir: string;
    readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly workdir: string,
        kubeconfig: string,
    ) {
        ensureTools(PULUMI_TOOLS);
        this.dir = path.join(workdir, "project");
        const state = path.join(workdir, "state");
        fs.mkdirSync(state, { recursive: true });
        // An existing copy holds the stack's encrypted config: reuse it (e.g. for `demo --down`).
        if (!fs.existsSync(this.dir)) {
            copyProject(this.dir);
        }
        this.env = {
            ...process.env,
            PATH: `${toolsBinDir()}:${process.env.PATH}`,
            PULUMI_HOME: path.join(workdir, "pulumi-home"),
            PULUMI_BACKEND_URL: `file://${state}`,
            PULUMI_CONFIG_PASSPHRASE: "lgtm-local",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            KUBECONFIG: kubeconfig,
        };
    }

    run(args: string[], options: { allowFailure?: boolean; input?: string } = {}): { code: number; stdout: string; stderr: string } {
        const result = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: this.env, encoding: "utf8", input: options.input, timeout: 900_000, maxBuffer: PLAN_OUTPUT_LIMIT_BYTES });
        if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOBUFS") {
            throw new Error(`pulumi ${args.join(" ")} printed more than ${PLAN_OUTPUT_LIMIT_BYTES / 2 ** 20} MiB`);
        }
        const outcome = { code: result.status ?? -1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
        if (!options.allowFailure && outcome.code !== 0) {
            throw new Error(`pulumi ${args.join(" ")} failed (exit ${outcome.code}):\n${outcome.stdout}\n${outcome.stderr}`);
        }
        return outcome;
    }

    /** Rewrites the stack file's config (secrets stay encrypted as they are). */
    editStackConfig(stack: string, edit: (config: Record<string, unknown>) => void): void {
        const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
        const document = YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        edit(document.config);
        fs.writeFileSync(file, YAML.stringify(document, { lineWidth: 0 }));
    }
}

/** Project files only: sources, stack files and a link to the installed node_modules. */
function copyProject(target: string): void {
    fs.mkdirSync(target, { recursive: true });
    const skip = new Set(["node_modules", ".git", "out", "test", "bench", ".github", "demo-service"]);
    for (const entry of fs.readdirSync(PROJECT_ROOT)) {
        if (skip.has(entry) || entry.startsWith(".lgtm")) {
            continue;
        }
        fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(target, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(target, "node_modules"));
}
