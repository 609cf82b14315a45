/**
 * The runbook format: Markdown files named after their alert (`runbooks/<Alert>.md`) with the
 * sections on-call relies on and titled diagnostic queries in fenced promql, logql or traceql
 * blocks. Parsed and checked here; dashboards/runbookDashboard.ts turns a parsed runbook into a
 * dashboard and io/runbooks.ts reads the files.
 */
import { QueryLanguage, substituteVariables, syntaxError } from "./queryGrammar";

export const REQUIRED_SECTIONS = ["Meaning", "Impact", "Likely causes", "Diagnostic queries", "Resolution", "Escalation"] as const;
export const QUERY_SECTION = "Diagnostic queries";
export const QUERY_LANGUAGES: readonly QueryLanguage[] = ["promql", "logql", "traceql"];

/** The variable every runbook query is written against. */
export const SERVICE_VARIABLE = "service";

export interface RunbookQuery {
    /** The H3 title above the query. */
    readonly title: string;
    /** What to look for, from the text between the title and the query. */
    readonly hint?: string;
    readonly language: QueryLanguage;
    readonly expr: string;
}

export interface ParsedRunbook {
    /** The H1 title: the alert name. */
    readonly alert: string;
    /** The text between the title and the first section. */
    readonly summary: string;
    /** Markdown body of each H2 section, by section title, in file order. */
    readonly sections: Readonly<Record<string, string>>;
    readonly queries: readonly RunbookQuery[];
}

export class RunbookError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "RunbookError";
    }
}

interface QueryDraft {
    title: string;
    hint: string[];
    done: boolean;
}

interface Fence {
    language: string;
    lines: string[];
}

/** Line-by-line reader of the runbook format; headings inside code blocks are code, not headings. */
class RunbookReader {
    alert = "";
    readonly summary: string[] = [];
    readonly sections: Record<string, string[]> = {};
    readonly queries: RunbookQuery[] = [];
    readonly problems: string[] = [];
    private section?: string;
    private draft?: QueryDraft;
    private fence?: Fence;

    read(line: string): void {
        if (this.fence) {
            this.readFenced(line, this.fence);
        } else if (/^```/.test(line)) {
            this.fence = { language: line.slice(3).trim(), lines: [] };
        } else if (/^# /.test(line)) {
            this.readTitle(line.slice(2).trim());
            return;
        } else if (/^## /.test(line)) {
            this.startSection(line.slice(3).trim());
            return;
        } else if (/^### /.test(line) && this.section === QUERY_SECTION) {
            this.startQuery(line.slice(4).trim());
        } else if (this.draft && !this.draft.done && line.trim() !== "") {
            this.draft.hint.push(line.trim());
        } else if (this.section === undefined && this.alert && line.trim() !== "") {
            this.summary.push(line.trim());
        }
        if (this.section !== undefined) {
            this.sections[this.section].push(line);
        }
    }

    finish(): void {
        if (this.fence) {
            this.problems.push(`a code block starting with \`\`\`${this.fence.language} is never closed`);
        }
        this.finishQuery();
    }

    private readTitle(title: string): void {
        if (this.alert) {
            this.problems.push(`has a second "# ${title}" title; a runbook covers one alert`);
        }
        this.alert = this.alert || title;
    }

    private readFenced(line: string, fence: Fence): void {
        if (!/^```\s*$/.test(line)) {
            fence.lines.push(line);
            return;
        }
        this.fence = undefined;
        if (this.section === QUERY_SECTION) {
            this.addQuery(fence);
        }
    }

    private startSection(title: string): void {
        this.finishQuery();
        if (this.sections[title]) {
            this.problems.push(`has the section "## ${title}" twice`);
        }
        this.section = title;
        this.sections[title] = [];
    }

    private startQuery(title: string): void {
        this.finishQuery();
        this.draft = { title, hint: [], done: false };
    }

    private addQuery(fence: Fence): void {
        const draft = this.draft;
        if (!draft || draft.done) {
            this.problems.push(`a ${fence.language || "untagged"} block in "## ${QUERY_SECTION}" has no "### <title>" of its own; give every query a title`);
            return;
        }
        draft.done = true;
        const language = fence.language as QueryLanguage;
        if (!QUERY_LANGUAGES.includes(language)) {
            this.problems.push(`query "${draft.title}" is tagged "${fence.language}"; tag it ${QUERY_LANGUAGES.join(", ")} so it can become a live panel`);
            return;
        }
        const hint = draft.hint.join(" ");
        this.queries.push({ title: draft.title, ...(hint ? { hint } : {}), language, expr: fence.lines.join("\n").trim() });
    }

    private finishQuery(): void {
        if (this.draft && !this.draft.done) {
            this.problems.push(`query "${this.draft.title}" has no fenced promql, logql or traceql block`);
        }
        this.draft = undefined;
    }
}

/** Any service name: queries are checked with `$service` filled in, as Grafana would send them. */
const EXAMPLE_SERVICE = "example-service";

function contentProblems(runbook: ParsedRunbook): string[] {
    const problems: string[] = [];
    if (!runbook.alert) {
        problems.push('has no "# <AlertName>" title');
    }
    for (const section of REQUIRED_SECTIONS) {
        if (runbook.sections[section] === undefined) {
            problems.push(`lacks the "## ${section}" section`);
        } else if (runbook.sections[section] === "") {
            problems.push(`has an empty "## ${section}" section`);
        }
    }
    if (runbook.sections[QUERY_SECTION] !== undefined && runbook.queries.length === 0) {
        problems.push(`"## ${QUERY_SECTION}" has no query; add a "### <title>" with a fenced promql, logql or traceql block`);
    }
    for (const query of runbook.queries) {
        const error = syntaxError(query.language, substituteVariables(query.expr, { [SERVICE_VARIABLE]: EXAMPLE_SERVICE }));
        if (error) {
            problems.push(`query "${query.title}" does not parse: ${error}`);
        }
    }
    return problems;
}

/** Parses a runbook; throws a RunbookError listing every problem (missing sections, broken queries). */
export function parseRunbook(markdown: string): ParsedRunbook {
    const reader = new RunbookReader();
    markdown.split(/\r?\n/).forEach((line) => reader.read(line));
    reader.finish();
    const runbook: ParsedRunbook = {
        alert: reader.alert,
        summary: reader.summary.join(" "),
        sections: Object.fromEntries(Object.entries(reader.sections).map(([title, lines]) => [title, lines.join("\n").trim()])),
        queries: reader.queries,
    };
    const problems = [...reader.problems, ...contentProblems(runbook)];
    if (problems.length > 0) {
        throw new RunbookError(problems);
    }
    return runbook;
}
