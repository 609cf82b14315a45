/**
 * Rule and scrape files spread over `prometheus.configMapShards` ConfigMaps, each within the API
 * server's 1 MiB limit. Hash values are FNV-1a's published test vectors and, for service names,
 * worked out with an FNV-1a written apart from the product (a Python one-liner); the shard is the
 * hash modulo the count, which for 4 shards is the last hex digit of the hash modulo 4.
 *
 * Shards carry the services' files only with `operator.enabled: false`; with the operator (the
 * default) a service is a PrometheusRule the operator packs itself (last cases).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadServiceSpec, loadStackConfig } from "../../config/load";
import { renderService, renderStack } from "../../render";
import { fnv1a32, prometheusShard } from "../../render/prometheus";
import { operatorRuleConfigMapCount } from "../../model/operator";
import { knownRunbooks, minimalRaw } from "../support/fixtures";

/** What the API server accepts (1 MiB, k8s.io/kubernetes pkg/apis/core/types.go MaxSecretSize) less the 64 KiB we keep free. */
const BUDGET = 1048576 - 65536;

/** `count` services named svc-001, svc-002, … with two SLOs each: equal names' lengths give equal rule files. */
function fleet(count: number) {
    return Array.from({ length: count }, (_, i) => ({
        name: `svc-${String(i + 1).padStart(3, "0")}`,
        histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4],
        slos: [{ kind: "availability", objective: 99.9 }, { kind: "latency", percentile: 95, threshold: "2s" }],
    }));
}

function stackWith(services: unknown[], configMapShards?: number) {
    // Without the operator: with it, the services' files are PrometheusRule objects, not shard content.
    return loadStackConfig(minimalRaw({ services, operator: { enabled: false }, ...(configMapShards === undefined ? {} : { prometheus: { configMapShards } }) }), { knownRunbooks });
}

/** Bytes of the stack's rule file and of one fleet service's, read from a render that fits (the files are this test's input, not its subject). */
function fileSizes(count: number) {
    const rendered = renderStack(stackWith(fleet(count), 64), []);
    const sizes = new Set(rendered.services.map((service) => Buffer.byteLength(service.ruleFile!.content)));
    assert.equal(sizes.size, 1, "every generated service's rule file has the same size");
    return { stack: Buffer.byteLength(rendered.stackRuleFile.content), service: [...sizes][0] };
}

const refusal = (run: () => unknown) => {
    try {
        run();
    } catch (error) {
        return (error as Error).message;
    }
    return assert.fail("expected the render to be refused");
};

const budgetNote =
    "the 983040 bytes a shard may hold (the API server refuses a ConfigMap whose data exceeds 1048576 bytes; 65536 are kept free for services declared in code and the object's metadata)";

describe("the shard of a service", () => {
    test("FNV-1a gives the published 32-bit test vectors", () => {
        assert.equal(fnv1a32(""), 0x811c9dc5);
        assert.equal(fnv1a32("a"), 0xe40c292c);
        assert.equal(fnv1a32("foobar"), 0xbf9cf968);
    });

    test("with 4 shards: checkout 1, payments 2, api 3, session-start 2, foobar 0; with 1 shard every service is in shard 0", () => {
        // checkout 0x4db95739, payments 0xca39f626, api 0x386aaa87, session-start 0xe4cc859e, foobar 0xbf9cf968.
        assert.deepEqual(
            ["checkout", "payments", "api", "session-start", "foobar"].map((name) => prometheusShard(name, 4)),
            [1, 2, 3, 2, 0],
        );
        assert.deepEqual(
            ["checkout", "payments", "api"].map((name) => prometheusShard(name, 1)),
            [0, 0, 0],
        );
        // 0x4db95739 = 1303992121 = 3 * 434664040 + 1; 0xca39f626 = 3392796198 = 3 * 1130932066.
        assert.deepEqual([prometheusShard("checkout", 3), prometheusShard("payments", 3)], [1, 0]);
    });

    test("a rendered service names the ConfigMaps of its shard: shard 0 keeps the unsharded names", () => {
        const config = stackWith([{ name: "checkout", discovery: { kind: "scrape", selector: { app: "checkout" }, port: "metrics" }, conventions: { preset: "prometheus-http" }, slos: [{ kind: "availability", objective: 99.9 }] }, { name: "foobar", slos: [{ kind: "availability", objective: 99 }] }], 4);
        const [checkout, foobar] = renderStack(config, []).services;
        assert.deepEqual(checkout.configMaps, { rules: "prometheus-rules-1", scrape: "prometheus-scrape-1" });
        assert.deepEqual(foobar.configMaps, { rules: "prometheus-rules", scrape: "prometheus-scrape" });
    });

    test("adding a service leaves every other service in its shard", () => {
        const names = (services: readonly { name: string; configMaps: { rules: string } }[]) => Object.fromEntries(services.map((s) => [s.name, s.configMaps.rules]));
        const before = names(renderStack(stackWith(fleet(20), 4), []).services);
        const after = names(renderStack(stackWith(fleet(21), 4), []).services);
        const { "svc-021": added, ...kept } = after;
        assert.deepEqual(kept, before);
        // 0xecc550e9 for svc-003 ends in 9: shard 1; svc-021 is only checked to exist.
        assert.equal(before["svc-003"], "prometheus-rules-1");
        assert.ok(added);
    });
});

describe("a shard over the ConfigMap limit is refused at preview time", () => {
    test("one ConfigMap holds the stack's rules and as many two-SLO services as fit in 960 KiB; one more is refused with the count that fits", () => {
        const { stack, service } = fileSizes(46);
        const fitting = Math.floor((BUDGET - stack) / service);
        // ~45 when it was measured on the cluster; each alert added since (ServiceFailing the last) made a service's file larger.
        assert.ok(fitting >= 35 && fitting <= 45, `about 40 two-SLO services fit in one ConfigMap (here ${fitting})`);
        assert.doesNotThrow(() => renderStack(stackWith(fleet(fitting)), []));
        const over = fitting + 1;
        // At 2 shards svc-001 (0xeac54dc3, odd) goes to shard 1, so shard 0 keeps at most `fitting` services: 2 fits.
        assert.equal(
            refusal(() => renderStack(stackWith(fleet(over)), [])),
            `prometheus.configMapShards: 1 is too few for ${over} services: ConfigMap prometheus-rules (rules shard 0 of 1) would hold ${stack + over * service} bytes in ${over + 1} files, ` +
                `over ${budgetNote}; set prometheus.configMapShards to 2, the smallest count at which every shard fits (files move between ConfigMaps and Prometheus restarts once)`,
        );
    });

    test("100 services at 2 shards overflow both shards (49 and 51 services by hash parity) and need 3 (35, 31 and 34)", () => {
        const { stack, service } = fileSizes(100);
        assert.ok(stack + 35 * service <= BUDGET && 51 * service > BUDGET && stack + 49 * service > BUDGET, "the counts below straddle the budget");
        assert.equal(
            refusal(() => renderStack(stackWith(fleet(100), 2), [])),
            "prometheus.configMapShards: 2 is too few for 100 services: " +
                `ConfigMap prometheus-rules (rules shard 0 of 2) would hold ${stack + 49 * service} bytes in 50 files; ` +
                `ConfigMap prometheus-rules-1 (rules shard 1 of 2) would hold ${51 * service} bytes in 51 files, ` +
                `over ${budgetNote}; set prometheus.configMapShards to 3, the smallest count at which every shard fits (files move between ConfigMaps and Prometheus restarts once)`,
        );
        assert.doesNotThrow(() => renderStack(stackWith(fleet(100), 3), []));
    });

    test("the shard count is a whole number from 1 to 64", () => {
        const problems = (configMapShards: unknown) => {
            try {
                loadStackConfig(minimalRaw({ operator: { enabled: false }, prometheus: { configMapShards } }), { knownRunbooks });
            } catch (error) {
                return (error as Error).message;
            }
            return "";
        };
        assert.match(problems(0), /prometheus\.configMapShards: 0 is outside 1\.\.64/);
        assert.match(problems(65), /prometheus\.configMapShards: 65 is outside 1\.\.64/);
        assert.match(problems(2.5), /prometheus\.configMapShards: 2\.5 is not a whole number/);
        assert.equal(problems(64), "");
    });

    test("a service declared in code whose own rule file is larger than a shard is refused, whatever the shard count", () => {
        const config = stackWith(fleet(1), 64);
        const slos = Array.from({ length: 200 }, (_, i) => ({ kind: "availability", name: `a${String(i).padStart(3, "0")}`, objective: 99.9 }));
        const spec = loadServiceSpec({ name: "monolith", slos }, { knownRunbooks });
        const message = refusal(() => renderService(config, spec));
        assert.match(
            message,
            new RegExp(
                `^service "monolith": its rule file service-monolith\\.yaml is (\\d+) bytes, over the 983040 bytes a shard may hold \\(.*\\); ` +
                    "a file is never split across ConfigMaps, so no prometheus\\.configMapShards helps: give the service fewer SLOs, saturation checks or alerts, or split it into two services$",
            ),
        );
        assert.ok(Number(/is (\d+) bytes/.exec(message)?.[1]) > BUDGET);
    });
});

describe("with the operator, the services' rules are PrometheusRules the operator packs itself", () => {
    const withOperator = (services: unknown[], values: Record<string, unknown> = {}) => loadStackConfig(minimalRaw({ services, ...values }), { knownRunbooks });

    test("a fleet that needs 3 shards without the operator renders with one, and Prometheus mounts enough operator ConfigMaps for its rules", () => {
        const rendered = renderStack(withOperator(fleet(100)), []);
        assert.equal(rendered.services.filter((service) => service.prometheusRule).length, 100);
        // 100 services of ~20 KiB: about 2 MB, 1.25 times that over 512 KiB is 5 ConfigMaps, plus the reserve of 8: 13, rounded up to 16.
        assert.deepEqual(rendered.operator!.ruleConfigMaps, Array.from({ length: 16 }, (_, n) => `prometheus-lgtm-rulefiles-${n}`));
        assert.ok(fileSizes(100).service > 15_000 && fileSizes(100).service < 25_000, "the fleet's services are ~20 KiB each, as the count above assumes");
    });

    test("the count grows in steps of 8 with the services' rule bytes, never below the reserve", () => {
        // Worked by hand: ceil(bytes * 1.25 / 524288) ConfigMaps of the services' own, plus 8, rounded up to a multiple of 8.
        assert.equal(operatorRuleConfigMapCount(0), 8);
        assert.equal(operatorRuleConfigMapCount(419430), 16); // 524287.5 bytes: 1 ConfigMap
        assert.equal(operatorRuleConfigMapCount(3145728), 16); // 3 MiB: 7.5, so 8 + 8
        assert.equal(operatorRuleConfigMapCount(3670016), 24); // 3.5 MiB: 8.75, so 9 + 8 = 17
    });

    test("prometheus.configMapShards is refused with the operator, naming why; a service over the operator's ConfigMap size is refused at preview", () => {
        assert.throws(() => withOperator(fleet(1), { prometheus: { configMapShards: 3 } }), /prometheus\.configMapShards: spreads the services' rule and scrape files when operator\.enabled is false or topology\.tenants is set; .*remove the setting/);
        const slos = Array.from({ length: 150 }, (_, i) => ({ kind: "availability", name: `a${String(i).padStart(3, "0")}`, objective: 99.9 }));
        const spec = loadServiceSpec({ name: "monolith", slos }, { knownRunbooks });
        assert.match(
            refusal(() => renderService(withOperator(fleet(1)), spec)),
            /^service "monolith": its rules are \d+ bytes, over the 524288 bytes the Prometheus Operator puts in one rule ConfigMap \(it never splits a PrometheusRule\); give the service fewer SLOs/,
        );
    });
});
