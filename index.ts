/**
 * lgtm-stack: typed stack config → validated specs → pure renderers → Pulumi resources.
 * A bad config stops here, before any resource exists, with every problem listed.
 */
import { createStack } from "./program";

const outputs = createStack();

export const namespace = outputs.namespace;
export const grafanaUrl = outputs.grafanaUrl;
export const grafanaAdminUser = outputs.grafanaAdminUser;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
export const services = outputs.services;
export const grafanaMode = outputs.grafanaMode;
export const portForward = outputs.portForward;
