import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_SECRET_FILES, AlertmanagerSecretKey, teamRoutingKeyFile } from "../config/keys";
import { ALERTMANAGER_PORT_NAME } from "../model/components";
import { ComponentPod, RenderedWorkload } from "../render";
import { ALERTMANAGER_CREDENTIALS_SECRET, ALERTMANAGER_PEERS_SERVICE } from "../render/pods";
import { configMapName } from "../render/podSpec";
import { clusterService, componentLabels, configMap, podDisruptionBudget, podPorts, podWorkload } from "./workload";

export interface AlertmanagerArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Rendered alertmanager.yml (references credential files, holds none) and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** Its pod, described (`rendered.pods.alertmanager`). Defaults to none: required. */
    readonly pod: ComponentPod;
    /** Receiver credentials as Pulumi secrets, mounted as files. Defaults to none configured. */
    readonly credentials: AlertmanagerCredentials;
    /** Routing keys of the teams' own PagerDuty services, by team, as Pulumi secrets. Defaults to none. */
    readonly teamRoutingKeys?: Readonly<Record<string, pulumi.Output<string>>>;
}

/** The receivers' credentials, by the name of the file each becomes. */
export type AlertmanagerCredentials = { readonly [key in AlertmanagerSecretKey]?: pulumi.Output<string> };

/** Alertmanager as a StatefulSet; with more than one replica the peers gossip as a cluster. */
export class Alertmanager extends pulumi.ComponentResource {
    readonly statefulSet: pulumi.CustomResource;
    readonly credentialsSecret: k8s.core.v1.Secret;

    constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Alertmanager", name, {}, opts);
        const { namespace } = args;
        const labels = componentLabels("alertmanager");
        const config = configMap(`${name}-config`, configMapName("alertmanager"), "alertmanager", namespace, { [args.workload.configFileName]: args.workload.config }, this);
        const stringData: Record<string, pulumi.Input<string>> = {};
        for (const [key, file] of Object.entries(ALERTMANAGER_SECRET_FILES) as [AlertmanagerSecretKey, string][]) {
            const value = args.credentials[key];
            if (value) {
                stringData[file] = value;
            }
        }
        for (const [team, value] of Object.entries(args.teamRoutingKeys ?? {})) {
            stringData[teamRoutingKeyFile(team)] = value;
        }
        this.credentialsSecret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            // An empty stringData is dropped by the API server and would show as a diff on every preview.
            { metadata: { name: ALERTMANAGER_CREDENTIALS_SECRET, namespace, labels }, type: "Opaque", stringData: Object.keys(stringData).length > 0 ? stringData : undefined },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        const { pod } = args.pod;
        clusterService(`${name}-svc`, "alertmanager", namespace, podPorts(pod, [ALERTMANAGER_PORT_NAME]), this);
        // Headless and publishing not-ready pods: peers must find each other before they are ready.
        const peers = clusterService(
            `${name}-peers`,
            "alertmanager",
            namespace,
            podPorts(pod),
            this,
            { headless: true, metadataName: ALERTMANAGER_PEERS_SERVICE, publishNotReady: true },
        );
        this.statefulSet = podWorkload(`${name}-sts`, pod, { namespace, parent: this, dependsOn: [config, this.credentialsSecret, peers] });
        podDisruptionBudget(`${name}-pdb`, args.pod.budget, namespace, this);
        this.registerOutputs({ statefulSet: this.statefulSet });
    }
}
