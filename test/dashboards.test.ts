import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, test } from "node:test";
import { alertCatalog, renderRuleFiles } from "../alerts";
import { linksFor } from "../alerts/links";
import { dashboardUids } from "../model/ids";
import { loadStackConfig, RawStackConfig } from "../config/load";
import { RUNBOOK_DIR, runbookNames } from "../io/stackSources";
import { StackConfig } from "../config/types";
import { dashboardQueries, RenderedDashboard } from "../dashboards";
import { substituteVariables } from "../model/queryGrammar";
import { readRunbooks } from "../io/runbooks";
import { allDashboards, renderStack } from "../render";
import { promqlSelectors, RAW_METRICS, RAW_METRICS_BY_SOURCE } from "../dashboards/metrics";
import { parseRunbook, REQUIRED_SECTIONS, RunbookError } from "../model/runbook";
import { clusterEndpoints } from "../model/components";
import { syntaxError } from "../model/queryGrammar";
import { renderPrometheusConfig } from "../render/prometheus";
import { toJson } from "../render/yaml";

const RUNBOOK_BASE = "https://git.example.com/acme/lgtm-stack/blob/main/runbooks";
const GRAFANA = "https://grafana.example.com";

function rawConfig(overrides: Record<string, unknown> = {}): RawStackConfig {
    return {
        stack: "test",
        values: {
            runbookBaseUrl: RUNBOOK_BASE,
            grafana: { url: GRAFANA },
            services: [
                {
                    name: "checkout",
                    namespace: "shop",
                    team: "payments",
                    discovery: { kind: "otlp" },
                    conventions: { preset: "otel-http" },
                    histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4, 8],
                    slos: [
                        { kind: "availability", objective: 99.5 },
                        { kind: "latency", percentile: 95, threshold: "1s" },
                    ],
                    alerts: { errorRatePercent: 2, latencyP99: "2s" },
                    saturation: [
                        {
                            name: "db_connection_pool",
                            query: 'max(db_client_connections_usage{service_name="checkout", state="used"}) / max(db_client_connections_max{service_name="checkout"})',
                            threshold: 85,
                            alert: "DBConnectionPoolExhaustion",
                        },
                    ],
                    businessCounters: [{ name: "orders_placed", query: 'sum(rate(orders_placed_total{service_name="checkout"}[5m])) * 60', unit: "perMinute", goodDirection: "up" }],
                },
                {
                    name: "inventory",
                    namespace: "shop",
                    team: "stock",
                    discovery: { kind: "scrape", selector: { app: "inventory" } },
                    conventions: { preset: "prometheus-http" },
                },
                {
                    name: "mailer",
                    namespace: "shop",
                    team: "notifications",
                    conventions: { preset: "otel-messaging", queueDepthQuery: 'sum(mail_jobs_waiting{queue="mail"})', queueLagQuery: 'max(mail_oldest_job_age_seconds{queue="mail"})' },
                },
            ],
            ...overrides,
        },
        secretKeys: new Set(),
    };
}

const config: StackConfig = loadStackConfig(rawConfig(), { knownRunbooks: runbookNames() });
const links = linksFor(config);
const runbooks = readRunbooks(RUNBOOK_DIR);
const renderDashboards = (stack: StackConfig, runbookList = runbooks) => allDashboards(renderStack(stack, runbookList));
const dashboards = renderDashboards(config);

interface PanelJson {
    readonly type: string;
    readonly title?: string;
    readonly datasource?: { readonly type?: string };
    readonly targets?: readonly { readonly expr?: string; readonly query?: string; readonly exemplar?: boolean; readonly datasource?: { readonly type?: string } }[];
    readonly links?: readonly { readonly url?: string }[];
    readonly options?: { readonly content?: string };
    readonly fieldConfig?: {
        readonly defaults?: { readonly thresholds?: { readonly steps: readonly { readonly value: number | null }[] } };
        readonly overrides?: readonly { readonly properties: readonly { readonly id: string; readonly value: unknown }[] }[];
    };
    readonly panels?: readonly PanelJson[];
}

interface DashboardJson {
    readonly uid: string;
    readonly panels?: readonly PanelJson[];
    readonly links?: readonly { readonly url?: string }[];
    readonly templating: { readonly list?: readonly { readonly name: string; readonly query?: unknown; readonly current?: { readonly value?: unknown } }[] };
}

function json(dashboard: RenderedDashboard): DashboardJson {
    return dashboard.model as DashboardJson;
}

function byUid(uid: string): DashboardJson {
    const found = dashboards.find((dashboard) => dashboard.uid === uid);
    assert.ok(found, `no dashboard with uid ${uid}; rendered: ${dashboards.map((d) => d.uid).join(", ")}`);
    return json(found);
}

function panelsOf(model: DashboardJson): PanelJson[] {
    const flatten = (panels: readonly PanelJson[]): PanelJson[] => panels.flatMap((panel) => [panel, ...flatten(panel.panels ?? [])]);
    return flatten(model.panels ?? []);
}

function panel(model: DashboardJson, title: string): PanelJson {
    const found = panelsOf(model).find((candidate) => candidate.title === title);
    assert.ok(found, `${model.uid} has no panel "${title}"; it has: ${panelsOf(model).map((p) => p.title).join(" | ")}`);
    return found;
}

function linkUrls(candidate: PanelJson): string[] {
    return (candidate.links ?? []).map((link) => link.url ?? "");
}

/** Every URL a user can click: dashboard links, panel links, table cell links, Markdown links. */
function clickableUrls(model: DashboardJson): string[] {
    const fromPanel = (candidate: PanelJson): string[] => [
        ...linkUrls(candidate),
        ...(candidate.fieldConfig?.overrides ?? []).flatMap((override) =>
            override.properties.filter((property) => property.id === "links").flatMap((property) => (property.value as { url: string }[]).map((link) => link.url)),
        ),
        ...[...(candidate.options?.content ?? "").matchAll(/\]\((https?:\/\/[^)\s]+)\)/g)].map((match) => match[1]),
    ];
    return [...(model.links ?? []).map((link) => link.url ?? ""), ...panelsOf(model).flatMap(fromPanel)];
}

const SERVICE_VALUES = { service: "checkout" };

function recordedSeries(): Set<string> {
    const names = renderRuleFiles(config, links).flatMap((file) => file.groups.flatMap((group) => group.rules.flatMap((rule) => ("record" in rule ? [rule.record] : []))));
    return new Set(names);
}

describe("dashboards", () => {
    test("every dashboard has its stable uid, in a stable order", () => {
        const runbookUids = [...runbookNames()].sort().map(dashboardUids.runbook);
        assert.deepEqual(
            dashboards.map((d) => d.uid),
            [
                "lgtm-overview",
                "lgtm-stack-health",
                "checkout-golden",
                "checkout-slo",
                "inventory-golden",
                "mailer-golden",
                "lgtm-infrastructure",
                "lgtm-cluster-compute",
                "lgtm-cluster-nodes",
                "lgtm-cluster-volumes",
                "lgtm-cluster-network",
                "kube-apiserver-slo",
                ...runbookUids,
            ],
        );
        assert.ok(runbookUids.includes("rb-high-error-rate"));
        for (const dashboard of dashboards) {
            assert.equal(json(dashboard).uid, dashboard.uid);
            assert.equal(dashboard.fileName, `${dashboard.uid}.json`);
        }
    });

    test("dashboard uids are unique", () => {
        const uids = dashboards.map((d) => d.uid);
        assert.equal(new Set(uids).size, uids.length, `duplicate uids in ${uids.join(", ")}`);
    });

    test("every dashboard uid fits Grafana's 40-character limit, so Grafana accepts the dashboard", () => {
        const tooLong = dashboards.map((d) => d.uid).filter((uid) => uid.length > 40);
        assert.deepEqual(tooLong, [], `Grafana rejects these uids ("uid too long, max 40 characters"): ${tooLong.join(", ")}`);
    });

    test("rendering twice gives identical JSON, so previews show no spurious diffs", () => {
        const again = renderDashboards(config, readRunbooks(RUNBOOK_DIR));
        assert.deepEqual(again.map((d) => toJson(d.model)), dashboards.map((d) => toJson(d.model)));
    });

    test("a service without SLOs gets no SLO dashboard and no link to one", () => {
        assert.ok(!dashboards.some((d) => d.uid === dashboardUids.slo("inventory")));
        assert.ok(!clickableUrls(byUid(dashboardUids.golden("inventory"))).some((url) => url.includes(dashboardUids.slo("inventory"))));
    });

    test("every query of every dashboard parses once template variables are filled in", () => {
        for (const dashboard of dashboards) {
            const queries = dashboardQueries(dashboard.model);
            assert.ok(queries.length > 0, `${dashboard.uid} has no queries`);
            for (const query of queries) {
                const expr = substituteVariables(query.expr, SERVICE_VALUES);
                assert.equal(syntaxError(query.language, expr), undefined, `${dashboard.uid} / ${query.panel}: ${expr}`);
            }
        }
    });

    test("every metric a dashboard reads is recorded by our rules or a listed raw upstream metric", () => {
        const known = new Set([...recordedSeries(), ...RAW_METRICS]);
        for (const dashboard of dashboards) {
            for (const query of dashboardQueries(dashboard.model).filter((q) => q.language === "promql")) {
                for (const selector of promqlSelectors(substituteVariables(query.expr, SERVICE_VALUES))) {
                    const where = `${dashboard.uid} / ${query.panel}: ${query.expr}`;
                    if (selector.name !== undefined) {
                        assert.ok(known.has(selector.name), `${where} reads ${selector.name}, which no rule records and RAW_METRICS does not list`);
                    } else {
                        assert.ok(selector.nameRegex !== undefined, `${where} has a selector without a metric name`);
                        const pattern = new RegExp(`^(?:${selector.nameRegex})$`);
                        assert.ok([...known].some((name) => pattern.test(name)), `${where}: {__name__=~"${selector.nameRegex}"} matches no known metric`);
                    }
                }
            }
        }
    });

    /** What a kubelet scrape job keeps, as one anchored regex. */
    const keptBy = (jobName: string): RegExp => {
        const scrape = renderPrometheusConfig(config, clusterEndpoints(config.namespace)).scrape_configs.find((job) => job.job_name === jobName) as
            | { metric_relabel_configs: { regex: string; action: string }[] }
            | undefined;
        assert.ok(scrape, `no ${jobName} scrape job`);
        return new RegExp(`^(?:${scrape.metric_relabel_configs.find((rule) => rule.action === "keep")?.regex})$`);
    };

    test("the cAdvisor scrape keeps every container metric the dashboards read", () => {
        const keep = keptBy("kubelet-cadvisor");
        for (const metric of RAW_METRICS_BY_SOURCE.cadvisor) {
            assert.ok(keep.test(metric), `${metric} is dropped by the cAdvisor metric_relabel_configs, so its panels stay empty`);
        }
    });

    test("the kubelet scrape keeps every kubelet metric the dashboards and runbooks read", () => {
        const keep = keptBy("kubelet");
        const read = new Set(
            dashboards.flatMap((dashboard) =>
                dashboardQueries(dashboard.model)
                    .filter((q) => q.language === "promql")
                    .flatMap((q) => promqlSelectors(substituteVariables(q.expr, SERVICE_VALUES)).map((selector) => selector.name ?? "")),
            ),
        );
        const kubeletMetrics = [...read].filter((name) => name.startsWith("kubelet_"));
        assert.ok(kubeletMetrics.includes("kubelet_pleg_relist_duration_seconds_bucket") && kubeletMetrics.includes("kubelet_volume_stats_inodes"), kubeletMetrics.join(", "));
        for (const metric of kubeletMetrics) {
            assert.ok(keep.test(metric), `${metric} is dropped by the kubelet job's metric_relabel_configs, so its panels stay empty`);
        }
    });
});

describe("cluster dashboards", () => {
    test("the overview links the cluster dashboards, and each cluster dashboard the others", () => {
        const cluster = ["lgtm-cluster-compute", "lgtm-cluster-nodes", "lgtm-cluster-volumes", "lgtm-cluster-network"];
        const linked = (uid: string) => (byUid(uid).links ?? []).map((l) => (l.url ?? "").replace(`${GRAFANA}/d/`, ""));
        assert.deepEqual(linked("lgtm-overview"), ["lgtm-stack-health", "lgtm-infrastructure", ...cluster]);
        for (const uid of cluster) {
            assert.deepEqual(linked(uid), ["lgtm-overview", ...cluster.filter((other) => other !== uid)], uid);
        }
    });

    test("compute resources goes from the cluster to a namespace, a workload and a pod", () => {
        const model = byUid("lgtm-cluster-compute");
        assert.deepEqual(
            model.templating.list?.map((variable) => [variable.name, variable.query]),
            [
                ["namespace", 'label_values(kube_pod_info{job="kube-state-metrics"}, namespace)'],
                ["workload", 'label_values(namespace_workload_pod:kube_pod_owner:relabel{namespace="$namespace"}, workload)'],
                ["pod", 'label_values(kube_pod_info{job="kube-state-metrics", namespace="$namespace"}, pod)'],
            ],
        );
        const rows = panelsOf(model).filter((candidate) => candidate.type === "row").map((row) => row.title);
        assert.deepEqual(rows, ["Cluster", "Namespace $namespace", "Workload $workload", "Pod $pod"]);
        // The workload panels read the recorded pod → workload mapping, which our rules record.
        assert.ok(recordedSeries().has("namespace_workload_pod:kube_pod_owner:relabel"));
        assert.match(panel(model, "CPU by pod of $workload").targets?.[0].expr ?? "", /namespace_workload_pod:kube_pod_owner:relabel\{namespace="\$namespace", workload="\$workload"\}/);
        assert.match(panel(model, "CPU in use").targets?.[0].expr ?? "", /^sum\(rate\(container_cpu_usage_seconds_total\{job="kubelet-cadvisor", container!="", container!="POD"\}\[5m\]\)\) \/ sum\(kube_node_status_allocatable\{job="kube-state-metrics", resource="cpu"\}\)$/);
    });

    test("the node's network comes from cAdvisor's root cgroup, its pods' from their own", () => {
        assert.match(panel(byUid("lgtm-cluster-nodes"), "Network traffic of the node").targets?.[0].expr ?? "", /container_network_receive_bytes_total\{job="kubelet-cadvisor", id="\/", node=~"\$node"\}/);
        assert.match(panel(byUid("lgtm-cluster-network"), `Received by pod (top 10)`).targets?.[0].expr ?? "", /container_network_receive_bytes_total\{job="kubelet-cadvisor", namespace=~"\$namespace", pod!=""\}/);
    });

    test("the nodes dashboard shows the control plane the provider exposes: API server traffic, etcd only with its targets", () => {
        const nodesOf = (cluster: Record<string, unknown>) =>
            json(renderDashboards(loadStackConfig(rawConfig({ cluster }), { knownRunbooks: runbookNames() }), []).find((d) => d.uid === "lgtm-cluster-nodes")!);
        const titles = (model: DashboardJson) => panelsOf(model).map((candidate) => candidate.title);
        const generic = nodesOf({});
        assert.ok(titles(generic).includes("API server requests by code"));
        assert.ok(!titles(generic).includes("etcd members with a leader"), "no etcd panels without etcd targets");
        const withEtcd = nodesOf({ etcdTargets: ["10.0.0.10:2381"] });
        assert.equal(panel(withEtcd, "etcd database against its quota").targets?.[0].expr, 'etcd_mvcc_db_total_size_in_bytes{job="etcd"} / etcd_server_quota_backend_bytes{job="etcd"}');
        for (const title of ["etcd members with a leader", "etcd database against its quota"]) {
            for (const selector of promqlSelectors(panel(withEtcd, title).targets?.[0].expr ?? "")) {
                assert.ok(RAW_METRICS.has(selector.name ?? ""), `${title} reads ${selector.name}, which RAW_METRICS does not list`);
            }
        }
        assert.ok(!titles(nodesOf({ provider: "aks" })).includes("Control plane"), "AKS shows neither the API server's metrics nor etcd");
    });

    test("runbook dashboards of the stack's own Prometheus and Alertmanager alerts offer the stack's components as $service", () => {
        for (const alert of ["PrometheusBadConfig", "AlertmanagerFailedReload", "PrometheusTSDBCompactionsFailing", "PrometheusTSDBWALFailing"]) {
            const variable = byUid(dashboardUids.runbook(alert)).templating.list?.find((candidate) => candidate.name === "service");
            assert.match(String(variable?.query), /^label_values\(up\{job=~"prometheus\|alertmanager\|.*"\}, job\)$/, alert);
        }
    });

    test("a managed cluster's dashboards leave out what its provider hides", () => {
        const uidsOf = (provider: string) => renderDashboards(loadStackConfig(rawConfig({ cluster: { provider } }), { knownRunbooks: runbookNames() }), []).map((d) => d.uid);
        const hasCoreDnsRow = (provider: string) => {
            const network = renderDashboards(loadStackConfig(rawConfig({ cluster: { provider } }), { knownRunbooks: runbookNames() }), []).find((d) => d.uid === "lgtm-cluster-network");
            return panelsOf(json(network!)).some((candidate) => candidate.title === "Cluster DNS (CoreDNS)");
        };
        assert.ok(uidsOf("eks").includes("kube-apiserver-slo"));
        assert.ok(!uidsOf("aks").includes("kube-apiserver-slo"), "AKS does not let Prometheus read the API server's metrics");
        assert.equal(hasCoreDnsRow("eks"), true);
        assert.equal(hasCoreDnsRow("gke"), false, "GKE's cluster DNS is kube-dns, not CoreDNS");
    });
});

describe("golden-signals dashboard", () => {
    const golden = byUid(dashboardUids.golden("checkout"));

    test("latency panels request exemplars, so a click on a dot opens the trace", () => {
        const latencyPanels = panelsOf(golden).filter(
            (candidate) => candidate.type === "timeseries" && (candidate.targets ?? []).some((target) => /duration_seconds/.test(target.expr ?? "")),
        );
        assert.ok(latencyPanels.length > 0, "no latency time series");
        for (const candidate of latencyPanels) {
            for (const target of candidate.targets ?? []) {
                assert.equal(target.exemplar, true, `${candidate.title}: ${target.expr} has exemplars off`);
            }
        }
        const quantiles = (panel(golden, "Latency of successful requests P50 / P95 / P99").targets ?? []).map((target) => target.expr ?? "");
        assert.deepEqual(quantiles.map((expr) => /histogram_quantile\(([\d.]+),/.exec(expr)?.[1]), ["0.5", "0.95", "0.99"]);
    });

    test("error, latency, traffic and saturation panels link to the runbook of their alert", () => {
        const expected: [string, string][] = [
            ["Error ratio (5xx)", "HighErrorRate"],
            ["Errors per second (5xx)", "HighErrorRate"],
            ["Latency of successful requests P50 / P95 / P99", "HighP99Latency"],
            ["Requests per second", "ServiceDown"],
            ["Saturation: db connection pool", "DBConnectionPoolExhaustion"],
        ];
        for (const [title, alert] of expected) {
            const urls = linkUrls(panel(golden, title));
            assert.ok(urls.includes(links.runbookUrl(alert)), `${title} does not link ${alert}.md: ${urls.join(", ")}`);
            assert.ok(urls.includes(links.runbookDashboardUrl(alert, "checkout")), `${title} does not link the ${alert} runbook dashboard for checkout`);
        }
    });

    test("the error-ratio and latency panels draw the alert thresholds of this service", () => {
        const steps = (title: string) => (panel(golden, title).fieldConfig?.defaults?.thresholds?.steps ?? []).map((step) => step.value);
        assert.ok(steps("Error ratio (5xx)").includes(0.02), "HighErrorRate threshold (2%) is not drawn");
        assert.ok(steps("Latency of successful requests P50 / P95 / P99").includes(2), "HighP99Latency threshold (2s) is not drawn");
    });

    test("logs show the service's errors and traces its failed or slow requests", () => {
        const logs = panel(golden, "Error logs");
        assert.equal(logs.type, "logs");
        // OTel SDK records carry severity_text (Loki derives detected_level); JSON lines parsed by the agent carry level.
        assert.equal(
            logs.targets?.[0].expr,
            '{service_name="checkout"} | detected_level=~"(?i)error|fatal|critical" or severity_text=~"(?i)(error|fatal|critical).*" or level=~"(?i)error|fatal|critical"',
        );
        const traces = panel(golden, "Failed or slow traces");
        assert.equal(traces.datasource?.type, "tempo");
        assert.equal(traces.targets?.[0].query, '{ resource.service.name = "checkout" && (status = error || duration > 2000ms) }');
    });

    test("container CPU and memory are those of the service's pods in its namespace", () => {
        for (const title of ["CPU by pod", "Memory working set by pod"]) {
            for (const target of panel(golden, title).targets ?? []) {
                assert.match(target.expr ?? "", /namespace="shop", pod=~"checkout-\.\*"/);
            }
        }
    });
});

describe("SLO dashboard", () => {
    const slo = byUid(dashboardUids.slo("checkout"));

    test("never reads a raw metric over more than a day: SLO windows come from recorded series", () => {
        const day = 86400;
        for (const query of dashboardQueries(slo)) {
            for (const selector of promqlSelectors(query.expr)) {
                const recorded = /^(slo|service):/.test(selector.name ?? "");
                assert.ok(recorded || (selector.rangeSeconds ?? 0) <= day, `${query.panel}: ${query.expr} reads ${selector.name} over ${selector.rangeSeconds}s`);
            }
        }
        assert.equal(promqlSelectors("sum(rate(http_requests_total[30d]))")[0].rangeSeconds, 30 * day, "the range check itself must see raw 30-day ranges");
    });

    test("each SLO shows its SLI over the window, budget left, burn rates and alert state", () => {
        const exprs = dashboardQueries(slo).map((query) => query.expr);
        for (const name of ["availability", "latency"]) {
            const s = `service="checkout", slo="${name}"`;
            assert.ok(exprs.includes(`1 - slo:sli_error:ratio_rate30d{${s}}`), `no 30d SLI for ${name}`);
            assert.ok(exprs.includes(`slo:error_budget_remaining:ratio{${s}}`), `no budget for ${name}`);
            assert.ok(exprs.includes(`sum by (alertname, alertstate) (ALERTS{${s}})`), `no alert state for ${name}`);
            for (const window of ["1h", "5m", "6h", "30m", "1d", "2h", "3d"]) {
                assert.ok(exprs.includes(`slo:sli_error:ratio_rate${window}{${s}} / on(service, slo) slo:error_budget:ratio{${s}}`), `no ${window} burn rate for ${name}`);
            }
        }
    });

    test("burn-rate panels draw the alert factors and link to the burn-rate runbooks", () => {
        const fast = panel(slo, "Burn rate: FastBudgetBurn (critical)");
        assert.deepEqual((fast.fieldConfig?.defaults?.thresholds?.steps ?? []).map((step) => step.value), [null, 6, 14.4]);
        assert.ok(linkUrls(fast).includes(links.runbookUrl("FastBudgetBurn")));
        const slow = panel(slo, "Burn rate: SlowBudgetBurn (warning)");
        assert.deepEqual((slow.fieldConfig?.defaults?.thresholds?.steps ?? []).map((step) => step.value), [null, 1, 3]);
        assert.ok(linkUrls(slow).includes(links.runbookUrl("SlowBudgetBurn")));
    });
});

describe("overview and stack health", () => {
    test("the overview's SLO table reads each SLO's objective, window SLI, budget, 1h burn rate and alerts", () => {
        const table = panel(byUid(dashboardUids.overview()), "Service level objectives");
        const exprs = (table.targets ?? []).map((target) => target.expr);
        assert.deepEqual(exprs.slice(0, 4), [
            "slo:objective:ratio",
            "1 - (1 - slo:error_budget_remaining:ratio) * on(service, slo) slo:error_budget:ratio",
            "slo:error_budget_remaining:ratio",
            "slo:burn_rate:ratio_rate1h",
        ]);
        assert.match(exprs[4] ?? "", /ALERTS\{alertstate="firing", alertname!="Watchdog"\}/, "firing alerts, without the always-firing Watchdog");
    });

    test("stack health shows the scrape status of every deployed component, and only those", () => {
        const upQuery = (stack: StackConfig) => panel(json(renderDashboards(stack, [])[1]), "Components up").targets?.[0].expr ?? "";
        assert.match(upQuery(config), /job=~"prometheus\|alertmanager\|loki\|tempo\|otel-collector\|otel-agent\|grafana\|prometheus-operator\|prometheus-agent\|blackbox-exporter"/);
        const withoutAgent = loadStackConfig(rawConfig({ collector: { agentEnabled: false } }), { knownRunbooks: runbookNames() });
        assert.doesNotMatch(upQuery(withoutAgent), /otel-agent/);
        // Without the operator, neither it nor its agent nor the blackbox exporter runs, so none is shown.
        const withoutOperator = loadStackConfig(rawConfig({ operator: { enabled: false } }), { knownRunbooks: runbookNames() });
        assert.match(upQuery(withoutOperator), /job=~"prometheus\|alertmanager\|loki\|tempo\|otel-collector\|otel-agent\|grafana"\}/);
    });
});

describe("links", () => {
    test("every runbook link points at a runbook file and every dashboard link at a rendered dashboard", () => {
        const uids = new Set(dashboards.map((d) => d.uid));
        const servicesWithSlos = config.services.filter((service) => service.slos.length > 0).map((service) => service.name);
        for (const dashboard of dashboards) {
            // A table cell link holds the row's service; the SLO table only has rows for services with SLOs.
            const urls = clickableUrls(json(dashboard)).flatMap((url) => (url.includes("${__value.raw}") ? servicesWithSlos.map((name) => url.split("${__value.raw}").join(name)) : [url]));
            for (const url of urls) {
                if (url.startsWith(`${RUNBOOK_BASE}/`)) {
                    const file = url.slice(RUNBOOK_BASE.length + 1);
                    assert.ok(fs.existsSync(path.join(RUNBOOK_DIR, file)), `${dashboard.uid} links ${url}, but runbooks/${file} does not exist`);
                } else if (url.startsWith(`${GRAFANA}/d/`)) {
                    const uid = url.slice(`${GRAFANA}/d/`.length).split(/[?/]/)[0];
                    assert.ok(uids.has(uid), `${dashboard.uid} links ${url}, but no dashboard has uid ${uid}`);
                }
            }
        }
    });

    test("every alert the stack defines has a runbook dashboard", () => {
        const uids = new Set(dashboards.map((d) => d.uid));
        for (const alert of new Set(alertCatalog(config).map((definition) => definition.alert))) {
            assert.ok(uids.has(dashboardUids.runbook(alert)), `${alert} has no runbook dashboard`);
        }
    });
});

describe("runbooks", () => {
    for (const name of [...runbookNames()].sort()) {
        test(`${name}.md has every required section and diagnostic queries that parse`, () => {
            const runbook = parseRunbook(fs.readFileSync(path.join(RUNBOOK_DIR, `${name}.md`), "utf8"));
            assert.equal(runbook.alert, name);
            assert.ok(runbook.summary.length > 0, "no summary under the title");
            for (const section of REQUIRED_SECTIONS) {
                assert.ok((runbook.sections[section] ?? "").length > 0, `lacks "## ${section}"`);
            }
            assert.ok(runbook.queries.length >= 1, "no diagnostic query");
            for (const query of runbook.queries) {
                assert.equal(syntaxError(query.language, substituteVariables(query.expr, SERVICE_VALUES)), undefined, `${query.title}: ${query.expr}`);
            }
        });
    }

    test("a runbook missing a section or with a broken query is rejected, naming both problems", () => {
        const original = fs.readFileSync(path.join(RUNBOOK_DIR, "HighErrorRate.md"), "utf8");
        const broken = original.replace(/\n## Escalation[\s\S]*$/, "\n").replace('service:http_requests:rate5m{service="$service"}', 'service:http_requests:rate5m{service="$service"');
        assert.throws(
            () => parseRunbook(broken),
            (error: unknown) =>
                error instanceof RunbookError &&
                error.problems.some((problem) => problem.includes('"## Escalation"')) &&
                error.problems.some((problem) => problem.includes('"Request rate" does not parse')),
        );
    });

    test("a runbook dashboard shows the runbook's text and each diagnostic query live under its title", () => {
        const model = byUid(dashboardUids.runbook("HighErrorRate"));
        const variable = model.templating.list?.find((candidate) => candidate.name === "service");
        assert.ok(variable, "no $service variable");
        assert.equal(variable.query, "label_values(service)");
        assert.equal(variable.current?.value, "");
        const text = panelsOf(model).filter((candidate) => candidate.type === "text").map((candidate) => candidate.options?.content ?? "").join("\n");
        for (const section of ["Meaning", "Impact", "Likely causes", "Resolution", "Escalation"]) {
            assert.ok(text.includes(`## ${section}`), `the runbook text lacks ${section}`);
        }
        const kinds = (title: string) => {
            const found = panel(model, title);
            return `${found.type}/${found.targets?.[0].datasource?.type}`;
        };
        assert.equal(kinds("5xx ratio"), "timeseries/prometheus");
        assert.equal(kinds("Error logs per pod"), "timeseries/loki");
        assert.equal(kinds("Error log lines"), "logs/loki");
        assert.equal(kinds("Failed spans"), "table/tempo");
    });

    test("runbook dashboards of stack alerts offer the stack's components as $service", () => {
        const variable = byUid(dashboardUids.runbook("StackComponentDown")).templating.list?.find((candidate) => candidate.name === "service");
        assert.match(String(variable?.query), /^label_values\(up\{job=~"prometheus\|.*"\}, job\)$/);
    });
});
