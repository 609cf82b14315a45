/** Finds (building once, cached outside the repo) the real upstream tools the tests run. */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/sources";

export function toolPath(tool: string): string {
    const result = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts/tools.sh"), "ensure", tool], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const binary = result.stdout.trim().split("\n").pop() ?? "";
    if (result.status !== 0 || !fs.existsSync(binary)) {
        throw new Error(`${tool} is not available and could not be built; run \`npm run tools -- build ${tool}\` (needs Go and the Go module proxy)`);
    }
    return binary;
}

export function run(binary: string, args: string[], cwd?: string): { code: number; output: string } {
    const result = spawnSync(binary, args, { cwd, encoding: "utf8", timeout: 300_000 });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}


/** `run` without blocking the event loop, so independent tool runs of one test file overlap. */
export function runAsync(binary: string, args: string[], cwd?: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        execFile(binary, args, { cwd, encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, output: `${stdout}${stderr}` });
        });
    });
}
