/**
 * The registry of recorded series and the one list of alert families (model/recordedSeries.ts,
 * model/alerting.ts ALERT_FAMILIES): every series a rendered rule records is an entry of the
 * registry, no product module outside it spells a recorded name, an SLO's series are recorded over
 * the windows its policy and its readers need (expected names written by hand), every family fires
 * only the names it registers, and the overview colours its burn-rate column by the configured
 * policies (thresholds computed by hand from `factor = share × SLO window / long window`).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { alertsByFamily } from "../alerts";
import { loadStackConfig } from "../config/load";
import { StackConfig } from "../config/types";
import { readRunbooks } from "../io/runbooks";
import { ALERT_FAMILIES, AlertFamily } from "../model/alerting";
import { CLUSTER_SERIES, LATENCY_SERIES, SERVICE_RATE_SERIES, SERVICE_SERIES, SLO_CONSTANT_SERIES, SLO_SERIES } from "../model/recordedSeries";
import { allDashboards, renderStack, ruleFiles } from "../render";
import { knownRunbooks, loadStack, minimalRaw } from "./support/fixtures";
import { ruleFixtureConfig } from "./support/ruleFixture";
import { distributedRaw } from "./support/topology";

const ROOT = path.resolve(__dirname, "..");
const REGISTRY = "model/recordedSeries.ts";

const load = (values: Record<string, unknown>) => loadStackConfig(minimalRaw(values), { knownRunbooks });

/** A 7-day SLO whose policy has no 1h pair: page on 10x over 2h (short 10m), ticket on 2x over 1d (short 2h). AKS: no API server SLO beside it. */
const LEDGER = load({
    cluster: { provider: "aks" },
    services: [
        {
            name: "ledger",
            slos: [{ kind: "availability", objective: 99.95, window: "7d" }],
            alerts: { burnRatePolicy: { page: [{ long: "2h", short: "10m", factor: 10 }], ticket: [{ long: "1d", short: "2h", factor: 2 }] } },
        },
    ],
});

const CORPUS: [string, () => StackConfig][] = [
    ["dev", () => loadStack("dev")],
    ["the promtool suites' fixture", ruleFixtureConfig],
    ["a distributed stack", () => loadStackConfig(distributedRaw(), { knownRunbooks })],
    ["a policy without a 1h pair", () => LEDGER],
];

interface RenderedRecord {
    readonly record: string;
    readonly expr: string;
    readonly labels: Readonly<Record<string, string>>;
}

function recordingRules(config: StackConfig): RenderedRecord[] {
    const rendered = renderStack(config, readRunbooks());
    return ruleFiles(rendered).flatMap((file) =>
        (YAML.parse(file.content).groups as { rules: { record?: string; expr: string; labels?: Record<string, string> }[] }[]).flatMap((group) =>
            group.rules.flatMap((rule) => (rule.record ? [{ record: rule.record, expr: rule.expr, labels: rule.labels ?? {} }] : [])),
        ),
    );
}

/** The registry entry a name belongs to: a fixed name, or a family's name with a window or quantile in place of its parameter. */
function entryOf(name: string): { readonly key: string; readonly labels: readonly string[] } | undefined {
    const fixed = { ...SERVICE_SERIES, ...SLO_CONSTANT_SERIES, ...CLUSTER_SERIES };
    for (const [key, entry] of Object.entries(fixed)) {
        if (entry.name === name) return { key, labels: entry.labels };
    }
    for (const [key, entry] of [...Object.entries(SLO_SERIES), ...Object.entries(SERVICE_RATE_SERIES)]) {
        const [before, after] = entry.name("\u0000").split("\u0000");
        if (name.startsWith(before) && name.endsWith(after) && /^(\d+[smhdwy])+$/.test(name.slice(before.length, name.length - after.length))) return { key, labels: entry.labels };
    }
    if (LATENCY_SERIES.quantiles.some((quantile) => LATENCY_SERIES.name(quantile) === name)) return { key: "latency", labels: LATENCY_SERIES.labels };
    return undefined;
}

/** Recorded-series names (`level:metric:operations`) written in a product module, comments left out. */
function recordedNameLiterals(source: string): string[] {
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
    // Pulumi's type tokens (`lgtm:backends:Loki`) share the shape; their last part is capitalised.
    return [...code.matchAll(/\b[a-z][a-z_]*:[a-z0-9_]+:[a-z0-9_]+/g)].map((match) => match[0]);
}

function productModules(): string[] {
    const files: string[] = [];
    for (const folder of ["model", "config", "alerts", "dashboards", "render", "io", "components"]) {
        for (const entry of fs.readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })) {
            if (entry.isFile() && entry.name.endsWith(".ts")) files.push(path.relative(ROOT, path.join(entry.parentPath, entry.name)));
        }
    }
    return files.sort();
}

describe("the registry of recorded series", () => {
    for (const [name, config] of CORPUS) {
        test(`${name}: every series a rule records is a registry entry, with the labels the entry lists`, () => {
            const rules = recordingRules(config());
            assert.ok(rules.length > 10, `${rules.length} recording rules`);
            const problems = rules.flatMap((rule) => {
                const entry = entryOf(rule.record);
                if (!entry) return [`${rule.record} is recorded but is no entry of ${REGISTRY}`];
                // Each listed label is set by the rule or kept by its aggregation; the rule sets no other.
                const missing = entry.labels.filter((label) => !(label in rule.labels) && !new RegExp(`\\bby \\([^)]*\\b${label}\\b`).test(rule.expr));
                const unlisted = Object.keys(rule.labels).filter((label) => !entry.labels.includes(label));
                return [...missing.map((label) => `${rule.record} lacks the label ${label}`), ...unlisted.map((label) => `${rule.record} carries ${label}, which the registry does not list`)];
            });
            assert.deepEqual(problems, []);
        });
    }

    test("no product module outside the registry spells a recorded series' name", () => {
        const spelled = productModules()
            .filter((file) => file !== REGISTRY)
            .flatMap((file) => recordedNameLiterals(fs.readFileSync(path.join(ROOT, file), "utf8")).map((name) => `${file}: ${name}`));
        assert.deepEqual(spelled, []);
        // The scan sees what it looks for: the registry's own names, in code and not in comments.
        const own = recordedNameLiterals(fs.readFileSync(path.join(ROOT, REGISTRY), "utf8"));
        assert.ok(own.includes("service:saturation:ratio") && own.includes("slo:objective:ratio"), own.join(", "));
        assert.deepEqual(recordedNameLiterals('// slo:objective:ratio\n/* service:x:y */ const url = "http://a:8080/b";'), []);
    });

    test("a 7-day SLO paging on 2h/10m and ticketing on 1d/2h records its policy's windows and the 1h ones its dashboards read", () => {
        const names = recordingRules(LEDGER)
            .filter((rule) => rule.labels.service === "ledger" && rule.labels.slo === "availability")
            .map((rule) => rule.record);
        assert.deepEqual(names, [
            // The traffic over the dashboards' window; the guards read the service's recorded request rates (alerts/rates.ts).
            "slo:sli_total:rate1h",
            "slo:sli_error:ratio_rate5m",
            "slo:sli_error:ratio_rate10m",
            "slo:sli_error:ratio_rate1h",
            "slo:sli_error:ratio_rate2h",
            "slo:sli_error:ratio_rate1d",
            "slo:sli_error:ratio_rate7d",
            "slo:objective:ratio",
            "slo:error_budget:ratio",
            "slo:error_budget_remaining:ratio",
            "slo:burn_rate:ratio_rate1h",
        ]);
        // The service's rates, each read from the raw counter once: HighErrorRate's 2m, ServiceFailing's 3m (three 60s
        // exports), the golden 5m, and the SLO's windows (10m, 2h, 1d of its policy; 1h for the dashboards).
        const rates = recordingRules(LEDGER).filter((rule) => rule.labels.service === "ledger" && rule.labels.slo === undefined).map((rule) => rule.record);
        const windows = ["2m", "3m", "5m", "10m", "1h", "2h", "1d"];
        assert.deepEqual(rates.filter((name) => name.startsWith("service:http_requests:rate")), windows.map((w) => `service:http_requests:rate${w}`));
        assert.deepEqual(rates.filter((name) => name.startsWith("service:http_errors:rate")), windows.map((w) => `service:http_errors:rate${w}`));
    });
});

/** The names a service of `config` gives its own alerts (saturation signals, custom log alerts). */
function userNamed(config: StackConfig): Set<string> {
    return new Set(config.services.flatMap((service) => [...service.saturation.map((signal) => signal.alert), ...service.logAlerts.flatMap((alert) => (alert.kind === "custom" ? [alert.alert] : []))]));
}

describe("one list of alert families", () => {
    const withLogs = load({
        services: [
            {
                name: "checkout",
                team: "payments",
                slos: [{ kind: "latency", percentile: 95, threshold: "1s" }],
                logAlerts: [
                    { preset: "errors" },
                    { preset: "timeouts" },
                    { alert: "DBConnectionPoolExhaustion", expr: 'sum(count_over_time({service_name="checkout"} |~ "(?i)too many connections" [5m])) > 0', for: "2m", severity: "critical", summary: "no connections" },
                ],
            },
        ],
    });
    const corpus = [ruleFixtureConfig(), loadStackConfig(distributedRaw(), { knownRunbooks }), withLogs];

    test("each family fires only the alert names it registers (besides the ones a service names itself), and every registered name is fired by its family", () => {
        const fired = new Map<AlertFamily, Set<string>>();
        const strays: string[] = [];
        for (const config of corpus) {
            const own = userNamed(config);
            for (const [family, alerts] of Object.entries(alertsByFamily(config)) as [AlertFamily, { alert: string }[]][]) {
                const entry: { alerts: readonly string[]; reuses?: readonly AlertFamily[] } = ALERT_FAMILIES[family];
                const registered = [...entry.alerts, ...(entry.reuses ?? []).flatMap((reused) => ALERT_FAMILIES[reused].alerts)];
                for (const { alert } of alerts) {
                    if (!registered.includes(alert) && !own.has(alert)) strays.push(`${family} fires ${alert}, which ALERT_FAMILIES.${family} does not list`);
                    if (entry.alerts.includes(alert)) fired.set(family, new Set([...(fired.get(family) ?? []), alert]));
                }
            }
        }
        assert.deepEqual(strays, []);
        for (const [family, { alerts }] of Object.entries(ALERT_FAMILIES) as [AlertFamily, { alerts: readonly string[] }][]) {
            assert.deepEqual([...(fired.get(family) ?? [])].sort(), [...alerts].sort(), `the names family ${family} fires`);
        }
    });

    test("no alert name is registered by two families", () => {
        const names = Object.values(ALERT_FAMILIES).flatMap((family): readonly string[] => family.alerts);
        assert.deepEqual(names.filter((name, index) => names.indexOf(name) !== index), []);
    });
});

/** The steps of the overview's "Burn rate (1h)" column. */
function overviewBurnRateSteps(config: StackConfig): { value: number | null; color: string }[] {
    const overview = allDashboards(renderStack(config, readRunbooks())).find((dashboard) => dashboard.uid === "lgtm-overview");
    assert.ok(overview);
    const panels = (list: readonly Record<string, any>[]): Record<string, any>[] => list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
    const table = panels((overview.model as { panels: Record<string, any>[] }).panels).find((panel) => panel.title === "Service level objectives");
    const override = table?.fieldConfig.overrides.find((o: { matcher: { options: string } }) => o.matcher.options === "Burn rate (1h)");
    return override.properties.find((p: { id: string }) => p.id === "thresholds").value.steps;
}

describe("the overview's burn-rate colours follow the configured policies", () => {
    // A 28-day SLO: page on 10x over 1h, or 5% of the budget in 6h (0.05 × 28d / 6h = 0.05 × 112 = 5.6x);
    // ticket on 10% of the budget in 1d (0.1 × 28 = 2.8x). No API server SLO on AKS.
    const teamPolicy = {
        name: "ledger",
        slos: [{ kind: "availability", objective: 99.9, window: "28d" }],
        alerts: { burnRatePolicy: { page: [{ long: "1h", short: "5m", factor: 10 }, { long: "6h", short: "30m", budgetPercent: 5 }], ticket: [{ long: "1d", short: "2h", budgetPercent: 10 }] } },
    };

    test("one service with a 28-day SLO and its own policy: yellow from 2.8x, red from 5.6x, dark red from 10x", () => {
        assert.deepEqual(overviewBurnRateSteps(load({ cluster: { provider: "aks" }, services: [teamPolicy] })), [
            { value: null, color: "green" },
            { value: 2.8, color: "yellow" },
            { value: 5.6, color: "red" },
            { value: 10, color: "dark-red" },
        ]);
    });

    test("beside a 30-day SLO on the Workbook's policy (14.4x, 6x; 3x, 1x): the lowest and highest factors of each kind", () => {
        const workbook = { name: "shop", slos: [{ kind: "availability", objective: 99.9 }] };
        assert.deepEqual(overviewBurnRateSteps(load({ cluster: { provider: "aks" }, services: [teamPolicy, workbook] })), [
            { value: null, color: "green" },
            { value: 1, color: "yellow" },
            { value: 3, color: "orange" },
            { value: 5.6, color: "red" },
            { value: 14.4, color: "dark-red" },
        ]);
    });

    test("the default policy over 30 days keeps the Workbook's colours: 1x, 3x, 6x, 14.4x", () => {
        assert.deepEqual(overviewBurnRateSteps(load({})), [
            { value: null, color: "green" },
            { value: 1, color: "yellow" },
            { value: 3, color: "orange" },
            { value: 6, color: "red" },
            { value: 14.4, color: "dark-red" },
        ]);
    });
});
