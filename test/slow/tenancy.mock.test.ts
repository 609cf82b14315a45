/** topology.tenants under Pulumi mocks: the rulers' folders per tenant and the engines' runtime overrides files, as deployed. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as YAML from "yaml";
import { ofType, RecordedResource, runStack } from "../support/mocks";
import { distributedValues, OBJECT_STORAGE_SECRETS, s3 } from "../support/topology";

let resources: RecordedResource[] = [];

function named(type: string, name: string): RecordedResource {
    const found = ofType(resources, type).find((r) => r.inputs.metadata?.name === name);
    assert.ok(found, `${type} ${name} exists`);
    return found;
}

const OPERATOR_RULES = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => ({ configMap: { name: `prometheus-lgtm-rulefiles-${n}`, optional: true } }));

describe("tenants under mocks", () => {
    before(async () => {
        const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues({
            tenants: { payments: { teams: ["payments"], limits: { samplesPerSecond: 50000 } } },
            mimir: { storage: s3("metrics") },
        });
        const services = [
            { name: "checkout", team: "payments", slos: [{ kind: "availability", objective: 99.9 }], logAlerts: [{ preset: "errors", threshold: 20 }] },
            { name: "storefront", team: "web", slos: [{ kind: "availability", objective: 99.9 }] },
        ];
        ({ resources } = await runStack("dev", { ...values, services }, OBJECT_STORAGE_SECRETS));
    });

    test("Mimir's ruler evaluates each tenant's folder: payments' service file alone, the rest with the stack's and the PrometheusRules in platform", () => {
        const ruler = named("kubernetes:apps/v1:Deployment", "mimir-ruler").inputs.spec.template.spec;
        const mounts = ruler.containers[0].volumeMounts.filter((m: { name: string }) => m.name.startsWith("rules"));
        assert.deepEqual(mounts, [
            { name: "rules-payments", mountPath: "/etc/mimir/rules/payments", readOnly: true },
            { name: "rules-platform", mountPath: "/etc/mimir/rules/platform", readOnly: true },
        ]);
        const volumes = ruler.volumes.filter((v: { name: string }) => v.name.startsWith("rules"));
        assert.deepEqual(volumes, [
            { name: "rules-payments", projected: { sources: [{ configMap: { name: "prometheus-rules", items: [{ key: "service-checkout.yaml", path: "service-checkout.yaml" }] } }] } },
            {
                name: "rules-platform",
                projected: {
                    sources: [
                        { configMap: { name: "prometheus-rules", items: [{ key: "service-storefront.yaml", path: "service-storefront.yaml" }, { key: "stack.yaml", path: "stack.yaml" }] } },
                        ...OPERATOR_RULES,
                    ],
                },
            },
        ]);
    });

    test("Loki's ruler evaluates checkout's log alerts as tenant payments (its local store reads <directory>/<tenant>/)", () => {
        const ruler = named("kubernetes:apps/v1:Deployment", "loki-ruler").inputs.spec.template.spec;
        assert.deepEqual(
            ruler.containers[0].volumeMounts.filter((m: { name: string }) => m.name.startsWith("rules")),
            [{ name: "rules-payments", mountPath: "/loki-rules/payments", readOnly: true }],
        );
        assert.deepEqual(ruler.volumes.find((v: { name: string }) => v.name === "rules-payments"), {
            name: "rules-payments",
            projected: { sources: [{ configMap: { name: "loki-rules", items: [{ key: "service-checkout.yaml", path: "service-checkout.yaml" }] } }] },
        });
    });

    test("each engine's ConfigMap holds its runtime overrides beside its config, where the config points", () => {
        const mimir = named("kubernetes:core/v1:ConfigMap", "mimir-distributed-config").inputs.data;
        assert.deepEqual(Object.keys(mimir).sort(), ["mimir.yaml", "overrides.yaml"]);
        assert.deepEqual(YAML.parse(mimir["overrides.yaml"]), { overrides: { payments: { ingestion_rate: 50000, ingestion_burst_size: 100000 } } });
        assert.equal(YAML.parse(mimir["mimir.yaml"]).runtime_config.file, "/etc/lgtm/mimir/overrides.yaml");
        // Tempo and Loki get the file too (no tenant sets their limits here: an empty map).
        assert.deepEqual(YAML.parse(named("kubernetes:core/v1:ConfigMap", "tempo-distributed-config").inputs.data["overrides.yaml"]), { overrides: {} });
        assert.deepEqual(YAML.parse(named("kubernetes:core/v1:ConfigMap", "loki-distributed-config").inputs.data["overrides.yaml"]), { overrides: {} });
    });
});
