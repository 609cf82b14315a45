/**
 * `npm run bench [-- --quick] [-- --only <section>[,<section>]] [-- --fleets <n>[,<n>]]`: prints the
 * figures recorded in BENCHMARKS.md. Benchmarks print numbers; they never assert timings (tests do
 * not either). `--fleets` runs only those of the fleet sizes (`rules`: 100, 1000, 2000; `scale`'s
 * fleet previews: 1000, 2000), so one large fleet can be measured on its own within a section's budget.
 *
 *   alerts     alert quality by promtool simulation (detection, reset, false pages)
 *   queries    SLO dashboard query cost against a real Prometheus with 30 days of backfilled data
 *   scale      program evaluation time and peak memory under mocks, rules and series per SLO
 *   footprint  requests/limits per profile, idle RSS of each real backend binary, idle and loaded RSS together
 *   tiers      spans/s through one Collector gateway vs the two-tier set-up, CPU and memory of each tier
 *   incidents  a month of the dev stack's incidents: pages and tickets through the real rules and a real Alertmanager, SLO rules vs naive ones
 *   rules      fleet rule evaluation: the real Prometheus evaluating the prod stack's rules for 100, 1,000 and 2,000 services, against naive per-service rules
 *   kube-score the real kube-score on every Kubernetes object of the dev, prod and prod-distributed stacks: findings per check, each accepted for a stated reason or real
 *   slo-cost   one availability SLO's rules, ours vs the real Sloth's for the same SLI: rules, and samples each set reads per evaluation on its own real Prometheus
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { alertQuality } from "./alertQuality";
import { collectorTiers } from "./collectorTiers";
import { footprint } from "./footprint";
import { incidentBenchmark } from "./incidents";
import { kubeScore } from "./kubeScore";
import { loadedRss } from "./loadedRss";
import { programScale } from "./programScale";
import { queryCost } from "./queryCost";
import { ruleEvaluation } from "./ruleEvaluation";
import { sloCost } from "./sloCost";
import { killEverything } from "../scripts/dev/processes";
import { cachedTool, toolVersion } from "../scripts/dev/tools";
import { BenchOptions, FLEET_SIZES, formatSeconds, machineDescription } from "./report";

const SECTIONS = ["alerts", "queries", "scale", "footprint", "tiers", "incidents", "kube-score", "rules", "slo-cost"] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: readonly string[]): { quick: boolean; only: Set<Section>; fleets?: readonly number[] } {
    let quick = false;
    let fleets: number[] | undefined;
    const only = new Set<Section>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--quick") {
            quick = true;
        } else if (arg === "--only" || arg.startsWith("--only=")) {
            const value = arg.includes("=") ? arg.slice("--only=".length) : argv[++i];
            for (const name of (value ?? "").split(",")) {
                if (!(SECTIONS as readonly string[]).includes(name)) {
                    throw new Error(`--only ${name}: unknown section; use one or more of ${SECTIONS.join(", ")} (comma-separated)`);
                }
                only.add(name as Section);
            }
        } else if (arg === "--fleets" || arg.startsWith("--fleets=")) {
            const value = arg.includes("=") ? arg.slice("--fleets=".length) : argv[++i];
            fleets = (value ?? "").split(",").map((size) => {
                if (!(FLEET_SIZES as readonly number[]).includes(Number(size))) {
                    throw new Error(`--fleets ${size}: not a fleet size the benchmarks measure; use one or more of ${FLEET_SIZES.join(", ")} (comma-separated)`);
                }
                return Number(size);
            });
        } else {
            throw new Error(`unknown argument ${arg}; usage: npm run bench -- [--quick] [--only ${SECTIONS.join("|")}] [--fleets ${FLEET_SIZES.join(",")}]`);
        }
    }
    return { quick, only: only.size > 0 ? only : new Set(SECTIONS), ...(fleets ? { fleets } : {}) };
}

async function main(): Promise<void> {
    const { quick, only, fleets } = parseArgs(process.argv.slice(2));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-bench-"));
    const cleanup = () => {
        killEverything();
        fs.rmSync(scratch, { recursive: true, force: true });
    };
    process.on("exit", cleanup);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.on(signal, () => process.exit(130));
    }
    const options: BenchOptions = { quick, scratch, ...(fleets ? { fleets } : {}) };
    const started = performance.now();
    console.log(`# lgtm-stack benchmarks${quick ? " (--quick)" : ""}${fleets ? ` (fleets ${fleets.join(", ")})` : ""}\n`);
    machineDescription().forEach((line) => console.log(`- ${line}`));
    const promtool = cachedTool("promtool");
    const prometheus = cachedTool("prometheus");
    console.log(`- promtool: ${promtool ? toolVersion(promtool) : "not built"}; prometheus: ${prometheus ? toolVersion(prometheus) : "not built"}`);

    for (const section of SECTIONS.filter((s) => only.has(s))) {
        const begin = performance.now();
        console.log(`\n## ${section}`);
        try {
            if (section === "alerts") {
                if (!promtool) {
                    throw new Error("promtool is not built; run `npm run tools -- build promtool`");
                }
                await alertQuality({ ...options, promtool });
            } else if (section === "queries") {
                if (!promtool || !prometheus) {
                    throw new Error("promtool and prometheus are needed; run `npm run tools -- build promtool prometheus`");
                }
                await queryCost({ ...options, promtool, prometheus });
            } else if (section === "scale") {
                await programScale(options);
            } else if (section === "incidents") {
                const alertmanager = cachedTool("alertmanager");
                if (!promtool || !alertmanager) {
                    throw new Error("promtool and alertmanager are needed; run `npm run tools -- build promtool alertmanager`");
                }
                await incidentBenchmark({ ...options, promtool, alertmanager });
            } else if (section === "rules") {
                if (!prometheus) {
                    throw new Error("prometheus is not built; run `npm run tools -- build prometheus`");
                }
                await ruleEvaluation({ ...options, prometheus });
            } else if (section === "kube-score") {
                await kubeScore(options);
            } else if (section === "slo-cost") {
                await sloCost(options);
            } else if (section === "tiers") {
                await collectorTiers(options.quick);
            } else {
                await footprint(options);
                await loadedRss(options.quick);
            }
        } catch (error) {
            process.exitCode = 1;
            console.log(`\n${section} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
        console.log(`\n(${section}: ${formatSeconds((performance.now() - begin) / 1000)})`);
    }
    console.log(`\nTotal: ${formatSeconds((performance.now() - started) / 1000)}`);
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
});
