import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { maintenancePeriods, renderAlertmanagerConfig } from "../../render/alertmanager";
import { toYaml } from "../../render/yaml";
import { freePort, freePorts, LOOPBACK, ManagedProcess, run, sleep, toolPath } from "../../scripts/dev";
import { WebhookReceiver } from "../dataflow/harness";
import { knownRunbooks, minimalRaw } from "../support/fixtures";

/**
 * Routing and inhibition of the rendered alertmanager.yml, checked by the real tools: routes with
 * `amtool config routes test`, inhibition with a real Alertmanager (amtool cannot evaluate inhibit
 * rules). Expected receivers and inhibited alerts are written by hand from the documented mapping:
 * critical → PagerDuty, warning → Slack, info → nobody; a warning is muted only while a critical
 * alert fires for the same service and the same, present, `slo` (or the same saturation signal), and
 * a symptom while the stronger alert of its service fires (ServiceDown; the SLO page over the threshold page).
 */
const config = loadStackConfig(minimalRaw({ pagerdutyRoutingKey: "<secret>", slackWebhookUrl: "<secret>" }, ["pagerdutyRoutingKey", "slackWebhookUrl"]), { knownRunbooks });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-am-"));
const configFile = path.join(dir, "alertmanager.yml");
fs.writeFileSync(configFile, toYaml(renderAlertmanagerConfig(config)));

describe("amtool config routes test: severity words route as documented", () => {
    const cases: [string, string[], string][] = [
        ["a critical alert pages through PagerDuty", ["alertname=HighErrorRate", "severity=critical", "service=shop"], "pagerduty"],
        ["a warning goes to Slack", ["alertname=HighP99Latency", "severity=warning", "service=shop"], "slack"],
        ["an info alert notifies nobody", ["alertname=SomethingToKnow", "severity=info", "service=shop"], "blackhole"],
        ["an alert without severity falls back to Slack", ["alertname=Unlabelled", "service=shop"], "slack"],
        ["the old word page no longer pages", ["alertname=Old", "severity=page", "service=shop"], "slack"],
    ];
    for (const [name, labels, receiver] of cases) {
        test(name, () => {
            const result = run(toolPath("amtool"), ["config", "routes", "test", `--config.file=${configFile}`, `--verify.receivers=${receiver}`, ...labels]);
            assert.equal(result.code, 0, result.output);
        });
    }
});

describe("amtool config routes test: the Watchdog reaches only the heartbeat receiver", () => {
    // Every receiver configured: the Watchdog must not page, open a ticket or reach the generic webhook's copy route.
    const write = (name: string, secrets: string[]) => {
        const values = Object.fromEntries(secrets.map((key) => [key, "<secret>"]));
        const file = path.join(dir, name);
        fs.writeFileSync(file, toYaml(renderAlertmanagerConfig(loadStackConfig(minimalRaw(values, secrets), { knownRunbooks }))));
        return file;
    };
    const withHeartbeat = write("heartbeat.yml", ["pagerdutyRoutingKey", "slackWebhookUrl", "webhookUrl", "heartbeatUrl"]);
    const withoutHeartbeat = write("no-heartbeat.yml", ["pagerdutyRoutingKey", "slackWebhookUrl", "webhookUrl"]);
    const cases: [string, string, string[], string][] = [
        ["with a heartbeat URL the Watchdog goes to the heartbeat receiver alone", withHeartbeat, ["alertname=Watchdog", "severity=info", "service=prometheus", "team=platform"], "heartbeat"],
        ["the Watchdog of Mimir's ruler too", withHeartbeat, ["alertname=Watchdog", "severity=info", "service=mimir", "team=platform"], "heartbeat"],
        ["a critical alert still pages, and the generic webhook still gets its copy", withHeartbeat, ["alertname=HighErrorRate", "severity=critical", "service=shop"], "webhook,pagerduty"],
        ["without a heartbeat URL the Watchdog notifies nobody, not even the generic webhook", withoutHeartbeat, ["alertname=Watchdog", "severity=info", "service=prometheus", "team=platform"], "blackhole"],
        ["without a heartbeat URL an info alert is still copied to the generic webhook", withoutHeartbeat, ["alertname=SomethingToKnow", "severity=info", "service=shop"], "webhook,blackhole"],
    ];
    for (const [name, file, labels, receivers] of cases) {
        test(name, () => {
            const result = run(toolPath("amtool"), ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receivers}`, ...labels]);
            assert.equal(result.code, 0, result.output);
        });
    }
    test("the heartbeat is sent at once and re-sent every minute: group_wait 0s, flushes every 30s, repeated after 50s; never resolved", () => {
        const rendered = YAML.parse(fs.readFileSync(withHeartbeat, "utf8"));
        assert.deepEqual(rendered.route.routes[0], { receiver: "heartbeat", matchers: ['alertname="Watchdog"'], group_wait: "0s", group_interval: "30s", repeat_interval: "50s" });
        assert.deepEqual(rendered.receivers.find((r: { name: string }) => r.name === "heartbeat"), { name: "heartbeat", webhook_configs: [{ url_file: "/etc/alertmanager/secrets/heartbeat-url", send_resolved: false }] });
        const check = run(toolPath("amtool"), ["check-config", withHeartbeat]);
        assert.equal(check.code, 0, check.output);
    });
});

describe("the PagerDuty payload's severity is the alert's (rendered by amtool from the shipped template)", () => {
    const rendered: { receivers: { name: string; pagerduty_configs?: { severity: string }[] }[] } = YAML.parse(fs.readFileSync(configFile, "utf8"));
    const template = rendered.receivers.find((receiver) => receiver.name === "pagerduty")?.pagerduty_configs?.[0].severity ?? "";
    const glob = path.join(dir, "none.tmpl");
    fs.writeFileSync(glob, "");
    // PagerDuty's Events API v2 accepts critical, error, warning and info.
    for (const [labels, expected] of [[{ severity: "critical" }, "critical"], [{ severity: "warning" }, "warning"], [{ severity: "info" }, "info"], [{}, "critical"]] as const) {
        test(`${JSON.stringify(labels)} → ${expected}`, () => {
            const data = path.join(dir, `data-${expected}-${Object.keys(labels).length}.json`);
            fs.writeFileSync(data, JSON.stringify({ commonLabels: labels }));
            const result = run(toolPath("amtool"), ["template", "render", `--template.glob=${glob}`, `--template.text=${template}`, `--template.data=${data}`]);
            assert.equal(result.code, 0, result.output);
            assert.equal(result.output.trim(), expected);
        });
    }
});

describe("a real Alertmanager inhibits a warning only for the same service and the same slo, and the threshold page under the SLO page", () => {
    let base = "";
    let alertmanager: ManagedProcess | undefined;
    before(async () => {
        const port = await freePort();
        base = `http://${LOOPBACK}:${port}`;
        // Clustering off (empty listen address); everything on loopback.
        alertmanager = new ManagedProcess({
            name: "alertmanager",
            binary: toolPath("alertmanager"),
            args: [`--config.file=${configFile}`, `--storage.path=${path.join(dir, "data")}`, `--web.listen-address=${LOOPBACK}:${port}`, "--cluster.listen-address="],
            logFile: path.join(dir, "alertmanager.log"),
            maxLifetimeMs: 120_000,
        });
        alertmanager.start();
        await alertmanager.waitForHttp(`${base}/-/ready`, 10_000, 100);
    });
    after(() => alertmanager?.stop());

    test("FastBudgetBurn mutes SlowBudgetBurn of its SLO and HighErrorRate of its service; HighErrorRate (no slo) mutes nothing; ServiceFailing mutes HighErrorRate, ServiceDown mutes ServiceFailing", async () => {
        const alerts: Record<string, string>[] = [
            // cart: every request failing (ServiceFailing) says more than HighErrorRate.
            { alertname: "ServiceFailing", severity: "critical", service: "cart" },
            { alertname: "HighErrorRate", severity: "critical", service: "cart" },
            // feed: no instance left; the failing requests before it went are its echo.
            { alertname: "ServiceDown", severity: "critical", service: "feed" },
            { alertname: "ServiceFailing", severity: "critical", service: "feed" },
            { alertname: "FastBudgetBurn", severity: "critical", service: "shop", slo: "availability" },
            { alertname: "SlowBudgetBurn", severity: "warning", service: "shop", slo: "availability" },
            { alertname: "SlowBudgetBurn", severity: "warning", service: "shop", slo: "latency" },
            { alertname: "SlowBudgetBurn", severity: "warning", service: "cart", slo: "availability" },
            { alertname: "HighErrorRate", severity: "critical", service: "shop" },
            { alertname: "HighP99Latency", severity: "warning", service: "shop" },
        ];
        const posted = await fetch(`${base}/api/v2/alerts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt: new Date().toISOString() }))),
        });
        assert.equal(posted.status, 200, await posted.text());
        const listed = (await (await fetch(`${base}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
        const muted = listed
            .filter((alert) => alert.status.inhibitedBy.length > 0)
            .map((alert) => `${alert.labels.alertname} ${alert.labels.service} ${alert.labels.slo ?? "-"}`)
            .sort();
        assert.equal(listed.length, 10, "all alerts were received");
        assert.deepEqual(muted, ["HighErrorRate cart -", "HighErrorRate shop -", "ServiceFailing feed -", "SlowBudgetBurn shop availability"]);
    });
});

/**
 * The notification policy on a stack with teams, business hours for tickets and a maintenance
 * window: shop (payments) pages the stack's PagerDuty, cart (checkout) its team's own PagerDuty
 * service, search (search) tickets to its team's Slack channel, feed (content) is in maintenance.
 */
const DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
function notificationPolicyConfig(ticketDays: string[], maintenance: { start: string; end: string }) {
    const values = {
        services: [
            { name: "shop", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] },
            { name: "cart", team: "checkout", slos: [{ kind: "availability", objective: 99.5 }] },
            { name: "search", team: "search", slos: [] },
            { name: "feed", team: "content", slos: [] },
        ],
        alertmanager: {
            teams: { search: { slackChannel: "#search-alerts" } },
            timeIntervals: { "business-days": [{ weekdays: ticketDays }] },
            ticketHours: "business-days",
            maintenance: [{ name: "feed-reindex", services: ["feed"], ...maintenance }],
        },
        pagerdutyRoutingKey: "<secret>",
        slackWebhookUrl: "<secret>",
        pagerdutyTeamRoutingKeys: { checkout: "<secret>" },
    };
    return renderAlertmanagerConfig(loadStackConfig(minimalRaw(values, ["pagerdutyRoutingKey", "slackWebhookUrl", "pagerdutyTeamRoutingKeys"]), { knownRunbooks }));
}
const minuteIso = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString().slice(0, 16) + "Z";
const today = DAY_NAMES[new Date().getUTCDay()];
const aroundNow = { start: minuteIso(Date.now() - 3_600_000), end: minuteIso(Date.now() + 3_600_000) };
const policyFile = path.join(dir, "policy.yml");
fs.writeFileSync(policyFile, toYaml(notificationPolicyConfig([today], aroundNow)));

describe("amtool config routes test: each team's alerts reach its own receivers", () => {
    const cases: [string, string[], string][] = [
        ["a team without receivers of its own pages the stack's PagerDuty", ["alertname=FastBudgetBurn", "severity=critical", "service=shop", "team=payments", "slo=availability"], "pagerduty"],
        ["a team's own PagerDuty service gets its pages", ["alertname=ServiceDown", "severity=critical", "service=cart", "team=checkout"], "pagerduty-checkout"],
        ["a team with only a PagerDuty service keeps the stack's Slack channel for tickets", ["alertname=SlowBudgetBurn", "severity=warning", "service=cart", "team=checkout", "slo=availability"], "slack"],
        ["a team's own Slack channel gets its tickets", ["alertname=TrafficSpike", "severity=warning", "service=search", "team=search"], "slack-search"],
        ["a team with only a Slack channel still pages the stack's PagerDuty", ["alertname=DBConnectionPoolExhaustion", "severity=critical", "service=search", "team=search", "signal=db_connection_pool"], "pagerduty"],
        ["a service in maintenance keeps its receivers (the window mutes, it does not reroute)", ["alertname=FastBudgetBurn", "severity=critical", "service=feed", "team=content", "slo=availability"], "pagerduty"],
        ["an info alert of a team notifies nobody", ["alertname=SomethingToKnow", "severity=info", "service=cart", "team=checkout"], "blackhole"],
        ["an alert of another team that names a team's service is routed by its own team", ["alertname=KubePodCrashLooping", "severity=warning", "service=cart", "team=platform"], "slack"],
    ];
    for (const [name, labels, receiver] of cases) {
        test(name, () => {
            const result = run(toolPath("amtool"), ["config", "routes", "test", `--config.file=${policyFile}`, `--verify.receivers=${receiver}`, ...labels]);
            assert.equal(result.code, 0, result.output);
        });
    }
    test("amtool check-config accepts the time intervals and the maintenance window", () => {
        const check = run(toolPath("amtool"), ["check-config", policyFile]);
        assert.equal(check.code, 0, check.output);
    });
});

describe("a maintenance window becomes one Alertmanager period per UTC day it touches", () => {
    test("22:00 to 02:30 the next night is two periods: 22:00-24:00 on the 10th, 00:00-02:30 on the 11th", () => {
        const periods = maintenancePeriods({ startMs: Date.parse("2026-12-10T22:00:00Z"), endMs: Date.parse("2026-12-11T02:30:00Z") });
        assert.deepEqual(periods, [
            { times: [{ start: "22:00", end: "24:00" }], daysOfMonth: ["10"], months: ["12"], years: ["2026"] },
            { times: [{ start: "00:00", end: "02:30" }], daysOfMonth: ["11"], months: ["12"], years: ["2026"] },
        ]);
    });
    test("a window over New Year's midnight names both years", () => {
        const periods = maintenancePeriods({ startMs: Date.parse("2026-12-31T23:15:00Z"), endMs: Date.parse("2027-01-01T00:45:00Z") });
        assert.deepEqual(periods, [
            { times: [{ start: "23:15", end: "24:00" }], daysOfMonth: ["31"], months: ["12"], years: ["2026"] },
            { times: [{ start: "00:00", end: "00:45" }], daysOfMonth: ["1"], months: ["1"], years: ["2027"] },
        ]);
    });
});

/**
 * The rendered policy in a real Alertmanager, each receiver's transport replaced by a webhook to
 * one recorder (the payload names the receiver): grouping, inhibition, team receivers, business
 * hours and the maintenance window decide what arrives, exactly as deployed. Two Alertmanagers:
 * one whose ticket hours include today, one whose ticket hours are every other day.
 */
describe("a real Alertmanager: one notification per service, symptoms muted, tickets held outside ticket hours, maintenance muted", () => {
    const recorders = { open: new WebhookReceiver(), closed: new WebhookReceiver() };
    const managers: ManagedProcess[] = [];
    const bases: Record<"open" | "closed", string> = { open: "", closed: "" };
    const withStandIns = (rendered: ReturnType<typeof renderAlertmanagerConfig>, url: string) => ({
        ...rendered,
        receivers: rendered.receivers.map((receiver) => (Object.keys(receiver).length === 1 ? receiver : { name: receiver.name, webhook_configs: [{ url, send_resolved: true }] })),
    });
    // One outage per service, as the rules would fire them (labels as rendered).
    const alerts: Record<string, string>[] = [
        { alertname: "FastBudgetBurn", severity: "critical", service: "shop", team: "payments", slo: "availability" },
        { alertname: "HighErrorRate", severity: "critical", service: "shop", team: "payments" },
        { alertname: "TrafficDrop", severity: "critical", service: "shop", team: "payments" },
        { alertname: "HighP99Latency", severity: "warning", service: "shop", team: "payments" },
        { alertname: "ServiceDown", severity: "critical", service: "cart", team: "checkout" },
        { alertname: "HighErrorRate", severity: "critical", service: "cart", team: "checkout" },
        { alertname: "TrafficDrop", severity: "critical", service: "cart", team: "checkout" },
        { alertname: "SlowBudgetBurn", severity: "warning", service: "cart", team: "checkout", slo: "availability" },
        { alertname: "DBConnectionPoolExhaustion", severity: "critical", service: "search", team: "search", signal: "db_connection_pool" },
        { alertname: "DBConnectionPoolExhaustion", severity: "warning", service: "search", team: "search", signal: "db_connection_pool" },
        { alertname: "TrafficSpike", severity: "warning", service: "search", team: "search" },
        { alertname: "FastBudgetBurn", severity: "critical", service: "feed", team: "content", slo: "availability" },
        { alertname: "HighP99Latency", severity: "warning", service: "feed", team: "content" },
    ];
    before(async () => {
        const [openRecorderPort, closedRecorderPort, openPort, closedPort] = await freePorts(4);
        await recorders.open.start(openRecorderPort);
        await recorders.closed.start(closedRecorderPort);
        const otherDays = DAY_NAMES.filter((day) => day !== today);
        for (const [which, port, days] of [["open", openPort, [today]], ["closed", closedPort, otherDays]] as const) {
            const file = path.join(dir, `policy-${which}.yml`);
            fs.writeFileSync(file, toYaml(withStandIns(notificationPolicyConfig([...days], aroundNow), recorders[which].url)));
            const manager = new ManagedProcess({
                name: `alertmanager-${which}`,
                binary: toolPath("alertmanager"),
                args: [`--config.file=${file}`, `--storage.path=${path.join(dir, `data-${which}`)}`, `--web.listen-address=${LOOPBACK}:${port}`, "--cluster.listen-address="],
                logFile: path.join(dir, `alertmanager-${which}.log`),
                maxLifetimeMs: 180_000,
            });
            managers.push(manager);
            manager.start();
            bases[which] = `http://${LOOPBACK}:${port}`;
            await manager.waitForHttp(`${bases[which]}/-/ready`, 10_000, 100);
        }
        for (const base of Object.values(bases)) {
            const posted = await fetch(`${base}/api/v2/alerts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt: new Date().toISOString() }))),
            });
            assert.equal(posted.status, 200, await posted.text());
        }
        // group_wait is 30s: every group's first notification is due by then; 10s more shows nothing else comes.
        await sleep(40_000);
    });
    after(async () => {
        managers.forEach((manager) => manager.stop());
        await Promise.all(Object.values(recorders).map((recorder) => recorder.stop()));
    });
    const received = (which: "open" | "closed") =>
        recorders[which].notifications
            .map((n: { receiver: string; groupLabels: Record<string, string>; alerts: { labels: Record<string, string> }[] }) => `${n.receiver} ${n.groupLabels.service}/${n.groupLabels.team}: ${n.alerts.map((a) => `${a.labels.alertname}(${a.labels.severity})`).sort().join(" ")}`)
            .sort();

    test("within ticket hours: one page per paging service, one ticket per ticketing service, nothing from the service in maintenance", () => {
        assert.deepEqual(received("open"), [
            "pagerduty search/search: DBConnectionPoolExhaustion(critical)",
            "pagerduty shop/payments: FastBudgetBurn(critical) TrafficDrop(critical)",
            "pagerduty-checkout cart/checkout: ServiceDown(critical)",
            "slack shop/payments: HighP99Latency(warning)",
            "slack-search search/search: TrafficSpike(warning)",
        ]);
    });
    test("outside ticket hours the same alerts page exactly as before and open no ticket", () => {
        assert.deepEqual(received("closed"), [
            "pagerduty search/search: DBConnectionPoolExhaustion(critical)",
            "pagerduty shop/payments: FastBudgetBurn(critical) TrafficDrop(critical)",
            "pagerduty-checkout cart/checkout: ServiceDown(critical)",
        ]);
    });
});
