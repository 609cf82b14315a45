/**
 * A hand-written list of the configuration keys we render, each with the value type upstream
 * documents for it, and a walker that checks a rendered config against such a list. The lists
 * (lokiKeys.ts, tempoKeys.ts, grafanaDatasourceKeys.ts) are written and reviewed by hand against
 * upstream's reference of the pinned version; they are never derived from our renderers.
 */

/** The value types upstream references use. */
export type KeyType =
    | { readonly kind: "string" }
    | { readonly kind: "bool" }
    | { readonly kind: "int" }
    | { readonly kind: "float" }
    /** A Go/Prometheus duration: `10m`, `2h`, `336h0m0s`; `d`/`w`/`y` only where upstream parses Prometheus durations. */
    | { readonly kind: "duration"; readonly days: boolean }
    /** A `YYYY-MM-DD` day (Loki's `<daytime>`). */
    | { readonly kind: "day" }
    | { readonly kind: "enum"; readonly values: readonly string[] }
    /** A list; `item` is the type of a scalar item, or absent when items are objects walked with `path[]`. */
    | { readonly kind: "list"; readonly item?: KeyType }
    /** A map with free keys (labels); `value` is the type of each value. */
    | { readonly kind: "map"; readonly value: KeyType }
    /** A fixed block whose own keys are listed separately. */
    | { readonly kind: "block" };

export interface KeySpec {
    readonly type: KeyType;
    /** What the key is, in our own words. */
    readonly note: string;
}

/** Key paths use dots; `[]` stands for every item of a list of objects: `schema_config.configs[].store`. */
export type KeyList = Readonly<Record<string, KeySpec>>;

export const str: KeyType = { kind: "string" };
export const bool: KeyType = { kind: "bool" };
export const int: KeyType = { kind: "int" };
export const float: KeyType = { kind: "float" };
export const goDuration: KeyType = { kind: "duration", days: false };
export const promDuration: KeyType = { kind: "duration", days: true };
export const day: KeyType = { kind: "day" };
export const block: KeyType = { kind: "block" };
export const objects: KeyType = { kind: "list" };
export const enumOf = (...values: string[]): KeyType => ({ kind: "enum", values });
export const listOf = (item: KeyType): KeyType => ({ kind: "list", item });
export const mapOf = (value: KeyType): KeyType => ({ kind: "map", value });

/**
 * `-config.file` and `-config.expand-env`, which Loki, Tempo and Mimir all parse the same way (each
 * engine's flag list says where its reference documents them); the rest of a flag list is the engine's.
 */
export const CONFIG_FLAGS: KeyList = {
    "config.file": { type: str, note: "configuration file to load" },
    "config.expand-env": { type: bool, note: "expand ${VAR} references in the file from the environment" },
};

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const PROM_DURATION = /^(\d+(y|w|d|h|ms|m|s))+$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** `${VAR}` is expanded by Loki and Tempo with `-config.expand-env=true` before parsing. */
const ENV_REFERENCE = /^\$\{[A-Z_][A-Z0-9_]*\}$/;

function typeProblem(type: KeyType, value: unknown): string | undefined {
    switch (type.kind) {
        case "string":
            return typeof value === "string" ? undefined : "a string";
        case "bool":
            return typeof value === "boolean" ? undefined : "a bool";
        case "int":
            return Number.isInteger(value) ? undefined : "an int";
        case "float":
            return typeof value === "number" && Number.isFinite(value) ? undefined : "a number";
        case "duration":
            return typeof value === "string" && (GO_DURATION.test(value) || (type.days && PROM_DURATION.test(value)))
                ? undefined
                : type.days
                  ? "a duration such as 10m, 2h or 7d"
                  : "a Go duration such as 10m or 72h (no d or w)";
        case "day":
            return typeof value === "string" && DAY.test(value) ? undefined : "a YYYY-MM-DD day";
        case "enum":
            return typeof value === "string" && type.values.includes(value) ? undefined : `one of ${type.values.join(", ")}`;
        case "list":
            return Array.isArray(value) ? undefined : "a list";
        case "map":
        case "block":
            return value !== null && typeof value === "object" && !Array.isArray(value) ? undefined : "a mapping";
    }
}

/**
 * Every problem of `config` against `keys`: a key path not on the list, a value of the wrong type,
 * each message starting with the key path. Free-form maps are checked value by value.
 */
export function checkAgainstKeyList(config: unknown, keys: KeyList, where: string): string[] {
    const problems: string[] = [];
    const visit = (value: unknown, path: string) => {
        for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
            const keyPath = path ? `${path}.${key}` : key;
            const spec = keys[keyPath];
            if (!spec) {
                problems.push(`${where}: ${keyPath} is not a key of the pinned upstream reference (not on our reviewed list)`);
                continue;
            }
            const secretFromEnv = spec.type.kind === "string" && typeof child === "string" && ENV_REFERENCE.test(child);
            const wrong = secretFromEnv ? undefined : typeProblem(spec.type, child);
            if (wrong) {
                problems.push(`${where}: ${keyPath} must be ${wrong}, got ${JSON.stringify(child)}`);
                continue;
            }
            if (spec.type.kind === "block") {
                visit(child, keyPath);
            } else if (spec.type.kind === "map") {
                for (const [label, item] of Object.entries(child as Record<string, unknown>)) {
                    const itemWrong = typeProblem(spec.type.value, item);
                    if (itemWrong) problems.push(`${where}: ${keyPath}.${label} must be ${itemWrong}, got ${JSON.stringify(item)}`);
                }
            } else if (spec.type.kind === "list") {
                (child as unknown[]).forEach((item, index) => {
                    const itemType = (spec.type as { item?: KeyType }).item;
                    if (itemType) {
                        const itemWrong = typeProblem(itemType, item);
                        if (itemWrong) problems.push(`${where}: ${keyPath}[${index}] must be ${itemWrong}, got ${JSON.stringify(item)}`);
                    } else if (item !== null && typeof item === "object" && !Array.isArray(item)) {
                        visit(item, `${keyPath}[]`);
                    } else {
                        problems.push(`${where}: ${keyPath}[${index}] must be a mapping, got ${JSON.stringify(item)}`);
                    }
                });
            }
        }
    };
    visit(config, "");
    return problems;
}
