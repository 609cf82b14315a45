/**
 * Every artifact the stack deploys, rendered from the validated config. Components and the
 * `render` command both call this, so what the tests check is exactly what gets deployed.
 */
import { stackRuleFile } from "../alerts";
import { Links, linksFor } from "../alerts/links";
import { renderServiceFiles } from "./services";
import { StackConfig } from "../config/types";
import { RenderedDashboard, renderDashboards } from "../dashboards";
import { loadRunbooks } from "../dashboards/runbooks";
import { RUNBOOK_DIR } from "../config/sources";
import { renderAlertmanagerConfig } from "./alertmanager";
import { renderCollectorAgentConfig, renderCollectorGatewayConfig } from "./collector";
import { DatasourceDefinition, renderDatasources } from "./datasources";
import { clusterEndpoints, Endpoints } from "../model/components";
import { renderLokiConfig } from "./loki";
import { renderPrometheusConfig, RULES_DIR, SCRAPE_DIR } from "./prometheus";
import { renderTempoConfig } from "./tempo";
import { toJson, toYaml } from "./yaml";

export interface RenderedFile {
    readonly fileName: string;
    readonly content: string;
}

export const stackRuleFileName = "stack.yaml";

export interface RenderedStack {
    readonly links: Links;
    readonly prometheusConfig: string;
    readonly ruleFiles: readonly RenderedFile[];
    readonly scrapeFiles: readonly RenderedFile[];
    readonly alertmanagerConfig: string;
    readonly lokiConfig: string;
    readonly tempoConfig: string;
    readonly collectorGatewayConfig: string;
    readonly collectorAgentConfig: string;
    readonly datasources: readonly DatasourceDefinition[];
    readonly dashboards: readonly RenderedDashboard[];
}

export function renderStack(config: StackConfig, endpoints: Endpoints = clusterEndpoints(config.namespace)): RenderedStack {
    const links = linksFor(config);
    return {
        links,
        prometheusConfig: toYaml(renderPrometheusConfig(config, endpoints)),
        ruleFiles: [
            { fileName: stackRuleFileName, content: toYaml({ groups: stackRuleFile(config, links).groups }) },
            ...config.services.map((service) => {
                const files = renderServiceFiles(service, links);
                return { fileName: files.ruleFileName, content: files.rules };
            }),
        ],
        scrapeFiles: config.services.flatMap((service) => {
            const files = renderServiceFiles(service, links);
            return files.scrape ? [{ fileName: files.scrapeFileName, content: files.scrape }] : [];
        }),
        alertmanagerConfig: toYaml(renderAlertmanagerConfig(config)),
        lokiConfig: toYaml(renderLokiConfig(config)),
        tempoConfig: toYaml(renderTempoConfig(config, endpoints)),
        collectorGatewayConfig: toYaml(renderCollectorGatewayConfig(config, endpoints)),
        collectorAgentConfig: toYaml(renderCollectorAgentConfig(config, endpoints)),
        datasources: renderDatasources(endpoints),
        dashboards: renderDashboards(config, links, loadRunbooks(RUNBOOK_DIR)),
    };
}

/** The render command's layout: relative path → file content. */
export function artifactFiles(rendered: RenderedStack): Map<string, string> {
    const files = new Map<string, string>();
    files.set("prometheus/prometheus.yml", rendered.prometheusConfig);
    for (const rule of rendered.ruleFiles) {
        files.set(`prometheus/${RULES_DIR}/${rule.fileName}`, rule.content);
    }
    for (const scrape of rendered.scrapeFiles) {
        files.set(`prometheus/${SCRAPE_DIR}/${scrape.fileName}`, scrape.content);
    }
    files.set("alertmanager/alertmanager.yml", rendered.alertmanagerConfig);
    files.set("loki/loki.yaml", rendered.lokiConfig);
    files.set("tempo/tempo.yaml", rendered.tempoConfig);
    files.set("otel-collector/config.yaml", rendered.collectorGatewayConfig);
    files.set("otel-collector/agent.yaml", rendered.collectorAgentConfig);
    for (const datasource of rendered.datasources) {
        files.set(`grafana/datasources/${datasource.uid}.json`, toJson(datasource));
    }
    for (const dashboard of rendered.dashboards) {
        files.set(`grafana/dashboards/${dashboard.fileName}`, toJson(dashboard.model));
    }
    return files;
}

export { checksum } from "./checksum";
