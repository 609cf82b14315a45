/**
 * A real DNS server for the data-flow suite: CoreDNS (the build the real node runs as cluster DNS)
 * answering one name, the gateways' headless Service, from a hosts file the suite rewrites, as the
 * cluster DNS answers with the ready pods of a headless Service. It listens on an address of the
 * loopback network on port 53 (root only), in the run's folder; nothing of the machine's DNS changes.
 */
import { promises as dnsPromises } from "dns";
import * as fs from "fs";
import * as path from "path";
import { waitUntil } from "../../scripts/dev/polling";
import { ManagedProcess } from "../../scripts/dev/processes";
import { requireTool } from "../../scripts/dev/tools";
import { MAX_PROCESS_LIFETIME_MS } from "./harness";

/** The DNS server's address: loopback, outside 127.0.0.0/24 where resolvers of the machine may listen. */
export const DNS_ADDRESS = "127.213.0.53";

export class GatewayDns {
    private readonly hostsFile: string;
    private readonly process: ManagedProcess;
    private readonly resolver = new dnsPromises.Resolver({ timeout: 1000, tries: 1 });

    constructor(
        dir: string,
        readonly name: string,
    ) {
        fs.mkdirSync(dir, { recursive: true });
        this.hostsFile = path.join(dir, "gateways.hosts");
        const corefile = path.join(dir, "Corefile");
        const zone = name.split(".").slice(-2).join(".");
        // ttl 1: a client that caches keeps a gone gateway for a second at most; reload 1s: a rewrite shows within a second.
        fs.writeFileSync(corefile, [`${zone}:53 {`, `    bind ${DNS_ADDRESS}`, `    hosts ${this.hostsFile} {`, "        ttl 1", "        reload 1s", "        no_reverse", "    }", "    errors", "}", ""].join("\n"));
        this.process = new ManagedProcess({ name: "coredns", binary: requireTool("coredns"), args: ["-conf", corefile], logFile: path.join(dir, "coredns.log"), maxLifetimeMs: MAX_PROCESS_LIFETIME_MS });
        this.resolver.setServers([DNS_ADDRESS]);
    }

    async start(addresses: readonly string[]): Promise<void> {
        this.write(addresses);
        this.process.start();
        await this.served(addresses);
    }

    /** Changes the answer, and returns once the server gives it (the moment the "endpoints" changed). */
    async answer(addresses: readonly string[]): Promise<void> {
        this.write(addresses);
        await this.served(addresses);
    }

    async stop(): Promise<void> {
        await this.process.stop("SIGTERM", 10_000);
    }

    private write(addresses: readonly string[]): void {
        const next = `${this.hostsFile}.next`;
        fs.writeFileSync(next, addresses.map((address) => `${address} ${this.name}\n`).join(""));
        fs.renameSync(next, this.hostsFile);
    }

    private async served(addresses: readonly string[]): Promise<void> {
        const want = [...addresses].sort().join(",");
        await waitUntil(`${DNS_ADDRESS} to answer ${this.name} with ${want}`, async () => (await this.resolver.resolve4(this.name)).sort().join(",") === want, 30, 200);
    }
}
