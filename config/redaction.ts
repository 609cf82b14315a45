/** Reads `collector.redaction`: on by default; an environment may turn it off, mask IP addresses or add patterns. */
import { COLLECTOR_SETTINGS, sectionKeys } from "./keys";
import { ObjectReader } from "./reader";
import { RedactionConfig } from "./types";

const SETTINGS = COLLECTOR_SETTINGS.redaction;
const KEYS = sectionKeys(SETTINGS);

/** The Collector compiles patterns with Go's RE2: no lookaround, no backreferences; `(?i)` as a prefix. */
function re2Problem(pattern: string): string | undefined {
    if (/\(\?<?[=!]|\\[1-9]/.test(pattern)) {
        return "uses lookaround or a backreference, which the Collector's RE2 regular expressions do not support";
    }
    const caseless = pattern.startsWith("(?i)");
    try {
        new RegExp(caseless ? pattern.slice(4) : pattern, caseless ? "i" : "");
    } catch (error) {
        return `is not a regular expression: ${(error as Error).message}`;
    }
    return undefined;
}

function readPatterns(reader: ObjectReader<keyof typeof SETTINGS.keys>, key: "extraKeyPatterns" | "extraValuePatterns"): string[] {
    const patterns: string[] = [];
    for (const entry of reader.items(key)) {
        if (typeof entry.value !== "string" || entry.value === "") {
            reader.problems.add(entry.path, `${JSON.stringify(entry.value)} is not a pattern; give an RE2 regular expression as a string, e.g. "(?i)iban"`);
            continue;
        }
        const problem = re2Problem(entry.value);
        if (problem) {
            reader.problems.add(entry.path, `${JSON.stringify(entry.value)} ${problem}`);
            continue;
        }
        patterns.push(entry.value);
    }
    return patterns;
}

export function readRedaction<K extends string>(collector: ObjectReader<K | "redaction">): RedactionConfig {
    const redaction = collector.object("redaction", KEYS);
    return {
        enabled: redaction.boolean("enabled", SETTINGS.keys.enabled.default.value),
        maskIpAddresses: redaction.boolean("maskIpAddresses", SETTINGS.keys.maskIpAddresses.default.value),
        extraKeyPatterns: readPatterns(redaction, "extraKeyPatterns"),
        extraValuePatterns: readPatterns(redaction, "extraValuePatterns"),
    };
}
