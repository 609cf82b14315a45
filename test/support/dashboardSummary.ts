/**
 * A dashboard as a reviewer reads it: its identity, variables and links, then each panel's title,
 * kind, unit, thresholds and queries, one line each. Golden files hold this summary instead of the
 * full JSON model, so a change in what a dashboard shows is a short, readable diff.
 */
interface Target {
    readonly refId?: string;
    readonly expr?: string;
    readonly query?: string;
    readonly legendFormat?: string;
}

interface Panel {
    readonly type: string;
    readonly title?: string;
    readonly panels?: Panel[];
    readonly targets?: Target[];
    readonly links?: { title?: string; url?: string }[];
    readonly fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps?: { value: number | null; color: string }[] }; links?: { title?: string; url?: string }[] } };
    readonly options?: { content?: string };
}

interface DashboardModel {
    readonly uid?: string;
    readonly title?: string;
    readonly tags?: string[];
    readonly templating?: { list?: { name: string; type: string; query?: unknown }[] };
    readonly links?: { title?: string; url?: string }[];
    readonly panels?: Panel[];
}

function panelLines(panel: Panel, indent: string): string[] {
    if (panel.type === "row") {
        return [`${indent}row: ${panel.title ?? ""}`, ...(panel.panels ?? []).flatMap((p) => panelLines(p, `${indent}  `))];
    }
    const defaults = panel.fieldConfig?.defaults;
    const unit = defaults?.unit ? ` unit=${defaults.unit}` : "";
    const steps = defaults?.thresholds?.steps ?? [];
    const thresholds = steps.length > 1 ? ` thresholds=${steps.map((s) => `${s.value ?? "-"}:${s.color}`).join(",")}` : "";
    const lines = [`${indent}${panel.type}: ${panel.title ?? ""}${unit}${thresholds}`];
    for (const target of panel.targets ?? []) {
        const query = (target.expr ?? target.query ?? "").replace(/\s+/g, " ").trim();
        lines.push(`${indent}  ${target.refId ?? "?"}: ${query}${target.legendFormat ? `  [${target.legendFormat}]` : ""}`);
    }
    for (const link of [...(panel.links ?? []), ...(defaults?.links ?? [])]) {
        lines.push(`${indent}  link ${link.title ?? ""}: ${link.url ?? ""}`);
    }
    return lines;
}

export function summarizeDashboard(model: object): string {
    const dashboard = model as DashboardModel;
    const lines = [
        `dashboard ${dashboard.uid}: ${dashboard.title}`,
        `tags: ${(dashboard.tags ?? []).join(", ")}`,
        ...(dashboard.templating?.list ?? []).map((v) => `variable ${v.name} (${v.type}): ${typeof v.query === "string" ? v.query : JSON.stringify(v.query ?? "")}`),
        ...(dashboard.links ?? []).map((l) => `link ${l.title ?? ""}: ${l.url ?? ""}`),
        ...(dashboard.panels ?? []).flatMap((p) => panelLines(p, "")),
    ];
    return `${lines.join("\n")}\n`;
}
