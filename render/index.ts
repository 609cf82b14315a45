/**
 * Every artifact the stack deploys, rendered once from the validated config and the runbooks:
 * config files, container args, rule and scrape files, datasources and dashboards, and one bundle
 * per service. Components only wire this into resources; the `render` command writes it to disk;
 * the tests check it. A pure function: no file or network access.
 */
import { lokiRuleFile, serviceRuleFile, stackRuleFile } from "../alerts";
import { Links, linksFor } from "../alerts/links";
import { ServiceSpec, StackConfig } from "../config/types";
import { RenderedDashboard, renderStackDashboards } from "../dashboards";
import { BLACKBOX } from "../model/probes";
import { ParsedRunbook } from "../model/runbook";
import {
    clusterEndpoints,
    CONFIGMAP_DATA_BUDGET_BYTES,
    CONFIGMAP_DATA_LIMIT_BYTES,
    CONFIGMAP_HEADROOM_BYTES,
    CONFIGMAP_SHARDS_KEY,
    Endpoints,
    MAX_CONFIGMAP_SHARDS,
    PROMETHEUS_DIRS,
    prometheusConfigMapName,
    PrometheusFileKind,
    LOKI_RULES,
} from "../model/components";
import { OVERRIDES_FILE } from "../model/topology";
import { renderAlertmanagerConfig } from "./alertmanager";
import { renderCollectorAgentConfig, renderCollectorGatewayConfig } from "./collector";
import { DatasourceDefinition, renderDatasources } from "./datasources";
import { tenancyOf } from "./topology/tenancy";
import { RenderedDashboardSidecars, renderDashboardSidecars } from "./dashboardSidecars";
import { DashboardConfigMap, renderGrafanaProvisioning, RenderedGrafanaProvisioning, serviceDashboardConfigMaps } from "./grafana";
import { blackboxPod, grafanaDataClaim, grafanaIngress, grafanaPod, RenderedIngress } from "./grafanaPod";
import { RenderedGrafanaServerConfig, renderGrafanaServerConfig } from "./grafanaServer";
import { renderLokiConfig } from "./loki";
import { renderAgentNetworkPolicies, renderNetworkPolicies, RenderedNetworkPolicy } from "./networkPolicies";
import { ClusterPods, renderClusterPods } from "./clusterPods";
import { RenderedMonitoringObject, RenderedOperator, renderOperator, servicePodMonitor, servicePrometheusRule, servicesAsOperatorObjects } from "./operator";
import { renderBlackboxConfig, renderServiceProbes } from "./probes";
import type { RenderedProbe } from "./probes";
import { checksum } from "./checksum";
import { renderOpenSlo } from "./openslo";
import { fnv1a32, prometheusShard, renderPrometheusConfig, serviceScrapeConfig } from "./prometheus";
import { RenderedSharedRules, renderSharedRules } from "./sharedRules";
import { renderTempoConfig } from "./tempo";
import { pushEndpoints, queryEndpoints, RenderedTopology, renderTopology, withMimir } from "./topology";
import { withHaLabels } from "./topology/haIngest";
import { RenderedScratch, renderScratch } from "./ephemeralStorage";
import { renderServiceDashboardTemplates, serviceDashboards, ServiceDashboardSet } from "./serviceDashboards";
import { RenderedWorkload, renderWorkloads, WorkloadName } from "./workloads";
import { RenderedPods, renderPods } from "./pods";
import { PersistentVolumeClaim, PodDescription } from "./podSpec";
import { toJson, toYaml } from "./yaml";

export type { RenderedWorkload, WorkloadName } from "./workloads";
export type { RenderedPods, TierPods } from "./pods";
export type { ComponentPod, PodDescription } from "./podSpec";
export type { RenderedScratch } from "./ephemeralStorage";
export type { RenderedMonitoringObject, RenderedOperator } from "./operator";
export type { RenderedProbe } from "./probes";
export type { RenderedDashboard } from "../dashboards";

export interface RenderedFile {
    readonly fileName: string;
    readonly content: string;
}

/** Everything one service contributes: its rule file, its scrape job (scraped services only) and its dashboards. */
export interface RenderedService {
    readonly name: string;
    /** Its own rule file; absent when its rules are in a shared group (`sharedRules`). */
    readonly ruleFile?: RenderedFile;
    /** With `prometheus.shareServiceRules`: the shared rule group its rules are in (the stack's `sharedRules`). */
    readonly sharedRules?: string;
    readonly scrapeFile?: RenderedFile;
    /**
     * Without the operator: the ConfigMaps its rule and scrape files are patched into, the shard its
     * name hashes to (`prometheus.configMapShards`).
     */
    readonly configMaps: Readonly<Record<PrometheusFileKind, string>>;
    /** With the operator: its rules as a PrometheusRule, which the operator hands to the stack's evaluator. */
    readonly prometheusRule?: RenderedMonitoringObject;
    /** With the operator, for a scraped service: its pods as a PodMonitor, scraped by the operator's agent. */
    readonly podMonitor?: RenderedMonitoringObject;
    readonly dashboards: readonly RenderedDashboard[];
    /**
     * A service declared in code: its dashboards as JSON files in ConfigMaps of its own
     * (`grafana.mode: files`). Empty for a service in config: the stack's templates hold its dashboards.
     */
    readonly dashboardConfigMaps: readonly DashboardConfigMap[];
    /** Its SLOs as OpenSLO v1 documents (written by `npm run render`; not deployed). */
    readonly openslo: RenderedFile;
    /** Its log alerts, the rule file Loki's ruler evaluates; absent without `logAlerts`. */
    readonly lokiRuleFile?: RenderedFile;
    /** Its synthetic checks as Probe objects, scraped through the stack's blackbox exporter. */
    readonly probes: readonly RenderedProbe[];
}

/** The blackbox exporter's config file and its checksum (runs with the operator). */
export interface RenderedBlackbox {
    readonly config: string;
    readonly checksum: string;
    /** Its pod, described (render/grafanaPod.ts). */
    readonly pod: PodDescription;
}

export interface RenderedStack {
    readonly links: Links;
    readonly workloads: Readonly<Record<WorkloadName, RenderedWorkload>>;
    /** The backends' pods, described whole (render/pods.ts): what their StatefulSets and Deployments are built from. */
    readonly pods: RenderedPods;
    /** kube-state-metrics's, node-exporter's and the Prometheus Operator's pods, described (render/clusterPods.ts). */
    readonly clusterPods: ClusterPods;
    /** The stack's own rule file (self-monitoring); services bring theirs in their bundles. */
    readonly stackRuleFile: RenderedFile;
    readonly services: readonly RenderedService[];
    /** With `prometheus.shareServiceRules`: the rule groups services of one shape share, each a PrometheusRule the stack owns. */
    readonly sharedRules: readonly RenderedSharedRules[];
    readonly datasources: readonly DatasourceDefinition[];
    /** Overview, stack health and runbook dashboards; service dashboards are in the service bundles. */
    readonly stackDashboards: readonly RenderedDashboard[];
    /** Grafana's provisioning files and the stack's dashboard ConfigMaps (`grafana.mode: files`). */
    readonly grafana: RenderedGrafanaProvisioning;
    /** The log-alert rule files of the services in config, keyed by file name: the `loki-rules` ConfigMap's data. */
    readonly lokiRules: Readonly<Record<string, string>>;
    /** The k8s-sidecars that bring other namespaces' dashboard ConfigMaps (`grafana.dashboardConfigMaps`); absent without. */
    readonly dashboardSidecars?: RenderedDashboardSidecars;
    /** grafana.ini of the Grafana we deploy (sign-in, SSO); absent with `grafana.mode: external`. */
    readonly grafanaServer?: RenderedGrafanaServerConfig;
    /** The pod of the Grafana we deploy (render/grafanaPod.ts); absent with `grafana.mode: external`. */
    readonly grafanaPod?: PodDescription;
    /** Grafana's data claim (`grafana.persistence.enabled`) and Ingress (`grafana.ingress.enabled`); absent without, or with `grafana.mode: external`. */
    readonly grafanaObjects?: { readonly claim?: PersistentVolumeClaim; readonly ingress?: RenderedIngress };
    /** With `topology: distributed`: Loki, Tempo and Mimir per tier (the loki and tempo workloads are then not deployed). */
    readonly topology?: RenderedTopology;
    /** Default deny and the allowed flows of the topology, kube-state-metrics's included; empty when `networkPolicies` is off. */
    readonly networkPolicies: readonly RenderedNetworkPolicy[];
    /** The node agents' namespace: default deny, the agent's and node-exporter's flows; empty without policies or the agent. */
    readonly agentNetworkPolicies: readonly RenderedNetworkPolicy[];
    /** The Prometheus Operator's arguments and objects; absent with `operator.enabled: false`. */
    readonly operator?: RenderedOperator;
    /** The blackbox exporter that Probe objects name as their prober; runs with the operator. */
    readonly blackbox?: RenderedBlackbox;
    /** Every workload's emptyDir sizes and ephemeral-storage (model/ephemeralStorage.ts). */
    readonly scratch: RenderedScratch;
}

/**
 * One service's bundle. A service declared in code renders it once with this and hands it to
 * `ObservedService`; its dashboards then come in ConfigMaps of its own. A service in config gets its
 * dashboards from the stack's templates (`inStack`, from renderStack), and brings no ConfigMap.
 */
export function renderService(config: StackConfig, service: ServiceSpec, links: Links = linksFor(config), inStack?: ServiceDashboardSet): RenderedService & { readonly ruleFile: RenderedFile } {
    const rules = serviceRuleFile(service, links, config.prometheus.scrapeInterval);
    const scrape = serviceScrapeConfig(service);
    const ruleFile = { fileName: `${rules.name}.yaml`, content: toYaml({ groups: rules.groups }) };
    const scrapeFile = scrape ? { fileName: `${service.name}.yaml`, content: toYaml({ scrape_configs: [scrape] }) } : undefined;
    // With the operator the files never go into the shared ConfigMaps: the objects replace them.
    // Not with topology.tenants: Prometheus splits the series by tenant and each tenant's ruler folder
    // takes its services' files, which one set of operator ConfigMaps cannot give.
    const asObjects = servicesAsOperatorObjects(config);
    const objects = asObjects ? { prometheusRule: servicePrometheusRule(service, rules.groups, fileBytes(ruleFile)), ...podMonitorOf(service) } : undefined;
    if (!objects) {
        assertFileFitsOneShard(service.name, "rules", ruleFile);
        if (scrapeFile) {
            assertFileFitsOneShard(service.name, "scrape", scrapeFile);
        }
    }
    return { ...renderServiceParts(config, service, links, inStack), ruleFile, ...(scrapeFile ? { scrapeFile } : {}), ...objects };
}

/** Without the operator's objects every service has its own rule file (shared groups need them). */
function withOwnRules(service: RenderedService): RenderedService & { readonly ruleFile: RenderedFile } {
    if (!service.ruleFile) {
        throw new Error(`service "${service.name}" has no rule file of its own; prometheus.shareServiceRules needs operator.enabled`);
    }
    return service as RenderedService & { readonly ruleFile: RenderedFile };
}

/** A service in config whose rules are in the shared group `group` (`prometheus.shareServiceRules` needs the operator's objects). */
function renderSharedMember(config: StackConfig, service: ServiceSpec, links: Links, inStack: ServiceDashboardSet | undefined, group: string): RenderedService {
    return { ...renderServiceParts(config, service, links, inStack), sharedRules: group, ...podMonitorOf(service) };
}

function podMonitorOf(service: ServiceSpec): { podMonitor?: RenderedMonitoringObject } {
    const podMonitor = servicePodMonitor(service);
    return podMonitor ? { podMonitor } : {};
}

/** What a service brings besides its rules and scrape job. */
function renderServiceParts(config: StackConfig, service: ServiceSpec, links: Links, inStack?: ServiceDashboardSet) {
    const logRules = lokiRuleFile(service, links);
    const dashboards = inStack?.dashboards ?? serviceDashboards(config, service, links);
    const shard = prometheusShard(service.name, config.prometheus.configMapShards);
    return {
        name: service.name,
        configMaps: { rules: prometheusConfigMapName("rules", shard), scrape: prometheusConfigMapName("scrape", shard) },
        dashboards,
        dashboardConfigMaps: inStack ? [] : serviceDashboardConfigMaps(service.name, dashboards),
        probes: renderServiceProbes(config.namespace, service),
        openslo: { fileName: `${service.name}.yaml`, content: renderOpenSlo(service) },
        ...(logRules ? { lokiRuleFile: { fileName: `${logRules.name}.yaml`, content: toYaml({ groups: logRules.groups }) } } : {}),
    };
}

export function renderStack(config: StackConfig, runbooks: readonly ParsedRunbook[], endpoints: Endpoints = clusterEndpoints(config.namespace, config.prometheus.replicas)): RenderedStack {
    const links = linksFor(config);
    const rules = stackRuleFile(config, links);
    const serviceDashboardTemplates = renderServiceDashboardTemplates(config, links);
    const sharedRules = renderSharedRules(config, links);
    const groupOf = new Map(sharedRules.flatMap((group) => group.services.map((service) => [service, group.name] as const)));
    const services = config.services.map((service) => {
        const group = groupOf.get(service.name);
        const dashboards = serviceDashboardTemplates.services.get(service.name);
        return group ? renderSharedMember(config, service, links, dashboards, group) : renderService(config, service, links, dashboards);
    });
    const stackRules = { fileName: `${rules.name}.yaml`, content: toYaml({ groups: rules.groups }) };
    // With the operator only the stack's own rule file is in the shards; the services' rules are objects.
    assertShardsFit(config.prometheus.configMapShards, stackRules, servicesAsOperatorObjects(config) ? [] : services.map(withOwnRules));
    const stackDashboards = renderStackDashboards(config, links, runbooks);
    assertUniqueUids([...stackDashboards, ...services.flatMap((service) => service.dashboards)]);
    // An external Grafana reaches the backends at the URLs the user gives, not at in-cluster names.
    const datasources = renderDatasources(config.grafana.datasourceUrls ?? queryEndpoints(config, endpoints), tenancyOf(config));
    // The distributed topology moves where logs, traces and metrics are pushed and evaluated; single keeps it all as is.
    const push = pushEndpoints(config, endpoints);
    const teamOf = new Map(config.services.map((service) => [service.name, service.team]));
    const topology = renderTopology(config, endpoints, {
        stack: { configMap: prometheusConfigMapName("rules", 0), fileName: stackRules.fileName },
        mimir: services.flatMap((service) => (service.ruleFile ? [{ team: teamOf.get(service.name)!, configMap: service.configMaps.rules, fileName: service.ruleFile.fileName }] : [])),
        loki: services.flatMap((service) => (service.lokiRuleFile ? [{ team: teamOf.get(service.name)!, configMap: LOKI_RULES.configMap, fileName: service.lokiRuleFile.fileName }] : [])),
    });
    // The services' rules reach the evaluator through the operator only when they are PrometheusRules.
    const scratch = renderScratch(config);
    const ruleBytes = [...services.flatMap((service) => (service.prometheusRule && service.ruleFile ? [service.ruleFile] : [])), ...sharedRules.map((group) => group.ruleFile)].reduce((sum, file) => sum + fileBytes(file), 0);
    const operator = renderOperator(config, endpoints, ruleBytes, scratch);
    const dashboardSidecars = renderDashboardSidecars(config);
    const grafana = renderGrafanaProvisioning(config, datasources, stackDashboards, serviceDashboardTemplates);
    const grafanaServer = config.grafana.mode === "external" ? undefined : renderGrafanaServerConfig(config);
    const workloads = renderWorkloads(config, {
            prometheus: toYaml(withMimir(config, withHaLabels(config, renderPrometheusConfig(config, endpoints)))),
            alertmanager: toYaml(renderAlertmanagerConfig(config)),
            loki: toYaml(renderLokiConfig(config, endpoints)),
            tempo: toYaml(renderTempoConfig(config, endpoints)),
            "otel-collector": toYaml(renderCollectorGatewayConfig(config, push)),
            "otel-agent": toYaml(renderCollectorAgentConfig(config, endpoints)),
    });
    return {
        links,
        scratch,
        workloads,
        pods: renderPods(config, workloads, scratch, operator?.ruleConfigMaps, topology),
        clusterPods: renderClusterPods(config, operator, scratch),
        stackRuleFile: stackRules,
        services,
        sharedRules,
        lokiRules: lokiRulesData(services),
        datasources,
        stackDashboards,
        grafana,
        ...(dashboardSidecars ? { dashboardSidecars } : {}),
        ...(grafanaServer
            ? {
                  grafanaServer,
                  grafanaPod: grafanaPod(config, { server: grafanaServer, ...(config.grafana.mode === "files" ? { provisioning: grafana } : {}), ...(dashboardSidecars ? { dashboardSidecars } : {}) }, scratch),
                  grafanaObjects: grafanaObjects(config),
              }
            : {}),
        ...(topology ? { topology } : {}),
        networkPolicies: renderNetworkPolicies(config),
        agentNetworkPolicies: renderAgentNetworkPolicies(config),
        ...(operator ? { operator, blackbox: renderBlackbox(config, scratch) } : {}),
    };
}

/** The blackbox exporter's modules file, its checksum and its pod, which the checksum rolls. */
function grafanaObjects(config: StackConfig): NonNullable<RenderedStack["grafanaObjects"]> {
    const claim = grafanaDataClaim(config);
    const ingress = grafanaIngress(config);
    return { ...(claim ? { claim } : {}), ...(ingress ? { ingress } : {}) };
}

function renderBlackbox(config: StackConfig, scratch: RenderedScratch): RenderedBlackbox {
    const content = toYaml(renderBlackboxConfig(config));
    const sum = checksum(content);
    return { config: content, checksum: sum, pod: blackboxPod(config.operator.blackboxImage, sum, scratch["blackbox-exporter"]) };
}

/** Every service's log-alert file in one ConfigMap, which must stay under the API server's limit. */
function lokiRulesData(services: readonly RenderedService[]): Record<string, string> {
    const data = Object.fromEntries(services.flatMap((service) => (service.lokiRuleFile ? [[service.lokiRuleFile.fileName, service.lokiRuleFile.content]] : [])));
    const bytes = Object.entries(data).reduce((sum, [key, content]) => sum + Buffer.byteLength(key) + Buffer.byteLength(content), 0);
    if (bytes > CONFIGMAP_DATA_BUDGET_BYTES) {
        throw new Error(`the services' log alerts need ${bytes} bytes of Loki rule files, over the ${CONFIGMAP_DATA_BUDGET_BYTES} bytes one ConfigMap may hold here; fewer log alerts per service, or a second stack`);
    }
    return data;
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

/** Bytes of a file as the API server counts them against the ConfigMap limit: its UTF-8 length. */
function fileBytes(file: RenderedFile): number {
    return Buffer.byteLength(file.content, "utf8");
}

const BUDGET_NOTE =
    `the ${CONFIGMAP_DATA_BUDGET_BYTES} bytes a shard may hold (the API server refuses a ConfigMap whose data exceeds ${CONFIGMAP_DATA_LIMIT_BYTES} bytes; ` +
    `${CONFIGMAP_HEADROOM_BYTES} are kept free for services declared in code and the object's metadata)`;

/** A file lives whole in one ConfigMap: one larger than a shard's budget fits at no shard count. */
function assertFileFitsOneShard(service: string, kind: PrometheusFileKind, file: RenderedFile): void {
    const bytes = fileBytes(file);
    if (bytes > CONFIGMAP_DATA_BUDGET_BYTES) {
        const what = kind === "rules" ? "rule file" : "scrape job file";
        const fix = kind === "rules" ? "give the service fewer SLOs, saturation checks or alerts, or split it into two services" : "shorten its pod selector";
        throw new Error(
            `service "${service}": its ${what} ${file.fileName} is ${bytes} bytes, over ${BUDGET_NOTE}; ` +
                `a file is never split across ConfigMaps, so no ${CONFIGMAP_SHARDS_KEY} helps: ${fix}`,
        );
    }
}

interface ShardLoad {
    readonly kind: PrometheusFileKind;
    readonly shard: number;
    readonly bytes: number;
    readonly files: number;
}

/** Bytes and files per shard of each kind at `shards` shards; the stack's own rule file lives in rule shard 0. */
function shardLoads(shards: number, stackRules: number, services: readonly { hash: number; rules: number; scrape?: number }[]): ShardLoad[] {
    const load = (kind: PrometheusFileKind) => Array.from({ length: shards }, (_, shard) => ({ kind, shard, bytes: 0, files: 0 }));
    const rules = load("rules");
    const scrape = load("scrape");
    rules[0].bytes += stackRules;
    rules[0].files += 1;
    for (const service of services) {
        const shard = service.hash % shards;
        rules[shard].bytes += service.rules;
        rules[shard].files += 1;
        if (service.scrape !== undefined) {
            scrape[shard].bytes += service.scrape;
            scrape[shard].files += 1;
        }
    }
    return [...rules, ...scrape];
}

/**
 * Refuses, before any resource exists, a stack whose rule or scrape files would overflow a shard:
 * the API server would refuse the ConfigMap patch only during `pulumi up`, after part of the
 * stack changed. Names every full shard and the smallest shard count at which all fit.
 */
function assertShardsFit(shards: number, stackRules: RenderedFile, services: readonly (RenderedService & { readonly ruleFile: RenderedFile })[]): void {
    const sizes = services.map((service) => ({
        hash: fnv1a32(service.name),
        rules: fileBytes(service.ruleFile),
        ...(service.scrapeFile ? { scrape: fileBytes(service.scrapeFile) } : {}),
    }));
    const stackBytes = fileBytes(stackRules);
    const full = (count: number) => shardLoads(count, stackBytes, sizes).filter((load) => load.bytes > CONFIGMAP_DATA_BUDGET_BYTES);
    const overflowing = full(shards);
    if (overflowing.length === 0) {
        return;
    }
    const shardsList = overflowing.map(
        (load) => `ConfigMap ${prometheusConfigMapName(load.kind, load.shard)} (${load.kind} shard ${load.shard} of ${shards}) would hold ${load.bytes} bytes in ${load.files} files`,
    );
    const fits = Array.from({ length: MAX_CONFIGMAP_SHARDS - shards }, (_, i) => shards + 1 + i).find((count) => full(count).length === 0);
    const fix =
        fits === undefined
            ? `even ${MAX_CONFIGMAP_SHARDS} shards do not hold these ${services.length} services; move some of them into a second stack`
            : `set ${CONFIGMAP_SHARDS_KEY} to ${fits}, the smallest count at which every shard fits (files move between ConfigMaps and Prometheus restarts once)`;
    throw new Error(`${CONFIGMAP_SHARDS_KEY}: ${shards} is too few for ${services.length} services: ${shardsList.join("; ")}, over ${BUDGET_NOTE}; ${fix}`);
}

/** Every rule file: the stack's, then each service's in config order. */
export function ruleFiles(rendered: RenderedStack): RenderedFile[] {
    return [rendered.stackRuleFile, ...rendered.services.flatMap((service) => (service.ruleFile ? [service.ruleFile] : [])), ...rendered.sharedRules.map((group) => group.ruleFile)];
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
    for (const [fileName, content] of Object.entries(rendered.lokiRules)) {
        files.set(`loki/rules/${fileName}`, content);
    }
    files.set(`tempo/${workloads.tempo.configFileName}`, workloads.tempo.config);
    files.set("otel-collector/config.yaml", workloads["otel-collector"].config);
    files.set("otel-collector/agent.yaml", workloads["otel-agent"].config);
    for (const datasource of rendered.datasources) {
        files.set(`grafana/datasources/${datasource.uid}.json`, toJson(datasource));
    }
    files.set(`grafana/provisioning/datasources/${rendered.grafana.datasourcesFile.fileName}`, rendered.grafana.datasourcesFile.content);
    files.set(`grafana/provisioning/dashboards/${rendered.grafana.dashboardProvidersFile.fileName}`, rendered.grafana.dashboardProvidersFile.content);
    if (rendered.grafanaServer) {
        files.set(`grafana/${rendered.grafanaServer.fileName}`, rendered.grafanaServer.content);
    }
    if (rendered.dashboardSidecars) {
        // The k8s-sidecars' environment, one entry per container (grafana.dashboardConfigMaps).
        files.set("grafana/dashboard-sidecars.yaml", toYaml({ sidecars: rendered.dashboardSidecars.sidecars.map(({ name, env }) => ({ name, env })) }));
    }
    if (rendered.topology) {
        const { loki, tempo, mimir, collector } = rendered.topology;
        for (const engine of [loki, tempo, mimir]) {
            files.set(`distributed/${engine.engine}/${engine.configFileName}`, engine.config);
            if (engine.overrides) {
                files.set(`distributed/${engine.engine}/${OVERRIDES_FILE}`, engine.overrides);
            }
        }
        files.set(`otel-collector/${collector.loadBalancer.configFileName}`, collector.loadBalancer.config);
    }
    if (rendered.operator) {
        // The objects the operator is given (specs only; the CRDs come from the pinned module at preview time).
        files.set("operator/prometheus-agent.yaml", toYaml({ spec: rendered.operator.agentSpec }));
        files.set("operator/prometheus-rules.yaml", toYaml({ spec: rendered.operator.rulesSpec }));
        files.set("operator/args.txt", `${rendered.operator.args.join("\n")}\n`);
    }
    if (rendered.blackbox) {
        files.set(`blackbox-exporter/${BLACKBOX.configFile}`, rendered.blackbox.config);
    }
    for (const probe of rendered.services.flatMap((service) => service.probes)) {
        files.set(`operator/probes/${probe.name}.yaml`, toYaml({ spec: probe.spec }));
    }
    for (const service of rendered.services) {
        files.set(`openslo/${service.openslo.fileName}`, service.openslo.content);
    }
    // The folder the dashboard provider reads (GRAFANA_PATHS.dashboards in the pod).
    for (const dashboard of allDashboards(rendered)) {
        files.set(`grafana/dashboards/${dashboard.fileName}`, toJson(dashboard.model));
    }
    return files;
}
