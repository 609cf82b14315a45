/** Reader of `operator`: the Prometheus Operator and which monitoring objects of the cluster the stack honours. */
import { readImage, readResources, With } from "./componentSettings";
import { keysOf, OPERATOR_SETTINGS, sectionKeys } from "./keys";
import { ProfileDefaults } from "./profiles";
import { readLabelMap } from "./services";
import { OperatorConfig } from "./types";

export function readOperator(root: With<"operator">, defaults: ProfileDefaults): OperatorConfig {
    const settings = OPERATOR_SETTINGS;
    const operator = root.object("operator", keysOf(settings));
    const agent = operator.object("agent", sectionKeys(settings.agent));
    return {
        enabled: operator.boolean("enabled", settings.enabled.default.value),
        crds: operator.oneOf("crds", settings.crds.choices, settings.crds.default.value),
        namespaceSelector: readLabelMap(operator, "namespaceSelector"),
        selector: readLabelMap(operator, "selector"),
        image: readImage(operator, "prometheus-operator"),
        reloaderImage: readImage(operator, "prometheus-config-reloader", "reloaderImage"),
        agentImage: readImage(agent, "prometheus"),
        agentResources: readResources(agent, settings.agent.keys.resources, defaults),
        blackboxImage: readImage(operator, "blackbox-exporter", "blackboxImage"),
    };
}
