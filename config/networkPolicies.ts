/**
 * `networkPolicies`: on or off (`true`/`false`, the profile's default), or an object that also names
 * where the stack's pods may connect outside the cluster's pods (`egress`). Each destination is a
 * list of CIDRs; a destination left out keeps the rule it has without one: any address, on its port.
 * The object form is on unless `enabled: false` when it names destinations, else as the profile says.
 */
import { describe, ObjectReader } from "./reader";
import { EGRESS_DESTINATIONS, sectionKeys, SETTINGS } from "./keys";
import { EgressDestination, NetworkPolicyConfig } from "./types";

const EXAMPLES: Record<EgressDestination, string> = {
    apiServer: "[10.0.0.1/32, 172.18.0.2/32] (`kubectl get endpointslices kubernetes` and the `kubernetes` Service's IP)",
    nodes: "[192.168.10.0/24] (the nodes' and control plane's addresses)",
    objectStorage: "[203.0.113.0/24] (the bucket endpoint's addresses)",
    receivers: "[198.51.100.7/32] (an egress proxy, or your webhook's address)",
    identityProvider: "[203.0.113.40/32] (Grafana's single sign-on endpoints)",
    probes: "[198.51.100.0/24] (what the blackbox exporter may probe outside the cluster)",
};

export function readNetworkPolicies(root: ObjectReader<"networkPolicies" | string>, fallback: boolean): NetworkPolicyConfig {
    const raw = root.raw("networkPolicies");
    if (raw === undefined || typeof raw !== "object" || Array.isArray(raw)) {
        return { enabled: root.boolean("networkPolicies", fallback), egress: {} };
    }
    const section = root.object("networkPolicies", sectionKeys(SETTINGS.networkPolicies));
    // Naming destinations asks for the policies: they are on unless `enabled` says otherwise.
    const enabled = section.boolean("enabled", section.has("egress") ? true : fallback);
    const egressReader = section.object("egress", EGRESS_DESTINATIONS);
    const egress: Partial<Record<EgressDestination, readonly string[]>> = {};
    for (const destination of EGRESS_DESTINATIONS) {
        if (!egressReader.has(destination)) {
            continue;
        }
        const items = egressReader.items(destination);
        const path = egressReader.keyPath(destination);
        if (Array.isArray(egressReader.raw(destination)) && items.length === 0) {
            egressReader.problems.add(path, `is an empty list, which would allow no address at all; give the CIDRs, e.g. ${EXAMPLES[destination]}, or leave the key out for any address`);
            continue;
        }
        const cidrs: string[] = [];
        for (const item of items) {
            const problem = cidrProblem(item.value);
            if (problem) {
                egressReader.problems.add(item.path, `${problem}; e.g. ${EXAMPLES[destination]}`);
            } else {
                cidrs.push(item.value as string);
            }
        }
        egress[destination] = cidrs;
    }
    if (!enabled && Object.keys(egress).length > 0) {
        section.problems.add(section.keyPath("egress"), "has no effect with networkPolicies.enabled: false; set enabled: true or remove egress");
    }
    return { enabled, egress };
}

/** Why `value` is not a CIDR Kubernetes keeps as written (`ipBlock.cidr`), or undefined when it is one. */
export function cidrProblem(value: unknown): string | undefined {
    if (typeof value !== "string") {
        return `${describe(value)} is not a CIDR`;
    }
    const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
    const bits = match ? addressBits(match[1]) : undefined;
    if (!match || !bits) {
        return `${describe(value)} is not a CIDR (an IPv4 or IPv6 address, '/', a prefix length)`;
    }
    const prefix = Number(match[2]);
    if (prefix > bits.length) {
        return `${describe(value)} has a prefix longer than the address (${bits.length} bits)`;
    }
    if (prefix === 0) {
        return `${describe(value)} is every address; leave the key out instead (any address is the default)`;
    }
    if (bits.slice(prefix).includes("1")) {
        return `${describe(value)} has host bits set below /${prefix}; write the network's first address`;
    }
    return undefined;
}

/** The address as a string of bits (32 for IPv4, 128 for IPv6), or undefined when it is not one. */
export function addressBits(address: string): string | undefined {
    if (address.includes(":")) {
        return ipv6Bits(address);
    }
    const octets = address.split(".");
    if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) {
        return undefined;
    }
    return octets.map((o) => Number(o).toString(2).padStart(8, "0")).join("");
}

function ipv6Bits(address: string): string | undefined {
    const halves = address.split("::");
    if (halves.length > 2) {
        return undefined;
    }
    const groups = (half: string) => (half === "" ? [] : half.split(":"));
    const [head, tail] = [groups(halves[0]), halves.length === 2 ? groups(halves[1]) : []];
    const missing = 8 - head.length - tail.length;
    if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) {
        return undefined;
    }
    const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
    if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) {
        return undefined;
    }
    return all.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}
