/**
 * OpenSLO v1 import: `SLO`, `SLI`, `AlertPolicy` and `AlertCondition` documents (and `Service`) in
 * the `servicesFrom` folder become service entries, checked by the same `readService` as entries
 * written in our own format. Every message names the document and the OpenSLO field it came from.
 *
 * What maps (sloth's OpenSLO loader reads ratio objectives the same way, one SLO per objective):
 * - a `ratioMetric` SLI of Prometheus counters (`bad`/`total` or `good`/`total`) → availability
 *   SLOs; the preset's own selectors are recognised, anything else becomes `conventions: custom`;
 * - a `thresholdMetric` SLI naming a preset's latency histogram, with `op: lte` and `value` in
 *   seconds → a latency SLO (`target` = share of requests at or under `value`);
 * - `timeWindow` (one rolling window), `target`/`targetPercent`;
 * - AlertPolicies with one `burnrate` condition → the service's burn-rate policy (`page`/`ticket`).
 * What does not map is refused by name (time slices, calendar windows, raw ratios, composites,
 * other data sources, notification targets), never dropped.
 */
import { BURN_RATE_ALERTS, burnFactor } from "../model/alerting";
import { toNumber } from "../model/exact";
import {
    OPENSLO_ANNOTATION_PREFIX,
    OPENSLO_ANNOTATIONS,
    OPENSLO_API_VERSION,
    OPENSLO_BUDGETING_METHOD,
    OPENSLO_PROMETHEUS_SOURCE,
    OPENSLO_SEVERITIES,
    OPENSLO_TEAM_LABEL,
    SHORT_WINDOW_DIVISOR,
} from "../model/openslo";
import { CUSTOM_PRESET, DEFAULT_PRESET, METRIC_PRESETS } from "../model/presets";
import { syntaxError } from "../model/queryGrammar";
import { SLO_SETTINGS } from "./keys";
import { describe, ObjectReader, Problems, Raw } from "./reader";
import { durationMs, formatMs } from "./units";

const WINDOW_PLACEHOLDER = "{{.window}}";

/** One YAML document of a file in the `servicesFrom` folder that declares an OpenSLO apiVersion. */
export interface OpenSloDocument {
    readonly file: string;
    /** 1-based position in its file. */
    readonly index: number;
    readonly value: Raw;
}

/** A service entry built from OpenSLO documents; `translate` turns a problem's path in our spec into the OpenSLO field it came from. */
export interface OpenSloServiceEntry {
    readonly path: string;
    readonly value: Raw;
    readonly translate: (path: string) => string;
}

export function isOpenSloDocument(value: Raw): boolean {
    return typeof value === "object" && value !== null && typeof (value as Record<string, Raw>).apiVersion === "string" && ((value as Record<string, string>).apiVersion).startsWith("openslo/");
}

const KINDS = ["Service", "SLO", "SLI", "AlertPolicy", "AlertCondition"] as const;
type Kind = (typeof KINDS)[number];
const REFUSED_KINDS: Readonly<Record<string, string>> = {
    DataSource: "lgtm-stack queries its own Prometheus; remove the DataSource and write metricSource.type: Prometheus in the SLI",
    AlertNotificationTarget: "lgtm-stack routes alerts by severity (critical pages, warning opens a ticket, see README 'Alerts and severities'); remove the document",
};
const RFC1123 = { test: (v: string) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v), hint: "is not an OpenSLO name (RFC 1123: at most 63 lowercase letters, digits and '-')" };

interface Doc {
    readonly kind: Kind;
    readonly name: string;
    /** `services.d/checkout.yaml: SLO checkout-availability`. */
    readonly label: string;
    readonly spec: Raw;
    readonly metadata: ObjectReader<"name" | "displayName" | "labels" | "annotations">;
    readonly problems: Problems;
}

/** Where a value of the service entry came from: the document and the field inside it. */
type Origin = string;

interface Source {
    readonly query: string;
    readonly at: Origin;
}

type Indicator =
    | { readonly kind: "ratio"; readonly bad?: Source; readonly good?: Source; readonly total: Source; readonly at: Origin }
    | { readonly kind: "threshold"; readonly source: Source; readonly buckets?: { readonly value: Raw[]; readonly at: Origin }; readonly at: Origin };

interface Pair {
    readonly policy: "page" | "ticket";
    readonly raw: Record<string, Raw>;
    readonly at: Readonly<Record<string, Origin>>;
    /** Burn rate the condition states, checked against budgetPercent once the SLO window is known. */
    readonly threshold?: { readonly value: number; readonly at: Origin };
}

/** Turns a document's own problems into global ones, prefixed with the document. */
function flush(doc: { label: string; problems: Problems }, problems: Problems): void {
    for (const { path, message } of doc.problems.entries()) {
        problems.add(path === "" ? doc.label : `${doc.label}: ${path}`, message);
    }
}

function at(doc: { label: string }, field: string): Origin {
    return `${doc.label}: ${field}`;
}

/** An OpenSLO duration-shorthand (`28d`, `4w`, `1h`) as a Prometheus duration; months, quarters and years have no fixed length. */
function shorthand(reader: ObjectReader<string>, key: string): string | undefined {
    const value = reader.raw(key);
    if (value === undefined) {
        return undefined;
    }
    const match = typeof value === "string" ? /^(\d+)([mhdwMQY])$/.exec(value) : null;
    if (!match) {
        reader.problems.add(reader.keyPath(key), `${describe(value)} is not an OpenSLO duration-shorthand; use e.g. 5m, 1h, 28d or 4w`);
        return undefined;
    }
    if ("MQY".includes(match[2])) {
        reader.problems.add(reader.keyPath(key), `${value}: calendar units (M, Q, Y) have no fixed length, which a rolling burn-rate window needs; write it in days or weeks, e.g. 30d or 4w`);
        return undefined;
    }
    return match[0];
}

/** A series selector `metric{a="b", c=~"d"}` as its name and sorted matchers; undefined for anything else. */
export function parseSelector(query: string): { metric: string; matchers: string[] } | undefined {
    const match = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$/s.exec(query);
    if (!match) {
        return undefined;
    }
    const body = match[2] ?? "";
    const matcher = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
    const matchers: string[] = [];
    let position = 0;
    while (body.slice(position).trim() !== "") {
        matcher.lastIndex = position;
        const found = matcher.exec(body);
        if (!found) {
            return undefined;
        }
        matchers.push(`${found[1]}${found[2]}"${found[3]}"`);
        position = matcher.lastIndex;
    }
    return { metric: match[1], matchers: matchers.sort() };
}

function sameMatchers(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && [...b].sort().every((m, i) => a[i] === m);
}

class OpenSloReader {
    private readonly docs = new Map<Kind, Map<string, Doc>>(KINDS.map((kind) => [kind, new Map()]));
    private readonly ordered: Doc[] = [];
    private readonly policyCache = new Map<string, Pair[]>();
    private readonly conditionCache = new Map<string, Pair | undefined>();

    constructor(documents: readonly OpenSloDocument[], private readonly problems: Problems) {
        for (const document of documents) {
            this.addDocument(document);
        }
    }

    private addDocument({ file, index, value }: OpenSloDocument): void {
        const local = new Problems();
        const fallbackLabel = `${file}: document ${index}`;
        const root = new ObjectReader("", value, local, ["apiVersion", "kind", "metadata", "spec"] as const);
        const apiVersion = root.raw("apiVersion");
        if (apiVersion !== OPENSLO_API_VERSION) {
            local.add("apiVersion", `${describe(apiVersion)} is not supported; lgtm-stack reads ${OPENSLO_API_VERSION} documents (v1alpha and v2alpha differ in shape)`);
        }
        const kindValue = root.raw("kind");
        if (typeof kindValue === "string" && kindValue in REFUSED_KINDS) {
            local.add("kind", `${kindValue} is not supported: ${REFUSED_KINDS[kindValue]}`);
        }
        const kind = typeof kindValue === "string" && kindValue in REFUSED_KINDS ? undefined : root.oneOf("kind", KINDS, "SLO");
        if (!root.has("kind")) {
            local.add("kind", `is required; one of ${KINDS.join(", ")}`);
        }
        const metadata = root.object("metadata", ["name", "displayName", "labels", "annotations"] as const);
        const name = metadata.requiredString("name", RFC1123, "every OpenSLO document has metadata.name");
        const label = name !== undefined && kind !== undefined ? `${file}: ${kind} ${name}` : fallbackLabel;
        const doc: Doc = { kind: kind ?? "SLO", name: name ?? "", label, spec: root.raw("spec"), metadata, problems: local };
        if (!root.has("spec")) {
            local.add("spec", "is required");
        }
        if (local.list.length > 0 || kind === undefined || name === undefined) {
            flush(doc, this.problems);
            return;
        }
        const existing = this.docs.get(kind)!.get(name);
        if (existing) {
            local.add("metadata.name", `${kind} ${name} is already defined (${existing.label.split(": ")[0]}); give each ${kind} a unique name`);
            flush(doc, this.problems);
            return;
        }
        this.docs.get(kind)!.set(name, doc);
        this.ordered.push(doc);
    }

    /** Labels: only `team`; annotations: ours as listed per kind, other systems' left to them (the spec reserves annotations for implementations). */
    private readMetadata(doc: Doc, metadata: ObjectReader<string>, allowedAnnotations: readonly string[]): { team?: string; annotations: Record<string, string> } {
        let team: string | undefined;
        for (const entry of metadata.map("labels")) {
            if (entry.key !== OPENSLO_TEAM_LABEL) {
                metadata.problems.add(entry.path, `is not supported; lgtm-stack reads only the label ${OPENSLO_TEAM_LABEL} (the alerts' team); remove it or move it to an annotation of the system that uses it`);
            } else {
                team = entry.value;
            }
        }
        const labels = metadata.raw("labels");
        if (labels && typeof labels === "object" && Array.isArray((labels as Record<string, Raw>)[OPENSLO_TEAM_LABEL])) {
            // map() reports a list value; say what we need instead.
            metadata.problems.add(`${metadata.keyPath("labels")}.${OPENSLO_TEAM_LABEL}`, "must be one team name, e.g. payments");
        }
        const annotations: Record<string, string> = {};
        for (const entry of metadata.map("annotations")) {
            if (!entry.key.startsWith(OPENSLO_ANNOTATION_PREFIX)) {
                continue; // Another implementation's metadata (e.g. a dashboard URL for another tool).
            }
            if (!allowedAnnotations.includes(entry.key)) {
                const where = allowedAnnotations.length > 0 ? `here: ${allowedAnnotations.join(", ")}` : `on a ${doc.kind}: none`;
                metadata.problems.add(entry.path, `is not an lgtm-stack annotation ${where}`);
            } else {
                annotations[entry.key] = entry.value;
            }
        }
        return { ...(team === undefined ? {} : { team }), annotations };
    }

    private readSource(parent: ObjectReader<string>, key: string, doc: { label: string }): Source | undefined {
        const source = parent.object(key, ["metricSource"]).object("metricSource", ["metricSourceRef", "type", "spec"]);
        if (source.has("metricSourceRef")) {
            source.problems.add(source.keyPath("metricSourceRef"), "is not supported: lgtm-stack queries its own Prometheus; remove it and write type: Prometheus");
        }
        const type = source.requiredString("type", undefined, `write type: ${OPENSLO_PROMETHEUS_SOURCE}`);
        if (type !== undefined && type.toLowerCase() !== OPENSLO_PROMETHEUS_SOURCE.toLowerCase()) {
            source.problems.add(source.keyPath("type"), `${type} is not supported; lgtm-stack evaluates PromQL in its own Prometheus (type: ${OPENSLO_PROMETHEUS_SOURCE})`);
        }
        const spec = source.object("spec", ["query"]);
        const query = spec.requiredString("query", undefined, "give the PromQL query");
        const error = query === undefined ? undefined : syntaxError("promql", query.split(WINDOW_PLACEHOLDER).join("5m"));
        if (error) {
            spec.problems.add(spec.keyPath("query"), `is not valid PromQL: ${error}`);
            return undefined;
        }
        return query === undefined ? undefined : { query, at: at(doc, spec.keyPath("query")) };
    }

    /** An SLI's spec (a standalone SLI document's `spec`, or an inline `indicator.spec`). */
    private readIndicatorSpec(reader: ObjectReader<string>, doc: Doc, annotations: Record<string, string>, annotationsAt: string): Indicator | undefined {
        const hasRatio = reader.has("ratioMetric");
        if (hasRatio === reader.has("thresholdMetric")) {
            reader.problems.add(reader.path || "spec", "needs exactly one of ratioMetric (availability) or thresholdMetric (latency)");
            return undefined;
        }
        if (hasRatio) {
            const ratio = reader.object("ratioMetric", ["counter", "good", "bad", "total", "rawType", "raw"]);
            for (const key of ["raw", "rawType"] as const) {
                if (ratio.has(key)) {
                    ratio.problems.add(ratio.keyPath(key), "is not supported: a precomputed ratio cannot be summed over burn-rate windows; give the counters as good (or bad) and total");
                }
            }
            if (ratio.raw("counter") !== true) {
                ratio.problems.add(ratio.keyPath("counter"), `${ratio.has("counter") ? describe(ratio.raw("counter")) + " is not supported" : "is required"}: lgtm-stack computes the ratio from counter rates; write counter: true with counters (or rate expressions with ${WINDOW_PLACEHOLDER})`);
            }
            if (ratio.has("good") === ratio.has("bad")) {
                ratio.problems.add(ratio.path, "needs exactly one of good or bad, with total");
            }
            const good = ratio.has("good") ? this.readSource(ratio, "good", doc) : undefined;
            const bad = ratio.has("bad") ? this.readSource(ratio, "bad", doc) : undefined;
            if (!ratio.has("total")) {
                ratio.problems.add(ratio.keyPath("total"), "is required: the denominator of the ratio");
            }
            const total = ratio.has("total") ? this.readSource(ratio, "total", doc) : undefined;
            return total && (good || bad) ? { kind: "ratio", good, bad, total, at: at(doc, ratio.path) } : undefined;
        }
        const source = this.readSource(reader, "thresholdMetric", doc);
        const buckets = annotations[OPENSLO_ANNOTATIONS.histogramBuckets];
        return source
            ? {
                  kind: "threshold",
                  source,
                  at: at(doc, reader.keyPath("thresholdMetric")),
                  ...(buckets === undefined
                      ? {}
                      : { buckets: { value: buckets.split(",").map((b) => (b.trim() !== "" && Number.isFinite(Number(b)) ? Number(b) : b.trim())), at: at(doc, `${annotationsAt}.${OPENSLO_ANNOTATIONS.histogramBuckets}`) } }),
              }
            : undefined;
    }

    private readonly sliCache = new Map<string, Indicator | undefined>();

    private standaloneIndicator(name: string): Indicator | undefined {
        if (!this.sliCache.has(name)) {
            const doc = this.docs.get("SLI")!.get(name)!;
            const meta = this.readMetadata(doc, doc.metadata as ObjectReader<string>, [OPENSLO_ANNOTATIONS.histogramBuckets]);
            const spec = new ObjectReader("spec", doc.spec, doc.problems, ["description", "thresholdMetric", "ratioMetric"]);
            this.sliCache.set(name, this.readIndicatorSpec(spec, doc, meta.annotations, "metadata.annotations"));
        }
        return this.sliCache.get(name);
    }

    private readCondition(reader: ObjectReader<string>, doc: { label: string; kind?: string }, annotations: Record<string, string>, annotationsAt: string): Pair | undefined {
        const spec = reader;
        const severity = spec.requiredString("severity", undefined, "page (critical) or ticket (warning)");
        const policy = severity === undefined ? undefined : OPENSLO_SEVERITIES[severity];
        if (severity !== undefined && policy === undefined) {
            spec.problems.add(spec.keyPath("severity"), `${describe(severity)} is not supported; lgtm-stack routes page (or critical) and ticket (or warning)`);
        }
        const condition = spec.object("condition", ["kind", "op", "threshold", "lookbackWindow", "alertAfter"]);
        if (!spec.has("condition")) {
            spec.problems.add(spec.keyPath("condition"), "is required: kind: burnrate with op, threshold and lookbackWindow");
        }
        const kind = condition.raw("kind");
        if (kind !== undefined && kind !== "burnrate") {
            condition.problems.add(condition.keyPath("kind"), `${describe(kind)} is not supported; lgtm-stack alerts on burn rates (kind: burnrate)`);
        }
        const op = condition.raw("op");
        if (op !== "gt" && op !== "gte") {
            condition.problems.add(condition.keyPath("op"), `${op === undefined ? "is required" : `${describe(op)} is not supported`}: a burn-rate alert fires when the burn rate exceeds the threshold; write op: gte`);
        }
        const threshold = condition.raw("threshold");
        if (typeof threshold !== "number") {
            condition.problems.add(condition.keyPath("threshold"), `${threshold === undefined ? "is required" : `${describe(threshold)} is not a number`}: the burn rate that alerts, e.g. 14.4`);
        }
        const long = shorthand(condition, "lookbackWindow");
        if (!condition.has("lookbackWindow")) {
            condition.problems.add(condition.keyPath("lookbackWindow"), "is required: the long window, e.g. 1h");
        }
        const alertAfter = shorthand(condition, "alertAfter");
        const expectedFor = BURN_RATE_ALERTS.find((a) => a.policy === policy)?.for;
        if (alertAfter !== undefined && expectedFor !== undefined && durationMs(alertAfter) !== durationMs(expectedFor)) {
            condition.problems.add(condition.keyPath("alertAfter"), `${alertAfter} is not supported: every ${severity} burn-rate alert of lgtm-stack waits ${expectedFor} (its promtool-tested for); remove alertAfter or write ${expectedFor}`);
        }
        if (policy === undefined || long === undefined || typeof threshold !== "number") {
            return undefined;
        }
        const longMs = durationMs(long);
        const shortAnnotation = annotations[OPENSLO_ANNOTATIONS.shortWindow];
        const short = shortAnnotation ?? (longMs !== undefined && longMs % SHORT_WINDOW_DIVISOR === 0 ? formatMs(longMs / SHORT_WINDOW_DIVISOR) : undefined);
        const longAt = at(doc, condition.keyPath("lookbackWindow"));
        if (short === undefined) {
            condition.problems.add(condition.keyPath("lookbackWindow"), `${long} has no whole-millisecond twelfth for the short window; choose another window or set the annotation ${OPENSLO_ANNOTATIONS.shortWindow}`);
            return undefined;
        }
        const budgetPercent = annotations[OPENSLO_ANNOTATIONS.budgetPercent];
        const percentAt = at(doc, `${annotationsAt}.${OPENSLO_ANNOTATIONS.budgetPercent}`);
        return {
            policy,
            raw: { long, short, ...(budgetPercent === undefined ? { factor: threshold } : { budgetPercent: Number.isFinite(Number(budgetPercent)) ? Number(budgetPercent) : budgetPercent }) },
            at: { long: longAt, short: shortAnnotation === undefined ? longAt : at(doc, `${annotationsAt}.${OPENSLO_ANNOTATIONS.shortWindow}`), factor: at(doc, condition.keyPath("threshold")), budgetPercent: percentAt },
            ...(budgetPercent === undefined ? {} : { threshold: { value: threshold, at: at(doc, condition.keyPath("threshold")) } }),
        };
    }

    private conditionDoc(name: string): Pair | undefined {
        if (!this.conditionCache.has(name)) {
            const doc = this.docs.get("AlertCondition")!.get(name)!;
            const meta = this.readMetadata(doc, doc.metadata as ObjectReader<string>, [OPENSLO_ANNOTATIONS.shortWindow, OPENSLO_ANNOTATIONS.budgetPercent]);
            const spec = new ObjectReader("spec", doc.spec, doc.problems, ["description", "severity", "condition"]);
            this.conditionCache.set(name, this.readCondition(spec, doc, meta.annotations, "metadata.annotations"));
        }
        return this.conditionCache.get(name);
    }

    /** The name a `*Ref` field gives, when a document of that kind and name exists in the folder. */
    private reference(reader: ObjectReader<string>, key: string, kind: Kind): string | undefined {
        const ref = reader.requiredString(key, undefined, "");
        if (ref !== undefined && !this.docs.get(kind)!.has(ref)) {
            reader.problems.add(reader.keyPath(key), `names no ${kind} document; add one with metadata.name: ${ref}, or write it inline`);
            return undefined;
        }
        return ref;
    }

    private policyPairs(reader: ObjectReader<string>, doc: Doc): Pair[] {
        for (const [key, wanted, why] of [
            ["alertWhenBreaching", true, "lgtm-stack alerts when the burn rate is breached"],
            ["alertWhenResolved", true, "Alertmanager tells the receivers when an alert resolves"],
            ["alertWhenNoData", false, "an SLO without data does not burn its budget; ServiceDown pages when a service sends nothing"],
        ] as const) {
            if (reader.has(key) && reader.raw(key) !== wanted) {
                reader.problems.add(reader.keyPath(key), `${describe(reader.raw(key))} is not supported: ${why}; write ${key}: ${wanted} or remove it`);
            }
        }
        const targets = reader.raw("notificationTargets");
        if (Array.isArray(targets) ? targets.length > 0 : targets !== undefined) {
            reader.problems.add(reader.keyPath("notificationTargets"), "is not supported: lgtm-stack routes by severity (critical pages via PagerDuty, warning goes to Slack); write notificationTargets: []");
        }
        const conditions = reader.items("conditions");
        if (conditions.length !== 1) {
            reader.problems.add(reader.keyPath("conditions"), `holds ${conditions.length} conditions; OpenSLO allows exactly one per AlertPolicy`);
        }
        const pairs: Pair[] = [];
        for (const entry of conditions) {
            const item = new ObjectReader(entry.path, entry.value, reader.problems, ["conditionRef", "kind", "metadata", "spec"]);
            if (item.has("conditionRef")) {
                const ref = this.reference(item, "conditionRef", "AlertCondition");
                const pair = ref === undefined ? undefined : this.conditionDoc(ref);
                if (pair) pairs.push(pair);
                continue;
            }
            if (item.raw("kind") !== "AlertCondition") {
                item.problems.add(item.keyPath("kind"), "must be AlertCondition for an inline condition (or give conditionRef)");
            }
            const meta = this.readMetadata(doc, item.object("metadata", ["name", "displayName", "labels", "annotations"]) as ObjectReader<string>, [OPENSLO_ANNOTATIONS.shortWindow, OPENSLO_ANNOTATIONS.budgetPercent]);
            const pair = this.readCondition(item.object("spec", ["description", "severity", "condition"]), doc, meta.annotations, item.keyPath("metadata.annotations"));
            if (pair) pairs.push(pair);
        }
        return pairs;
    }

    private policyDoc(name: string): Pair[] {
        if (!this.policyCache.has(name)) {
            const doc = this.docs.get("AlertPolicy")!.get(name)!;
            this.readMetadata(doc, doc.metadata as ObjectReader<string>, []);
            const spec = new ObjectReader("spec", doc.spec, doc.problems, ["description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets"]);
            this.policyCache.set(name, this.policyPairs(spec, doc));
        }
        return this.policyCache.get(name)!;
    }

    /** Builds one service entry per `spec.service` named by the SLO documents (and per Service document). */
    entries(): OpenSloServiceEntry[] {
        const services = new Map<string, ServiceBuilder>();
        const builder = (name: string, origin: Origin): ServiceBuilder => {
            if (!services.has(name)) {
                services.set(name, new ServiceBuilder(name, origin));
            }
            return services.get(name)!;
        };
        for (const doc of this.ordered.filter((d) => d.kind === "Service")) {
            const meta = this.readMetadata(doc, doc.metadata as ObjectReader<string>, [OPENSLO_ANNOTATIONS.namespace]);
            new ObjectReader("spec", doc.spec, doc.problems, ["description"]);
            const service = builder(doc.name, at(doc, "metadata.name"));
            service.serviceDoc = doc.label;
            if (meta.team !== undefined) service.setTeam(meta.team, doc);
            const namespace = meta.annotations[OPENSLO_ANNOTATIONS.namespace];
            if (namespace !== undefined) service.namespace = { value: namespace, at: at(doc, `metadata.annotations.${OPENSLO_ANNOTATIONS.namespace}`) };
        }
        for (const doc of this.ordered.filter((d) => d.kind === "SLO")) {
            this.readSlo(doc, builder);
        }
        // Standalone documents nobody refers to are still checked: a typo in a name must not pass silently.
        for (const doc of this.ordered) {
            if (doc.kind === "SLI") this.standaloneIndicator(doc.name);
            if (doc.kind === "AlertCondition") this.conditionDoc(doc.name);
            if (doc.kind === "AlertPolicy") this.policyDoc(doc.name);
        }
        for (const doc of this.ordered) {
            flush(doc, this.problems);
        }
        return [...services.values()].map((service) => service.entry());
    }

    private readSlo(doc: Doc, builder: (name: string, origin: Origin) => ServiceBuilder): void {
        const meta = this.readMetadata(doc, doc.metadata as ObjectReader<string>, []);
        const spec = new ObjectReader("spec", doc.spec, doc.problems, ["description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies"]);
        const serviceName = spec.requiredString("service", undefined, "the name of the lgtm-stack service this SLO belongs to");
        const method = spec.requiredString("budgetingMethod", undefined, `write budgetingMethod: ${OPENSLO_BUDGETING_METHOD}`);
        if (method !== undefined && method !== OPENSLO_BUDGETING_METHOD) {
            spec.problems.add(spec.keyPath("budgetingMethod"), `${method} is not supported: lgtm-stack's burn-rate SLOs count events (${OPENSLO_BUDGETING_METHOD}), not time slices`);
        }
        let indicator: Indicator | undefined;
        if (spec.has("indicator") === spec.has("indicatorRef")) {
            spec.problems.add("spec", "needs exactly one of indicator (inline SLI) or indicatorRef (the name of an SLI document)");
        } else if (spec.has("indicatorRef")) {
            const ref = this.reference(spec, "indicatorRef", "SLI");
            indicator = ref === undefined ? undefined : this.standaloneIndicator(ref);
        } else {
            const inline = spec.object("indicator", ["metadata", "spec"]);
            const metadata = inline.object("metadata", ["name", "displayName", "labels", "annotations"]);
            const sliMeta = this.readMetadata(doc, metadata as ObjectReader<string>, [OPENSLO_ANNOTATIONS.histogramBuckets]);
            indicator = this.readIndicatorSpec(inline.object("spec", ["description", "thresholdMetric", "ratioMetric"]), doc, sliMeta.annotations, metadata.keyPath("annotations"));
        }
        const windows = spec.items("timeWindow");
        let window: { value: string; at: Origin } | undefined;
        if (spec.has("timeWindow") && windows.length !== 1) {
            spec.problems.add(spec.keyPath("timeWindow"), `holds ${windows.length} windows; OpenSLO allows exactly one`);
        }
        for (const entry of windows.slice(0, 1)) {
            const item = new ObjectReader(entry.path, entry.value, spec.problems, ["duration", "isRolling", "calendar"]);
            if (item.has("calendar") || item.raw("isRolling") === false) {
                item.problems.add(item.keyPath(item.has("calendar") ? "calendar" : "isRolling"), "is not supported: lgtm-stack's SLO windows are rolling (isRolling: true)");
            }
            const duration = shorthand(item, "duration");
            if (!item.has("duration")) item.problems.add(item.keyPath("duration"), "is required, e.g. 28d");
            if (duration !== undefined) window = { value: duration, at: at(doc, item.keyPath("duration")) };
        }
        const objectives = spec.items("objectives");
        if (objectives.length === 0 && !spec.problems.about(spec.keyPath("objectives"))) {
            spec.problems.add(spec.keyPath("objectives"), "is required: at least one objective with target (or targetPercent)");
        }
        if (indicator?.kind === "threshold" && objectives.length > 1) {
            spec.problems.add(spec.keyPath("objectives"), "holds several objectives; a thresholdMetric SLO has exactly one (OpenSLO)");
        }
        const pairs: Pair[] = [];
        for (const entry of spec.items("alertPolicies")) {
            const item = new ObjectReader(entry.path, entry.value, spec.problems, ["alertPolicyRef", "kind", "metadata", "spec"]);
            if (item.has("alertPolicyRef")) {
                const ref = this.reference(item, "alertPolicyRef", "AlertPolicy");
                pairs.push(...(ref === undefined ? [] : this.policyDoc(ref)));
                continue;
            }
            if (item.raw("kind") !== "AlertPolicy") {
                item.problems.add(item.keyPath("kind"), "must be AlertPolicy for an inline policy (or give alertPolicyRef)");
            }
            this.readMetadata(doc, item.object("metadata", ["name", "displayName", "labels", "annotations"]) as ObjectReader<string>, []);
            pairs.push(...this.policyPairs(item.object("spec", ["description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets"]), doc));
        }
        if (serviceName === undefined || indicator === undefined) {
            return;
        }
        const service = builder(serviceName, at(doc, "spec.service"));
        if (meta.team !== undefined) service.setTeam(meta.team, doc);
        service.setIndicator(indicator, doc.problems, spec.keyPath(spec.has("indicator") ? "indicator" : "indicatorRef"));
        service.setPolicy(pairs, doc, spec.keyPath("alertPolicies"), window?.value ?? SLO_SETTINGS.window.default.value);
        for (const entry of objectives) {
            const objective = new ObjectReader(entry.path, entry.value, spec.problems, ["displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow", "indicator", "indicatorRef", "compositeWeight"]);
            for (const key of ["timeSliceTarget", "timeSliceWindow"] as const) {
                if (objective.has(key)) objective.problems.add(objective.keyPath(key), `is not supported: lgtm-stack's SLOs count events (${OPENSLO_BUDGETING_METHOD}), not time slices`);
            }
            for (const key of ["indicator", "indicatorRef", "compositeWeight"] as const) {
                if (objective.has(key)) objective.problems.add(objective.keyPath(key), "is not supported: composite SLOs; write one SLO per indicator");
            }
            if (objective.has("target") === objective.has("targetPercent")) {
                objective.problems.add(entry.path, "needs exactly one of target (e.g. 0.999) or targetPercent (e.g. 99.9)");
                continue;
            }
            const targetKey = objective.has("target") ? "target" : "targetPercent";
            const target = objective.raw(targetKey);
            if (typeof target !== "number") {
                objective.problems.add(objective.keyPath(targetKey), `${describe(target)} is not a number`);
                continue;
            }
            if (targetKey === "target" && (target < 0 || target >= 1)) {
                objective.problems.add(objective.keyPath("target"), `${target} is outside [0, 1); target is a ratio, e.g. 0.999 (or write targetPercent: 99.9)`);
                continue;
            }
            // Exact decimal shift: 0.9995 → 99.95, never 99.94999999999999.
            const percent = targetKey === "target" ? Number(`${target}e2`) : target;
            // OpenSLO names are global, ours are per service (the service is a label already): checkout-availability is availability of checkout.
            const base = doc.name.startsWith(`${serviceName}-`) && doc.name.length > serviceName.length + 1 ? doc.name.slice(serviceName.length + 1) : doc.name;
            const name = objectives.length === 1 ? base : `${base}-${entry.index + 1}`;
            const slo: Record<string, Raw> = { kind: indicator.kind === "ratio" ? "availability" : "latency", name };
            const origins: Record<string, Origin> = { "": at(doc, entry.path), name: at(doc, "metadata.name"), kind: at(doc, spec.keyPath(spec.has("indicator") ? "indicator" : "indicatorRef")) };
            if (window) {
                slo.window = window.value;
                origins.window = window.at;
            }
            if (indicator.kind === "ratio") {
                for (const key of ["op", "value"] as const) {
                    if (objective.has(key)) objective.problems.add(objective.keyPath(key), "applies to thresholdMetric SLIs only; remove it (a ratio SLI's objective is its target)");
                }
                slo.objective = percent;
                origins.objective = at(doc, objective.keyPath(targetKey));
            } else {
                const op = objective.raw("op");
                if (op !== "lte") {
                    objective.problems.add(objective.keyPath("op"), `${op === undefined ? "is required" : `${describe(op)} is not supported`}: a latency SLO counts requests at or under value (histogram buckets are "le"); write op: lte`);
                }
                const value = objective.raw("value");
                const ms = typeof value === "number" ? Number(`${value}e3`) : NaN;
                if (!Number.isInteger(ms) || ms <= 0) {
                    objective.problems.add(objective.keyPath("value"), `${describe(value)} is not a positive latency in whole milliseconds, given in seconds (the histogram's unit), e.g. 0.5`);
                    continue;
                }
                slo.percentile = percent;
                slo.threshold = formatMs(ms);
                origins.percentile = at(doc, objective.keyPath(targetKey));
                origins.threshold = at(doc, objective.keyPath("value"));
            }
            service.addSlo(slo, origins);
        }
    }
}

/** Collects one service's pieces from its documents and checks that they agree. */
class ServiceBuilder {
    serviceDoc?: string;
    namespace?: { value: string; at: Origin };
    private team?: { value: string; at: Origin };
    private ratio?: { value: Record<string, Raw>; at: Record<string, Origin>; from: Origin };
    private histogram?: { preset: string; from: Origin };
    private buckets?: { value: Raw[]; at: Origin };
    private policy?: { pairs: Pair[]; key: string; from: Origin };
    private readonly slos: { value: Record<string, Raw>; at: Record<string, Origin> }[] = [];

    constructor(
        readonly name: string,
        private readonly nameAt: Origin,
    ) {}

    setTeam(team: string, doc: Doc): void {
        const field = `metadata.labels.${OPENSLO_TEAM_LABEL}`;
        if (this.team && this.team.value !== team) {
            doc.problems.add(field, `"${team}" differs from the team "${this.team.value}" at ${this.team.at}; a service has one team`);
            return;
        }
        this.team ??= { value: team, at: at(doc, field) };
    }

    /** A service has one request ratio and one latency histogram; every SLO's indicator must agree with them. */
    setIndicator(indicator: Indicator, problems: Problems, field: string): void {
        const found = conventionsOf(indicator, this.name);
        if (found === undefined) {
            problems.add(field, thresholdHint(indicator));
            return;
        }
        const preset = String(found.value.preset);
        const clash = (other: string, from: Origin) =>
            problems.add(field, `measures ${this.name} with ${other === CUSTOM_PRESET || preset === CUSTOM_PRESET ? "other queries" : `preset ${preset}'s metrics`} than ${from}; lgtm-stack measures one request ratio and one latency histogram per service`);
        if (indicator.kind === "ratio") {
            if (this.ratio && JSON.stringify(this.ratio.value) !== JSON.stringify(found.value)) {
                return clash(String(this.ratio.value.preset), this.ratio.from);
            }
            if (this.histogram && preset !== CUSTOM_PRESET && preset !== this.histogram.preset) {
                return clash(this.histogram.preset, this.histogram.from);
            }
            this.ratio ??= { ...found, from: indicator.at };
            return;
        }
        if (indicator.buckets) {
            if (this.buckets && JSON.stringify(this.buckets.value) !== JSON.stringify(indicator.buckets.value)) {
                problems.add(field, `declares other histogram buckets than ${this.buckets.at}; a service exports one histogram`);
            }
            this.buckets ??= indicator.buckets;
        }
        if (this.histogram && this.histogram.preset !== preset) {
            return clash(this.histogram.preset, this.histogram.from);
        }
        if (this.ratio && this.ratio.value.preset !== CUSTOM_PRESET && this.ratio.value.preset !== preset) {
            return clash(String(this.ratio.value.preset), this.ratio.from);
        }
        // With a custom ratio the service has no histogram: readService refuses the latency SLO at its indicator.
        this.histogram ??= { preset, from: indicator.at };
    }

    setPolicy(pairs: Pair[], doc: Doc, field: string, window: string): void {
        const windowMs = durationMs(window);
        for (const pair of pairs) {
            if (pair.threshold && windowMs !== undefined && typeof pair.raw.budgetPercent === "number") {
                const longMs = durationMs(String(pair.raw.long)) ?? 1;
                const factor = toNumber(burnFactor({ long: String(pair.raw.long), short: String(pair.raw.short), budget: { percent: pair.raw.budgetPercent } }, windowMs, longMs));
                if (Math.abs(factor - pair.threshold.value) > 1e-6 * factor) {
                    doc.problems.add(field, `${pair.threshold.at}: burn rate ${pair.threshold.value} is not what ${pair.raw.budgetPercent}% of this SLO's ${window} budget in ${pair.raw.long} means (${Number(factor.toPrecision(6))}); fix threshold or the ${OPENSLO_ANNOTATIONS.budgetPercent} annotation`);
                }
            }
        }
        const key = JSON.stringify(pairs.map((p) => [p.policy, p.raw]));
        if (this.policy && this.policy.key !== key) {
            doc.problems.add(field, `differ from the alert policies of ${this.policy.from}; lgtm-stack applies one burn-rate policy to all SLOs of a service`);
            return;
        }
        this.policy ??= { pairs, key, from: `${doc.label}: ${field}` };
    }

    addSlo(value: Record<string, Raw>, origins: Record<string, Origin>): void {
        this.slos.push({ value, at: origins });
    }

    entry(): OpenSloServiceEntry {
        const origins = new Map<string, Origin>([["name", this.nameAt]]);
        const value: Record<string, Raw> = { name: this.name };
        if (this.namespace) {
            value.namespace = this.namespace.value;
            origins.set("namespace", this.namespace.at);
        }
        if (this.team) {
            value.team = this.team.value;
            origins.set("team", this.team.at);
        }
        if (this.ratio) {
            value.conventions = this.ratio.value;
            origins.set("conventions", this.ratio.from);
            for (const [key, origin] of Object.entries(this.ratio.at)) origins.set(`conventions.${key}`, origin);
        } else if (this.histogram) {
            value.conventions = { preset: this.histogram.preset };
            origins.set("conventions", this.histogram.from);
        }
        if (this.buckets) {
            value.histogramBuckets = this.buckets.value;
            origins.set("histogramBuckets", this.buckets.at);
        }
        value.slos = this.slos.map((slo, j) => {
            for (const [key, origin] of Object.entries(slo.at)) origins.set(key === "" ? `slos[${j}]` : `slos[${j}].${key}`, origin);
            return slo.value;
        });
        const pairs = this.policy?.pairs ?? [];
        if (pairs.length > 0) {
            const policy: Record<string, Raw[]> = {};
            for (const half of ["page", "ticket"] as const) {
                const mine = pairs.filter((p) => p.policy === half);
                if (mine.length > 0) {
                    policy[half] = mine.map((pair, k) => {
                        for (const [key, origin] of Object.entries(pair.at)) origins.set(`alerts.burnRatePolicy.${half}[${k}].${key}`, origin);
                        origins.set(`alerts.burnRatePolicy.${half}[${k}]`, pair.at.long);
                        return pair.raw;
                    });
                }
            }
            value.alerts = { burnRatePolicy: policy };
        }
        const fallback = this.serviceDoc ?? this.nameAt;
        const translate = (path: string): string => {
            let best: string | undefined;
            for (const key of origins.keys()) {
                if ((path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`)) && (best === undefined || key.length > best.length)) {
                    best = key;
                }
            }
            return best === undefined ? `${fallback} (as lgtm-stack service ${path || "entry"})` : origins.get(best)!;
        };
        return { path: this.serviceDoc ?? `${this.nameAt.split(": ")[0]}: service ${this.name}`, value, translate };
    }
}

function thresholdHint(indicator: Indicator): string {
    const names = Object.values(METRIC_PRESETS)
        .map((preset) => preset.histogram)
        .join(", ");
    return indicator.kind === "threshold"
        ? `${indicator.source.at}: a thresholdMetric must name the service's latency histogram, in seconds, as a selector: one of ${names} with {service_name="<service>"}, e.g. ${METRIC_PRESETS[DEFAULT_PRESET].histogram}{service_name="checkout"}`
        : `${indicator.at}: a counter query must be a series selector (e.g. http_requests_total{job="checkout"}) or a rate expression with ${WINDOW_PLACEHOLDER}`;
}

/** What an indicator says about the service's metric conventions, with the origin of each query. */
function conventionsOf(indicator: Indicator, service: string): { value: Record<string, Raw>; at: Record<string, Origin> } | undefined {
    const serviceMatcher = `service_name="${service}"`;
    if (indicator.kind === "threshold") {
        const selector = parseSelector(indicator.source.query);
        const preset = Object.entries(METRIC_PRESETS).find(([, entry]) => entry.histogram === selector?.metric)?.[0];
        return preset && selector && sameMatchers(selector.matchers, [serviceMatcher]) ? { value: { preset }, at: {} } : undefined;
    }
    const numerator = indicator.bad ?? indicator.good!;
    const [num, total] = [parseSelector(numerator.query), parseSelector(indicator.total.query)];
    if (indicator.bad && num && total) {
        for (const [preset, { counter, failed }] of Object.entries(METRIC_PRESETS)) {
            if (num.metric === counter && total.metric === counter && sameMatchers(total.matchers, [serviceMatcher]) && sameMatchers(num.matchers, [serviceMatcher, failed])) {
                return { value: { preset }, at: {} };
            }
        }
    }
    // Anything else: our custom preset, rates of the counters over each window.
    const rate = (source: Source): string | undefined => (source.query.includes(WINDOW_PLACEHOLDER) ? source.query : parseSelector(source.query) ? `sum(rate(${source.query.trim()}[${WINDOW_PLACEHOLDER}]))` : undefined);
    const [numRate, totalRate] = [rate(numerator), rate(indicator.total)];
    if (numRate === undefined || totalRate === undefined) {
        return undefined;
    }
    return {
        value: { preset: CUSTOM_PRESET, errorQuery: indicator.bad ? numRate : `${totalRate} - ${numRate}`, totalQuery: totalRate },
        at: { errorQuery: numerator.at, totalQuery: indicator.total.at },
    };
}

/** The service entries the OpenSLO documents of the `servicesFrom` folder declare. */
export function openSloServiceEntries(documents: readonly OpenSloDocument[], problems: Problems): OpenSloServiceEntry[] {
    return new OpenSloReader(documents, problems).entries();
}
