/**
 * `topology.tenants`: what a stack with tenants renders, and what its config refuses. Expected
 * values are written by hand from the engines' documentation: Loki `auth_enabled` and the runtime
 * config's `overrides`, Tempo `multitenancy_enabled` and `overrides.per_tenant_override_config` (scoped
 * format: `ingestion.rate_limit_bytes`), Mimir `multitenancy_enabled`, `tenant_federation.enabled`
 * and `runtime_config.file`, Grafana's `httpHeaderName1` / `secureJsonData.httpHeaderValue1`, and
 * Prometheus' `remote_write` `headers` and `write_relabel_configs`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { readRunbooks } from "../io/runbooks";
import { renderStack } from "../render";
import { configProblems, knownRunbooks } from "./support/fixtures";
import { distributedRaw, s3 } from "./support/topology";

const SERVICES = [
    {
        name: "checkout",
        team: "payments",
        slos: [{ kind: "availability", objective: 99.9 }],
        logAlerts: [{ preset: "errors", threshold: 20 }],
    },
    { name: "search", team: "discovery", slos: [{ kind: "availability", objective: 99.5 }] },
    {
        name: "storefront",
        team: "web",
        slos: [{ kind: "availability", objective: 99.9 }],
        logAlerts: [{ preset: "errors", threshold: 5 }],
    },
];

function topology(extra: Record<string, unknown>) {
    return { mode: "distributed", mimir: { storage: s3("metrics") }, ...extra };
}

const TENANTS = {
    payments: { teams: ["payments"], limits: { logsMBPerSecond: 8, tracesMBPerSecond: 4, samplesPerSecond: 50000, maxSeries: 300000 } },
    "discovery-eu": { teams: ["discovery"], limits: { samplesPerSecond: 20000 } },
};

function tenantStack(extra: Record<string, unknown> = {}) {
    return loadStackConfig(distributedRaw({ services: SERVICES, topology: topology({ tenants: TENANTS, ...extra }) }), { knownRunbooks });
}

function errorsOf(values: Record<string, unknown>, raw = distributedRaw(values)): string[] {
    return configProblems(raw);
}

describe("topology.tenants: validation names the key and the fix", () => {
    test("a team that owns no service and has no alertmanager.teams entry is refused by its list entry", () => {
        const problems = errorsOf({ services: SERVICES, topology: topology({ tenants: { payments: { teams: ["payment"] } } }) });
        assert.deepEqual(problems, ['topology.tenants.payments.teams[0]: team "payment" owns no service and has no alertmanager.teams entry; known teams: discovery, payments, web']);
    });

    test("a tenant id the engines refuse (a | joins tenants in cross-tenant reads) is refused", () => {
        const problems = errorsOf({ services: SERVICES, topology: topology({ tenants: { "payments|web": { teams: ["payments"] } } }) });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^topology\.tenants\.payments\|web: "payments\|web" is not a tenant id the engines accept: up to 150 letters, digits and ! - _ \. \* ' \( \), not \. or \.\./);
        assert.match(errorsOf({ services: SERVICES, topology: topology({ tenants: { "..": { teams: ["payments"] } } }) })[0], /^topology\.tenants\.\.\.: "\.\." is not a tenant id/);
        assert.match(errorsOf({ services: SERVICES, topology: topology({ tenants: { __mimir_cluster: { teams: ["payments"] } } }) })[0], /^topology\.tenants\.__mimir_cluster: "__mimir_cluster" is not a tenant id .* nor __mimir_cluster \(Mimir's own\)/);
        assert.match(errorsOf({ services: SERVICES, topology: topology({ tenants: { payments: { teams: ["payments"] } }, defaultTenant: "a b" }) })[0], /^topology\.defaultTenant: "a b" is not a tenant id/);
    });

    test("a team in two tenants is refused at its second place", () => {
        const problems = errorsOf({ services: SERVICES, topology: topology({ tenants: { payments: { teams: ["payments"] }, shop: { teams: ["web", "payments"] } } }) });
        assert.deepEqual(problems, ['topology.tenants.shop.teams[1]: team "payments" is already in tenant payments; a team\'s data goes to one tenant']);
    });

    test("a tenant without teams, and limits that are not positive, are refused", () => {
        const problems = errorsOf({ services: SERVICES, topology: topology({ tenants: { payments: { limits: { samplesPerSecond: 0, logsMBPerSecond: "fast" } } } }) });
        assert.deepEqual(problems.sort(), [
            'topology.tenants.payments.limits.logsMBPerSecond: expected a number, got "fast"; a positive number, e.g. 8',
            "topology.tenants.payments.limits.samplesPerSecond: 0 is outside 1..∞; a positive whole number, e.g. 100000",
            "topology.tenants.payments.teams: is required: the teams whose services write to tenant payments, e.g. teams: [payments]",
        ]);
    });

    test("tenants in the single topology are refused with the reason", () => {
        const problems = errorsOf({}, {
            stack: "dev",
            values: { runbookBaseUrl: "https://example.com/runbooks", services: SERVICES, topology: { mode: "single", tenants: { payments: { teams: ["payments"] } } } },
            secretKeys: new Set(),
        });
        assert.deepEqual(problems, [
            "topology.tenants: only applies with topology mode distributed (here single) (the monolithic Loki and Tempo and Prometheus keep one tenant: there is no Mimir to isolate metrics); remove it or set topology.mode: distributed",
        ]);
    });

    test("defaultTenant alone, without tenants, is refused", () => {
        assert.deepEqual(errorsOf({ services: SERVICES, topology: topology({ defaultTenant: "platform" }) }), [
            "topology.defaultTenant: only applies with topology.tenants; add the tenants (e.g. tenants: { payments: { teams: [payments] } }) or remove it",
        ]);
    });

    test("without tenants the distributed topology stays single-tenant", () => {
        const config = loadStackConfig(distributedRaw({ services: SERVICES }), { knownRunbooks });
        assert.ok(config.topology.kind === "distributed" && config.topology.tenancy === undefined);
        const rendered = renderStack(config, readRunbooks());
        assert.equal(YAML.parse(rendered.topology!.mimir.config).multitenancy_enabled, false);
        assert.equal(YAML.parse(rendered.topology!.loki.config).auth_enabled, false);
        assert.equal(YAML.parse(rendered.topology!.tempo.config).multitenancy_enabled, undefined);
        assert.equal(rendered.topology!.mimir.overrides, undefined);
    });
});

describe("topology.tenants: the engines run multi-tenant with per-tenant limits", () => {
    const rendered = renderStack(tenantStack(), readRunbooks());
    const topo = rendered.topology!;

    test("Loki requires a tenant, reads its limits from the runtime file, and serves cross-tenant queries", () => {
        const loki = YAML.parse(topo.loki.config);
        assert.equal(loki.auth_enabled, true);
        assert.deepEqual(loki.runtime_config, { file: "/etc/lgtm/loki/overrides.yaml" });
        assert.deepEqual(loki.querier, { multi_tenant_queries_enabled: true });
        // 8 MB/s for payments, burst two seconds of it; discovery-eu and platform set no log limit.
        assert.deepEqual(YAML.parse(topo.loki.overrides!), { overrides: { payments: { ingestion_rate_mb: 8, ingestion_burst_size_mb: 16 } } });
    });

    test("Tempo requires a tenant and reads per-tenant ingestion limits in bytes", () => {
        const tempo = YAML.parse(topo.tempo.config);
        assert.equal(tempo.multitenancy_enabled, true);
        assert.equal(tempo.overrides.per_tenant_override_config, "/etc/lgtm/tempo/overrides.yaml");
        // The span-metrics processors for every tenant stay where they were.
        assert.deepEqual(tempo.overrides.defaults, { metrics_generator: { processors: ["service-graphs", "span-metrics", "local-blocks"] } });
        assert.deepEqual(YAML.parse(topo.tempo.overrides!), { overrides: { payments: { ingestion: { rate_limit_bytes: 4000000, burst_size_bytes: 8000000 } } } });
    });

    test("Mimir requires a tenant, federates reads across tenants, and limits each tenant's samples and series", () => {
        const mimir = YAML.parse(topo.mimir.config);
        assert.equal(mimir.multitenancy_enabled, true);
        assert.deepEqual(mimir.tenant_federation, { enabled: true });
        assert.deepEqual(mimir.runtime_config, { file: "/etc/lgtm/mimir/overrides.yaml" });
        assert.deepEqual(YAML.parse(topo.mimir.overrides!), {
            overrides: {
                "discovery-eu": { ingestion_rate: 20000, ingestion_burst_size: 40000 },
                payments: { ingestion_rate: 50000, ingestion_burst_size: 100000, max_global_series_per_user: 300000 },
            },
        });
    });

    test("Prometheus writes each tenant's services' series under its tenant, and everything else under the default tenant", () => {
        const prometheus = YAML.parse(rendered.workloads.prometheus.config);
        const url = "http://mimir-distributor.observability.svc.cluster.local:8080/api/v1/push";
        assert.deepEqual(prometheus.remote_write, [
            {
                url,
                name: "tenant-discovery-eu",
                headers: { "X-Scope-OrgID": "discovery-eu" },
                send_exemplars: true,
                write_relabel_configs: [{ source_labels: ["service", "service_name"], separator: ";", regex: "(?:search);.*|.*;(?:search)", action: "keep" }],
            },
            {
                url,
                name: "tenant-payments",
                headers: { "X-Scope-OrgID": "payments" },
                send_exemplars: true,
                write_relabel_configs: [{ source_labels: ["service", "service_name"], separator: ";", regex: "(?:checkout);.*|.*;(?:checkout)", action: "keep" }],
            },
            {
                url,
                name: "tenant-platform",
                headers: { "X-Scope-OrgID": "platform" },
                send_exemplars: true,
                write_relabel_configs: [{ source_labels: ["service", "service_name"], separator: ";", regex: "(?:search|checkout);.*|.*;(?:search|checkout)", action: "drop" }],
            },
        ]);
    });
});

describe("topology.tenants: Grafana reads each tenant through its own datasources", () => {
    const rendered = renderStack(tenantStack(), readRunbooks());

    test("the stack-wide datasources read every tenant; each tenant gets Prometheus, Loki and Tempo of its own, linked among themselves", () => {
        const byUid = new Map(rendered.datasources.map((d) => [d.uid, d]));
        assert.deepEqual(
            rendered.datasources.map((d) => `${d.name} ${d.uid}`),
            [
                "Prometheus lgtm-prometheus",
                "Loki lgtm-loki",
                "Tempo lgtm-tempo",
                "Alertmanager lgtm-alertmanager",
                "Prometheus (discovery-eu) lgtm-prometheus-discovery-eu",
                "Loki (discovery-eu) lgtm-loki-discovery-eu",
                "Tempo (discovery-eu) lgtm-tempo-discovery-eu",
                "Prometheus (payments) lgtm-prometheus-payments",
                "Loki (payments) lgtm-loki-payments",
                "Tempo (payments) lgtm-tempo-payments",
                "Prometheus (platform) lgtm-prometheus-platform",
                "Loki (platform) lgtm-loki-platform",
                "Tempo (platform) lgtm-tempo-platform",
            ],
        );
        const stackWide = byUid.get("lgtm-prometheus")!;
        assert.equal(stackWide.isDefault, true);
        assert.equal(stackWide.jsonData.httpHeaderName1, "X-Scope-OrgID");
        assert.deepEqual(stackWide.secureJsonData, { httpHeaderValue1: "discovery-eu|payments|platform" });
        assert.equal(byUid.get("lgtm-alertmanager")!.secureJsonData, undefined, "the Alertmanager is not multi-tenant");
        const payments = byUid.get("lgtm-tempo-payments")!;
        assert.equal(payments.isDefault, false);
        assert.equal(payments.url, "http://tempo-query-frontend.observability.svc.cluster.local:3200");
        assert.equal(payments.jsonData.httpHeaderName1, "X-Scope-OrgID");
        assert.deepEqual(payments.secureJsonData, { httpHeaderValue1: "payments" });
        assert.equal((payments.jsonData.tracesToLogsV2 as { datasourceUid: string }).datasourceUid, "lgtm-loki-payments");
        assert.deepEqual(payments.jsonData.serviceMap, { datasourceUid: "lgtm-prometheus-payments" });
        assert.deepEqual((byUid.get("lgtm-prometheus-payments")!.jsonData.exemplarTraceIdDestinations as unknown[])[0], { name: "trace_id", datasourceUid: "lgtm-tempo-payments", urlDisplayLabel: "View trace" });
    });

    test("the provisioning file carries the tenant in secureJsonData", () => {
        const file = YAML.parse(rendered.grafana.datasourcesFile.content);
        const loki = file.datasources.find((d: { uid: string }) => d.uid === "lgtm-loki-discovery-eu");
        assert.deepEqual(loki.secureJsonData, { httpHeaderValue1: "discovery-eu" });
        assert.equal(loki.jsonData.httpHeaderName1, "X-Scope-OrgID");
    });

    test("a team's dashboards use its tenant's datasources only; the overview keeps the stack-wide ones", () => {
        const uidsIn = (model: object) => [...new Set([...JSON.stringify(model).matchAll(/"(?:uid|datasourceUid)":"(lgtm-(?:prometheus|loki|tempo)[^"]*)"/g)].map((m) => m[1]))].sort();
        const checkout = rendered.services.find((s) => s.name === "checkout")!;
        assert.ok(checkout.dashboards.length >= 2);
        for (const dashboard of checkout.dashboards) {
            assert.ok(uidsIn(dashboard.model).length > 0);
            assert.ok(uidsIn(dashboard.model).every((uid) => uid.endsWith("-payments")), `${dashboard.uid}: ${uidsIn(dashboard.model).join(", ")}`);
        }
        // The same dashboards reach Grafana from checkout's templates (test/serviceDashboards.test.ts expands them).
        const maps = rendered.grafana.serviceDashboards.configMaps;
        const index = maps.find((map) => map.name === "grafana-dashboard-index")!.data["index.txt"].split("\n").map((line) => line.split(" "));
        const templates = index.filter(([, , service]) => service === "checkout").map(([, template]) => maps.find((map) => template in map.data)!.data[template]);
        assert.equal(templates.length, 2);
        assert.ok(templates.every((template) => template.includes('"uid": "lgtm-prometheus-payments"') && !template.includes('"uid": "lgtm-prometheus"')));
        const storefront = rendered.services.find((s) => s.name === "storefront")!;
        assert.ok(storefront.dashboards.every((d) => uidsIn(d.model).every((uid) => uid.endsWith("-platform"))));
        const overview = rendered.stackDashboards[0];
        assert.ok(uidsIn(overview.model).includes("lgtm-prometheus"));
        assert.ok(uidsIn(overview.model).every((uid) => !uid.includes("-payments")));
    });
});

describe("topology.tenants: the rulers evaluate each team's rules in its tenant", () => {
    const rendered = renderStack(tenantStack(), readRunbooks());

    test("Mimir's ruler: a folder per tenant with its services' rule files; the stack's own rules and PrometheusRules in the default tenant's", () => {
        assert.deepEqual(rendered.topology!.rulerTenants!.mimir, [
            { tenant: "discovery-eu", key: "discovery-eu", sources: [{ configMap: "prometheus-rules", keys: ["service-search.yaml"] }], operatorRules: false },
            { tenant: "payments", key: "payments", sources: [{ configMap: "prometheus-rules", keys: ["service-checkout.yaml"] }], operatorRules: false },
            { tenant: "platform", key: "platform", sources: [{ configMap: "prometheus-rules", keys: ["service-storefront.yaml", "stack.yaml"] }], operatorRules: true },
        ]);
    });

    test("Loki's ruler: log alerts in their service's tenant; a tenant without log alerts gets no folder", () => {
        assert.deepEqual(rendered.topology!.rulerTenants!.loki, [
            { tenant: "payments", key: "payments", sources: [{ configMap: "loki-rules", keys: ["service-checkout.yaml"] }], operatorRules: false },
            { tenant: "platform", key: "platform", sources: [{ configMap: "loki-rules", keys: ["service-storefront.yaml"] }], operatorRules: false },
        ]);
    });

    test("with several rule shards, a tenant's files are taken from the shard each service hashes to", () => {
        const sharded = renderStack(loadStackConfig(distributedRaw({ services: SERVICES, prometheus: { configMapShards: 3 }, topology: topology({ tenants: TENANTS }) }), { knownRunbooks }), readRunbooks());
        const shardOf = new Map(sharded.services.map((s) => [s.name, s.configMaps.rules]));
        const payments = sharded.topology!.rulerTenants!.mimir.find((t) => t.tenant === "payments")!;
        assert.deepEqual(payments.sources, [{ configMap: shardOf.get("checkout"), keys: ["service-checkout.yaml"] }]);
        const platform = sharded.topology!.rulerTenants!.mimir.find((t) => t.tenant === "platform")!;
        // The stack's file always lives in the first shard, prometheus-rules.
        assert.ok(platform.sources.some((s) => s.configMap === "prometheus-rules" && s.keys.includes("stack.yaml")));
    });

    test("a tenant id that is no DNS label names its volumes by a hash, and keeps its own folder name", () => {
        const config = loadStackConfig(distributedRaw({ services: SERVICES, topology: topology({ tenants: { "Payments.EU": { teams: ["payments"] } } }) }), { knownRunbooks });
        const folder = renderStack(config, readRunbooks()).topology!.rulerTenants!.mimir.find((t) => t.tenant === "Payments.EU")!;
        assert.match(folder.key, /^t[0-9a-f]{8}$/);
    });
});

describe("topology.tenants with the Prometheus Operator", () => {
    test("the services keep their rule files in the stack's ConfigMaps for the tenants' ruler folders; the agent writes other charts' series to the default tenant", () => {
        const rendered = renderStack(tenantStack(), readRunbooks());
        // No PrometheusRule: one set of operator ConfigMaps could not be split into the tenants' folders.
        assert.deepEqual(rendered.services.map((service) => [service.name, service.prometheusRule, service.configMaps.rules]), [
            ["checkout", undefined, "prometheus-rules"],
            ["search", undefined, "prometheus-rules"],
            ["storefront", undefined, "prometheus-rules"],
        ]);
        // Mimir refuses a write without X-Scope-OrgID once multitenancy is on; platform is the default tenant.
        assert.deepEqual(rendered.operator!.agentSpec.remoteWrite, [{ url: "http://mimir-distributor.observability.svc.cluster.local:8080/api/v1/push", headers: { "X-Scope-OrgID": "platform" } }]);
        // Only the reserve: no service's rules go through the operator.
        assert.equal(rendered.operator!.ruleConfigMaps.length, 8);
    });
});
