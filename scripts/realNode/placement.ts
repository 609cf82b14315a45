/**
 * The one test-and-demo-only scheduling rule: pods of the components whose images cannot exist here
 * (Loki, Tempo and Grafana are AGPL: never built) go to the KWOK node, where they are simulated;
 * every other pod runs for real. The stack itself is deployed unchanged: the rule is a
 * MutatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA in Kubernetes 1.36) that adds a node
 * selector and a toleration to those pods when they are created, so the workloads Pulumi manages
 * never differ from what it applied and a second `pulumi up` still shows no change.
 */
import { V1MutatingAdmissionPolicy, V1MutatingAdmissionPolicyBinding } from "@kubernetes/client-node";
import { SIMULATED_NODE_LABEL, SIMULATED_NODE_TAINT } from "./cluster";

/** The stack components that are simulated, by their `app.kubernetes.io/name` label. */
export const SIMULATED_COMPONENTS = ["loki", "tempo", "grafana"] as const;

/**
 * A real pod carrying this label (and a simulated component's labels, so its Service selects it)
 * stays on the real node: the e2e suite's receiving stand-ins for Loki's and Tempo's endpoints.
 */
export const STAND_IN_LABEL = "lgtm-stack.test/stand-in";

export function simulatedPlacementPolicy(): { policy: V1MutatingAdmissionPolicy; binding: V1MutatingAdmissionPolicyBinding } {
    const names = SIMULATED_COMPONENTS.map((name) => `'${name}'`).join(", ");
    return {
        policy: {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "MutatingAdmissionPolicy",
            metadata: { name: "lgtm-simulated-components" },
            spec: {
                matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }] },
                matchConditions: [
                    {
                        name: "simulated-component",
                        expression: `has(object.metadata.labels) && 'app.kubernetes.io/name' in object.metadata.labels && object.metadata.labels['app.kubernetes.io/name'] in [${names}] && !('${STAND_IN_LABEL}' in object.metadata.labels)`,
                    },
                ],
                failurePolicy: "Fail",
                reinvocationPolicy: "Never",
                mutations: [
                    {
                        // JSON Patch: nodeSelector and tolerations are atomic, which ApplyConfiguration may not change.
                        // The toleration is appended as one object (the API server's DefaultTolerationSeconds
                        // plugin, earlier in the chain, has made the list): kube-apiserver 1.36.4 panics
                        // converting a CEL list of typed objects in a JSON Patch value.
                        patchType: "JSONPatch",
                        jsonPatch: {
                            expression: `[JSONPatch{op: 'add', path: '/spec/nodeSelector', value: {'${SIMULATED_NODE_LABEL.key}': '${SIMULATED_NODE_LABEL.value}'}}, JSONPatch{op: 'add', path: '/spec/tolerations/-', value: Object.spec.tolerations{key: '${SIMULATED_NODE_TAINT.key}', operator: 'Equal', value: '${SIMULATED_NODE_TAINT.value}', effect: '${SIMULATED_NODE_TAINT.effect}'}}]`,
                        },
                    },
                ],
            },
        },
        binding: {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "MutatingAdmissionPolicyBinding",
            metadata: { name: "lgtm-simulated-components" },
            spec: { policyName: "lgtm-simulated-components" },
        },
    };
}
