import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { Links } from "../alerts/links";
import { ServiceSpec, StackConfig } from "../config/types";
import { renderServiceDashboards } from "../dashboards";
import { renderServiceFiles } from "../render/services";
import { provisionDashboard } from "./grafanaProvisioning";
import { PROMETHEUS_CONFIGMAPS } from "./prometheus";

/** What a service needs from the stack it joins. */
export interface ServiceTarget {
    readonly config: StackConfig;
    readonly links: Links;
    /** ConfigMaps the service patches its files into; the patches wait for them. */
    readonly prometheusConfigMaps: pulumi.Resource[];
    readonly grafana?: { readonly provider: grafana.Provider; readonly folder: grafana.oss.Folder };
}

export interface ObservedServiceArgs {
    /** The stack to join (an LgtmStack's `serviceTarget`). Defaults to none: required. */
    readonly target: ServiceTarget;
    /** The validated service spec (see `loadServiceSpec`). Defaults to none: required. */
    readonly spec: ServiceSpec;
}

/**
 * One observed service: its SLO and golden-signal rules, alerts with runbook links, scrape job and
 * dashboards. Rule and scrape files are server-side-apply patches of their own keys into the shared
 * Prometheus ConfigMaps, so adding a service touches nothing that belongs to another.
 */
export class ObservedService extends pulumi.ComponentResource {
    readonly dashboardUids: string[];

    constructor(name: string, args: ObservedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:services:ObservedService", name, {}, opts);
        const { target, spec } = args;
        const namespace = target.config.namespace;
        const files = renderServiceFiles(spec, target.links);
        // Only our own key: the stack owns the ConfigMap's labels; each service owns exactly one data key.
        // Forcing is safe because no other manager ever sets this service's key.
        const metadata = (configMapName: string) => ({
            name: configMapName,
            namespace,
            annotations: { "pulumi.com/patchFieldManager": `lgtm-service-${spec.name}`, "pulumi.com/patchForce": "true" },
        });
        const afterConfigMaps = { parent: this, dependsOn: target.prometheusConfigMaps };
        new k8s.core.v1.ConfigMapPatch(`${name}-rules`, { metadata: metadata(PROMETHEUS_CONFIGMAPS.rules), data: { [files.ruleFileName]: files.rules } }, afterConfigMaps);
        if (files.scrape) {
            new k8s.core.v1.ConfigMapPatch(`${name}-scrape`, { metadata: metadata(PROMETHEUS_CONFIGMAPS.scrape), data: { [files.scrapeFileName]: files.scrape } }, afterConfigMaps);
        }
        const dashboards = renderServiceDashboards(target.config, spec, target.links);
        this.dashboardUids = dashboards.map((d) => d.uid);
        if (target.grafana) {
            for (const dashboard of dashboards) {
                provisionDashboard(`${name}-dashboard-${dashboard.uid}`, dashboard, target.grafana.folder, { parent: this, provider: target.grafana.provider });
            }
        }
        this.registerOutputs({ dashboardUids: this.dashboardUids, ruleFile: files.ruleFileName });
    }
}
