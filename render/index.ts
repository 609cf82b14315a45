/**
 * Every artifact the stack deploys, rendered once from the validated config and the runbooks:
 * config files, container args, rule and scrape files, datasources and dashboards, and one bundle
 * per service. Components only wire this into resources; the `render` command writes it to disk;
 * the tests check it. A pure function: no file or network access.
 */
import { serviceRuleFile, stackRuleFile } from "../alerts";
import { Links, linksFor } from "../alerts/links";
import { ServiceSpec, StackConfig } from "../config/types";
import { RenderedDashboard, renderServiceDashboards, renderStackDashboards } from "../dashboards";
import { ParsedRunbook } from "../model/runbook";
import { clusterEndpoints, Endpoints, PROMETHEUS_DIRS } from "../model/components";
import { renderAlertmanagerConfig } from "./alertmanager";
import { renderCollectorAgentConfig, renderCollectorGatewayConfig } from "./collector";
import { DatasourceDefinition, renderDatasources } from "./datasources";
import { DashboardConfigMap, renderGrafanaProvisioning, RenderedGrafanaProvisioning, serviceDashboardConfigMaps } from "./grafana";
import { renderLokiConfig } from "./loki";
import { renderNetworkPolicies, RenderedNetworkPolicy } from "./networkPolicies";
import { renderPrometheusConfig, serviceScrapeConfig } from "./prometheus";
import { renderTempoConfig } from "./tempo";
import { pushEndpoints, queryEndpoints, RenderedTopology, renderTopology, withMimir } from "./topology";
import { RenderedWorkload, renderWorkloads, WorkloadName } from "./workloads";
import { toJson, toYaml } from "./yaml";

export type { RenderedWorkload, WorkloadName } from "./workloads";
export type { RenderedDashboard } from "../dashboards";

export interface RenderedFile {
    readonly fileName: string;
    readonly content: string;
}

/** Everything one service contributes: its rule file, its scrape job (scraped services only) and its dashboards. */
export interface RenderedService {
    readonly name: string;
    readonly ruleFile: RenderedFile;
    readonly scrapeFile?: RenderedFile;
    readonly dashboards: readonly RenderedDashboard[];
    /** Its dashboards as JSON files in ConfigMaps of its own (`grafana.mode: files`). */
    readonly dashboardConfigMaps: readonly DashboardConfigMap[];
}

export interface RenderedStack {
    readonly links: Links;
    readonly workloads: Readonly<Record<WorkloadName, RenderedWorkload>>;
    /** The stack's own rule file (self-monitoring); services bring theirs in their bundles. */
    readonly stackRuleFile: RenderedFile;
    readonly services: readonly RenderedService[];
    readonly datasources: readonly DatasourceDefinition[];
    /** Overview, stack health and runbook dashboards; service dashboards are in the service bundles. */
    readonly stackDashboards: readonly RenderedDashboard[];
    /** Grafana's provisioning files and the stack's dashboard ConfigMaps (`grafana.mode: files`). */
    readonly grafana: RenderedGrafanaProvisioning;
    /** With `topology: distributed`: Loki, Tempo and Mimir per tier (the loki and tempo workloads are then not deployed). */
    readonly topology?: RenderedTopology;
    /** Default deny and the allowed flows of the topology; empty when `networkPolicies` is off. */
    readonly networkPolicies: readonly RenderedNetworkPolicy[];
}

/** One service's bundle. A service declared in code renders it once with this and hands it to `ObservedService`. */
export function renderService(config: StackConfig, service: ServiceSpec, links: Links = linksFor(config)): RenderedService {
    const rules = serviceRuleFile(service, links);
    const scrape = serviceScrapeConfig(service);
    const dashboards = renderServiceDashboards(config, service, links);
    return {
        name: service.name,
        ruleFile: { fileName: `${rules.name}.yaml`, content: toYaml({ groups: rules.groups }) },
        ...(scrape ? { scrapeFile: { fileName: `${service.name}.yaml`, content: toYaml({ scrape_configs: [scrape] }) } } : {}),
        dashboards,
        dashboardConfigMaps: serviceDashboardConfigMaps(service.name, dashboards),
    };
}

export function renderStack(config: StackConfig, runbooks: readonly ParsedRunbook[], endpoints: Endpoints = clusterEndpoints(config.namespace, config.prometheus.replicas)): RenderedStack {
    const links = linksFor(config);
    const rules = stackRuleFile(config, links);
    const services = config.services.map((service) => renderService(config, service, links));
    const stackDashboards = renderStackDashboards(config, links, runbooks);
    assertUniqueUids([...stackDashboards, ...services.flatMap((service) => service.dashboards)]);
    // An external Grafana reaches the backends at the URLs the user gives, not at in-cluster names.
    const datasources = renderDatasources(config.grafana.datasourceUrls ?? queryEndpoints(config, endpoints));
    // The distributed topology moves where logs, traces and metrics are pushed and evaluated; single keeps it all as is.
    const push = pushEndpoints(config, endpoints);
    const topology = renderTopology(config, endpoints);
    return {
        links,
        workloads: renderWorkloads(config, {
            prometheus: toYaml(withMimir(config, renderPrometheusConfig(config, endpoints))),
            alertmanager: toYaml(renderAlertmanagerConfig(config)),
            loki: toYaml(renderLokiConfig(config)),
            tempo: toYaml(renderTempoConfig(config, endpoints)),
            "otel-collector": toYaml(renderCollectorGatewayConfig(config, push)),
            "otel-agent": toYaml(renderCollectorAgentConfig(config, endpoints)),
        }),
        stackRuleFile: { fileName: `${rules.name}.yaml`, content: toYaml({ groups: rules.groups }) },
        services,
        datasources,
        stackDashboards,
        grafana: renderGrafanaProvisioning(config, datasources, stackDashboards),
        ...(topology ? { topology } : {}),
        networkPolicies: renderNetworkPolicies(config),
    };
}

function assertUniqueUids(dashboards: readonly RenderedDashboard[]): void {
    const seen = new Map<string, string>();
    for (const { uid, title } of dashboards) {
        const previous = seen.get(uid);
        if (previous !== undefined) {
            throw new Error(`dashboards "${previous}" and "${title}" would both get uid "${uid}"; rename the service or alert behind one of them`);
        }
        seen.set(uid, title);
    }
}

/** Every rule file: the stack's, then each service's in config order. */
export function ruleFiles(rendered: RenderedStack): RenderedFile[] {
    return [rendered.stackRuleFile, ...rendered.services.map((service) => service.ruleFile)];
}

/** The scrape job files of the scraped services. */
export function scrapeFiles(rendered: RenderedStack): RenderedFile[] {
    return rendered.services.flatMap((service) => (service.scrapeFile ? [service.scrapeFile] : []));
}

/** Overview and stack health, each service's dashboards in config order, then the runbook dashboards. */
export function allDashboards(rendered: RenderedStack): RenderedDashboard[] {
    const [overview, stackHealth, ...runbooks] = rendered.stackDashboards;
    return [overview, stackHealth, ...rendered.services.flatMap((service) => service.dashboards), ...runbooks];
}

/** The render command's layout: relative path → file content. */
export function artifactFiles(rendered: RenderedStack): Map<string, string> {
    const files = new Map<string, string>();
    const { workloads } = rendered;
    files.set(`prometheus/${workloads.prometheus.configFileName}`, workloads.prometheus.config);
    for (const rule of ruleFiles(rendered)) {
        files.set(`prometheus/${PROMETHEUS_DIRS.rules}/${rule.fileName}`, rule.content);
    }
    for (const scrape of scrapeFiles(rendered)) {
        files.set(`prometheus/${PROMETHEUS_DIRS.scrape}/${scrape.fileName}`, scrape.content);
    }
    files.set(`alertmanager/${workloads.alertmanager.configFileName}`, workloads.alertmanager.config);
    files.set(`loki/${workloads.loki.configFileName}`, workloads.loki.config);
    files.set(`tempo/${workloads.tempo.configFileName}`, workloads.tempo.config);
    files.set("otel-collector/config.yaml", workloads["otel-collector"].config);
    files.set("otel-collector/agent.yaml", workloads["otel-agent"].config);
    for (const datasource of rendered.datasources) {
        files.set(`grafana/datasources/${datasource.uid}.json`, toJson(datasource));
    }
    files.set(`grafana/provisioning/datasources/${rendered.grafana.datasourcesFile.fileName}`, rendered.grafana.datasourcesFile.content);
    files.set(`grafana/provisioning/dashboards/${rendered.grafana.dashboardProvidersFile.fileName}`, rendered.grafana.dashboardProvidersFile.content);
    if (rendered.topology) {
        const { loki, tempo, mimir, collector } = rendered.topology;
        for (const engine of [loki, tempo, mimir]) {
            files.set(`distributed/${engine.engine}/${engine.configFileName}`, engine.config);
        }
        files.set(`otel-collector/${collector.loadBalancer.configFileName}`, collector.loadBalancer.config);
    }
    // The folder the dashboard provider reads (GRAFANA_PATHS.dashboards in the pod).
    for (const dashboard of allDashboards(rendered)) {
        files.set(`grafana/dashboards/${dashboard.fileName}`, toJson(dashboard.model));
    }
    return files;
}
