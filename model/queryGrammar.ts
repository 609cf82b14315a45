/**
 * Syntax checks with the official Lezer grammars that Grafana's own query editors use, so an
 * expression we emit (or a user gives us) is rejected here rather than in a dashboard at 3 a.m.
 */
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import { parser as logqlParser } from "@grafana/lezer-logql";
import { parser as traceqlParser } from "@grafana/lezer-traceql";

export type QueryLanguage = "promql" | "logql" | "traceql";

interface LezerParser {
    parse(input: string): { iterate(spec: { enter(node: { type: { isError: boolean }; from: number }): void }): void };
}

const PARSERS: Record<QueryLanguage, LezerParser> = {
    promql: promqlParser as unknown as LezerParser,
    logql: logqlParser as unknown as LezerParser,
    traceql: traceqlParser as unknown as LezerParser,
};

/** Returns a description of the first syntax error, or undefined when the expression parses. */
export function syntaxError(language: QueryLanguage, expression: string): string | undefined {
    if (expression.trim() === "") {
        return "empty expression";
    }
    let errorAt: number | undefined;
    PARSERS[language].parse(expression).iterate({
        enter(node) {
            if (node.type.isError && errorAt === undefined) {
                errorAt = node.from;
            }
        },
    });
    if (errorAt === undefined) {
        return undefined;
    }
    const context = expression.slice(Math.max(0, errorAt - 20), errorAt + 20).replace(/\s+/g, " ");
    return `${language} syntax error at offset ${errorAt} (near "${context}")`;
}

/**
 * Whether a LogQL expression that parses is a metric query (a number per series, e.g.
 * `sum(count_over_time({…} |= "x" [5m])) > 10`), which is what an alerting rule needs, rather
 * than a log query returning lines.
 */
export function isLogqlMetricQuery(expression: string): boolean {
    const cursor = (logqlParser as unknown as { parse(input: string): { cursor(): { firstChild(): boolean; name: string } } }).parse(expression).cursor();
    return cursor.firstChild() && cursor.firstChild() && cursor.name === "MetricExpr";
}

/** Values Grafana gives its built-in variables; a typical 5-minute rate window is enough to parse. */
const BUILT_IN_VARIABLES: Readonly<Record<string, string>> = { __rate_interval: "5m", __interval: "1m", __range: "1h" };

/**
 * Replaces `$name`, `${name}`, `${name:format}` and `[[name]]` like Grafana does; unknown names stay
 * as they are (Grafana leaves `$1` in a `label_replace` alone too).
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
    const all = { ...BUILT_IN_VARIABLES, ...values };
    return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (match, braced?: string, bracketed?: string, plain?: string) => {
        const name = braced ?? bracketed ?? plain ?? "";
        return Object.prototype.hasOwnProperty.call(all, name) ? all[name] : match;
    });
}
