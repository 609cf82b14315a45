/**
 * Exact parsing of the duration and size notations the backends accept. Every value becomes an
 * integer (milliseconds, or bytes/millicores scaled to nano-units as a bigint), so comparisons such
 * as "retention size fits the volume" or "requests ≤ limits" are exact, never float approximations.
 */

const UNIT_MS = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type DurationUnit = keyof typeof UNIT_MS;

/**
 * Prometheus' own grammar (common/model.ParseDuration): units largest first, each at most once, no
 * decimals. `1h30m` parses; `30m1h` and `2.5s` do not.
 */
const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_IN_ORDER: readonly DurationUnit[] = ["y", "w", "d", "h", "m", "s", "ms"];

export type DurationReading =
    | { readonly kind: "ok"; readonly ms: number }
    | { readonly kind: "zero" }
    /** A decimal such as `2.5s`: `ms` is its exact value when it is a whole number of milliseconds. */
    | { readonly kind: "decimal"; readonly ms?: number }
    | { readonly kind: "invalid" };

/** Reads a duration into exact milliseconds, telling a zero and a decimal apart from nonsense. */
export function readDuration(text: string): DurationReading {
    const match = PROMETHEUS_DURATION.exec(text);
    if (text !== "" && match) {
        let ms = 0;
        DURATION_UNITS_IN_ORDER.forEach((unit, index) => {
            ms += Number(match[index + 1] ?? 0) * UNIT_MS[unit];
        });
        if (!Number.isSafeInteger(ms)) {
            return { kind: "invalid" };
        }
        return ms === 0 ? { kind: "zero" } : { kind: "ok", ms };
    }
    const decimal = /^(\d*)\.(\d+)(ms|s|m|h|d|w|y)$/.exec(text);
    if (decimal && (decimal[1] !== "" || decimal[2] !== "")) {
        // Exact: whole part and fraction as integers, scaled by the unit in milliseconds.
        const fractionScale = 10n ** BigInt(decimal[2].length);
        const numerator = (BigInt(decimal[1] || "0") * fractionScale + BigInt(decimal[2])) * BigInt(UNIT_MS[decimal[3] as DurationUnit]);
        if (numerator % fractionScale !== 0n) {
            return { kind: "decimal" };
        }
        const ms = Number(numerator / fractionScale);
        return ms === 0 ? { kind: "zero" } : { kind: "decimal", ms };
    }
    return { kind: "invalid" };
}

/** Exact milliseconds of a positive Prometheus duration; undefined if it is not one. */
export function durationMs(text: string): number | undefined {
    const reading = readDuration(text);
    return reading.kind === "ok" ? reading.ms : undefined;
}

/** Seconds of a positive Prometheus duration (`30s`, `5m`, `1h30m`, `7d`, `2w`); undefined if invalid. */
export function parseDuration(text: string): number | undefined {
    if (typeof text !== "string") {
        return undefined;
    }
    const ms = durationMs(text);
    return ms === undefined ? undefined : ms / 1000;
}

/** The same span in the largest single unit that holds it exactly (`2500` → `2500ms`, `90000` → `90s`). */
export function formatMs(ms: number): string {
    for (const unit of ["d", "h", "m", "s"] as const) {
        if (ms % UNIT_MS[unit] === 0) {
            return `${ms / UNIT_MS[unit]}${unit}`;
        }
    }
    return `${ms}ms`;
}

/** Go's time.Duration has no `d`/`w`: Tempo and the Collector need hours. */
export function toGoDuration(text: string): string {
    const seconds = parseDuration(text);
    if (seconds === undefined) {
        throw new Error(`not a duration: ${text}`);
    }
    if (seconds % 3600 === 0) {
        return `${seconds / 3600}h`;
    }
    if (seconds % 60 === 0) {
        return `${seconds / 60}m`;
    }
    return `${seconds}s`;
}

/** Formats seconds as the shortest Prometheus duration (`2592000` → `30d`). */
export function formatDuration(seconds: number): string {
    // No weeks: SLO windows read as days (30d, 28d) in every tool our users know.
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
        if (seconds % size === 0 && seconds >= size) {
            return `${seconds / size}${unit}`;
        }
    }
    return `${seconds}s`;
}

/** One unit, in nano-units, as a bigint: quantities are compared exactly. */
export const NANO = 1_000_000_000n;
const QUANTITY_SUFFIX: Record<string, bigint> = {
    n: 1n,
    u: 1_000n,
    m: 1_000_000n,
    "": NANO,
    k: 1_000n * NANO,
    M: 1_000_000n * NANO,
    G: 1_000_000_000n * NANO,
    T: 1_000_000_000_000n * NANO,
    P: 1_000_000_000_000_000n * NANO,
    E: 1_000_000_000_000_000_000n * NANO,
    Ki: 2n ** 10n * NANO,
    Mi: 2n ** 20n * NANO,
    Gi: 2n ** 30n * NANO,
    Ti: 2n ** 40n * NANO,
    Pi: 2n ** 50n * NANO,
    Ei: 2n ** 60n * NANO,
};
const KUBERNETES_QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/**
 * A Kubernetes resource quantity (`500m`, `2`, `1.5`, `512Mi`, `10Gi`) in nano-units, exactly;
 * undefined if Kubernetes would not parse it (or it is finer than a nano-unit).
 */
export function parseQuantity(text: string): bigint | undefined {
    const match = KUBERNETES_QUANTITY.exec(text);
    if (!match) {
        return undefined;
    }
    const [whole, fraction = ""] = match[2].split(".");
    const scale = 10n ** BigInt(fraction.length);
    const numerator = (BigInt(whole || "0") * scale + BigInt(fraction || "0")) * QUANTITY_SUFFIX[match[3] ?? ""];
    if (numerator % scale !== 0n) {
        return undefined;
    }
    const value = numerator / scale;
    return match[1] === "-" ? -value : value;
}

export function isKubernetesQuantity(text: unknown): boolean {
    return typeof text === "string" && parseQuantity(text) !== undefined;
}

/** Prometheus' --storage.tsdb.retention.size units are powers of two (units.Base2Bytes): 1KB = 1024B. */
const PROMETHEUS_SIZE_UNIT: Record<string, bigint> = { B: 1n, KB: 2n ** 10n, MB: 2n ** 20n, GB: 2n ** 30n, TB: 2n ** 40n, PB: 2n ** 50n, EB: 2n ** 60n };

/** Bytes of a Prometheus size (`512MB`, `50GB`); undefined if Prometheus would refuse it. */
export function parsePrometheusSize(text: string): bigint | undefined {
    const match = /^(\d+)(B|KB|MB|GB|TB|PB|EB)$/.exec(text);
    return match ? BigInt(match[1]) * PROMETHEUS_SIZE_UNIT[match[2]] : undefined;
}

export function isPrometheusSize(text: unknown): boolean {
    return typeof text === "string" && parsePrometheusSize(text) !== undefined;
}
