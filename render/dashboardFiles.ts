/** Dashboard JSON files packed into ConfigMaps under the API server's size limit. */
import { CONFIGMAP_DATA_LIMIT_BYTES } from "../model/components";

/** One ConfigMap of dashboard JSON files: file name → JSON. */
export interface DashboardConfigMap {
    readonly name: string;
    readonly data: Readonly<Record<string, string>>;
}

/**
 * Packs files in order into ConfigMaps under the size limit: `<prefix>`, then `<prefix>.part-2`, …
 * (service names are DNS labels, so a dotted suffix never collides with another ConfigMap's name).
 */
export function packFiles(prefix: string, files: readonly (readonly [string, string])[], describe = (fileName: string) => `dashboard file ${fileName}`): DashboardConfigMap[] {
    const maps: Record<string, string>[] = [];
    let current: Record<string, string> = {};
    let used = 0;
    for (const [fileName, content] of files) {
        const size = Buffer.byteLength(fileName) + Buffer.byteLength(content);
        if (size > CONFIGMAP_DATA_LIMIT_BYTES) {
            throw new Error(`${describe(fileName)} is ${size} bytes, more than a ConfigMap can hold (${CONFIGMAP_DATA_LIMIT_BYTES}); split its panels into a second dashboard`);
        }
        if (used + size > CONFIGMAP_DATA_LIMIT_BYTES) {
            maps.push(current);
            current = {};
            used = 0;
        }
        current[fileName] = content;
        used += size;
    }
    if (Object.keys(current).length > 0) {
        maps.push(current);
    }
    return maps.map((data, index) => ({ name: index === 0 ? prefix : `${prefix}.part-${index + 1}`, data }));
}
