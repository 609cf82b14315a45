import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImageRef } from "../config/types";
import { CONFIG_CHECKSUM_ANNOTATION } from "../model/components";
import { ScratchSpace } from "../model/ephemeralStorage";
import { BLACKBOX } from "../model/probes";
import { RenderedBlackbox } from "../render";
import { componentLabels, hardenedContainer, podSecurityContext, selectorLabels, TMP_MOUNT, tmpVolume } from "./workload";

export interface BlackboxExporterArgs {
    /** The stack's namespace. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered modules file and its checksum. Defaults to none: required. */
    readonly rendered: RenderedBlackbox;
    /** Its image. Defaults to none: required (config `operator.blackboxImage`). */
    readonly image: ImageRef;
    /** Its scratch space (`rendered.scratch["blackbox-exporter"]`). Defaults to none: required. */
    readonly scratch: ScratchSpace;
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
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: BLACKBOX.name, namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selectorLabels(BLACKBOX.name) },
                    template: {
                        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: rendered.checksum } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: podSecurityContext(65534),
                            containers: [
                                hardenedContainer({
                                    name: BLACKBOX.name,
                                    image: args.image,
                                    args: [`--config.file=${BLACKBOX.configDir}/${BLACKBOX.configFile}`, `--web.listen-address=:${BLACKBOX.port}`],
                                    ports: [{ name: "http", containerPort: BLACKBOX.port }],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                    scratch: args.scratch,
                                    readinessPath: "/-/healthy",
                                    livenessPath: "/-/healthy",
                                    volumeMounts: [{ name: "config", mountPath: BLACKBOX.configDir, readOnly: true }, TMP_MOUNT],
                                }),
                            ],
                            volumes: [{ name: "config", configMap: { name: config.metadata.name } }, tmpVolume(args.scratch)],
                        },
                    },
                },
            },
            { parent: this },
        );
        const service = new k8s.core.v1.Service(
            `${name}-svc`,
            {
                metadata: { name: BLACKBOX.name, namespace, labels },
                spec: { selector: selectorLabels(BLACKBOX.name), ports: [{ name: "http", port: BLACKBOX.port, targetPort: "http", protocol: "TCP" }] },
            },
            { parent: this },
        );
        this.registerOutputs({ deployment, service });
    }
}
