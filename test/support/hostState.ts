/**
 * What the machine's own namespaces show of host networking, mounts, cgroups, pod logs and kernel
 * tunables, as sorted lines per kind, so a real-node run can be checked to leave the machine exactly
 * as it found it. Counters and generated comments are dropped; everything else is compared as is.
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "../../scripts/dev/processes";

export type HostState = Record<string, string[]>;

const lines = (text: string) => text.split("\n").map((line) => line.trimEnd()).filter(Boolean);

function command(binary: string, args: string[]): string {
    const result = run(binary, args, undefined, { timeoutMs: 30_000 });
    if (result.code !== 0) {
        throw new Error(`${binary} ${args.join(" ")}: ${result.stderr}`);
    }
    return result.stdout;
}

/** iptables-save without its comments and packet counters. */
const rules = (tool: string) =>
    lines(command(tool, []))
        .filter((line) => !line.startsWith("#"))
        .map((line) => line.replace(/ \[\d+:\d+\]$/, ""));

const listDir = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : []);

function cgroups(): string[] {
    const root = "/sys/fs/cgroup";
    const hierarchies = fs.existsSync(path.join(root, "cgroup.procs")) ? [root] : listDir(root).filter((dir) => !fs.lstatSync(dir).isSymbolicLink() && fs.existsSync(path.join(dir, "cgroup.procs")));
    // The top level of every hierarchy, and the whole of any kubepods tree (a kubelet's pods).
    const kubepods = (dir: string): string[] => [dir, ...listDir(dir).filter((d) => fs.statSync(d).isDirectory()).flatMap(kubepods)];
    return hierarchies.flatMap((h) => listDir(h).filter((d) => fs.statSync(d).isDirectory()).flatMap((d) => (path.basename(d).startsWith("kubepods") ? kubepods(d) : [d])));
}

const SYSCTLS = ["net/ipv4/ip_forward", "kernel/panic", "kernel/panic_on_oops", "vm/overcommit_memory", "vm/panic_on_oom", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes"];

export function hostState(): HostState {
    return {
        "ip netns": lines(command("ip", ["netns", "list"])).sort(),
        "ip link": lines(command("ip", ["-o", "link", "show"])).map((line) => line.split(":")[1].trim().split("@")[0]).sort(),
        "ip route": lines(command("ip", ["-4", "route", "show", "table", "all"])).sort(),
        "ip -6 route": lines(command("ip", ["-6", "route", "show", "table", "all"])).sort(),
        "iptables-save": rules("iptables-save"),
        "ip6tables-save": rules("ip6tables-save"),
        mount: lines(fs.readFileSync("/proc/self/mountinfo", "utf8"))
            .map((line) => {
                const fields = line.split(" ");
                const separator = fields.indexOf("-");
                return `${fields[4]} ${fields[separator + 1]} ${fields[separator + 2]}`;
            })
            .sort(),
        cgroups: cgroups().sort(),
        "/var/log/pods": listDir("/var/log/pods").sort(),
        "/var/log/containers": listDir("/var/log/containers").sort(),
        "/var/lib/otelcol-agent": [String(fs.existsSync("/var/lib/otelcol-agent"))],
        sysctl: SYSCTLS.map((name) => `${name} = ${fs.readFileSync(`/proc/sys/${name}`, "utf8").trim()}`),
    };
}

/** `+ line` for what appeared, `- line` for what went, per kind; empty when the two are equal. */
export function hostStateDiff(before: HostState, after: HostState): string[] {
    const diff: string[] = [];
    for (const kind of Object.keys(before)) {
        const [was, now] = [new Set(before[kind]), new Set(after[kind] ?? [])];
        diff.push(...[...was].filter((line) => !now.has(line)).map((line) => `${kind}: - ${line}`));
        diff.push(...[...now].filter((line) => !was.has(line)).map((line) => `${kind}: + ${line}`));
    }
    return diff;
}
