/**
 * `npm run demo`: builds or reuses the tools, starts a local Kubernetes control plane (KWOK nodes),
 * deploys the dev stack with the real Pulumi engine and a local state backend, and prints the stack
 * outputs. Everything lives in ~/.cache/lgtm-stack/demo; your kube context and Pulumi login are not
 * touched. `npm run demo -- --down` destroys the stack and the cluster.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLUSTER_TOOLS, ensureTools, LocalCluster, PULUMI_TOOLS, PulumiProject } from "./localCluster";

const STACK = "dev";
const WORKDIR = path.join(process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache/lgtm-stack"), "demo");
const CLUSTER = "lgtm-demo";

async function up(): Promise<void> {
    console.log("building or reusing the tools (first run on a cold machine: see tools/BUILD-TIMES.md) ...");
    ensureTools([...CLUSTER_TOOLS, ...PULUMI_TOOLS]);
    const cluster = new LocalCluster(CLUSTER, WORKDIR);
    cluster.stop();
    fs.rmSync(WORKDIR, { recursive: true, force: true });
    fs.mkdirSync(WORKDIR, { recursive: true });
    console.log("starting a local Kubernetes control plane with one KWOK node ...");
    await cluster.start();
    await cluster.createPersistentVolumes(4);
    const project = new PulumiProject(WORKDIR, cluster.kubeconfig);
    project.run(["stack", "init", STACK]);
    // Grafana takes the default grafana.mode (files): its datasources and dashboards arrive as ConfigMaps
    // with no Grafana API call. The @pulumi/random plugin cannot be built offline: the demo brings its own admin password.
    project.run(["config", "set", "--secret", "--stack", STACK, "grafanaAdminPassword", `demo-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`]);
    console.log("pulumi up --stack dev ...");
    const result = project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
    console.log(result.stdout.split("\n").filter((line) => /Resources:|created|Duration/.test(line)).join("\n"));
    console.log(project.run(["stack", "output", "--stack", STACK]).stdout);
    console.log(
        [
            "The dev stack is deployed into a local control plane whose nodes are simulated by KWOK:",
            `  export KUBECONFIG=${cluster.kubeconfig}        # only for this cluster`,
            `  cd ${project.dir} && PATH=${project.env.PATH?.split(":")[0]}:$PATH PULUMI_HOME=${project.env.PULUMI_HOME} PULUMI_BACKEND_URL=${project.env.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE=lgtm-local pulumi stack output grafanaAdminPassword --show-secrets`,
            "Pods are simulated, so Grafana does not serve here. On a real cluster, deploy with `pulumi up --stack dev`",
            "and reach Grafana with `kubectl -n observability port-forward svc/grafana 3000:3000` (README: Run against a cluster).",
            "Tear down with: npm run demo -- --down",
        ].join("\n"),
    );
}

function down(): void {
    const cluster = new LocalCluster(CLUSTER, WORKDIR);
    if (fs.existsSync(path.join(WORKDIR, "project"))) {
        const project = new PulumiProject(WORKDIR, cluster.kubeconfig);
        project.run(["destroy", "--yes", "--skip-preview", "--stack", STACK], { allowFailure: true });
    }
    cluster.stop();
    fs.rmSync(WORKDIR, { recursive: true, force: true });
    console.log("demo cluster and stack removed");
}

(process.argv.includes("--down") ? Promise.resolve(down()) : up()).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
});
