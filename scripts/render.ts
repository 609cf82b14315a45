/**
 * `npm run render -- --stack <name> --out <dir> [--secret <key>]...`: writes every generated artifact
 * of a stack from `Pulumi.<name>.yaml`, with no Pulumi CLI and no cluster. Secrets are never read,
 * only noted as set; `--secret <key>` renders as if that credential were set (a clone's stack file
 * holds none until its operator runs `pulumi config set --secret`).
 */
import * as fs from "fs";
import * as path from "path";
import { loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { PROJECT_ROOT, rawConfigFromFile, runbookNames } from "../io/stackSources";
import { readRunbooks } from "../io/runbooks";
import { artifactFiles, renderStack } from "../render";

function parseArgs(argv: string[]): { stack: string; out: string; secrets: string[] } {
    const args: Record<string, string> = {};
    const secrets: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const match = /^--(stack|out|secret)(?:=(.*))?$/.exec(argv[i]);
        if (!match) {
            throw new Error(`unknown argument ${argv[i]}; usage: npm run render -- --stack <name> --out <dir> [--secret <key>]...`);
        }
        const value = match[2] ?? argv[++i];
        if (match[1] === "secret") {
            secrets.push(value);
        } else {
            args[match[1]] = value;
        }
    }
    return { stack: args.stack ?? "dev", out: args.out ?? path.join("out", args.stack ?? "dev"), secrets };
}

function main(): void {
    const { stack, out, secrets } = parseArgs(process.argv.slice(2));
    const file = rawConfigFromFile(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), stack);
    const raw = { ...file, values: { ...file.values, ...Object.fromEntries(secrets.map((key) => [key, "<secret>"])) }, secretKeys: new Set([...file.secretKeys, ...secrets]) };
    const config = loadStackConfig(raw, { knownRunbooks: runbookNames() });
    const files = artifactFiles(renderStack(config, readRunbooks()));
    // Start clean so a removed service leaves no stale rule file behind; only our own folders are touched.
    for (const folder of new Set([...files.keys()].map((file) => file.split("/")[0]))) {
        fs.rmSync(path.join(out, folder), { recursive: true, force: true });
    }
    for (const [relative, content] of files) {
        const target = path.join(out, relative);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
    console.log(`rendered ${files.size} files for stack "${stack}" into ${out}`);
}

try {
    main();
} catch (error) {
    console.error(error instanceof ConfigErrors || error instanceof Error ? error.message : String(error));
    process.exit(1);
}
