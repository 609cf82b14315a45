/**
 * A backend run as one binary (monolithic mode) in a StatefulSet: Loki and Tempo in the single
 * topology differ only in the shape below (ports, data path, uid) and their rendered config.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageCredentials } from "../io/pulumiConfig";
import { LokiConfig, TempoConfig } from "../config/types";
import { Component, CONFIG_CHECKSUM_ANNOTATION, OBJECT_STORAGE_ENV } from "../model/components";
import { ScratchSpace } from "../model/ephemeralStorage";
import { RenderedWorkload } from "../render";
import { clusterService, CommonArgs, componentLabels, configMap, hardenedContainer, persistentClaim, podSecurityContext, selectorLabels, TMP_MOUNT, tmpVolume, dataEmptyDir, workloadEnv } from "./workload";

/** Replaying the WAL and joining the ring take minutes after a crash with a large backlog. */
const SINGLE_BINARY_STARTUP_SECONDS = 600;

export interface SingleBinaryArgs extends CommonArgs {
    /** Validated settings of the backend. Defaults to none: required. */
    readonly settings: LokiConfig | TempoConfig;
    /** Rendered config file and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** Object-storage credentials (secrets), passed as environment variables. Defaults to none (filesystem storage). */
    readonly objectStorage?: ObjectStorageCredentials;
    /** Storage class for the data volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** A ConfigMap mounted read-only at a path of its own (Loki's rule files). Defaults to none. */
    readonly extraConfigMap?: { readonly name: string; readonly mountPath: string };
    /** Its scratch space (`rendered.scratch.loki` or `.tempo`). Defaults to none: required. */
    readonly scratch: ScratchSpace;
}

export interface BackendShape {
    readonly component: Component;
    readonly type: string;
    readonly uid: number;
    readonly dataDir: string;
    readonly ports: { name: string; port: number }[];
}

export class SingleBinaryBackend extends pulumi.ComponentResource {
    readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(shape: BackendShape, name: string, args: SingleBinaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(shape.type, name, {}, opts);
        const { namespace, settings } = args;
        const { component } = shape;
        const labels = componentLabels(component);
        const { workload } = args;
        const config = configMap(`${name}-config`, `${component}-config`, component, namespace, { [workload.configFileName]: workload.config }, this);
        let env: k8s.types.input.core.v1.EnvVar[] = workloadEnv(workload);
        if (args.objectStorage) {
            const secret = new k8s.core.v1.Secret(
                `${name}-object-storage`,
                {
                    metadata: { name: `${component}-object-storage`, namespace, labels },
                    stringData: {
                        [OBJECT_STORAGE_ENV.accessKeyId]: args.objectStorage.accessKeyId,
                        [OBJECT_STORAGE_ENV.secretAccessKey]: args.objectStorage.secretAccessKey,
                    },
                },
                { parent: this, additionalSecretOutputs: ["stringData", "data"] },
            );
            env = [...env, ...Object.values(OBJECT_STORAGE_ENV).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } }))];
        }
        clusterService(`${name}-svc`, component, namespace, shape.ports, this);
        const headless = clusterService(`${name}-headless`, component, namespace, shape.ports, this, { headless: true, metadataName: `${component}-headless` });
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-sts`,
            {
                metadata: { name: component, namespace, labels },
                spec: {
                    serviceName: headless.metadata.name,
                    // Monolithic mode: one replica; scale out means the microservices deployment mode.
                    replicas: 1,
                    selector: { matchLabels: selectorLabels(component) },
                    template: {
                        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.checksum } },
                        spec: {
                            securityContext: podSecurityContext(shape.uid),
                            // Loki and Tempo never call the Kubernetes API: no token in the pod.
                            automountServiceAccountToken: false,
                            terminationGracePeriodSeconds: 60,
                            containers: [
                                hardenedContainer({
                                    name: component,
                                    image: settings.image,
                                    args: [...workload.args],
                                    env,
                                    ports: shape.ports.map((p) => ({ name: p.name, containerPort: p.port })),
                                    resources: settings.resources,
                                    scratch: args.scratch,
                                    readinessPath: "/ready",
                                    startupSeconds: SINGLE_BINARY_STARTUP_SECONDS,
                                    volumeMounts: [
                                        { name: "config", mountPath: workload.configDir, readOnly: true },
                                        { name: "data", mountPath: shape.dataDir },
                                        ...(args.extraConfigMap ? [{ name: "extra", mountPath: args.extraConfigMap.mountPath, readOnly: true }] : []),
                                        TMP_MOUNT,
                                    ],
                                }),
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                ...dataEmptyDir(args.scratch),
                                ...(args.extraConfigMap ? [{ name: "extra", configMap: { name: args.extraConfigMap.name } }] : []),
                                tmpVolume(args.scratch),
                            ],
                        },
                    },
                    volumeClaimTemplates: settings.persistence.enabled ? [persistentClaim("data", settings.persistence.size, args.storageClassName)] : [],
                },
            },
            { parent: this },
        );
        this.registerOutputs({ statefulSet: this.statefulSet });
    }
}
