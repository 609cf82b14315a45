/**
 * SLO dashboard query cost on a real Prometheus: 30 days of synthetic traffic for 50 services is
 * backfilled (`promtool tsdb create-blocks-from openmetrics`), the generated recording rules are
 * evaluated over it (`promtool tsdb create-blocks-from rules`, one pass per dependency level), and
 * every query of the generated SLO dashboards is timed against the same figure computed naively
 * from the raw counters at query time. Same process, same data, interleaved.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { linksFor } from "../alerts/links";
import { loadServiceSpec } from "../config/load";
import { ServiceSpec } from "../config/types";
import { renderServiceDashboards, substituteVariables } from "../dashboards";
import { renderService } from "../render";
import { toYaml } from "../render/yaml";
import { knownRunbooks, loadStack } from "../test/support/fixtures";
import { naiveDashboardQuery } from "./naive";
import { freePort, LOOPBACK } from "../scripts/dev/ports";
import { ManagedProcess, runAsync } from "../scripts/dev/processes";
import { BenchOptions, formatMs, formatSeconds, printTable, quantile, seededRandom } from "./report";

const STEP_SECONDS = 60;
const DAY = 86400;
/** Grafana's step for a range query: range / max data points (about a panel's width), made "nice". */
const MAX_DATA_POINTS = 1000;
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4];
/** Share of requests at or under each bucket bound in normal operation. */
const LATENCY_CDF = [0.35, 0.65, 0.82, 0.92, 0.975, 0.995];

interface RuleModel {
    readonly record?: string;
    readonly alert?: string;
    readonly expr: string;
    readonly labels?: Record<string, string>;
}

/** Every 5th service also has a latency SLO (P95 < 2s); all have a 99.9% availability SLO. */
function benchServices(count: number): ServiceSpec[] {
    return Array.from({ length: count }, (_, i) => {
        const name = `svc-${String(i + 1).padStart(2, "0")}`;
        const slos: object[] = [{ kind: "availability", objective: 99.9 }];
        if (i % 5 === 0) {
            slos.push({ kind: "latency", percentile: 95, threshold: "2s" });
        }
        return loadServiceSpec({ name, team: "bench", histogramBuckets: LATENCY_BUCKETS, slos }, { knownRunbooks });
    });
}

interface Traffic {
    readonly total: Float64Array;
    readonly errors: Float64Array;
    /** Requests slower than each latency bucket bound, per minute (only for latency services). */
    readonly overBucket?: Float64Array[];
}

/**
 * Requests per minute with a daily cycle, a small background error ratio and two incidents per
 * service (2–20% errors or slow requests for 10–120 minutes); integer counts, seeded.
 */
function traffic(index: number, minutes: number, latency: boolean): Traffic {
    const random = seededRandom(1000 + index);
    const baseRps = 2 + random() * 48;
    const baseError = 0.0002 + random() * 0.0006;
    const incidents = Array.from({ length: 2 }, () => ({ at: Math.floor(random() * minutes), length: 10 + Math.floor(random() * 110), ratio: 0.02 + random() * 0.18 }));
    const total = new Float64Array(minutes);
    const errors = new Float64Array(minutes);
    const overBucket = latency ? LATENCY_BUCKETS.map(() => new Float64Array(minutes)) : undefined;
    const round = (x: number) => Math.floor(x + random());
    for (let m = 0; m < minutes; m++) {
        const diurnal = 1 + 0.5 * Math.sin((2 * Math.PI * m) / 1440);
        const requests = round(baseRps * 60 * diurnal);
        const incident = incidents.find((i) => m >= i.at && m < i.at + i.length);
        total[m] = requests;
        errors[m] = round(requests * (incident ? incident.ratio : baseError));
        if (overBucket) {
            const slowShift = incident ? incident.ratio : 0;
            LATENCY_CDF.forEach((cdf, b) => {
                overBucket[b][m] = round(requests * Math.min(1, 1 - cdf + slowShift));
            });
        }
    }
    return { total, errors, overBucket };
}

/** Writes the OpenMetrics file a series at a time, a megabyte per write, so memory stays flat. */
function writeOpenMetrics(file: string, services: readonly ServiceSpec[], start: number, minutes: number): number {
    const fd = fs.openSync(file, "w");
    let buffer = "";
    let lines = 0;
    const flush = (force = false) => {
        if (force || buffer.length > 1 << 20) {
            fs.writeSync(fd, buffer);
            buffer = "";
        }
    };
    const series = (name: string, labels: string, perMinute: (m: number) => number) => {
        let value = 0;
        for (let m = 0; m < minutes; m++) {
            value += perMinute(m);
            buffer += `${name}{${labels}} ${value} ${start + (m + 1) * STEP_SECONDS}\n`;
            lines++;
            flush();
        }
    };
    const all = services.map((service, i) => ({ service, traffic: traffic(i, minutes, service.slos.some((slo) => slo.kind === "latency")) }));
    // OpenMetrics wants each metric family in one block: all _count series, then all _bucket series.
    buffer += "# TYPE http_server_request_duration_seconds_count counter\n";
    for (const { service, traffic: t } of all) {
        series("http_server_request_duration_seconds_count", `service_name="${service.name}",http_response_status_code="200"`, (m) => t.total[m] - t.errors[m]);
        series("http_server_request_duration_seconds_count", `service_name="${service.name}",http_response_status_code="500"`, (m) => t.errors[m]);
    }
    buffer += "# TYPE http_server_request_duration_seconds_bucket counter\n";
    for (const { service, traffic: t } of all) {
        if (!t.overBucket) {
            continue;
        }
        LATENCY_BUCKETS.forEach((le, b) => series("http_server_request_duration_seconds_bucket", `service_name="${service.name}",le="${le}"`, (m) => t.total[m] - t.overBucket![b][m]));
        series("http_server_request_duration_seconds_bucket", `service_name="${service.name}",le="+Inf"`, (m) => t.total[m]);
    }
    buffer += "# EOF\n";
    flush(true);
    fs.closeSync(fd);
    return lines;
}

/**
 * Recording rules grouped by dependency level: level 0 reads raw series only, level n reads a
 * series recorded at level n-1. promtool backfills one level at a time from what Prometheus has.
 */
function rulesByLevel(services: readonly ServiceSpec[]): RuleModel[][] {
    const config = loadStack("dev");
    const links = linksFor(config);
    // Every recording rule of each service's group; of them, the SLOs' rules and the service's rates they read are backfilled.
    const recorded = services.flatMap((service) =>
        (YAML.parse(renderService(config, service, links).ruleFile.content) as { groups: { name: string; rules: RuleModel[] }[] }).groups.flatMap((group) =>
            group.rules.filter((rule) => rule.record),
        ),
    );
    const names = new Set(recorded.map((rule) => rule.record!));
    const depsOf = (rule: RuleModel): RuleModel[] =>
        [...names]
            .filter((name) => rule.expr.includes(`${name}{`))
            .map((name) => {
                // The same SLO's series, else the service's own (its rates carry no slo label).
                const candidates = recorded.filter((r) => r.record === name && r.labels?.service === rule.labels?.service);
                return candidates.find((r) => r.labels?.slo === rule.labels?.slo) ?? candidates.find((r) => r.labels?.slo === undefined)!;
            });
    const levels = new Map<RuleModel, number>();
    const levelOf = (rule: RuleModel): number => {
        const known = levels.get(rule);
        if (known !== undefined) {
            return known;
        }
        const deps = depsOf(rule);
        const level = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
        levels.set(rule, level);
        return level;
    };
    const needed = new Set<RuleModel>();
    const need = (rule: RuleModel): void => {
        if (!needed.has(rule)) {
            needed.add(rule);
            depsOf(rule).forEach(need);
        }
    };
    recorded.filter((rule) => rule.labels?.slo !== undefined).forEach(need);
    const result: RuleModel[][] = [];
    for (const rule of recorded.filter((r) => needed.has(r))) {
        (result[levelOf(rule)] ??= []).push(rule);
    }
    return result;
}

interface TimedQuery {
    readonly dashboard: string;
    readonly panel: string;
    readonly instant: boolean;
    readonly recorded: string;
    readonly naive: string;
}

interface PanelModel {
    readonly title?: string;
    readonly targets?: readonly { expr?: string; instant?: boolean }[];
    readonly panels?: readonly PanelModel[];
}

function dashboardTargets(model: object): { panel: string; expr: string; instant: boolean }[] {
    const walk = (panels: readonly PanelModel[] | undefined): { panel: string; expr: string; instant: boolean }[] =>
        (panels ?? []).flatMap((panel) => [
            ...(panel.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: panel.title ?? "", expr: t.expr!, instant: t.instant === true })),
            ...walk(panel.panels),
        ]);
    return walk((model as { panels?: PanelModel[] }).panels);
}

class PrometheusServer {
    private process?: ManagedProcess;
    url = "";
    constructor(
        private readonly binary: string,
        private readonly dir: string,
    ) {}

    async start(): Promise<void> {
        const port = await freePort();
        const config = path.join(this.dir, "prometheus.yml");
        fs.writeFileSync(config, toYaml({ global: { scrape_interval: "1m", evaluation_interval: "1m" } }));
        this.url = `http://${LOOPBACK}:${port}`;
        this.process = new ManagedProcess({
            name: "prometheus",
            binary: this.binary,
            args: [`--config.file=${config}`, `--storage.tsdb.path=${path.join(this.dir, "data")}`, "--storage.tsdb.retention.time=400d", `--web.listen-address=${LOOPBACK}:${port}`, "--log.level=warn"],
            logFile: path.join(this.dir, "prometheus.log"),
            nice: true,
        });
        this.process.start();
        await this.process.waitForHttp(`${this.url}/-/ready`, 300_000, 250);
    }

    async stop(): Promise<void> {
        await this.process?.stop("SIGTERM", 15_000);
        this.process = undefined;
    }

    async metric(name: string): Promise<number> {
        const text = await (await fetch(`${this.url}/metrics`)).text();
        const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
        return line ? Number(line.split(" ").pop()) : NaN;
    }

    /** Waits for the first compaction cycle (a minute after start) and for it to finish. */
    async settle(timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline && !((await this.metric("prometheus_tsdb_compactions_triggered_total")) >= 1)) {
            await new Promise((r) => setTimeout(r, 2000));
        }
        let last = "";
        while (Date.now() < deadline) {
            const now = `${await this.metric("prometheus_tsdb_blocks_loaded")}/${await this.metric("prometheus_tsdb_compactions_total")}/${await this.metric("prometheus_tsdb_vertical_compactions_total")}`;
            if (now === last) {
                return;
            }
            last = now;
            await new Promise((r) => setTimeout(r, 5000));
        }
    }

    async time(expr: string, instant: boolean, start: number, end: number, step: number): Promise<number> {
        const params = new URLSearchParams(instant ? { query: expr, time: String(end) } : { query: expr, start: String(start), end: String(end), step: String(step) });
        const begin = performance.now();
        const response = await fetch(`${this.url}/api/v1/${instant ? "query" : "query_range"}`, { method: "POST", body: params });
        const body = (await response.json()) as { status: string; error?: string };
        const ms = performance.now() - begin;
        if (body.status !== "success") {
            throw new Error(`query failed (${body.error}): ${expr}`);
        }
        return ms;
    }
}

export async function queryCost(options: BenchOptions & { promtool: string; prometheus: string }): Promise<void> {
    const serviceCount = options.quick ? 10 : 50;
    const days = options.quick ? 7 : 30;
    const timedDashboards = options.quick ? 4 : 10;
    const repetitions = options.quick ? 3 : 7;
    const dir = path.join(options.scratch, "query-cost");
    const data = path.join(dir, "data");
    fs.mkdirSync(data, { recursive: true });
    const services = benchServices(serviceCount);
    const minutes = days * 1440;
    const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
    const start = end - minutes * STEP_SECONDS;
    const phases: [string, number][] = [];
    const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
        const begin = performance.now();
        const result = await work();
        phases.push([name, (performance.now() - begin) / 1000]);
        return result;
    };

    // 1. Raw data.
    const raw = path.join(dir, "raw.om");
    const lines = await phase("write OpenMetrics", async () => writeOpenMetrics(raw, services, start, minutes));
    const rawBytes = fs.statSync(raw).size;
    await phase("create-blocks-from openmetrics", async () => {
        // Hidden flag: 162h blocks instead of 2h ones, so Prometheus opens a handful, not hundreds.
        const result = await runAsync(options.promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=162h", raw, data], undefined, { timeoutMs: 1_800_000, nice: true });
        if (result.code !== 0) {
            throw new Error(`create-blocks-from openmetrics failed:\n${result.output.slice(-2000)}`);
        }
    });
    fs.rmSync(raw);

    // 2. Recording rules, one dependency level per pass; Prometheus restarts to see each level.
    const prometheus = new PrometheusServer(options.prometheus, dir);
    const levels = rulesByLevel(services);
    const dashboardRange = 7 * DAY;
    let ruleCount = 0;
    try {
        for (const [level, rules] of levels.entries()) {
            await phase(`start Prometheus (level ${level})`, () => prometheus.start());
            // The SLO-window SLI averages the 5m ratio over 30 days: that ratio is backfilled over
            // all the data, at 5m (the average of 5m ratios needs no more), and the 30d rule at 5m too.
            const longRules = rules.filter((r) => /ratio_rate(5m|30d)$/.test(r.record!));
            const otherRules = rules.filter((r) => !longRules.includes(r));
            const passes = [
                { name: "5m", rules: longRules, from: level === 0 ? start + 600 : end - dashboardRange, interval: "5m" },
                { name: "1m", rules: otherRules, from: end - dashboardRange, interval: "1m" },
            ].filter((p) => p.rules.length > 0);
            for (const pass of passes) {
                ruleCount += pass.rules.length;
                const file = path.join(dir, `rules-${level}-${pass.name}.yaml`);
                fs.writeFileSync(file, toYaml({ groups: [{ name: `level-${level}-${pass.name}`, interval: pass.interval, rules: pass.rules.map(({ record, expr, labels }) => ({ record, expr, labels })) }] }));
                const out = path.join(dir, `blocks-${level}-${pass.name}`);
                await phase(`backfill rules level ${level} @${pass.interval} (${pass.rules.length} rules)`, async () => {
                    const result = await runAsync(
                        options.promtool,
                        ["tsdb", "create-blocks-from", "rules", "--quiet", "--max-block-duration=162h", `--url=${prometheus.url}`, `--start=${pass.from}`, `--end=${end}`, `--output-dir=${out}`, file],
                        undefined,
                        { timeoutMs: 1_800_000, nice: true },
                    );
                    if (result.code !== 0 || /level=ERROR/.test(result.output)) {
                        throw new Error(`create-blocks-from rules failed:\n${result.output.slice(-2000)}`);
                    }
                });
                for (const block of fs.readdirSync(out)) {
                    fs.renameSync(path.join(out, block), path.join(data, block));
                }
            }
            await prometheus.stop();
        }

        // 3. The dashboards' queries, recorded vs naive, interleaved.
        await phase("start Prometheus and wait for compaction", async () => {
            await prometheus.start();
            await prometheus.settle(600_000);
        });
        const config = loadStack("dev");
        const links = linksFor(config);
        const step = niceStep(dashboardRange / MAX_DATA_POINTS);
        const variables = { __range: `${dashboardRange / DAY}d`, __interval: `${step}s`, __rate_interval: "4m" };
        const chosen = services.filter((_, i) => i % Math.max(1, Math.floor(serviceCount / timedDashboards)) === 0).slice(0, timedDashboards);
        const queries: TimedQuery[] = chosen.flatMap((service) => {
            const slo = renderServiceDashboards(config, service, links).find((d) => d.uid.endsWith("-slo"))!;
            return dashboardTargets(slo.model).map((target) => {
                const expr = substituteVariables(target.expr, variables);
                const owner = service.slos.find((s) => expr.includes(`slo="${s.name}"`)) ?? service.slos[0];
                return { dashboard: slo.uid, panel: `${owner.kind === "latency" ? "latency" : "availability"}: ${target.panel}`, instant: target.instant, recorded: expr, naive: naiveDashboardQuery(expr, service, owner) };
            });
        });
        // A panel's cost is the sum of its queries (Grafana sends them together); pooled per panel
        // title over the timed dashboards and repetitions.
        const times = new Map<string, { recorded: number[]; naive: number[]; instant: boolean; same: boolean }>();
        const perDashboard: { recorded: number; naive: number }[] = [];
        await phase(`time ${queries.length} queries x ${repetitions} x 2`, async () => {
            // Warm-up: the first read of each block pays for mapping it; both sides get one.
            for (const q of queries) {
                await prometheus.time(q.recorded, q.instant, end - dashboardRange, end, step);
                await prometheus.time(q.naive, q.instant, end - dashboardRange, end, step);
            }
            for (let rep = 0; rep < repetitions; rep++) {
                const panels = new Map<string, { panel: string; recorded: number; naive: number; instant: boolean; same: boolean }>();
                const dashboards = new Map<string, { recorded: number; naive: number }>();
                for (const q of queries) {
                    const recorded = await prometheus.time(q.recorded, q.instant, end - dashboardRange, end, step);
                    const naive = await prometheus.time(q.naive, q.instant, end - dashboardRange, end, step);
                    const key = `${q.dashboard}|${q.panel}`;
                    const panel = panels.get(key) ?? { panel: q.panel, recorded: 0, naive: 0, instant: true, same: true };
                    panel.recorded += recorded;
                    panel.naive += naive;
                    panel.instant &&= q.instant;
                    panel.same &&= q.recorded === q.naive;
                    panels.set(key, panel);
                    const dashboard = dashboards.get(q.dashboard) ?? { recorded: 0, naive: 0 };
                    dashboard.recorded += recorded;
                    dashboard.naive += naive;
                    dashboards.set(q.dashboard, dashboard);
                }
                for (const panel of panels.values()) {
                    const entry = times.get(panel.panel) ?? { recorded: [], naive: [], instant: panel.instant, same: panel.same };
                    entry.recorded.push(panel.recorded);
                    entry.naive.push(panel.naive);
                    times.set(panel.panel, entry);
                }
                perDashboard.push(...dashboards.values());
            }
        });

        const rows = [...times.entries()].map(([panel, t]) => {
            const ratio = quantile(t.naive, 0.5) / quantile(t.recorded, 0.5);
            return [
                panel,
                t.instant ? "instant" : "range",
                formatMs(quantile(t.recorded, 0.5)),
                formatMs(quantile(t.recorded, 0.95)),
                formatMs(quantile(t.naive, 0.5)),
                formatMs(quantile(t.naive, 0.95)),
                t.same ? "same query" : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}x`,
            ];
        });
        const recordedTotals = perDashboard.map((t) => t.recorded);
        const naiveTotals = perDashboard.map((t) => t.naive);
        rows.push([
            "whole SLO dashboard (sum of its queries)",
            "",
            formatMs(quantile(recordedTotals, 0.5)),
            formatMs(quantile(recordedTotals, 0.95)),
            formatMs(quantile(naiveTotals, 0.5)),
            formatMs(quantile(naiveTotals, 0.95)),
            `${(quantile(naiveTotals, 0.5) / quantile(recordedTotals, 0.5)).toFixed(0)}x`,
        ]);
        printTable(
            "SLO dashboard query cost: generated (recorded series) vs naive (raw counters at query time)",
            ["panel (all its queries)", "kind", "recorded p50", "recorded p95", "naive p50", "naive p95", "speed-up (p50)"],
            rows,
            [
                `${serviceCount} services (every 5th with a P95 < 2s latency SLO besides 99.9% availability), ${days} days at 1m resolution: ${lines.toLocaleString("en")} samples, ${(rawBytes / 1024 ** 2).toFixed(0)} MiB of OpenMetrics (deleted after import).`,
                `${ruleCount} recording rules backfilled in ${levels.length} dependency passes; the 5m ratio (over all ${days} days) and the 30d SLI at a 5m interval, the rest at 1m over the last 7 days (the dashboards' default range).`,
                `${chosen.length} SLO dashboards timed (${queries.length} queries), ${repetitions} interleaved repetitions after one warm-up; range queries over 7d at a ${formatSeconds(step)} step (7d / ${MAX_DATA_POINTS} points, as Grafana picks), instant queries at the end.`,
                "A panel's figure is the sum of its queries' times in one repetition; p50/p95 are over the timed dashboards × repetitions (the latency rows come from fewer dashboards).",
                "Naive: the same panel with each recorded series replaced by its raw-counter expression (e.g. the 30d SLI as rate over 30d of the request counters). ALERTS has no raw form: same query both sides.",
                `Each figure is the HTTP round trip to Prometheus ${path.basename(options.prometheus)} on 127.0.0.1 (query + JSON), one query at a time.`,
            ],
        );
        printTable("Query-cost setup phases", ["phase", "time"], phases.map(([name, seconds]) => [name, formatSeconds(seconds)]));
    } finally {
        await prometheus.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Grafana rounds an interval to the nearest "nice" one (604.8s for 7d / 1000 points becomes 10m). */
function niceStep(seconds: number): number {
    const nice = [60, 120, 300, 600, 900, 1200, 1800, 3600];
    return nice.reduce((best, n) => (Math.abs(Math.log(n / seconds)) < Math.abs(Math.log(best / seconds)) ? n : best));
}

