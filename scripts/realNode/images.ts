/**
 * The container images the real node runs, assembled here from the binaries scripts/tools.sh builds
 * (no registry exists here), under exactly the references the stack's pod specs name
 * (tools/versions.json `images`), laid out as the upstream images are: binary path, user, working
 * directory, entrypoint. Loki, Tempo and Grafana are AGPL and never built: they have no image here.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../io/stackSources";
import { KUBE_STATE_METRICS, NODE_EXPORTER } from "../../model/infrastructure";
import versions from "../../tools/versions.json";
import { ImageEntry, ImageSpec, writeOciArchive } from "./ociImage";

/** Tools the images are made of. */
export const IMAGE_TOOLS = ["prometheus", "alertmanager", "otelcol", "node_exporter", "kube-state-metrics", "coredns", "agnhost", "node", "prometheus-operator", "prometheus-config-reloader", "blackbox_exporter"] as const;

/** The sandbox ("pause") image containerd pins; agnhost's `pause` command is upstream Kubernetes' own pause program. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10.1";
export const COREDNS_IMAGE = `registry.k8s.io/coredns/coredns:${versions.tools.coredns.version}`;
export const DEMO_SERVICE_REPOSITORY = "lgtm-stack.local/demo-service";

/**
 * The reference as the kubelet asks containerd for it: a name without a registry is Docker Hub's
 * (`otel/opentelemetry-collector-contrib` is `docker.io/otel/opentelemetry-collector-contrib`), so
 * an image imported under the short name would never be found.
 */
export function normalizedReference(name: string): string {
    const first = name.split("/")[0];
    if (name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) {
        return name;
    }
    return name.includes("/") ? `docker.io/${name}` : `docker.io/library/${name}`;
}

const ref = (image: { repository: string; tag: string }) => normalizedReference(`${image.repository}:${image.tag}`);

/** A tool built at the version the stack deploys, or a loud failure: the image must run what its tag says. */
function sameVersion(tool: keyof typeof versions.tools, tag: string): void {
    const built = versions.tools[tool].version;
    if (built !== tag) {
        throw new Error(`tools/versions.json tools.${tool} is ${built}, but the stack deploys ${tag}; build the deployed version`);
    }
}

export interface BuiltImage {
    readonly name: string;
    readonly archive: string;
    readonly digest: string;
}

/** Users the images know by name (numeric in every pod spec; names only make `id` and logs readable). */
const PASSWD = ["root:x:0:0:root:/root:/sbin/nologin", "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin", "otel:x:10001:10001:otel:/:/sbin/nologin", "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin", ""].join("\n");
const GROUP = ["root:x:0:", "nobody:x:65534:", "otel:x:10001:", "nonroot:x:65532:", ""].join("\n");

function base(): ImageEntry[] {
    return [
        { kind: "dir", path: "etc", mode: 0o755 },
        { kind: "file", path: "etc/passwd", mode: 0o644, data: Buffer.from(PASSWD) },
        { kind: "file", path: "etc/group", mode: 0o644, data: Buffer.from(GROUP) },
        { kind: "dir", path: "tmp", mode: 0o1777 },
    ];
}

function binary(at: string, source: string): ImageEntry[] {
    const parent = path.posix.dirname(at);
    const dirs = parent === "." ? [] : parent.split("/");
    return [...dirs.map((_, i) => ({ kind: "dir" as const, path: dirs.slice(0, i + 1).join("/"), mode: 0o755 })), { kind: "file", path: at, mode: 0o755, data: fs.readFileSync(source) }];
}

/** The dynamic libraries a binary loads (glibc, libstdc++), at the paths the loader looks for them. */
function sharedLibraries(executable: string): ImageEntry[] {
    const out = execFileSync("ldd", [executable], { encoding: "utf8" });
    const entries: ImageEntry[] = [];
    const dirs = new Set<string>();
    for (const line of out.split("\n")) {
        const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
        if (!match) {
            continue;
        }
        const at = match[1];
        for (let dir = path.posix.dirname(at); dir !== "/"; dir = path.posix.dirname(dir)) {
            dirs.add(dir);
        }
        entries.push({ kind: "file", path: at, mode: 0o755, data: fs.readFileSync(fs.realpathSync(at)) });
    }
    const dirEntries = [...dirs].sort().map((dir): ImageEntry => ({ kind: "dir", path: dir, mode: 0o755 }));
    return [...dirEntries, ...entries];
}

/** The demo service bundled into one file by esbuild (tsx's own compiler), so the image needs no node_modules. */
function bundleDemoService(): Buffer {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const result = esbuild.buildSync({
        entryPoints: [path.join(PROJECT_ROOT, "demo-service/server.ts")],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        write: false,
        logLevel: "error",
    });
    return Buffer.from(result.outputFiles[0].contents);
}

/** Every image spec, from the cached tools (`toolPath(name)` gives a built binary). */
export function imageSpecs(toolPath: (tool: string) => string): ImageSpec[] {
    sameVersion("node_exporter", NODE_EXPORTER.image.tag);
    sameVersion("kube-state-metrics", KUBE_STATE_METRICS.image.tag);
    const demo = bundleDemoService();
    const node = toolPath("node");
    return [
        {
            // upstream: /bin/prometheus, WORKDIR /prometheus owned by nobody, USER nobody
            name: ref(versions.images.prometheus),
            entries: [...base(), ...binary("bin/prometheus", toolPath("prometheus")), { kind: "dir", path: "prometheus", mode: 0o755, uid: 65534, gid: 65534 }],
            user: "65534:65534",
            workingDir: "/prometheus",
            entrypoint: ["/bin/prometheus"],
        },
        {
            name: ref(versions.images.alertmanager),
            entries: [...base(), ...binary("bin/alertmanager", toolPath("alertmanager")), { kind: "dir", path: "alertmanager", mode: 0o755, uid: 65534, gid: 65534 }],
            user: "65534:65534",
            workingDir: "/alertmanager",
            entrypoint: ["/bin/alertmanager"],
        },
        {
            // The Collector built from tools/otelcol/builder-config.yaml, under the contrib image's name and layout.
            name: ref(versions.images.otelcol),
            entries: [...base(), ...binary("otelcol-contrib", toolPath("otelcol"))],
            user: "10001:10001",
            workingDir: "/",
            entrypoint: ["/otelcol-contrib"],
        },
        {
            // upstream: /bin/node_exporter, USER nobody
            name: ref(NODE_EXPORTER.image),
            entries: [...base(), ...binary("bin/node_exporter", toolPath("node_exporter"))],
            user: "65534:65534",
            workingDir: "/",
            entrypoint: ["/bin/node_exporter"],
        },
        {
            // upstream: /kube-state-metrics, USER 65534
            name: ref(KUBE_STATE_METRICS.image),
            entries: [...base(), ...binary("kube-state-metrics", toolPath("kube-state-metrics"))],
            user: "65534:65534",
            workingDir: "/",
            entrypoint: ["/kube-state-metrics"],
        },
        {
            // upstream: /bin/operator, USER nobody
            name: ref(versions.images["prometheus-operator"]),
            entries: [...base(), ...binary("bin/operator", toolPath("prometheus-operator"))],
            user: "65534:65534",
            workingDir: "/",
            entrypoint: ["/bin/operator"],
        },
        {
            // upstream: /bin/prometheus-config-reloader, USER nobody; the operator names it as its sidecars' command
            name: ref(versions.images["prometheus-config-reloader"]),
            entries: [...base(), ...binary("bin/prometheus-config-reloader", toolPath("prometheus-config-reloader"))],
            user: "65534:65534",
            workingDir: "/",
            entrypoint: ["/bin/prometheus-config-reloader"],
        },
        {
            // upstream: /bin/blackbox_exporter, USER nobody
            name: ref(versions.images["blackbox-exporter"]),
            entries: [...base(), ...binary("bin/blackbox_exporter", toolPath("blackbox_exporter"))],
            user: "65534:65534",
            workingDir: "/",
            entrypoint: ["/bin/blackbox_exporter"],
        },
        {
            name: COREDNS_IMAGE,
            entries: [...base(), ...binary("coredns", toolPath("coredns"))],
            user: "65532:65532",
            workingDir: "/",
            entrypoint: ["/coredns"],
        },
        {
            name: PAUSE_IMAGE,
            entries: [...base(), ...binary("agnhost", toolPath("agnhost"))],
            user: "65535:65535",
            workingDir: "/",
            entrypoint: ["/agnhost", "pause"],
        },
        {
            // Tagged by content: a changed demo service is a new image, never a stale cached one.
            name: `${DEMO_SERVICE_REPOSITORY}:${createHash("sha256").update(demo).digest("hex").slice(0, 12)}`,
            entries: [...base(), ...sharedLibraries(node), ...binary("usr/local/bin/node", node), { kind: "dir", path: "app", mode: 0o755 }, { kind: "file", path: "app/server.js", mode: 0o644, data: demo }],
            user: "65532:65532",
            workingDir: "/app",
            entrypoint: ["/usr/local/bin/node", "/app/server.js"],
            env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"],
        },
    ];
}

/** Writes every image archive into `dir` (one `<name>.tar` each). */
export function buildImages(dir: string, toolPath: (tool: string) => string): BuiltImage[] {
    fs.mkdirSync(dir, { recursive: true });
    return imageSpecs(toolPath).map((spec) => {
        const archive = path.join(dir, `${spec.name.replace(/[/:]/g, "_")}.tar`);
        return { name: spec.name, archive, digest: writeOciArchive(spec, archive) };
    });
}
