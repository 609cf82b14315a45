/**
 * The OCI image layout the real node imports (scripts/realNode/ociImage.ts), read back by GNU tar,
 * and the image references the kubelet asks containerd for.
 */
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, describe, test } from "node:test";
import { normalizedReference } from "../scripts/realNode/images";
import { writeOciArchive } from "../scripts/realNode/ociImage";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-oci-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("OCI image archives for the real node", () => {
    const archive = path.join(dir, "image.tar");
    // Too long for ustar's name field: one fits its prefix + name split, the other needs a PAX header.
    const prefixed = `${"p".repeat(120)}/${"q".repeat(60)}`;
    const longDir = `${"a".repeat(80)}/${"b".repeat(80)}`;
    const manifestDigest = writeOciArchive(
        {
            name: "quay.io/example/tool:v1.2.3",
            user: "65534:65534",
            workingDir: "/data",
            entrypoint: ["/bin/tool"],
            entries: [
                { kind: "dir", path: "bin", mode: 0o755 },
                { kind: "file", path: "bin/tool", mode: 0o755, data: Buffer.from("#!/bin/true\n") },
                { kind: "dir", path: "data", mode: 0o755, uid: 65534, gid: 65534 },
                { kind: "dir", path: "tmp", mode: 0o1777 },
                { kind: "file", path: prefixed, mode: 0o644, data: Buffer.from("yz") },
                { kind: "file", path: `${longDir}/${"c".repeat(90)}`, mode: 0o600, data: Buffer.from("x") },
                { kind: "symlink", path: "lib64", target: "lib" },
            ],
        },
        archive,
    );
    const extracted = path.join(dir, "layout");
    fs.mkdirSync(extracted);
    execFileSync("tar", ["-xf", archive, "-C", extracted]);
    const blob = (digest: string) => fs.readFileSync(path.join(extracted, "blobs/sha256", digest.replace("sha256:", "")));

    test("the layout has oci-layout, an index naming the image and a manifest whose blobs match their digests", () => {
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(extracted, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
        const index = JSON.parse(fs.readFileSync(path.join(extracted, "index.json"), "utf8"));
        assert.equal(index.manifests.length, 1);
        assert.equal(index.manifests[0].digest, manifestDigest);
        assert.deepEqual(index.manifests[0].annotations, { "io.containerd.image.name": "quay.io/example/tool:v1.2.3", "org.opencontainers.image.ref.name": "v1.2.3" });
        const manifest = JSON.parse(blob(manifestDigest).toString("utf8"));
        for (const descriptor of [manifest.config, ...manifest.layers]) {
            const data = blob(descriptor.digest);
            assert.equal(`sha256:${createHash("sha256").update(data).digest("hex")}`, descriptor.digest);
            assert.equal(data.length, descriptor.size);
        }
        const config = JSON.parse(blob(manifest.config.digest).toString("utf8"));
        assert.equal(config.config.User, "65534:65534");
        assert.equal(config.config.WorkingDir, "/data");
        assert.deepEqual(config.config.Entrypoint, ["/bin/tool"]);
        assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest]);
    });

    test("the layer holds each entry with its mode, owner and link, long paths included", () => {
        const manifest = JSON.parse(blob(manifestDigest).toString("utf8"));
        const layer = path.join(dir, "layer.tar");
        fs.writeFileSync(layer, blob(manifest.layers[0].digest));
        const listing = execFileSync("tar", ["--numeric-owner", "-tvf", layer], { encoding: "utf8" }).trim().split("\n");
        const lines = listing.map((line) => line.replace(/\s+/g, " ").replace(/ 1970-01-01 00:00 /, " "));
        assert.deepEqual(lines, [
            "drwxr-xr-x 0/0 0 bin/",
            "-rwxr-xr-x 0/0 12 bin/tool",
            "drwxr-xr-x 65534/65534 0 data/",
            "drwxrwxrwt 0/0 0 tmp/",
            `-rw-r--r-- 0/0 2 ${prefixed}`,
            `-rw------- 0/0 1 ${longDir}/${"c".repeat(90)}`,
            "lrwxrwxrwx 0/0 0 lib64 -> lib",
        ]);
    });

    test("an image without a tag, or tagged latest, is refused (the kubelet would always pull latest)", () => {
        for (const name of ["quay.io/example/tool", "quay.io/example/tool:latest", "localhost:5000/tool"]) {
            assert.throws(() => writeOciArchive({ name, user: "0:0", workingDir: "/", entrypoint: ["/x"], entries: [] }, path.join(dir, "refused.tar")), /needs a tag other than latest/);
        }
    });

    test("references are named as the kubelet asks containerd for them: Docker Hub names in full", () => {
        assert.equal(normalizedReference("otel/opentelemetry-collector-contrib:0.160.0"), "docker.io/otel/opentelemetry-collector-contrib:0.160.0");
        assert.equal(normalizedReference("busybox:1.37"), "docker.io/library/busybox:1.37");
        assert.equal(normalizedReference("quay.io/prometheus/prometheus:v3.15.0"), "quay.io/prometheus/prometheus:v3.15.0");
        assert.equal(normalizedReference("registry.k8s.io/pause:3.10.1"), "registry.k8s.io/pause:3.10.1");
        assert.equal(normalizedReference("localhost/tool:v1"), "localhost/tool:v1");
        assert.equal(normalizedReference("localhost:5000/tool:v1"), "localhost:5000/tool:v1");
    });
});
