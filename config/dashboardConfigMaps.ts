/**
 * `grafana.dashboardConfigMaps`: dashboards that other teams bring as labelled ConfigMaps in their
 * own namespaces (kube-prometheus-stack's `grafana.sidecar.dashboards`), provisioned into a folder
 * per namespace by the k8s-sidecar next to Grafana. `grafana.mode: files` only.
 */
import { readImage, readResources } from "./componentSettings";
import { LABEL_KEY, LABEL_VALUE, NAMESPACE } from "./formats";
import { ProfileDefaults } from "./profiles";
import { GRAFANA_SETTINGS, sectionKeys } from "./keys";
import { ObjectReader } from "./reader";
import { DashboardConfigMaps } from "./types";

const SETTINGS = GRAFANA_SETTINGS.dashboardConfigMaps;
const KEYS = sectionKeys(SETTINGS);

export function readDashboardConfigMaps(grafana: ObjectReader<string>, defaults: ProfileDefaults): DashboardConfigMaps | undefined {
    if (!grafana.has("dashboardConfigMaps")) {
        return undefined;
    }
    const section = grafana.object("dashboardConfigMaps", KEYS);
    const raw = section.raw("namespaces");
    let namespaces: DashboardConfigMaps["namespaces"] = "all";
    if (raw !== undefined && raw !== SETTINGS.keys.namespaces.default.value) {
        if (!Array.isArray(raw)) {
            section.problems.add(section.keyPath("namespaces"), `expected all or a list of namespaces, got ${JSON.stringify(raw)}; e.g. namespaces: [team-a, team-b]`);
        } else {
            const names: string[] = [];
            for (const item of section.items("namespaces")) {
                if (typeof item.value !== "string" || !NAMESPACE.test(item.value)) {
                    section.problems.add(item.path, `${JSON.stringify(item.value)} ${NAMESPACE.hint}`);
                } else if (names.includes(item.value)) {
                    section.problems.add(item.path, `${item.value} is listed twice; remove one`);
                } else {
                    names.push(item.value);
                }
            }
            if (names.length === 0 && !section.problems.about(section.keyPath("namespaces"))) {
                section.problems.add(section.keyPath("namespaces"), "is empty; list the namespaces to watch, or write all");
            }
            namespaces = names.sort();
        }
    }
    // YAML reads labelValue: 1 as a number; a label value is text.
    const labelValue = section.raw("labelValue");
    return {
        namespaces,
        label: section.string("label", SETTINGS.keys.label.default.value, LABEL_KEY),
        labelValue: typeof labelValue === "number" ? String(labelValue) : section.string("labelValue", SETTINGS.keys.labelValue.default.value, LABEL_VALUE),
        folderAnnotation: section.string("folderAnnotation", SETTINGS.keys.folderAnnotation.default.value, LABEL_KEY),
        image: readImage(section, "k8s-sidecar"),
        resources: readResources(section, SETTINGS.keys.resources, defaults),
    };
}
