/**
 * Where raw stack config comes from: the running Pulumi program, or a `Pulumi.<stack>.yaml` file
 * read by the render command (no Pulumi CLI, no secrets decrypted: only whether they are set).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT } from "./formats";
import { RawStackConfig } from "./load";
import { Raw } from "./reader";
import { withServiceFolder } from "./serviceFiles";

export { PROJECT };
export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const RUNBOOK_DIR = path.join(PROJECT_ROOT, "runbooks");

/** Alert names with a runbook file (`runbooks/<Alert>.md`). */
export function runbookNames(dir = RUNBOOK_DIR): Set<string> {
    return new Set(
        fs
            .readdirSync(dir)
            .filter((file) => /^[A-Z][A-Za-z0-9]+\.md$/.test(file))
            .map((file) => file.replace(/\.md$/, "")),
    );
}

/** Pulumi passes every value as a string; objects and lists arrive as JSON text. */
function decodePulumiValue(value: string): Raw {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/**
 * Raw config of the running Pulumi program. Pulumi hands the program every key of the stack as
 * `<namespace>:<key>` (the PULUMI_CONFIG JSON); keys of other namespaces are kept aside so a
 * near-miss such as `lgtm_stack:services` is reported instead of silently ignored.
 */
export function rawConfigFromPulumi(stack: string, all: Record<string, string>, isSecret: (key: string) => boolean): RawStackConfig {
    const values: Record<string, Raw> = {};
    const secretKeys = new Set<string>();
    const otherKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) {
            otherKeys.push(fullKey);
            continue;
        }
        const key = fullKey.slice(PROJECT.length + 1);
        values[key] = decodePulumiValue(value);
        if (isSecret(fullKey)) {
            secretKeys.add(key);
        }
    }
    // Pulumi runs the program from the project folder, which is where servicesFrom is relative to.
    return withServiceFolder({ stack, values, secretKeys, otherKeys }, PROJECT_ROOT);
}

function isSecretMap(value: Raw): value is Record<string, Raw> {
    if (!value || typeof value !== "object" || Array.isArray(value)) {
        return false;
    }
    const entries = Object.values(value);
    return entries.length > 0 && entries.every((entry) => entry !== null && typeof entry === "object" && !Array.isArray(entry) && "secure" in entry);
}

/** Raw config from `Pulumi.<stack>.yaml`; `{ secure: ... }` values count as set secrets. */
export function rawConfigFromFile(file: string, stack: string): RawStackConfig {
    if (!fs.existsSync(file)) {
        throw new Error(`${file} does not exist; create it (see Pulumi.dev.yaml) or pass --stack with an existing stack name`);
    }
    const document = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, Raw> };
    const values: Record<string, Raw> = {};
    const secretKeys = new Set<string>();
    const otherKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(document.config ?? {})) {
        if (!fullKey.startsWith(`${PROJECT}:`)) {
            otherKeys.push(fullKey);
            continue;
        }
        const key = fullKey.slice(PROJECT.length + 1);
        // Pulumi's YAML also allows `{ value: ..., secure: ... }`-free plain maps: only `secure` marks a secret.
        if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            values[key] = "<secret>";
            secretKeys.add(key);
        } else if (isSecretMap(value)) {
            // `pulumi config set --secret --path 'key.entry'` writes a map whose every value is `{ secure }`; Pulumi treats the key as a secret.
            values[key] = Object.fromEntries(Object.keys(value).map((entry) => [entry, "<secret>"]));
            secretKeys.add(key);
        } else {
            values[key] = value;
        }
    }
    return withServiceFolder({ stack, values, secretKeys, otherKeys }, path.dirname(file));
}
