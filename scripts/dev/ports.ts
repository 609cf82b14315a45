/** Free TCP ports on the loopback address, for servers the dev tooling starts. */
import * as net from "net";

/** Every server the dev tooling starts listens here, never on a public address. */
export const LOOPBACK = "127.0.0.1";

/** `count` distinct free ports: all held at once, so the kernel never hands out the same port twice. */
export async function freePorts(count: number): Promise<number[]> {
    const servers: net.Server[] = [];
    const ports: number[] = [];
    try {
        for (let i = 0; i < count; i++) {
            const server = net.createServer();
            servers.push(server);
            await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, LOOPBACK, resolve));
            ports.push((server.address() as net.AddressInfo).port);
        }
    } finally {
        // Released just before the caller's server binds.
        await Promise.all(servers.filter((server) => server.listening).map((server) => new Promise((resolve) => server.close(resolve))));
    }
    return ports;
}

export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}
