/**
 * Grafana's pod (with its dashboard expander and the k8s-sidecars that bring other namespaces'
 * dashboards) and the blackbox exporter's, described as plain data like the backends' pods in
 * render/pods.ts: the one builder (components/workload.ts `podWorkload`) turns them into
 * Deployments, their Services take their ports by name, and the NetworkPolicies open those ports.
 * Every object the pods name (Secrets, ConfigMaps, the data claim, the service account) is named
 * here or in the renderer of its content, so the components only create them under these names.
 */
import { ImageRef, StackConfig } from "../config/types";
import { CONFIG_CHECKSUM_ANNOTATION, METRICS_PORT_NAME, PORTS } from "../model/components";
import { ScratchSpace, withScratch } from "../model/ephemeralStorage";
import { GRAFANA_OAUTH_SECRET } from "../model/grafanaAuth";
import { componentLabels, Labels, selectorLabels } from "../model/labels";
import { BLACKBOX } from "../model/probes";
import { NAMESPACE_DASHBOARDS, RenderedDashboardSidecars } from "./dashboardSidecars";
import type { RenderedScratch } from "./ephemeralStorage";
import { GRAFANA_PATHS, GRAFANA_PROVISIONING_CONFIGMAP, GRAFANA_PROVISIONING_KEYS, RenderedGrafanaProvisioning } from "./grafana";
import { GRAFANA_ADMIN, GRAFANA_DATA_DIR, GRAFANA_SERVER_CONFIG, RenderedGrafanaServerConfig } from "./grafanaServer";
import { Container, ContainerPort, dataEmptyDir, EnvVar, HARDENED_SECURITY_CONTEXT, hardenedContainer, imageName, PersistentVolumeClaim, persistentClaim, PodDescription, podSecurityContext, TMP_MOUNT, tmpVolume, Volume, VolumeMount } from "./podSpec";
import { SERVICE_DASHBOARDS } from "./serviceDashboards";

// ---- Grafana ----

/** Grafana's one port: the UI and API, and its /metrics. */
export const GRAFANA_PORTS: readonly ContainerPort[] = [{ name: METRICS_PORT_NAME.grafana, containerPort: PORTS.grafana }];

/** The Secret holding the generated (or given) admin user and password; none with `disableAdminPassword`. */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** The data volume's claim with `grafana.persistence.enabled`. */
export const GRAFANA_DATA_CLAIM = "grafana-data";
/** The service account of the dashboard sidecars, with read access to ConfigMaps where they look. */
export const GRAFANA_SERVICE_ACCOUNT = "grafana";

/** Where the Kubernetes client libraries look for the in-cluster token, CA and namespace. */
const TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_VOLUME = "dashboards-sidecar-token";
const SCRATCH_VOLUME = "dashboards-sidecar-tmp";

/** What Grafana's pod is made of besides the stack config: its rendered files and, with `grafana.dashboardConfigMaps`, the sidecars. */
export interface GrafanaPodParts {
    /** grafana.ini and its GF_* environment. */
    readonly server: RenderedGrafanaServerConfig;
    /** `grafana.mode: files`: the provisioning files and dashboards mounted from ConfigMaps. Absent: provisioned through the API. */
    readonly provisioning?: RenderedGrafanaProvisioning;
    /** The k8s-sidecars bringing other namespaces' dashboard ConfigMaps. Absent: none. */
    readonly dashboardSidecars?: RenderedDashboardSidecars;
}

/**
 * Grafana as a Deployment: SQLite on its data volume, so never two pods at once (Recreate). Its
 * datasources, providers and grafana.ini are read only at start-up, so their checksums roll the pod;
 * dashboards are left out on purpose: Grafana rescans them, and a restart for a dashboard change is
 * what we avoid. The admin comes from its Secret, the OAuth client secret is a file grafana.ini reads.
 */
export function grafanaPod(config: StackConfig, parts: GrafanaPodParts, scratch: RenderedScratch): PodDescription {
    const settings = config.grafana;
    const own = scratch.grafana;
    const server = serverFiles(config);
    const files = parts.provisioning ? provisioningFiles(parts.provisioning, settings.image) : undefined;
    const sidecars = parts.dashboardSidecars ? dashboardSidecarParts(parts.dashboardSidecars, scratch["grafana-dashboard-sidecar"]) : undefined;
    const admin: EnvVar[] = settings.disableAdminPassword
        ? []
        : Object.values(GRAFANA_ADMIN).map(({ env, key }) => ({ name: env, valueFrom: { secretKeyRef: { name: GRAFANA_ADMIN_SECRET, key } } }));
    const data: Volume[] = settings.persistence.enabled ? [{ name: "data", persistentVolumeClaim: { claimName: GRAFANA_DATA_CLAIM } }] : dataEmptyDir(own);
    return {
        kind: "Deployment",
        name: "grafana",
        labels: componentLabels("grafana"),
        selector: selectorLabels("grafana"),
        annotations: { "checksum/config": parts.server.checksum, ...(parts.provisioning ? { "checksum/provisioning": parts.provisioning.checksum } : {}) },
        replicas: settings.replicas,
        // SQLite on a ReadWriteOnce volume: never two pods at once.
        strategy: { type: "Recreate" },
        spec: {
            securityContext: podSecurityContext(472),
            // Grafana never calls the Kubernetes API: no token in the pod.
            automountServiceAccountToken: false,
            ...(sidecars ? { serviceAccountName: GRAFANA_SERVICE_ACCOUNT } : {}),
            ...(files ? { initContainers: [files.expander("once")] } : {}),
            containers: [
                hardenedContainer({
                    name: "grafana",
                    image: settings.image,
                    // The admin from its Secret, then the rendered GF_* settings.
                    env: [...admin, ...parts.server.env],
                    ports: [...GRAFANA_PORTS],
                    resources: settings.resources,
                    scratch: own,
                    readinessPath: "/api/health",
                    livenessPath: "/api/health",
                    volumeMounts: [{ name: "data", mountPath: GRAFANA_DATA_DIR }, TMP_MOUNT, ...server.mounts, ...(files?.mounts ?? []), ...(sidecars ? [sidecars.grafanaMount] : [])],
                }),
                ...(files ? [files.expander("watch")] : []),
                ...(sidecars?.containers ?? []),
            ],
            volumes: [...data, tmpVolume(own), ...server.volumes, ...(files?.volumes ?? []), ...(sidecars?.volumes ?? [])],
        },
    };
}

/**
 * grafana.ini from its ConfigMap (nothing secret in it) and, with SSO, the OAuth client secret from
 * its Secret as a file, which grafana.ini names with `$__file{...}`: the secret never appears in a
 * ConfigMap, an environment variable or the pod spec.
 */
function serverFiles(config: StackConfig): { volumes: Volume[]; mounts: VolumeMount[] } {
    const volumes: Volume[] = [{ name: "config", configMap: { name: GRAFANA_SERVER_CONFIG.configMap } }];
    const mounts: VolumeMount[] = [{ name: "config", mountPath: GRAFANA_SERVER_CONFIG.mountPath, readOnly: true }];
    if (config.grafana.auth) {
        volumes.push({ name: "oauth", secret: { secretName: GRAFANA_OAUTH_SECRET.name, defaultMode: 0o440 } });
        mounts.push({ name: "oauth", mountPath: GRAFANA_OAUTH_SECRET.mountPath, readOnly: true });
    }
    return { volumes, mounts };
}

/**
 * The provisioning ConfigMap's two files, each in its own provisioning sub-folder (the image's other
 * provisioning folders stay as they are), and the stack's dashboard ConfigMaps projected into one
 * folder; the kubelet refreshes projected ConfigMaps in place (its sync period, about a minute), and
 * Grafana picks the change up at its next rescan without a restart.
 */
function provisioningFiles(provisioning: RenderedGrafanaProvisioning, image: ImageRef) {
    const { serviceDashboards } = provisioning;
    const projected = (maps: readonly { name: string }[]) => ({ sources: maps.map((map) => ({ configMap: { name: map.name } })) });
    const only = (key: string, folder: "datasources" | "dashboards") => ({ items: [{ key, path: `lgtm-stack.yaml` }], folder });
    const provisioningVolumes = [only(GRAFANA_PROVISIONING_KEYS.datasources, "datasources"), only(GRAFANA_PROVISIONING_KEYS.dashboards, "dashboards")];
    const volumes: Volume[] = [
        ...provisioningVolumes.map((v) => ({ name: `provisioning-${v.folder}`, configMap: { name: GRAFANA_PROVISIONING_CONFIGMAP, items: v.items } })),
        { name: "dashboards", projected: projected(provisioning.stackDashboardConfigMaps) },
        { name: "dashboard-templates", projected: projected(serviceDashboards.configMaps) },
        { name: "service-dashboards", emptyDir: { sizeLimit: serviceDashboards.scratch.data } },
    ];
    const mounts: VolumeMount[] = [
        ...provisioningVolumes.map((v) => ({ name: `provisioning-${v.folder}`, mountPath: `${GRAFANA_PATHS.provisioning}/${v.folder}`, readOnly: true })),
        { name: "dashboards", mountPath: GRAFANA_PATHS.dashboards, readOnly: true },
        { name: "service-dashboards", mountPath: SERVICE_DASHBOARDS.outputPath, readOnly: true },
    ];
    // The services' dashboards, expanded from the templates by a shell loop in Grafana's own image:
    // once before Grafana starts, then whenever the kubelet refreshes the templates or the index.
    const expander = (mode: "once" | "watch"): Container => ({
        name: mode === "once" ? "expand-dashboards" : "dashboard-expander",
        image: imageName(image),
        imagePullPolicy: "IfNotPresent",
        command: ["sh", "-c", serviceDashboards.script, "expander", mode],
        env: [
            { name: "TEMPLATES", value: SERVICE_DASHBOARDS.templatesPath },
            { name: "OUTPUT", value: SERVICE_DASHBOARDS.outputPath },
        ],
        resources: withScratch(SERVICE_DASHBOARDS.resources, serviceDashboards.scratch) as Container["resources"],
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

/**
 * The k8s-sidecars (`grafana.dashboardConfigMaps`): their containers, the folder they share with
 * Grafana (which mounts it read-only), their scratch space, and a service-account token mounted into
 * the sidecars only (Grafana's own container gets none).
 */
function dashboardSidecarParts(rendered: RenderedDashboardSidecars, scratch: ScratchSpace) {
    const containers = rendered.sidecars.map((sidecar) =>
        hardenedContainer({
            name: sidecar.name,
            image: rendered.settings.image,
            env: Object.entries(sidecar.env).map(([key, value]) => ({ name: key, value })),
            ports: [{ name: `health-${sidecar.healthPort}`.slice(0, 15), containerPort: sidecar.healthPort }],
            resources: rendered.settings.resources,
            scratch,
            // /healthz answers 200 once the first sync is done, and fails when the API has been out of reach for a minute.
            readinessPath: "/healthz",
            livenessPath: "/healthz",
            volumeMounts: [
                { name: NAMESPACE_DASHBOARDS.volume, mountPath: NAMESPACE_DASHBOARDS.path },
                { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
                { name: SCRATCH_VOLUME, mountPath: "/tmp" },
            ],
        }),
    );
    const volumes: Volume[] = [
        { name: NAMESPACE_DASHBOARDS.volume, emptyDir: { sizeLimit: scratch.data } },
        { name: SCRATCH_VOLUME, emptyDir: { sizeLimit: scratch.tmp } },
        {
            // What automountServiceAccountToken would mount, for these containers only.
            name: TOKEN_VOLUME,
            projected: {
                sources: [
                    { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
                ],
            },
        },
    ];
    const grafanaMount: VolumeMount = { name: NAMESPACE_DASHBOARDS.volume, mountPath: NAMESPACE_DASHBOARDS.path, readOnly: true };
    return { containers, volumes, grafanaMount };
}

/** Grafana's data claim with `grafana.persistence.enabled`, under the name its pod mounts; none without. */
export function grafanaDataClaim(config: StackConfig): (PersistentVolumeClaim & { readonly metadata: { readonly labels: Labels } }) | undefined {
    const { persistence } = config.grafana;
    if (!persistence.enabled) {
        return undefined;
    }
    const claim = persistentClaim(GRAFANA_DATA_CLAIM, persistence.size, config.storageClassName);
    return { ...claim, metadata: { ...claim.metadata, labels: componentLabels("grafana") } };
}

/** What an Ingress to Grafana is: its metadata and spec, routing every path of `grafana.ingress.host` to Grafana's Service by port name. */
export interface RenderedIngress {
    readonly metadata: { readonly name: string; readonly labels: Labels; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: {
        readonly ingressClassName?: string;
        readonly tls?: { readonly hosts: string[]; readonly secretName: string }[];
        readonly rules: { readonly host: string; readonly http: { readonly paths: IngressPath[] } }[];
    };
}

interface IngressPath {
    readonly path: string;
    readonly pathType: "Prefix";
    readonly backend: { readonly service: { readonly name: string; readonly port: { readonly name: string } } };
}

/** Grafana's Ingress with `grafana.ingress.enabled` (none without); cert-manager issues its certificate when an issuer is configured. */
export function grafanaIngress(config: StackConfig): RenderedIngress | undefined {
    const { ingress } = config.grafana;
    if (!ingress.enabled) {
        return undefined;
    }
    return {
        metadata: {
            name: "grafana",
            labels: componentLabels("grafana"),
            ...(ingress.tls?.clusterIssuer ? { annotations: { "cert-manager.io/cluster-issuer": ingress.tls.clusterIssuer } } : {}),
        },
        spec: {
            ingressClassName: ingress.className,
            ...(ingress.tls ? { tls: [{ hosts: [ingress.host], secretName: ingress.tls.secretName }] } : {}),
            // The Service is Grafana's component name, its port the pod's one named port.
            rules: [{ host: ingress.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "grafana", port: { name: GRAFANA_PORTS[0].name } } } }] } }],
        },
    };
}

// ---- The blackbox exporter ----

/** The port Probe objects name as their prober (`blackbox-exporter.<ns>.svc:9115`), its /metrics too. */
export const BLACKBOX_PORTS: readonly ContainerPort[] = [{ name: METRICS_PORT_NAME["blackbox-exporter"], containerPort: BLACKBOX.port }];

/** The blackbox exporter as a Deployment of one; `checksum` (of its modules file) rolls the pod when the modules change. */
export function blackboxPod(image: ImageRef, checksum: string, scratch: ScratchSpace): PodDescription {
    return {
        kind: "Deployment",
        name: BLACKBOX.name,
        labels: componentLabels(BLACKBOX.name),
        selector: selectorLabels(BLACKBOX.name),
        annotations: { [CONFIG_CHECKSUM_ANNOTATION]: checksum },
        replicas: 1,
        spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(65534),
            containers: [
                hardenedContainer({
                    name: BLACKBOX.name,
                    image,
                    args: [`--config.file=${BLACKBOX.configDir}/${BLACKBOX.configFile}`, `--web.listen-address=:${BLACKBOX.port}`],
                    ports: [...BLACKBOX_PORTS],
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                    scratch,
                    readinessPath: "/-/healthy",
                    livenessPath: "/-/healthy",
                    volumeMounts: [{ name: "config", mountPath: BLACKBOX.configDir, readOnly: true }, TMP_MOUNT],
                }),
            ],
            volumes: [{ name: "config", configMap: { name: BLACKBOX.name } }, tmpVolume(scratch)],
        },
    };
}
