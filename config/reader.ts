/**
 * A typed reader over untyped config values that collects every problem with its key path, so a
 * user sees all mistakes at once (sloth's validation style), never just the first.
 *
 * Typo detection cannot be forgotten: an object is only readable through a reader built with the
 * list of keys it allows, keys outside that list are reported when the reader is built, and the
 * type system refuses reading a key that is not in the list. A schema library (zod, ajv) would do
 * the key check too, but its messages speak of types and unions, not of key paths and fixes, and
 * cross-field checks would still live outside it; this keeps one voice for every message.
 */
import { editDistance, Format } from "./formats";
import { formatMs, parsePrometheusSize, parseQuantity, readDuration } from "./units";

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
    private readonly paths: string[] = [];

    add(path: string, message: string): void {
        this.paths.push(path);
        this.list.push(`${path}: ${message}`);
    }

    /** Whether a problem names this path or one under it: cross-field checks then stay silent (one message per mistake). */
    about(...paths: string[]): boolean {
        return paths.some((path) => this.paths.some((p) => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`)));
    }

    /** Each problem as its key path and the message after it, for re-labelling paths (OpenSLO import). */
    entries(): { path: string; message: string }[] {
        return this.list.map((line, i) => ({ path: this.paths[i], message: line.slice(this.paths[i].length + 2) }));
    }

    throwIfAny(): void {
        if (this.list.length > 0) {
            throw new ConfigErrors(this.list);
        }
    }
}

export function describe(value: Raw): string {
    return JSON.stringify(value) ?? String(value);
}

const NULL_HINT = "is empty (null); give a value, or remove the key to use the default";

export interface DurationRules {
    /** `for: 0s` is meaningful; a zero retention or interval is not. */
    readonly allowZero?: boolean;
}

/** Reads one object whose allowed keys are declared up front. */
export class ObjectReader<K extends string = string> {
    readonly value: Readonly<Record<string, Raw>>;

    constructor(
        readonly path: string,
        raw: Raw,
        readonly problems: Problems,
        readonly keys: readonly K[],
    ) {
        if (raw === undefined || raw === null) {
            this.value = {};
        } else if (typeof raw !== "object" || Array.isArray(raw)) {
            problems.add(path || "(stack config)", `expected an object (key: value map), got ${describe(raw)}`);
            this.value = {};
        } else {
            this.value = raw as Record<string, Raw>;
        }
        for (const [key, value] of Object.entries(this.value)) {
            if (!(keys as readonly string[]).includes(key)) {
                problems.add(this.keyPath(key), unknownKeyMessage(key, keys));
            } else if (value === null) {
                problems.add(this.keyPath(key), NULL_HINT);
            }
        }
    }

    keyPath(key: string): string {
        return this.path ? `${this.path}.${key}` : key;
    }

    /** The value, with null (already reported) read as absent. */
    raw(key: K): Raw {
        const value = this.value[key];
        return value === null ? undefined : value;
    }

    has(key: K): boolean {
        return this.raw(key) !== undefined;
    }

    object<C extends string>(key: K, keys: readonly C[]): ObjectReader<C> {
        return new ObjectReader(this.keyPath(key), this.raw(key), this.problems, keys);
    }

    /** An object whose allowed keys depend on a discriminator; see variantReader. */
    variant<T extends string, C extends string>(key: K, discriminator: C, variants: Record<T, readonly C[]>, fallback: NoInfer<T>): { kind: T; reader: ObjectReader<C> } {
        return variantReader(this.keyPath(key), this.raw(key), this.problems, discriminator, variants, fallback);
    }

    string(key: K, fallback: string, format?: Format): string {
        return this.optionalString(key, format) ?? fallback;
    }

    optionalString(key: K, format?: Format): string | undefined {
        const value = this.raw(key);
        if (value === undefined) {
            return undefined;
        }
        if (typeof value !== "string" || value.length === 0) {
            this.problems.add(this.keyPath(key), `expected a non-empty string, got ${describe(value)}`);
            return undefined;
        }
        if (format && !format.test(value)) {
            this.problems.add(this.keyPath(key), `${describe(value)} ${format.hint}`);
            return undefined;
        }
        return value;
    }

    /** A string that must be present: one message, either "is required" or the format problem, never both. */
    requiredString(key: K, format: Format | undefined, whenMissing: string): string | undefined {
        if (!this.has(key)) {
            if (this.value[key] !== null) {
                this.problems.add(this.keyPath(key), `is required${whenMissing ? `; ${whenMissing}` : ""}`);
            }
            return undefined;
        }
        return this.optionalString(key, format);
    }

    number(key: K, fallback: number, range: { min?: number; max?: number; integer?: boolean; hint?: string } = {}): number {
        let value = this.raw(key);
        if (value === undefined) {
            return fallback;
        }
        // Pulumi hands top-level scalars over as text.
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
            this.problems.add(this.keyPath(key), `${value} is outside ${range.min ?? "-∞"}..${range.max ?? "∞"}${hint}`);
            return fallback;
        }
        return value;
    }

    boolean(key: K, fallback: boolean): boolean {
        const value = this.raw(key);
        if (value === undefined) {
            return fallback;
        }
        // Pulumi hands every top-level scalar over as a string; "false" must mean false, not a truthy string.
        if (value === true || value === "true") {
            return true;
        }
        if (value === false || value === "false") {
            return false;
        }
        this.problems.add(this.keyPath(key), `expected true or false, got ${describe(value)}`);
        return fallback;
    }

    oneOf<T extends string>(key: K, choices: readonly T[], fallback: T): T {
        const value = this.raw(key);
        if (value === undefined) {
            return fallback;
        }
        if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
            this.problems.add(this.keyPath(key), `${describe(value)} is not one of ${choices.join(", ")}`);
            return fallback;
        }
        return value as T;
    }

    /** A Prometheus duration (`30s`, `5m`, `1h30m`, `30d`); decimals are refused with their exact equivalent. */
    duration(key: K, fallback: string, rules: DurationRules = {}): string {
        const value = this.raw(key);
        if (value === undefined) {
            return fallback;
        }
        const path = this.keyPath(key);
        if (typeof value !== "string") {
            this.problems.add(path, `expected a duration with a unit such as 30s, 5m, 12h or 30d, got ${describe(value)}`);
            return fallback;
        }
        const reading = readDuration(value);
        switch (reading.kind) {
            case "ok":
                return value;
            case "zero":
                if (rules.allowZero) {
                    return value;
                }
                this.problems.add(path, `${describe(value)} is a zero duration; give a positive one such as ${fallback}`);
                return fallback;
            case "decimal":
                this.problems.add(
                    path,
                    reading.ms === undefined
                        ? `${describe(value)} is finer than a millisecond; durations are whole milliseconds, e.g. 1ms`
                        : `${describe(value)} has a decimal point, which Prometheus durations cannot have; write ${formatMs(reading.ms)}`,
                );
                return fallback;
            case "invalid":
                this.problems.add(path, `${describe(value)} is not a duration; use e.g. 30s, 5m, 12h or 30d (units largest first, as in 1h30m)`);
                return fallback;
        }
    }

    /**
     * A Kubernetes quantity, which must be positive. A YAML number (`cpu: 2`) is a valid quantity
     * to Kubernetes too, so it is accepted and kept as its text.
     */
    quantity(key: K, fallback: string): string {
        let value = this.raw(key);
        if (value === undefined) {
            return fallback;
        }
        if (typeof value === "number" && Number.isFinite(value)) {
            value = String(value);
        }
        const path = this.keyPath(key);
        const parsed = typeof value === "string" ? parseQuantity(value) : undefined;
        if (parsed === undefined) {
            this.problems.add(path, `${describe(value)} is not a Kubernetes quantity; use e.g. 500m, 2, 512Mi or 10Gi`);
            return fallback;
        }
        if (parsed <= 0n) {
            this.problems.add(path, `${describe(value)} is ${parsed === 0n ? "zero" : "negative"}; give a positive quantity such as ${fallback}`);
            return fallback;
        }
        return value as string;
    }

    /** A size in Prometheus' notation (`512MB`, `50GB`), which must be positive. */
    prometheusSize(key: K, fallback: string): string {
        const value = this.raw(key);
        if (value === undefined) {
            return fallback;
        }
        const parsed = typeof value === "string" ? parsePrometheusSize(value) : undefined;
        if (parsed === undefined) {
            this.problems.add(this.keyPath(key), `${describe(value)} is not a size Prometheus accepts; use whole units B, KB, MB, GB or TB, e.g. 512MB or 50GB`);
            return fallback;
        }
        if (parsed === 0n) {
            this.problems.add(this.keyPath(key), `${describe(value)} is zero, which turns the size limit off; give a positive size such as ${fallback}`);
            return fallback;
        }
        return value as string;
    }

    /** List entries with their key paths; a null entry (`- ` with nothing after it) is an error, never skipped silently. */
    items(key: K): { path: string; value: Raw; index: number }[] {
        const value = this.raw(key);
        if (value === undefined) {
            return [];
        }
        if (!Array.isArray(value)) {
            this.problems.add(this.keyPath(key), `expected a list, got ${describe(value)}`);
            return [];
        }
        const result: { path: string; value: Raw; index: number }[] = [];
        value.forEach((item, index) => {
            const path = `${this.keyPath(key)}[${index}]`;
            if (item === null || item === undefined) {
                this.problems.add(path, "is an empty list entry (null); remove the '-' line or give the entry");
            } else {
                result.push({ path, value: item, index });
            }
        });
        return result;
    }

    /** A free-form map of scalar values (e.g. a label selector); the keys are data, not settings. */
    map(key: K): { path: string; key: string; value: string }[] {
        const value = this.raw(key);
        if (value === undefined) {
            return [];
        }
        if (typeof value !== "object" || Array.isArray(value)) {
            this.problems.add(this.keyPath(key), `expected a map of key: value, got ${describe(value)}`);
            return [];
        }
        const result: { path: string; key: string; value: string }[] = [];
        for (const [entryKey, entryValue] of Object.entries(value as Record<string, Raw>)) {
            const path = `${this.keyPath(key)}.${entryKey}`;
            if (typeof entryValue === "string" || typeof entryValue === "number" || typeof entryValue === "boolean") {
                // YAML reads `version: 2` as a number; a label value is its text.
                result.push({ path, key: entryKey, value: String(entryValue) });
            } else {
                this.problems.add(path, entryValue === null ? NULL_HINT : `expected a text value, got ${describe(entryValue)}`);
            }
        }
        return result;
    }
}

/**
 * An object whose allowed keys depend on a discriminator (`kind`, `type`, `preset`): every key of
 * every variant is known, and a key of another variant is reported with the variant it belongs to.
 */
export function variantReader<T extends string, C extends string>(
    path: string,
    raw: Raw,
    problems: Problems,
    discriminator: C,
    variants: Record<T, readonly C[]>,
    fallback: NoInfer<T>,
): { kind: T; reader: ObjectReader<C> } {
    const kinds = Object.keys(variants) as T[];
    const all = [...new Set([discriminator, ...kinds.flatMap((kind) => variants[kind])])];
    const reader = new ObjectReader(path, raw, problems, all);
    const kind = reader.oneOf(discriminator, kinds, fallback);
    if (!problems.about(reader.keyPath(discriminator))) {
        for (const present of Object.keys(reader.value) as C[]) {
            if (present !== discriminator && all.includes(present) && !variants[kind].includes(present)) {
                const owners = kinds.filter((k) => variants[k].includes(present)).join(" or ");
                problems.add(reader.keyPath(present), `only applies with ${discriminator}: ${owners} (here ${discriminator} is ${kind}); remove it or change ${discriminator}`);
            }
        }
    }
    return { kind, reader };
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
    const sorted = [...known].sort();
    const closest = sorted.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    const guess = closest.length > 0 ? `did you mean ${closest[0]}? ` : "";
    return sorted.length === 0 ? "unknown setting; nothing can be set here" : `unknown setting; ${guess}known settings here are: ${sorted.join(", ")}`;
}
