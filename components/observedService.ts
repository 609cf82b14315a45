import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIGMAP_SHARDS_KEY } from "../model/components";
import { RenderedService } from "../render";
import { provisionDashboard, ServiceGrafanaTarget } from "./grafanaProvisioning";
import { componentLabels } from "./workload";

/** What a service needs from the stack it joins. */
export interface ServiceTarget {
    /** Namespace of the stack's Prometheus ConfigMaps. */
    readonly namespace: string;
    /** The stack's rule and scrape ConfigMaps by name, every shard; a service's patches wait for the two they write into. */
    readonly prometheusConfigMaps: Readonly<Record<string, pulumi.Resource>>;
    /** Where its dashboards go (`grafana.mode`); none: no dashboards are provisioned. */
    readonly grafana?: ServiceGrafanaTarget;
    /**
     * Where its monitoring objects go (PrometheusRule, PodMonitor, Probes: the stack's namespace) and
     * what they wait for (the CRDs); none: the stack runs no operator, and its files are patched in.
     */
    readonly operator?: {
        readonly namespace: string;
        /** Labels the operator's object selector (`operator.selector`) looks for, so it picks the objects up. */
        readonly labels: Readonly<Record<string, string>>;
        readonly dependsOn: readonly pulumi.Resource[];
        /** Whether services are PrometheusRule/PodMonitor objects (`renderStack(...).operator.servicesAsObjects`); if not, their files are patched in. */
        readonly servicesAsObjects: boolean;
    };
}

export interface ObservedServiceArgs {
    /** The stack to join (an LgtmStack's `serviceTarget`). Defaults to none: required. */
    readonly target: ServiceTarget;
    /** The service's rendered bundle (`renderStack(...).services[i]`, or `renderService(config, spec)` for a service declared in code). Defaults to none: required. */
    readonly service: RenderedService;
}

/**
 * One observed service: its SLO and golden-signal rules, alerts with runbook links, scrape job and
 * dashboards, all rendered before. With the Prometheus Operator (the default) its rules and scrape
 * job are a PrometheusRule and a PodMonitor, the objects every other chart ships; without it, patches
 * of its own keys into the shared Prometheus ConfigMaps. Either way, adding a service touches
 * nothing that belongs to another.
 */
export class ObservedService extends pulumi.ComponentResource {
    readonly dashboardUids: string[];

    constructor(name: string, args: ObservedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:services:ObservedService", name, {}, opts);
        const { target, service } = args;
        const operator = target.operator;
        const asObjects = operator?.servicesAsObjects ?? false;
        const rulesAsObject = service.prometheusRule !== undefined || service.sharedRules !== undefined;
        if (rulesAsObject !== asObjects) {
            throw new Error(
                `service "${service.name}" was rendered ${rulesAsObject ? "with" : "without"} its rules as a PrometheusRule and its stack expects ${asObjects ? "one" : "its files"}; ` +
                    `render the service with the stack's own config (renderService(config, spec)), so both agree on operator.enabled and topology.tenants`,
            );
        }
        if (service.probes.length > 0 && !operator) {
            throw new Error(`service "${service.name}" has probes, which run through the Prometheus Operator, and its stack runs none; set operator.enabled: true`);
        }
        // Its own objects, beside other charts' ones: the operator hands the rules to the stack's evaluator and the pods to its agent.
        const object = (id: string, kind: string, rendered: { name: string; spec: Readonly<Record<string, unknown>> }) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${id}`,
                { apiVersion: "monitoring.coreos.com/v1", kind, metadata: { name: rendered.name, namespace: operator!.namespace, labels: { ...operator!.labels, ...componentLabels(service.name) } }, spec: rendered.spec },
                { parent: this, dependsOn: [...operator!.dependsOn] },
            );
        if (asObjects) {
            // In a shared group, its rules are in the stack's PrometheusRule of that group.
            if (service.prometheusRule) {
                object("rules", "PrometheusRule", service.prometheusRule);
            }
            if (service.podMonitor) {
                object("scrape", "PodMonitor", service.podMonitor);
            }
        } else {
            this.patchFiles(name, target, service);
        }
        for (const probe of service.probes) {
            object(`probe-${probe.name}`, "Probe", probe);
        }
        this.dashboardUids = service.dashboards.map((d) => d.uid);
        const grafana = target.grafana;
        if (grafana?.kind === "api") {
            for (const dashboard of service.dashboards) {
                provisionDashboard(`${name}-dashboard-${dashboard.uid}`, dashboard, grafana.folder, { parent: this, provider: grafana.provider });
            }
        } else if (grafana?.kind === "files") {
            // Its own ConfigMap(s): changing this service's dashboards touches nothing else, and Grafana rescans them without a restart.
            for (const map of service.dashboardConfigMaps) {
                new k8s.core.v1.ConfigMap(`${name}-${map.name}`, { metadata: { name: map.name, namespace: grafana.namespace, labels: componentLabels("grafana") }, data: { ...map.data } }, { parent: this });
            }
        }
        this.registerOutputs({ dashboardUids: this.dashboardUids, ruleFile: service.ruleFile?.fileName ?? `${service.sharedRules}.yaml` });
    }

    /**
     * Without the operator: the rule and scrape files as server-side-apply patches of their own keys
     * into the shared Prometheus ConfigMaps, so adding a service touches nothing of another's.
     */
    private patchFiles(name: string, target: ServiceTarget, service: RenderedService): void {
        // Only our own key: the stack owns the ConfigMap's labels; each service owns exactly one data key.
        // Forcing is safe because no other manager ever sets this service's key.
        const metadata = (configMapName: string) => ({
            name: configMapName,
            namespace: target.namespace,
            annotations: { "pulumi.com/patchFieldManager": `lgtm-service-${service.name}`, "pulumi.com/patchForce": "true" },
        });
        // Its shard's ConfigMap only: waiting on every shard would tie each service to all of them.
        const after = (configMapName: string) => {
            const configMap = target.prometheusConfigMaps[configMapName];
            if (!configMap) {
                throw new Error(
                    `service "${service.name}" goes to ConfigMap ${configMapName}, which the stack does not have (it has ${Object.keys(target.prometheusConfigMaps).join(", ")}); ` +
                        `render the service with the stack's own config, so both use the same ${CONFIGMAP_SHARDS_KEY}`,
                );
            }
            return { parent: this, dependsOn: [configMap] };
        };
        const ruleFile = service.ruleFile!;
        new k8s.core.v1.ConfigMapPatch(`${name}-rules`, { metadata: metadata(service.configMaps.rules), data: { [ruleFile.fileName]: ruleFile.content } }, after(service.configMaps.rules));
        if (service.scrapeFile) {
            new k8s.core.v1.ConfigMapPatch(`${name}-scrape`, { metadata: metadata(service.configMaps.scrape), data: { [service.scrapeFile.fileName]: service.scrapeFile.content } }, after(service.configMaps.scrape));
        }
    }
}
