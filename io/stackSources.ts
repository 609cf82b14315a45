/**
 * Where raw stack config comes from: the running Pulumi program (its config map, and the
 * `servicesFrom` folder beside the project), or a `Pulumi.<stack>.yaml` file read by the render
 * command (no Pulumi CLI, no secrets decrypted: only whether they are set). The file reading of the
 * config layer, kept here so config/ stays pure.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RawStackConfig } from "../config/load";
import { isOpenSloDocument } from "../config/openslo";
import { Raw } from "../config/reader";
import { ServiceFile, ServiceFolder } from "../config/serviceFiles";
import { PROJECT, rawConfigFromPulumi } from "../config/sources";

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

/** The running program's raw config: Pulumi's map, with the `servicesFrom` folder read from the project folder (where Pulumi runs the program). */
export function rawConfigOfProgram(stack: string, all: Record<string, string>, isSecret: (key: string) => boolean): RawStackConfig {
    return withServiceFolder(rawConfigFromPulumi(stack, all, isSecret), PROJECT_ROOT);
}

const SERVICE_FILE = /\.ya?ml$/;

/** Reads every `*.yaml`/`*.yml` file of `folder` (relative to `baseDir`), in name order so previews are stable. */
export function readServiceFolder(folder: string, baseDir: string): ServiceFolder {
    const dir = path.resolve(baseDir, folder);
    let names: string[];
    try {
        names = fs.readdirSync(dir).filter((name) => SERVICE_FILE.test(name)).sort();
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return { folder, files: [], error: code === "ENOENT" ? `${dir} does not exist; create it or fix the path (relative to the project folder)` : `${dir} cannot be read (${code ?? String(error)})` };
    }
    const files = names.map((name): ServiceFile => {
        const file = path.posix.join(folder.split(path.sep).join("/"), name);
        const documents = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, name), "utf8"));
        const broken = documents.flatMap((document) => document.errors);
        if (broken.length > 0) {
            return { file, error: `is not valid YAML: ${broken[0].message.split("\n")[0]}` };
        }
        const values: Raw[] = documents.map((document) => document.toJS());
        if (values.some(isOpenSloDocument)) {
            return { file, openslo: values };
        }
        if (values.length > 1) {
            return { file, error: `holds ${values.length} YAML documents; a services file holds one (services: [...]), unless its documents are OpenSLO (apiVersion: openslo/v1)` };
        }
        return { file, document: values[0] ?? {} };
    });
    return { folder, files };
}

/** The raw config with the `servicesFrom` folder read, when the key is set to a string. */
export function withServiceFolder<R extends { readonly values: Readonly<Record<string, Raw>> }>(raw: R, baseDir: string): R & { serviceFolder?: ServiceFolder } {
    const folder = raw.values.servicesFrom;
    return typeof folder === "string" && folder !== "" ? { ...raw, serviceFolder: readServiceFolder(folder, baseDir) } : raw;
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
