/**
 * The real upstream tools, built by scripts/tools.sh and cached outside the repository
 * (~/.cache/lgtm-stack). Three ways to ask, by what a missing tool should do: build it
 * ({@link toolPath}), fail with the build hint ({@link requireTool}), or be reported
 * ({@link cachedTool}, {@link missingTools}).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../io/stackSources";
import { run } from "./processes";

const TOOLS_SCRIPT = path.join(PROJECT_ROOT, "scripts/tools.sh");

/** Path of a cached tool, or undefined when it is not built. Never builds. */
export function cachedTool(tool: string): string | undefined {
    const result = spawnSync("bash", [TOOLS_SCRIPT, "path", tool], { encoding: "utf8" });
    const binary = result.stdout.trim();
    return result.status === 0 && binary && fs.existsSync(binary) ? binary : undefined;
}

/** Path of a cached tool, or an error with the build hint. Never builds: a cold build would blow a suite's time budget. */
export function requireTool(tool: string): string {
    const binary = cachedTool(tool);
    if (!binary) {
        throw new Error(`${tool} is not built; build it first: npm run tools -- build ${tool}`);
    }
    return binary;
}

/** Path of a tool, built first (once, cached) when missing; an error with the build hint if that fails. */
export function toolPath(tool: string): string {
    const result = spawnSync("bash", [TOOLS_SCRIPT, "ensure", tool], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const binary = result.stdout.trim().split("\n").pop() ?? "";
    if (result.status !== 0 || !fs.existsSync(binary)) {
        throw new Error(`${tool} is not available and could not be built; run \`npm run tools -- build ${tool}\` (needs Go and the Go module proxy)`);
    }
    return binary;
}

export function missingTools(tools: readonly string[]): string[] {
    return tools.filter((tool) => cachedTool(tool) === undefined);
}

/** Builds what is missing (cached, incremental per tool); throws with the build hint if a build fails. */
export function ensureTools(tools: readonly string[]): void {
    const missing = missingTools(tools);
    if (missing.length === 0) {
        return;
    }
    const result = spawnSync("bash", [TOOLS_SCRIPT, "build", ...missing], { stdio: "inherit" });
    if (result.status !== 0 || missingTools(missing).length > 0) {
        throw new Error(`could not build ${missingTools(missing).join(", ")}; run \`npm run tools -- build ${missing.join(" ")}\` and read its log`);
    }
}

/** A directory of plainly named links to the cached tools, for PATH. */
export function toolsBinDir(): string {
    return spawnSync("bash", [TOOLS_SCRIPT, "bindir"], { encoding: "utf8" }).stdout.trim();
}

/** The first line a tool prints for `--version`. */
export function toolVersion(binary: string): string {
    const first = run(binary, ["--version"], undefined, { timeoutMs: 30_000 }).output.split("\n").find((line) => line.trim() !== "") ?? "unknown";
    return first.trim();
}
