import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GrafanaConfig } from "../config/types";
import { PORTS } from "../model/components";
import { DashboardConfigMap, GRAFANA_PATHS, GRAFANA_PROVISIONING_CONFIGMAP, GRAFANA_PROVISIONING_KEYS, RenderedGrafanaProvisioning } from "../render/grafana";
import { clusterService, CommonArgs, componentLabels, hardenedContainer, podSecurityContext, selectorLabels, TMP_MOUNT, TMP_VOLUME } from "./workload";

export interface GrafanaArgs extends CommonArgs {
    /** Validated Grafana settings. Defaults to none: required. */
    readonly settings: GrafanaConfig;
    /** Storage class of the data volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** An admin password of your own (a Pulumi secret). Defaults to 32 characters from @pulumi/random. */
    readonly adminPassword?: pulumi.Output<string>;
    /** Provisioning files (`grafana.mode: files`): Grafana then starts with every datasource and dashboard. Defaults to none: provisioned through the API instead. */
    readonly files?: GrafanaFiles;
}

export interface GrafanaFiles {
    /** The provisioning files and the stack's dashboard ConfigMaps (`renderStack(...).grafana`). */
    readonly provisioning: RenderedGrafanaProvisioning;
    /** Names of the services' dashboard ConfigMaps, which each ObservedService creates; Grafana mounts them all. */
    readonly serviceDashboardConfigMaps: readonly string[];
}

export const GRAFANA_ADMIN_USER = "admin";

/**
 * Grafana with a generated admin password (kept in a Kubernetes Secret and exported only as a
 * Pulumi secret), anonymous access off, optional Ingress and persistence; with `files`, its
 * datasources, folder and dashboards come from provisioning files mounted from ConfigMaps.
 */
export class Grafana extends pulumi.ComponentResource {
    readonly adminPassword: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Grafana", name, {}, opts);
        const { namespace, settings } = args;
        const labels = componentLabels("grafana");
        this.adminPassword = pulumi.secret(
            args.adminPassword ?? new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this }).result,
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-admin`,
            { metadata: { name: "grafana-admin", namespace, labels }, stringData: { "admin-user": GRAFANA_ADMIN_USER, "admin-password": this.adminPassword } },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        let dataVolume: k8s.types.input.core.v1.Volume = { name: "data", emptyDir: {} };
        if (settings.persistence.enabled) {
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-data`,
                {
                    metadata: { name: "grafana-data", namespace, labels },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.storageClassName, resources: { requests: { storage: settings.persistence.size } } },
                },
                { parent: this },
            );
            dataVolume = { name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } };
        }
        const secretEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } });
        const env = [
            secretEnv("GF_SECURITY_ADMIN_USER", "admin-user"),
            secretEnv("GF_SECURITY_ADMIN_PASSWORD", "admin-password"),
            { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
            { name: "GF_AUTH_DISABLE_LOGIN_FORM", value: "false" },
            { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
            { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
            { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
            { name: "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", value: "false" },
            { name: "GF_PLUGINS_PREINSTALL_DISABLED", value: "true" },
            { name: "GF_PATHS_DATA", value: "/var/lib/grafana" },
            { name: "GF_SERVER_ROOT_URL", value: settings.url },
        ];
        const files = args.files ? provisioningFiles(name, namespace, labels, args.files, this) : undefined;
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: "grafana", namespace, labels },
                spec: {
                    replicas: settings.replicas,
                    // SQLite on a ReadWriteOnce volume: never two pods at once.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selectorLabels("grafana") },
                    template: {
                        // Datasources and providers are read only at start-up, so their change rolls the pod. Dashboards are
                        // left out on purpose: Grafana rescans them, and a restart for a dashboard change is what we avoid.
                        metadata: { labels, annotations: files ? { "checksum/provisioning": args.files!.provisioning.checksum } : undefined },
                        spec: {
                            securityContext: podSecurityContext(472),
                            // Grafana never calls the Kubernetes API: no token in the pod.
                            automountServiceAccountToken: false,
                            containers: [
                                hardenedContainer({
                                    name: "grafana",
                                    image: settings.image,
                                    env: files ? [...env, { name: "GF_PATHS_PROVISIONING", value: GRAFANA_PATHS.provisioning }] : env,
                                    ports: [{ name: "http", containerPort: PORTS.grafana }],
                                    resources: settings.resources,
                                    readinessPath: "/api/health",
                                    livenessPath: "/api/health",
                                    volumeMounts: [{ name: "data", mountPath: "/var/lib/grafana" }, TMP_MOUNT, ...(files?.mounts ?? [])],
                                }),
                            ],
                            volumes: [dataVolume, TMP_VOLUME, ...(files?.volumes ?? [])],
                        },
                    },
                },
            },
            { parent: this },
        );
        const service = clusterService(`${name}-svc`, "grafana", namespace, [{ name: "http", port: PORTS.grafana }], this);
        if (settings.ingress.enabled) {
            new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                {
                    metadata: {
                        name: "grafana",
                        namespace,
                        labels,
                        // cert-manager issues the certificate into the tls Secret when an issuer is configured.
                        ...(settings.ingress.tls?.clusterIssuer ? { annotations: { "cert-manager.io/cluster-issuer": settings.ingress.tls.clusterIssuer } } : {}),
                    },
                    spec: {
                        ingressClassName: settings.ingress.className,
                        ...(settings.ingress.tls ? { tls: [{ hosts: [settings.ingress.host], secretName: settings.ingress.tls.secretName }] } : {}),
                        rules: [
                            {
                                host: settings.ingress.host,
                                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
                            },
                        ],
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ adminPassword: this.adminPassword, deployment: this.deployment });
    }
}

/**
 * The provisioning ConfigMap (datasources and the dashboard provider, each in its own provisioning
 * sub-folder, so the image's other provisioning folders stay as they are) and the stack's dashboard
 * ConfigMaps, plus the volumes that put them where Grafana reads them. All dashboard ConfigMaps are
 * projected into one folder; the kubelet refreshes projected ConfigMaps in place (its sync period,
 * about a minute), and Grafana picks the change up at its next rescan without a restart.
 */
function provisioningFiles(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, files: GrafanaFiles, parent: pulumi.Resource) {
    const { provisioning } = files;
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-provisioning`,
        {
            metadata: { name: GRAFANA_PROVISIONING_CONFIGMAP, namespace, labels },
            data: {
                [GRAFANA_PROVISIONING_KEYS.datasources]: provisioning.datasourcesFile.content,
                [GRAFANA_PROVISIONING_KEYS.dashboards]: provisioning.dashboardProvidersFile.content,
            },
        },
        { parent },
    );
    const stackMaps = provisioning.stackDashboardConfigMaps.map((map: DashboardConfigMap) =>
        new k8s.core.v1.ConfigMap(`${name}-${map.name}`, { metadata: { name: map.name, namespace, labels }, data: { ...map.data } }, { parent }),
    );
    const only = (key: string, folder: "datasources" | "dashboards") => ({ name: configMap.metadata.name, items: [{ key, path: `lgtm-stack.yaml` }], folder });
    const provisioningVolumes = [only(GRAFANA_PROVISIONING_KEYS.datasources, "datasources"), only(GRAFANA_PROVISIONING_KEYS.dashboards, "dashboards")];
    const volumes: k8s.types.input.core.v1.Volume[] = [
        ...provisioningVolumes.map((v) => ({ name: `provisioning-${v.folder}`, configMap: { name: v.name, items: v.items } })),
        {
            name: "dashboards",
            projected: {
                sources: [...stackMaps.map((map) => map.metadata.name), ...files.serviceDashboardConfigMaps].map((configMapName) => ({ configMap: { name: configMapName } })),
            },
        },
    ];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [
        ...provisioningVolumes.map((v) => ({ name: `provisioning-${v.folder}`, mountPath: `${GRAFANA_PATHS.provisioning}/${v.folder}`, readOnly: true })),
        { name: "dashboards", mountPath: GRAFANA_PATHS.dashboards, readOnly: true },
    ];
    return { volumes, mounts };
}
