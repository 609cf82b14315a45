import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BLACKBOX } from "../model/probes";
import { RenderedBlackbox } from "../render";
import { componentLabels, podPorts, podWorkload, selectorLabels } from "./workload";

export interface BlackboxExporterArgs {
    /** The stack's namespace. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered modules file, its checksum and its pod (`renderStack(...).blackbox`). Defaults to none: required. */
    readonly rendered: RenderedBlackbox;
}

/**
 * The blackbox exporter that Probe objects name as their prober (`blackbox-exporter.<ns>.svc:9115`):
 * a Deployment, its Service and its modules; the pod rolls when the modules change.
 */
export class BlackboxExporter extends pulumi.ComponentResource {
    constructor(name: string, args: BlackboxExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:operator:BlackboxExporter", name, {}, opts);
        const { namespace, rendered } = args;
        const labels = componentLabels(BLACKBOX.name);
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: BLACKBOX.name, namespace, labels }, data: { [BLACKBOX.configFile]: rendered.config } }, { parent: this });
        const deployment = podWorkload(`${name}-deployment`, rendered.pod, { namespace, parent: this, dependsOn: [config] });
        const service = new k8s.core.v1.Service(
            `${name}-svc`,
            {
                metadata: { name: BLACKBOX.name, namespace, labels },
                spec: { selector: selectorLabels(BLACKBOX.name), ports: podPorts(rendered.pod).map((port) => ({ ...port, targetPort: port.name, protocol: port.protocol ?? "TCP" })) },
            },
            { parent: this },
        );
        this.registerOutputs({ deployment, service });
    }
}
