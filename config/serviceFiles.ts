/**
 * Services declared in files: `servicesFrom: <folder>` names a folder (relative to the project)
 * whose `*.yaml` files each hold `services: [...]`, entries exactly as under `services` in stack
 * config (one file per service or per team). Pulumi hands the whole stack config to the program in
 * one environment variable, which Linux caps at 128 KiB, so a fleet of hundreds of services cannot
 * live in `Pulumi.<stack>.yaml`; files have no such limit.
 *
 * Reading the folder is I/O and happens where raw config is gathered (io/stackSources.ts); checking
 * what was read stays in the pure loader, with the same messages, prefixed by the file's path.
 */
import * as path from "path";
import { OpenSloDocument, openSloServiceEntries } from "./openslo";
import { ObjectReader, Problems, Raw } from "./reader";

export interface ServiceFile {
    /** The file's path as the user wrote the folder: `services.d/payments.yaml`. */
    readonly file: string;
    readonly document?: Raw;
    /** The file's YAML documents when they are OpenSLO documents (`apiVersion: openslo/v1`), see config/openslo.ts. */
    readonly openslo?: readonly Raw[];
    /** Why the file could not be read or parsed. */
    readonly error?: string;
}

/** What was found in the `servicesFrom` folder: its files in name order, or why the folder could not be read. */
export interface ServiceFolder {
    readonly folder: string;
    readonly files: readonly ServiceFile[];
    readonly error?: string;
}

export interface ServiceEntry {
    readonly path: string;
    readonly value: Raw;
    readonly index: number;
    /** For entries built from OpenSLO documents: the document and field a path of our spec came from. */
    readonly translate?: (path: string) => string;
}

/**
 * The service entries of the files, each with its key path `<file>: services[<i>]`, so every message
 * about it names the file and the entry. `firstIndex` numbers them after the stack-config entries.
 */
export function serviceFileEntries(root: ObjectReader<string>, folder: ServiceFolder | undefined, problems: Problems, firstIndex: number): ServiceEntry[] {
    const configured = root.optionalString("servicesFrom", {
        test: (value) => value !== "" && !path.isAbsolute(value) && !value.split(/[\\/]/).includes(".."),
        hint: "must be a folder inside the project, relative to it, e.g. services.d",
    });
    if (configured === undefined) {
        return [];
    }
    if (folder === undefined) {
        problems.add("servicesFrom", "was set but the folder was not read; load the config through config/sources.ts (rawConfigFromPulumi or rawConfigFromFile)");
        return [];
    }
    if (folder.error) {
        problems.add("servicesFrom", folder.error);
        return [];
    }
    if (folder.files.length === 0) {
        problems.add("servicesFrom", `${folder.folder} has no .yaml files; add one per service or team, each with services: [...]`);
    }
    const entries: ServiceEntry[] = [];
    const openslo: OpenSloDocument[] = [];
    for (const { file, document, error, openslo: documents } of folder.files) {
        if (error) {
            problems.add(file, error);
            continue;
        }
        if (documents) {
            // References (indicatorRef, alertPolicyRef) may cross files, so all are read together below.
            openslo.push(...documents.map((value, i) => ({ file, index: i + 1, value })));
            continue;
        }
        // The file's own shape is checked with paths relative to it, then reported under the file's name.
        const local = new Problems();
        const reader = new ObjectReader("", document, local, ["services"] as const);
        const items = reader.items("services");
        if (!reader.has("services") && local.list.length === 0) {
            local.add("services", "is missing; write services: followed by entries as under lgtm-stack:services");
        }
        for (const message of local.list) {
            problems.add(file, message);
        }
        for (const item of items) {
            entries.push({ path: `${file}: ${item.path}`, value: item.value, index: firstIndex + entries.length });
        }
    }
    for (const entry of openSloServiceEntries(openslo, problems)) {
        entries.push({ ...entry, index: firstIndex + entries.length });
    }
    return entries;
}

/**
 * Checks across services speak of `services[<i>]` by position in the combined list; for services
 * from files that position means nothing to the user, so those problems are renamed to the entry's
 * own path (`services.d/payments.yaml: services[1]`).
 */
export function relabelServicePaths(problems: Problems, fromProblem: number, paths: readonly string[]): void {
    for (let i = fromProblem; i < problems.list.length; i++) {
        problems.list[i] = problems.list[i].replace(/\bservices\[(\d+)\]/g, (whole, index: string) => paths[Number(index)] ?? whole);
    }
}
