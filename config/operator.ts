/** Reader of `operator`: the Prometheus Operator and which monitoring objects of the cluster the stack honours. */
import { readImage, readResources, With } from "./componentSettings";
import { ProfileDefaults, scaledResources } from "./profiles";
import { readLabelMap } from "./services";
import { OperatorConfig } from "./types";

export const OPERATOR_KEYS = ["enabled", "crds", "namespaceSelector", "selector", "image", "reloaderImage", "blackboxImage", "agent"] as const;

export function readOperator(root: With<"operator">, defaults: ProfileDefaults): OperatorConfig {
    const operator = root.object("operator", OPERATOR_KEYS);
    const agent = operator.object("agent", ["image", "resources"] as const);
    return {
        enabled: operator.boolean("enabled", true),
        crds: operator.oneOf("crds", ["install", "external"], "install"),
        namespaceSelector: readLabelMap(operator, "namespaceSelector"),
        selector: readLabelMap(operator, "selector"),
        image: readImage(operator, "prometheus-operator"),
        reloaderImage: readImage(operator, "prometheus-config-reloader", "reloaderImage"),
        agentImage: readImage(agent, "prometheus"),
        agentResources: readResources(agent, scaledResources(100, 256, defaults.scale)),
        blackboxImage: readImage(operator, "blackbox-exporter", "blackboxImage"),
    };
}
