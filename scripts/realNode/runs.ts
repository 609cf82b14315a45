/**
 * Where real-node runs live, and which of them a new run may reclaim.
 *
 * Runs live in directories only the invoking user can write: `<cache>/runs/<run id>` for the e2e
 * suites and `<cache>/demo` for `npm run demo`, below a cache directory that is not writable by
 * others either (`~/.cache/lgtm-stack`, or `LGTM_CACHE`). Before anything of a run is read, its
 * directory and every directory above it are checked: owned by the user (or root), not writable by
 * others unless sticky. A directory that fails is refused, named, and nothing of it is read, run or
 * removed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const CACHE_DIR = process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache/lgtm-stack");
/** The e2e suites' runs, one directory each. */
export const RUNS_DIR = path.join(CACHE_DIR, "runs");
/** Where `npm run demo` keeps its cluster, which outlives the command until `npm run demo -- --down`. */
export const DEMO_WORKDIR = path.join(CACHE_DIR, "demo");

const uid = () => process.getuid?.() ?? -1;

/** Why `dir` may not hold a run of ours (owner, mode, a link), or undefined when it may. */
export function untrustedReason(dir: string, { sticky }: { sticky: boolean } = { sticky: false }): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.lstatSync(dir);
    } catch {
        return "it does not exist";
    }
    if (stat.isSymbolicLink()) {
        return "it is a symbolic link";
    }
    if (!stat.isDirectory()) {
        return "it is not a directory";
    }
    if (stat.uid !== uid() && stat.uid !== 0) {
        return `it is owned by uid ${stat.uid}, not by uid ${uid()}`;
    }
    const othersMayWrite = (stat.mode & 0o022) !== 0;
    if (othersMayWrite && !(sticky && (stat.mode & 0o1000) !== 0)) {
        return `it is writable by others (mode ${(stat.mode & 0o7777).toString(8)})`;
    }
    return undefined;
}

/** Throws, naming the directory, unless `dir` and every directory above it pass {@link untrustedReason}. */
export function assertTrusted(dir: string): void {
    const chain: string[] = [];
    for (let at = path.resolve(dir); ; at = path.dirname(at)) {
        chain.push(at);
        if (at === path.dirname(at)) {
            break;
        }
    }
    for (const [index, at] of chain.entries()) {
        // Above the run, a sticky world-writable directory (/tmp) is fine: nobody else can replace our entry in it.
        const reason = untrustedReason(at, { sticky: index > 0 });
        if (reason) {
            throw new Error(`refusing ${dir}: ${at === dir ? "" : `${at}, above it: `}${reason}. A real-node run only ever lives in a directory only you can write; nothing in ${dir} was read, run or removed. Inspect it and remove it yourself if it is not needed.`);
        }
    }
}

/** `<cache>/runs`, created private (0700) when missing, and checked. */
export function runsDir(): string {
    fs.mkdirSync(RUNS_DIR, { recursive: true, mode: 0o700 });
    assertTrusted(RUNS_DIR);
    return RUNS_DIR;
}

/** A new private directory for one e2e run, `<cache>/runs/<prefix>-<random>` (short: containerd's socket paths are limited to 107 bytes). */
export function newRunDir(prefix = "e2e"): string {
    const dir = fs.mkdtempSync(path.join(runsDir(), `${prefix}-`));
    fs.chmodSync(dir, 0o700);
    return dir;
}

/** Every directory a run may live in (the e2e runs' and the demo's), each checked before it is returned. */
export function knownRunDirs(): string[] {
    const runs = fs.existsSync(RUNS_DIR) ? (assertTrusted(RUNS_DIR), fs.readdirSync(RUNS_DIR).map((name) => path.join(RUNS_DIR, name))) : [];
    const dirs = [...runs, ...(fs.existsSync(DEMO_WORKDIR) ? [DEMO_WORKDIR] : [])];
    for (const dir of dirs) {
        assertTrusted(dir);
    }
    return dirs;
}
