/**
 * Business counters (issue 27 item 6): what `services[i].businessCounters` accepts and refuses,
 * the series the rules record from it, and the panels and queries the golden-signals dashboard
 * and the overview show. Every expected message and query is written by hand.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serviceRuleFile } from "../alerts";
import { linksFor } from "../alerts/links";
import { loadServiceSpec, loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { StackConfig } from "../config/types";
import { renderServiceDashboards, renderStackDashboards } from "../dashboards";
import { readRunbooks } from "../io/runbooks";
import { dashboardUids } from "../model/ids";
import { knownRunbooks, loadStack, minimalRaw, problemsOf } from "./support/fixtures";

const SESSIONS = { name: "sessions_started", query: "sum(rate(learning_sessions_started_total[5m])) * 60", unit: "perMinute", goodDirection: "up" };
const withCounters = (...counters: Record<string, unknown>[]) => ({ services: [{ name: "classroom", businessCounters: counters }] });

describe("config refuses business counters that cannot work", () => {
    const CASES: { name: string; counters: Record<string, unknown>[]; key: string; says: string }[] = [
        { name: "a query that is not PromQL", counters: [{ ...SESSIONS, query: "sum(rate(sessions_total[5m]" }], key: "services[0].businessCounters[0].query", says: "is not valid PromQL: promql syntax error at offset" },
        { name: "a LogQL query where PromQL is read", counters: [{ ...SESSIONS, query: '{service_name="api"} |= "session started"' }], key: "services[0].businessCounters[0].query", says: "is not valid PromQL" },
        { name: "a counter without a query", counters: [{ name: "sessions_started", unit: "count", goodDirection: "up" }], key: "services[0].businessCounters[0].query", says: "is required; PromQL giving the number, e.g. sum(rate(learning_sessions_started_total[5m])) * 60" },
        { name: "a name with spaces and capitals", counters: [{ ...SESSIONS, name: "Sessions Started" }], key: "services[0].businessCounters[0].name", says: '"Sessions Started" is not a snake_case name of at most 40 characters; use e.g. sessions_started' },
        { name: "a name longer than 40 characters", counters: [{ ...SESSIONS, name: "sessions_started_by_learners_on_the_mobile_app" }], key: "services[0].businessCounters[0].name", says: "is not a snake_case name of at most 40 characters" },
        { name: "two counters of one name", counters: [SESSIONS, { ...SESSIONS, query: "sum(sessions_open)" }], key: "services[0].businessCounters[1].name", says: '"sessions_started" is already used by services[0].businessCounters[0]; give each business counter of a service a unique name' },
        { name: "a unit Grafana has no counterpart for here", counters: [{ ...SESSIONS, unit: "sessions/min" }], key: "services[0].businessCounters[0].unit", says: '"sessions/min" is not one of count, perSecond, perMinute, perHour, ratio, seconds, bytes, usd, eur, gbp' },
        { name: "a direction other than up or down", counters: [{ ...SESSIONS, goodDirection: "higher" }], key: "services[0].businessCounters[0].goodDirection", says: '"higher" is not one of up, down' },
        { name: "a counter without a good direction", counters: [{ name: "carts_abandoned", query: "sum(rate(carts_abandoned_total[5m]))" }], key: "services[0].businessCounters[0].goodDirection", says: "is required; say whether more is good news (up, e.g. sessions started) or less is (down, e.g. abandoned carts)" },
        { name: "a misspelt key", counters: [{ ...SESSIONS, good_direction: "up" }], key: "services[0].businessCounters[0]", says: "good_direction" },
    ];
    for (const bad of CASES) {
        test(bad.name, () => {
            const problems = problemsOf(withCounters(...bad.counters));
            assert.equal(problems.length, 1, `expected exactly one problem, got:\n${problems.join("\n")}`);
            assert.ok(problems[0].startsWith(bad.key), `expected the problem to name ${bad.key}; got: ${problems[0]}`);
            assert.ok(problems[0].includes(bad.says), `expected "${bad.says}" in: ${problems[0]}`);
        });
    }

    test("a service declared in code (new ObservedService) is checked the same way, at its own key path", () => {
        assert.throws(
            () => loadServiceSpec({ name: "classroom", businessCounters: [{ ...SESSIONS, goodDirection: "sideways" }] }, { knownRunbooks }),
            (error: unknown) => error instanceof ConfigErrors && error.problems.length === 1 && error.problems[0] === 'service.businessCounters[0].goodDirection: "sideways" is not one of up, down',
        );
    });

    test("every mistake of several counters is reported at once", () => {
        const problems = problemsOf(withCounters({ ...SESSIONS, unit: "minutes" }, { ...SESSIONS, name: "videos_played", query: "rate(" }));
        assert.deepEqual(
            problems.map((p) => p.split(":")[0]),
            ["services[0].businessCounters[0].unit", "services[0].businessCounters[1].query"],
        );
    });
});

describe("a business counter is recorded into one series", () => {
    const config = loadStackConfig(minimalRaw(withCounters(SESSIONS, { name: "carts_abandoned", query: 'sum(rate(carts_abandoned_total{shop="eu"}[5m]))', unit: "perSecond", goodDirection: "down", description: "Carts left without paying." })), { knownRunbooks });
    const service = config.services[0];

    test("the config is read as written; the description is optional", () => {
        assert.deepEqual(service.businessCounters, [
            { name: "sessions_started", query: "sum(rate(learning_sessions_started_total[5m])) * 60", unit: "perMinute", goodDirection: "up" },
            { name: "carts_abandoned", query: 'sum(rate(carts_abandoned_total{shop="eu"}[5m]))', unit: "perSecond", goodDirection: "down", description: "Carts left without paying." },
        ]);
    });

    test("each counter is a recording rule with the service, counter, unit and direction labels", () => {
        const file = serviceRuleFile(service, linksFor(config), config.prometheus.scrapeInterval);
        const recorded = file.groups.flatMap((g) => g.rules).filter((r) => "record" in r && r.record === "service:business_counter:value");
        assert.deepEqual(recorded, [
            { record: "service:business_counter:value", expr: "sum(sum(rate(learning_sessions_started_total[5m])) * 60)", labels: { service: "classroom", counter: "sessions_started", unit: "perMinute", good_direction: "up" } },
            { record: "service:business_counter:value", expr: 'sum(sum(rate(carts_abandoned_total{shop="eu"}[5m])))', labels: { service: "classroom", counter: "carts_abandoned", unit: "perSecond", good_direction: "down" } },
        ]);
    });
});

interface PanelModel {
    readonly title?: string;
    readonly type: string;
    readonly fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps: { value: number | null; color: string }[] } } };
    readonly targets?: readonly { readonly expr?: string; readonly legendFormat?: string }[];
    readonly panels?: readonly PanelModel[];
}

function panels(model: object): PanelModel[] {
    const flat = (list: readonly PanelModel[]): PanelModel[] => list.flatMap((p) => [p, ...flat(p.panels ?? [])]);
    return flat((model as { panels?: PanelModel[] }).panels ?? []);
}

function panel(model: object, title: string, type: string): PanelModel {
    const found = panels(model).find((p) => p.title === title && p.type === type);
    assert.ok(found, `no ${type} panel "${title}"; panels: ${panels(model).map((p) => `${p.type}:${p.title}`).join(" | ")}`);
    return found;
}

describe("business counters on the golden-signals dashboard", () => {
    const config = loadStackConfig(minimalRaw(withCounters(SESSIONS, { name: "carts_abandoned", query: "sum(rate(carts_abandoned_total[5m]))", unit: "perSecond", goodDirection: "down" })), { knownRunbooks });
    const golden = renderServiceDashboards(config, config.services[0], linksFor(config)).find((d) => d.uid === dashboardUids.golden("classroom"))!.model;

    test("a 'Business counters' row right after 'Now', with a value, a change and a graph per counter", () => {
        const rows = panels(golden).filter((p) => p.type === "row").map((p) => p.title);
        assert.deepEqual(rows.slice(0, 3), ["Now", "Business counters", "Traffic"]);
        const titles = panels(golden).map((p) => `${p.type}:${p.title}`);
        const from = titles.indexOf("row:Business counters");
        assert.deepEqual(titles.slice(from + 1, from + 7), [
            "stat:sessions started",
            "stat:sessions started: vs last week",
            "timeseries:sessions started",
            "stat:carts abandoned",
            "stat:carts abandoned: vs last week",
            "timeseries:carts abandoned",
        ]);
    });

    test("the panels read the recorded series, in the counter's Grafana unit, with last week dashed", () => {
        const now = panel(golden, "sessions started", "stat");
        assert.deepEqual(now.targets?.map((t) => t.expr), ['service:business_counter:value{service="classroom", counter="sessions_started"}']);
        assert.equal(now.fieldConfig?.defaults?.unit, "cpm");
        const graph = panel(golden, "carts abandoned", "timeseries");
        assert.equal(graph.fieldConfig?.defaults?.unit, "cps");
        assert.deepEqual(graph.targets?.map((t) => [t.expr, t.legendFormat]), [
            ['service:business_counter:value{service="classroom", counter="carts_abandoned"}', "carts_abandoned"],
            ['service:business_counter:value{service="classroom", counter="carts_abandoned"} offset 1w', "same time last week"],
        ]);
    });

    test("the change is signed so that good news is green: a rise for up, a fall for down", () => {
        const up = panel(golden, "sessions started: vs last week", "stat");
        assert.deepEqual(up.targets?.map((t) => t.expr), ['service:business_counter:value{service="classroom", counter="sessions_started"} / service:business_counter:value{service="classroom", counter="sessions_started"} offset 1w - 1']);
        const down = panel(golden, "carts abandoned: vs last week", "stat");
        assert.deepEqual(down.targets?.map((t) => t.expr), ['1 - service:business_counter:value{service="classroom", counter="carts_abandoned"} / service:business_counter:value{service="classroom", counter="carts_abandoned"} offset 1w']);
        assert.deepEqual(down.fieldConfig?.defaults?.thresholds?.steps, [{ value: null, color: "red" }, { value: 0, color: "green" }]);
    });

    test("a service without business counters gets no such row", () => {
        const plain = loadStackConfig(minimalRaw({ services: [{ name: "classroom" }] }), { knownRunbooks });
        const model = renderServiceDashboards(plain, plain.services[0], linksFor(plain)).find((d) => d.uid === dashboardUids.golden("classroom"))!.model;
        assert.ok(!panels(model).some((p) => p.title === "Business counters"));
    });
});

describe("business counters on the overview, next to the SLOs", () => {
    const config = loadStack("dev");
    const overview = renderStackDashboards(config, linksFor(config), readRunbooks()).find((d) => d.uid === dashboardUids.overview())!.model;

    test("the SLO row holds the SLO table and then the business-counter table", () => {
        const titles = panels(overview).map((p) => `${p.type}:${p.title}`);
        const from = titles.indexOf("row:SLOs and business counters");
        assert.deepEqual(titles.slice(from + 1, from + 3), ["table:Service level objectives", "table:Business counters"]);
    });

    test("the table reads every service's recorded counters and their change, good news positive either way", () => {
        assert.deepEqual(panel(overview, "Business counters", "table").targets?.map((t) => t.expr), [
            "service:business_counter:value",
            '(service:business_counter:value{good_direction="up"} / service:business_counter:value{good_direction="up"} offset 1w - 1) or (1 - service:business_counter:value{good_direction="down"} / service:business_counter:value{good_direction="down"} offset 1w)',
        ]);
    });

    test("the reference customer's dev stack counts sessions started and videos played on api, videos transcoded on the worker", () => {
        const counters = config.services.flatMap((s) => s.businessCounters.map((c) => `${s.name}/${c.name}`));
        assert.deepEqual(counters, ["api/sessions_started", "api/videos_played", "transcoding/videos_transcoded"]);
    });
});
