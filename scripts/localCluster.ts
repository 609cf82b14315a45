/**
 * A throwaway Kubernetes control plane (kube-apiserver, controller-manager, scheduler, etcd, with
 * KWOK faking nodes and pod readiness) and a Pulumi CLI logged into a local file backend — all from
 * binaries built by scripts/tools.sh, nothing downloaded. Used by the e2e suite and `npm run demo`.
 * Never touches the user's kube context or Pulumi login: everything lives under `workdir`.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { LocalWorkspace, OutputMap, PulumiCommand, Stack, UpResult } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT } from "../io/stackSources";
import { CONTROL_PLANE_TOOLS, ControlPlane, SIMULATED_NODE_PARAMS } from "./controlPlane";
import { ensureTools, requireTool, toolsBinDir } from "./dev/tools";

/** The KWOK-only cluster's tools (the benchmarks import them from here). */
export { CONTROL_PLANE_TOOLS as CLUSTER_TOOLS };
export { missingTools } from "./dev/tools";
// Provider plugins are "ambient": the CLI finds pulumi-resource-<name> on PATH (the bindir symlinks).
export const PULUMI_TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random"] as const;

/** The control plane with KWOK nodes only: every pod is simulated. */
export class LocalCluster extends ControlPlane {
    /** Creates the control plane and one fake node, and waits until the node is Ready. */
    async start(): Promise<void> {
        ensureTools(CONTROL_PLANE_TOOLS);
        await this.createControlPlane();
        await this.scaleNodes(1);
    }

    /** Simulated nodes in all: spread constraints that require distinct nodes need as many as replicas. */
    async scaleNodes(count: number): Promise<void> {
        this.kwokctl(["scale", "node", "--name", this.name, "--replicas", String(count), ...SIMULATED_NODE_PARAMS]);
        await this.waitFor(count === 1 ? "a Ready node" : `${count} Ready nodes`, async () => (await this.readyNodes()).length >= count, 120);
    }

    stop(): void {
        this.deleteControlPlane();
    }

    /**
     * KWOK has no volume provisioner: claims without a storage class bind to these pre-made
     * hostPath volumes (the pods are fake, so nothing is ever written to them).
     */
    createPersistentVolumes(count: number, size = "200Gi"): Promise<void> {
        return this.createVolumes(count, (i) => ({
            metadata: { name: `local-pv-${i}` },
            spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "", hostPath: { path: `/tmp/lgtm-pv-${i}` } },
        }));
    }
}

/**
 * What a current Node.js language host passes the program for Pulumi.yaml's
 * `runtime.options.tsconfig`: `PULUMI_NODEJS_TSCONFIG_PATH`, which `@pulumi/pulumi`'s runner reads
 * (and, from that file, `noCheck` to run ts-node transpile-only). The cached host is v3.68.0
 * (tools/README.md) and reads runtime options only as command-line flags, which the v3.274 CLI no
 * longer passes: without this, every preview the harness runs would type-check the whole program
 * under ts-node (about 13 s of CPU here) where a user's preview does not.
 */
function programCompilerEnv(): Record<string, string> {
    const project = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { runtime?: { options?: { tsconfig?: string } } };
    const tsconfig = project.runtime?.options?.tsconfig;
    return tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: tsconfig } : {};
}

/** The project copied to `workdir/project` (once: an existing copy holds the stack's encrypted config, e.g. for `demo --down`). */
export function projectCopy(workdir: string): string {
    const dir = path.join(workdir, "project");
    if (!fs.existsSync(dir)) {
        copyProject(dir);
    }
    return dir;
}

export interface PreviewStep {
    op: string;
    urn: string;
}

/**
 * One stack of the project copy in `workdir/project`, driven through the Pulumi Automation API by
 * the cached CLI on a local file backend. Config values live in the stack file (`editConfig`), secrets
 * are encrypted with a fixed passphrase.
 */
export class LocalStack {
    private constructor(
        readonly dir: string,
        readonly name: string,
        /** The environment the CLI runs in (also right for running the program's `node` by hand). */
        readonly env: Record<string, string>,
        private readonly stack: Stack,
    ) {}

    static async create(workdir: string, kubeconfig: string, stackName: string): Promise<LocalStack> {
        ensureTools(PULUMI_TOOLS);
        const dir = projectCopy(workdir);
        const state = path.join(workdir, "state");
        fs.mkdirSync(state, { recursive: true });
        // PulumiCommand runs `<root>/bin/pulumi`: a link to the cached CLI.
        const cliRoot = path.join(workdir, "pulumi-cli");
        fs.mkdirSync(path.join(cliRoot, "bin"), { recursive: true });
        const cli = path.join(cliRoot, "bin", "pulumi");
        if (!fs.existsSync(cli)) {
            fs.symlinkSync(requireTool("pulumi"), cli);
        }
        const pulumiHome = path.join(workdir, "pulumi-home");
        // Provider plugins and the language host are "ambient": the CLI finds them on PATH (the bindir symlinks).
        const envVars = {
            PATH: `${toolsBinDir()}:${process.env.PATH}`,
            PULUMI_BACKEND_URL: `file://${state}`,
            PULUMI_CONFIG_PASSPHRASE: "lgtm-local",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            KUBECONFIG: kubeconfig,
            ...programCompilerEnv(),
        };
        const pulumiCommand = await PulumiCommand.get({ root: cliRoot });
        const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { pulumiHome, envVars, pulumiCommand });
        const env = { ...(process.env as Record<string, string>), ...envVars, PATH: `${path.dirname(cli)}:${envVars.PATH}`, PULUMI_HOME: pulumiHome };
        return new LocalStack(dir, stackName, env, stack);
    }

    /** The steps a preview plans (one per resource, `same` included), from the engine's events. */
    async preview(): Promise<PreviewStep[]> {
        const steps: PreviewStep[] = [];
        await this.stack.preview({
            onEvent: (event) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata) {
                    steps.push({ op: metadata.op, urn: metadata.urn });
                }
            },
        });
        return steps;
    }

    up(options: { expectNoChanges?: boolean } = {}): Promise<UpResult> {
        return this.stack.up({ expectNoChanges: options.expectNoChanges });
    }

    async destroy(): Promise<void> {
        await this.stack.destroy();
    }

    async setSecret(key: string, value: string): Promise<void> {
        await this.stack.setConfig(key, { value, secret: true });
    }

    outputs(): Promise<OutputMap> {
        return this.stack.outputs();
    }

    /** The checkpoint (`pulumi stack export`): every resource with its type and URN. */
    async state(): Promise<{ resources: { type: string; urn: string }[] }> {
        return (await this.stack.exportStack()).deployment;
    }

    cliVersion(): string {
        return this.stack.workspace.pulumiVersion;
    }

    /** Rewrites the stack file's config (secrets stay encrypted as they are). */
    editConfig(edit: (config: Record<string, unknown>) => void): void {
        const file = path.join(this.dir, `Pulumi.${this.name}.yaml`);
        const document = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
        document.config ??= {};
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
