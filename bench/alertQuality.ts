/**
 * Alert quality by exact simulation: synthetic traffic for each SLO template and burn rate is fed
 * to `promtool test rules` together with the rule file we deploy (renderServiceFiles). Every
 * evaluation step after the onset carries an `exp_alerts: []` expectation, so promtool's failure
 * report is precisely the list of steps at which each alert fired; detection and reset times are
 * read from that list, never guessed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { requestQueries } from "../alerts/conventions";
import { linksFor } from "../alerts/links";
import { compressSeries } from "../alerts/ruleTests";
import { BURN_RATE_ALERTS } from "../alerts/slo";
import { loadServiceSpec } from "../config/load";
import { parseDuration } from "../config/units";
import { ServiceSpec, Slo } from "../config/types";
import { renderServiceFiles } from "../render/services";
import { toYaml } from "../render/yaml";
import { knownRunbooks, loadStack } from "../test/support/fixtures";
import { BenchOptions, formatSeconds, inParallel, parsePromDuration, printTable, runTool } from "./report";

const TEMPLATES = [
    { id: "availability 99.9%", raw: { name: "avail-999", slos: [{ kind: "availability", objective: 99.9 }] } },
    { id: "availability 99.5%", raw: { name: "avail-995", slos: [{ kind: "availability", objective: 99.5 }] } },
    { id: "latency P95 < 2s", raw: { name: "latency-p95", histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4, 8], slos: [{ kind: "latency", percentile: 95, threshold: "2s" }] } },
] as const;

export const BURN_FACTORS = [1000, 100, 14.4, 6, 3, 1, 0.5] as const;

/** 10 requests per second, as in the generated rule tests; far above every low-traffic guard. */
const REQUESTS_PER_SECOND = 10;
const DAY = 86400;
const FAST = BURN_RATE_ALERTS[0].alert;
const SLOW = BURN_RATE_ALERTS[1].alert;
const NAIVE = "NaiveErrorRatio1h";
const ALERTS = [FAST, SLOW, NAIVE] as const;
type AlertName = (typeof ALERTS)[number];

interface Scenario {
    readonly name: string;
    /** Steps of one scrape/evaluation interval. Bad requests are sent in steps badFrom < k <= badUntil. */
    readonly steps: number;
    readonly badFrom: number;
    readonly badUntil: number;
    readonly errorRatio: number;
    /** Bad requests drawn per request (binomial) instead of an exact share; seeded, so repeatable. */
    readonly noisySeed?: number;
    readonly checkFrom: number;
    readonly checkTo: number;
}

/** Per alert, the set of checked steps at which it was firing. */
type Firing = Record<string, Set<number>>;

/** mulberry32: a tiny seeded PRNG, so the noisy runs are identical from one run to the next. */
function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function badPerStep(scenario: Scenario, perStep: number): number[] {
    const random = scenario.noisySeed === undefined ? undefined : seeded(scenario.noisySeed);
    const bad: number[] = [0];
    for (let k = 1; k <= scenario.steps; k++) {
        if (k <= scenario.badFrom || k > scenario.badUntil) {
            bad.push(0);
        } else if (random) {
            let count = 0;
            for (let r = 0; r < perStep; r++) {
                count += random() < scenario.errorRatio ? 1 : 0;
            }
            bad.push(count);
        } else {
            bad.push(perStep * scenario.errorRatio);
        }
    }
    return bad;
}

function cumulative(perStep: readonly number[]): number[] {
    let sum = 0;
    return perStep.map((value) => (sum += value));
}

function inputSeries(service: ServiceSpec, slo: Slo, scenario: Scenario, stepSeconds: number) {
    const perStep = REQUESTS_PER_SECOND * stepSeconds;
    const bad = badPerStep(scenario, perStep);
    const total = cumulative(bad.map((_, k) => (k === 0 ? 0 : perStep)));
    const id = `service_name="${service.name}"`;
    const metric = "http_server_request_duration_seconds";
    if (slo.kind === "availability") {
        const errors = cumulative(bad);
        return [
            { series: `${metric}_count{${id}, http_response_status_code="200"}`, values: compressSeries(total.map((t, k) => t - errors[k])) },
            { series: `${metric}_count{${id}, http_response_status_code="500"}`, values: compressSeries(errors) },
        ];
    }
    const slow = cumulative(bad);
    return [
        { series: `${metric}_count{${id}, http_response_status_code="200"}`, values: compressSeries(total) },
        { series: `${metric}_bucket{${id}, http_response_status_code="200", le="${slo.thresholdSeconds}"}`, values: compressSeries(total.map((t, k) => t - slow[k])) },
        { series: `${metric}_bucket{${id}, http_response_status_code="200", le="+Inf"}`, values: compressSeries(total) },
    ];
}

/** The naive baseline: page as soon as the 1h error ratio is above the budget, no `for`, no short window. */
function naiveRule(service: ServiceSpec, slo: Slo) {
    const q = requestQueries(service);
    const ratio = slo.kind === "latency" && q.fast ? `1 - (${q.fast("1h", slo.thresholdSeconds)} / ${q.total("1h")})` : `${q.errors("1h")} / ${q.total("1h")}`;
    const budget = Number((1 - slo.objective).toPrecision(12));
    return { alert: NAIVE, expr: `(${ratio}) > ${budget}`, for: "0s", labels: { severity: "page" } };
}

interface RuleModel {
    readonly record?: string;
    readonly alert?: string;
    readonly expr: string;
}

/**
 * The deployed rule group of an alert, cut down to that alert and the recording rules it reads
 * (transitively), rules unchanged. promtool's test engine refuses any query that loads more than
 * 10,000 samples, which the 30d SLI rule (read by dashboards, by no alert) reaches after 10,000
 * evaluations; every rule an alert depends on stays far below that.
 */
export function alertClosure(ruleFileYaml: string, alert: string): RuleModel[] {
    const groups = (YAML.parse(ruleFileYaml) as { groups: { rules: RuleModel[] }[] }).groups;
    const group = groups.find((g) => g.rules.some((r) => r.alert === alert));
    if (!group) {
        throw new Error(`no rule group defines ${alert}`);
    }
    const keep = new Set<RuleModel>(group.rules.filter((r) => r.alert === alert));
    let grew = true;
    while (grew) {
        grew = false;
        for (const rule of group.rules) {
            if (rule.record && !keep.has(rule) && [...keep].some((k) => new RegExp(`\\b${rule.record!.replace(/[:.]/g, "\\$&")}\\b`).test(k.expr))) {
                keep.add(rule);
                grew = true;
            }
        }
    }
    return group.rules.filter((rule) => keep.has(rule));
}

/** The longest range selector in some rules: how much clean history the simulation must start with. */
function longestWindowSeconds(rules: readonly RuleModel[]): number {
    return Math.max(...rules.flatMap((rule) => [...rule.expr.matchAll(/\[(\d+[smhdw])\]/g)].map((m) => parseDuration(m[1]) ?? 0)));
}

function parseFiring(output: string, stepSeconds: number, alerts: readonly string[]): Firing {
    const evalError = /rule: .*err: .*/.exec(output);
    if (evalError) {
        throw new Error(`promtool could not evaluate a rule: ${evalError[0]}`);
    }
    const firing: Firing = Object.fromEntries(alerts.map((a) => [a, new Set<number>()]));
    for (const match of output.matchAll(/alertname: (\w+), time: ([0-9a-z.]+),/g)) {
        firing[match[1]]?.add(Math.round(parsePromDuration(match[2]) / stepSeconds));
    }
    return firing;
}

/** One alert family under test: its rules, the interval it is simulated at, and its history needs. */
interface Subject {
    readonly alerts: readonly string[];
    readonly ruleFile: string;
    readonly stepSeconds: number;
    readonly warmupSteps: number;
    readonly horizonSteps: number;
}

export class Simulator {
    private counter = 0;
    constructor(
        private readonly promtool: string,
        private readonly dir: string,
    ) {}

    async run(service: ServiceSpec, slo: Slo, subject: Subject, scenario: Scenario): Promise<Firing> {
        const file = path.join(this.dir, `test-${++this.counter}.yaml`);
        const step = `${subject.stepSeconds}s`;
        const checks: object[] = [];
        for (let k = scenario.checkFrom; k <= scenario.checkTo; k++) {
            for (const alert of subject.alerts) {
                checks.push({ eval_time: `${k * subject.stepSeconds}s`, alertname: alert, exp_alerts: [] });
            }
        }
        const test = {
            rule_files: [subject.ruleFile],
            evaluation_interval: step,
            tests: [{ name: scenario.name, interval: step, input_series: inputSeries(service, slo, scenario, subject.stepSeconds), alert_rule_test: checks }],
        };
        fs.writeFileSync(file, JSON.stringify(test));
        const result = await runTool(this.promtool, ["test", "rules", path.basename(file)], { cwd: this.dir, logFile: `${file}.log`, timeoutMs: 1_200_000 });
        if (result.code !== 0 && !/FAILED:/.test(result.output)) {
            throw new Error(`promtool test rules failed on ${scenario.name}:\n${result.output.slice(0, 2000)}`);
        }
        const firing = parseFiring(result.output, subject.stepSeconds, subject.alerts);
        if (!process.env.BENCH_KEEP) {
            fs.rmSync(file);
            fs.rmSync(`${file}.log`);
        }
        return firing;
    }
}

/** Onset to first firing, in steps; undefined when it never fired. */
function firstFiring(firing: Set<number>, from: number, to: number): number | undefined {
    for (let k = from; k <= to; k++) {
        if (firing.has(k)) {
            return k - from;
        }
    }
    return undefined;
}

/** Separate firing episodes (a page each) between from and to. */
function episodes(firing: Set<number>, from: number, to: number): number {
    let count = 0;
    for (let k = from; k <= to; k++) {
        if (firing.has(k) && !firing.has(k - 1)) {
            count++;
        }
    }
    return count;
}

/**
 * The SRE Workbook's detection time for an error ratio r: the long window of a pair fills to its
 * threshold after factor × budget × window / r, for pairs whose threshold r exceeds; no `for`,
 * no scrape or evaluation delay.
 */
function workbookDetection(spec: (typeof BURN_RATE_ALERTS)[number], budget: number, ratio: number): number | undefined {
    const times = spec.pairs.filter((pair) => ratio > pair.factor * budget).map((pair) => (pair.factor * budget * (parseDuration(pair.long) ?? 0)) / ratio);
    return times.length === 0 ? undefined : Math.min(...times);
}

interface Row {
    template: string;
    factor: number;
    ratio: number;
    capped: boolean;
    detect: Record<AlertName, number | undefined>;
    reset: Record<AlertName, number | undefined>;
    falseAlerts?: Record<AlertName, number>;
}

export async function alertQuality(options: BenchOptions & { promtool: string }): Promise<void> {
    const config = loadStack("dev");
    const links = linksFor(config);
    const stepSeconds = parseDuration(config.prometheus.evaluationInterval) ?? 30;
    const scrapeSeconds = parseDuration(config.prometheus.scrapeInterval) ?? 30;
    if (stepSeconds !== scrapeSeconds) {
        throw new Error("the simulation assumes scrape and evaluation intervals are equal");
    }
    const perDay = DAY / stepSeconds;
    // The slowest alert window is 3d: a full 3d of clean traffic before the onset makes every
    // window see what it would in production.
    const warmup = 3 * perDay;
    const horizon = (options.quick ? 1.5 : 3) * perDay;
    const falseDays = options.quick ? 7 : 30;
    const resetHorizon = 12 * 3600 / stepSeconds;
    const dir = path.join(options.scratch, "alert-quality");
    fs.mkdirSync(dir, { recursive: true });
    const simulator = new Simulator(options.promtool, dir, stepSeconds);
    const started = performance.now();
    let runs = 0;

    const rows: Row[] = [];
    for (const template of TEMPLATES) {
        const service = loadServiceSpec(template.raw, { knownRunbooks });
        const slo = service.slos[0];
        const files = renderServiceFiles(service, links);
        fs.writeFileSync(path.join(dir, files.ruleFileName), files.rules);
        const naiveFile = `naive-${service.name}.yaml`;
        fs.writeFileSync(path.join(dir, naiveFile), naiveRuleFile(service, slo));
        const ruleFiles = [files.ruleFileName, naiveFile];
        const budget = 1 - slo.objective;

        // Phase 1: a burn that never stops; when does each alert fire?
        const detections = await inParallel(
            BURN_FACTORS.map((factor) => async () => {
                const ratio = Math.min(1, factor * budget);
                const timeline = await simulator.run(service, slo, ruleFiles, {
                    name: `${template.id} ${factor}x`,
                    steps: warmup + horizon,
                    badFrom: warmup,
                    badUntil: Infinity,
                    errorRatio: ratio,
                    checkFrom: warmup,
                    checkTo: warmup + horizon,
                });
                runs++;
                const detect = Object.fromEntries(ALERTS.map((a) => [a, firstFiring(timeline.firing[a], warmup, warmup + horizon)])) as Record<AlertName, number | undefined>;
                return { factor, ratio, detect };
            }),
            2,
        );

        // Phase 2: the burn stops the moment an alert fires; how long until it is gone?
        const resetTasks: (() => Promise<{ factor: number; alert: AlertName; reset: number | undefined }>)[] = [];
        for (const { factor, ratio, detect } of detections) {
            for (const alert of ALERTS) {
                const fired = detect[alert];
                if (fired === undefined) {
                    continue;
                }
                const stop = warmup + fired;
                resetTasks.push(async () => {
                    const timeline = await simulator.run(service, slo, ruleFiles, {
                        name: `${template.id} ${factor}x until ${alert}`,
                        steps: stop + resetHorizon,
                        badFrom: warmup,
                        badUntil: stop,
                        errorRatio: ratio,
                        checkFrom: stop,
                        checkTo: stop + resetHorizon,
                    });
                    runs++;
                    let gone: number | undefined;
                    for (let k = stop; k <= stop + resetHorizon; k++) {
                        if (!timeline.firing[alert].has(k)) {
                            gone = k - stop;
                            break;
                        }
                    }
                    return { factor, alert, reset: gone };
                });
            }
        }
        const resets = await inParallel(resetTasks, 2);

        // Phase 3: noisy traffic at or under the sustainable rate for a whole SLO window.
        const falseAlerts = await inParallel(
            BURN_FACTORS.filter((factor) => factor <= 1).map((factor) => async () => {
                const steps = warmup + falseDays * perDay;
                const timeline = await simulator.run(service, slo, ruleFiles, {
                    name: `${template.id} noisy ${factor}x for ${falseDays}d`,
                    steps,
                    badFrom: 0,
                    badUntil: Infinity,
                    errorRatio: factor * budget,
                    noisySeed: 20240601 + Math.round(factor * 1000),
                    checkFrom: warmup,
                    checkTo: steps,
                });
                runs++;
                return { factor, counts: Object.fromEntries(ALERTS.map((a) => [a, episodes(timeline.firing[a], warmup, steps)])) as Record<AlertName, number> };
            }),
            2,
        );

        for (const { factor, ratio, detect } of detections) {
            const reset = Object.fromEntries(ALERTS.map((a) => [a, resets.find((r) => r.factor === factor && r.alert === a)?.reset])) as Record<AlertName, number | undefined>;
            rows.push({ template: template.id, factor, ratio, capped: factor * budget > 1, detect, reset, falseAlerts: falseAlerts.find((f) => f.factor === factor)?.counts });
        }
    }

    const secs = (steps: number | undefined, horizonSteps: number) => (steps === undefined ? `never (${formatSeconds(horizonSteps * stepSeconds)})` : formatSeconds(steps * stepSeconds));
    printTable(
        "Alert quality: time from onset to firing, and from recovery to reset",
        ["SLO", "burn", "error ratio", `${FAST} (page)`, "reset", `${SLOW} (ticket)`, "reset", "naive 1h > budget", "reset", "Workbook formula: page / ticket"],
        rows.map((row) => {
            const budget = row.capped ? 1 / row.factor : row.ratio / row.factor;
            const formula = BURN_RATE_ALERTS.map((spec) => {
                const t = workbookDetection(spec, budget, row.ratio);
                return t === undefined ? "never" : formatSeconds(t);
            }).join(" / ");
            return [
                row.template,
                `${row.factor}x`,
                row.capped ? `1 (capped; ${Number((row.ratio * 100).toPrecision(3))}% = ${Number((1 / budget).toPrecision(4))}x)` : `${Number((row.ratio * 100).toPrecision(4))}%`,
                secs(row.detect[FAST], horizon),
                row.reset[FAST] === undefined ? "—" : secs(row.reset[FAST], resetHorizon),
                secs(row.detect[SLOW], horizon),
                row.reset[SLOW] === undefined ? "—" : secs(row.reset[SLOW], resetHorizon),
                secs(row.detect[NAIVE], horizon),
                row.reset[NAIVE] === undefined ? "—" : secs(row.reset[NAIVE], resetHorizon),
                formula,
            ];
        }),
        [
            `Simulated with promtool ${path.basename(options.promtool)} at the deployed ${stepSeconds}s scrape and evaluation interval, ${REQUESTS_PER_SECOND} req/s, after ${formatSeconds(warmup * stepSeconds)} of clean traffic; resolution is one evaluation (${stepSeconds}s).`,
            `"reset" is measured in a second run whose burn stops at the moment that alert first fired; it is the time from then until the alert is no longer firing (horizon ${formatSeconds(resetHorizon * stepSeconds)}).`,
            "An error ratio cannot exceed 1: where burn × budget > 1 every request fails and the effective burn rate is 1/budget.",
            "Workbook formula: factor × budget × long window / error ratio, the smallest over the alert's pairs (no scrape, evaluation or `for` delay).",
            "At exactly a threshold factor (14.4x, 6x, 3x, 1x) the condition `burn > factor` is reached only asymptotically; whether it fires then depends on float rounding.",
        ],
    );
    printTable(
        `False alerts over ${falseDays} days of noisy traffic at or under the sustainable rate`,
        ["SLO", "mean burn", `${FAST} pages`, `${SLOW} tickets`, "naive 1h pages"],
        rows
            .filter((row) => row.falseAlerts)
            .map((row) => [row.template, `${row.factor}x`, String(row.falseAlerts![FAST]), String(row.falseAlerts![SLOW]), String(row.falseAlerts![NAIVE])]),
        [
            `Each request fails independently with probability burn × budget (seeded binomial draws per ${stepSeconds}s step, ${REQUESTS_PER_SECOND} req/s); counts are separate firing episodes.`,
            "SRE Workbook (ch. 5, 99.9% SLO, 100% errors): 14.4x over 1h detects in 0.86 min; the 1h/5m multiwindow pair resets in ~5 min; a single 1h window resets after 58 min.",
        ],
    );
    console.log(`\n(${runs} promtool runs in ${formatSeconds((performance.now() - started) / 1000)})`);
}
