import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GrafanaConfig } from "../config/types";
import { PORTS } from "../model/components";
import { clusterService, CommonArgs, componentLabels, hardenedContainer, podSecurityContext, selectorLabels, TMP_MOUNT, TMP_VOLUME } from "./workload";

export interface GrafanaArgs extends CommonArgs {
    /** Validated Grafana settings. Defaults to none: required. */
    readonly settings: GrafanaConfig;
    /** Storage class of the data volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** An admin password of your own (a Pulumi secret). Defaults to 32 characters from @pulumi/random. */
    readonly adminPassword?: pulumi.Output<string>;
}

export const GRAFANA_ADMIN_USER = "admin";

/**
 * Grafana with a generated admin password (kept in a Kubernetes Secret and exported only as a
 * Pulumi secret), anonymous access off, optional Ingress and persistence.
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
                        metadata: { labels },
                        spec: {
                            securityContext: podSecurityContext(472),
                            containers: [
                                hardenedContainer({
                                    name: "grafana",
                                    image: settings.image,
                                    env,
                                    ports: [{ name: "http", containerPort: PORTS.grafana }],
                                    resources: settings.resources,
                                    readinessPath: "/api/health",
                                    livenessPath: "/api/health",
                                    volumeMounts: [{ name: "data", mountPath: "/var/lib/grafana" }, TMP_MOUNT],
                                }),
                            ],
                            volumes: [dataVolume, TMP_VOLUME],
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
                    metadata: { name: "grafana", namespace, labels },
                    spec: {
                        ingressClassName: settings.ingress.className,
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
