/**
 * A test run that the reclaim suite kills: starts a real-node cluster as its own process, prints
 * `READY <workdir> <sandbox name>` and waits to be killed (SIGKILL: no teardown runs).
 */
import { RealNodeCluster } from "../../scripts/realNode/cluster";

const cluster = RealNodeCluster.forTest();
cluster
    .start()
    .then(() => {
        console.log(`READY ${cluster.workdir} ${cluster.sandbox!.name}`);
        // Bounded: a suite that dies before killing it leaves a run that ends itself.
        setTimeout(() => void cluster.stop().then(() => process.exit(2)), 20 * 60_000);
    })
    .catch(async (error: Error) => {
        console.error(error.message);
        await cluster.stop();
        process.exit(1);
    });
