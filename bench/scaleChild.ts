/**
 * One program evaluation under Pulumi mocks with N services (two SLOs each), in its own process so
 * its peak RSS is its own: prints one JSON line for bench/programScale.ts.
 */
import { runStack } from "../test/support/mocks";
import { generatedServices } from "../test/support/fleet";

async function main(): Promise<void> {
    const count = Number(process.argv[2]);
    const services = generatedServices(count);
    const begin = performance.now();
    const { resources } = await runStack("dev", { services });
    // Registration continues while outputs resolve: wait until the count holds still for 250ms.
    let seen = -1;
    for (let i = 0; i < 400 && seen !== resources.length; i++) {
        seen = resources.length;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const evaluationMs = performance.now() - begin - 250;
    // What the engine would receive: every resource's inputs, serialised.
    const inputBytes = resources.reduce((sum, r) => sum + JSON.stringify(r.inputs).length, 0);
    console.log(JSON.stringify({ count, evaluationMs, resources: resources.length, inputBytes, maxRssKiB: process.resourceUsage().maxRSS }));
    process.exit(0);
}

main().catch((error) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
});
