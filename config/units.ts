/** Parsing and formatting of the duration and size notations the backends accept. */

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Parses a Prometheus-style duration (`30s`, `5m`, `1h30m`, `7d`, `2w`) into seconds; undefined if invalid. */
export function parseDuration(text: string): number | undefined {
    if (typeof text !== "string" || !/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) {
        return undefined;
    }
    let total = 0;
    for (const match of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
        total += Number(match[1]) * UNIT_SECONDS[match[2]];
    }
    return total > 0 ? total : undefined;
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
    for (const unit of ["d", "h", "m", "s"]) {
        const size = UNIT_SECONDS[unit];
        if (seconds % size === 0 && seconds >= size) {
            return `${seconds / size}${unit}`;
        }
    }
    return `${seconds}s`;
}

export function isKubernetesQuantity(text: unknown): boolean {
    return typeof text === "string" && /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/.test(text);
}

export function isPrometheusSize(text: unknown): boolean {
    return typeof text === "string" && /^[0-9]+(B|KB|MB|GB|TB|PB|EB)$/.test(text);
}
