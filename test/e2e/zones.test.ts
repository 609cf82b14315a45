/**
 * topology.zones on the real Pulumi engine and a real Kubernetes API (KWOK nodes, every pod
 * simulated): six nodes in three zones, the distributed stack with `zones: [a, b, c]`. The real
 * scheduler places each zone's StatefulSet in its zone; then one zone is lost (its nodes cordoned,
 * its pods deleted) and the pods that are Ready again are counted per zone: every zone-replicated
 * ring keeps two of its three zones, a write and read quorum for replication factor 3.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { ifFound, MERGE_PATCH, ServedPod } from "../../scripts/kubeClient";
import { LocalCluster, LocalStack } from "../../scripts/localCluster";
import { createDistributedStack } from "./distributedStack";

const STACK = "zones";
const NAMESPACE = "observability";
const ZONES = ["a", "b", "c"];
const NODES_PER_ZONE = 2;
/** The zone-replicated tiers, by the Kubernetes name of the tier (written out, not read from the code under test). */
const ZONED_TIERS = ["loki-ingester", "tempo-ingester", "mimir-ingester", "mimir-store-gateway"];

describe("topology.zones on KWOK nodes in three zones", { timeout: 30 * 60_000 }, () => {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-e2e-zones-"));
    const cluster = new LocalCluster(`lgtm-zones-${process.pid}`, workdir);
    let project: LocalStack;
    /** Node name → its zone label. */
    const zoneOfNode = new Map<string, string>();

    const pods = () => cluster.kube.pods(NAMESPACE);
    const ready = (pod: ServedPod) => (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    /** The StatefulSet owning a pod. */
    const owner = (pod: ServedPod) => pod.metadata.ownerReferences?.find((o) => o.kind === "StatefulSet")?.name ?? "";
    /** Ready pods of a tier per zone of the node they run on: `a:loki-ingester-zone-a` … */
    async function readyByZone(tier: string): Promise<string[]> {
        return (await pods())
            .filter((pod) => owner(pod).startsWith(`${tier}-zone-`) && ready(pod) && pod.spec.nodeName)
            .map((pod) => `${zoneOfNode.get(pod.spec.nodeName!)}:${owner(pod)}`)
            .sort();
    }

    before(async () => {
        await cluster.start();
        await cluster.scaleNodes(ZONES.length * NODES_PER_ZONE);
        const nodes = (await cluster.readyNodes()).sort();
        assert.equal(nodes.length, ZONES.length * NODES_PER_ZONE, `nodes: ${nodes.join(", ")}`);
        for (const [i, node] of nodes.entries()) {
            const zone = ZONES[Math.floor(i / NODES_PER_ZONE)];
            await cluster.kube.core.patchNode({ name: node, body: { metadata: { labels: { "topology.kubernetes.io/zone": zone } } } }, MERGE_PATCH);
            zoneOfNode.set(node, zone);
        }
        await cluster.createPersistentVolumes(40);
        project = await createDistributedStack(workdir, cluster.kubeconfig, STACK, { zones: ZONES });
    });

    after(async () => {
        await project?.destroy().catch(() => undefined);
        cluster.stop();
        fs.rmSync(workdir, { recursive: true, force: true });
    });

    test("pulumi up converges, and the scheduler puts each zone's StatefulSet, and only it, in its zone: one copy per zone", async () => {
        await project.up();
        for (const tier of ZONED_TIERS) {
            assert.deepEqual(await readyByZone(tier), [`a:${tier}-zone-a`, `b:${tier}-zone-b`, `c:${tier}-zone-c`], `${tier}: one Ready pod in each zone, of that zone's StatefulSet`);
        }
        // No StatefulSet for a whole zone-replicated tier remains beside the zones' ones.
        const statefulSets = (await cluster.kube.apps.listNamespacedStatefulSet({ namespace: NAMESPACE })).items.map((s) => s.metadata?.name ?? "");
        for (const tier of ZONED_TIERS) {
            assert.ok(!statefulSets.includes(tier), `no ${tier} StatefulSet: ${statefulSets.join(", ")}`);
        }
    });

    test("losing zone c (nodes cordoned, pods deleted) leaves every ring two of three zones with Ready pods; zone c's pods wait, Pending, for their zone", async () => {
        const lost = "c";
        const lostNodes = [...zoneOfNode.entries()].filter(([, zone]) => zone === lost).map(([node]) => node);
        for (const node of lostNodes) {
            await cluster.kube.core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, MERGE_PATCH);
        }
        const onLostNodes = (await pods()).filter((pod) => pod.spec.nodeName && lostNodes.includes(pod.spec.nodeName));
        assert.ok(onLostNodes.length >= ZONED_TIERS.length, `zone c ran at least the zoned tiers' pods: ${onLostNodes.map((p) => p.metadata.name).join(", ")}`);
        for (const pod of onLostNodes) {
            // Already gone (404) is as good.
            await ifFound(cluster.kube.core.deleteNamespacedPod({ namespace: NAMESPACE, name: pod.metadata.name, gracePeriodSeconds: 0 }));
        }
        // The StatefulSet controller recreates each zone-c pod (deleted at once: grace period 0); none may land outside zone c.
        await cluster.waitFor(
            "zone c's StatefulSets to recreate their pods, unplaced",
            async () => {
                const all = await pods();
                return ZONED_TIERS.every((tier) => all.some((pod) => pod.metadata.name === `${tier}-zone-${lost}-0` && pod.spec.nodeName === undefined));
            },
            120,
        );
        for (const tier of ZONED_TIERS) {
            const counted = await readyByZone(tier);
            const zones = new Set(counted.map((entry) => entry.split(":")[0]));
            assert.deepEqual(counted, [`a:${tier}-zone-a`, `b:${tier}-zone-b`], `${tier}: Ready pods left per zone`);
            assert.ok(zones.size >= 2, `${tier}: ${zones.size} of 3 zones Ready, quorum needs 2`);
            const waiting = (await pods()).find((pod) => pod.metadata.name === `${tier}-zone-${lost}-0`)!;
            assert.equal(waiting.spec.nodeName, undefined, `${tier}-zone-${lost}-0 is not placed outside its zone`);
            assert.equal(waiting.status.phase, "Pending");
        }
        console.log(`zone ${lost} lost: ${ZONED_TIERS.map((tier) => `${tier} 2/3 zones`).join(", ")}`);
    });
});
