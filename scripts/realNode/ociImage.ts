/**
 * Writes an OCI image layout (image-spec v1.1: `oci-layout`, `index.json`, content-addressed blobs)
 * as one tar archive that `ctr -n k8s.io images import` takes. One uncompressed layer, a config
 * with User, WorkingDir, Entrypoint and Env, and the reference name in the index annotations, so
 * containerd registers the image under exactly the name the stack's pod specs ask for.
 *
 * Everything is deterministic (fixed timestamps, files in the order given): the same inputs give
 * the same digests, so a re-import of an unchanged image is a no-op.
 */
import { createHash } from "crypto";
import * as fs from "fs";

export type ImageEntry =
    | { readonly kind: "dir"; readonly path: string; readonly mode: number; readonly uid?: number; readonly gid?: number }
    | { readonly kind: "file"; readonly path: string; readonly mode: number; readonly data: Buffer }
    | { readonly kind: "symlink"; readonly path: string; readonly target: string };

export interface ImageSpec {
    /** Full reference, `<repository>:<tag>` (a tag, never `latest`: kubelet would always pull it). */
    readonly name: string;
    readonly entries: readonly ImageEntry[];
    /** `uid:gid`, numeric, as upstream images set it. */
    readonly user: string;
    readonly workingDir: string;
    readonly entrypoint: readonly string[];
    readonly cmd?: readonly string[];
    readonly env?: readonly string[];
}

const EPOCH = "1970-01-01T00:00:00Z";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** One 512-byte ustar header; numbers are zero-padded octal ending in NUL, as POSIX specifies. */
function tarHeader(name: string, size: number, mode: number, type: string, options: { linkName?: string; uid?: number; gid?: number; prefix?: string } = {}): Buffer {
    const header = Buffer.alloc(512);
    const put = (text: string, offset: number, length: number) => {
        const bytes = Buffer.from(text, "utf8");
        if (bytes.length > length) {
            throw new Error(`tar header field too long (${bytes.length} > ${length}): ${text}`);
        }
        bytes.copy(header, offset);
    };
    const octal = (value: number, offset: number, length: number) => put(value.toString(8).padStart(length - 1, "0"), offset, length - 1);
    put(name, 0, 100);
    octal(mode, 100, 8);
    octal(options.uid ?? 0, 108, 8);
    octal(options.gid ?? 0, 116, 8);
    octal(size, 124, 12);
    octal(0, 136, 12); // mtime: the epoch
    header.fill(" ", 148, 156); // checksum counts as spaces while it is computed
    put(type, 156, 1);
    put(options.linkName ?? "", 157, 100);
    put("ustar", 257, 6);
    put("00", 263, 2);
    put(options.prefix ?? "", 345, 155);
    let sum = 0;
    for (const byte of header) {
        sum += byte;
    }
    put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
    return header;
}

const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

/** A PAX extended header carrying a path that does not fit ustar's name and prefix fields. */
function paxPath(path: string): Buffer[] {
    const record = (text: string) => {
        // The length counts itself: grow until the decimal length is stable.
        let length = text.length + 3;
        while (`${length} ${text}\n`.length !== length) {
            length = `${length} ${text}\n`.length;
        }
        return `${length} ${text}\n`;
    };
    const body = Buffer.from(record(`path=${path}`), "utf8");
    return [tarHeader("PaxHeader", body.length, 0o644, "x"), body, padding(body.length)];
}

/** Header blocks for one entry: ustar name/prefix split when possible, PAX otherwise. */
function entryHeader(path: string, size: number, mode: number, type: string, options: { linkName?: string; uid?: number; gid?: number }): Buffer[] {
    if (Buffer.byteLength(path) <= 100) {
        return [tarHeader(path, size, mode, type, options)];
    }
    const cut = path.lastIndexOf("/", 155);
    if (cut > 0 && Buffer.byteLength(path.slice(cut + 1)) <= 100 && Buffer.byteLength(path.slice(0, cut)) <= 155) {
        return [tarHeader(path.slice(cut + 1), size, mode, type, { ...options, prefix: path.slice(0, cut) })];
    }
    return [...paxPath(path), tarHeader(path.slice(-100), size, mode, type, options)];
}

/** A tar archive of the given entries (paths relative, no leading slash), ending in two zero blocks. */
export function tarArchive(entries: readonly ImageEntry[]): Buffer {
    const parts: Buffer[] = [];
    for (const entry of entries) {
        const path = entry.path.replace(/^\/+/, "");
        if (entry.kind === "dir") {
            parts.push(...entryHeader(`${path.replace(/\/$/, "")}/`, 0, entry.mode, "5", { uid: entry.uid, gid: entry.gid }));
        } else if (entry.kind === "symlink") {
            parts.push(...entryHeader(path, 0, 0o777, "2", { linkName: entry.target }));
        } else {
            parts.push(...entryHeader(path, entry.data.length, entry.mode, "0", {}), entry.data, padding(entry.data.length));
        }
    }
    parts.push(Buffer.alloc(1024));
    return Buffer.concat(parts);
}

/** Writes the image as an OCI layout archive to `out`; returns the manifest digest. */
export function writeOciArchive(spec: ImageSpec, out: string): string {
    const colon = spec.name.lastIndexOf(":");
    const tag = spec.name.slice(colon + 1);
    if (colon < 0 || spec.name.slice(colon).includes("/") || tag === "latest") {
        throw new Error(`image name ${spec.name} needs a tag other than latest`);
    }
    const layer = tarArchive(spec.entries);
    const layerDigest = `sha256:${sha256(layer)}`;
    const config = Buffer.from(
        JSON.stringify({
            created: EPOCH,
            architecture: "amd64",
            os: "linux",
            config: {
                User: spec.user,
                WorkingDir: spec.workingDir,
                Entrypoint: spec.entrypoint,
                ...(spec.cmd ? { Cmd: spec.cmd } : {}),
                Env: spec.env ?? ["PATH=/usr/local/bin:/usr/bin:/bin"],
            },
            // Uncompressed layer: its diff ID is the digest of the blob itself.
            rootfs: { type: "layers", diff_ids: [layerDigest] },
            history: [{ created: EPOCH, created_by: "lgtm-stack scripts/realNode/ociImage.ts" }],
        }),
    );
    const descriptor = (mediaType: string, data: Buffer) => ({ mediaType, digest: `sha256:${sha256(data)}`, size: data.length });
    const manifest = Buffer.from(
        JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: descriptor("application/vnd.oci.image.config.v1+json", config),
            layers: [descriptor("application/vnd.oci.image.layer.v1.tar", layer)],
        }),
    );
    const index = Buffer.from(
        JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.index.v1+json",
            manifests: [
                {
                    ...descriptor("application/vnd.oci.image.manifest.v1+json", manifest),
                    platform: { architecture: "amd64", os: "linux" },
                    annotations: { "io.containerd.image.name": spec.name, "org.opencontainers.image.ref.name": tag },
                },
            ],
        }),
    );
    const blob = (data: Buffer): ImageEntry => ({ kind: "file", path: `blobs/sha256/${sha256(data)}`, mode: 0o644, data });
    const archive = tarArchive([
        { kind: "file", path: "oci-layout", mode: 0o644, data: Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })) },
        { kind: "dir", path: "blobs", mode: 0o755 },
        { kind: "dir", path: "blobs/sha256", mode: 0o755 },
        blob(layer),
        blob(config),
        blob(manifest),
        { kind: "file", path: "index.json", mode: 0o644, data: index },
    ]);
    fs.writeFileSync(out, archive);
    return `sha256:${sha256(manifest)}`;
}
