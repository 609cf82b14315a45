/**
 * Rule cost of one availability SLO, ours against Sloth's, on the real tools: the SLO group our
 * product code renders and the rules the real Sloth (built by scripts/tools.sh) generates for the
 * same SLI (our raw counter and failure matcher, read from our own rules), each loaded into its own
 * real Prometheus scraping the same synthetic exporter. What each rule set costs Prometheus per
 * evaluation is measured two ways: every rule's expression is evaluated once at one timestamp with
 * `stats=all` and its `totalQueryableSamples` summed (deterministic, and it names the costly
 * rules), and the `prometheus_engine_query_samples_total` counter over whole evaluation rounds.
 *
 * History: the raw counters are backfilled (`promtool tsdb create-blocks-from openmetrics`) over
 * more than the longest window any rule reads them with, and the one series either rule set reads
 * over the SLO period (the recorded 5m error ratio, read by the 30d ratio rule) over more than the
 * period; the exporter continues the same counters from there. So every window is full, as in a
 * Prometheus that has run the rules for a month; the bench fails if a rule reads further back.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as YAML from "yaml";
import { serviceRuleFile } from "../alerts";
import { linksFor } from "../alerts/links";
import { loadServiceSpec } from "../config/load";
import { ServiceSpec } from "../config/types";
import { toYaml } from "../render/yaml";
import { knownRunbooks, loadStack } from "../test/support/fixtures";
import { waitUntil } from "../scripts/dev/polling";
import { freePort, LOOPBACK } from "../scripts/dev/ports";
import { ManagedProcess, run, runAsync } from "../scripts/dev/processes";
import { requireTool } from "../scripts/dev/tools";
import { BenchOptions, formatSeconds, parsePromDuration, printTable } from "./report";

const SERVICE = "checkout";
const ROUTES = ["/api/items", "/api/items/{id}", "/api/search", "/api/cart", "/healthz"];
/** Routes get 40%, 25%, 20%, 10% and 5% of the traffic. */
const ROUTE_SHARES = [0.4, 0.25, 0.2, 0.1, 0.05];
/** Share of requests per status code: a healthy service with a trickle of 5xx. */
const STATUS_SHARES: readonly [string, number][] = [["200", 0.9], ["201", 0.07], ["404", 0.025], ["500", 0.005]];
const PODS = 3;
/** The scrape job of the synthetic exporter. */
const JOB = "synthetic";
const REQUESTS_PER_SECOND = 20;
/** The raw counters' backfilled history: more than the longest window a rule reads them with (3d), checked below. */
const RAW_HISTORY_SECONDS = 4 * 86400;
/** The recorded 5m ratio's backfilled history: more than the SLO period (30d), checked below. */
const RECORDED_HISTORY_SECONDS = 31 * 86400;
/** Evaluation rounds counted by prometheus_engine_query_samples_total after warm-up. */
const ROUNDS = 4;

interface Rule {
    readonly record?: string;
    readonly alert?: string;
    readonly expr: string;
    readonly labels?: Record<string, string>;
}
interface Group {
    readonly name: string;
    readonly rules: readonly Rule[];
}

interface RuleSet {
    readonly name: "ours" | "Sloth";
    readonly groups: readonly Group[];
    /** Labels of the recorded 5m error ratio that the SLO-period rule averages. */
    readonly ratioLabels: Record<string, string>;
}

interface RuleCost {
    readonly name: string;
    /** totalQueryableSamples of the rule's expression. */
    readonly samples: number;
    /** Of those, the raw counter's: per range selector, its samples and the series it matched. */
    readonly raw: { samples: number; series: number }[];
}

interface Measured {
    readonly perRule: RuleCost[];
    readonly queryable: number;
    readonly counterPerRound: number;
    readonly rounds: number;
}

const ruleName = (rule: Rule) => rule.record ?? `alert ${rule.alert}`;
const counts = (set: RuleSet) => {
    const rules = set.groups.flatMap((g) => g.rules);
    return { recording: rules.filter((r) => r.record).length, alerting: rules.filter((r) => r.alert).length };
};

/** One service with one 99.9% availability SLO (30d, the default burn-rate policy) on the otel-http preset. */
function benchService(): ServiceSpec {
    const service = loadServiceSpec({ name: SERVICE, team: "bench", slos: [{ kind: "availability", objective: 99.9 }] }, { knownRunbooks });
    if (service.conventions.preset !== "otel-http") {
        throw new Error(`the bench service should be on the otel-http preset, got ${service.conventions.preset}`);
    }
    return service;
}

/**
 * Our rules for the SLO, exactly as rendered: of the service's one rule group, the SLO's rules
 * (labelled with it) and the rules recording the series they read, transitively (the service's
 * request and failure rates per window, alerts/rates.ts); the golden signals' own rules are left out.
 */
function ourRules(service: ServiceSpec, scrapeInterval: string): RuleSet {
    const config = loadStack("dev");
    const groups = serviceRuleFile(service, linksFor(config), scrapeInterval).groups.filter((g) => g.name === SERVICE);
    if (groups.length !== 1) {
        throw new Error(`no group ${SERVICE} in the rendered rule file`);
    }
    // Through YAML, as Prometheus reads it.
    const [group] = (YAML.parse(toYaml({ groups })) as { groups: Group[] }).groups;
    const byName = new Map<string, Rule[]>();
    for (const rule of group.rules.filter((r) => r.record)) {
        byName.set(rule.record!, [...(byName.get(rule.record!) ?? []), rule]);
    }
    const kept = new Set<Rule>();
    const keep = (rule: Rule) => {
        if (kept.has(rule)) return;
        kept.add(rule);
        for (const name of byName.keys()) {
            if (new RegExp(`(^|[^a-zA-Z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\{service="${SERVICE}"`).test(rule.expr)) {
                byName.get(name)!.filter((r) => r.labels?.slo === undefined || r.labels.slo === "availability").forEach(keep);
            }
        }
    };
    group.rules.filter((r) => r.labels?.slo === "availability").forEach(keep);
    // In the group's order: each rule after the ones it reads.
    const rules = group.rules.filter((r) => kept.has(r));
    return { name: "ours", groups: [{ name: group.name, rules }], ratioLabels: { service: SERVICE, slo: "availability" } };
}

/**
 * The SLI's two queries as Sloth templates, taken from our own recorded 1h rates (each
 * `sum(rate(<counter>{…}[1h]))`), so both rule sets read the same series with the same matcher.
 */
function sliQueries(ours: RuleSet): { error: string; total: string } {
    const expr = (record: string) => {
        const rule = ours.groups[0].rules.find((r) => r.record === record);
        if (!rule || !/^sum\(rate\([^\[]+\[1h\]\)\)$/.test(rule.expr)) {
            throw new Error(`${record} is not sum(rate(<counter>[1h])): ${rule?.expr}`);
        }
        return rule.expr.replace("[1h]", "[{{.window}}]");
    };
    return { error: expr("service:http_errors:rate1h"), total: expr("service:http_requests:rate1h") };
}

/** Sloth's rules for the same SLI: a prometheus/v1 spec through the real `sloth generate`. */
async function slothRules(sloth: string, dir: string, queries: { error: string; total: string }): Promise<{ set: RuleSet; spec: string }> {
    const spec = toYaml({
        version: "prometheus/v1",
        service: SERVICE,
        slos: [{ name: "availability", objective: 99.9, sli: { events: { error_query: queries.error, total_query: queries.total } }, alerting: { name: "CheckoutAvailability", page_alert: {}, ticket_alert: {} } }],
    });
    const input = path.join(dir, "sloth-spec.yaml");
    const output = path.join(dir, "sloth-rules.yaml");
    fs.writeFileSync(input, spec);
    const result = await runAsync(sloth, ["generate", "-i", input, "-o", output], dir, { timeoutMs: 60_000 });
    if (result.code !== 0 || !fs.existsSync(output)) {
        throw new Error(`sloth generate failed (exit ${result.code}):\n${result.output.slice(-2000)}`);
    }
    const groups = (YAML.parse(fs.readFileSync(output, "utf8")) as { groups: Group[] }).groups;
    return { set: { name: "Sloth", groups, ratioLabels: { sloth_id: `${SERVICE}-availability`, sloth_service: SERVICE, sloth_slo: "availability", sloth_window: "5m" } }, spec };
}

/** Fails when a rule reads a window longer than the history written for the series it reads. */
function checkHistory(set: RuleSet, counter: string): number {
    let longestRaw = 0;
    for (const rule of set.groups.flatMap((g) => g.rules)) {
        for (const match of rule.expr.matchAll(/\[(\d+[smhdwy])\]/g)) {
            const seconds = parsePromDuration(match[1]);
            const raw = rule.expr.includes(counter);
            if (raw) {
                longestRaw = Math.max(longestRaw, seconds);
            }
            const history = raw ? RAW_HISTORY_SECONDS : RECORDED_HISTORY_SECONDS;
            if (seconds + 3600 > history) {
                throw new Error(`${set.name} ${ruleName(rule)} reads [${match[1]}], longer than the ${formatSeconds(history)} of history written for it: ${rule.expr}`);
            }
            if (!raw && !/slo:sli_error:ratio_rate5m\{/.test(rule.expr)) {
                throw new Error(`${set.name} ${ruleName(rule)} reads a recorded series over [${match[1]}] that the bench writes no history for: ${rule.expr}`);
            }
        }
    }
    return longestRaw;
}

interface RawSeries {
    readonly labels: string;
    readonly perSecond: number;
}

/** The counters' series; `target` is the job and instance labels the scrape adds, so backfilled and scraped samples are one series. */
function rawSeries(target: string): RawSeries[] {
    return ROUTES.flatMap((route, r) =>
        STATUS_SHARES.flatMap(([code, share]) =>
            Array.from({ length: PODS }, (_, pod) => ({
                labels: `${target},service_name="${SERVICE}",http_route="${route}",http_response_status_code="${code}",k8s_pod_name="${SERVICE}-${pod}"`,
                perSecond: (REQUESTS_PER_SECOND * ROUTE_SHARES[r] * share) / PODS,
            })),
        ),
    );
}

/** A counter's value at `t`: requests since an origin a day before the history starts (so no rate starts from zero). */
const counterAt = (series: RawSeries, origin: number, t: number) => Math.floor(series.perSecond * (t - origin));

/** Writes an OpenMetrics file a series at a time, a megabyte per write. */
function writeOpenMetrics(file: string, families: { name: string; type: string; series: { labels: string; value: (t: number) => number; from: number }[] }[], step: number, end: number): number {
    const fd = fs.openSync(file, "w");
    let buffer = "";
    let lines = 0;
    for (const family of families) {
        buffer += `# TYPE ${family.name} ${family.type}\n`;
        for (const series of family.series) {
            for (let t = series.from; t <= end; t += step) {
                buffer += `${family.name}{${series.labels}} ${series.value(t)} ${t}\n`;
                lines++;
                if (buffer.length > 1 << 20) {
                    fs.writeSync(fd, buffer);
                    buffer = "";
                }
            }
        }
    }
    buffer += "# EOF\n";
    fs.writeSync(fd, buffer);
    fs.closeSync(fd);
    return lines;
}

async function createBlocks(promtool: string, file: string, data: string): Promise<void> {
    const result = await runAsync(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=162h", file, data], undefined, { timeoutMs: 900_000, nice: true });
    if (result.code !== 0) {
        throw new Error(`create-blocks-from openmetrics ${path.basename(file)} failed:\n${result.output.slice(-2000)}`);
    }
    fs.rmSync(file);
}

/** The exporter: the same counters as the backfill, continued from the time of each scrape. */
async function startExporter(port: number, counter: string, series: readonly RawSeries[], origin: number, target: string): Promise<http.Server> {
    const server = http.createServer((request, response) => {
        if (request.url !== "/metrics") {
            response.writeHead(404).end();
            return;
        }
        const now = Date.now() / 1000;
        response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
        response.end(`# TYPE ${counter} counter\n${series.map((s) => `${counter}{${s.labels.replace(`${target},`, "")}} ${counterAt(s, origin, now)}\n`).join("")}`);
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, LOOPBACK, resolve));
    return server;
}

interface ApiResponse<T> {
    status: string;
    error?: string;
    data: T;
}

async function api<T>(url: string, body?: URLSearchParams): Promise<T> {
    const response = await fetch(url, body ? { method: "POST", body, signal: AbortSignal.timeout(60_000) } : { signal: AbortSignal.timeout(60_000) });
    const json = (await response.json()) as ApiResponse<T>;
    if (json.status !== "success") {
        throw new Error(`${url} failed: ${json.error ?? response.status}`);
    }
    return json.data;
}

async function selfMetric(url: string, name: string): Promise<number> {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    if (!line) {
        throw new Error(`Prometheus at ${url} exposes no ${name}`);
    }
    return Number(line.split(" ").pop());
}

interface RulesApi {
    groups: { name: string; lastEvaluation: string; rules: { name: string; health: string; lastError?: string }[] }[];
}

class RulePrometheus {
    private process?: ManagedProcess;
    url = "";

    constructor(
        private readonly binary: string,
        private readonly dir: string,
        private readonly set: RuleSet,
    ) {}

    async start(exporterPort: number, scrapeInterval: string, evaluationInterval: string): Promise<void> {
        const port = await freePort();
        const rules = path.join(this.dir, "rules.yaml");
        fs.writeFileSync(rules, toYaml({ groups: this.set.groups }));
        const config = path.join(this.dir, "prometheus.yml");
        fs.writeFileSync(config, toYaml({
            global: { scrape_interval: scrapeInterval, evaluation_interval: evaluationInterval },
            rule_files: [rules],
            scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [`${LOOPBACK}:${exporterPort}`] }] }],
        }));
        this.url = `http://${LOOPBACK}:${port}`;
        this.process = new ManagedProcess({
            name: `prometheus-${this.set.name}`,
            binary: this.binary,
            args: [`--config.file=${config}`, `--storage.tsdb.path=${path.join(this.dir, "data")}`, "--storage.tsdb.retention.time=60d", `--web.listen-address=${LOOPBACK}:${port}`, "--log.level=warn"],
            logFile: path.join(this.dir, "prometheus.log"),
            maxLifetimeMs: 20 * 60_000,
            nice: true,
        });
        this.process.start();
        await this.process.waitForHttp(`${this.url}/-/ready`, 120_000, 250);
    }

    async stop(): Promise<void> {
        await this.process?.stop("SIGTERM", 15_000);
    }

    /** Each group's last evaluation time; fails unless every rule of the file is loaded and none fails to evaluate. */
    async evaluations(): Promise<Map<string, string>> {
        const data = await api<RulesApi>(`${this.url}/api/v1/rules`);
        const loaded = data.groups.flatMap((g) => g.rules).length;
        const want = this.set.groups.flatMap((g) => g.rules).length;
        if (loaded !== want) {
            throw new Error(`${this.set.name}: Prometheus loaded ${loaded} rules, the rule file has ${want}`);
        }
        for (const rule of data.groups.flatMap((g) => g.rules)) {
            if (rule.health === "err") {
                throw new Error(`${this.set.name}: rule ${rule.name} fails to evaluate: ${rule.lastError}`);
            }
        }
        return new Map(data.groups.map((g) => [g.name, g.lastEvaluation]));
    }

    /** Waits for `rounds` more evaluations of every group. */
    async waitRounds(rounds: number, intervalSeconds: number): Promise<void> {
        let seen = await this.evaluations();
        for (let round = 0; round < rounds; round++) {
            const before = seen;
            await waitUntil(`${this.set.name}: an evaluation of every group`, async () => {
                seen = await this.evaluations();
                return [...seen].every(([name, at]) => at !== before.get(name) && !at.startsWith("0001"));
            }, intervalSeconds * 3, 1000);
        }
    }

    private async stats(expr: string, time: number): Promise<{ samples: number; series: number }> {
        const data = await api<{ result: unknown[]; stats?: { samples?: { totalQueryableSamples?: number } } }>(
            `${this.url}/api/v1/query`,
            new URLSearchParams({ query: expr, time: time.toFixed(3), stats: "all" }),
        );
        const samples = data.stats?.samples?.totalQueryableSamples;
        if (typeof samples !== "number") {
            throw new Error(`${this.set.name}: the query returned no stats.samples.totalQueryableSamples: ${expr}`);
        }
        return { samples, series: data.result.length };
    }

    /**
     * Each rule's expression at `time`, with its samples (query stats); and each raw-counter range
     * selector in it on its own (count_over_time of it: the samples it loads and the series it matches).
     */
    async perRule(time: number, counter: string): Promise<RuleCost[]> {
        const out: RuleCost[] = [];
        for (const rule of this.set.groups.flatMap((g) => g.rules)) {
            const whole = await this.stats(rule.expr, time);
            const raw: { samples: number; series: number }[] = [];
            for (const selector of rawSelectors(rule.expr, counter)) {
                const one = await this.stats(`count_over_time(${selector})`, time);
                if (one.series === 0) {
                    throw new Error(`${this.set.name} ${ruleName(rule)}: ${selector} matches no series at ${time}`);
                }
                raw.push({ samples: one.samples, series: one.series });
            }
            out.push({ name: ruleName(rule), samples: whole.samples, raw });
        }
        return out;
    }
}

/** The raw counter's range selectors in an expression (`counter{…}[w]`). */
function rawSelectors(expr: string, counter: string): string[] {
    const pattern = new RegExp(`${counter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\{[^}]*\\}\\[\\d+[smhdwy]\\]`, "g");
    return [...expr.matchAll(pattern)].map((m) => m[0]);
}

const thousands = (n: number) => Math.round(n).toLocaleString("en-US");
const ratio = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(1)}%`.replace(/^(?!-)/, "+");

export async function sloCost(options: BenchOptions): Promise<void> {
    const promtool = requireTool("promtool");
    const prometheus = requireTool("prometheus");
    const sloth = requireTool("sloth");
    const slothVersion = run(sloth, ["version"]).stdout.trim();
    if (!/^v\d/.test(slothVersion)) {
        throw new Error(`${sloth} version printed ${JSON.stringify(slothVersion)}, not a version`);
    }
    const dir = path.join(options.scratch, "slo-cost");
    fs.mkdirSync(dir, { recursive: true });
    const stack = loadStack("dev");
    const scrapeInterval = stack.prometheus.scrapeInterval;
    const evaluationInterval = stack.prometheus.evaluationInterval;
    const scrapeSeconds = parsePromDuration(scrapeInterval);
    const evaluationSeconds = parsePromDuration(evaluationInterval);

    const service = benchService();
    const counter = service.conventions.metrics?.counter;
    if (!counter) {
        throw new Error(`the ${service.conventions.preset} preset names no request counter`);
    }
    const ours = ourRules(service, scrapeInterval);
    const { set: theirs, spec } = await slothRules(sloth, dir, sliQueries(ours));
    const sets = [ours, theirs];
    const longest = Math.max(...sets.map((set) => checkHistory(set, counter)));

    // History: raw counters at the scrape interval, each rule set's 5m ratio at the evaluation interval.
    const end = Math.floor(Date.now() / 1000 / scrapeSeconds) * scrapeSeconds - scrapeSeconds;
    const origin = end - RECORDED_HISTORY_SECONDS - 86400;
    const exporterPort = await freePort();
    const target = `job="${JOB}",instance="${LOOPBACK}:${exporterPort}"`;
    const series = rawSeries(target);
    const backfillBegin = performance.now();
    const base = path.join(dir, "base");
    const rawFile = path.join(dir, "raw.om");
    const rawLines = writeOpenMetrics(rawFile, [{ name: counter, type: "counter", series: series.map((s) => ({ labels: s.labels, value: (t: number) => counterAt(s, origin, t), from: end - RAW_HISTORY_SECONDS })) }], scrapeSeconds, end);
    await createBlocks(promtool, rawFile, base);
    const errorShare = STATUS_SHARES.filter(([code]) => code.startsWith("5")).reduce((sum, [, share]) => sum + share, 0);
    let recordedLines = 0;
    for (const set of sets) {
        const data = path.join(dir, set.name, "data");
        fs.mkdirSync(path.dirname(data), { recursive: true });
        fs.cpSync(base, data, { recursive: true });
        const file = path.join(dir, `${set.name}.om`);
        const labels = Object.entries(set.ratioLabels).map(([k, v]) => `${k}="${v}"`).join(",");
        recordedLines = writeOpenMetrics(file, [{ name: "slo:sli_error:ratio_rate5m", type: "gauge", series: [{ labels, value: () => errorShare, from: end - RECORDED_HISTORY_SECONDS }] }], evaluationSeconds, end);
        await createBlocks(promtool, file, data);
    }
    fs.rmSync(base, { recursive: true, force: true });
    const backfillSeconds = (performance.now() - backfillBegin) / 1000;

    const exporter = await startExporter(exporterPort, counter, series, origin, target);
    const servers = sets.map((set) => new RulePrometheus(prometheus, path.join(dir, set.name), set));
    const results = new Map<string, Measured>();
    try {
        await Promise.all(servers.map((s) => s.start(exporterPort, scrapeInterval, evaluationInterval)));
        // Warm-up: two evaluations of every group (the first scrapes are in by then).
        await Promise.all(servers.map((s) => s.waitRounds(2, evaluationSeconds)));
        const before = await Promise.all(servers.map((s) => selfMetric(s.url, "prometheus_engine_query_samples_total")));
        await Promise.all(servers.map((s) => s.waitRounds(ROUNDS, evaluationSeconds)));
        const after = await Promise.all(servers.map((s) => selfMetric(s.url, "prometheus_engine_query_samples_total")));
        // One timestamp for both, within the last scrape interval, after the rounds.
        const time = Date.now() / 1000;
        for (const [i, server] of servers.entries()) {
            const perRule = await server.perRule(time, counter);
            results.set(sets[i].name, {
                perRule,
                queryable: perRule.reduce((sum, r) => sum + r.samples, 0),
                counterPerRound: (after[i] - before[i]) / ROUNDS,
                rounds: ROUNDS,
            });
        }
    } finally {
        await Promise.all(servers.map((s) => s.stop()));
        await new Promise((resolve) => exporter.close(resolve));
        exporter.closeAllConnections();
    }

    const a = results.get("ours")!;
    const b = results.get("Sloth")!;
    const errorSeries = series.filter((s) => /status_code="5/.test(s.labels)).length;
    // A selector matching another count means backfilled and scraped samples are not one series: the per-series figure would be wrong.
    for (const set of sets) {
        for (const rule of results.get(set.name)!.perRule) {
            for (const raw of rule.raw.filter((r) => r.series !== series.length && r.series !== errorSeries)) {
                throw new Error(`${set.name} ${rule.name}: a raw selector matched ${raw.series} series, not ${series.length} (all) or ${errorSeries} (5xx)`);
            }
        }
    }
    // As the issue counts: the raw counter's samples, and each raw selector's samples over the series it matches.
    const rawOf = (set: RuleSet) => results.get(set.name)!.perRule.flatMap((r) => r.raw);
    const rawSamples = (set: RuleSet) => rawOf(set).reduce((sum, r) => sum + r.samples, 0);
    const perSeries = (set: RuleSet) => rawOf(set).reduce((sum, r) => sum + r.samples / r.series, 0);
    const rows = sets.map((set) => {
        const m = results.get(set.name)!;
        const c = counts(set);
        return [set.name, `${c.recording} + ${c.alerting}`, String(set.groups.length), thousands(m.queryable), thousands(m.counterPerRound), `${thousands(rawSamples(set))} in ${rawOf(set).length} selectors`, thousands(perSeries(set))];
    });
    const ca = counts(ours);
    const cb = counts(theirs);
    rows.push(["ours/Sloth", `${ratio(ca.recording + ca.alerting, cb.recording + cb.alerting)} rules`, "", ratio(a.queryable, b.queryable), ratio(a.counterPerRound, b.counterPerRound), ratio(rawSamples(ours), rawSamples(theirs)), ratio(perSeries(ours), perSeries(theirs))]);
    printTable(
        `Rule cost of one 99.9% availability SLO (30d), ours vs Sloth ${slothVersion}`,
        ["rules", "recording + alerting", "groups", "samples per evaluation (query stats, totalQueryableSamples)", "samples per round (prometheus_engine_query_samples_total)", "raw counter samples per evaluation", "raw samples per evaluation and matched series"],
        rows,
        [
            `Same SLI: Sloth's error_query/total_query are our slo:sli_error:ratio_rate5m's numerator and denominator with [{{.window}}]: ${JSON.stringify(sliQueries(ours))}; Sloth spec: ${spec.trim().split("\n").length} lines (objective 99.9, default 30d windows, page and ticket alerts).`,
            `Data: ${series.length} raw series of ${counter} (${ROUTES.length} routes × ${STATUS_SHARES.length} status codes ${STATUS_SHARES.map(([c]) => c).join("/")} × ${PODS} pods; ${errorSeries} of them 5xx), ${REQUESTS_PER_SECOND} req/s in all, scraped every ${scrapeInterval} (the dev stack's); rules evaluated every ${evaluationInterval} (the stack's).`,
            `History: ${formatSeconds(RAW_HISTORY_SECONDS)} of the raw counters at ${scrapeInterval} (${thousands(rawLines)} samples; the longest window a rule reads them with is ${formatSeconds(longest)}) and ${formatSeconds(RECORDED_HISTORY_SECONDS)} of each set's recorded slo:sli_error:ratio_rate5m at ${evaluationInterval} (${thousands(recordedLines)} samples; the 30d ratio rule reads it), backfilled with promtool in ${formatSeconds(backfillSeconds)}; then scraped live. Every window is full: the figures are a steady state, not a short run's.`,
            `Query stats: each rule's expression evaluated once through /api/v1/query?stats=all at the same timestamp in both Prometheus, after ${ROUNDS + 2} evaluation rounds, so the series the rules record exist as they would in production. The counter column: prometheus_engine_query_samples_total over ${ROUNDS} rounds of rule evaluation (nothing else queries those Prometheus).`,
            `Reads of recorded series (the total less the raw counter's): ${sets.map((set) => `${set.name} ${thousands(results.get(set.name)!.queryable - rawSamples(set))}`).join(", ")}; almost all of it the 30d ratio's sum_over_time and count_over_time of the 5m ratio (2 × 30d / ${evaluationInterval}), the same rule in both sets.`,
            `Raw counter: every range selector on ${counter} in a rule, queried on its own (count_over_time) at the same timestamp: its totalQueryableSamples, summed; per matched series divides each selector's samples by the series it matched (${series.length} for the totals, ${errorSeries} for the errors) before summing (the issue's unit). The rest of the totals is the rules' reads of recorded series.`,
        ],
    );
    for (const set of sets) {
        const m = results.get(set.name)!;
        const top = [...m.perRule].sort((x, y) => y.samples - x.samples).slice(0, 6);
        printTable(`${set.name}: the rules that read the most (of ${m.perRule.length})`, ["rule", "samples", "share"], top.map((r) => [r.name, thousands(r.samples), `${((r.samples / m.queryable) * 100).toFixed(1)}%`]));
    }
}

