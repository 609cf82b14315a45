import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EgressRule, PolicyPort, RenderedNetworkPolicy, URL_PORTS, urlPort, UrlSecret } from "../render/networkPolicies";
import { componentLabels } from "./workload";

export interface NetworkPoliciesArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered policies (`renderStack(...).networkPolicies`). Defaults to none: required. */
    readonly policies: readonly RenderedNetworkPolicy[];
    /** The webhook and heartbeat receivers' URLs (secrets), whose ports Alertmanager's egress names. Defaults to none: no such receivers. */
    readonly urls?: { readonly [key in UrlSecret]?: pulumi.Output<string> };
    /** Earlier names or parents of policies wired here now, by policy name: an existing stack keeps each such policy instead of replacing it. Defaults to none. */
    readonly aliases?: Readonly<Record<string, readonly pulumi.Input<pulumi.URN | pulumi.Alias>[]>>;
}

/** Creates each rendered policy as `${name}-<policy>`, putting in the webhook and heartbeat URLs' ports. */
function wireNetworkPolicies(name: string, args: NetworkPoliciesArgs, parent: pulumi.Resource): void {
    const { namespace } = args;
    const port = (p: PolicyPort): { protocol: string; port: pulumi.Input<number> } => {
        if (typeof p.port === "number") {
            return { protocol: p.protocol, port: p.port };
        }
        const key = (Object.keys(URL_PORTS) as UrlSecret[]).find((k) => URL_PORTS[k] === p.port)!;
        const url = args.urls?.[key];
        if (!url) {
            throw new Error(`the rendered policies name the ${key} port, but no ${key} secret was passed`);
        }
        // The URL is a secret, its port is not.
        return { protocol: p.protocol, port: pulumi.unsecret(url.apply((value) => urlPort(value, key))) };
    };
    const egress = (rule: EgressRule) => (rule.ports ? { ...rule, ports: rule.ports.map(port) } : rule);
    for (const { name: id, spec } of args.policies) {
        const wired = { ...spec, ...(spec.egress ? { egress: spec.egress.map(egress) } : {}) } as k8s.types.input.networking.v1.NetworkPolicySpec;
        const aliases = args.aliases?.[id];
        new k8s.networking.v1.NetworkPolicy(`${name}-${id}`, { metadata: { name: id, namespace, labels: componentLabels("lgtm-stack") }, spec: wired }, { parent, ...(aliases ? { aliases: [...aliases] } : {}) });
    }
}

/**
 * Default deny for the namespace, then the explicit allows the data flow needs, as rendered by
 * render/networkPolicies.ts; this only wires them, putting in the webhook and heartbeat URLs' ports.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:security:NetworkPolicies", name, {}, opts);
        wireNetworkPolicies(name, args, this);
        this.registerOutputs({});
    }
}
