/**
 * The stack the hand-written promtool suites (test/rules/*.yaml) are written against: two services
 * covering both discovery kinds, both HTTP presets, a 30-day and a 28-day SLO, the workbook policy
 * and a team's own "page at 5×" policy, a latency SLO, a one-level saturation signal (shop) and a
 * two-level one (cart: warning at 80% for 15m, critical at 95% for 5m), and a service without SLOs
 * whose traffic-anomaly thresholds are its own (feed), a service whose availability SLO counts its
 * synthetic probes (storefront), and a job worker (transcoder); on a generic cluster whose etcd is
 * scraped, so every cluster alert is rendered.
 */
import { loadStackConfig } from "../../config/load";
import { StackConfig } from "../../config/types";
import { readRunbooks } from "../../io/runbooks";
import { renderStack, ruleFiles } from "../../render";
import { knownRunbooks, minimalRaw } from "./fixtures";

export function ruleFixtureConfig(): StackConfig {
    return loadStackConfig(
        minimalRaw({
            // A self-run control plane whose etcd exposes its metrics: every cluster alert is rendered.
            cluster: { provider: "generic", etcdTargets: ["10.0.0.10:2381"] },
            services: [
                {
                    name: "shop",
                    team: "payments",
                    histogramBuckets: [0.5, 1, 2.5],
                    slos: [
                        { kind: "availability", objective: 99.9 },
                        { kind: "latency", percentile: 95, threshold: "1s" },
                    ],
                    saturation: [
                        {
                            name: "db_connection_pool",
                            query: 'max(db_client_connections_usage{service_name="shop"}) / max(db_client_connections_max{service_name="shop"})',
                            threshold: 85,
                            for: "10m",
                            alert: "DBConnectionPoolExhaustion",
                            severity: "page",
                        },
                    ],
                },
                {
                    name: "cart",
                    team: "checkout",
                    discovery: { kind: "scrape", selector: { app: "cart" }, port: "http" },
                    conventions: { preset: "prometheus-http" },
                    slos: [{ kind: "availability", objective: 99.5, window: "28d" }],
                    alerts: { burnRatePolicy: { page: [{ long: "1h", short: "5m", factor: 5 }] } },
                    saturation: [
                        {
                            name: "queue_depth",
                            query: 'max(cart_jobs_queued{job="cart"}) / max(cart_jobs_queue_capacity{job="cart"})',
                            alert: "QueueBacklogHigh",
                            warning: { threshold: 80, for: "15m" },
                            critical: { threshold: 95, for: "5m" },
                        },
                    ],
                },
                {
                    // No SLOs: its rule file holds only the golden rules, so the traffic-anomaly suite can
                    // feed it a week and a half of one-minute samples quickly. Drop under 60%, spike over 4x.
                    name: "feed",
                    team: "content",
                    slos: [],
                    alerts: { trafficAnomaly: { dropPercent: 40, spikePercent: 300, minRequestsPerMinute: 20 } },
                },
                {
                    // Availability seen from outside: the blackbox exporter's probes of its home page, 99% over 30d.
                    name: "storefront",
                    team: "web",
                    slos: [{ kind: "availability", name: "reachable", objective: 99, sli: "probe" }],
                    probes: [{ name: "home", url: "https://shop.example.com/" }],
                },
                {
                    // A job worker (OTel messaging conventions) whose lag comes from its broker's exporter.
                    name: "transcoder",
                    team: "media",
                    conventions: {
                        preset: "otel-messaging",
                        queueDepthQuery: 'transcode_jobs_waiting{queue="transcode"}',
                        queueLagQuery: 'transcode_oldest_job_age_seconds{queue="transcode"}',
                    },
                    slos: [],
                    alerts: { maxQueueLag: "10m" },
                },
            ],
        }),
        { knownRunbooks },
    );
}

/** Every rendered rule file of the fixture stack, by file name. */
export function renderStackRules(): Map<string, string> {
    return new Map(ruleFiles(renderStack(ruleFixtureConfig(), readRunbooks())).map((file) => [file.fileName, file.content]));
}
