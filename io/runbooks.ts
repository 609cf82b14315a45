/**
 * Reads the runbooks from disk for the program, the render command and the tests. Rendering itself
 * is pure: it takes the parsed runbooks as an argument.
 */
import * as fs from "fs";
import * as path from "path";
import { RUNBOOK_DIR, runbookNames } from "./stackSources";
import { ParsedRunbook, parseRunbook, RunbookError } from "../model/runbook";

/** Every runbook of a directory, sorted by alert; throws one error listing all problems of all files. */
export function readRunbooks(dir: string = RUNBOOK_DIR): ParsedRunbook[] {
    const runbooks: ParsedRunbook[] = [];
    const problems: string[] = [];
    for (const name of [...runbookNames(dir)].sort()) {
        const file = path.join(dir, `${name}.md`);
        try {
            const runbook = parseRunbook(fs.readFileSync(file, "utf8"));
            if (runbook.alert !== name) {
                problems.push(`${file}: its title is "# ${runbook.alert}" but alerts find runbooks by file name; rename one so they match`);
            }
            runbooks.push(runbook);
        } catch (error) {
            const list = error instanceof RunbookError ? error.problems : [String(error)];
            problems.push(...list.map((problem) => `${file}: ${problem}`));
        }
    }
    if (problems.length > 0) {
        throw new RunbookError(problems);
    }
    return runbooks;
}

