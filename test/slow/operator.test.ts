/**
 * The Prometheus Operator feature (issue 21, item 1): the CRDs come from the pinned module and are
 * refused unless their checksums match; the operator, its agent and the rules-only Prometheus are
 * wired so that the cluster's monitors are scraped into the stack and its PrometheusRules are
 * evaluated where the stack's rules are. Expected values are written by hand from the operator's
 * API reference and the v0.93.0 module.
 */
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { ConfigErrors } from "../../config/reader";
import { loadStackConfig } from "../../config/load";
import { CrdChecksumError, loadOperatorCrds, unzipEntries } from "../../io/operatorCrds";
import { knownRunbooks, minimalRaw } from "../support/fixtures";
import { ofType, RecordedResource, runStack } from "../support/mocks";
import { distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";

const PREFIX = "github.com/prometheus-operator/prometheus-operator@v0.93.0/example/prometheus-operator-crd/";
const WANTED = [
    "podmonitors.monitoring.coreos.com",
    "probes.monitoring.coreos.com",
    "prometheusagents.monitoring.coreos.com",
    "prometheuses.monitoring.coreos.com",
    "prometheusrules.monitoring.coreos.com",
    "scrapeconfigs.monitoring.coreos.com",
    "servicemonitors.monitoring.coreos.com",
];

/** One zip header: signature, then (offset, value, bytes) fields; the rest zero. */
function header(size: number, signature: number, fields: [number, number, 2 | 4][]): Buffer {
    const buffer = Buffer.alloc(size);
    buffer.writeUInt32LE(signature, 0);
    for (const [at, value, bytes] of fields) {
        if (bytes === 2) buffer.writeUInt16LE(value, at);
        else buffer.writeUInt32LE(value, at);
    }
    return buffer;
}

/** A zip of stored (uncompressed) or deflated entries, as the Go proxy serves modules: enough to test the reader. */
function zipOf(files: Record<string, Buffer>, deflate = false): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const [name, content] of Object.entries(files)) {
        const data = deflate ? zlib.deflateRawSync(content) : content;
        const nameBytes = Buffer.from(name, "utf8");
        const method = deflate ? 8 : 0;
        locals.push(header(30, 0x04034b50, [[8, method, 2], [18, data.length, 4], [22, content.length, 4], [26, nameBytes.length, 2]]), nameBytes, data);
        centrals.push(header(46, 0x02014b50, [[10, method, 2], [20, data.length, 4], [24, content.length, 4], [28, nameBytes.length, 2], [42, offset, 4]]), nameBytes);
        offset += 30 + nameBytes.length + data.length;
    }
    const directory = Buffer.concat(centrals);
    const count = Object.keys(files).length;
    return Buffer.concat([...locals, directory, header(22, 0x06054b50, [[8, count, 2], [10, count, 2], [12, directory.length, 4], [16, offset, 4]])]);
}

function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe("the operator's CRDs come from the pinned release, checksum-verified", () => {
    test("the seven CRDs the stack uses load at v0.93.0, each defining its kind in monitoring.coreos.com", async () => {
        const crds = await loadOperatorCrds();
        assert.deepEqual(
            crds.map((crd) => crd.metadata.name),
            WANTED,
        );
        const kinds = crds.map((crd: any) => [crd.spec.group, crd.spec.names.kind, crd.spec.scope]);
        assert.deepEqual(kinds, [
            ["monitoring.coreos.com", "PodMonitor", "Namespaced"],
            ["monitoring.coreos.com", "Probe", "Namespaced"],
            ["monitoring.coreos.com", "PrometheusAgent", "Namespaced"],
            ["monitoring.coreos.com", "Prometheus", "Namespaced"],
            ["monitoring.coreos.com", "PrometheusRule", "Namespaced"],
            ["monitoring.coreos.com", "ScrapeConfig", "Namespaced"],
            ["monitoring.coreos.com", "ServiceMonitor", "Namespaced"],
        ]);
    });

    test("without a Go module cache the program downloads the module zip, verifies and caches the files, and reads the cache next time", async () => {
        const cacheDir = tempDir("crds-cache-");
        let downloads = 0;
        const real = await loadOperatorCrds();
        // A zip built here from the verified files (deflated, as the proxy's are): the reader and the cache, not the network, are under test.
        const zip = zipOf(Object.fromEntries(real.map((crd) => [`${PREFIX}monitoring.coreos.com_${crd.metadata.name.split(".")[0]}.yaml`, fs.readFileSync(cachedOrModuleFile(crd.metadata.name))])), true);
        const download = async (url: string) => {
            downloads++;
            assert.equal(url, "https://proxy.example/github.com/prometheus-operator/prometheus-operator/@v/v0.93.0.zip");
            return zip;
        };
        const first = await loadOperatorCrds({ goModCache: "/nonexistent", cacheDir, proxy: "https://proxy.example", download });
        const second = await loadOperatorCrds({ goModCache: "/nonexistent", cacheDir, proxy: "https://proxy.example", download });
        assert.equal(first.length, 7);
        assert.deepEqual(second, first);
        assert.equal(downloads, 1);
        assert.deepEqual(fs.readdirSync(cacheDir).sort(), WANTED.map((name) => `monitoring.coreos.com_${name.split(".")[0]}.yaml`));
    });

    test("a downloaded file that is not the pinned one is refused, named with its checksum, and never cached", async () => {
        const cacheDir = tempDir("crds-cache-");
        const files = Object.fromEntries(WANTED.map((name) => [`${PREFIX}monitoring.coreos.com_${name.split(".")[0]}.yaml`, fs.readFileSync(cachedOrModuleFile(name))]));
        const tampered = `${PREFIX}monitoring.coreos.com_prometheusrules.yaml`;
        files[tampered] = Buffer.concat([files[tampered], Buffer.from("# one more line\n")]);
        const download = async () => zipOf(files);
        await assert.rejects(loadOperatorCrds({ goModCache: "/nonexistent", cacheDir, proxy: "https://proxy.example", download }), (error: Error) => {
            assert.ok(error instanceof CrdChecksumError);
            assert.match(error.message, /monitoring\.coreos\.com_prometheusrules\.yaml: sha256 [0-9a-f]{64} is not the v0\.93\.0 checksum 78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d/);
            return true;
        });
        assert.ok(!fs.readdirSync(cacheDir).includes("monitoring.coreos.com_prometheusrules.yaml"));
    });

    test("an edited file in the module cache is refused with its path and the fix", async () => {
        const modCache = tempDir("gomodcache-");
        const dir = path.join(modCache, PREFIX);
        fs.mkdirSync(dir, { recursive: true });
        for (const name of WANTED) {
            fs.copyFileSync(cachedOrModuleFile(name), path.join(dir, `monitoring.coreos.com_${name.split(".")[0]}.yaml`));
        }
        fs.appendFileSync(path.join(dir, "monitoring.coreos.com_servicemonitors.yaml"), "\n");
        await assert.rejects(loadOperatorCrds({ goModCache: modCache, cacheDir: tempDir("crds-cache-"), download: async () => assert.fail("no download when the module cache has every file") }), (error: Error) => {
            assert.match(error.message, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}monitoring\\.coreos\\.com_servicemonitors\\.yaml: sha256 .* for servicemonitors\\.monitoring\\.coreos\\.com; .*delete it and run again`));
            return true;
        });
    });

    test("an unreachable proxy names the files it needed and how to reach one", async () => {
        await assert.rejects(
            loadOperatorCrds({ goModCache: "/nonexistent", cacheDir: tempDir("crds-cache-"), download: async () => Promise.reject(new Error("ECONNREFUSED")) }),
            /are in no local cache and the module proxy failed: Error: ECONNREFUSED; allow HTTPS to the proxy or set GOPROXY/,
        );
    });

    test("the zip reader reads stored and deflated entries and only the ones asked for", () => {
        const zip = zipOf({ "a.txt": Buffer.from("alpha"), "b.txt": Buffer.from("beta") });
        assert.deepEqual([...unzipEntries(zip, new Set(["b.txt"]))].map(([k, v]) => [k, v.toString()]), [["b.txt", "beta"]]);
        const deflated = zipOf({ "c.txt": Buffer.from("gamma ".repeat(100)) }, true);
        assert.equal(unzipEntries(deflated, new Set(["c.txt"])).get("c.txt")!.toString(), "gamma ".repeat(100));
    });
});

/** The verified file of a CRD on this machine: the Go module cache, else our cache (the first test fills one of them). */
function cachedOrModuleFile(name: string): string {
    const file = `monitoring.coreos.com_${name.split(".")[0]}.yaml`;
    const gopath = process.env.GOMODCACHE ?? path.join(process.env.GOPATH ?? path.join(os.homedir(), "go"), "pkg", "mod");
    const candidates = [path.join(gopath, PREFIX, file), path.join(process.env.LGTM_CACHE ?? path.join(os.homedir(), ".cache", "lgtm-stack"), "operator-crds", "v0.93.0", file)];
    const found = candidates.find((candidate) => fs.existsSync(candidate));
    assert.ok(found, `${file} in ${candidates.join(" or ")}`);
    const sha = crypto.createHash("sha256").update(fs.readFileSync(found)).digest("hex");
    assert.match(sha, /^[0-9a-f]{64}$/);
    return found;
}

function one(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.inputs.metadata?.name === name);
    assert.equal(found.length, 1, `${type} ${name}`);
    return found[0];
}

const AGENT = "kubernetes:monitoring.coreos.com/v1alpha1:PrometheusAgent";
const PROMETHEUS = "kubernetes:monitoring.coreos.com/v1:Prometheus";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
/**
 * The dev stack's four services have about 80 KiB of rules (20 KiB each): one operator ConfigMap's
 * worth (512 KiB), plus the reserve of 8 for other charts' rules, rounded up to a multiple of 8: 16.
 */
const RULE_MAPS = Array.from({ length: 16 }, (_, n) => ({ configMap: { name: `prometheus-lgtm-rulefiles-${n}`, optional: true } }));

describe("the dev stack honours every namespace's monitoring objects through the operator", () => {
    test("the pinned CRDs are applied and forced over older ones, the operator runs with its own controller id", async () => {
        const { resources } = await runStack("dev");
        const crds = ofType(resources, CRD);
        assert.deepEqual(crds.map((crd) => crd.inputs.metadata.name).sort(), WANTED);
        for (const crd of crds) {
            assert.equal(crd.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
            // As the v0.93.0 files carry it, so a CRD taken over from an older release says what it now is.
            assert.equal(crd.inputs.metadata.annotations["operator.prometheus.io/version"], "0.93.0");
            assert.equal(crd.inputs.spec.group, "monitoring.coreos.com");
        }
        const operator = one(resources, "kubernetes:apps/v1:Deployment", "prometheus-operator").inputs.spec.template.spec;
        assert.deepEqual(operator.containers[0].image, "quay.io/prometheus-operator/prometheus-operator:v0.93.0");
        assert.deepEqual(operator.containers[0].args, [
            "--controller-id=lgtm-stack",
            "--prometheus-instance-namespaces=observability",
            "--alertmanager-instance-namespaces=observability",
            "--thanos-ruler-instance-namespaces=observability",
            "--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0",
            "--web.listen-address=:8080",
        ]);
        assert.equal(operator.serviceAccountName, "prometheus-operator");
        assert.equal(operator.containers[0].securityContext.readOnlyRootFilesystem, true);
    });

    test("the agent selects every ServiceMonitor, PodMonitor, Probe and ScrapeConfig in every namespace and writes to Prometheus", async () => {
        const { resources } = await runStack("dev");
        const agent = one(resources, AGENT, "lgtm").inputs;
        assert.deepEqual(agent.metadata.annotations, { "operator.prometheus.io/controller-id": "lgtm-stack" });
        const spec = agent.spec;
        for (const kind of ["serviceMonitor", "podMonitor", "probe", "scrapeConfig"]) {
            assert.deepEqual(spec[`${kind}Selector`], {}, `${kind}Selector`);
            assert.deepEqual(spec[`${kind}NamespaceSelector`], {}, `${kind}NamespaceSelector`);
        }
        assert.deepEqual(spec.remoteWrite, [{ url: "http://prometheus-0.prometheus-headless.observability.svc.cluster.local:9090/api/v1/write" }]);
        assert.equal(spec.image, "quay.io/prometheus/prometheus:v3.15.0");
        assert.equal(spec.prometheusExternalLabelName, "");
        assert.equal(spec.replicaExternalLabelName, "");
        assert.equal(spec.serviceAccountName, "prometheus-agent");
    });

    test("PrometheusRules of every namespace become rule files that our Prometheus evaluates beside the stack's", async () => {
        const { resources } = await runStack("dev");
        const rules = one(resources, PROMETHEUS, "lgtm").inputs;
        assert.equal(rules.spec.replicas, 0);
        assert.deepEqual(rules.spec.ruleSelector, {});
        assert.deepEqual(rules.spec.ruleNamespaceSelector, {});
        assert.deepEqual(rules.metadata.annotations, { "operator.prometheus.io/controller-id": "lgtm-stack" });
        const prometheus = one(resources, "kubernetes:apps/v1:StatefulSet", "prometheus").inputs.spec.template.spec;
        assert.deepEqual(prometheus.volumes.find((v: any) => v.name === "rules"), {
            name: "rules",
            projected: { sources: [{ configMap: { name: "prometheus-rules" } }, ...RULE_MAPS] },
        });
    });
});

describe("operator settings", () => {
    test("namespace and label selectors narrow every kind the same way", async () => {
        const { resources } = await runStack("dev", { operator: { namespaceSelector: { "monitoring.example.com/scrape": "true" }, selector: { release: "platform" } } });
        const agent = one(resources, AGENT, "lgtm").inputs.spec;
        const rules = one(resources, PROMETHEUS, "lgtm").inputs.spec;
        for (const kind of ["serviceMonitor", "podMonitor", "probe", "scrapeConfig"]) {
            assert.deepEqual(agent[`${kind}Selector`], { matchLabels: { release: "platform" } });
            assert.deepEqual(agent[`${kind}NamespaceSelector`], { matchLabels: { "monitoring.example.com/scrape": "true" } });
        }
        assert.deepEqual(rules.ruleSelector, { matchLabels: { release: "platform" } });
        assert.deepEqual(rules.ruleNamespaceSelector, { matchLabels: { "monitoring.example.com/scrape": "true" } });
        // The stack's own Probe objects (the dev stack probes the demo service) stay selected: their namespace and they carry the labels.
        const namespace = one(resources, "kubernetes:core/v1:Namespace", "observability").inputs;
        assert.equal(namespace.metadata.labels["monitoring.example.com/scrape"], "true");
        const probe = one(resources, "kubernetes:monitoring.coreos.com/v1:Probe", "api-metrics").inputs;
        assert.equal(probe.metadata.labels.release, "platform");
    });

    test("crds: external leaves the CRDs to whoever installed them; enabled: false deploys nothing of the operator", async () => {
        const { resources: external } = await runStack("dev", { operator: { crds: "external" } });
        assert.equal(ofType(external, CRD).length, 0);
        assert.equal(ofType(external, AGENT).length, 1);
        // Without the operator there are no probes either: the dev stack's probe of the demo service is left out.
        const { resources: off } = await runStack("dev", { operator: { enabled: false }, services: [{ name: "checkout", slos: [{ kind: "availability", objective: 99.9 }] }] });
        assert.equal(ofType(off, CRD).length + ofType(off, AGENT).length + ofType(off, PROMETHEUS).length, 0);
        assert.ok(!off.some((r) => r.inputs.metadata?.name === "prometheus-operator"));
        const prometheus = one(off, "kubernetes:apps/v1:StatefulSet", "prometheus").inputs.spec.template.spec;
        assert.deepEqual(prometheus.volumes.find((v: any) => v.name === "rules").projected.sources, [{ configMap: { name: "prometheus-rules" } }]);
    });

    test("shareServiceRules: services of one shape share a PrometheusRule of the stack's; a service alone with its shape keeps its own", async () => {
        const same = { team: "orders", slos: [{ kind: "availability", objective: 99.9 }] };
        const services = [{ name: "alpha", ...same }, { name: "beta", ...same }, { name: "solo", team: "other", slos: [{ kind: "availability", objective: 99.9 }] }];
        const { resources } = await runStack("dev", { prometheus: { shareServiceRules: true }, services, operator: { selector: { release: "platform" } } });
        const rules = ofType(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        const shared = rules.filter((r) => r.inputs.metadata.name.startsWith("services-"));
        assert.equal(shared.length, 1, "one shared group");
        assert.deepEqual(rules.map((r) => r.inputs.metadata.name).filter((name) => !name.startsWith("services-")), ["solo"]);
        const group = shared[0].inputs;
        assert.equal(group.metadata.namespace, "observability");
        assert.equal(group.metadata.labels.release, "platform", "the operator's object selector picks it up");
        // The members' info series first; every rule selects both members and no other service.
        const ruleList = group.spec.groups[0].rules;
        assert.equal(ruleList[0].record, "service:rule_group_member:info");
        assert.match(ruleList[0].expr, /"alpha"/);
        assert.match(ruleList[0].expr, /"beta"/);
        assert.doesNotMatch(JSON.stringify(group.spec), /solo/);
        // Each member is still one ObservedService (dashboards, probes, pods), with no PrometheusRule of its own.
        assert.equal(ofType(resources, "lgtm:services:ObservedService").length, 3);
    });

    test("shareServiceRules needs the operator's PrometheusRule objects", () => {
        assert.throws(
            () => loadStackConfig(minimalRaw({ operator: { enabled: false }, prometheus: { shareServiceRules: true } }), { knownRunbooks }),
            (error: ConfigErrors) => {
                assert.match(error.problems.join("\n"), /prometheus\.shareServiceRules: shares rule groups between services as PrometheusRule objects, which need operator\.enabled: true and no topology\.tenants/);
                return true;
            },
        );
    });

    test("bad selectors and modes are refused with the key path and the fix", () => {
        assert.throws(
            () => loadStackConfig(minimalRaw({ operator: { crds: "helm", namespaceSelector: { "bad key!": "x" }, selector: { team: "not a value!" }, selectors: {} } }), { knownRunbooks }),
            (error: ConfigErrors) => {
                const text = error.problems.join("\n");
                assert.match(text, /operator\.selectors: unknown setting; did you mean selector\?/);
                assert.match(text, /operator\.crds: .*"helm".*external, install|operator\.crds: .*install, external/);
                assert.match(text, /operator\.namespaceSelector\.bad key!: "bad key!" is not a Kubernetes label name/);
                assert.match(text, /operator\.selector\.team: "not a value!" is not a Kubernetes label value/);
                return true;
            },
        );
    });
});

describe("distributed: PrometheusRules reach Mimir's ruler", () => {
    test("the agent writes to Mimir's distributor and the ruler mounts the operator's rule files; Prometheus evaluates none", async () => {
        const { resources } = await runStack("dev", distributedValues(), OBJECT_STORAGE_SECRETS);
        const agent = one(resources, AGENT, "lgtm").inputs.spec;
        assert.deepEqual(agent.remoteWrite, [{ url: "http://mimir-distributor.observability.svc.cluster.local:8080/api/v1/push" }]);
        const ruler = one(resources, "kubernetes:apps/v1:Deployment", "mimir-ruler").inputs.spec.template.spec;
        assert.deepEqual(ruler.volumes.find((v: any) => v.name === "rules"), { name: "rules", projected: { sources: [{ configMap: { name: "prometheus-rules" } }, ...RULE_MAPS] } });
        const prometheus = one(resources, "kubernetes:apps/v1:StatefulSet", "prometheus").inputs.spec.template.spec;
        assert.deepEqual(prometheus.volumes.find((v: any) => v.name === "rules").projected.sources, [{ configMap: { name: "prometheus-rules" } }]);
    });
});

describe("synthetic probes through the blackbox exporter", () => {
    test("the dev stack probes the demo service: one Probe object through the stack's blackbox exporter, under the service's probe job", async () => {
        const { resources } = await runStack("dev");
        const probes = ofType(resources, "kubernetes:monitoring.coreos.com/v1:Probe");
        assert.deepEqual(
            probes.map((p) => [p.inputs.metadata.name, p.inputs.metadata.namespace, p.inputs.spec]),
            [
                [
                    "api-metrics",
                    "observability",
                    {
                        jobName: "probe-api",
                        prober: { url: "blackbox-exporter.observability.svc:9115", path: "/probe" },
                        module: "http_200_5s",
                        targets: { staticConfig: { static: ["http://demo-service.learning.svc.cluster.local:8080/metrics"], labels: { service: "api", probe: "metrics" } } },
                    },
                ],
            ],
        );
        const blackbox = one(resources, "kubernetes:apps/v1:Deployment", "blackbox-exporter").inputs.spec.template.spec;
        assert.equal(blackbox.containers[0].image, "quay.io/prometheus/blackbox-exporter:v0.28.0");
        assert.deepEqual(blackbox.containers[0].args, ["--config.file=/etc/blackbox/blackbox.yml", "--web.listen-address=:9115"]);
        const modules = parse(one(resources, "kubernetes:core/v1:ConfigMap", "blackbox-exporter").inputs.data["blackbox.yml"]).modules;
        assert.deepEqual(modules, {
            http_200_5s: { prober: "http", timeout: "5s", http: { follow_redirects: true, preferred_ip_protocol: "ip4", valid_status_codes: [200] } },
            http_2xx: { prober: "http", timeout: "5s", http: { follow_redirects: true, preferred_ip_protocol: "ip4" } },
        });
        const service = one(resources, "kubernetes:core/v1:Service", "blackbox-exporter").inputs.spec;
        assert.deepEqual(service.ports, [{ name: "http", port: 9115, targetPort: "http", protocol: "TCP" }]);
    });

    test("probes are validated with the key path and the fix; a probe SLO needs probes, probes need the operator", () => {
        const service = (extra: Record<string, unknown>) => ({ name: "shop", slos: [{ kind: "availability", objective: 99.9 }], ...extra });
        assert.throws(
            () =>
                loadStackConfig(
                    minimalRaw({
                        services: [
                            service({ probes: [{ name: "Home", url: "ftp://x", expectedStatus: 700, timeout: "30s" }, { name: "b" }] }),
                            service({ name: "cart", slos: [{ kind: "availability", objective: 99, sli: "probe" }] }),
                        ],
                    }),
                    { knownRunbooks },
                ),
            (error: ConfigErrors) => {
                const text = error.problems.join("\n");
                assert.match(text, /services\[0\]\.probes\[0\]\.name: .*is not a short DNS label/);
                assert.match(text, /services\[0\]\.probes\[0\]\.url: /);
                assert.match(text, /services\[0\]\.probes\[0\]\.expectedStatus: .*700/);
                assert.match(text, /services\[0\]\.probes\[0\]\.timeout: 30s is outside 1s\.\.9s/);
                assert.match(text, /services\[0\]\.probes\[1\]\.url: .*give the http\(s\) URL to check/);
                assert.match(text, /services\[1\]\.slos\[0\]\.sli: probe needs at least one entry in services\[1\]\.probes/);
                return true;
            },
        );
        assert.throws(
            () => loadStackConfig(minimalRaw({ operator: { enabled: false }, services: [service({ probes: [{ name: "home", url: "https://shop.example.com/" }] })] }), { knownRunbooks }),
            /services\[0\]\.probes: run through the Prometheus Operator's Probe objects, and operator\.enabled is false/,
        );
    });
});

/**
 * The pinned CRDs' own schemas as the oracle: every field we set must exist there with its type, as
 * the API server would check it (unknown fields would be pruned silently, a wrong type refused).
 */
function schemaProblems(schema: any, value: unknown, at: string): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"]) return [];
    if (schema["x-kubernetes-int-or-string"]) return typeof value === "string" || Number.isInteger(value) ? [] : [`${at}: not an int or string`];
    switch (schema.type) {
        case "object": {
            if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: not an object`];
            const record = value as Record<string, unknown>;
            const missing = (schema.required ?? []).filter((key: string) => !(key in record)).map((key: string) => `${at}.${key}: required`);
            return [
                ...missing,
                ...Object.entries(record).flatMap(([key, child]) => {
                    const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
                    return sub ? schemaProblems(sub, child, `${at}.${key}`) : [`${at}.${key}: no such field`];
                }),
            ];
        }
        case "array":
            return Array.isArray(value) ? value.flatMap((item, i) => schemaProblems(schema.items, item, `${at}[${i}]`)) : [`${at}: not an array`];
        case "string":
            return typeof value !== "string" ? [`${at}: not a string`] : schema.enum && !schema.enum.includes(value) ? [`${at}: ${value} not in ${schema.enum.join("|")}`] : [];
        case "integer":
            return Number.isInteger(value) ? [] : [`${at}: not an integer`];
        case "boolean":
            return typeof value === "boolean" ? [] : [`${at}: not a boolean`];
        default:
            return [];
    }
}

describe("what the stack asks of the operator fits the pinned CRDs' schemas", () => {
    const specSchema = async (kind: string, version: string) => {
        const crd: any = (await loadOperatorCrds()).find((c: any) => c.spec.names.kind === kind);
        return crd.spec.versions.find((v: any) => v.name === version).schema.openAPIV3Schema.properties.spec;
    };

    test("the PrometheusAgent, the rules-only Prometheus and a service's Probe set only fields the CRDs define, with their types", async () => {
        const { resources } = await runStack("prod", { services: [{ name: "shop", slos: [{ kind: "availability", objective: 99, sli: "probe" }], probes: [{ name: "home", url: "https://shop.example.com/" }] }] });
        assert.deepEqual(schemaProblems(await specSchema("PrometheusAgent", "v1alpha1"), one(resources, AGENT, "lgtm").inputs.spec, "PrometheusAgent.spec"), []);
        assert.deepEqual(schemaProblems(await specSchema("Prometheus", "v1"), one(resources, PROMETHEUS, "lgtm").inputs.spec, "Prometheus.spec"), []);
        assert.deepEqual(schemaProblems(await specSchema("Probe", "v1"), one(resources, "kubernetes:monitoring.coreos.com/v1:Probe", "shop-home").inputs.spec, "Probe.spec"), []);
    });

    test("the agent's pod has bounded scratch space: its WAL emptyDir, and ephemeral-storage on every container the operator makes", async () => {
        // By hand from the README's table: dev WAL 1024Mi, prod 4096Mi; each container adds its logs' 64Mi.
        for (const [stack, wal, prometheus] of [["dev", "1024Mi", "1088Mi"], ["prod", "4096Mi", "4160Mi"]] as const) {
            const spec = one((await runStack(stack)).resources, AGENT, "lgtm").inputs.spec;
            assert.deepEqual(spec.storage, { emptyDir: { sizeLimit: wal } }, `${stack}: the WAL's emptyDir`);
            assert.equal(spec.resources.requests["ephemeral-storage"], prometheus, `${stack}: prometheus request`);
            assert.equal(spec.resources.limits["ephemeral-storage"], prometheus, `${stack}: prometheus limit`);
            assert.ok(spec.resources.requests.memory && spec.resources.limits.memory, `${stack}: the configured memory stays`);
            const logsOnly = { requests: { "ephemeral-storage": "64Mi" }, limits: { "ephemeral-storage": "64Mi" } };
            assert.deepEqual(spec.containers, [{ name: "config-reloader", resources: logsOnly }], `${stack}: the reloader sidecar`);
            assert.deepEqual(spec.initContainers, [{ name: "init-config-reloader", resources: logsOnly }], `${stack}: the reloader's init container`);
        }
    });

    test("the distributed agent's HA pair (replicas, pair and replica labels, spread) sets only fields the CRD defines, with their types", async () => {
        const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues();
        const spec = one((await runStack("prod", values, OBJECT_STORAGE_SECRETS)).resources, AGENT, "lgtm").inputs.spec;
        assert.ok(spec.topologySpreadConstraints.length > 0 && spec.replicaExternalLabelName !== "", "the HA fields are set, so the check covers them");
        assert.deepEqual(schemaProblems(await specSchema("PrometheusAgent", "v1alpha1"), spec, "PrometheusAgent.spec"), []);
    });

    test("the check itself catches a misspelt selector and a wrong type", async () => {
        const schema = await specSchema("PrometheusAgent", "v1alpha1");
        assert.deepEqual(schemaProblems(schema, { scrapeConfigSelecter: {}, replicas: "1" }, "spec"), ["spec.scrapeConfigSelecter: no such field", "spec.replicas: not an integer"]);
    });
});
