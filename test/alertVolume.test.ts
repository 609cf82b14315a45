import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { notificationGroupsOpened } from "../dashboards/overview";
import { runAsync, toolPath } from "../scripts/dev";

/**
 * The overview's alert-volume queries, evaluated by promtool over ALERTS series written by hand as
 * Prometheus writes them (a sample per evaluation while firing, a staleness marker when resolved).
 * Expected counts are written by hand: one page per stretch in which a service has some critical
 * alert firing (however many overlap), one ticket per stretch of warnings, nothing for info alerts.
 */
describe("the overview counts pages and tickets per service as Alertmanager groups them", () => {
    const firing = (labels: string) => `ALERTS{alertstate="firing", ${labels}}`;
    const document = {
        rule_files: [],
        evaluation_interval: "1m",
        tests: [
            {
                name: "alert volume over 7 and 30 days",
                interval: "1m",
                input_series: [
                    // shop: FastBudgetBurn 10m..25m and HighErrorRate 12m..30m overlap: one page; FastBudgetBurn again at 100m..110m: a second.
                    { series: firing('alertname="FastBudgetBurn", severity="critical", service="shop", slo="availability"'), values: "_x10 1+0x15 stale _x73 1+0x10 stale" },
                    { series: firing('alertname="HighErrorRate", severity="critical", service="shop"'), values: "_x12 1+0x18 stale" },
                    // shop: one ticket 40m..60m.
                    { series: firing('alertname="SlowBudgetBurn", severity="warning", service="shop", slo="availability"'), values: "_x40 1+0x20 stale" },
                    // cart: one page 50m..55m; its info alert and the Watchdog count for nothing.
                    { series: firing('alertname="TrafficDrop", severity="critical", service="cart"'), values: "_x50 1+0x5 stale" },
                    { series: firing('alertname="SomethingToKnow", severity="info", service="cart"'), values: "1+0x200" },
                    { series: firing('alertname="Watchdog", severity="info", service="prometheus"'), values: "1+0x200" },
                ],
                promql_expr_test: [
                    { expr: notificationGroupsOpened("critical", "7d"), eval_time: "200m", exp_samples: [{ labels: '{service="shop"}', value: 2 }, { labels: '{service="cart"}', value: 1 }] },
                    { expr: notificationGroupsOpened("warning", "7d"), eval_time: "200m", exp_samples: [{ labels: '{service="shop"}', value: 1 }] },
                    { expr: notificationGroupsOpened("critical", "30d"), eval_time: "200m", exp_samples: [{ labels: '{service="shop"}', value: 2 }, { labels: '{service="cart"}', value: 1 }] },
                    // Before the second stretch began only the first page of shop had happened.
                    { expr: notificationGroupsOpened("critical", "7d"), eval_time: "90m", exp_samples: [{ labels: '{service="shop"}', value: 1 }, { labels: '{service="cart"}', value: 1 }] },
                ],
            },
        ],
    };
    test("promtool finds two pages and a ticket for shop, one page for cart", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-volume-"));
        fs.writeFileSync(path.join(dir, "volume.yaml"), YAML.stringify(document));
        const result = await runAsync(toolPath("promtool"), ["test", "rules", "volume.yaml"], dir);
        assert.equal(result.code, 0, result.output);
    });
});
