/**
 * Shared pieces of the benchmarks: tables, statistics, durations, seeded draws and the machine.
 * Processes, tools, polling and ports come from scripts/dev, as for the tests and the demo.
 */
import * as os from "os";

export interface BenchOptions {
    /** Smaller sizes and shorter simulations, for a first look in a few minutes. */
    readonly quick: boolean;
    /** A scratch directory removed when the run ends. */
    readonly scratch: string;
    /** `--fleets`: only these fleet sizes, where a section measures fleets. Defaults to every size the section measures. */
    readonly fleets?: readonly number[];
}

/** The fleets the benchmarks measure (services): rule evaluation runs all three, the fleet previews the two largest. */
export const FLEET_SIZES = [100, 1000, 2000] as const;

/** The fleet sizes a section runs: its own, narrowed to `--fleets` when given. */
export function selectedFleets(options: BenchOptions, sizes: readonly number[]): number[] {
    return sizes.filter((size) => options.fleets === undefined || options.fleets.includes(size));
}

/** Prints a Markdown table (so the output pastes straight into BENCHMARKS.md). */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[], notes: readonly string[] = []): void {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    console.log(`\n### ${title}\n`);
    console.log(line(header));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const row of rows) {
        console.log(line(row));
    }
    if (notes.length > 0) {
        console.log("");
        notes.forEach((note) => console.log(`- ${note}`));
    }
}

export function quantile(values: readonly number[], q: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    if (sorted.length === 0) {
        return NaN;
    }
    // Nearest rank: p95 of 20 samples is the 19th, never an interpolation between two runs.
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** "2m30s", "1d3h", "45s": seconds as a person reads an alerting delay. */
export function formatSeconds(seconds: number): string {
    if (!Number.isFinite(seconds)) {
        return "—";
    }
    const parts: string[] = [];
    let rest = Math.round(seconds);
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
        if (rest >= size) {
            parts.push(`${Math.floor(rest / size)}${unit}`);
            rest %= size;
        }
    }
    return parts.length === 0 ? "0s" : parts.slice(0, 2).join("");
}

export function formatMs(ms: number): string {
    return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function formatMiB(bytes: number): string {
    return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Prometheus-style durations ("1d2h30m", "90s", "1w") to seconds. */
export function parsePromDuration(text: string): number {
    const units: Record<string, number> = { y: 365 * 86400, w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
    let total = 0;
    for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/g)) {
        total += Number(match[1]) * units[match[2]];
    }
    return total;
}

/** mulberry32: a tiny seeded PRNG, so the noisy runs are identical from one run to the next. */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export function machineDescription(): string[] {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    return [
        `nproc ${os.cpus().length} (${cpu}), memory ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`,
        `Node ${process.version}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    ];
}

/** Runs `tasks` with at most `limit` in flight, keeping their order in the result. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array(tasks.length);
    let next = 0;
    const worker = async () => {
        while (next < tasks.length) {
            const index = next++;
            results[index] = await tasks[index]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    return results;
}
