/**
 * The labels that select the stack's pods, written once: workloads use them as selectors and the
 * NetworkPolicies (render/networkPolicies.ts) name the same pods as peers with them.
 */

export type Labels = Record<string, string>;

/** `app.kubernetes.io/part-of` of every pod the stack runs. */
export const PART_OF = "lgtm-stack";

/** Selector labels of a workload named `name` (a component, or the Collector's load-balancing tier); never change after creation. */
export function selectorLabels(name: string): Labels {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF };
}

/** Labels of every object the stack creates for `name` (a component, an engine, the stack itself): its selector labels, and who manages it. */
export function componentLabels(name: string): Labels {
    return { ...selectorLabels(name), "app.kubernetes.io/managed-by": "pulumi" };
}

/** Selector labels of one tier of a distributed engine: the name label is the engine's, the tier is the component label. */
export function tierSelectorLabels(engine: string, tier: string): Labels {
    return { "app.kubernetes.io/name": engine, "app.kubernetes.io/component": tier, "app.kubernetes.io/part-of": PART_OF };
}

/** Pods that take part in an engine's memberlist cluster carry this label (value: the engine); the gossip Service selects it. */
export const GOSSIP_LABEL = "lgtm.dev/memberlist";

/** The well-known node label naming a node's zone: per-zone StatefulSets (topology.zones) require it, spread constraints prefer spreading over it. */
export const NODE_ZONE_LABEL = "topology.kubernetes.io/zone";

/** With topology.zones, the pods of a zone's StatefulSet carry this label (value: the zone), on top of their tier's labels. */
export const ZONE_LABEL = "lgtm.dev/zone";
