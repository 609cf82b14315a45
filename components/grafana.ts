import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GrafanaConfig } from "../config/types";
import { GRAFANA_OAUTH_SECRET } from "../model/grafanaAuth";
import { PodDescription, RenderedStack } from "../render";
import { DashboardConfigMap, GRAFANA_PROVISIONING_CONFIGMAP, GRAFANA_PROVISIONING_KEYS, RenderedGrafanaProvisioning } from "../render/grafana";
import { GRAFANA_ADMIN_SECRET, GRAFANA_DATA_CLAIM } from "../render/grafanaPod";
import { GRAFANA_ADMIN, GRAFANA_SERVER_CONFIG, RenderedGrafanaServerConfig } from "../render/grafanaServer";
import { RenderedDashboardSidecars } from "../render/dashboardSidecars";
import { dashboardSidecarAccess } from "./dashboardSidecars";
import { clusterService, CommonArgs, componentLabels, podPorts, podWorkload } from "./workload";

export interface GrafanaArgs extends CommonArgs {
    /** Validated Grafana settings. Defaults to none: required. */
    readonly settings: GrafanaConfig;
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
    /** Its pod, described (`renderStack(...).grafanaPod`): it names the Secrets, ConfigMaps and claim created here. Defaults to none: required. */
    readonly pod: PodDescription;
    /** Its data claim and Ingress, rendered (`renderStack(...).grafanaObjects`). Defaults to none: required. */
    readonly objects: NonNullable<RenderedStack["grafanaObjects"]>;
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
    readonly deployment: pulumi.CustomResource;

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
                  { metadata: { name: GRAFANA_ADMIN_SECRET, namespace, labels }, stringData: { [GRAFANA_ADMIN.user.key]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN.password.key]: this.adminPassword } },
                  { parent: this, additionalSecretOutputs: ["stringData", "data"] },
              )
            : undefined;
        const server = serverConfigFiles(name, namespace, labels, args, this);
        const claim = args.objects.claim
            ? new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, { metadata: { ...args.objects.claim.metadata, namespace }, spec: args.objects.claim.spec }, { parent: this })
            : undefined;
        const provisioning = args.files ? provisioningConfigMaps(name, namespace, labels, args.files, this) : [];
        const account = args.dashboardSidecars ? dashboardSidecarAccess(name, namespace, labels, args.dashboardSidecars, this) : undefined;
        // The pod names all of these by their rendered names: each exists before it.
        const named = [secret, claim, ...server, ...provisioning, account].filter((resource): resource is pulumi.CustomResource => resource !== undefined);
        this.deployment = podWorkload(`${name}-deployment`, args.pod, { namespace, parent: this, dependsOn: named });
        const ports = podPorts(args.pod);
        const service = clusterService(`${name}-svc`, "grafana", namespace, ports, this);
        if (args.objects.ingress) {
            const { metadata, spec } = args.objects.ingress;
            // Its backend names the Service by its rendered name: created after it.
            new k8s.networking.v1.Ingress(`${name}-ingress`, { metadata: { ...metadata, namespace }, spec }, { parent: this, dependsOn: [service] });
        }
        this.registerOutputs({ adminPassword: this.adminPassword, deployment: this.deployment });
    }
}

/**
 * grafana.ini in a ConfigMap (nothing secret in it) and, with SSO, the OAuth client secret in a
 * Secret, which the pod mounts as the file grafana.ini names with `$__file{...}` (render/grafanaPod.ts):
 * the secret never appears in a ConfigMap, an environment variable or the pod spec.
 */
function serverConfigFiles(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, args: GrafanaArgs, parent: pulumi.Resource): pulumi.CustomResource[] {
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        { metadata: { name: GRAFANA_SERVER_CONFIG.configMap, namespace, labels }, data: { [GRAFANA_SERVER_CONFIG.key]: args.serverConfig.content } },
        { parent },
    );
    if (!args.settings.auth) {
        return [configMap];
    }
    if (!args.oauthClientSecret) {
        throw new Error("grafana.auth is configured but the secret grafanaOAuthClientSecret was not read");
    }
    const oauth = new k8s.core.v1.Secret(
        `${name}-oauth`,
        { metadata: { name: GRAFANA_OAUTH_SECRET.name, namespace, labels }, stringData: { [GRAFANA_OAUTH_SECRET.key]: args.oauthClientSecret } },
        { parent, additionalSecretOutputs: ["stringData", "data"] },
    );
    return [configMap, oauth];
}

/**
 * The provisioning ConfigMap (datasources and the dashboard provider, which the pod mounts each in
 * its own provisioning sub-folder), the stack's dashboard ConfigMaps and the services' dashboard
 * templates, under the names the pod projects them from (render/grafanaPod.ts).
 */
function provisioningConfigMaps(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, files: GrafanaFiles, parent: pulumi.Resource): k8s.core.v1.ConfigMap[] {
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
    return [configMap, ...configMaps(provisioning.stackDashboardConfigMaps), ...configMaps(provisioning.serviceDashboards.configMaps)];
}
