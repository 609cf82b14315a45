/** The program as a function, so tests can run it under mocks with different configs. */
import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_ADMIN_USER } from "./components/grafana";
import { LgtmStack } from "./components/stack";
import { readStack } from "./io/pulumiConfig";
import { loadOperatorCrds } from "./io/operatorCrds";
import { readRunbooks } from "./io/runbooks";
import { renderStack } from "./render";

export function createStack() {
    const { config, secrets } = readStack();
    // The operator's CRDs come from the pinned Go module (no Go toolchain needed: a verified download).
    const operatorCrds = config.operator.enabled && config.operator.crds === "install" ? loadOperatorCrds() : undefined;
    const stack = new LgtmStack("lgtm", { config, rendered: renderStack(config, readRunbooks()), secrets, ...(operatorCrds ? { operatorCrds } : {}) });
    // With grafana.mode: external no Grafana is deployed: no admin account, nothing to port-forward.
    const inCluster = config.grafana.mode !== "external";
    return {
        namespace: stack.namespace,
        grafanaUrl: config.grafana.url,
        grafanaAdminUser: inCluster ? GRAFANA_ADMIN_USER : undefined,
        grafanaAdminPassword: stack.grafanaAdminPassword,
        services: config.services.map((service) => service.name),
        grafanaMode: config.grafana.mode,
        portForward: inCluster
            ? pulumi.interpolate`kubectl -n ${stack.namespace} port-forward svc/grafana 3000:3000`
            : pulumi.output(`none: grafana.mode is external, open ${config.grafana.url}`),
    };
}
