/** The program as a function, so tests can run it under mocks with different configs. */
import * as pulumi from "@pulumi/pulumi";
import { LgtmStack } from "./components/stack";
import { readStack } from "./config/pulumi";
import { readRunbooks } from "./io/runbooks";
import { renderStack } from "./render";

export function createStack() {
    const { config, secrets } = readStack();
    const stack = new LgtmStack("lgtm", { config, rendered: renderStack(config, readRunbooks()), secrets });
    return {
        namespace: stack.namespace,
        grafanaUrl: config.grafana.url,
        grafanaAdminUser: "admin",
        grafanaAdminPassword: stack.grafanaAdminPassword,
        services: config.services.map((service) => service.name),
        grafanaProvisioned: config.grafana.provision,
        portForward: pulumi.interpolate`kubectl -n ${stack.namespace} port-forward svc/grafana 3000:3000`,
    };
}
