/**
 * A backend run as one binary (monolithic mode) in a StatefulSet: Loki and Tempo in the single
 * topology. Their pods differ only in their description (render/pods.ts: ports, data path, uid) and
 * their rendered config; this wires the config, the object-storage credentials and the Services.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageCredentials } from "../io/pulumiConfig";
import { OBJECT_STORAGE_ENV } from "../model/components";
import { ComponentPod, RenderedWorkload } from "../render";
import { headlessServiceName, SingleBinary } from "../render/pods";
import { configMapName } from "../render/podSpec";
import { clusterService, componentLabels, configMap, podPorts, podWorkload } from "./workload";

/** Each backend's Pulumi type token. */
const TYPES: Readonly<Record<SingleBinary, string>> = { loki: "lgtm:backends:Loki", tempo: "lgtm:backends:Tempo" };

export interface SingleBinaryArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Rendered config file and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** Its pod, described (`rendered.pods.loki` or `.tempo`). Defaults to none: required. */
    readonly pod: ComponentPod;
    /** Object-storage credentials (secrets), passed as environment variables. Defaults to none (filesystem storage). */
    readonly objectStorage?: ObjectStorageCredentials;
}

export class SingleBinaryBackend extends pulumi.ComponentResource {
    readonly statefulSet: pulumi.CustomResource;

    constructor(component: SingleBinary, name: string, args: SingleBinaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES[component], name, {}, opts);
        const { namespace, workload } = args;
        const { pod } = args.pod;
        const labels = componentLabels(component);
        const config = configMap(`${name}-config`, configMapName(component), component, namespace, { [workload.configFileName]: workload.config }, this);
        const secret = args.objectStorage ? objectStorageSecret(`${name}-object-storage`, `${component}-object-storage`, namespace, labels, args.objectStorage, this) : undefined;
        clusterService(`${name}-svc`, component, namespace, podPorts(pod), this);
        const headless = clusterService(`${name}-headless`, component, namespace, podPorts(pod), this, { headless: true, metadataName: headlessServiceName(component) });
        this.statefulSet = podWorkload(`${name}-sts`, pod, {
            namespace,
            parent: this,
            dependsOn: [config, headless, ...(secret ? [secret.secret] : [])],
            ...(secret ? { secretEnv: secret.env } : {}),
        });
        this.registerOutputs({ statefulSet: this.statefulSet });
    }
}

/** An engine's object-storage credentials as a Secret, and the environment variables that read them from it. */
export function objectStorageSecret(resourceName: string, secretName: string, namespace: pulumi.Input<string>, labels: Record<string, string>, credentials: ObjectStorageCredentials, parent: pulumi.Resource) {
    const secret = new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: { name: secretName, namespace, labels },
            stringData: { [OBJECT_STORAGE_ENV.accessKeyId]: credentials.accessKeyId, [OBJECT_STORAGE_ENV.secretAccessKey]: credentials.secretAccessKey },
        },
        { parent, additionalSecretOutputs: ["stringData", "data"] },
    );
    const env: k8s.types.input.core.v1.EnvVar[] = Object.values(OBJECT_STORAGE_ENV).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } }));
    return { secret, env };
}
