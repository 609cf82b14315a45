/**
 * Program scale: time and peak memory to evaluate the whole program under Pulumi mocks with 1 to
 * 500 services (a child process per size), and the rules and series generated per SLO.
 */
import * as path from "path";
import { sloAlerts, sloRecordingRules } from "../alerts/slo";
import { goldenAlerts, goldenRecordingRules } from "../alerts/golden";
import { loadServiceSpec } from "../config/load";
import { PROJECT_ROOT } from "../io/stackSources";
import { knownRunbooks } from "../test/support/fixtures";
import { fleetPreviewRows } from "./fleetPreview";
import { realPreviewRows } from "./realPreview";
import { runAsync } from "../scripts/dev/processes";
import { BenchOptions, FLEET_SIZES, formatMiB, formatMs, printTable, selectedFleets } from "./report";

/** The reference: Sloth generates 17 rules per SLO (SLI windows, metadata and budget rules, two alerts). */
const SLOTH_RULES_PER_SLO = 17;

export async function programScale(options: BenchOptions): Promise<void> {
    const sizes = options.quick ? [1, 10, 100] : [1, 10, 100, 500];
    const rows: string[][] = [];
    for (const size of sizes) {
        const result = await runAsync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "bench/scaleChild.ts"), String(size)], PROJECT_ROOT, { timeoutMs: 900_000, nice: true });
        const line = result.output.split("\n").find((l) => l.startsWith("{"));
        if (result.code !== 0 || !line) {
            rows.push([String(size), `failed: ${result.output.trim().split("\n").slice(-3).join(" ")}`, "", "", "", ""]);
            continue;
        }
        const figures = JSON.parse(line) as { evaluationMs: number; resources: number; inputBytes: number; maxRssKiB: number };
        rows.push([
            String(size),
            String(size * 2),
            String(figures.resources),
            formatMs(figures.evaluationMs),
            formatMs(result.ms),
            formatMiB(figures.maxRssKiB * 1024),
            `${(figures.inputBytes / 1024 ** 2).toFixed(1)} MiB`,
        ]);
    }
    rows.push(...(await realPreviewRows(options.quick ? [10] : [10, 100])));
    // Fleet scale: services from files at 1,000 and 2,000 (stack config cannot carry them; the first row shows why).
    rows.push(...(options.quick ? [] : await fleetPreviewRows(selectedFleets(options, FLEET_SIZES.filter((size) => size >= 1000)))));
    printTable(
        "Program evaluation under Pulumi mocks",
        ["services", "SLOs", "resources", "evaluation", "process wall time", "peak RSS", "resource inputs"],
        rows,
        [
            "Each size runs in a fresh `node --import tsx` child (test/support/mocks.ts runStack with the dev stack and N services, each with a 99.9% availability and a P95 < 2s latency SLO).",
            "evaluation: from runStack to the last resource registered (settled for 250ms); process wall time adds Node start, tsx compilation and module loading; peak RSS is the child's maxRSS; resource inputs: all registered inputs as JSON.",
        ],
    );

    const service = loadServiceSpec(
        { name: "checkout", histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4], slos: [{ kind: "availability", objective: 99.9 }, { kind: "latency", percentile: 95, threshold: "2s" }] },
        { knownRunbooks },
    );
    // An OTLP service: its golden alerts read its export interval, never the stack's scrape interval.
    const golden = { recording: goldenRecordingRules(service, "").length, alerts: goldenAlerts(service, "").length };
    const perSlo = service.slos.map((slo) => ({ slo, recording: sloRecordingRules(service, slo).length, alerts: sloAlerts(service, slo).length }));
    printTable(
        "Rules and series per SLO",
        ["what", "recording rules", "alerting rules", "total rules", "recorded series", "vs Sloth (17 rules/SLO)"],
        [
            ...perSlo.map(({ slo, recording, alerts }) => [
                `one ${slo.kind} SLO`,
                String(recording),
                String(alerts),
                String(recording + alerts),
                String(recording),
                `${recording + alerts - SLOTH_RULES_PER_SLO >= 0 ? "+" : ""}${recording + alerts - SLOTH_RULES_PER_SLO}`,
            ]),
            [
                "golden signals (per service, not per SLO)",
                String(golden.recording),
                String(golden.alerts),
                String(golden.recording + golden.alerts),
                String(golden.recording),
                "",
            ],
        ],
        [
            "Every recording rule aggregates with sum(...) or vector(...), so each yields exactly one series per SLO (labelled service and slo); alerts add an ALERTS series only while pending or firing.",
            "Sloth's figure: 15 recording + 2 alerting rules per SLO, measured with Sloth v0.16.0 on the same SLI by `npm run bench -- --only slo-cost` (BENCHMARKS §9).",
        ],
    );
}
