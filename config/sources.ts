/**
 * Raw config of the running Pulumi program, from the map Pulumi hands it (no I/O: reading the map,
 * the `servicesFrom` folder and `Pulumi.<stack>.yaml` files happens in io/stackSources.ts).
 */
import { PROJECT } from "./formats";
import { RawStackConfig } from "./load";
import { Raw } from "./reader";

export { PROJECT };

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
    return { stack, values, secretKeys, otherKeys };
}

