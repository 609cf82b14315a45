/** Reading queries back out of rendered dashboard models, for checks that every one of them works. */
import { DATASOURCE_UIDS } from "../model/ids";
import { QueryLanguage } from "../model/queryGrammar";

export interface DashboardQuery {
    /** Title of the panel the query belongs to. */
    readonly panel: string;
    readonly language: QueryLanguage;
    readonly expr: string;
}

interface DatasourceModel {
    readonly type?: string;
    readonly uid?: string;
}

interface TargetModel {
    readonly datasource?: DatasourceModel;
    readonly expr?: string;
    readonly query?: string;
}

interface PanelModel {
    readonly title?: string;
    readonly datasource?: DatasourceModel;
    readonly targets?: readonly TargetModel[];
    readonly panels?: readonly PanelModel[];
}

const LANGUAGE_BY_TYPE: Readonly<Record<string, QueryLanguage>> = { prometheus: "promql", loki: "logql", tempo: "traceql" };

const LANGUAGE_BY_UID: Readonly<Record<string, QueryLanguage>> = {
    [DATASOURCE_UIDS.prometheus]: "promql",
    [DATASOURCE_UIDS.loki]: "logql",
    [DATASOURCE_UIDS.tempo]: "traceql",
};

function languageOf(datasource: DatasourceModel | undefined): QueryLanguage | undefined {
    if (!datasource) {
        return undefined;
    }
    return (datasource.type && LANGUAGE_BY_TYPE[datasource.type]) || (datasource.uid && LANGUAGE_BY_UID[datasource.uid]) || undefined;
}

function panelQueries(panel: PanelModel): DashboardQuery[] {
    const own = (panel.targets ?? []).flatMap((target) => {
        const language = languageOf(target.datasource) ?? languageOf(panel.datasource);
        const expr = language === "traceql" ? target.query : target.expr;
        return language && expr !== undefined ? [{ panel: panel.title ?? "", language, expr }] : [];
    });
    return [...own, ...(panel.panels ?? []).flatMap(panelQueries)];
}

/** Every query expression of a dashboard model (rows included), with its language. */
export function dashboardQueries(model: object): DashboardQuery[] {
    return ((model as { panels?: readonly PanelModel[] }).panels ?? []).flatMap(panelQueries);
}
