/**
 * The Prometheus Operator's CRDs at the pinned release, for `pulumi preview` and `up`. Nothing of
 * upstream is committed: the files come from the Go module itself and every one must match the
 * sha256 written in model/operator.ts, whatever its source. Sources, first that has the file:
 *   1. the Go module cache (`$GOMODCACHE`, else `$GOPATH/pkg/mod`, else `~/go/pkg/mod`): machines that
 *      built the tools have it;
 *   2. our cache (`$LGTM_CACHE/operator-crds/<version>/`, default `~/.cache/lgtm-stack`), filled by 3;
 *   3. the module zip from the Go module proxy over HTTPS (`$GOPROXY`'s first https entry, else
 *      proxy.golang.org): a plain download, no Go toolchain.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { parse } from "yaml";
import { CrdManifest, OPERATOR_CRD_DIR, OPERATOR_CRDS, OPERATOR_MODULE, OPERATOR_VERSION, OperatorCrdFile } from "../model/operator";


export interface CrdSources {
    /** Go module cache root. Defaults to `$GOMODCACHE`, `$GOPATH/pkg/mod` or `~/go/pkg/mod`. */
    readonly goModCache?: string;
    /** Our cache folder for verified files. Defaults to `$LGTM_CACHE/operator-crds/<version>`. */
    readonly cacheDir?: string;
    /** Base URL of the Go module proxy. Defaults to `$GOPROXY`'s first https entry or https://proxy.golang.org. */
    readonly proxy?: string;
    /** Fetches a URL's body; tests pass their own. Defaults to the global `fetch`. */
    readonly download?: (url: string) => Promise<Buffer>;
}

export class CrdChecksumError extends Error {}

function sha256(content: Buffer): string {
    return crypto.createHash("sha256").update(content).digest("hex");
}

function defaultGoModCache(): string {
    if (process.env.GOMODCACHE) return process.env.GOMODCACHE;
    const gopath = (process.env.GOPATH ?? "").split(path.delimiter)[0] || path.join(os.homedir(), "go");
    return path.join(gopath, "pkg", "mod");
}

function defaultProxy(): string {
    const entry = (process.env.GOPROXY ?? "").split(/[,|]/).find((p) => p.startsWith("https://"));
    return (entry ?? "https://proxy.golang.org").replace(/\/$/, "");
}

/** The module path as the module cache and the proxy spell it: capitals become `!` + lower case. */
function escapedModule(): string {
    return OPERATOR_MODULE.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

function verified(crd: OperatorCrdFile, content: Buffer, source: string): Buffer {
    const actual = sha256(content);
    if (actual !== crd.sha256) {
        throw new CrdChecksumError(
            `${source}: sha256 ${actual} is not the ${OPERATOR_VERSION} checksum ${crd.sha256} pinned in model/operator.ts for ${crd.name}; ` +
                `the file is not the pinned release (edited, corrupt or another version): delete it and run again, or fix the pin if the release changed`,
        );
    }
    return content;
}

function readIfPresent(file: string): Buffer | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
}

/** The files named in `wanted` from a zip archive (stored or deflated entries, as Go writes them). */
export function unzipEntries(zip: Buffer, wanted: ReadonlySet<string>): Map<string, Buffer> {
    const found = new Map<string, Buffer>();
    // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
    let end = zip.length - 22;
    while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
    if (end < 0) throw new Error("not a zip archive: no end-of-central-directory record");
    const entries = zip.readUInt16LE(end + 10);
    let at = zip.readUInt32LE(end + 16);
    for (let i = 0; i < entries; i++) {
        if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`corrupt zip: bad central directory entry ${i}`);
        const method = zip.readUInt16LE(at + 10);
        const compressedSize = zip.readUInt32LE(at + 20);
        const nameLength = zip.readUInt16LE(at + 28);
        const extraLength = zip.readUInt16LE(at + 30);
        const commentLength = zip.readUInt16LE(at + 32);
        const localHeader = zip.readUInt32LE(at + 42);
        const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
        at += 46 + nameLength + extraLength + commentLength;
        if (!wanted.has(name)) continue;
        const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(dataStart, dataStart + compressedSize);
        if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported zip compression method ${method}`);
        found.set(name, method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data));
    }
    return found;
}

async function fetchBody(url: string): Promise<Buffer> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
}

/**
 * Every CRD of `OPERATOR_CRDS`, verified, parsed, in that order. Rejects with a message naming the
 * file, its checksum and the fix when a file does not match; with the URL when no source has it.
 */
export function loadOperatorCrds(sources?: CrdSources): Promise<CrdManifest[]> {
    // One read per process for the default sources: the render command, the tests and a program
    // building two stacks ask more than once, and the files are 2 MB of YAML.
    if (sources) return readCrds(sources);
    defaultLoad ??= readCrds({});
    return defaultLoad;
}
let defaultLoad: Promise<CrdManifest[]> | undefined;

async function readCrds(sources: CrdSources): Promise<CrdManifest[]> {
    const moduleDir = path.join(sources.goModCache ?? defaultGoModCache(), `${escapedModule()}@${OPERATOR_VERSION}`, OPERATOR_CRD_DIR);
    const cacheDir = sources.cacheDir ?? path.join(process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache", "lgtm-stack"), "operator-crds", OPERATOR_VERSION);
    const contents = new Map<string, Buffer>();
    for (const crd of OPERATOR_CRDS) {
        for (const dir of [moduleDir, cacheDir]) {
            const file = path.join(dir, crd.file);
            const content = readIfPresent(file);
            if (content) {
                contents.set(crd.name, verified(crd, content, file));
                break;
            }
        }
    }
    const missing = OPERATOR_CRDS.filter((crd) => !contents.has(crd.name));
    if (missing.length > 0) {
        const url = `${sources.proxy ?? defaultProxy()}/${escapedModule()}/@v/${OPERATOR_VERSION}.zip`;
        const prefix = `${OPERATOR_MODULE}@${OPERATOR_VERSION}/${OPERATOR_CRD_DIR}/`;
        let zip: Buffer;
        try {
            zip = await (sources.download ?? fetchBody)(url);
        } catch (error) {
            throw new Error(`the Prometheus Operator CRDs (${missing.map((crd) => crd.file).join(", ")}) are in no local cache and the module proxy failed: ${String(error)}; allow HTTPS to the proxy or set GOPROXY to one you can reach`);
        }
        const entries = unzipEntries(zip, new Set(missing.map((crd) => prefix + crd.file)));
        fs.mkdirSync(cacheDir, { recursive: true });
        for (const crd of missing) {
            const content = entries.get(prefix + crd.file);
            if (!content) throw new Error(`${url}: has no ${prefix + crd.file}; is ${OPERATOR_VERSION} the release model/operator.ts names?`);
            contents.set(crd.name, verified(crd, content, `${url}!${crd.file}`));
            // Written only once verified, through a temporary name, so the cache never holds a bad or half file.
            const tmp = path.join(cacheDir, `.${crd.file}.${process.pid}`);
            fs.writeFileSync(tmp, content);
            fs.renameSync(tmp, path.join(cacheDir, crd.file));
        }
    }
    return OPERATOR_CRDS.map((crd) => {
        const manifest = parse(contents.get(crd.name)!.toString("utf8")) as CrdManifest;
        if (manifest?.metadata?.name !== crd.name) {
            throw new Error(`${crd.file}: defines ${manifest?.metadata?.name}, not ${crd.name} as model/operator.ts says`);
        }
        return manifest;
    });
}
