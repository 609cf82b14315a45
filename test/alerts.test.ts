import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { alertCatalog } from "../alerts";
import { loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { StackConfig } from "../config/types";
import { readRunbooks } from "../io/runbooks";
import { BUILT_IN_ALERT_NAMES } from "../model/alerting";
import { ceil, exact, percent } from "../model/exact";
import { renderStack, ruleFiles } from "../render";
import { knownRunbooks, minimalRaw } from "./support/fixtures";
import { distributedRaw } from "./support/topology";

/** Expected values below are worked out by hand from the SRE Workbook's formula (factor = budget share × SLO window / long window). */

function problemsOf(services: unknown[]): string[] {
    try {
        loadStackConfig(minimalRaw({ services }), { knownRunbooks });
    } catch (error) {
        assert.ok(error instanceof ConfigErrors, `expected ConfigErrors, got ${error}`);
        return [...error.problems];
    }
    return [];
}

function alertsOf(config: StackConfig, service: string): { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string>; keep_firing_for?: string }[] {
    const file = ruleFiles(renderStack(config, readRunbooks())).find((f) => f.fileName === `service-${service}.yaml`);
    assert.ok(file, `no rule file for ${service}`);
    return YAML.parse(file.content).groups.flatMap((group: { rules: { alert?: string }[] }) => group.rules.filter((rule) => rule.alert));
}

function serviceConfig(service: Record<string, unknown>, values: Record<string, unknown> = {}): StackConfig {
    return loadStackConfig(minimalRaw({ services: [{ name: "checkout", ...service }], ...values }), { knownRunbooks });
}

function burnExprs(config: StackConfig, alert: string): string[] {
    return alertsOf(config, "checkout").filter((rule) => rule.alert === alert).map((rule) => rule.expr);
}

describe("exact numbers from config to rendered text", () => {
    test("a 700ms latency threshold on a 0.7 bucket renders le=\"0.7\"", () => {
        const config = serviceConfig({ histogramBuckets: [0.1, 0.7, 1], slos: [{ kind: "latency", percentile: 99, threshold: "700ms" }] });
        const text = ruleFiles(renderStack(config, readRunbooks())).map((file) => file.content).join("\n");
        assert.match(text, /le="0\.7"/);
        assert.doesNotMatch(text, /0\.7000000000000001|0\.6999999999999999/);
    });

    test("an objective of 99.999 is 99.999% in the alert text and 0.99999 / 0.00001 in the rules, never 100% or float noise", () => {
        const config = serviceConfig({ slos: [{ kind: "availability", objective: 99.999 }] });
        const text = ruleFiles(renderStack(config, readRunbooks())).map((file) => file.content).join("\n");
        assert.match(text, /vector\(0\.99999\)/);
        assert.match(text, /vector\(0\.00001\)/);
        assert.match(text, /checkout \(99\.999% availability over 30d\)/);
        assert.doesNotMatch(text, /100% availability|0\.9999899999|0\.99999000000/);
    });

    test("the one percent formatter", () => {
        assert.equal(percent(0.99999), "99.999%");
        assert.equal(percent(0.999), "99.9%");
        assert.equal(percent(0.07), "7%");
        assert.equal(percent(0.005), "0.5%");
        assert.equal(ceil(exact("69.4")), 70n);
        assert.equal(ceil(exact(70)), 70n);
    });
});

describe("burn-rate factors follow the SLO window (defaults: SRE Workbook shares 2%, 5%, 10%, 10%)", () => {
    test("30 days: 14.4x and 6x page, 3x and 1x open a ticket", () => {
        const config = serviceConfig({ slos: [{ kind: "availability", objective: 99.9, window: "30d" }] });
        const [fast] = burnExprs(config, "FastBudgetBurn");
        assert.match(fast, /slo:sli_error:ratio_rate1h\{service="checkout", slo="availability"\} \/ 0\.001 > 14\.4\)/);
        assert.match(fast, /slo:sli_error:ratio_rate6h\{service="checkout", slo="availability"\} \/ 0\.001 > 6\)/);
        const [slow] = burnExprs(config, "SlowBudgetBurn");
        assert.match(slow, /ratio_rate1d\{[^}]*\} \/ 0\.001 > 3\)/);
        assert.match(slow, /ratio_rate3d\{[^}]*\} \/ 0\.001 > 1\)/);
    });

    test("28 days: 13.44x, 5.6x, 2.8x and 14/15x, the last written as an exact fraction", () => {
        const config = serviceConfig({ slos: [{ kind: "availability", objective: 99.9, window: "28d" }] });
        const [fast] = burnExprs(config, "FastBudgetBurn");
        assert.match(fast, /ratio_rate1h\{[^}]*\} \/ 0\.001 > 13\.44\)/);
        assert.match(fast, /ratio_rate6h\{[^}]*\} \/ 0\.001 > 5\.6\)/);
        const [slow] = burnExprs(config, "SlowBudgetBurn");
        assert.match(slow, /ratio_rate1d\{[^}]*\} \/ 0\.001 > 2\.8\)/);
        assert.match(slow, /ratio_rate3d\{[^}]*\} \/ 0\.001 > \(14 \/ 15\)\)/);
    });

    test("7 and 90 days: 3.36x / 1.4x / 0.7x / 7/30x and 43.2x / 18x / 9x / 3x", () => {
        const [fast7] = burnExprs(serviceConfig({ slos: [{ kind: "availability", objective: 99.9, window: "7d" }] }), "FastBudgetBurn");
        assert.match(fast7, /> 3\.36\)[\s\S]*> 1\.4\)/);
        const [slow7] = burnExprs(serviceConfig({ slos: [{ kind: "availability", objective: 99.9, window: "7d" }] }), "SlowBudgetBurn");
        assert.match(slow7, /> 0\.7\)[\s\S]*> \(7 \/ 30\)\)/);
        const ninetyDays = serviceConfig({ slos: [{ kind: "availability", objective: 99.9, window: "90d" }] }, { prometheus: { retention: "90d" } });
        const [fast90] = burnExprs(ninetyDays, "FastBudgetBurn");
        assert.match(fast90, /> 43\.2\)[\s\S]*> 18\)/);
        const [slow90] = burnExprs(ninetyDays, "SlowBudgetBurn");
        assert.match(slow90, /> 9\)[\s\S]*> 3\)/);
    });

    test("the traffic guard is one bad request's worth: 70 requests for 99.9% at 14.4x, 167 at 6x, 334 at 3x, 1000 at 1x", () => {
        const config = serviceConfig({ slos: [{ kind: "availability", objective: 99.9 }] });
        const [fast] = burnExprs(config, "FastBudgetBurn");
        // The service's recorded request rates over each long window (alerts/rates.ts).
        assert.match(fast, /service:http_requests:rate1h\{[^}]*\} \* 3600 >= 70\)/);
        assert.match(fast, /service:http_requests:rate6h\{[^}]*\} \* 21600 >= 167\)/);
        const [slow] = burnExprs(config, "SlowBudgetBurn");
        assert.match(slow, /service:http_requests:rate1d\{[^}]*\} \* 86400 >= 334\)/);
        assert.match(slow, /service:http_requests:rate3d\{[^}]*\} \* 259200 >= 1000\)/);
    });

    test("minRequestsPerHour raises the guard where it is higher: 100 an hour is 2400 over 1d", () => {
        const config = serviceConfig({ slos: [{ kind: "availability", objective: 99.9 }], alerts: { minRequestsPerHour: 100 } });
        const [slow] = burnExprs(config, "SlowBudgetBurn");
        assert.match(slow, /rate1d\{[^}]*\} \* 86400 >= 2400\)/);
        const [fast] = burnExprs(config, "FastBudgetBurn");
        assert.match(fast, /rate1h\{[^}]*\} \* 3600 >= 100\)/);
    });
});

describe("a team's burn-rate policy in config", () => {
    test("page when the burn rate exceeds 5x over 1h (and 5m); tickets keep the defaults", () => {
        const config = serviceConfig({
            slos: [{ kind: "availability", objective: 99.9 }],
            alerts: { burnRatePolicy: { page: [{ long: "1h", short: "5m", factor: 5 }] } },
        });
        const [fast] = burnExprs(config, "FastBudgetBurn");
        assert.equal(
            fast,
            '(\n  (slo:sli_error:ratio_rate1h{service="checkout", slo="availability"} / 0.001 > 5)\n' +
                '  and (slo:sli_error:ratio_rate5m{service="checkout", slo="availability"} / 0.001 > 5)\n' +
                '  and on(service) (service:http_requests:rate1h{service="checkout"} * 3600 >= 200)\n)',
        );
        const [slow] = burnExprs(config, "SlowBudgetBurn");
        assert.match(slow, /> 3\)[\s\S]*> 1\)/);
    });

    test("budget shares of the team's own, with windows of its own that get recorded", () => {
        const config = serviceConfig({
            slos: [{ kind: "availability", objective: 99.9 }],
            alerts: { burnRatePolicy: { ticket: [{ long: "12h", short: "1h", budgetPercent: 5 }] } },
        });
        const [slow] = burnExprs(config, "SlowBudgetBurn");
        // 5% of 30 days spent in 12 hours: 0.05 × 720h / 12h = 3.
        assert.match(slow, /ratio_rate12h\{[^}]*\} \/ 0\.001 > 3\)/);
        const text = ruleFiles(renderStack(config, readRunbooks())).map((file) => file.content).join("\n");
        assert.match(text, /record: slo:sli_error:ratio_rate12h/);
        assert.match(text, /record: service:http_requests:rate12h/);
    });

    test("mistakes in a policy are named with their fix", () => {
        const problems = problemsOf([
            {
                name: "checkout",
                alerts: {
                    burnRatePolicy: {
                        page: [{ long: "5m", short: "1h", factor: 5 }, { long: "1h", short: "5m" }, { long: "1h", short: "5m", factor: 5, budgetPercent: 2 }],
                        ticket: [],
                        tiket: [],
                    },
                },
            },
        ]);
        const expected = [
            "services[0].alerts.burnRatePolicy.page[0].short: 1h is not shorter than long (5m)",
            "services[0].alerts.burnRatePolicy.page[1]: needs exactly one of budgetPercent",
            "services[0].alerts.burnRatePolicy.page[2]: needs exactly one of budgetPercent",
            "services[0].alerts.burnRatePolicy.ticket: is empty",
            "services[0].alerts.burnRatePolicy.tiket",
        ];
        for (const fragment of expected) {
            assert.ok(problems.some((problem) => problem.startsWith(fragment)), `expected "${fragment}" in:\n${problems.join("\n")}`);
        }
        assert.ok(problemsOf([{ name: "checkout", alerts: { burnRatePolicy: { page: [{ long: "8d", short: "1h", factor: 5 }] } } }]).some((p) => p.startsWith("services[0].alerts.burnRatePolicy.page[0].long: 8d is outside 5m..7d")));
        assert.ok(problemsOf([{ name: "checkout", alerts: { burnRatePolicy: { page: [{ long: "1h", short: "5m", factor: 0 }] } } }]).some((p) => p.startsWith("services[0].alerts.burnRatePolicy.page[0].factor: 0 is outside 0.01..1000")));
    });
});

describe("severity words", () => {
    test("saturation alerts take critical, warning or info; page and ticket stay accepted as critical and warning", () => {
        const severities = ["critical", "warning", "info", "page", "ticket"].map((severity) => {
            const config = serviceConfig({
                saturation: [{ name: "db_connection_pool", query: "vector(0.5)", alert: "DBConnectionPoolExhaustion", severity }],
            });
            return alertsOf(config, "checkout").find((rule) => rule.alert === "DBConnectionPoolExhaustion")?.labels.severity;
        });
        assert.deepEqual(severities, ["critical", "warning", "info", "critical", "warning"]);
        assert.ok(problemsOf([{ name: "checkout", saturation: [{ name: "db", query: "vector(1)", alert: "DBConnectionPoolExhaustion", severity: "urgent" }] }]).some((p) => p.startsWith('services[0].saturation[0].severity: "urgent" is not one of critical, warning, info')));
    });
});

describe("built-in alert names live in the model", () => {
    test("the list config validation uses is exactly the set of alerts the renderers define", () => {
        const config = serviceConfig({
            discovery: { kind: "scrape", selector: { app: "checkout" }, port: "http" },
            slos: [{ kind: "availability", objective: 99.9 }, { kind: "latency", percentile: 95, threshold: "1s" }],
        });
        // A job worker with a queue-lag query brings the one built-in alert HTTP services lack (JobQueueLagging).
        const worker = serviceConfig({ name: "transcoder", conventions: { preset: "otel-messaging", queueLagQuery: "max(queue_oldest_age_seconds)" } });
        // The ready-made log alerts (evaluated by Loki's ruler) are built-in names too.
        const logs = serviceConfig({ name: "logs", logAlerts: [{ preset: "errors" }, { preset: "timeouts" }] });
        // The distributed topology brings the built-in alerts the single one lacks (StackTierDown, PrometheusRemoteWriteFailing).
        const distributed = loadStackConfig(distributedRaw(), { knownRunbooks });
        // etcd's alerts exist only where its metrics listeners are named (cluster.etcdTargets).
        const withEtcd = loadStackConfig(minimalRaw({ cluster: { etcdTargets: ["10.0.0.10:2381"] } }), { knownRunbooks });
        assert.deepEqual(new Set([...alertCatalog(config), ...alertCatalog(worker), ...alertCatalog(logs), ...alertCatalog(distributed), ...alertCatalog(withEtcd)].map((alert) => alert.alert)), BUILT_IN_ALERT_NAMES);
    });

    test("the rule evaluator's alerts watch Prometheus in the single topology and Mimir's ruler in the distributed one, under the same names", () => {
        const stackRules = (config: StackConfig) => {
            const file = ruleFiles(renderStack(config, readRunbooks())).find((f) => f.fileName === "stack.yaml");
            assert.ok(file, "no stack rule file");
            const rules: { alert?: string; expr: string; labels: Record<string, string> }[] = YAML.parse(file.content).groups.flatMap((group: { rules: unknown[] }) => group.rules);
            return new Map(rules.filter((rule) => rule.alert).map((rule) => [rule.alert, rule]));
        };
        const single = stackRules(serviceConfig({}));
        const distributed = stackRules(loadStackConfig(distributedRaw(), { knownRunbooks }));
        // Prometheus evaluates and notifies in single; in distributed it evaluates nothing and Mimir's ruler
        // exports the same counters as cortex_prometheus_* (grafana/mimir pkg/ruler/manager_metrics.go, manager.go).
        for (const [alert, singleMetric, rulerMetric] of [
            ["PrometheusRuleEvaluationFailures", "prometheus_rule_evaluation_failures_total", "cortex_prometheus_rule_evaluation_failures_total"],
            ["PrometheusNotificationsFailing", "prometheus_notifications_errors_total", "cortex_prometheus_notifications_errors_total"],
        ]) {
            assert.equal(single.get(alert)?.labels.service, "prometheus", `${alert} in single`);
            assert.match(single.get(alert)?.expr ?? "", new RegExp(`(^|[^_])${singleMetric}`), `${alert} in single`);
            assert.doesNotMatch(single.get(alert)?.expr ?? "", /cortex_/, `${alert} in single`);
            assert.equal(distributed.get(alert)?.labels.service, "mimir", `${alert} in distributed`);
            assert.match(distributed.get(alert)?.expr ?? "", new RegExp(rulerMetric), `${alert} in distributed`);
            assert.doesNotMatch(distributed.get(alert)?.expr ?? "", /(^|[^_])prometheus_(rule|notifications)_/, `${alert} in distributed reads Prometheus's own counters, which stay at 0 there`);
        }
        // Only the distributed Prometheus remote-writes (to Mimir).
        assert.equal(single.has("PrometheusRemoteWriteFailing"), false);
        assert.equal(distributed.get("PrometheusRemoteWriteFailing")?.labels.severity, "critical");
    });

    test("a saturation alert named like a built-in one is refused, LatencyCollapse included", () => {
        const problems = problemsOf([{ name: "checkout", saturation: [{ name: "db", query: "vector(1)", alert: "LatencyCollapse" }] }]);
        assert.ok(problems.some((p) => p.startsWith("services[0].saturation[0].alert: LatencyCollapse is a built-in alert")), problems.join("\n"));
    });
});
