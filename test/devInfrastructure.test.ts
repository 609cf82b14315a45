/**
 * The dev tooling's processes, polling and ports (scripts/dev): what the suites, the benchmarks and
 * the demo rely on for cleanup and bounded waits. Real processes (`sleep`, `sh`), real sockets. And
 * the typed Kubernetes client's helpers (scripts/kubeClient.ts), on the wire to a recording server.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { after, before, beforeEach, describe, test } from "node:test";
import { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { eventually, freePorts, LOOPBACK, ManagedProcess, run, runAsync, waitUntil } from "../scripts/dev";
import { asModel, createUnlessExists, failedWith, ifFound, isGone, KubeApi, MERGE_PATCH } from "../scripts/kubeClient";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-dev-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("free ports", () => {
    test("three at once are distinct, and each can be bound on 127.0.0.1 afterwards", async () => {
        const ports = await freePorts(3);
        assert.equal(new Set(ports).size, 3);
        for (const port of ports) {
            const server = net.createServer();
            await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, LOOPBACK, resolve));
            await new Promise((resolve) => server.close(resolve));
        }
    });
});

describe("polling", () => {
    test("a condition that never holds times out near its deadline, naming what it waited for and the last error", async () => {
        const begin = Date.now();
        await assert.rejects(
            eventually("the answer", 300, () => {
                throw new Error("connection refused");
            }, 50),
            { message: "timed out after 0.3s waiting for the answer: Error: connection refused" },
        );
        const elapsed = Date.now() - begin;
        assert.ok(elapsed >= 300 && elapsed < 2000, `took ${elapsed} ms`);
    });

    test("a fatal error ends the wait at once", async () => {
        const begin = Date.now();
        await assert.rejects(waitUntil("never", () => Promise.reject(new Error("gone")), 30, 50, () => true), { message: "gone" });
        assert.ok(Date.now() - begin < 1000);
    });
});

describe("processes", () => {
    test("run reports the exit code and both streams", () => {
        const result = run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
        assert.equal(result.code, 3);
        assert.equal(result.output, "out\nerr\n");
    });

    test("runAsync kills a run at its time limit", async () => {
        const result = await runAsync("sleep", ["30"], undefined, { timeoutMs: 200 });
        assert.equal(result.code, -1);
        assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test("a managed process is killed at its lifetime limit and logs to its file", async () => {
        const proc = new ManagedProcess({ name: "sleeper", binary: "sleep", args: ["30"], logFile: path.join(dir, "sleeper.log"), maxLifetimeMs: 300 });
        proc.start();
        assert.ok(proc.running);
        await waitUntil("the sleeper to be killed", () => !proc.running, 5, 50);
        assert.equal(proc.exitStatus, "SIGKILL");
        assert.match(fs.readFileSync(proc.logFile, "utf8"), /=== start .* sleep 30\n/);
    });

    test("waiting for a process that exits fails at once with its log, not at the deadline", async () => {
        const proc = new ManagedProcess({ name: "crasher", binary: "sh", args: ["-c", "echo bad flag; exit 2"], logFile: path.join(dir, "crasher.log") });
        proc.start();
        const begin = Date.now();
        await assert.rejects(proc.waitForHttp(`http://${LOOPBACK}:9/`, 60_000, 50), /crasher exited \(2\)[\s\S]*bad flag/);
        assert.ok(Date.now() - begin < 5000);
    });
});

describe("the typed Kubernetes client (scripts/kubeClient.ts), against a recording HTTP server", () => {
    /** What the server received, and what it answers next: a status and a JSON body. */
    const received: { method: string; url: string; contentType?: string; body: string }[] = [];
    let answer = { status: 200, body: {} as unknown };
    const server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
            received.push({ method: request.method!, url: request.url!, contentType: request.headers["content-type"], body });
            response.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
        });
    });
    let kube: KubeApi;
    const status = (code: number, reason: string) => ({ status: code, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason, code } });

    before(async () => {
        await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
        const kubeconfig = path.join(dir, "kubeconfig");
        const { port } = server.address() as net.AddressInfo;
        fs.writeFileSync(kubeconfig, [
            "apiVersion: v1",
            "kind: Config",
            // Plain HTTP, which client-node allows only with TLS verification off.
            `clusters: [{ name: recorder, cluster: { server: "http://${LOOPBACK}:${port}", insecure-skip-tls-verify: true } }]`,
            "users: [{ name: tester, user: { token: not-a-secret } }]",
            "contexts: [{ name: recorder, context: { cluster: recorder, user: tester } }]",
            "current-context: recorder",
        ].join("\n"));
        kube = new KubeApi(kubeconfig);
    });
    after(() => new Promise((resolve) => server.close(resolve)));
    beforeEach(() => {
        received.length = 0;
        answer = { status: 200, body: {} };
    });

    test("MERGE_PATCH sends a JSON merge patch; without it the client sends a JSON patch", async () => {
        await kube.core.patchNode({ name: "node-1", body: { spec: { unschedulable: true } } }, MERGE_PATCH);
        await kube.core.patchNode({ name: "node-1", body: [{ op: "add", path: "/spec/unschedulable", value: true }] });
        assert.deepEqual(received.map((r) => [r.method, r.url, r.contentType]), [
            ["PATCH", "/api/v1/nodes/node-1", "application/merge-patch+json"],
            ["PATCH", "/api/v1/nodes/node-1", "application/json-patch+json"],
        ]);
        assert.deepEqual(JSON.parse(received[0].body), { spec: { unschedulable: true } });
    });

    test("ifFound: a 404 is undefined, any other failure is thrown; isGone says whether the read answered 404", async () => {
        answer = status(404, "NotFound");
        assert.equal(await ifFound(kube.core.readNamespace({ name: "gone" })), undefined);
        assert.equal(await isGone(kube.core.readNamespace({ name: "gone" })), true);
        answer = { status: 200, body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "here" } } };
        assert.equal((await ifFound(kube.core.readNamespace({ name: "here" })))?.metadata?.name, "here");
        assert.equal(await isGone(kube.core.readNamespace({ name: "here" })), false);
        answer = status(500, "InternalError");
        await assert.rejects(ifFound(kube.core.readNamespace({ name: "broken" })), (error: unknown) => failedWith(error, 500));
    });

    test("createUnlessExists keeps an existing object (409) and throws any other failure", async () => {
        answer = status(409, "AlreadyExists");
        await createUnlessExists(kube.core.createPersistentVolume({ body: { metadata: { name: "pv-0" } } }));
        answer = status(422, "Invalid");
        await assert.rejects(createUnlessExists(kube.core.createPersistentVolume({ body: { metadata: { name: "pv-1" } } })), (error: unknown) => failedWith(error, 422));
    });

    test("asModel keeps a CRD's x-kubernetes-* and $ref fields, which the typed call drops from a plain object", async () => {
        const schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { port: { "x-kubernetes-int-or-string": true }, shared: { $ref: "#/definitions/shared" } } };
        const crd = {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "widgets.example.com" },
            spec: { group: "example.com", names: { kind: "Widget", plural: "widgets" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
        };
        await kube.crds.createCustomResourceDefinition({ body: asModel<V1CustomResourceDefinition>(crd) });
        await kube.crds.createCustomResourceDefinition({ body: crd as unknown as V1CustomResourceDefinition });
        const sent = received.map((r) => JSON.parse(r.body).spec.versions[0].schema.openAPIV3Schema);
        assert.deepEqual(sent[0], schema);
        assert.deepEqual(sent[1], { type: "object", properties: { port: {}, shared: {} } });
    });
});
