/**
 * Alert quality by exact simulation: synthetic traffic for each SLO template and burn rate is fed
 * to `promtool test rules` together with the rules we deploy (renderService, cut down to the
 * alert under test and what it reads; see alertClosure). Every
 * evaluation step after the onset carries an `exp_alerts: []` expectation, so promtool's failure
 * report is precisely the list of steps at which each alert fired; detection and reset times are
 * read from that list, never guessed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { linksFor } from "../alerts/links";
import { compressSeries } from "../test/support/promtoolSeries";
import { burnRateAlertSpecs } from "../alerts/slo";
import { DEFAULT_BURN_RATE_POLICY } from "../model/alerting";
import { toNumber } from "../model/exact";
import { loadServiceSpec } from "../config/load";
import { parseDuration } from "../config/units";
import { ServiceSpec, Slo } from "../config/types";
import { renderService } from "../render";
import { toYaml } from "../render/yaml";
import { knownRunbooks, loadStack } from "../test/support/fixtures";
import { NAIVE_ERROR_RATIO_ALERT, naiveRule } from "./naive";
import { runAsync } from "../scripts/dev/processes";
import { BenchOptions, formatSeconds, inParallel, parsePromDuration, printTable, seededRandom } from "./report";

const TEMPLATES = [
    { id: "availability 99.9%", raw: { name: "avail-999", slos: [{ kind: "availability", objective: 99.9 }] } },
    { id: "availability 99.5%", raw: { name: "avail-995", slos: [{ kind: "availability", objective: 99.5 }] } },
    { id: "latency P95 < 2s", raw: { name: "latency-p95", histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4, 8], slos: [{ kind: "latency", percentile: 95, threshold: "2s" }] } },
] as const;

const BURN_FACTORS = [1000, 100, 14.4, 6, 3, 1, 0.5] as const;

/** 10 requests per second, as in the generated rule tests; far above every low-traffic guard. */
const REQUESTS_PER_SECOND = 10;
const DAY = 86400;
/** The default (SRE Workbook) policy for a 30-day SLO, factors as numbers. */
const BURN_RATE_ALERTS = burnRateAlertSpecs(DEFAULT_BURN_RATE_POLICY, { kind: "availability", name: "availability", objective: 0.999, window: "30d", sli: "requests" }, 0).map((spec) => ({
    ...spec,
    pairs: spec.pairs.map((pair) => ({ ...pair, factor: toNumber(pair.factor) })),
}));
const FAST = BURN_RATE_ALERTS[0].alert;
const SLOW = BURN_RATE_ALERTS[1].alert;
const NAIVE = NAIVE_ERROR_RATIO_ALERT;
const COLLAPSE = "LatencyCollapse";

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

function badPerStep(scenario: Scenario, perStep: number): number[] {
    const random = scenario.noisySeed === undefined ? undefined : seededRandom(scenario.noisySeed);
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
    /** How long after the burn stops to look for the alert to be gone, in seconds. */
    readonly resetHorizon: number;
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
        const result = await runAsync(this.promtool, ["test", "rules", path.basename(file)], this.dir, { logFile: `${file}.log`, timeoutMs: 1_200_000, nice: true });
        if (result.code !== 0 && !/FAILED:/.test(result.output)) {
            throw new Error(`promtool test rules failed on ${scenario.name}:\n${result.output.slice(0, 2000)}`);
        }
        const firing = parseFiring(result.output, subject.stepSeconds, subject.alerts);
        if (process.env.BENCH_VERBOSE) {
            console.error(`  ${scenario.name} (${subject.alerts[0]}, ${scenario.steps} steps): ${(result.ms / 1000).toFixed(1)}s`);
        }
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
    // At exactly the threshold the long window reaches it when it is full (the Workbook's "1 hour" for 14.4x).
    const times = spec.pairs.filter((pair) => ratio >= pair.factor * budget * (1 - 1e-9)).map((pair) => (pair.factor * budget * (parseDuration(pair.long) ?? 0)) / ratio);
    return times.length === 0 ? undefined : Math.min(...times);
}

interface Row {
    readonly template: string;
    readonly factor: number;
    readonly ratio: number;
    readonly budget: number;
    /** Seconds from onset to first firing, per alert; undefined: never within the horizon. */
    readonly detect: Map<string, number | undefined>;
    /** Seconds from the end of the burn to the alert being gone. */
    readonly reset: Map<string, number | undefined>;
    readonly falseAlerts: Map<string, number>;
}

export async function alertQuality(options: BenchOptions & { promtool: string }): Promise<void> {
    const config = loadStack("dev");
    const links = linksFor(config);
    const deployedStep = parseDuration(config.prometheus.evaluationInterval) ?? 30;
    if (deployedStep !== (parseDuration(config.prometheus.scrapeInterval) ?? 30)) {
        throw new Error("the simulation assumes equal scrape and evaluation intervals, as the stack deploys");
    }
    // The ticket's windows are 2h..3d and its `for` 15m: simulating it at 2m instead of 30s costs
    // a 2m resolution and saves a factor of 16 (a quarter of the evaluations, each reading a
    // quarter of the samples), which is what keeps this section within minutes.
    const slowStep = Math.max(deployedStep, 120);
    const falseDays = options.quick ? 7 : 30;
    const dir = path.join(options.scratch, "alert-quality");
    fs.mkdirSync(dir, { recursive: true });
    const simulator = new Simulator(options.promtool, dir);
    const started = performance.now();
    const templates = options.quick ? TEMPLATES.slice(0, 1) : TEMPLATES;
    let runs = 0;

    const rows: Row[] = [];
    type Task = () => Promise<void>;
    const detectTasks: Task[] = [];
    const laterTasks: ((row: Row) => Task[])[] = [];
    const noisyTasks: Task[] = [];
    for (const template of templates) {
        const service = loadServiceSpec(template.raw, { knownRunbooks });
        const slo = service.slos[0];
        const rules = renderService(config, service, links).ruleFile.content;
        const budget = 1 - slo.objective;
        const fastRules = alertClosure(rules, FAST);
        const slowRules = alertClosure(rules, SLOW);
        const write = (name: string, groups: object[]) => {
            fs.writeFileSync(path.join(dir, name), toYaml({ groups }));
            return name;
        };
        const naive = naiveRule(service, slo);
        const fast: Subject = {
            alerts: [FAST, NAIVE],
            ruleFile: write(`${service.name}-fast.yaml`, [{ name: `${service.name}-fast`, rules: fastRules }, { name: "naive", rules: [naive] }]),
            stepSeconds: deployedStep,
            warmupSteps: Math.max(longestWindowSeconds(fastRules), longestWindowSeconds([naive])) / deployedStep,
            // Its longest window is 6h: whatever has not fired 12h into a steady burn never will.
            horizonSteps: (DAY / 2) / deployedStep,
            // Its short windows are 5m and 30m, the naive window 1h.
            resetHorizon: 2 * 3600,
        };
        // A month of evaluations is the costliest run by far; at 1m it costs a quarter of 30s.
        const noisyFast: Subject = { ...fast, stepSeconds: 60, warmupSteps: (fast.warmupSteps * deployedStep) / 60 };
        const slow: Subject = {
            alerts: [SLOW],
            ruleFile: write(`${service.name}-slow.yaml`, [{ name: `${service.name}-slow`, rules: slowRules }]),
            stepSeconds: slowStep,
            warmupSteps: longestWindowSeconds(slowRules) / slowStep,
            horizonSteps: (1.5 * DAY) / slowStep,
            resetHorizon: 12 * 3600,
        };
        for (const factor of BURN_FACTORS) {
            const ratio = Math.min(1, factor * budget);
            const row: Row = { template: template.id, factor, ratio, budget, detect: new Map(), reset: new Map(), falseAlerts: new Map() };
            rows.push(row);
            for (const subject of [fast, slow]) {
                const { warmupSteps: onset, horizonSteps: horizon, stepSeconds } = subject;
                // Phase 1: a burn that never stops; when does each alert fire?
                detectTasks.push(async () => {
                    const firing = await simulator.run(service, slo, subject, {
                        name: `${template.id} ${factor}x`,
                        steps: onset + horizon,
                        badFrom: onset,
                        badUntil: Infinity,
                        errorRatio: ratio,
                        checkFrom: onset,
                        checkTo: onset + horizon,
                    });
                    runs++;
                    for (const alert of subject.alerts) {
                        const steps = firstFiring(firing[alert], onset, onset + horizon);
                        row.detect.set(alert, steps === undefined ? undefined : steps * stepSeconds);
                    }
                });
                laterTasks.push((r) => {
                    if (r !== row) {
                        return [];
                    }
                    const tasks: Task[] = [];
                    // Phase 2: the burn stops the moment an alert fires; how long until it is gone?
                    for (const alert of subject.alerts) {
                        const fired = row.detect.get(alert);
                        if (fired === undefined) {
                            continue;
                        }
                        const stop = onset + fired / stepSeconds;
                        const after = subject.resetHorizon / stepSeconds;
                        tasks.push(async () => {
                            const firing = await simulator.run(service, slo, subject, {
                                name: `${template.id} ${factor}x until ${alert}`,
                                steps: stop + after,
                                badFrom: onset,
                                badUntil: stop,
                                errorRatio: ratio,
                                checkFrom: stop,
                                checkTo: stop + after,
                            });
                            runs++;
                            let gone: number | undefined;
                            for (let k = stop; k <= stop + after; k++) {
                                if (!firing[alert].has(k)) {
                                    gone = (k - stop) * stepSeconds;
                                    break;
                                }
                            }
                            row.reset.set(alert, gone);
                        });
                    }
                    // Phase 3: noisy traffic at or under the sustainable rate for a whole SLO window (pages only).
                    // 30 days of steps are the costliest runs: 0.5x only for the first template.
                    if (subject === fast && (factor === 1 || (factor < 1 && template === templates[0]))) {
                        noisyTasks.push(async () => {
                            const onset = noisyFast.warmupSteps;
                            const steps = onset + (falseDays * DAY) / noisyFast.stepSeconds;
                            const firing = await simulator.run(service, slo, noisyFast, {
                                name: `${template.id} noisy ${factor}x for ${falseDays}d`,
                                steps,
                                badFrom: 0,
                                badUntil: Infinity,
                                errorRatio: factor * budget,
                                noisySeed: 20240601 + Math.round(factor * 1000),
                                checkFrom: onset,
                                checkTo: steps,
                            });
                            runs++;
                            for (const alert of subject.alerts) {
                                row.falseAlerts.set(alert, episodes(firing[alert], onset, steps));
                            }
                        });
                    }
                    return tasks;
                });
            }
        }
    }
    const collapse = latencyCollapseTasks(simulator, config, links, deployedStep, write0(dir), () => runs++);
    await inParallel([...detectTasks, ...collapse.tasks], 2);
    const resetTasks = rows.flatMap((row) => laterTasks.flatMap((make) => make(row)));
    // The month-long runs first, so the short ones fill in around them.
    await inParallel([...noisyTasks, ...resetTasks], 2);

    const show = (seconds: number | undefined, horizon: number) => (seconds === undefined ? `never (${formatSeconds(horizon)})` : formatSeconds(seconds));
    const showReset = (row: Row, alert: string, horizon: number) => (row.detect.get(alert) === undefined ? "—" : show(row.reset.get(alert), horizon));
    printTable(
        "Alert quality: time from onset to firing, and from the end of the burn to reset",
        ["SLO", "burn", "error ratio", `${FAST} (page)`, "reset", `${SLOW} (ticket)`, "reset", "naive: 1h ratio > budget", "reset", "Workbook formula: page / ticket"],
        rows.map((row) => {
            const formula = BURN_RATE_ALERTS.map((spec) => {
                const t = workbookDetection(spec, row.budget, row.ratio);
                return t === undefined ? "never" : formatSeconds(t);
            }).join(" / ");
            const capped = row.factor * row.budget > 1;
            return [
                row.template,
                `${row.factor}x`,
                capped ? `100% (capped: ${Number((1 / row.budget).toPrecision(4))}x)` : `${Number((row.ratio * 100).toPrecision(4))}%`,
                show(row.detect.get(FAST), DAY / 2),
                showReset(row, FAST, 2 * 3600),
                show(row.detect.get(SLOW), 1.5 * DAY),
                showReset(row, SLOW, 12 * 3600),
                show(row.detect.get(NAIVE), DAY / 2),
                showReset(row, NAIVE, 2 * 3600),
                formula,
            ];
        }),
        [
            `promtool test rules (${path.basename(options.promtool)}) on the deployed rules, ${REQUESTS_PER_SECOND} req/s, after a full longest-window of clean traffic; ` +
                `${FAST} and the naive rule at the deployed ${deployedStep}s scrape/evaluation interval, ${SLOW} at ${slowStep}s. Resolution: one evaluation.`,
            `reset: a second run stops the burn at the evaluation where that alert first fired; the figure is the time from then until it is no longer firing (horizon 2h for the page and the naive rule, 12h for the ticket).`,
            "An error ratio cannot exceed 100%: where burn × budget > 1 every request fails, and the effective burn rate is 1/budget.",
            "Workbook formula (SRE Workbook ch. 5): factor × budget × long window / error ratio, the smallest over the alert's pairs; it leaves out scrape, evaluation and `for` delays.",
            "At exactly a threshold factor (14.4x, 6x, 3x, 1x) `burn > factor` is approached but not exceeded, so that pair never fires (float rounding may tip it).",
        ],
    );
    printTable(
        `False pages over ${falseDays} days of noisy traffic at or under the sustainable rate`,
        ["SLO", "mean burn", `${FAST} pages`, "naive 1h pages"],
        rows.filter((row) => row.falseAlerts.size > 0).map((row) => [row.template, `${row.factor}x`, String(row.falseAlerts.get(FAST)), String(row.falseAlerts.get(NAIVE))]),
        [
            `Each request fails independently with probability burn × budget (seeded draws, ${REQUESTS_PER_SECOND} req/s, simulated at 1m steps to keep a month affordable); a count is a separate firing episode, i.e. one page.`,
            "SRE Workbook (ch. 5, 99.9%, 100% errors): 14.4x over 1h detects in 0.86 min; the 1h/5m multiwindow pair resets in ~5 min; a single 1h window resets after 58 min.",
        ],
    );
    printTable(
        "Latency collapse: a P95 < 2s SLO when nearly every request is slow",
        ["scenario", `${COLLAPSE} (critical)`, `${FAST} (critical)`],
        collapse.rows.map((row) => [row.scenario, row.detect.get(COLLAPSE) ?? "never", row.detect.get(FAST) ?? "never"]),
        [
            `Same simulation as above (promtool test rules on the deployed rules, ${REQUESTS_PER_SECOND} req/s, ${deployedStep}s steps, horizon 1h). ` +
                `With a P95 objective the budget is 5%, so even 100% slow requests burn it at only 20x: the burn-rate page needs the 1h window to fill. ${COLLAPSE} pages on the share of slow requests itself.`,
            "A blip must not page: a minute of slow requests ends before the alert's `for` has elapsed.",
        ],
    );
    console.log(`\n(${runs} promtool runs in ${formatSeconds((performance.now() - started) / 1000)})`);
}

/** A rule-file writer into `dir`, returning the file name promtool resolves from there. */
function write0(dir: string) {
    return (name: string, groups: object[]) => {
        fs.writeFileSync(path.join(dir, name), toYaml({ groups }));
        return name;
    };
}

interface CollapseRow {
    readonly scenario: string;
    readonly detect: Map<string, string>;
}

/**
 * How fast a total latency collapse pages: LatencyCollapse next to the burn-rate page, for every
 * request slow, 95% slow, and a one-minute blip that must not page.
 */
function latencyCollapseTasks(
    simulator: Simulator,
    config: ReturnType<typeof loadStack>,
    links: ReturnType<typeof linksFor>,
    step: number,
    write: (name: string, groups: object[]) => string,
    counted: () => void,
): { rows: CollapseRow[]; tasks: (() => Promise<void>)[] } {
    const template = TEMPLATES.find((t) => t.id.startsWith("latency"));
    if (!template) {
        return { rows: [], tasks: [] };
    }
    const service = loadServiceSpec(template.raw, { knownRunbooks });
    const slo = service.slos[0];
    const ruleFile = renderService(config, service, links).ruleFile.content;
    // Both alerts live in the SLO's group; their closures share recording rules, kept once.
    const seen = new Set<string>();
    const rules = [...alertClosure(ruleFile, COLLAPSE), ...alertClosure(ruleFile, FAST)].filter((rule) => {
        const key = JSON.stringify(rule);
        return seen.has(key) ? false : (seen.add(key), true);
    });
    const subject: Subject = {
        alerts: [COLLAPSE, FAST],
        ruleFile: write(`${service.name}-collapse.yaml`, [{ name: `${service.name}-collapse`, rules }]),
        stepSeconds: step,
        warmupSteps: longestWindowSeconds(rules) / step,
        horizonSteps: 3600 / step,
        resetHorizon: 600,
    };
    const onset = subject.warmupSteps;
    const scenarios = [
        { scenario: "every request slower than 2s", ratio: 1, until: Infinity },
        { scenario: "95% of requests slower than 2s", ratio: 0.95, until: Infinity },
        { scenario: "every request slow for 1 minute, then recovered", ratio: 1, until: onset + 60 / step },
    ];
    const rows: CollapseRow[] = scenarios.map(({ scenario }) => ({ scenario, detect: new Map() }));
    const tasks = scenarios.map(({ scenario, ratio, until }, i) => async () => {
        const end = onset + subject.horizonSteps;
        const firing = await simulator.run(service, slo, subject, { name: `collapse: ${scenario}`, steps: end, badFrom: onset, badUntil: until, errorRatio: ratio, checkFrom: onset, checkTo: end });
        counted();
        for (const alert of subject.alerts) {
            const steps = firstFiring(firing[alert], onset, end);
            rows[i].detect.set(alert, steps === undefined ? `never (${formatSeconds(subject.horizonSteps * step)})` : formatSeconds(steps * step));
        }
    });
    return { rows, tasks };
}
