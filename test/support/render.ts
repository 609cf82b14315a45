import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../io/stackSources";
import { readRunbooks } from "../../io/runbooks";
import { artifactFiles, renderStack } from "../../render";
import { loadStack, OPERATOR_SECRETS } from "./fixtures";

/** Renders a committed stack into a fresh temp dir, exactly as `npm run render` does. */
export function renderToTemp(stack: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lgtm-render-${stack}-`));
    for (const [relative, content] of artifactFiles(renderStack(loadStack(stack), readRunbooks()))) {
        fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
        fs.writeFileSync(path.join(dir, relative), content);
    }
    return dir;
}

export function renderCommand(stack: string, out: string): string {
    const secrets = (OPERATOR_SECRETS[stack] ?? []).flatMap((key) => ["--secret", key]);
    return execFileSync("npx", ["tsx", "scripts/render.ts", "--stack", stack, "--out", out, ...secrets], { cwd: PROJECT_ROOT, encoding: "utf8" });
}
