import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { RenderedDashboard } from "../render";
import { DatasourceDefinition } from "../render/datasources";

export interface GrafanaProvisioningArgs {
    /** Grafana URL the provider talks to. Defaults to none: required. */
    readonly url: string;
    /** `user:password` basic auth, a Pulumi secret. Defaults to none: required. */
    readonly auth: pulumi.Output<string>;
    /** Folder title for everything the stack provisions. Defaults to none: required. */
    readonly folderTitle: string;
    /** Correlated datasources. Defaults to none: required. */
    readonly datasources: readonly DatasourceDefinition[];
    /** Stack-level dashboards (overview, stack health, runbooks). Defaults to none: required. */
    readonly dashboards: readonly RenderedDashboard[];
    /** Resources Grafana itself depends on (so the API is up first). Defaults to none. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The Grafana half of the stack: provider, folder, datasources and stack-level dashboards. */
export class GrafanaProvisioning extends pulumi.ComponentResource {
    readonly provider: grafana.Provider;
    readonly folder: grafana.oss.Folder;

    constructor(name: string, args: GrafanaProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:grafana:Provisioning", name, {}, opts);
        this.provider = new grafana.Provider(`${name}-provider`, { url: args.url, auth: args.auth, retries: 10 }, { parent: this });
        const child = { parent: this, provider: this.provider, dependsOn: args.dependsOn };
        this.folder = new grafana.oss.Folder(`${name}-folder`, { title: args.folderTitle, uid: "lgtm-stack" }, child);
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
