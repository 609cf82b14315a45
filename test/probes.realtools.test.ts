/**
 * The blackbox exporter's modules as the stack renders them, run by the real blackbox_exporter
 * v0.28.0 against a local HTTP server: a probe whose status is the expected one succeeds, any other
 * status fails, and the generic module takes any 2xx. Expected values are written by hand.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { loadStackConfig } from "../config/load";
import { readRunbooks } from "../io/runbooks";
import { renderStack } from "../render";
import { knownRunbooks, minimalRaw } from "./support/fixtures";
import { freePort, LOOPBACK, ManagedProcess, run, toolPath } from "../scripts/dev";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-blackbox-"));
const configFile = path.join(dir, "blackbox.yml");

/** The stack's modules for a service probing `/ok` for 200 and `/created` for 201. */
function renderedModules(): string {
    const rendered = renderStack(
        loadStackConfig(
            minimalRaw({
                services: [
                    {
                        name: "shop",
                        slos: [{ kind: "availability", objective: 99.9, sli: "probe" }],
                        probes: [
                            { name: "ok", url: "http://shop.example/ok" },
                            { name: "created", url: "http://shop.example/created", expectedStatus: 201, timeout: "2s" },
                        ],
                    },
                ],
            }),
            { knownRunbooks },
        ),
        readRunbooks(),
    );
    assert.ok(rendered.blackbox, "the operator (default on) brings the blackbox exporter");
    return rendered.blackbox.config;
}

describe("the real blackbox exporter runs the stack's probe modules", () => {
    let exporter: ManagedProcess | undefined;
    let server: http.Server | undefined;
    let base = "";
    let target = "";
    before(async () => {
        fs.writeFileSync(configFile, renderedModules());
        // The status is the path's number: /200, /201, /500.
        server = http.createServer((request, response) => response.writeHead(Number(request.url?.slice(1)) || 404).end("hello"));
        await new Promise<void>((resolve) => server!.listen(0, LOOPBACK, resolve));
        target = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
        const port = await freePort();
        base = `http://${LOOPBACK}:${port}`;
        exporter = new ManagedProcess({
            name: "blackbox_exporter",
            binary: toolPath("blackbox_exporter"),
            args: [`--config.file=${configFile}`, `--web.listen-address=${LOOPBACK}:${port}`],
            logFile: path.join(dir, "blackbox.log"),
            maxLifetimeMs: 120_000,
        });
        exporter.start();
        await exporter.waitForHttp(`${base}/-/healthy`, 10_000, 100);
    });
    after(async () => {
        await exporter?.stop();
        server?.close();
    });

    test("the rendered file passes the exporter's own config check", () => {
        const result = run(toolPath("blackbox_exporter"), [`--config.file=${configFile}`, "--config.check"]);
        assert.equal(result.code, 0, result.output);
    });

    /** probe_success of one probe: 1 or 0. */
    async function probe(module: string, status: number): Promise<number> {
        const body = await (await fetch(`${base}/probe?module=${module}&target=${encodeURIComponent(`${target}/${status}`)}`)).text();
        const line = body.split("\n").find((l) => l.startsWith("probe_success "));
        assert.ok(line, body);
        return Number(line.split(" ")[1]);
    }

    test("a module expecting 200 succeeds on 200 and fails on 201 and 500", async () => {
        assert.deepEqual([await probe("http_200_5s", 200), await probe("http_200_5s", 201), await probe("http_200_5s", 500)], [1, 0, 0]);
    });

    test("a module expecting 201 succeeds only on 201; the generic http_2xx takes both 200 and 201", async () => {
        assert.deepEqual([await probe("http_201_2s", 201), await probe("http_201_2s", 200)], [1, 0]);
        assert.deepEqual([await probe("http_2xx", 200), await probe("http_2xx", 201), await probe("http_2xx", 500)], [1, 1, 0]);
    });
});
