/**
 * The incident benchmark: what on-call receives over a month of the dev stack's traffic with a
 * catalogue of hand-written incidents at known times.
 *
 * 1. Traffic: 30 days of request counters, latency histograms, probes and saturation gauges for the
 *    services of Pulumi.dev.yaml at the deployed 30s interval, two pods per service, a weekly shape
 *    (quiet nights, quieter weekends) and background errors at a fifth of each service's budget
 *    drawn per pod and interval (seeded Poisson draws). Incidents change it at known times.
 * 2. Which alerts fire when: `promtool test rules` on the rendered rule files (unchanged rules; cut
 *    to the alerts of one cadence and the recording rules they read), with an
 *    `ALERTS{alertstate="firing"}` expectation of nothing at every evaluation: promtool's failure
 *    report is the exact list of firing alerts at each step. The 1d/3d ticket rules run over the
 *    whole month at 5m steps (their 3d windows would exceed promtool's 10,000-sample query limit at
 *    30s), the week-over-week traffic rules over the whole month at 1m (a week of history),
 *    everything else at the deployed 30s in each incident's window (a month of it is too slow).
 * 3. What on-call gets: each incident's alerts (and, apart, every alert outside the incidents)
 *    replayed into its own real Alertmanager running the rendered routing (grouping, inhibitions,
 *    intervals), every receiver's transport replaced by a loopback webhook. Time runs faster: every
 *    Alertmanager duration is divided by the replay speed, and stretches with no alert change longer
 *    than WARP_AFTER are skipped. A page is a PagerDuty incident: a firing notification to a
 *    PagerDuty receiver for a group that has none open (PagerDuty deduplicates on the group key
 *    until a resolved notification closes it); a ticket likewise on the Slack/webhook receivers.
 *
 * A second column runs the same month with the naive rules (bench/naive.ts) through the same routing.
 * Expected counts per incident are written by hand in INCIDENTS, from the policy, not from the rules' output.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { parseDuration } from "../config/units";
import { ServiceSpec, StackConfig } from "../config/types";
import { readRunbooks } from "../io/runbooks";
import { renderStack, ruleFiles } from "../render";
import { renderAlertmanagerConfig } from "../render/alertmanager";
import { toYaml } from "../render/yaml";
import { freePorts, LOOPBACK, ManagedProcess, runAsync, sleep } from "../scripts/dev";
import { compressSeries } from "../test/support/promtoolSeries";
import { knownRunbooks, stackFile } from "../test/support/fixtures";
import { naiveRule } from "./naive";
import { BenchOptions, formatSeconds, inParallel, parsePromDuration, printTable, seededRandom } from "./report";

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
const MONTH_DAYS = 30;

/** Weekday traffic by hour of day (UTC), as a share of the service's peak; weekends carry WEEKEND_SHARE of it. */
const WEEKDAY_SHAPE = [0.15, 0.12, 0.1, 0.1, 0.12, 0.2, 0.35, 0.6, 0.85, 1, 1, 0.95, 0.9, 0.95, 1, 0.95, 0.85, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2];
const WEEKEND_SHARE = 0.6;
/** Background errors as a share of each service's error budget (the month starts on a Monday). */
const BACKGROUND_BURN = 0.2;

/**
 * The dev stack's services as traffic: peak requests per second and the share of successful
 * requests at or under each of the service's histogram buckets (its `histogramBuckets`, in order).
 * Gauges are the series the dev stack's saturation and queue queries read.
 */
const SERVICE_MODELS: Readonly<Record<string, { peakPerSecond: number; latencyCdf: readonly number[] }>> = {
    api: { peakPerSecond: 20, latencyCdf: [0.5, 0.8, 0.95, 0.99, 0.998, 0.9995, 1, 1] },
    "session-start": { peakPerSecond: 8, latencyCdf: [0.1, 0.3, 0.6, 0.8, 0.93, 0.985, 0.998, 1] },
    "video-load": { peakPerSecond: 4, latencyCdf: [0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.985, 0.999] },
    transcoding: { peakPerSecond: 1, latencyCdf: [0.1, 0.4, 0.7, 0.85, 0.93, 0.97, 0.99, 0.997, 0.9995] },
};
const GAUGES: Readonly<Record<string, (saturation: number) => { series: string; value: number }[]>> = {
    api: (s) => [
        { series: 'db_client_connections_usage{service_name="api", state="used"}', value: 20 * s },
        { series: 'db_client_connections_max{service_name="api"}', value: 20 },
    ],
    "video-load": (s) => [
        { series: 'video_transcode_queue_depth{service_name="video-load"}', value: 100 * s },
        { series: 'video_transcode_queue_capacity{service_name="video-load"}', value: 100 },
    ],
    transcoding: () => [
        { series: 'rabbitmq_detailed_queue_messages_ready{queue="transcode"}', value: 3 },
        { series: 'transcode_queue_oldest_message_age_seconds{service_name="transcoding"}', value: 20 },
    ],
};
const BASELINE_SATURATION = 0.4;

/** What a service looks like during one 30s interval. */
interface Conditions {
    /** Multiplier on the weekly traffic shape. */
    readonly load: number;
    /** Share of requests failing because of an incident (background errors come on top). */
    readonly errorRatio: number;
    /** Replaces the service's latency distribution (cumulative shares per bucket). */
    readonly latencyCdf?: readonly number[];
    /** Pods reporting; a pod that is new starts its counters at 0. */
    readonly pods: readonly string[];
    readonly probeUp: boolean;
    readonly saturation: number;
}

interface Incident {
    readonly id: string;
    readonly what: string;
    readonly services: readonly string[];
    /** Seconds from the start of the month (a Monday, 00:00 UTC). */
    readonly start: number;
    readonly minutes: number;
    /** The conditions of an affected service `since` seconds after the start (also after the end: new pods stay). */
    readonly apply: (service: string, c: Conditions, since: number) => Conditions;
    /** Written by hand from the routing and alert policy (see the catalogue's comments), never from a run. */
    readonly expected: { readonly pages: number; readonly tickets: number };
    /** Goals of the issue that name this incident. */
    readonly noPage?: boolean;
    readonly pageWithinSeconds?: number;
}

const at = (day: number, hour: number, minute = 0) => day * DAY + hour * HOUR + minute * MINUTE;
const during = (since: number, minutes: number) => since < minutes * MINUTE;
/** Every request between the last two buckets (5s for buckets ending 4, 8). */
const allSlow = (buckets: number) => Array.from({ length: buckets }, (_, i) => (i < buckets - 1 ? 0 : 1));

/**
 * The catalogue. Expected counts, by hand (api, session-start: 99.5% availability paging above 5x
 * over 1h/5m; tickets at 3x over 1d/2h or 1x over 3d/6h; a weekday averages 0.56 of peak traffic):
 * - full outage: ServiceFailing at ~1.5 min, FastBudgetBurn (both api SLOs), one group: 1 page. The 1d window
 *   then holds 15 of ~806 peak-minutes of traffic failed (1.9% > 1.5%), so SlowBudgetBurn opens a
 *   ticket once the page has resolved and no longer inhibits it: 1 ticket.
 * - 2% for 2h (the next day): a 4x burn, under the 5x page; 1d ratio ~0.3%, under 3x. But the 3d
 *   window still holds the day before's outage: ~17 failed peak-minutes of ~2400 (0.7%, plus 0.1%
 *   background) over 1x, and the 6h window ~0.6%: the 3d/6h pair opens 1 ticket.
 * - 10% for 30 min (the day after): HighErrorRate at ~3.5 min, FastBudgetBurn at ~16 min in the
 *   same group: 1 page. The 3d window holds both earlier incidents, the 6h one 3 failed minutes of
 *   ~330 (0.9%): 1 ticket once the page has resolved.
 * - latency collapse (every session-start request takes 5s for 20 min): LatencyCollapse and the
 *   latency FastBudgetBurn, one page; HighP99Latency (P99 in 4-8s, above 4s) one ticket.
 * - 1.2x for 3 days: no page; the 3d/6h pair (1x) after ~2.5 days: 1 ticket.
 * - crash: ServiceDown after 5 minutes without data: 1 page. One of two pods gone: the other serves, nothing.
 * - traffic at 20% for an hour: TrafficDrop, 1 page. 3.5x traffic for an hour: TrafficSpike, 1 ticket.
 * - pool at 90%: the warning, 1 ticket; at 97%: the critical one, which inhibits the warning: 1 page.
 * - 1 minute of errors: under HighErrorRate's 3m and the 5x page (1h ratio 1.7% < 2.5%): nothing.
 * - rolling restart, 2% failing for 3 minutes: nothing.
 * - a dependency failing 30% of api's and session-start's requests for 25 min: one page per service.
 * - every transcoding job failing for 15 min: at its 99% objective the 5x page needs 3 minutes of
 *   the hour failed (5 × 1% × 60), ServiceFailing only a full 2m window: 1 page, its SLOs and
 *   HighErrorRate in the same group. The 1d window then holds 15 of ~806 peak-minutes (1.9%, under
 *   3 × 1%), the 3d one ~0.8% with the background (under 1×): no ticket.
 * - every video-load request failing for 15 min: it has no availability SLO; ServiceFailing pages,
 *   LatencyCollapse and the latency SLO (a failed request counts as slow) join its group: 1 page.
 *   HighP99Latency reads only answered requests' buckets (none): no ticket; the latency SLO's 1d
 *   window holds 1.9% slow, far under 3 × 5%.
 */
const INCIDENTS: readonly Incident[] = [
    {
        id: "full-outage",
        what: "api: every request fails (HTTP 500, probe failing), 15 min",
        services: ["api"],
        start: at(8, 10),
        minutes: 15,
        apply: (_s, c, since) => (during(since, 15) ? { ...c, errorRatio: 1, probeUp: false } : c),
        expected: { pages: 1, tickets: 1 },
        pageWithinSeconds: 150,
    },
    {
        id: "errors-2pct",
        what: "api: 2% of requests fail, 2 h",
        services: ["api"],
        start: at(9, 14),
        minutes: 120,
        apply: (_s, c, since) => (during(since, 120) ? { ...c, errorRatio: 0.02 } : c),
        expected: { pages: 0, tickets: 1 },
    },
    {
        id: "errors-10pct",
        what: "api: 10% of requests fail, 30 min",
        services: ["api"],
        start: at(10, 11),
        minutes: 30,
        apply: (_s, c, since) => (during(since, 30) ? { ...c, errorRatio: 0.1 } : c),
        expected: { pages: 1, tickets: 1 },
    },
    {
        id: "latency-collapse",
        what: "session-start: every request takes 5 s, 20 min",
        services: ["session-start"],
        start: at(11, 9),
        minutes: 20,
        apply: (_s, c, since) => (during(since, 20) ? { ...c, latencyCdf: allSlow(8) } : c),
        expected: { pages: 1, tickets: 1 },
    },
    {
        id: "slow-burn",
        what: "api: 0.6% of requests fail (1.2x burn), 3 days",
        services: ["api"],
        start: at(12, 0),
        minutes: 3 * 24 * 60,
        apply: (_s, c, since) => (during(since, 3 * 24 * 60) ? { ...c, errorRatio: 0.006 } : c),
        expected: { pages: 0, tickets: 1 },
        noPage: true,
    },
    {
        id: "crash",
        what: "video-load: all pods gone, 20 min (new pods after)",
        services: ["video-load"],
        start: at(15, 3),
        minutes: 20,
        apply: (_s, c, since) => ({ ...c, pods: during(since, 20) ? [] : ["c", "d"] }),
        expected: { pages: 1, tickets: 0 },
    },
    {
        id: "one-pod-gone",
        what: "session-start: one of two pods gone, 2 h (the other serves all)",
        services: ["session-start"],
        start: at(16, 15),
        minutes: 120,
        apply: (_s, c, since) => ({ ...c, pods: during(since, 120) ? ["a"] : ["a", "b2"] }),
        expected: { pages: 0, tickets: 0 },
    },
    {
        id: "traffic-drop",
        what: "video-load: traffic at 20% of last week's, 1 h",
        services: ["video-load"],
        start: at(17, 16),
        minutes: 60,
        apply: (_s, c, since) => (during(since, 60) ? { ...c, load: c.load * 0.2 } : c),
        expected: { pages: 1, tickets: 0 },
    },
    {
        id: "traffic-spike",
        what: "session-start: 3.5x last week's traffic, 1 h",
        services: ["session-start"],
        start: at(18, 10),
        minutes: 60,
        apply: (_s, c, since) => (during(since, 60) ? { ...c, load: c.load * 3.5 } : c),
        expected: { pages: 0, tickets: 1 },
    },
    {
        id: "saturation-90",
        what: "api: connection pool 90% used, 30 min",
        services: ["api"],
        start: at(19, 13),
        minutes: 30,
        apply: (_s, c, since) => (during(since, 30) ? { ...c, saturation: 0.9 } : c),
        expected: { pages: 0, tickets: 1 },
    },
    {
        id: "saturation-97",
        what: "api: connection pool 97% used, 20 min",
        services: ["api"],
        start: at(20, 13),
        minutes: 20,
        apply: (_s, c, since) => (during(since, 20) ? { ...c, saturation: 0.97 } : c),
        expected: { pages: 1, tickets: 0 },
    },
    {
        id: "blip",
        what: "api: every request fails for 1 minute",
        services: ["api"],
        start: at(21, 11),
        minutes: 1,
        apply: (_s, c, since) => (during(since, 1) ? { ...c, errorRatio: 1, probeUp: false } : c),
        expected: { pages: 0, tickets: 0 },
        noPage: true,
    },
    {
        id: "deploy-restart",
        what: "video-load: rolling restart of both pods, 2% failing for 3 min",
        services: ["video-load"],
        start: at(22, 14),
        minutes: 3,
        apply: (_s, c, since) => {
            // The first pod is replaced (30s without it), then the second two minutes later.
            const [x, y] = c.pods;
            const pods = since < 30 ? [y] : since < 120 ? [`${x}2`, y] : since < 150 ? [`${x}2`] : [`${x}2`, `${y}2`];
            return { ...c, pods, errorRatio: during(since, 3) ? 0.02 : c.errorRatio };
        },
        expected: { pages: 0, tickets: 0 },
        noPage: true,
    },
    {
        id: "dependency",
        what: "api and session-start: a shared dependency fails 30% of requests, 25 min",
        services: ["api", "session-start"],
        start: at(23, 10),
        minutes: 25,
        apply: (_s, c, since) => (during(since, 25) ? { ...c, errorRatio: 0.3 } : c),
        expected: { pages: 2, tickets: 0 },
    },
    {
        id: "outage-at-99",
        what: "transcoding (99% objective): every job fails, 15 min",
        services: ["transcoding"],
        start: at(24, 10),
        minutes: 15,
        apply: (_s, c, since) => (during(since, 15) ? { ...c, errorRatio: 1 } : c),
        expected: { pages: 1, tickets: 0 },
        pageWithinSeconds: 150,
    },
    {
        id: "outage-no-avail-slo",
        what: "video-load (no availability SLO): every request fails, 15 min",
        services: ["video-load"],
        start: at(25, 10),
        minutes: 15,
        apply: (_s, c, since) => (during(since, 15) ? { ...c, errorRatio: 1 } : c),
        expected: { pages: 1, tickets: 0 },
        pageWithinSeconds: 150,
    },
];

/** An alert's firing stretch, in seconds from the start of the month: [start, end). */
interface Episode {
    readonly labels: Readonly<Record<string, string>>;
    readonly start: number;
    readonly end: number;
}

// ---------------------------------------------------------------------------------------------
// 1. Traffic

interface MonthSeries {
    /** Series selector → value per 30s step (NaN: no sample). */
    readonly series: Map<string, Float64Array>;
}

function shapeAt(t: number): number {
    const day = Math.floor(t / DAY) % 7;
    const hour = Math.floor((t % DAY) / HOUR);
    return WEEKDAY_SHAPE[hour] * (day >= 5 ? WEEKEND_SHARE : 1);
}

/** Knuth's method below 30 and a rounded normal above: plenty for background errors. */
function poisson(random: () => number, mean: number): number {
    if (mean <= 0) {
        return 0;
    }
    if (mean > 30) {
        const u = Math.max(random(), 1e-12);
        const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
        return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
    }
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit && k < 1000) {
        k++;
        p *= random();
    }
    return k;
}

function backgroundErrorRatio(service: ServiceSpec): number {
    const availability = service.slos.find((slo) => slo.kind === "availability" && slo.sli !== "probe");
    return BACKGROUND_BURN * (availability ? 1 - availability.objective : 0.005);
}

/** One pod's counters: good and failed requests, and good ones per bucket (+Inf last). */
interface PodSeries {
    readonly good: Float64Array;
    readonly failed: Float64Array;
    readonly buckets: Float64Array[];
    readonly totals: number[];
}

function generateMonth(config: StackConfig, step: number, steps: number): MonthSeries {
    const series = new Map<string, Float64Array>();
    const column = (selector: string) => {
        let values = series.get(selector);
        if (!values) {
            values = new Float64Array(steps).fill(NaN);
            series.set(selector, values);
        }
        return values;
    };
    // Increments in 1/64ths add up exactly in binary floating point, so promtool's `a+bxn` runs stay runs.
    const exactly = (by: number) => Math.round(by * 64) / 64;
    for (const service of config.services) {
        const model = SERVICE_MODELS[service.name];
        const messaging = service.conventions.preset === "otel-messaging";
        const metric = messaging ? "messaging_process_duration_seconds" : "http_server_request_duration_seconds";
        const okLabel = messaging ? "" : ', http_response_status_code="200"';
        const errorLabel = messaging ? ', error_type="timeout"' : ', http_response_status_code="500"';
        const random = seededRandom(20261102 + service.name.length * 7919 + service.name.charCodeAt(0));
        const background = backgroundErrorRatio(service);
        const incidents = INCIDENTS.filter((incident) => incident.services.includes(service.name));
        const les = [...service.histogramBuckets.map(String), "+Inf"];
        const pods = new Map<string, PodSeries>();
        const podSeries = (pod: string): PodSeries => {
            let p = pods.get(pod);
            if (!p) {
                const id = `service_name="${service.name}", instance="${service.name}-${pod}"`;
                p = {
                    good: column(`${metric}_count{${id}${okLabel}}`),
                    failed: column(`${metric}_count{${id}${errorLabel}}`),
                    buckets: les.map((le) => column(`${metric}_bucket{${id}${okLabel}, le="${le}"}`)),
                    totals: new Array(2 + les.length).fill(0),
                };
                pods.set(pod, p);
            }
            return p;
        };
        const probes = service.probes.map((probe) => column(`probe_success{job="probe-${service.name}", probe="${probe.name}", instance="${probe.url}"}`));
        const gauges = (GAUGES[service.name]?.(0) ?? []).map((gauge) => column(gauge.series));
        for (let k = 0; k < steps; k++) {
            const t = k * step;
            let c: Conditions = { load: 1, errorRatio: 0, pods: ["a", "b"], probeUp: true, saturation: BASELINE_SATURATION };
            for (const incident of incidents) {
                if (t >= incident.start) {
                    c = incident.apply(service.name, c, t - incident.start);
                }
            }
            const requests = model.peakPerSecond * shapeAt(t) * c.load * step;
            const cdf = c.latencyCdf ?? model.latencyCdf;
            for (const pod of c.pods) {
                // A new pod's counters start at 0: its first sample is the counter before any request.
                const fresh = !pods.has(pod);
                const p = podSeries(pod);
                const share = requests / c.pods.length;
                const good = fresh ? 0 : exactly(share * (1 - c.errorRatio));
                const failed = fresh ? 0 : exactly(share * c.errorRatio) + poisson(random, share * background);
                p.good[k] = p.totals[0] += good;
                p.failed[k] = p.totals[1] += failed;
                for (let i = 0; i < les.length; i++) {
                    p.buckets[i][k] = p.totals[2 + i] += fresh ? 0 : i < cdf.length ? exactly(good * cdf[i]) : good;
                }
            }
            probes.forEach((values) => (values[k] = c.probeUp ? 1 : 0));
            (GAUGES[service.name]?.(c.saturation) ?? []).forEach((gauge, i) => (gauges[i][k] = gauge.value));
        }
    }
    return { series };
}

// ---------------------------------------------------------------------------------------------
// 2. Which alerts fire when (promtool)

interface Rule {
    readonly record?: string;
    readonly alert?: string;
    readonly expr: string;
    readonly [key: string]: unknown;
}
interface RuleGroup {
    readonly name: string;
    readonly rules: readonly Rule[];
}

/** The groups cut to the alerts `keep` selects and the recording rules they read, transitively; rules unchanged. */
function ruleSubset(groups: readonly RuleGroup[], keep: (alert: string) => boolean): RuleGroup[] {
    const all = groups.flatMap((group) => group.rules);
    const kept = new Set<Rule>(all.filter((rule) => rule.alert !== undefined && keep(rule.alert)));
    for (let grew = true; grew; ) {
        grew = false;
        for (const rule of all) {
            if (rule.record && !kept.has(rule) && [...kept].some((k) => new RegExp(`\\b${rule.record!.replace(/[:.]/g, "\\$&")}\\b`).test(k.expr))) {
                kept.add(rule);
                grew = true;
            }
        }
    }
    return groups.map((group) => ({ ...group, rules: group.rules.filter((rule) => kept.has(rule)) })).filter((group) => group.rules.length > 0);
}

/**
 * These rules, evaluated every `step` seconds: over the whole month, or only in `windows` (seconds
 * from the month's start, each a promtool run of its own that starts `warmup` seconds earlier).
 */
interface Cadence {
    readonly name: string;
    readonly step: number;
    readonly groups: readonly RuleGroup[];
    readonly windows?: readonly { readonly from: number; readonly to: number }[];
    readonly warmup?: number;
}

function labelsOf(text: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        if (m[1] !== "__name__" && m[1] !== "alertstate") {
            labels[m[1]] = m[2];
        }
    }
    return labels;
}

const keyOf = (labels: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

/** The alerts firing at each evaluation of one promtool run over month steps [first, last], in seconds from the month's start. */
async function firingTimes(promtool: string, dir: string, name: string, cadence: Cadence, month: MonthSeries, baseStep: number, first: number, last: number, checkFrom: number): Promise<Map<string, { labels: Record<string, string>; at: number[] }>> {
    const stride = cadence.step / baseStep;
    const count = Math.floor((last - first) / stride) + 1;
    const ruleFile = `${cadence.name}.rules.yaml`;
    fs.writeFileSync(path.join(dir, ruleFile), toYaml({ groups: cadence.groups }));
    const inputSeries = [...month.series]
        .map(([series, values]) => ({ series, values: Array.from({ length: count }, (_, i) => values[first + i * stride]) }))
        .filter((s) => s.values.some((v) => !Number.isNaN(v)))
        .map(({ series, values }) => ({ series, values: compressSeries(values.map((v) => (Number.isNaN(v) ? undefined : v))) }));
    const from = Math.max(0, Math.ceil((checkFrom - first) / stride));
    const checks = Array.from({ length: count - from }, (_, i) => ({ expr: 'ALERTS{alertstate="firing"}', eval_time: `${(from + i) * cadence.step}s`, exp_samples: [] }));
    const testFile = path.join(dir, `${name}.test.json`);
    fs.writeFileSync(testFile, JSON.stringify({ rule_files: [ruleFile], evaluation_interval: `${cadence.step}s`, tests: [{ name, interval: `${cadence.step}s`, input_series: inputSeries, promql_expr_test: checks }] }));
    const result = await runAsync(promtool, ["test", "rules", path.basename(testFile)], dir, { logFile: `${testFile}.log`, timeoutMs: 1_800_000, nice: true });
    if (result.code !== 0 && !/FAILED:/.test(result.output)) {
        throw new Error(`promtool test rules failed on ${name}:\n${result.output.slice(0, 2000)}`);
    }
    const evalError = /rule: .*err: .*/.exec(result.output);
    if (evalError) {
        throw new Error(`promtool could not evaluate a rule (${name}): ${evalError[0]}`);
    }
    // Per alert (its full label set), the evaluation times at which it fired.
    const times = new Map<string, { labels: Record<string, string>; at: number[] }>();
    for (const block of result.output.split(/\n\s*expr: /).slice(1)) {
        const time = /time: ([0-9a-z.]+),/.exec(block);
        const got = /got: (.*)/.exec(block);
        if (!time || !got) {
            continue;
        }
        const t = first * baseStep + parsePromDuration(time[1]);
        for (const series of got[1].matchAll(/\{([^}]*)\}/g)) {
            const labels = labelsOf(series[1]);
            const entry = times.get(keyOf(labels)) ?? { labels, at: [] };
            entry.at.push(t);
            times.set(keyOf(labels), entry);
        }
    }
    return times;
}

/** Runs a cadence (one promtool run per window, one after another: cadences run two at a time) and joins consecutive firing evaluations into episodes. */
async function firingEpisodes(promtool: string, dir: string, cadence: Cadence, month: MonthSeries, baseStep: number, steps: number): Promise<Episode[]> {
    const stride = cadence.step / baseStep;
    const runs = (cadence.windows ?? [{ from: 0, to: (steps - 1) * baseStep }]).map((w, i) => {
        const first = Math.max(0, Math.floor((w.from - (cadence.warmup ?? 0)) / cadence.step) * stride);
        const last = Math.min(steps - 1, Math.ceil(w.to / baseStep));
        return () => firingTimes(promtool, dir, `${cadence.name}-${i}`, cadence, month, baseStep, first, last, Math.floor(w.from / baseStep));
    });
    const episodes: Episode[] = [];
    for (const times of await inParallel(runs, 1)) {
        for (const { labels, at: ts } of times.values()) {
            ts.sort((a, b) => a - b);
            let start = ts[0];
            for (let i = 1; i <= ts.length; i++) {
                if (i === ts.length || ts[i] - ts[i - 1] > cadence.step) {
                    episodes.push({ labels, start, end: ts[i - 1] + cadence.step });
                    start = ts[i];
                }
            }
        }
    }
    return episodes;
}

// ---------------------------------------------------------------------------------------------
// 3. What on-call gets (Alertmanager)

/** Replays: the real time a replayed minute takes at most, and the fewest simulated seconds per real second. */
const MAX_REPLAY_SECONDS = 60;
const MIN_SPEED = 60;
/** A stretch without alert changes is skipped after this long (longer than any group_wait + group_interval). */
const WARP_AFTER = 8 * MINUTE;
/** How long after the last change a replay keeps running, for the resolved notifications. */
const TAIL = 10 * MINUTE;

interface Notification {
    readonly replay: string;
    readonly receiver: string;
    readonly status: string;
    readonly groupKey: string;
    readonly service: string;
    readonly realMs: number;
}

class WebhookStandIns {
    readonly received: Notification[] = [];
    private server?: http.Server;
    port = 0;

    async start(port: number): Promise<void> {
        this.server = http.createServer((request, response) => {
            let body = "";
            request.on("data", (chunk) => (body += chunk));
            request.on("end", () => {
                const [, replay, receiver] = (request.url ?? "").split("/");
                try {
                    const payload = JSON.parse(body) as { status: string; groupKey: string; groupLabels: Record<string, string> };
                    this.received.push({ replay, receiver, status: payload.status, groupKey: payload.groupKey, service: payload.groupLabels.service ?? "", realMs: Date.now() });
                } catch {
                    // An unparsable body is not a notification; Alertmanager never sends one.
                }
                response.writeHead(200).end();
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(port, LOOPBACK, resolve));
        this.port = port;
    }

    async stop(): Promise<void> {
        const closed = new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
        this.server?.closeAllConnections();
        await closed;
    }
}

type ReceiverKind = "page" | "ticket" | "none";

/** The rendered routing with every duration divided by `speed` and every receiver a loopback webhook. */
function compressedConfig(rendered: Record<string, any>, speed: number, baseUrl: string): Record<string, any> {
    const scale = (value: unknown) => (typeof value === "string" ? `${Math.max(1, Math.round((parsePromDuration(value) * 1000) / speed))}ms` : value);
    const route = (r: Record<string, any>): Record<string, any> => ({
        ...r,
        ...(r.group_wait ? { group_wait: scale(r.group_wait) } : {}),
        ...(r.group_interval ? { group_interval: scale(r.group_interval) } : {}),
        ...(r.repeat_interval ? { repeat_interval: scale(r.repeat_interval) } : {}),
        ...(r.routes ? { routes: r.routes.map(route) } : {}),
    });
    return {
        ...rendered,
        global: { ...rendered.global, resolve_timeout: scale(rendered.global?.resolve_timeout ?? "5m") },
        route: route(rendered.route),
        receivers: rendered.receivers.map((receiver: Record<string, unknown>) =>
            Object.keys(receiver).length === 1 ? receiver : { name: receiver.name, webhook_configs: [{ url: `${baseUrl}/${receiver.name}`, send_resolved: true }] },
        ),
    };
}

function receiverKinds(rendered: Record<string, any>): Map<string, ReceiverKind> {
    return new Map(
        rendered.receivers.map((receiver: Record<string, unknown>): [string, ReceiverKind] => [
            String(receiver.name),
            receiver.pagerduty_configs ? "page" : receiver.slack_configs || receiver.webhook_configs ? "ticket" : "none",
        ]),
    );
}

interface Replay {
    readonly id: string;
    readonly episodes: readonly Episode[];
    readonly from: number;
    readonly to: number;
}

interface ReplayResult {
    /** Pages per service: PagerDuty incidents opened. */
    readonly pages: Map<string, number>;
    readonly tickets: Map<string, number>;
    readonly pageNotifications: number;
    readonly ticketNotifications: number;
    /** Simulated seconds from the month's start. */
    readonly firstPage?: number;
    /** When the last open page was closed by a resolved notification; undefined if one stayed open. */
    readonly pagesResolved?: number;
    readonly speed: number;
}

/** The simulated times a replay visits: every evaluation, skipping the middle of long quiet stretches. */
function schedule(replay: Replay, step: number): number[] {
    const changes = [...new Set(replay.episodes.flatMap((e) => [e.start, e.end]))].sort((a, b) => a - b);
    const ticks: number[] = [];
    let lastChange = replay.from;
    let next = 0;
    for (let t = replay.from; t <= replay.to && ticks.length < 200_000; t += step) {
        while (next < changes.length && changes[next] <= t) {
            lastChange = changes[next++];
        }
        const upcoming = next < changes.length ? changes[next] : replay.to;
        if (t - lastChange > WARP_AFTER && upcoming - t > 2 * step) {
            // On to the evaluation before the next change, still on the evaluation grid.
            t = replay.from + Math.floor((upcoming - step - replay.from) / step) * step;
            lastChange = t;
        }
        ticks.push(t);
    }
    return ticks;
}

async function runReplay(alertmanager: string, replay: Replay, rendered: Record<string, any>, kinds: Map<string, ReceiverKind>, standIns: WebhookStandIns, dir: string, step: number): Promise<ReplayResult> {
    const ticks = schedule(replay, step);
    const speed = Math.max(MIN_SPEED, Math.ceil((ticks.length * step) / MAX_REPLAY_SECONDS));
    const [port] = await freePorts(1);
    const configFile = path.join(dir, `alertmanager-${replay.id}.yml`);
    fs.writeFileSync(configFile, toYaml(compressedConfig(rendered, speed, `http://${LOOPBACK}:${standIns.port}/${replay.id}`)));
    const manager = new ManagedProcess({
        name: `alertmanager-${replay.id}`,
        binary: alertmanager,
        args: [`--config.file=${configFile}`, `--storage.path=${path.join(dir, `am-${replay.id}`)}`, `--web.listen-address=${LOOPBACK}:${port}`, "--cluster.listen-address="],
        logFile: path.join(dir, `alertmanager-${replay.id}.log`),
        maxLifetimeMs: 600_000,
        nice: true,
    });
    manager.start();
    const base = `http://${LOOPBACK}:${port}`;
    const anchors: { real: number; sim: number }[] = [];
    try {
        await manager.waitForHttp(`${base}/-/ready`, 30_000, 100);
        const startsAt = new Map<Episode, string>();
        const realStep = (step * 1000) / speed;
        const t0 = Date.now() + 100;
        let previous = new Set<Episode>();
        for (let i = 0; i < ticks.length; i++) {
            const wait = t0 + i * realStep - Date.now();
            if (wait > 0) {
                await sleep(wait);
            }
            const now = Date.now();
            const sim = ticks[i];
            anchors.push({ real: now, sim });
            const firing = new Set(replay.episodes.filter((e) => e.start <= sim && sim < e.end));
            const alerts: object[] = [];
            // As Prometheus does: every firing alert re-sent with an end 4 evaluations ahead, a resolved one once with its end.
            for (const e of firing) {
                if (!startsAt.has(e)) {
                    startsAt.set(e, new Date(now).toISOString());
                }
                alerts.push({ labels: e.labels, startsAt: startsAt.get(e), endsAt: new Date(now + 4 * realStep).toISOString() });
            }
            for (const e of previous) {
                if (!firing.has(e)) {
                    alerts.push({ labels: e.labels, startsAt: startsAt.get(e), endsAt: new Date(now).toISOString() });
                }
            }
            previous = firing;
            if (alerts.length > 0) {
                const posted = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts), signal: AbortSignal.timeout(5000) });
                if (!posted.ok) {
                    throw new Error(`Alertmanager refused the alerts of ${replay.id}: ${posted.status} ${await posted.text()}`);
                }
            }
        }
        await sleep(Math.max(500, 2 * realStep));
    } finally {
        await manager.stop();
    }
    const toSim = (real: number) => {
        let lo = 0;
        for (let hi = anchors.length - 1; lo < hi; ) {
            const mid = Math.ceil((lo + hi) / 2);
            if (anchors[mid].real <= real) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        const anchor = anchors[lo];
        // Alerts arrive on the evaluation grid and every Alertmanager wait is a multiple of it: what is off the grid is the replay's own jitter.
        return Math.round((anchor.sim + ((real - anchor.real) * speed) / 1000) / step) * step;
    };
    const pages = new Map<string, number>();
    const tickets = new Map<string, number>();
    const open = new Map<string, boolean>();
    let pageNotifications = 0;
    let ticketNotifications = 0;
    let firstPage: number | undefined;
    let lastResolve: number | undefined;
    for (const n of standIns.received.filter((n) => n.replay === replay.id).sort((a, b) => a.realMs - b.realMs)) {
        const kind = kinds.get(n.receiver) ?? "none";
        if (kind === "none") {
            continue;
        }
        const key = `${n.receiver} ${n.groupKey}`;
        kind === "page" ? pageNotifications++ : ticketNotifications++;
        if (n.status === "firing" && !open.get(key)) {
            open.set(key, true);
            const counts = kind === "page" ? pages : tickets;
            counts.set(n.service, (counts.get(n.service) ?? 0) + 1);
            if (kind === "page" && firstPage === undefined) {
                firstPage = toSim(n.realMs);
            }
        } else if (n.status === "resolved" && open.get(key)) {
            open.set(key, false);
            if (kind === "page") {
                lastResolve = toSim(n.realMs);
            }
        }
    }
    const pageOpen = [...open].some(([key, isOpen]) => isOpen && kinds.get(key.split(" ")[0]) === "page");
    return { pages, tickets, pageNotifications, ticketNotifications, firstPage, pagesResolved: pageOpen ? undefined : lastResolve, speed };
}

/** Progress on stderr with BENCH_VERBOSE=1, as in the alerts section. */
function verbose(message: string): void {
    if (process.env.BENCH_VERBOSE) {
        console.error(`[incidents] ${message}`);
    }
}

// ---------------------------------------------------------------------------------------------
// The section

/** Episodes that belong to an incident: those of its services that start between its start and 6h after its end (a ticket's long windows). */
const ATTRIBUTION = 6 * HOUR;
/** How long after an incident's end the 30s rules are still evaluated. */
const INCIDENT_TAIL = 2 * HOUR;

export async function incidentBenchmark(options: BenchOptions & { promtool: string; alertmanager: string }): Promise<void> {
    const started = performance.now();
    const dir = fs.mkdtempSync(path.join(options.scratch, "incidents-"));
    // The dev stack once its operator has set the paging and ticket credentials (receivers are rendered only with them).
    const devFile = stackFile("dev");
    const credentials = ["pagerdutyRoutingKey", "slackWebhookUrl"];
    const config = loadStackConfig(
        { ...devFile, values: { ...devFile.values, ...Object.fromEntries(credentials.map((key) => [key, "<secret>"])) }, secretKeys: new Set([...devFile.secretKeys, ...credentials]) },
        { knownRunbooks },
    );
    const unknown = config.services.filter((service) => !SERVICE_MODELS[service.name]).map((service) => service.name);
    if (unknown.length > 0) {
        throw new Error(`the incident benchmark models the dev stack's services by name; add ${unknown.join(", ")} to SERVICE_MODELS in bench/incidents.ts`);
    }
    const rendered = YAML.parse(toYaml(renderAlertmanagerConfig(config))) as Record<string, any>;
    if ((rendered.time_intervals ?? []).length > 0) {
        throw new Error("the dev stack declares time intervals; they follow the wall clock, which a compressed replay cannot");
    }
    const kinds = receiverKinds(rendered);
    const step = parseDuration(config.prometheus.evaluationInterval)!;
    const steps = (MONTH_DAYS * DAY) / step;

    const month = generateMonth(config, step, steps);
    verbose(`${month.series.size} series of ${steps} samples generated in ${formatSeconds((performance.now() - started) / 1000)}`);
    const serviceFiles = ruleFiles(renderStack(config, readRunbooks())).filter((file) => file.fileName.startsWith("service-"));
    const groups = serviceFiles.flatMap((file) => (YAML.parse(file.content) as { groups: RuleGroup[] }).groups);
    const ticketAlerts = new Set(["SlowBudgetBurn"]);
    const trafficAlerts = new Set(["TrafficDrop", "TrafficSpike"]);
    // A month of 30s evaluations of every fast rule is millions of rule evaluations (too slow for
    // promtool on 2 cores); they run in each incident's window, after an hour of history (their
    // longest range), until INCIDENT_TAIL after its end.
    const incidentWindows = INCIDENTS.map((incident) => ({ from: incident.start - 10 * MINUTE, to: incident.start + incident.minutes * MINUTE + INCIDENT_TAIL }));
    const fast = { step, windows: incidentWindows, warmup: HOUR };
    const sloCadences: Cadence[] = [
        { name: "slo-30s", ...fast, groups: ruleSubset(groups, (a) => !ticketAlerts.has(a) && !trafficAlerts.has(a)) },
        { name: "slo-tickets-5m", step: 5 * MINUTE, groups: ruleSubset(groups, (a) => ticketAlerts.has(a)) },
        { name: "slo-traffic-1m", step: MINUTE, groups: ruleSubset(groups, (a) => trafficAlerts.has(a)) },
    ];
    // The naive set: the 1h error ratio above the budget, paging at once (bench/naive.ts), per request SLO,
    // and the seed's own threshold alerts as we ship them (HighP99Latency, the two-level saturation alerts).
    const seedAlerts = new Set(["HighP99Latency", ...config.services.flatMap((s) => s.saturation.map((signal) => signal.alert))]);
    const naiveGroups: RuleGroup[] = [
        ...ruleSubset(groups, (a) => seedAlerts.has(a)),
        {
            name: "naive-error-ratio",
            rules: config.services.flatMap((service) =>
                service.slos
                    .filter((slo) => slo.kind !== "availability" || slo.sli !== "probe")
                    .map((slo) => {
                        const rule = naiveRule(service, slo);
                        return { ...rule, labels: { ...rule.labels, service: service.name, team: service.team, slo: slo.name } };
                    }),
            ),
        },
    ];
    const naiveCadences: Cadence[] = [{ name: "naive-30s", ...fast, groups: naiveGroups }];

    const evaluated = await inParallel(
        [...sloCadences, ...naiveCadences].map((cadence) => async () => {
            const begin = performance.now();
            const episodes = await firingEpisodes(options.promtool, dir, cadence, month, step, steps);
            verbose(`${cadence.name}: ${episodes.length} firing episodes in ${formatSeconds((performance.now() - begin) / 1000)}`);
            return { cadence, episodes };
        }),
        3,
    );
    const episodesOf = (names: readonly Cadence[]) => evaluated.filter((e) => names.includes(e.cadence)).flatMap((e) => e.episodes);
    const designs = [
        { name: "slo", episodes: episodesOf(sloCadences) },
        { name: "naive", episodes: episodesOf(naiveCadences) },
    ];

    const standIns = new WebhookStandIns();
    const [webhookPort] = await freePorts(1);
    await standIns.start(webhookPort);
    const replays: { design: string; incident?: Incident; replay: Replay }[] = [];
    try {
        for (const design of designs) {
            const owner = (e: Episode) =>
                INCIDENTS.find((incident) => incident.services.includes(e.labels.service) && e.start >= incident.start && e.start < incident.start + incident.minutes * MINUTE + ATTRIBUTION);
            for (const incident of INCIDENTS) {
                const episodes = design.episodes.filter((e) => owner(e) === incident);
                const end = Math.max(incident.start + incident.minutes * MINUTE, ...episodes.map((e) => e.end));
                replays.push({ design: design.name, incident, replay: { id: `${design.name}-${incident.id}`, episodes, from: incident.start - 2 * MINUTE, to: end + TAIL } });
            }
            const outside = design.episodes.filter((e) => owner(e) === undefined);
            if (outside.length > 0) {
                const from = Math.min(...outside.map((e) => e.start)) - 2 * MINUTE;
                replays.push({ design: design.name, replay: { id: `${design.name}-outside`, episodes: outside, from, to: Math.max(...outside.map((e) => e.end)) + TAIL } });
            }
        }
        verbose(`replaying ${replays.length} stretches of alerts into Alertmanager`);
        const results = await inParallel(
            replays.map((r) => () => runReplay(options.alertmanager, r.replay, rendered, kinds, standIns, dir, step)),
            12,
        );
        report(replays, results, designs, step);
    } finally {
        await standIns.stop();
    }
    console.log(`\n(${sloCadences.length + naiveCadences.length} promtool runs and ${replays.length} Alertmanager replays in ${formatSeconds((performance.now() - started) / 1000)})`);
}

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

function report(replays: { design: string; incident?: Incident; replay: Replay }[], results: ReplayResult[], designs: { name: string; episodes: Episode[] }[], step: number): void {
    const resultOf = (design: string, incident?: Incident) => {
        const index = replays.findIndex((r) => r.design === design && r.incident === incident);
        return index < 0 ? undefined : results[index];
    };
    const perService = (counts: Map<string, number>) => (counts.size > 1 ? ` (${[...counts].map(([s, n]) => `${s} ${n}`).join(", ")})` : "");
    const checks: string[] = [];
    const rows = INCIDENTS.map((incident) => {
        const slo = resultOf("slo", incident)!;
        const naive = resultOf("naive", incident)!;
        const end = incident.start + incident.minutes * MINUTE;
        const pages = sum(slo.pages);
        const tickets = sum(slo.tickets);
        const firstPage = slo.firstPage === undefined ? undefined : slo.firstPage - incident.start;
        const resolved = pages === 0 ? undefined : slo.pagesResolved === undefined ? Infinity : slo.pagesResolved - end;
        const goals: string[] = [];
        const fail = (what: string) => {
            goals.push(`NOT MET: ${what}`);
            checks.push(`${incident.id}: ${what}`);
        };
        if (pages !== incident.expected.pages || tickets !== incident.expected.tickets) {
            fail(`expected ${incident.expected.pages} pages / ${incident.expected.tickets} tickets`);
        }
        if ([...slo.pages.values()].some((n) => n > 1)) {
            fail("more than one page for a service");
        }
        if (tickets > incident.services.length) {
            fail("more than one ticket per service");
        }
        if (incident.noPage && pages > 0) {
            fail("must not page");
        }
        if (incident.pageWithinSeconds !== undefined && (firstPage === undefined || firstPage > incident.pageWithinSeconds)) {
            fail(`paged within ${formatSeconds(incident.pageWithinSeconds)}`);
        }
        if (resolved !== undefined && resolved > 10 * MINUTE) {
            fail("page resolved within 10m of recovery");
        }
        const time = (seconds: number | undefined) => (seconds === undefined ? "—" : seconds === Infinity ? "still open" : formatSeconds(Math.max(0, seconds)));
        return [
            incident.id,
            incident.what,
            `${incident.expected.pages} / ${incident.expected.tickets}`,
            `${pages}${perService(slo.pages)}`,
            String(tickets),
            time(firstPage),
            time(resolved),
            goals.length === 0 ? "met" : goals.join("; "),
            `${sum(naive.pages)}${perService(naive.pages)}`,
            String(sum(naive.tickets)),
            time(naive.firstPage === undefined ? undefined : naive.firstPage - incident.start),
            time(sum(naive.pages) === 0 ? undefined : naive.pagesResolved === undefined ? Infinity : naive.pagesResolved - end),
        ];
    });
    const outside = designs.map((d) => resultOf(d.name));
    const [sloOutside, naiveOutside] = outside;
    const outsidePages = sloOutside ? sum(sloOutside.pages) : 0;
    const outsideTickets = sloOutside ? sum(sloOutside.tickets) : 0;
    if (outsidePages + outsideTickets > 0) {
        checks.push(`outside incidents: ${outsidePages} pages, ${outsideTickets} tickets`);
    }
    rows.push([
        "outside incidents",
        "the rest of the month",
        "0 / 0",
        `${outsidePages}${sloOutside ? perService(sloOutside.pages) : ""}`,
        String(outsideTickets),
        "—",
        "—",
        outsidePages + outsideTickets === 0 ? "met" : "NOT MET: 0 pages and 0 tickets",
        `${naiveOutside ? sum(naiveOutside.pages) : 0}${naiveOutside ? perService(naiveOutside.pages) : ""}`,
        String(naiveOutside ? sum(naiveOutside.tickets) : 0),
        "—",
        "—",
    ]);
    const total = (design: string, kind: "pages" | "tickets") => replays.reduce((n, r, i) => n + (r.design === design ? sum(results[i][kind]) : 0), 0);
    const notifications = (design: string, kind: "pageNotifications" | "ticketNotifications") => replays.reduce((n, r, i) => n + (r.design === design ? results[i][kind] : 0), 0);
    rows.push([
        "month",
        "all of the above",
        `${INCIDENTS.reduce((n, i) => n + i.expected.pages, 0)} / ${INCIDENTS.reduce((n, i) => n + i.expected.tickets, 0)}`,
        String(total("slo", "pages")),
        String(total("slo", "tickets")),
        "",
        "",
        checks.length === 0 ? "all met" : `${checks.length} not met`,
        String(total("naive", "pages")),
        String(total("naive", "tickets")),
        "",
        "",
    ]);
    const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? "1" : "∞") : (a / b).toFixed(1));
    printTable(
        "A month of incidents: what on-call receives (dev stack, real rules in promtool, real Alertmanager with the rendered routing)",
        ["incident", "what", "expected pages / tickets", "pages", "tickets", "first page", "page resolved after recovery", "goals", "naive: pages", "naive: tickets", "naive: first page", "naive: resolved after recovery"],
        rows,
        [
            `A page is a PagerDuty incident (a firing notification to a PagerDuty receiver for a group with none open; a resolved one closes it), a ticket the same on the Slack receivers. Times are from the incident's start, and from its end (recovery) to the resolved notification, at ${step}s resolution.`,
            `Notifications sent (updates and repeats included): SLO design ${notifications("slo", "pageNotifications")} to PagerDuty and ${notifications("slo", "ticketNotifications")} to Slack; naive ${notifications("naive", "pageNotifications")} and ${notifications("naive", "ticketNotifications")}.`,
            `Naive/SLO over the month: ${ratio(total("naive", "pages"), total("slo", "pages"))}x the pages, ${ratio(total("naive", "tickets"), total("slo", "tickets"))}x the tickets.`,
            `Replay speed: ${Math.min(...results.map((r) => r.speed))}x to ${Math.max(...results.map((r) => r.speed))}x simulated time per real second; quiet stretches over ${formatSeconds(WARP_AFTER)} skipped.`,
            ...(checks.length > 0 ? [`Goals not met: ${checks.join("; ")}.`] : []),
        ],
    );
}
