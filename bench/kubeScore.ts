/**
 * kube-score: the real kube-score (built by scripts/tools.sh) on every Kubernetes object the program
 * registers in the dev, prod and prod-distributed stacks under Pulumi mocks, as multi-document YAML.
 * Prints the findings per check and stack, each with its verdict: accepted for the reason listed
 * below (BENCHMARKS.md §7, one line each) when that reason holds for the object, otherwise real.
 * A real finding fails the section: the goal is none left.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import versions from "../tools/versions.json";
import { RecordedResource, runStack } from "../test/support/mocks";
import { distributedOverrides, OBJECT_STORAGE_SECRETS } from "../test/support/topology";
import { cachedTool } from "../scripts/dev/tools";
import { run } from "../scripts/dev/processes";
import { BenchOptions, printTable } from "./report";

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any };

const STACKS: readonly { name: string; render: () => Promise<{ resources: RecordedResource[] }> }[] = [
    { name: "dev", render: () => runStack("dev") },
    { name: "prod", render: () => runStack("prod") },
    { name: "prod-distributed", render: () => runStack("prod", distributedOverrides(), OBJECT_STORAGE_SECRETS) },
];

/** Checks kube-score skips with `--ignore-test`, and why none of their findings could be a defect here. */
const IGNORED_TESTS: Readonly<Record<string, string>> = {
    "container-image-pull-policy":
        "every image is pinned to a release tag (kube-score's container-image-tag passes on every container), so IfNotPresent pulls each once; Always would make every pod start depend on the registry",
};

interface Acceptance {
    readonly check: string;
    /** One line: why this finding is not a defect of the stack. */
    readonly why: string;
    /** Whether the reason holds for this object of this stack; where it does not, the finding is real. */
    readonly holds: (object: Manifest, stack: readonly Manifest[]) => boolean;
}

const podTemplate = (object: Manifest) => object.spec?.template ?? {};
const named = (...names: string[]) => (object: Manifest) => names.includes(object.metadata.name);
const subset = (wanted: Record<string, string> = {}, labels: Record<string, string> = {}) => Object.entries(wanted).every(([key, value]) => labels[key] === value);

/** Spread by topologySpreadConstraints on the node label instead of a podAntiAffinity (which is all kube-score's check reads). */
const spreadOverNodes = (object: Manifest) =>
    (podTemplate(object).spec?.topologySpreadConstraints ?? []).some(
        (c: any) => c.topologyKey === "kubernetes.io/hostname" && c.maxSkew === 1 && subset(c.labelSelector?.matchLabels, podTemplate(object).metadata?.labels),
    );

const ACCEPTED: readonly Acceptance[] = [
    {
        check: "pod-networkpolicy",
        why: "networkPolicies is off in this stack (the dev profile's default); where it is on, the default-deny policies select every pod",
        holds: (_object, stack) => !stack.some((o) => o.kind === "NetworkPolicy"),
    },
    {
        check: "networkpolicy-targets-pod",
        why: "selects the Prometheus agent's pods, which the Prometheus Operator creates from the PrometheusAgent object; kube-score sees no pod template for them",
        holds: (object, stack) => object.spec?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "prometheus-agent" && stack.some((o) => o.kind === "PrometheusAgent"),
    },
    {
        check: "statefulset-has-host-podantiaffinity",
        why: "spread by topologySpreadConstraints on kubernetes.io/hostname (maxSkew 1), which kube-score's check does not read",
        holds: spreadOverNodes,
    },
    {
        check: "deployment-has-host-podantiaffinity",
        why: "spread by topologySpreadConstraints on kubernetes.io/hostname (maxSkew 1), which kube-score's check does not read",
        holds: spreadOverNodes,
    },
    {
        check: "deployment-targeted-by-hpa-does-not-have-replicas-configured",
        why: "the count is the HPA's floor, for creation only: the Deployment has ignoreChanges spec.replicas, so the provider applies the live count on every update",
        holds: (object, stack) =>
            stack.some((o) => o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.name === object.metadata.name && o.spec?.minReplicas === object.spec?.replicas),
    },
    {
        check: "pod-probes-identical",
        why: "each of these programs has one health endpoint, with no other service behind it (Grafana's reads its own SQLite); liveness starts 25s after readiness",
        holds: named("otel-agent", "otel-collector", "otel-collector-lb", "grafana", "prometheus-operator", "blackbox-exporter", "node-exporter"),
    },
    {
        check: "container-security-context-user-group-id",
        why: "otel-agent runs as UID 0 without capabilities to read root-owned CRI logs (README, Security); Grafana and its sidecar run as the image's own user 472",
        holds: (object) =>
            (object.metadata.name === "otel-agent" && podTemplate(object).spec?.securityContext?.runAsUser === 0) ||
            (object.metadata.name === "grafana" && podTemplate(object).spec?.securityContext?.runAsUser === 472),
    },
    {
        check: "deployment-replicas",
        why: "Grafana is one writer of SQLite on a ReadWriteOnce volume; a blackbox restart leaves missing probe samples, which the probe SLIs count neither as attempts nor errors; Tempo's compactor works in the background, and no component sends it requests",
        holds: named("grafana", "blackbox-exporter", "tempo-compactor"),
    },
    {
        check: "deployment-strategy",
        why: "Grafana is one writer of SQLite on a ReadWriteOnce volume: Recreate, never two pods at once",
        holds: (object) => object.metadata.name === "grafana" && object.spec?.strategy?.type === "Recreate",
    },
];

/** kube-score's JSON output (v2), the fields read here. */
interface ScoredObject {
    readonly type_meta: { kind: string };
    readonly object_meta: { name: string; namespace?: string };
    readonly checks: { check: { id: string }; grade: number; skipped: boolean }[];
}

/** kube-score's grades (scorecard/scorecard.go): 1 critical, 5 warning, 7 and 10 OK. */
const GRADES: Readonly<Record<number, string>> = { 1: "CRITICAL", 5: "WARNING" };

/** Every Kubernetes object the program registers, as applied: CRDs and non-Kubernetes resources (Grafana's provider, random) left out. */
function manifests(resources: readonly RecordedResource[]): Manifest[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition")
        .map((r) => {
            const { apiVersion, kind, metadata, ...rest } = r.inputs;
            return { apiVersion, kind, metadata, ...rest };
        });
}

const key = (kind: string, name: string, namespace?: string) => `${kind}/${namespace ?? ""}/${name}`;

export async function kubeScore(options: BenchOptions): Promise<void> {
    const binary = cachedTool("kube-score");
    if (!binary) {
        console.log("\nSKIPPED kube-score: kube-score not built (npm run tools -- build kube-score, about 1 min)");
        return;
    }
    // The cluster version the stack targets (the control plane the e2e suite runs), as kube-score's vN.NN.
    const kubernetesVersion = /^v\d+\.\d+/.exec(versions.tools.kubernetes.version)![0];
    const version = run(binary, ["version"]).stdout.trim();
    const dir = path.join(options.scratch, "kube-score");
    fs.mkdirSync(dir, { recursive: true });
    const totals: string[][] = [];
    const real: string[] = [];
    for (const stack of STACKS) {
        const objects = manifests((await stack.render()).resources);
        const file = path.join(dir, `${stack.name}.yaml`);
        fs.writeFileSync(file, objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join("---\n"));
        const ignore = Object.keys(IGNORED_TESTS).flatMap((id) => ["--ignore-test", id]);
        const result = run(binary, ["score", "--output-format", "json", "--kubernetes-version", kubernetesVersion, ...ignore, file], undefined, { timeoutMs: 120_000, nice: true });
        // Exit code 1 means "a critical finding"; anything but a JSON array is the tool failing.
        if (!result.stdout.trimStart().startsWith("[")) {
            throw new Error(`kube-score failed on ${stack.name} (exit ${result.code}): ${result.output.slice(0, 500)}`);
        }
        const scored = JSON.parse(result.stdout) as ScoredObject[];
        const byKey = new Map(objects.map((o) => [key(o.kind, o.metadata.name, o.metadata.namespace), o]));
        const findings = new Map<string, { grade: string; objects: string[]; accepted: number }>();
        for (const object of scored) {
            for (const check of object.checks.filter((c) => !c.skipped && GRADES[c.grade])) {
                const manifest = byKey.get(key(object.type_meta.kind, object.object_meta.name, object.object_meta.namespace));
                const acceptance = ACCEPTED.find((a) => a.check === check.check.id);
                const accepted = manifest !== undefined && acceptance !== undefined && acceptance.holds(manifest, objects);
                const row = `${check.check.id}\t${GRADES[check.grade]}`;
                const entry = findings.get(row) ?? { grade: GRADES[check.grade], objects: [], accepted: 0 };
                entry.objects.push(`${object.type_meta.kind}/${object.object_meta.name}${accepted ? "" : " (REAL)"}`);
                entry.accepted += accepted ? 1 : 0;
                findings.set(row, entry);
                if (!accepted) {
                    real.push(`${stack.name}: ${check.check.id} ${object.type_meta.kind}/${object.object_meta.name}`);
                }
            }
        }
        const rows = [...findings.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([row, f]) => [row.split("\t")[0], f.grade, String(f.objects.length), f.objects.sort().join(", "), f.accepted === f.objects.length ? "accepted" : `**${f.objects.length - f.accepted} real**`]);
        printTable(`${stack.name}: ${objects.length} objects written, ${scored.length} scored by kube-score`, ["check", "grade", "count", "objects", "verdict"], rows);
        const count = rows.reduce((sum, r) => sum + Number(r[2]), 0);
        const stackReal = real.filter((r) => r.startsWith(`${stack.name}:`)).length;
        totals.push([stack.name, String(objects.length), String(scored.length), String(count), String(count - stackReal), String(stackReal)]);
    }
    printTable("Totals", ["stack", "objects written", "objects scored", "findings", "accepted", "real"], totals, [
        `${version}, \`score --output-format json --kubernetes-version ${kubernetesVersion}\` on each stack's objects under Pulumi mocks (test/support/mocks.ts runStack; prod-distributed: prod with test/support/topology.ts distributedOverrides), CRDs and non-Kubernetes resources left out.`,
        `Ignored with --ignore-test: ${Object.entries(IGNORED_TESTS).map(([id, why]) => `${id} (${why})`).join("; ")}.`,
        ...ACCEPTED.filter((a, i) => ACCEPTED.findIndex((b) => b.why === a.why) === i).map((a) => `Accepted ${ACCEPTED.filter((b) => b.why === a.why).map((b) => b.check).join(", ")}: ${a.why}.`),
    ]);
    if (real.length > 0) {
        throw new Error(`${real.length} real kube-score findings:\n${real.join("\n")}`);
    }
}
