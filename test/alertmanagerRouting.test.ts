import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { renderAlertmanagerConfig } from "../render/alertmanager";
import { toYaml } from "../render/yaml";
import { freePort, LOOPBACK, ManagedProcess, run, toolPath } from "../scripts/dev";
import { knownRunbooks, minimalRaw } from "./support/fixtures";

/**
 * Routing and inhibition of the rendered alertmanager.yml, checked by the real tools: routes with
 * `amtool config routes test`, inhibition with a real Alertmanager (amtool cannot evaluate inhibit
 * rules). Expected receivers and inhibited alerts are written by hand from the documented mapping:
 * critical → PagerDuty, warning → Slack, info → nobody; a warning is muted only while a critical
 * alert fires for the same service and the same, present, `slo`.
 */
const config = loadStackConfig(minimalRaw({ pagerdutyRoutingKey: "<secret>", slackWebhookUrl: "<secret>" }, ["pagerdutyRoutingKey", "slackWebhookUrl"]), { knownRunbooks });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-am-"));
const configFile = path.join(dir, "alertmanager.yml");
fs.writeFileSync(configFile, toYaml(renderAlertmanagerConfig(config)));

describe("amtool config routes test: severity words route as documented", () => {
    const cases: [string, string[], string][] = [
        ["a critical alert pages through PagerDuty", ["alertname=HighErrorRate", "severity=critical", "service=shop"], "pagerduty"],
        ["a warning goes to Slack", ["alertname=HighLatency", "severity=warning", "service=shop"], "slack"],
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

describe("a real Alertmanager inhibits a warning only for the same service and the same slo", () => {
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

    test("FastBudgetBurn mutes SlowBudgetBurn of its SLO; HighErrorRate (no slo) mutes nothing", async () => {
        const alerts: Record<string, string>[] = [
            { alertname: "FastBudgetBurn", severity: "critical", service: "shop", slo: "availability" },
            { alertname: "SlowBudgetBurn", severity: "warning", service: "shop", slo: "availability" },
            { alertname: "SlowBudgetBurn", severity: "warning", service: "shop", slo: "latency" },
            { alertname: "SlowBudgetBurn", severity: "warning", service: "cart", slo: "availability" },
            { alertname: "HighErrorRate", severity: "critical", service: "shop" },
            { alertname: "HighLatency", severity: "warning", service: "shop" },
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
        assert.equal(listed.length, 6, "all alerts were received");
        assert.deepEqual(muted, ["SlowBudgetBurn shop availability"]);
    });
});
