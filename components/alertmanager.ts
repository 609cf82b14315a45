import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertmanagerConfig } from "../config/types";
import { ALERTMANAGER_SECRET_FILES, AlertmanagerSecretKey, teamRoutingKeyFile } from "../config/keys";
import { ALERTMANAGER_PORT_NAME, CONFIG_CHECKSUM_ANNOTATION, PATHS, PORTS } from "../model/components";
import { ScratchSpace } from "../model/ephemeralStorage";
import { RenderedWorkload } from "../render";
import { clusterService, CommonArgs, componentLabels, configMap, disruptionBudget, hardenedContainer, persistentClaim, podSecurityContext, selectorLabels, spreadAcrossNodes, TMP_MOUNT, tmpVolume, dataEmptyDir, workloadEnv } from "./workload";

export interface AlertmanagerArgs extends CommonArgs {
    /** Validated Alertmanager settings. Defaults to none: required. */
    readonly settings: AlertmanagerConfig;
    /** Rendered alertmanager.yml (references credential files, holds none) and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** Receiver credentials as Pulumi secrets, mounted as files. Defaults to none configured. */
    readonly credentials: AlertmanagerCredentials;
    /** Routing keys of the teams' own PagerDuty services, by team, as Pulumi secrets. Defaults to none. */
    readonly teamRoutingKeys?: Readonly<Record<string, pulumi.Output<string>>>;
    /** Storage class for silences and notification log. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** Its scratch space (`rendered.scratch.alertmanager`). Defaults to none: required. */
    readonly scratch: ScratchSpace;
}

/** The receivers' credentials, by the name of the file each becomes. */
export type AlertmanagerCredentials = { readonly [key in AlertmanagerSecretKey]?: pulumi.Output<string> };

/** Alertmanager as a StatefulSet; with more than one replica the peers gossip as a cluster. */
export class Alertmanager extends pulumi.ComponentResource {
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly credentialsSecret: k8s.core.v1.Secret;

    constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Alertmanager", name, {}, opts);
        const { namespace, settings } = args;
        const labels = componentLabels("alertmanager");
        const config = configMap(`${name}-config`, "alertmanager-config", "alertmanager", namespace, { [args.workload.configFileName]: args.workload.config }, this);
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
            { metadata: { name: "alertmanager-credentials", namespace, labels }, type: "Opaque", stringData: Object.keys(stringData).length > 0 ? stringData : undefined },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        clusterService(`${name}-svc`, "alertmanager", namespace, [{ name: ALERTMANAGER_PORT_NAME, port: PORTS.alertmanager }], this);
        // Headless and publishing not-ready pods: peers must find each other before they are ready.
        const peers = clusterService(
            `${name}-peers`,
            "alertmanager",
            namespace,
            [
                { name: ALERTMANAGER_PORT_NAME, port: PORTS.alertmanager },
                { name: "cluster", port: PORTS.alertmanagerCluster },
            ],
            this,
            { headless: true, metadataName: "alertmanager-peers", publishNotReady: true },
        );
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-sts`,
            {
                metadata: { name: "alertmanager", namespace, labels },
                spec: {
                    serviceName: peers.metadata.name,
                    replicas: settings.replicas,
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: selectorLabels("alertmanager") },
                    template: {
                        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: args.workload.checksum } },
                        spec: {
                            securityContext: podSecurityContext(65534),
                            // Alertmanager never calls the Kubernetes API: no token in the pod.
                            automountServiceAccountToken: false,
                            ...(settings.replicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("alertmanager") } : {}),
                            containers: [
                                hardenedContainer({
                                    name: "alertmanager",
                                    image: settings.image,
                                    args: [...args.workload.args],
                                    env: workloadEnv(args.workload),
                                    ports: [
                                        { name: "http", containerPort: PORTS.alertmanager },
                                        { name: "cluster", containerPort: PORTS.alertmanagerCluster },
                                    ],
                                    resources: settings.resources,
                                    scratch: args.scratch,
                                    readinessPath: "/-/ready",
                                    livenessPath: "/-/healthy",
                                    volumeMounts: [
                                        { name: "config", mountPath: args.workload.configDir, readOnly: true },
                                        { name: "credentials", mountPath: PATHS.alertmanagerSecretsDir, readOnly: true },
                                        { name: "data", mountPath: PATHS.alertmanagerData },
                                        TMP_MOUNT,
                                    ],
                                }),
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                { name: "credentials", secret: { secretName: this.credentialsSecret.metadata.name } },
                                ...dataEmptyDir(args.scratch),
                                tmpVolume(args.scratch),
                            ],
                        },
                    },
                    volumeClaimTemplates: settings.persistence.enabled ? [persistentClaim("data", settings.persistence.size, args.storageClassName)] : [],
                },
            },
            { parent: this },
        );
        disruptionBudget(name, "alertmanager", settings.replicas, args, this);
        this.registerOutputs({ statefulSet: this.statefulSet });
    }
}
