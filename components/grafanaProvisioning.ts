import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { StackSecrets } from "../io/pulumiConfig";
import { StackConfig } from "../config/types";
import { RenderedDashboard, RenderedStack } from "../render";
import { DatasourceDefinition } from "../render/datasources";
import { GrafanaFolder } from "../render/grafana";
import { Grafana, GRAFANA_ADMIN_USER } from "./grafana";
import { CommonArgs } from "./workload";

export interface GrafanaProvisioningArgs {
    /** Grafana URL the provider talks to (a Pulumi secret for an external Grafana). Defaults to none: required. */
    readonly url: pulumi.Input<string>;
    /** `user:password` basic auth or a service-account token, a Pulumi secret. Defaults to none: required. */
    readonly auth: pulumi.Output<string>;
    /** Folder for everything the stack provisions (`renderStack(...).grafana.folder`). Defaults to none: required. */
    readonly folder: GrafanaFolder;
    /** Correlated datasources. Defaults to none: required. */
    readonly datasources: readonly DatasourceDefinition[];
    /** Stack-level dashboards (overview, stack health, runbooks). Defaults to none: required. */
    readonly dashboards: readonly RenderedDashboard[];
    /** Resources Grafana itself depends on (so the API is up first). Defaults to none. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The Grafana half of the stack through Grafana's HTTP API: provider, folder, datasources and stack-level dashboards. */
export class GrafanaProvisioning extends pulumi.ComponentResource {
    readonly provider: grafana.Provider;
    readonly folder: grafana.oss.Folder;

    constructor(name: string, args: GrafanaProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:grafana:Provisioning", name, {}, opts);
        this.provider = new grafana.Provider(`${name}-provider`, { url: args.url, auth: args.auth, retries: 10 }, { parent: this });
        const child = { parent: this, provider: this.provider, dependsOn: args.dependsOn };
        this.folder = new grafana.oss.Folder(`${name}-folder`, { title: args.folder.title, uid: args.folder.uid }, child);
        for (const datasource of args.datasources) {
            new grafana.oss.DataSource(
                `${name}-datasource-${datasource.uid}`,
                {
                    name: datasource.name,
                    uid: datasource.uid,
                    type: datasource.type,
                    url: datasource.url,
                    isDefault: datasource.isDefault,
                    jsonDataEncoded: JSON.stringify(datasource.jsonData),
                    ...(datasource.secureJsonData ? { secureJsonDataEncoded: pulumi.secret(JSON.stringify(datasource.secureJsonData)) } : {}),
                },
                child,
            );
        }
        for (const dashboard of args.dashboards) {
            provisionDashboard(`${name}-dashboard-${dashboard.uid}`, dashboard, this.folder, { parent: this, provider: this.provider });
        }
        this.registerOutputs({ folderUid: this.folder.uid });
    }
}

export function provisionDashboard(name: string, dashboard: RenderedDashboard, folder: grafana.oss.Folder, opts: pulumi.CustomResourceOptions) {
    return new grafana.oss.Dashboard(name, { folder: folder.uid, configJson: JSON.stringify(dashboard.model), overwrite: true }, opts);
}

/** Where a service's dashboards go: ConfigMaps the in-cluster Grafana reads, or a Grafana API. */
export type ServiceGrafanaTarget =
    | { readonly kind: "files"; readonly namespace: pulumi.Input<string> }
    | { readonly kind: "api"; readonly provider: grafana.Provider; readonly folder: grafana.oss.Folder };

export interface StackGrafana {
    /** The in-cluster Grafana's admin password (a secret); absent with `mode: external`. */
    readonly adminPassword?: pulumi.Output<string>;
    readonly serviceTarget: ServiceGrafanaTarget;
}

/**
 * Grafana as `grafana.mode` asks, all from the same rendered datasources and dashboards:
 * `files` deploys Grafana with its provisioning files; `api` deploys it and provisions through its
 * API at `grafana.url`; `external` deploys nothing and provisions into your Grafana.
 */
export function stackGrafana(
    name: string,
    args: { config: StackConfig; rendered: RenderedStack; secrets: StackSecrets; common: CommonArgs },
    opts: pulumi.ComponentResourceOptions,
): StackGrafana {
    const { config, rendered, secrets, common } = args;
    const api = (url: pulumi.Input<string>, auth: pulumi.Output<string>, dependsOn?: pulumi.Resource[]) => {
        const provisioning = new GrafanaProvisioning(
            `${name}-api`,
            // Service dashboards are provisioned by each ObservedService.
            { url, auth, folder: rendered.grafana.folder, datasources: rendered.datasources, dashboards: rendered.stackDashboards, dependsOn },
            opts,
        );
        return { kind: "api" as const, provider: provisioning.provider, folder: provisioning.folder };
    };
    if (config.grafana.mode === "external") {
        if (!secrets.grafanaExternal) {
            throw new Error("grafana.mode is external but the secrets grafanaExternalUrl and grafanaServiceAccountToken were not read");
        }
        return { serviceTarget: api(secrets.grafanaExternal.url, secrets.grafanaExternal.token) };
    }
    const files =
        config.grafana.mode === "files"
            ? { provisioning: rendered.grafana }
            : undefined;
    if (!rendered.grafanaServer || !rendered.grafanaPod || !rendered.grafanaObjects) {
        throw new Error("grafana.ini and Grafana's pod were not rendered for the Grafana being deployed");
    }
    const workload = new Grafana(
        name,
        {
            ...common,
            settings: config.grafana,
            adminPassword: secrets.grafanaAdminPassword,
            files,
            serverConfig: rendered.grafanaServer,
            oauthClientSecret: secrets.grafanaOAuthClientSecret,
            ...(rendered.dashboardSidecars ? { dashboardSidecars: rendered.dashboardSidecars } : {}),
            pod: rendered.grafanaPod,
            objects: rendered.grafanaObjects,
        },
        opts,
    );
    if (!files && !workload.adminPassword) {
        throw new Error("grafana.mode api provisions as the admin user, which disableAdminPassword removes");
    }
    const serviceTarget: ServiceGrafanaTarget = files
        ? { kind: "files", namespace: common.namespace }
        : api(config.grafana.url, pulumi.interpolate`${GRAFANA_ADMIN_USER}:${workload.adminPassword!}`, [workload]);
    return { adminPassword: workload.adminPassword, serviceTarget };
}
