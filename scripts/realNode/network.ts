/**
 * The real node's addresses: one /16, carved into the pod network, the Service range, the KWOK
 * node's simulated addresses and the link between the machine and the node's network namespace.
 *
 * The default /16 avoids the defaults of the local clusters a workstation is likely to run: Docker
 * (172.17.0.0/16 and its 172.16/12 and 192.168/16 pools), podman (10.88.0.0/16, new networks from
 * 10.89.0.0/24 upwards), k3s (10.42/16, 10.43/16), kind and kubeadm (10.244/16, 10.96/12), minikube
 * (10.244/16, 10.96/12, 192.168.49/24), microk8s (10.1/16, 10.152.183/24), kubespray (10.233/16) and
 * Calico (192.168/16). Where it still collides, `LGTM_REAL_NODE_CIDR` moves it, and the node refuses
 * to start while any route or address of the machine overlaps one of its ranges.
 */
import { run } from "../dev/processes";

export const NODE_NETWORK_VARIABLE = "LGTM_REAL_NODE_CIDR";
const DEFAULT_NODE_NETWORK = "10.213.0.0/16";

export interface NodeNetwork {
    /** The whole block, as configured. */
    readonly block: string;
    /** Pods on the node's bridge (host-local IPAM). */
    readonly pods: string;
    /** ClusterIP Services (the API server's --service-cluster-ip-range). */
    readonly services: string;
    /** The `kubernetes` Service's address: the first of `services`. */
    readonly kubernetesService: string;
    /** CoreDNS's Service address. */
    readonly clusterDns: string;
    /** Addresses KWOK gives the simulated node and its pods; unreachable inside the node's namespace. */
    readonly simulated: string;
    readonly simulatedNodeIp: string;
    readonly simulatedPodCidr: string;
    /** The veth pair between the machine and the node's network namespace (a /30). */
    readonly link: string;
    readonly hostIp: string;
    /** The node's address: its InternalIP, where the API server and Prometheus reach the kubelet. */
    readonly nodeIp: string;
}

function parseIpv4(address: string): number | undefined {
    const parts = address.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
        return undefined;
    }
    return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

const formatIpv4 = (value: number) => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");

/** `[first, last]` address of a CIDR, or undefined when it is not an IPv4 CIDR. */
export function cidrRange(cidr: string): [number, number] | undefined {
    const [address, bits] = cidr.split("/");
    const base = parseIpv4(address ?? "");
    const prefix = bits === undefined ? 32 : Number(bits);
    if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
        return undefined;
    }
    const size = 2 ** (32 - prefix);
    const first = base - (base % size);
    return [first, first + size - 1];
}

export const cidrsOverlap = (a: string, b: string): boolean => {
    const [x, y] = [cidrRange(a), cidrRange(b)];
    return x !== undefined && y !== undefined && x[0] <= y[1] && y[0] <= x[1];
};

/** The node's ranges from `LGTM_REAL_NODE_CIDR` (a /16, e.g. 10.213.0.0/16), with a clear error when it is not one. */
export function nodeNetwork(block = process.env[NODE_NETWORK_VARIABLE] ?? DEFAULT_NODE_NETWORK): NodeNetwork {
    const range = cidrRange(block);
    if (!range || !block.endsWith("/16") || formatIpv4(range[0]) !== block.split("/")[0]) {
        throw new Error(`${NODE_NETWORK_VARIABLE}=${block}: not an IPv4 /16 network address; use e.g. ${NODE_NETWORK_VARIABLE}=${DEFAULT_NODE_NETWORK}`);
    }
    const at = (offset: number) => formatIpv4(range[0] + offset);
    return {
        block,
        pods: `${at(0)}/17`,
        simulated: `${at(128 * 256)}/18`,
        simulatedNodeIp: at(128 * 256 + 1),
        simulatedPodCidr: `${at(129 * 256)}/24`,
        services: `${at(254 * 256)}/24`,
        kubernetesService: at(254 * 256 + 1),
        clusterDns: at(254 * 256 + 10),
        link: `${at(255 * 256 + 252)}/30`,
        hostIp: at(255 * 256 + 253),
        nodeIp: at(255 * 256 + 254),
    };
}

/** The node's ranges (pods, Services, simulated, link), named for messages. */
export const nodeRanges = (network: NodeNetwork): [string, string][] => [
    ["pods", network.pods],
    ["services", network.services],
    ["simulated", network.simulated],
    ["link", network.link],
];

/**
 * The machine's routes and addresses that overlap one of the node's ranges, each named with the
 * range it hits ("10.213.0.0/16 dev cni0 overlaps the pods range 10.213.0.0/17"). A default route
 * overlaps everything and says nothing about a collision, so it is not counted.
 */
export function networkConflicts(network: NodeNetwork): string[] {
    const routes = JSON.parse(run("ip", ["-j", "-4", "route", "show", "table", "all"]).stdout || "[]") as { dst: string; dev?: string; type?: string; table?: string }[];
    const addresses = JSON.parse(run("ip", ["-j", "-4", "addr", "show"]).stdout || "[]") as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[];
    const taken = [
        ...routes.filter((r) => r.dst !== "default" && r.table !== "local").map((r) => ({ cidr: r.dst.includes("/") ? r.dst : `${r.dst}/32`, what: `route ${r.type && r.type !== "unicast" ? `${r.type} ` : ""}${r.dst}${r.dev ? ` dev ${r.dev}` : ""}` })),
        ...addresses.flatMap((a) => a.addr_info.map((i) => ({ cidr: `${i.local}/32`, what: `address ${i.local} on ${a.ifname}` }))),
    ];
    const conflicts: string[] = [];
    for (const [name, range] of nodeRanges(network)) {
        for (const { cidr, what } of taken) {
            if (cidr !== "127.0.0.0/8" && cidrsOverlap(cidr, range)) {
                conflicts.push(`${what} overlaps the ${name} range ${range}`);
            }
        }
    }
    return [...new Set(conflicts)];
}
