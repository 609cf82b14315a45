/**
 * Typed Kubernetes API clients for the dev clusters (KWOK and the real node), from
 * @kubernetes/client-node: it reads the kubeconfig, applies its TLS client certificate and CA, and
 * (de)serializes its models (`V1Namespace`, `V1ConfigMap`, …). Custom resources (monitoring.coreos.com)
 * go through {@link CustomObjectsApi} as plain objects.
 */
import {
    AdmissionregistrationV1Api,
    ApiException,
    ApiextensionsV1Api,
    AppsV1Api,
    AuthorizationV1Api,
    CoreV1Api,
    createConfiguration,
    CustomObjectsApi,
    DiscoveryV1Api,
    KubeConfig,
    loadYaml,
    PatchStrategy,
    RbacAuthorizationV1Api,
    RequestContext,
    ResponseContext,
    ServerConfiguration,
    setHeaderOptions,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
    V1PodStatus,
    VersionApi,
} from "@kubernetes/client-node";
import { MONITORING_GROUP } from "../model/operator";

const REQUEST_TIMEOUT_MS = 30_000;

/** The version of the operator's objects the harness writes and reads. */
const MONITORING_VERSION = "v1";
/** The prometheus-operator's kinds the harness uses, by their API resource (plural) name. */
const MONITORING_PLURALS = { Prometheus: "prometheuses", PrometheusRule: "prometheusrules", ServiceMonitor: "servicemonitors" } as const;
export type MonitoringKind = keyof typeof MONITORING_PLURALS;

/** Where {@link CustomObjectsApi} finds the monitoring.coreos.com/v1 objects of `kind` in `namespace`. */
export const monitoring = (kind: MonitoringKind, namespace: string) => ({ group: MONITORING_GROUP, version: MONITORING_VERSION, plural: MONITORING_PLURALS[kind], namespace });

/**
 * Options for a `patch…` call that sends a JSON merge patch. Since 1.0, client-node sends the first
 * patch type the API lists, a JSON patch (`application/json-patch+json`), unless told otherwise.
 */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A pod as the API server returns it: its name, namespace, uid, spec and status are always set. */
export type ServedPod = V1Pod & { metadata: V1ObjectMeta & { name: string; namespace: string; uid: string }; spec: V1PodSpec; status: V1PodStatus };

/** One client per API group the harness uses, all for the cluster of one kubeconfig. */
export class KubeApi {
    readonly server: string;
    readonly core: CoreV1Api;
    readonly apps: AppsV1Api;
    readonly rbac: RbacAuthorizationV1Api;
    readonly crds: ApiextensionsV1Api;
    readonly custom: CustomObjectsApi;
    readonly discovery: DiscoveryV1Api;
    readonly admission: AdmissionregistrationV1Api;
    readonly authorization: AuthorizationV1Api;
    readonly version: VersionApi;

    constructor(kubeconfig: string) {
        const config = new KubeConfig();
        config.loadFromFile(kubeconfig);
        const cluster = config.getCurrentCluster();
        if (!cluster) {
            throw new Error(`${kubeconfig} names no current cluster`);
        }
        this.server = cluster.server;
        // KubeConfig.makeApiClient, plus a deadline on every request: a wedged API server fails the call, not the run.
        const configuration = createConfiguration({
            baseServer: new ServerConfiguration(cluster.server, {}),
            authMethods: { default: config },
            promiseMiddleware: [
                {
                    pre: async (context: RequestContext) => {
                        context.setSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
                        return context;
                    },
                    post: async (response: ResponseContext) => response,
                },
            ],
        });
        this.core = new CoreV1Api(configuration);
        this.apps = new AppsV1Api(configuration);
        this.rbac = new RbacAuthorizationV1Api(configuration);
        this.crds = new ApiextensionsV1Api(configuration);
        this.custom = new CustomObjectsApi(configuration);
        this.discovery = new DiscoveryV1Api(configuration);
        this.admission = new AdmissionregistrationV1Api(configuration);
        this.authorization = new AuthorizationV1Api(configuration);
        this.version = new VersionApi(configuration);
    }

    /** Creates a monitoring.coreos.com/v1 object in `namespace`; the answer is the object as stored (its uid, …). */
    createMonitoring(namespace: string, object: { kind: MonitoringKind; metadata: { name: string; [field: string]: unknown }; spec: unknown }): Promise<any> {
        return this.custom.createNamespacedCustomObject({ ...monitoring(object.kind, namespace), body: { apiVersion: `${MONITORING_GROUP}/${MONITORING_VERSION}`, ...object } });
    }

    /** The pods of `namespace` (of every namespace when undefined) that match the selectors. */
    async pods(namespace?: string, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<ServedPod[]> {
        const list = namespace === undefined ? await this.core.listPodForAllNamespaces(selectors) : await this.core.listNamespacedPod({ namespace, ...selectors });
        return list.items as ServedPod[];
    }

    /** One pod. */
    async pod(namespace: string, name: string): Promise<ServedPod> {
        return (await this.core.readNamespacedPod({ namespace, name })) as ServedPod;
    }
}

/** The API server's answer to a call that failed with `code` (404 Not Found, 409 Conflict, …). */
export const failedWith = (error: unknown, code: number): boolean => error instanceof ApiException && error.code === code;

/** The call's result, or undefined if the object does not exist. */
export async function ifFound<T>(call: Promise<T>): Promise<T | undefined> {
    try {
        return await call;
    } catch (error) {
        if (failedWith(error, 404)) {
            return undefined;
        }
        throw error;
    }
}

/** Whether the object a read names is gone (the read answered 404). */
export async function isGone(read: Promise<unknown>): Promise<boolean> {
    return (await ifFound(read)) === undefined;
}

/** Runs a create; an object of that name that exists already is kept (409 Conflict). */
export async function createUnlessExists(create: Promise<unknown>): Promise<void> {
    try {
        await create;
    } catch (error) {
        if (!failedWith(error, 409)) {
            throw error;
        }
    }
}

/**
 * An object written with the API's JSON field names (an upstream CRD, a rendered manifest) as the
 * client's model of its kind. The typed calls serialize a model by its own attribute names, so a
 * plain object would lose the fields whose names differ (`x-kubernetes-preserve-unknown-fields` is
 * `xKubernetesPreserveUnknownFields`, `$ref` is `ref`). JSON is YAML: client-node's loader reads it.
 */
export function asModel<T>(object: { apiVersion: string; kind: string; [field: string]: unknown }): T {
    return loadYaml<T>(JSON.stringify(object));
}
