/**
 * Scratch space under Pulumi mocks: every container the program registers, in the dev, prod and
 * prod-distributed stacks, requests and is limited in ephemeral-storage, every emptyDir has a
 * `sizeLimit`, and a pod's limits cover its emptyDirs and its logs (the kubelet charges both
 * against them). The sizes a user gets are written here by hand from the README's table.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { RecordedResource, runStack } from "../support/mocks";
import { distributedOverrides, OBJECT_STORAGE_SECRETS } from "../support/topology";

interface Pod {
    readonly workload: string;
    readonly spec: Record<string, any>;
}

/** Every pod template the program registers: Deployments, StatefulSets, DaemonSets (and any Job or CronJob). */
function podTemplates(resources: readonly RecordedResource[]): Pod[] {
    return resources.flatMap((r) => {
        const spec = r.inputs.spec?.template?.spec ?? r.inputs.spec?.jobTemplate?.spec?.template?.spec;
        return spec ? [{ workload: `${r.type.split(":")[2]}/${r.inputs.metadata?.name}`, spec }] : [];
    });
}

/** MiB of a quantity the stack writes (`<n>Mi`); anything else fails the test. */
function mebibytes(quantity: unknown, what: string): number {
    const match = /^(\d+)Mi$/.exec(String(quantity));
    assert.ok(match, `${what}: ${String(quantity)} is not a quantity in Mi`);
    return Number(match[1]);
}

/** What the kubelet's log rotation keeps per container by default (10Mi × 5 files), rounded up to the stack's allowance. */
const LOGS_MI = 64;

function checkPods(pods: readonly Pod[]): string[] {
    const problems: string[] = [];
    for (const { workload, spec } of pods) {
        const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
        let limits = 0;
        for (const container of containers) {
            const request = container.resources?.requests?.["ephemeral-storage"];
            const limit = container.resources?.limits?.["ephemeral-storage"];
            if (request === undefined || limit === undefined) {
                problems.push(`${workload} container ${container.name}: ephemeral-storage request ${request}, limit ${limit}`);
                continue;
            }
            limits += mebibytes(limit, `${workload} ${container.name}`);
        }
        let scratch = containers.length * LOGS_MI;
        for (const volume of (spec.volumes ?? []).filter((v: any) => v.emptyDir)) {
            if (volume.emptyDir.sizeLimit === undefined) {
                problems.push(`${workload} emptyDir ${volume.name}: no sizeLimit`);
                continue;
            }
            scratch += mebibytes(volume.emptyDir.sizeLimit, `${workload} ${volume.name}`);
        }
        if (limits < scratch) {
            problems.push(`${workload}: containers limited to ${limits}Mi, but its emptyDirs and logs may take ${scratch}Mi`);
        }
    }
    return problems;
}

function pod(pods: readonly Pod[], workload: string): Pod {
    const found = pods.find((p) => p.workload === workload);
    assert.ok(found, `${workload} is registered: ${pods.map((p) => p.workload).join(", ")}`);
    return found;
}

const emptyDirs = (p: Pod) => Object.fromEntries((p.spec.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => [v.name, v.emptyDir.sizeLimit]));
const storage = (p: Pod) => p.spec.containers.map((c: any) => `${c.name} ${c.resources.requests["ephemeral-storage"]}/${c.resources.limits["ephemeral-storage"]}`);

describe("every container has ephemeral-storage requests and limits, every emptyDir a sizeLimit", () => {
    const stacks: Record<string, Pod[]> = {};
    before(async () => {
        stacks.dev = podTemplates((await runStack("dev")).resources);
        stacks.prod = podTemplates((await runStack("prod")).resources);
        const distributed = distributedOverrides();
        stacks["prod-distributed"] = podTemplates((await runStack("prod", distributed, OBJECT_STORAGE_SECRETS)).resources);
        // Distributed without volumes: the stateful tiers' data moves to emptyDirs.
        stacks["dev-distributed"] = podTemplates((await runStack("dev", { ...distributed, loki: { storage: (distributed.loki as any).storage, persistence: { enabled: false } } }, OBJECT_STORAGE_SECRETS)).resources);
    });

    for (const stack of ["dev", "prod", "prod-distributed", "dev-distributed"]) {
        test(`${stack}: no container without them, no emptyDir without a sizeLimit, no pod whose scratch outgrows its limits`, () => {
            assert.ok(stacks[stack].length >= 10, `${stack} registers its workloads (${stacks[stack].length})`);
            assert.deepEqual(checkPods(stacks[stack]), []);
        });
    }

    test("dev: Loki's and Tempo's data on emptyDirs of 2Gi, /tmp 64Mi; each container reserves that plus 64Mi of logs", () => {
        for (const backend of ["loki", "tempo"]) {
            const p = pod(stacks.dev, `StatefulSet/${backend}`);
            assert.deepEqual(emptyDirs(p), { data: "2048Mi", tmp: "64Mi" });
            assert.deepEqual(storage(p), [`${backend} 2176Mi/2176Mi`]);
        }
        assert.deepEqual(emptyDirs(pod(stacks.dev, "StatefulSet/alertmanager")), { data: "64Mi", tmp: "64Mi" });
        // dev's Grafana also runs the dashboard sidecar (grafana.dashboardConfigMaps): its folder and /tmp, 64Mi each.
        const grafana = pod(stacks.dev, "Deployment/grafana");
        // The services' expanded dashboards: dev's 4 services have 8 dashboards of under 100 KiB each, under 1 MiB, plus 2 MiB to spare.
        assert.deepEqual(emptyDirs(grafana), { data: "512Mi", tmp: "256Mi", "service-dashboards": "3Mi", "namespace-dashboards": "64Mi", "dashboards-sidecar-tmp": "64Mi" });
        // Each container: its logs (64Mi) plus every emptyDir it writes: Grafana 256 + 512, the expander its folder (3), the sidecar its /tmp and the folder, 64 each.
        assert.deepEqual(storage(grafana), ["grafana 832Mi/832Mi", "dashboard-expander 67Mi/67Mi", "dashboards 192Mi/192Mi"]);
    });

    test("prod: data on volumes, so only /tmp is scratch; agents and exporters reserve their logs", () => {
        assert.deepEqual(emptyDirs(pod(stacks.prod, "StatefulSet/loki")), { tmp: "64Mi" });
        assert.deepEqual(storage(pod(stacks.prod, "StatefulSet/loki")), ["loki 128Mi/128Mi"]);
        assert.deepEqual(storage(pod(stacks.prod, "StatefulSet/prometheus")), ["prometheus 128Mi/128Mi"]);
        assert.deepEqual(storage(pod(stacks.prod, "DaemonSet/node-exporter")), ["node-exporter 64Mi/64Mi"]);
        assert.deepEqual(storage(pod(stacks.prod, "DaemonSet/otel-agent")), ["otel-agent 128Mi/128Mi"]);
    });

    test("prod-distributed: each tier sized for its work: a querier's cache 4Gi, a scheduler's 64Mi; ingesters on volumes", () => {
        assert.deepEqual(emptyDirs(pod(stacks["prod-distributed"], "Deployment/loki-querier")), { data: "4096Mi", tmp: "64Mi" });
        assert.deepEqual(storage(pod(stacks["prod-distributed"], "Deployment/loki-querier")), ["querier 4224Mi/4224Mi"]);
        assert.deepEqual(emptyDirs(pod(stacks["prod-distributed"], "Deployment/mimir-query-scheduler")), { data: "64Mi", tmp: "64Mi" });
        assert.deepEqual(emptyDirs(pod(stacks["prod-distributed"], "StatefulSet/mimir-ingester")), { tmp: "64Mi" });
        assert.deepEqual(emptyDirs(pod(stacks["dev-distributed"], "StatefulSet/loki-ingester")), { data: "4096Mi", tmp: "64Mi" });
    });
});
