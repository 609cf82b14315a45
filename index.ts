/**
 * lgtm-stack: typed stack config → validated specs → pure renderers → Pulumi resources.
 * A bad config stops here, before any resource exists, with every problem listed.
 */
import * as pulumi from "@pulumi/pulumi";
import { LgtmStack } from "./components/stack";
import { readStack } from "./config/pulumi";
import { renderStack } from "./render";

const { config, secrets } = readStack();
const stack = new LgtmStack("lgtm", { config, rendered: renderStack(config), secrets });

export const namespace = stack.namespace;
export const grafanaUrl = config.grafana.url;
export const grafanaAdminUser = "admin";
export const grafanaAdminPassword = stack.grafanaAdminPassword;
export const services = config.services.map((service) => service.name);
export const grafanaProvisioned = config.grafana.provision;
export const portForward = pulumi.interpolate`kubectl -n ${stack.namespace} port-forward svc/grafana 3000:3000`;
