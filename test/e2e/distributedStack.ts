/** The stack both distributed e2e suites deploy on their KWOK cluster. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { LocalStack, projectCopy } from "../../scripts/localCluster";
import { s3 } from "../support/topology";

/**
 * The dev stack plus the keys a distributed environment sets (object storage for the three engines,
 * `topology.mode: distributed` with `topology`'s further keys), written into the project copy as
 * `Pulumi.<stack>.yaml`, with the object-storage credentials as secrets.
 */
export async function createDistributedStack(workdir: string, kubeconfig: string, stack: string, topology: Record<string, unknown> = {}): Promise<LocalStack> {
    const dir = projectCopy(workdir);
    const dev = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const config = {
        ...dev.config,
        "lgtm-stack:loki": { storage: s3("logs") },
        "lgtm-stack:tempo": { storage: s3("traces") },
        "lgtm-stack:topology": { mode: "distributed", mimir: { storage: s3("metrics") }, ...topology },
    };
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), YAML.stringify({ config }, { lineWidth: 0 }));
    const project = await LocalStack.create(workdir, kubeconfig, stack);
    await project.setSecret("objectStorageAccessKeyId", "e2e-access-key");
    await project.setSecret("objectStorageSecretAccessKey", "e2e-secret-key");
    return project;
}
