/**
 * A tiny typed reader over untyped config values that collects every problem with its key path,
 * so a user sees all mistakes at once (sloth's validation style), never just the first.
 */
import { isKubernetesQuantity, isPrometheusSize, parseDuration } from "./units";

export type Raw = unknown;

export class ConfigErrors extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigErrors";
    }
}

export class Problems {
    readonly list: string[] = [];
    add(path: string, message: string): void {
        this.list.push(`${path}: ${message}`);
    }
}

function describe(value: Raw): string {
    return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** Reads one object; `done()` reports keys nobody asked for (typos) with the known keys listed. */
export class ObjectReader {
    private readonly seen = new Set<string>();
    readonly value: Record<string, Raw>;

    constructor(
        readonly path: string,
        raw: Raw,
        readonly problems: Problems,
    ) {
        if (raw === undefined || raw === null) {
            this.value = {};
        } else if (typeof raw !== "object" || Array.isArray(raw)) {
            problems.add(path, `expected an object (key: value map), got ${describe(raw)}`);
            this.value = {};
        } else {
            this.value = raw as Record<string, Raw>;
        }
    }

    keyPath(key: string): string {
        return this.path ? `${this.path}.${key}` : key;
    }

    has(key: string): boolean {
        this.seen.add(key);
        return this.value[key] !== undefined && this.value[key] !== null;
    }

    raw(key: string): Raw {
        this.seen.add(key);
        return this.value[key];
    }

    object(key: string): ObjectReader {
        return new ObjectReader(this.keyPath(key), this.raw(key), this.problems);
    }

    string(key: string, fallback: string, check?: { pattern: RegExp; hint: string }): string {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        if (typeof value !== "string" || value.length === 0) {
            this.problems.add(this.keyPath(key), `expected a non-empty string, got ${describe(value)}`);
            return fallback;
        }
        if (check && !check.pattern.test(value)) {
            this.problems.add(this.keyPath(key), `${describe(value)} ${check.hint}`);
            return fallback;
        }
        return value;
    }

    optionalString(key: string): string | undefined {
        return this.has(key) ? this.string(key, "") || undefined : undefined;
    }

    number(key: string, fallback: number, range: { min?: number; max?: number; integer?: boolean; hint?: string } = {}): number {
        let value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
            value = Number(value);
        }
        const hint = range.hint ? `; ${range.hint}` : "";
        if (typeof value !== "number" || !Number.isFinite(value)) {
            this.problems.add(this.keyPath(key), `expected a number, got ${describe(value)}${hint}`);
            return fallback;
        }
        if (range.integer && !Number.isInteger(value)) {
            this.problems.add(this.keyPath(key), `${value} is not a whole number${hint}`);
            return fallback;
        }
        if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
            const bounds = `${range.min ?? "-∞"}..${range.max ?? "∞"}`;
            this.problems.add(this.keyPath(key), `${value} is outside ${bounds}${hint}`);
            return fallback;
        }
        return value;
    }

    boolean(key: string, fallback: boolean): boolean {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        // Pulumi hands every scalar over as a string; "false" must mean false, not a truthy string.
        if (value === true || value === "true") {
            return true;
        }
        if (value === false || value === "false") {
            return false;
        }
        this.problems.add(this.keyPath(key), `expected true or false, got ${describe(value)}`);
        return fallback;
    }

    oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
            this.problems.add(this.keyPath(key), `${describe(value)} is not one of ${choices.join(", ")}`);
            return fallback;
        }
        return value as T;
    }

    duration(key: string, fallback: string): string {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        if (typeof value !== "string" || parseDuration(value) === undefined) {
            this.problems.add(this.keyPath(key), `${describe(value)} is not a duration; use e.g. 30s, 5m, 12h or 30d`);
            return fallback;
        }
        return value;
    }

    quantity(key: string, fallback: string): string {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        if (!isKubernetesQuantity(value)) {
            this.problems.add(this.keyPath(key), `${describe(value)} is not a Kubernetes quantity; use e.g. 500m, 2, 512Mi or 10Gi`);
            return fallback;
        }
        return value as string;
    }

    prometheusSize(key: string, fallback: string): string {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return fallback;
        }
        if (!isPrometheusSize(value)) {
            this.problems.add(this.keyPath(key), `${describe(value)} is not a size Prometheus accepts; use e.g. 512MB or 50GB`);
            return fallback;
        }
        return value as string;
    }

    array(key: string): Raw[] {
        const value = this.raw(key);
        if (value === undefined || value === null) {
            return [];
        }
        if (!Array.isArray(value)) {
            this.problems.add(this.keyPath(key), `expected a list, got ${describe(value)}`);
            return [];
        }
        return value;
    }

    /** Reports keys that were present but never read: almost always a typo. */
    done(): void {
        for (const key of Object.keys(this.value)) {
            if (!this.seen.has(key)) {
                const known = [...this.seen].sort().join(", ");
                this.problems.add(this.keyPath(key), `unknown setting; known settings here are: ${known}`);
            }
        }
    }
}
