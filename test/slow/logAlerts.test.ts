/**
 * Log-based alerts (`logAlerts`): the rule file Loki's ruler evaluates, written out by hand; every
 * rendered expression parsed with the LogQL grammar Grafana uses; the ruler's place in loki.yaml
 * (single and distributed); routing of a log alert's own labels by the real amtool; the refusals;
 * and, under mocks, the rule ConfigMap where the ruler reads it.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { ConfigErrors } from "../../config/reader";
import { readRunbooks } from "../../io/runbooks";
import { isLogqlMetricQuery, syntaxError } from "../../model/queryGrammar";
import { renderStack } from "../../render";
import { renderAlertmanagerConfig } from "../../render/alertmanager";
import { toYaml } from "../../render/yaml";
import { run, toolPath } from "../../scripts/dev";
import { knownRunbooks, loadStack, minimalRaw } from "../support/fixtures";
import { ofType, runStack } from "../support/mocks";
import { distributedRaw, distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";

const ERRORS = '| detected_level=~"(?i)error|fatal|critical" or severity_text=~"(?i)(error|fatal|critical).*" or level=~"(?i)error|fatal|critical"';
const CHECKOUT = {
    name: "checkout",
    team: "payments",
    logAlerts: [
        { preset: "errors", threshold: 20 },
        { alert: "DBConnectionPoolExhaustion", expr: 'sum(count_over_time({service_name="checkout"} |~ "(?i)too many connections" [5m])) > 0', for: "2m", severity: "critical", summary: "checkout cannot get database connections" },
    ],
};
const SECRETS = ["pagerdutyRoutingKey", "slackWebhookUrl"];
const load = (services: unknown[]) => loadStackConfig(minimalRaw({ services, ...Object.fromEntries(SECRETS.map((k) => [k, "<secret>"])) }, SECRETS), { knownRunbooks });

function problemsOf(services: unknown[]): string[] {
    try {
        load(services);
    } catch (error) {
        if (error instanceof ConfigErrors) return [...error.problems];
        throw error;
    }
    assert.fail("expected the config to be refused");
}

describe("log alerts: the rule file Loki's ruler evaluates", () => {
    test("a ready-made error-log alert and one of the service's own, with every label and link spelled out", () => {
        const rendered = renderStack(load([CHECKOUT]), readRunbooks());
        assert.deepEqual(Object.keys(rendered.lokiRules), ["service-checkout.yaml"]);
        assert.deepEqual(YAML.parse(rendered.lokiRules["service-checkout.yaml"]), {
            groups: [
                {
                    name: "checkout-logs",
                    rules: [
                        {
                            alert: "ServiceErrorLogs",
                            expr: `sum(count_over_time({service_name="checkout"} ${ERRORS} [5m])) > 20`,
                            for: "5m",
                            labels: { severity: "warning", service: "checkout", team: "payments" },
                            annotations: {
                                summary: "checkout logs more than 20 error records per 5m",
                                description: "{{ $value }} error records in the logs of checkout over the last 5m (threshold 20).",
                                runbook_url: "https://example.com/runbooks/ServiceErrorLogs.md",
                                runbook_dashboard_url: "http://localhost:3000/d/rb-service-error-logs?var-service=checkout",
                                dashboard_url: "http://localhost:3000/d/checkout-golden?var-service=checkout",
                            },
                        },
                        {
                            alert: "DBConnectionPoolExhaustion",
                            expr: 'sum(count_over_time({service_name="checkout"} |~ "(?i)too many connections" [5m])) > 0',
                            for: "2m",
                            labels: { severity: "critical", service: "checkout", team: "payments" },
                            annotations: {
                                summary: "checkout cannot get database connections",
                                description: "The LogQL alert DBConnectionPoolExhaustion on the logs of checkout holds, with value {{ $value }}.",
                                runbook_url: "https://example.com/runbooks/DBConnectionPoolExhaustion.md",
                                runbook_dashboard_url: "http://localhost:3000/d/rb-db-connection-pool-exhaustion?var-service=checkout",
                                dashboard_url: "http://localhost:3000/d/checkout-golden?var-service=checkout",
                            },
                        },
                    ],
                },
            ],
        });
        // Nothing of it in Prometheus' rule files: Prometheus cannot evaluate LogQL.
        assert.doesNotMatch(rendered.services[0].ruleFile!.content, /ServiceErrorLogs|count_over_time/);
    });

    test("the dev stack's log alerts parse with the LogQL grammar and are metric queries", () => {
        const rendered = renderStack(loadStack("dev"), readRunbooks());
        const rules = Object.values(rendered.lokiRules).flatMap((file) => YAML.parse(file).groups.flatMap((g: { rules: { alert: string; expr: string }[] }) => g.rules));
        assert.deepEqual(rules.map((r) => r.alert), ["ServiceErrorLogs", "ServiceTimeoutLogs"]);
        for (const rule of rules) {
            assert.equal(syntaxError("logql", rule.expr), undefined, `${rule.alert}: ${rule.expr}`);
            assert.ok(isLogqlMetricQuery(rule.expr), `${rule.alert} is a metric query`);
        }
        assert.equal(rules[1].expr, 'sum(count_over_time({service_name="api"} |~ "(?i)timeout|timed out|deadline exceeded|slow query" [5m])) > 10');
    });

    test("what cannot be an alert is refused with the key and the fix", () => {
        const problems = problemsOf([
            {
                name: "checkout",
                saturation: [{ name: "db_pool", query: "vector(0.5)", alert: "DBConnectionPoolExhaustion" }],
                logAlerts: [
                    { alert: "DBConnectionPoolExhaustion", expr: 'sum(count_over_time({service_name="checkout"} [5m])) > 0' },
                    { alert: "PaymentProviderDeclines", expr: '{service_name="checkout"} |= "declined"' },
                    { alert: "HighErrorRate", expr: 'sum(count_over_time({service_name="checkout"}[5m])) > 1' },
                    { alert: "BadQuery", expr: 'sum(count_over_time({service_name="checkout" [5m]))' },
                    { preset: "errors", expr: "x" },
                    { preset: "errors" },
                    { threshold: 3, alert: "X1", expr: "y" },
                ],
            },
        ]);
        assert.deepEqual(problems, [
            "services[0].logAlerts[0].alert: DBConnectionPoolExhaustion is already defined by services[0].saturation[0]; give each alert of a service its own name",
            "services[0].logAlerts[1].alert: PaymentProviderDeclines has no runbook; add runbooks/PaymentProviderDeclines.md (copy the sections of an existing runbook)",
            'services[0].logAlerts[1].expr: is a log query, which returns lines, not a number to alert on; count them, e.g. sum(count_over_time({service_name="checkout"} |= "declined" [5m])) > 0',
            "services[0].logAlerts[2].alert: HighErrorRate is an alert of the stack's own; name yours differently (ready-made log alerts are written as preset: errors or timeouts)",
            "services[0].logAlerts[3].alert: BadQuery has no runbook; add runbooks/BadQuery.md (copy the sections of an existing runbook)",
            `services[0].logAlerts[3].expr: is not valid LogQL: ${syntaxError("logql", 'sum(count_over_time({service_name="checkout" [5m]))')}`,
            "services[0].logAlerts[4].expr: does not apply to a ready-made log alert (preset); remove it, or drop preset and write your own alert and expr",
            "services[0].logAlerts[5].preset: ServiceErrorLogs is already defined by services[0].logAlerts[4]; give each alert of a service its own name",
            "services[0].logAlerts[6].threshold: only applies with preset; remove it",
            "services[0].logAlerts[6].alert: X1 has no runbook; add runbooks/X1.md (copy the sections of an existing runbook)",
            'services[0].logAlerts[6].expr: is not valid LogQL: logql syntax error at offset 0 (near "y")',
        ]);
    });
});

describe("log alerts: Loki's ruler", () => {
    /** The ruler block both topologies share, as the Loki reference's `ruler` section names the keys. */
    const RULER = {
        storage: { type: "local", local: { directory: "/loki-rules" } },
        rule_path: "/var/loki/ruler",
        wal: { dir: "/var/loki/ruler-wal" },
        evaluation_interval: "30s",
        alertmanager_url: "http://_http._tcp.alertmanager-peers.observability.svc.cluster.local",
        enable_alertmanager_discovery: true,
        external_url: "http://localhost:3000",
    };

    test("single: the monolith's ruler reads the rule folder, evaluates at Prometheus' interval and sends to every Alertmanager", () => {
        const loki = YAML.parse(renderStack(loadStack("dev"), readRunbooks()).workloads.loki.config);
        assert.deepEqual(loki.ruler, RULER);
    });

    test("distributed: a ruler tier, sharded over its ring, evaluating through the query-frontends", () => {
        const topology = renderStack(loadStackConfig(distributedRaw(), { knownRunbooks }), readRunbooks()).topology!;
        const loki = YAML.parse(topology.loki.config);
        assert.deepEqual(loki.ruler, {
            ...RULER,
            enable_sharding: true,
            ring: { kvstore: { store: "memberlist" } },
            evaluation: { mode: "remote", query_frontend: { address: "dns:///loki-query-frontend-headless.observability.svc.cluster.local:9095" } },
        });
        const ruler = topology.loki.tiers.find((tier) => tier.name === "ruler")!;
        assert.deepEqual([ruler.target, ruler.kind, ruler.replicas], ["ruler", "stateless", 2]);
        assert.ok(ruler.args.includes("-target=ruler"), ruler.args.join(" "));
    });
});

describe("log alerts: routed by our Alertmanager like every alert (real amtool)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-log-alerts-"));
    const config = load([CHECKOUT]);
    const file = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(file, toYaml(renderAlertmanagerConfig(config)));
    const rules = YAML.parse(renderStack(config, readRunbooks()).lokiRules["service-checkout.yaml"]).groups[0].rules as { alert: string; labels: Record<string, string> }[];
    // The labels are the rendered rule's own; the receivers are the documented severity mapping.
    const cases: [string, string][] = [
        ["ServiceErrorLogs", "slack"],
        ["DBConnectionPoolExhaustion", "pagerduty"],
    ];
    for (const [alert, receiver] of cases) {
        test(`${alert} (${receiver === "slack" ? "warning" : "critical"}) reaches ${receiver}`, () => {
            const rule = rules.find((r) => r.alert === alert)!;
            const labels = [`alertname=${rule.alert}`, ...Object.entries(rule.labels).map(([key, value]) => `${key}=${value}`)];
            const result = run(toolPath("amtool"), ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]);
            assert.equal(result.code, 0, result.output);
        });
    }
});

describe("log alerts under mocks", () => {
    test("single: the rule ConfigMap is mounted where the monolith's ruler reads its tenant's files, and Loki may reach Alertmanager", async () => {
        const { resources } = await runStack("dev", { networkPolicies: true });
        const [rules] = ofType(resources, "kubernetes:core/v1:ConfigMap").filter((r) => r.inputs.metadata.name === "loki-rules");
        assert.deepEqual(Object.keys(rules.inputs.data), ["service-api.yaml"]);
        const [loki] = ofType(resources, "kubernetes:apps/v1:StatefulSet").filter((r) => r.inputs.metadata.name === "loki");
        const pod = loki.inputs.spec.template.spec;
        assert.deepEqual(pod.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/loki-rules/fake"), { name: "extra", mountPath: "/loki-rules/fake", readOnly: true });
        assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "extra"), { name: "extra", configMap: { name: "loki-rules" } });
        const policy = (name: string) => ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs.metadata.name === name)!.inputs.spec;
        const fromLoki = (rule: { from?: { podSelector?: { matchLabels: Record<string, string> } }[] }) => (rule.from ?? []).some((peer) => peer.podSelector?.matchLabels["app.kubernetes.io/name"] === "loki");
        assert.ok(policy("allow-alertmanager").ingress.some((rule: any) => fromLoki(rule) && rule.ports.some((p: { port: number }) => p.port === 9093)), "Alertmanager admits Loki on 9093");
    });

    test("distributed: the ruler tier mounts it, and may reach the query-frontends and Alertmanager", async () => {
        const { resources } = await runStack("dev", { ...distributedValues(), networkPolicies: true }, OBJECT_STORAGE_SECRETS);
        const [ruler] = ofType(resources, "kubernetes:apps/v1:Deployment").filter((r) => r.inputs.metadata.name === "loki-ruler");
        const pod = ruler.inputs.spec.template.spec;
        assert.deepEqual(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "rules"), { name: "rules", mountPath: "/loki-rules/fake", readOnly: true });
        assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "rules").projected.sources, [{ configMap: { name: "loki-rules" } }]);
        const policies = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        const ingressFrom = (policy: string) => JSON.stringify(policies.find((p) => p.inputs.metadata.name === policy)!.inputs.spec.ingress);
        assert.match(ingressFrom("allow-alertmanager"), /"app.kubernetes.io\/component":"ruler","app.kubernetes.io\/name":"loki"/);
        assert.match(ingressFrom("allow-loki-query-frontend"), /"app.kubernetes.io\/component":"ruler","app.kubernetes.io\/name":"loki"/);
    });
});
