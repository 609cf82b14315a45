import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GrafanaConfig, ImageRef } from "../config/types";
import { PORTS } from "../model/components";
import { ScratchSpace, withScratch } from "../model/ephemeralStorage";
import { GRAFANA_OAUTH_SECRET } from "../model/grafanaAuth";
import { DashboardConfigMap, GRAFANA_PATHS, GRAFANA_PROVISIONING_CONFIGMAP, GRAFANA_PROVISIONING_KEYS, RenderedGrafanaProvisioning } from "../render/grafana";
import { GRAFANA_ADMIN, GRAFANA_DATA_DIR, GRAFANA_SERVER_CONFIG, RenderedGrafanaServerConfig } from "../render/grafanaServer";
import { RenderedDashboardSidecars } from "../render/dashboardSidecars";
import { SERVICE_DASHBOARDS } from "../render/serviceDashboards";
import { dashboardSidecarAccess, dashboardSidecarPodParts, GRAFANA_SERVICE_ACCOUNT } from "./dashboardSidecars";
import { clusterService, CommonArgs, componentLabels, dataEmptyDir, HARDENED_SECURITY_CONTEXT, hardenedContainer, imageName, podSecurityContext, selectorLabels, TMP_MOUNT, tmpVolume } from "./workload";

export interface GrafanaArgs extends CommonArgs {
    /** Validated Grafana settings. Defaults to none: required. */
    readonly settings: GrafanaConfig;
    /** Storage class of the data volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** An admin password of your own (a Pulumi secret). Defaults to 32 characters from @pulumi/random. */
    readonly adminPassword?: pulumi.Output<string>;
    /** Provisioning files (`grafana.mode: files`): Grafana then starts with every datasource and dashboard. Defaults to none: provisioned through the API instead. */
    readonly files?: GrafanaFiles;
    /** The rendered grafana.ini (`renderStack(...).grafanaServer`): sign-in and SSO. Defaults to none: required. */
    readonly serverConfig: RenderedGrafanaServerConfig;
    /** The OAuth client secret (a Pulumi secret) with `grafana.auth`, mounted as a file grafana.ini reads. Defaults to none: no SSO. */
    readonly oauthClientSecret?: pulumi.Output<string>;
    /** The k8s-sidecars bringing other namespaces' dashboard ConfigMaps (`renderStack(...).dashboardSidecars`). Defaults to none. */
    readonly dashboardSidecars?: RenderedDashboardSidecars;
    /** Its scratch space (`rendered.scratch.grafana`). Defaults to none: required. */
    readonly scratch: ScratchSpace;
    /** The dashboard sidecars' scratch space (`rendered.scratch["grafana-dashboard-sidecar"]`). Defaults to Grafana's. */
    readonly sidecarScratch?: ScratchSpace;
}

export interface GrafanaFiles {
    /** The provisioning files, the stack's dashboard ConfigMaps and the services' dashboard templates (`renderStack(...).grafana`). */
    readonly provisioning: RenderedGrafanaProvisioning;
}

export const GRAFANA_ADMIN_USER = "admin";

/**
 * Grafana with a generated admin password (kept in a Kubernetes Secret and exported only as a
 * Pulumi secret) or, with SSO and `disableAdminPassword`, no admin at all; anonymous access off,
 * optional Ingress and persistence; its grafana.ini from a ConfigMap and the OAuth client secret
 * from a Secret file; with `files`, its datasources, folder and dashboards come from provisioning
 * files mounted from ConfigMaps.
 */
export class Grafana extends pulumi.ComponentResource {
    /** Absent when `grafana.auth.disableAdminPassword` leaves Grafana without an admin user. */
    readonly adminPassword: pulumi.Output<string> | undefined;
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Grafana", name, {}, opts);
        const { namespace, settings } = args;
        const labels = componentLabels("grafana");
        this.adminPassword = settings.disableAdminPassword
            ? undefined
            : pulumi.secret(args.adminPassword ?? new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this }).result);
        const secret = this.adminPassword
            ? new k8s.core.v1.Secret(
                  `${name}-admin`,
                  { metadata: { name: "grafana-admin", namespace, labels }, stringData: { [GRAFANA_ADMIN.user.key]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN.password.key]: this.adminPassword } },
                  { parent: this, additionalSecretOutputs: ["stringData", "data"] },
              )
            : undefined;
        const server = serverConfigFiles(name, namespace, labels, args, this);
        let dataVolumes: k8s.types.input.core.v1.Volume[] = dataEmptyDir(args.scratch);
        if (settings.persistence.enabled) {
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-data`,
                {
                    metadata: { name: "grafana-data", namespace, labels },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.storageClassName, resources: { requests: { storage: settings.persistence.size } } },
                },
                { parent: this },
            );
            dataVolumes = [{ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } }];
        }
        // The admin from its Secret, then the rendered GF_* settings.
        const env = [
            ...(secret ? Object.values(GRAFANA_ADMIN).map(({ env: envName, key }) => ({ name: envName, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } })) : []),
            ...args.serverConfig.env,
        ];
        const files = args.files ? provisioningFiles(name, namespace, labels, args.files, settings.image, this) : undefined;
        const sidecars = args.dashboardSidecars ? dashboardSidecarPodParts(args.dashboardSidecars, args.sidecarScratch ?? args.scratch) : undefined;
        const account = args.dashboardSidecars ? dashboardSidecarAccess(name, namespace, labels, args.dashboardSidecars, this) : undefined;
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
                        // grafana.ini too is read only at start-up.
                        metadata: {
                            labels,
                            annotations: { "checksum/config": args.serverConfig.checksum, ...(files ? { "checksum/provisioning": args.files!.provisioning.checksum } : {}) },
                        },
                        spec: {
                            securityContext: podSecurityContext(472),
                            // Grafana never calls the Kubernetes API: no token in the pod.
                            automountServiceAccountToken: false,
                            ...(account ? { serviceAccountName: GRAFANA_SERVICE_ACCOUNT } : {}),
                            ...(files ? { initContainers: [files.expander("once")] } : {}),
                            containers: [
                                hardenedContainer({
                                    name: "grafana",
                                    image: settings.image,
                                    env,
                                    ports: [{ name: "http", containerPort: PORTS.grafana }],
                                    resources: settings.resources,
                                    scratch: args.scratch,
                                    readinessPath: "/api/health",
                                    livenessPath: "/api/health",
                                    volumeMounts: [{ name: "data", mountPath: GRAFANA_DATA_DIR }, TMP_MOUNT, ...server.mounts, ...(files?.mounts ?? []), ...(sidecars ? [sidecars.grafanaMount] : [])],
                                }),
                                ...(files ? [files.expander("watch")] : []),
                                ...(sidecars?.containers ?? []),
                            ],
                            volumes: [...dataVolumes, tmpVolume(args.scratch), ...server.volumes, ...(files?.volumes ?? []), ...(sidecars?.volumes ?? [])],
                        },
                    },
                },
            },
            { parent: this, ...(account ? { dependsOn: [account] } : {}) },
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
 * grafana.ini in a ConfigMap (nothing secret in it) and, with SSO, the OAuth client secret in a
 * Secret mounted as a file, which grafana.ini names with `$__file{...}`: the secret never appears
 * in a ConfigMap, an environment variable or the pod spec.
 */
function serverConfigFiles(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, args: GrafanaArgs, parent: pulumi.Resource) {
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        { metadata: { name: GRAFANA_SERVER_CONFIG.configMap, namespace, labels }, data: { [GRAFANA_SERVER_CONFIG.key]: args.serverConfig.content } },
        { parent },
    );
    const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "config", configMap: { name: configMap.metadata.name } }];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: "config", mountPath: GRAFANA_SERVER_CONFIG.mountPath, readOnly: true }];
    if (args.settings.auth) {
        if (!args.oauthClientSecret) {
            throw new Error("grafana.auth is configured but the secret grafanaOAuthClientSecret was not read");
        }
        const oauth = new k8s.core.v1.Secret(
            `${name}-oauth`,
            { metadata: { name: GRAFANA_OAUTH_SECRET.name, namespace, labels }, stringData: { [GRAFANA_OAUTH_SECRET.key]: args.oauthClientSecret } },
            { parent, additionalSecretOutputs: ["stringData", "data"] },
        );
        volumes.push({ name: "oauth", secret: { secretName: oauth.metadata.name, defaultMode: 0o440 } });
        mounts.push({ name: "oauth", mountPath: GRAFANA_OAUTH_SECRET.mountPath, readOnly: true });
    }
    return { volumes, mounts };
}

/**
 * The provisioning ConfigMap (datasources and the dashboard provider, each in its own provisioning
 * sub-folder, so the image's other provisioning folders stay as they are) and the stack's dashboard
 * ConfigMaps, plus the volumes that put them where Grafana reads them. All dashboard ConfigMaps are
 * projected into one folder; the kubelet refreshes projected ConfigMaps in place (its sync period,
 * about a minute), and Grafana picks the change up at its next rescan without a restart.
 */
function provisioningFiles(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, files: GrafanaFiles, image: ImageRef, parent: pulumi.Resource) {
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
    const configMaps = (maps: readonly DashboardConfigMap[]) =>
        maps.map((map) => new k8s.core.v1.ConfigMap(`${name}-${map.name}`, { metadata: { name: map.name, namespace, labels }, data: { ...map.data } }, { parent }));
    const projected = (maps: readonly k8s.core.v1.ConfigMap[]) => ({ sources: maps.map((map) => ({ configMap: { name: map.metadata.name } })) });
    const stackMaps = configMaps(provisioning.stackDashboardConfigMaps);
    const { serviceDashboards } = provisioning;
    const only = (key: string, folder: "datasources" | "dashboards") => ({ name: configMap.metadata.name, items: [{ key, path: `lgtm-stack.yaml` }], folder });
    const provisioningVolumes = [only(GRAFANA_PROVISIONING_KEYS.datasources, "datasources"), only(GRAFANA_PROVISIONING_KEYS.dashboards, "dashboards")];
    const volumes: k8s.types.input.core.v1.Volume[] = [
        ...provisioningVolumes.map((v) => ({ name: `provisioning-${v.folder}`, configMap: { name: v.name, items: v.items } })),
        { name: "dashboards", projected: projected(stackMaps) },
        { name: "dashboard-templates", projected: projected(configMaps(serviceDashboards.configMaps)) },
        { name: "service-dashboards", emptyDir: { sizeLimit: serviceDashboards.scratch.data } },
    ];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [
        ...provisioningVolumes.map((v) => ({ name: `provisioning-${v.folder}`, mountPath: `${GRAFANA_PATHS.provisioning}/${v.folder}`, readOnly: true })),
        { name: "dashboards", mountPath: GRAFANA_PATHS.dashboards, readOnly: true },
        { name: "service-dashboards", mountPath: SERVICE_DASHBOARDS.outputPath, readOnly: true },
    ];
    // The services' dashboards, expanded from the templates by a shell loop in Grafana's own image:
    // once before Grafana starts, then whenever the kubelet refreshes the templates or the index.
    const expander = (mode: "once" | "watch"): k8s.types.input.core.v1.Container => ({
        name: mode === "once" ? "expand-dashboards" : "dashboard-expander",
        image: imageName(image),
        imagePullPolicy: "IfNotPresent",
        command: ["sh", "-c", serviceDashboards.script, "expander", mode],
        env: [
            { name: "TEMPLATES", value: SERVICE_DASHBOARDS.templatesPath },
            { name: "OUTPUT", value: SERVICE_DASHBOARDS.outputPath },
        ],
        resources: withScratch(SERVICE_DASHBOARDS.resources, serviceDashboards.scratch),
        ...(mode === "watch"
            ? {
                  readinessProbe: { exec: { command: ["sh", "-c", serviceDashboards.probes.ready] }, periodSeconds: 10, timeoutSeconds: 5 },
                  livenessProbe: { exec: { command: ["sh", "-c", serviceDashboards.probes.alive] }, initialDelaySeconds: 60, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
              }
            : {}),
        securityContext: HARDENED_SECURITY_CONTEXT,
        volumeMounts: [
            { name: "dashboard-templates", mountPath: SERVICE_DASHBOARDS.templatesPath, readOnly: true },
            { name: "service-dashboards", mountPath: SERVICE_DASHBOARDS.outputPath },
        ],
    });
    return { volumes, mounts, expander };
}
