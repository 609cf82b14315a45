/**
 * One component at a time under Pulumi mocks, in the style of pulumi-awsx's tests: mocks are set
 * once, before any component module is loaded; each test builds one component from rendered
 * artifacts and asserts on what it registered.
 */
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, waitForRegistrations } from "./support/mocks";

const recorded: RecordedResource[] = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call(args) {
            return args.inputs;
        },
    },
    "lgtm-stack",
    "components",
    false,
);

// Loaded after the mocks, so every resource they create goes to the mock monitor.
/* eslint-disable @typescript-eslint/no-require-imports */
const k8s = require("@pulumi/kubernetes") as typeof import("@pulumi/kubernetes");
const { ObservedService } = require("../components/observedService") as typeof import("../components/observedService");
const { LgtmStack } = require("../components/stack") as typeof import("../components/stack");
const { renderService, renderStack } = require("../render") as typeof import("../render");
const { loadServiceSpec } = require("../config/load") as typeof import("../config/load");
const { knownRunbooks, loadStack } = require("./support/fixtures") as typeof import("./support/fixtures");
/* eslint-enable @typescript-eslint/no-require-imports */

async function build(construct: () => void): Promise<RecordedResource[]> {
    construct();
    await waitForRegistrations();
    return [...recorded];
}

const byType = (resources: readonly RecordedResource[], type: string) => resources.filter((r) => r.type === type);

describe("ObservedService, built alone from a rendered bundle", () => {
    beforeEach(() => {
        recorded.length = 0;
    });

    test("a scraped service patches exactly its own rule and scrape keys into the stack's ConfigMaps", async () => {
        const config = loadStack("dev");
        const spec = loadServiceSpec(
            { name: "checkout", namespace: "shop", discovery: { kind: "scrape", selector: { app: "checkout" }, port: "metrics" }, conventions: { preset: "prometheus-http" }, slos: [{ kind: "availability", objective: 99.9 }] },
            { knownRunbooks },
        );
        const resources = await build(() => new ObservedService("shop-checkout", { target: { namespace: "observability", prometheusConfigMaps: [] }, service: renderService(config, spec) }));
        const patches = byType(resources, "kubernetes:core/v1:ConfigMapPatch");
        assert.deepEqual(
            patches.map((p) => [p.name, p.inputs.metadata.name, p.inputs.metadata.namespace, Object.keys(p.inputs.data)]),
            [
                ["shop-checkout-rules", "prometheus-rules", "observability", ["service-checkout.yaml"]],
                ["shop-checkout-scrape", "prometheus-scrape", "observability", ["checkout.yaml"]],
            ],
        );
        for (const patch of patches) {
            assert.equal(patch.inputs.metadata.annotations["pulumi.com/patchFieldManager"], "lgtm-service-checkout", "each service owns its keys under its own field manager");
        }
        assert.match(patches[0].inputs.data["service-checkout.yaml"], /alert: FastBudgetBurn/);
        assert.match(patches[1].inputs.data["checkout.yaml"], /job_name: checkout/);
    });

    test("an OTLP service has no scrape job to patch", async () => {
        const config = loadStack("dev");
        const spec = loadServiceSpec({ name: "mailer", slos: [{ kind: "availability", objective: 99 }] }, { knownRunbooks });
        const resources = await build(() => new ObservedService("mailer", { target: { namespace: "observability", prometheusConfigMaps: [] }, service: renderService(config, spec) }));
        assert.deepEqual(byType(resources, "kubernetes:core/v1:ConfigMapPatch").map((p) => p.name), ["mailer-rules"]);
    });
});

describe("LgtmStack, built alone", () => {
    beforeEach(() => {
        recorded.length = 0;
    });

    const stackArgs = () => {
        const config = loadStack("dev");
        return { config, rendered: renderStack(config, []), secrets: {} };
    };

    test("uses the Kubernetes provider its caller passes and creates none of its own", async () => {
        const resources = await build(() => {
            const provider = new k8s.Provider("callers-cluster", { enableConfigMapMutable: true });
            new LgtmStack("obs", stackArgs(), { providers: { kubernetes: provider } });
        });
        assert.deepEqual(byType(resources, "pulumi:providers:kubernetes").map((p) => p.name), ["callers-cluster"]);
    });

    test("without a provider creates one of its own that updates ConfigMaps in place", async () => {
        const resources = await build(() => new LgtmStack("obs", stackArgs()));
        const providers = byType(resources, "pulumi:providers:kubernetes");
        assert.deepEqual(providers.map((p) => [p.name, p.inputs.enableConfigMapMutable]), [["obs-kubernetes", "true"]]);
    });

    test("two stacks with the same services in one program do not collide: every child carries its stack's name", async () => {
        const resources = await build(() => {
            new LgtmStack("blue", stackArgs());
            new LgtmStack("green", stackArgs());
        });
        const names = resources.map((r) => `${r.type}::${r.name}`);
        assert.equal(new Set(names).size, names.length, "no two resources share a type and name");
        const services = byType(resources, "lgtm:services:ObservedService").map((r) => r.name).sort();
        assert.deepEqual(services, ["blue-api", "blue-session-start", "blue-transcoding", "blue-video-load", "green-api", "green-session-start", "green-transcoding", "green-video-load"]);
    });
});
