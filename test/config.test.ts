import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { loadServiceSpec, loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { rawConfigFromFile } from "../io/stackSources";
import { rawConfigFromPulumi } from "../config/sources";
import { StackConfig } from "../config/types";
import { knownRunbooks, loadStack, minimalRaw } from "./support/fixtures";

const S3_SECRETS = ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"];

/** Secrets as `Pulumi.<stack>.yaml` holds them: set, encrypted, value unknown to the program. */
const withSecrets = (values: Record<string, unknown>, secretKeys: string[]) => ({ ...Object.fromEntries(secretKeys.map((key) => [key, "<secret>"])), ...values });

function problemsOf(values: Record<string, unknown>, secretKeys: string[] = [], otherKeys?: string[]): string[] {
    try {
        loadStackConfig({ ...minimalRaw(withSecrets(values, secretKeys), secretKeys), otherKeys }, { knownRunbooks });
    } catch (error) {
        assert.ok(error instanceof ConfigErrors, `expected ConfigErrors, got ${error}`);
        return [...error.problems];
    }
    return [];
}

function load(values: Record<string, unknown>, secretKeys: string[] = []): StackConfig {
    return loadStackConfig(minimalRaw(values, secretKeys), { knownRunbooks });
}

const service = (overrides: Record<string, unknown>) => ({ name: "checkout", slos: [{ kind: "availability", objective: 99.9 }], ...overrides });
const saturation = (overrides: Record<string, unknown>) => ({ name: "disk", query: "max(disk_used_ratio)", alert: "DBConnectionPoolExhaustion", ...overrides });
const s3 = (overrides: Record<string, unknown>) => ({ storage: { type: "s3", bucket: "acme-traces", ...overrides } });

interface BadConfig {
    readonly name: string;
    readonly values: Record<string, unknown>;
    readonly secretKeys?: string[];
    readonly otherKeys?: string[];
    /** The key path the one message names. */
    readonly key: string;
    /** Words of the message after the key path: what is wrong and the fix, written by hand. */
    readonly says: string;
}

/**
 * Each case is one mistake: loading must report exactly one problem, at `key`, containing `says`.
 * "Exactly one" is the point of several cases: no second, wrong "is required" after a format error.
 */
const CASES: Record<string, BadConfig[]> = {
    "quantities that cannot work together": [
        { name: "a TSDB retention size larger than its volume is refused", values: { prometheus: { retentionSize: "20GB", volumeSize: "10Gi" } }, key: "prometheus.retentionSize", says: '20GB does not fit prometheus.volumeSize 10Gi with room for compaction (at most 90% of the volume; Prometheus counts 1GB as 1GiB); lower it or raise volumeSize' },
        { name: "a retention size of 95% of the volume leaves no room for compaction", values: { prometheus: { retentionSize: "95GB", volumeSize: "100Gi" } }, key: "prometheus.retentionSize", says: "95GB does not fit prometheus.volumeSize 100Gi" },
        { name: "a zero volume size is refused as zero", values: { prometheus: { volumeSize: "0Gi" } }, key: "prometheus.volumeSize", says: '"0Gi" is zero; give a positive quantity such as 10Gi' },
        { name: "a negative memory limit is refused as negative", values: { loki: { resources: { limits: { memory: "-1Gi" } } } }, key: "loki.resources.limits.memory", says: '"-1Gi" is negative; give a positive quantity such as 1024Mi' },
        { name: "a zero CPU limit written as a YAML number is refused as zero", values: { grafana: { resources: { limits: { cpu: 0 } } } }, key: "grafana.resources.limits.cpu", says: '"0" is zero; give a positive quantity such as 200m' },
        { name: "a zero Prometheus retention size is refused because it turns the limit off", values: { prometheus: { retentionSize: "0GB" } }, key: "prometheus.retentionSize", says: '"0GB" is zero, which turns the size limit off; give a positive size such as 8GB' },
        { name: "a zero collector queue volume is refused", values: { collector: { queueVolumeSize: "0" } }, key: "collector.queueVolumeSize", says: '"0" is zero; give a positive quantity such as 2Gi' },
        { name: "a CPU request above its limit is refused before the API server does", values: { prometheus: { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } } }, key: "prometheus.resources.requests.cpu", says: "2 is above the limit 1 (prometheus.resources.limits.cpu), which Kubernetes refuses; lower the request or raise the limit" },
        { name: "a memory request above its limit in another unit is refused (2Gi is 2048Mi)", values: { collector: { gateway: { resources: { requests: { memory: "2Gi" }, limits: { memory: "2000Mi" } } } } }, key: "collector.gateway.resources.requests.memory", says: "2Gi is above the limit 2000Mi (collector.gateway.resources.limits.memory)" },
        { name: "an SLO window longer than the metrics retention is refused", values: { prometheus: { retention: "14d" } }, key: "services[0].slos[0].window", says: "30d is longer than prometheus.retention (14d), so the SLO would be computed over less data than its window; raise prometheus.retention to at least 30d or shorten the window" },
        { name: "a metrics retention shorter than SlowBudgetBurn's three-day window is refused", values: { prometheus: { retention: "2d" }, services: [] }, key: "prometheus.retention", says: "2d is shorter than the 3d window SlowBudgetBurn reads, so that alert could never fire" },
        { name: "a Loki retention of twelve hours is refused", values: { loki: { retention: "12h" } }, key: "loki.retention", says: "12h is shorter than a day" },
        { name: "a Tempo retention of one hour is refused", values: { tempo: { retention: "1h" } }, key: "tempo.retention", says: "1h is shorter than a day, so logs and traces are gone before anyone reads them after a page (and Loki's compactor works in daily tables); use at least 24h, e.g. 7d" },
        { name: "an evaluation interval coarser than the shortest alert window is refused", values: { prometheus: { evaluationInterval: "5m" } }, key: "prometheus.evaluationInterval", says: "5m is coarser than the shortest alert window (2m, HighErrorRate), so alerts would skip windows; use at most 2m, e.g. 30s" },
        { name: "a scrape interval leaving one sample per alert window is refused", values: { prometheus: { scrapeInterval: "2m" } }, key: "prometheus.scrapeInterval", says: "2m leaves fewer than two samples in the shortest alert window (2m), so rate() returns nothing and the alert never fires; use at most 1m, e.g. 30s" },
    ],
    "names that collide": [
        { name: "a service named grafana would share the stack's scrape job and service label", values: { services: [service({ name: "grafana" })] }, key: "services[0].name", says: '"grafana" is the name of a stack component (prometheus, alertmanager, loki, tempo, otel-collector, otel-agent, grafana); its scrape job and service label would collide; rename the service, e.g. grafana-app' },
        { name: "a service named loki collides with the stack's Loki", values: { services: [service({ name: "loki" })] }, key: "services[0].name", says: "rename the service, e.g. loki-app" },
        { name: "a service named otel-collector collides with the gateway", values: { services: [service({ name: "otel-collector" })] }, key: "services[0].name", says: "is the name of a stack component" },
        {
            name: "a service named kube-apiserver would merge with the API server's SLO series and dashboard",
            values: { services: [service({ name: "kube-apiserver" })] },
            key: "services[0].name",
            says: '"kube-apiserver" is a name the stack gives the cluster\'s own parts (kube-apiserver, cluster, apiserver, coredns, etcd, kubelet, kubelet-cadvisor, node-exporter, kube-state-metrics); its scrape job, SLO series or dashboard would collide; rename the service, e.g. kube-apiserver-app',
        },
        { name: "a service named coredns would share CoreDNS's scrape job", values: { services: [service({ name: "coredns" })] }, key: "services[0].name", says: "rename the service, e.g. coredns-app" },
        { name: "two services with the same name are refused", values: { services: [service({}), service({})] }, key: "services[1].name", says: '"checkout" is already used by services[0]; service names must be unique' },
        { name: "two saturation signals with one name are refused", values: { services: [service({ saturation: [saturation({}), saturation({})] })] }, key: "services[0].saturation[1].name", says: '"disk" is already used by services[0].saturation[0]; give each saturation signal of a service a unique name' },
        { name: "a saturation alert reusing the built-in HighErrorRate is refused", values: { services: [service({ saturation: [saturation({ alert: "HighErrorRate" })] })] }, key: "services[0].saturation[0].alert", says: "HighErrorRate is a built-in alert of the stack; give the saturation alert its own name, e.g. DiskSaturated" },
        { name: "a saturation alert reusing the stack alert StackComponentDown is refused", values: { services: [service({ saturation: [saturation({ name: "db_pool", alert: "StackComponentDown" })] })] }, key: "services[0].saturation[0].alert", says: "StackComponentDown is a built-in alert of the stack; give the saturation alert its own name, e.g. DbPoolSaturated" },
        { name: "a saturation alert reusing the burn-rate alert FastBudgetBurn is refused", values: { services: [service({ saturation: [saturation({ alert: "FastBudgetBurn" })] })] }, key: "services[0].saturation[0].alert", says: "FastBudgetBurn is a built-in alert of the stack" },
        { name: "a histogram bucket listed twice is refused at the second entry", values: { services: [service({ histogramBuckets: [0.1, 0.5, 0.5, 1] })] }, key: "services[0].histogramBuckets[2]", says: "0.5 is already listed at services[0].histogramBuckets[1]; each bucket boundary appears once" },
        { name: "two SLOs of a service with one name are refused", values: { services: [service({ slos: [{ kind: "availability" }, { kind: "availability", objective: 99 }] })] }, key: "services[0].slos[1].name", says: '"availability" is already used by services[0].slos[0]; give each SLO of a service a unique name' },
    ],
    "values with the format the target expects": [
        { name: "a webhook URL in plain config is refused: it is a credential", values: { alertmanager: { webhookUrl: "https://hooks.example.com/alerts" } }, key: "alertmanager.webhookUrl", says: "is a credential (webhook and heartbeat URLs carry their token) and plain config ends up in a ConfigMap; remove it and run `pulumi config set --secret webhookUrl <url>`" },
        { name: "a heartbeat URL in plain config is refused: it is a credential", values: { alertmanager: { heartbeatUrl: "https://hc-ping.com/6f1c" } }, key: "alertmanager.heartbeatUrl", says: "is a credential (webhook and heartbeat URLs carry their token) and plain config ends up in a ConfigMap; remove it and run `pulumi config set --secret heartbeatUrl <url>`" },
        { name: "a heartbeat URL set without --secret is refused", values: { heartbeatUrl: "https://hc-ping.com/6f1c" }, key: "heartbeatUrl", says: "is a credential stored in plain text; remove it and run `pulumi config set --secret heartbeatUrl <value>`" },
        { name: "an Ingress host written as a URL is refused", values: { grafana: { ingress: { enabled: true, host: "https://grafana.example.com" } } }, key: "grafana.ingress.host", says: '"https://grafana.example.com" is not a DNS name; give the host alone, without scheme, port or path, e.g. grafana.example.com' },
        { name: "an Ingress host with a port is refused", values: { grafana: { ingress: { enabled: true, host: "grafana.example.com:443" } } }, key: "grafana.ingress.host", says: "give the host alone, without scheme, port or path" },
        { name: "an enabled Ingress without a host is refused", values: { grafana: { ingress: { enabled: true } } }, key: "grafana.ingress.host", says: "is required; the Ingress needs the DNS name Grafana is served under, e.g. grafana.example.com" },
        { name: "a Tempo S3 endpoint with a scheme is refused, since Tempo's client takes host[:port]", values: { tempo: s3({ endpoint: "https://s3.eu-west-1.amazonaws.com" }) }, secretKeys: S3_SECRETS, key: "tempo.storage.endpoint", says: "is not a host[:port]; Tempo's S3 client refuses a scheme or path, so write e.g. s3.eu-west-1.amazonaws.com or minio.storage:9000 (set insecure: true for plain HTTP)" },
        { name: "a Loki S3 endpoint with a path is refused", values: { loki: s3({ endpoint: "minio.storage:9000/loki" }) }, secretKeys: S3_SECRETS, key: "loki.storage.endpoint", says: "is not a host[:port]" },
        { name: "an S3 endpoint with a port beyond 65535 is refused", values: { loki: s3({ endpoint: "minio.storage:70000" }) }, secretKeys: S3_SECRETS, key: "loki.storage.endpoint", says: "is not a host[:port]" },
        { name: "an S3 bucket name with capitals and underscores is refused", values: { loki: s3({ bucket: "My_Logs" }) }, secretKeys: S3_SECRETS, key: "loki.storage.bucket", says: '"My_Logs" is not an S3 bucket name; use 3-63 lowercase letters, digits, \'.\' and \'-\', e.g. acme-loki' },
        { name: "an image tagged main is refused as a moving tag", values: { loki: { image: { tag: "main" } } }, key: "loki.image.tag", says: '"main" is not an upstream release tag; pin a full released version such as' },
        { name: "an image tagged latest is refused", values: { grafana: { image: { tag: "latest" } } }, key: "grafana.image.tag", says: '"latest" is not an upstream release tag; pin a full released version such as' },
        { name: "an image tagged LATEST is refused like latest", values: { prometheus: { image: { tag: "LATEST" } } }, key: "prometheus.image.tag", says: '"LATEST" is not an upstream release tag' },
        { name: "an image pinned to a commit build (main-87c2dc3) is refused: upstream releases only", values: { tempo: { image: { tag: "main-87c2dc3" } } }, key: "tempo.image.tag", says: '"main-87c2dc3" is not an upstream release tag; pin a full released version such as 3.0.3' },
        { name: "an image tagged with a minor line that moves (3.7) is refused", values: { loki: { image: { tag: "3.7" } } }, key: "loki.image.tag", says: '"3.7" is not an upstream release tag' },
        { name: "an image repository with a tag inside is refused", values: { tempo: { image: { repository: "grafana/tempo:2.10.8" } } }, key: "tempo.image.repository", says: "is not an image repository; give it without tag, e.g. quay.io/prometheus/prometheus" },
        { name: "a runbook base URL with a trailing slash is refused once", values: { runbookBaseUrl: "https://example.com/runbooks/" }, key: "runbookBaseUrl", says: "must be an http(s) URL without a trailing slash" },
        { name: "a selector label name with a space is refused", values: { services: [service({ discovery: { kind: "scrape", selector: { "app name": "checkout" } } })] }, key: "services[0].discovery.selector.app name", says: "is not a Kubernetes label name, so no pod can carry it" },
        { name: "a scrape port given as a number is refused with the port-name fix", values: { services: [service({ discovery: { kind: "scrape", selector: { app: "checkout" }, port: 8080 } })] }, key: "services[0].discovery.port", says: "8080 is a port number; give the name of the container port instead (ports[].name in the pod spec), e.g. metrics" },
        { name: "a storage class name with capitals is refused", values: { storageClassName: "Fast SSD" }, key: "storageClassName", says: "is not a StorageClass name; use e.g. standard" },
    ],
    "places a stack must not take over": [
        { name: "the kube-system namespace is refused", values: { namespace: "kube-system" }, key: "namespace", says: '"kube-system" is shared with Kubernetes or every tenant, and the stack owns its namespace (destroying the stack deletes it); use a namespace of its own, e.g. observability' },
        { name: "the kube-public namespace is refused", values: { namespace: "kube-public" }, key: "namespace", says: "use a namespace of its own" },
        { name: "the kube-node-lease namespace is refused", values: { namespace: "kube-node-lease" }, key: "namespace", says: "use a namespace of its own" },
        { name: "the default namespace is refused", values: { namespace: "default" }, key: "namespace", says: "use a namespace of its own" },
    ],
    "config the program would never read": [
        { name: "a lgtm_stack: key is refused with the right prefix", values: {}, otherKeys: ["lgtm_stack:services"], key: "lgtm_stack:services", says: 'is never read: the namespace is "lgtm_stack", not "lgtm-stack"; rename the key to lgtm-stack:services' },
        { name: "a lgtmstack: key is refused with the right prefix", values: {}, otherKeys: ["lgtmstack:namespace"], key: "lgtmstack:namespace", says: "rename the key to lgtm-stack:namespace" },
        { name: "a lgtm-stak: key is refused with the right prefix", values: {}, otherKeys: ["lgtm-stak:prometheus"], key: "lgtm-stak:prometheus", says: "rename the key to lgtm-stack:prometheus" },
        { name: "a LGTM-Stack: key is refused with the right prefix", values: {}, otherKeys: ["LGTM-Stack:loki"], key: "LGTM-Stack:loki", says: "rename the key to lgtm-stack:loki" },
        { name: "a key without a namespace is refused as Pulumi would", values: {}, otherKeys: ["services"], key: "services", says: "has no namespace, so Pulumi refuses the stack file; write lgtm-stack:services" },
        { name: "a misspelt setting names the setting it was meant to be", values: { prometheus: { retension: "30d" } }, key: "prometheus.retension", says: "unknown setting; did you mean retention? known settings here are: configMapShards, evaluationInterval, image, replicas, resources, retention, retentionSize, scrapeInterval, shareServiceRules, volumeSize" },
        { name: "an unknown resource name under requests is refused", values: { tempo: { resources: { requests: { gpu: "1" } } } }, key: "tempo.resources.requests.gpu", says: "unknown setting; did you mean cpu? known settings here are: cpu, memory" },
        { name: "a scrape setting on an OTLP service is refused as belonging to kind scrape", values: { services: [service({ discovery: { kind: "otlp", port: "metrics" } })] }, key: "services[0].discovery.port", says: "only applies with kind: scrape (here kind is otlp); remove it or change kind" },
        { name: "an export interval on a scraped service is refused as belonging to kind otlp", values: { services: [service({ discovery: { kind: "scrape", selector: { app: "shop" }, exportInterval: "30s" } })] }, key: "services[0].discovery.exportInterval", says: "only applies with kind: otlp (here kind is scrape); remove it or change kind" },
        { name: "an OTLP export interval leaving fewer than two samples in HighErrorRate's window is refused", values: { services: [service({ discovery: { kind: "otlp", exportInterval: "90s" } })] }, key: "services[0].discovery.exportInterval", says: "90s leaves fewer than two samples in the shortest alert window (2m, HighErrorRate), so its rate() returns nothing; have the SDK export at most every 1m (OTEL_METRIC_EXPORT_INTERVAL) and set that here" },
        { name: "a bucket on filesystem storage is refused as belonging to type s3", values: { loki: { storage: { type: "filesystem", bucket: "logs" } } }, key: "loki.storage.bucket", says: "only applies with type: s3 (here type is filesystem)" },
        { name: "an objective on a latency SLO is refused as belonging to availability", values: { services: [service({ slos: [{ kind: "latency", threshold: "1s", objective: 99 }] })] }, key: "services[0].slos[0].objective", says: "only applies with kind: availability (here kind is latency)" },
        { name: "custom queries on a preset are refused as belonging to custom", values: { services: [service({ conventions: { preset: "otel-http", errorQuery: "x" } })] }, key: "services[0].conventions.errorQuery", says: "only applies with preset: custom" },
    ],
    "structure: null is an error, never silently the default": [
        { name: "a null setting is refused, not read as the default", values: { prometheus: { retention: null } }, key: "prometheus.retention", says: "is empty (null); give a value, or remove the key to use the default" },
        { name: "a null section is refused", values: { loki: null }, key: "loki", says: "is empty (null)" },
        { name: "a null service entry is refused", values: { services: [service({}), null] }, key: "services[1]", says: "is an empty list entry (null); remove the '-' line or give the entry" },
        { name: "a null SLO entry is refused", values: { services: [service({ slos: [null] })] }, key: "services[0].slos[0]", says: "is an empty list entry (null)" },
        { name: "a null histogram bucket is refused", values: { services: [service({ histogramBuckets: [0.1, null, 1] })] }, key: "services[0].histogramBuckets[1]", says: "is an empty list entry (null)" },
        { name: "a null selector value is refused", values: { services: [service({ discovery: { kind: "scrape", selector: { app: null } } })] }, key: "services[0].discovery.selector.app", says: "is empty (null)" },
        { name: "a null required name is reported once, as null", values: { services: [service({ name: null })] }, key: "services[0].name", says: "is empty (null)" },
    ],
    "durations are read exactly": [
        { name: "a decimal duration is refused with its exact equivalent in milliseconds", values: { services: [service({ alerts: { latencyP99: "2.5s" } })] }, key: "services[0].alerts.latencyP99", says: '"2.5s" has a decimal point, which Prometheus durations cannot have; write 2500ms' },
        { name: "a decimal hour is refused with its exact equivalent in minutes", values: { prometheus: { retention: "720.5h" } }, key: "prometheus.retention", says: "write 43230m" },
        { name: "a duration finer than a millisecond is refused", values: { prometheus: { scrapeInterval: "0.0005s" } }, key: "prometheus.scrapeInterval", says: "is finer than a millisecond; durations are whole milliseconds" },
        { name: "0d is called a zero duration", values: { loki: { retention: "0d" } }, key: "loki.retention", says: '"0d" is a zero duration; give a positive one such as 7d' },
        { name: "units in the wrong order are refused as Prometheus does", values: { tempo: { retention: "30m1h" } }, key: "tempo.retention", says: '"30m1h" is not a duration; use e.g. 30s, 5m, 12h or 30d (units largest first, as in 1h30m)' },
        { name: "a duration without a unit is refused with the unit hint", values: { prometheus: { scrapeInterval: 30 } }, key: "prometheus.scrapeInterval", says: "expected a duration with a unit such as 30s, 5m, 12h or 30d, got 30" },
    ],
    "one message per real problem": [
        { name: "a saturation alert with a bad name gets the format message and no 'is required'", values: { services: [service({ saturation: [saturation({ alert: "disk-full" })] })] }, key: "services[0].saturation[0].alert", says: '"disk-full" is not an UpperCamelCase alert name; use e.g. DBConnectionPoolExhaustion' },
        { name: "a runbook base URL that is not a URL gets the format message and no 'is required'", values: { runbookBaseUrl: "runbooks" }, key: "runbookBaseUrl", says: '"runbooks" must be an http(s) URL without a trailing slash' },
        { name: "a bucket given as a number gets one message", values: { tempo: s3({ bucket: 5 }) }, secretKeys: S3_SECRETS, key: "tempo.storage.bucket", says: "expected a non-empty string, got 5" },
        { name: "a service name that is not a DNS label gets one message", values: { services: [service({ name: "Checkout_API" })] }, key: "services[0].name", says: "is not a short DNS label (at most 30 characters); use lowercase letters, digits and '-', e.g. checkout-api" },
        { name: "a retention that is not a duration is not also compared with the SLO window", values: { prometheus: { retention: "a month" } }, key: "prometheus.retention", says: '"a month" is not a duration' },
        { name: "a request that is not a quantity is not also compared with its limit", values: { prometheus: { resources: { requests: { memory: "2 gigs" } } } }, key: "prometheus.resources.requests.memory", says: '"2 gigs" is not a Kubernetes quantity; use e.g. 500m, 2, 512Mi or 10Gi' },
        { name: "a missing runbook base URL is required once", values: { runbookBaseUrl: undefined }, key: "runbookBaseUrl", says: "is required; every alert links to its runbook" },
        { name: "a missing service name is required once", values: { services: [{ slos: [] }] }, key: "services[0].name", says: "is required; e.g. name: checkout" },
    ],
    "the checks that were there before": [
        { name: "an objective of 100.5% is not a percentage below 100", values: { services: [service({ slos: [{ kind: "availability", objective: 100.5 }] })] }, key: "services[0].slos[0].objective", says: "100.5 is outside 50..99.999; an objective is a percentage below 100; use e.g. 99.9" },
        { name: "a latency threshold between buckets cannot be computed exactly", values: { services: [service({ slos: [{ kind: "latency", percentile: 95, threshold: "2s" }] })] }, key: "services[0].slos[0].threshold", says: "2s is not a bucket boundary of http_server_request_duration_seconds" },
        { name: "a custom error query without the window placeholder", values: { services: [service({ slos: [], conventions: { preset: "custom", errorQuery: "sum(rate(jobs_failed_total[5m]))", totalQuery: "sum(rate(jobs_total[{{.window}}]))" } })] }, key: "services[0].conventions.errorQuery", says: "has no {{.window}} placeholder" },
        { name: "a custom error query equal to the total query", values: { services: [service({ slos: [], conventions: { preset: "custom", errorQuery: "sum(rate(jobs_total[{{.window}}]))", totalQuery: "sum(rate(jobs_total[{{.window}}]))" } })] }, key: "services[0].conventions.errorQuery", says: "count only failed events" },
        { name: "a saturation alert without a runbook", values: { services: [service({ saturation: [saturation({ alert: "DiskAlmostFull" })] })] }, key: "services[0].saturation[0].alert", says: "DiskAlmostFull has no runbook; add runbooks/DiskAlmostFull.md" },
        { name: "a Slack webhook URL stored in plain text", values: { slackWebhookUrl: "https://hooks.slack.com/services/T/B/x" }, key: "slackWebhookUrl", says: "run `pulumi config set --secret slackWebhookUrl <value>`" },
        { name: "s3 storage without credentials", values: { loki: s3({}) }, key: "loki.storage.type", says: "s3 storage needs credentials; run `pulumi config set --secret lokiObjectStorageAccessKeyId ...`" },
        { name: "the node agents in the stack's own namespace", values: { agentNamespace: "observability" }, key: "agentNamespace", says: 'must be a namespace of the node agents\' own: it is the one where privileged pods are allowed' },
        { name: "a namespace too long for the agents' default", values: { namespace: "o".repeat(60) }, key: "agentNamespace", says: 'is not a namespace name; use lowercase letters, digits and \'-\', at most 63 characters; set agentNamespace to a shorter name' },
        { name: "s3 storage without a bucket", values: { tempo: { storage: { type: "s3" } } }, secretKeys: S3_SECRETS, key: "tempo.storage.bucket", says: "is required; type is s3; set the bucket name, or use type: filesystem" },
        { name: "replicas given as text", values: { alertmanager: { replicas: "three" } }, key: "alertmanager.replicas", says: 'expected a number, got "three"' },
        { name: "a boolean given as yes", values: { networkPolicies: "yes" }, key: "networkPolicies", says: 'expected true or false, got "yes"' },
        { name: "two collector gateways would split traces across tail samplers", values: { collector: { gatewayReplicas: 2 } }, key: "collector.gatewayReplicas", says: "tail sampling needs all spans of a trace on one gateway" },
        { name: "a sampling share above 100%", values: { collector: { samplingPercent: 150 } }, key: "collector.samplingPercent", says: "150 is outside 0..100; the share of ordinary traces kept" },
        { name: "an SLO window of one day", values: { services: [service({ slos: [{ kind: "availability", objective: 99, window: "1d" }] })] }, key: "services[0].slos[0].window", says: "1d is outside 7d..90d; SLO windows are usually 28d or 30d" },
    ],
    "a cluster the stack cannot describe": [
        { name: "a provider the stack does not know names the allowed ones", values: { cluster: { provider: "openshift" } }, key: "cluster.provider", says: '"openshift" is not one of generic, eks, gke, aks' },
        { name: "a provider in capitals is refused, not guessed", values: { cluster: { provider: "EKS" } }, key: "cluster.provider", says: '"EKS" is not one of generic, eks, gke, aks' },
        { name: "etcd targets on EKS are refused: AWS runs etcd and exposes none of its metrics", values: { cluster: { provider: "eks", etcdTargets: ["10.0.0.10:2381"] } }, key: "cluster.etcdTargets", says: "is not scraped with cluster.provider: eks (EKS runs etcd itself and exposes none of its metrics); remove it, or set cluster.provider: generic for a control plane you run" },
        { name: "an etcd target without a port", values: { cluster: { etcdTargets: ["10.0.0.10"] } }, key: "cluster.etcdTargets[0]", says: '"10.0.0.10" is not host:port; give etcd\'s plain-HTTP metrics listener, e.g. 10.0.0.10:2381' },
        { name: "an etcd target given as a URL", values: { cluster: { etcdTargets: ["http://10.0.0.10:2381"] } }, key: "cluster.etcdTargets[0]", says: "is not host:port" },
        { name: "a misspelt cluster key", values: { cluster: { providr: "eks" } }, key: "cluster.providr", says: "provider" },
    ],
    "network policy egress destinations Kubernetes would refuse, or that would allow nothing": [
        { name: "an address without a prefix length", values: { networkPolicies: { egress: { apiServer: ["10.0.0.1"] } } }, key: "networkPolicies.egress.apiServer[0]", says: '"10.0.0.1" is not a CIDR (an IPv4 or IPv6 address, \'/\', a prefix length)' },
        { name: "an octet above 255", values: { networkPolicies: { egress: { nodes: ["192.168.300.0/24"] } } }, key: "networkPolicies.egress.nodes[0]", says: "is not a CIDR" },
        { name: "a prefix longer than the address", values: { networkPolicies: { egress: { objectStorage: ["203.0.113.10/33"] } } }, key: "networkPolicies.egress.objectStorage[0]", says: "has a prefix longer than the address (32 bits)" },
        { name: "host bits set below the prefix", values: { networkPolicies: { egress: { nodes: ["192.168.10.5/24"] } } }, key: "networkPolicies.egress.nodes[0]", says: "has host bits set below /24; write the network's first address" },
        { name: "host bits set in an IPv6 prefix", values: { networkPolicies: { egress: { receivers: ["2001:db8::1/64"] } } }, key: "networkPolicies.egress.receivers[0]", says: "has host bits set below /64" },
        { name: "two '::' in an IPv6 address", values: { networkPolicies: { egress: { receivers: ["2001::db8::/64"] } } }, key: "networkPolicies.egress.receivers[0]", says: "is not a CIDR" },
        { name: "every address, which is what leaving the key out means", values: { networkPolicies: { egress: { probes: ["0.0.0.0/0"] } } }, key: "networkPolicies.egress.probes[0]", says: "is every address; leave the key out instead" },
        { name: "an empty list would allow no address at all", values: { networkPolicies: { egress: { apiServer: [] } } }, key: "networkPolicies.egress.apiServer", says: "is an empty list, which would allow no address at all" },
        { name: "a destination the stack does not know", values: { networkPolicies: { egress: { apiserver: ["10.0.0.1/32"] } } }, key: "networkPolicies.egress.apiserver", says: "did you mean apiServer?" },
        { name: "destinations with policies switched off", values: { networkPolicies: { enabled: false, egress: { apiServer: ["10.0.0.1/32"] } } }, key: "networkPolicies.egress", says: "has no effect with networkPolicies.enabled: false" },
        { name: "a number where a CIDR belongs", values: { networkPolicies: { egress: { nodes: [10] } } }, key: "networkPolicies.egress.nodes[0]", says: "10 is not a CIDR" },
    ],
    "notification routing that would match nothing or never hold": [
        { name: "receivers for a team no service has would route no alert", values: { alertmanager: { teams: { search: { slackChannel: "#search-alerts" } } } }, secretKeys: ["slackWebhookUrl"], key: "alertmanager.teams.search", says: 'no service has team "search", so this route would match no alert; use a team of services[].team (platform)' },
        { name: "a team's Slack channel without the stack's Slack webhook cannot be delivered", values: { alertmanager: { teams: { platform: { slackChannel: "#platform-alerts" } } } }, key: "alertmanager.teams.platform.slackChannel", says: "needs the stack's Slack webhook, which is not set; run `pulumi config set --secret slackWebhookUrl <url>`" },
        { name: "a team's Slack channel must be a channel name", values: { alertmanager: { teams: { platform: { slackChannel: "platform-alerts" } } } }, secretKeys: ["slackWebhookUrl"], key: "alertmanager.teams.platform.slackChannel", says: "must be a channel name starting with #" },
        { name: "team PagerDuty routing keys in plain text are refused", values: { pagerdutyTeamRoutingKeys: { platform: "R0UT1NGKEY" } }, key: "pagerdutyTeamRoutingKeys", says: "holds credentials in plain text; remove it and set each team's key with `pulumi config set --secret --path 'pagerdutyTeamRoutingKeys.<team>' <routing key>`" },
        { name: "a PagerDuty routing key for a team no service has", values: { pagerdutyTeamRoutingKeys: { search: "<secret>" } }, secretKeys: ["pagerdutyTeamRoutingKeys"], key: "pagerdutyTeamRoutingKeys.search", says: 'no service has team "search"' },
        { name: "business hours ending before they start", values: { alertmanager: { timeIntervals: { "business-hours": [{ times: [{ start: "17:00", end: "09:00" }] }] } } }, key: "alertmanager.timeIntervals.business-hours[0].times[0].end", says: "09:00 is not after start (17:00); a range that crosses midnight is two entries" },
        { name: "a misspelt weekday in a range", values: { alertmanager: { timeIntervals: { "business-hours": [{ weekdays: ["monday:fryday"] }] } } }, key: "alertmanager.timeIntervals.business-hours[0].weekdays[0]", says: '"monday:fryday" is not a weekdays name or an ascending range of them; use e.g. "monday:friday"' },
        { name: "a time zone Go cannot load", values: { alertmanager: { timeIntervals: { "business-hours": [{ weekdays: ["monday:friday"], location: "Europe/Berlinn" }] } } }, key: "alertmanager.timeIntervals.business-hours[0].location", says: "is not an IANA time zone; use e.g. Europe/Berlin or UTC" },
        { name: "a period with no field matches every moment", values: { alertmanager: { timeIntervals: { always: [{}] } } }, key: "alertmanager.timeIntervals.always[0]", says: "matches every moment; give at least one of times, weekdays" },
        { name: "a day of the month 0 does not exist", values: { alertmanager: { timeIntervals: { "month-start": [{ daysOfMonth: ["0:3"] }] } } }, key: "alertmanager.timeIntervals.month-start[0].daysOfMonth[0]", says: "is not a day of the month (1..31, or -1..-31 from the end)" },
        { name: "time interval names starting with maintenance- are kept for maintenance windows", values: { alertmanager: { timeIntervals: { "maintenance-nightly": [{ times: [{ start: "01:00", end: "02:00" }] }] } } }, key: "alertmanager.timeIntervals.maintenance-nightly", says: "not starting with maintenance-" },
        { name: "ticket hours naming an interval that is not declared", values: { alertmanager: { ticketHours: "office-hours" } }, key: "alertmanager.ticketHours", says: '"office-hours" is not a time interval of alertmanager.timeIntervals (none declared); declare it there' },
        { name: "a maintenance window for a service the stack does not have", values: { alertmanager: { maintenance: [{ name: "db-upgrade", services: ["checkout", "billing"], start: "2026-12-10T22:00Z", end: "2026-12-11T02:00Z" }] } }, key: "alertmanager.maintenance[0].services[1]", says: '"billing" is not a service of this stack, so the window would mute nothing' },
        { name: "a maintenance window ending before it starts", values: { alertmanager: { maintenance: [{ name: "db-upgrade", services: ["checkout"], start: "2026-12-11T02:00Z", end: "2026-12-10T22:00Z" }] } }, key: "alertmanager.maintenance[0].end", says: "is not after start" },
        { name: "a maintenance window of eight days would hide real outages", values: { alertmanager: { maintenance: [{ name: "migration", services: ["checkout"], start: "2026-12-01T00:00Z", end: "2026-12-09T00:00Z" }] } }, key: "alertmanager.maintenance[0].end", says: "makes the window longer than 7 days" },
        { name: "a maintenance start without a time zone is ambiguous", values: { alertmanager: { maintenance: [{ name: "db-upgrade", services: ["checkout"], start: "2026-12-10 22:00", end: "2026-12-11T02:00Z" }] } }, key: "alertmanager.maintenance[0].start", says: "is not a UTC time on a whole minute; write it as YYYY-MM-DDTHH:MMZ" },
        { name: "a maintenance start on a day that does not exist", values: { alertmanager: { maintenance: [{ name: "db-upgrade", services: ["checkout"], start: "2026-02-30T22:00Z", end: "2026-03-01T02:00Z" }] } }, key: "alertmanager.maintenance[0].start", says: "is not a UTC time on a whole minute" },
    ],
};

for (const [kind, cases] of Object.entries(CASES)) {
    describe(`config refuses ${kind}`, () => {
        for (const bad of cases) {
            test(bad.name, () => {
                const problems = problemsOf(bad.values, bad.secretKeys, bad.otherKeys);
                assert.equal(problems.length, 1, `expected exactly one problem, got:\n${problems.join("\n")}`);
                assert.ok(problems[0].startsWith(`${bad.key}: `), `expected the problem to name ${bad.key}; got: ${problems[0]}`);
                assert.ok(problems[0].includes(bad.says), `expected "${bad.says}" in: ${problems[0]}`);
            });
        }
    });
}

describe("config accepts valid input", () => {
    const VALID: { name: string; values: Record<string, unknown>; secretKeys?: string[]; check: (config: StackConfig) => void }[] = [
        {
            name: "teams, ticket hours in Berlin and a maintenance window over midnight are read as written",
            values: {
                alertmanager: {
                    teams: { platform: { slackChannel: "#platform-alerts" } },
                    timeIntervals: { "business-hours": [{ weekdays: ["monday:friday"], times: [{ start: "08:00", end: "18:00" }], location: "Europe/Berlin" }] },
                    ticketHours: "business-hours",
                    maintenance: [{ name: "db-upgrade", services: ["checkout"], start: "2026-12-10T22:00Z", end: "2026-12-11T02:00Z" }],
                },
            },
            secretKeys: ["slackWebhookUrl"],
            check: (c) => {
                assert.deepEqual(c.alertmanager.teams, [{ team: "platform", slackChannel: "#platform-alerts" }]);
                assert.deepEqual(c.alertmanager.timeIntervals, [{ name: "business-hours", periods: [{ times: [{ start: "08:00", end: "18:00" }], weekdays: ["monday:friday"], location: "Europe/Berlin" }] }]);
                assert.equal(c.alertmanager.ticketHours, "business-hours");
                // 2026-12-10T22:00Z and 4 hours later, in ms since the epoch.
                assert.deepEqual(c.alertmanager.maintenance, [{ name: "db-upgrade", services: ["checkout"], startMs: 1796940000000, endMs: 1796954400000 }]);
            },
        },
        { name: "a CPU quantity written as a YAML number (cpu: 2) is what Kubernetes accepts", values: { prometheus: { resources: { requests: { cpu: 1 }, limits: { cpu: 2 } } } }, check: (c) => assert.deepEqual([c.prometheus.resources.requests.cpu, c.prometheus.resources.limits.cpu], ["1", "2"]) },
        { name: "a fractional CPU (0.5) as a YAML number is accepted", values: { grafana: { resources: { requests: { cpu: 0.1 }, limits: { cpu: 0.5 } } } }, check: (c) => assert.equal(c.grafana.resources.limits.cpu, "0.5") },
        { name: "a request equal to its limit is accepted", values: { loki: { resources: { requests: { memory: "1Gi" }, limits: { memory: "1024Mi" } } } }, check: (c) => assert.equal(c.loki.resources.requests.memory, "1Gi") },
        { name: "a retention size of exactly 90% of the volume is accepted", values: { prometheus: { retentionSize: "9GB", volumeSize: "10Gi" } }, check: (c) => assert.equal(c.prometheus.retentionSize, "9GB") },
        { name: "a compound duration in Prometheus order is accepted", values: { loki: { retention: "1d12h" } }, check: (c) => assert.equal(c.loki.retention, "1d12h") },
        { name: "a millisecond duration is accepted", values: { services: [service({ alerts: { latencyP99: "2500ms" } })] }, check: (c) => assert.equal(c.services[0].latencyP99ThresholdSeconds, 2.5) },
        { name: "a saturation for of 0s fires at once and is accepted", values: { services: [service({ saturation: [saturation({ for: "0s" })] })] }, check: (c) => assert.equal(c.services[0].saturation[0].levels[0].for, "0s") },
        { name: "a selector value written as a YAML number is read as its label text", values: { services: [service({ discovery: { kind: "scrape", selector: { version: 2 } } })] }, check: (c) => assert.deepEqual(c.services[0].discovery.kind === "scrape" && c.services[0].discovery.selector, { version: "2" }) },
        { name: "an S3 endpoint with a port (MinIO) is accepted", values: { loki: s3({ endpoint: "minio.storage.svc:9000", insecure: true, forcePathStyle: true }) }, secretKeys: S3_SECRETS, check: (c) => assert.equal(c.loki.storage.type === "s3" && c.loki.storage.endpoint, "minio.storage.svc:9000") },
        { name: "an image pinned to a released version with a suffix (0.160.0-alpine) is accepted", values: { collector: { image: { tag: "0.160.0-alpine" } } }, check: (c) => assert.equal(c.collector.image.tag, "0.160.0-alpine") },
        { name: "a disabled Ingress needs no host", values: { grafana: { ingress: { enabled: false } } }, check: (c) => assert.equal(c.grafana.ingress.enabled, false) },
        { name: "keys of other namespaces (kubernetes:context) are left to their owners", values: {}, check: (c) => assert.equal(c.namespace, "observability") },
        { name: "unsorted histogram buckets are read in order", values: { services: [service({ histogramBuckets: [2, 0.5, 1] })] }, check: (c) => assert.deepEqual(c.services[0].histogramBuckets, [0.5, 1, 2]) },
        { name: "a latency threshold of 250ms matches the 0.25 bucket exactly", values: { services: [service({ histogramBuckets: [0.1, 0.25, 1], slos: [{ kind: "latency", threshold: "250ms" }] })] }, check: (c) => assert.equal(c.services[0].slos[0].kind === "latency" && c.services[0].slos[0].thresholdSeconds, 0.25) },
        { name: "zero is a value, not a missing setting", values: { collector: { samplingPercent: 0 } }, check: (c) => assert.equal(c.collector.baselineSamplingPercent, 0) },
        {
            name: "without cluster settings the control plane is a generic one: API server and CoreDNS scraped, etcd only with targets",
            values: {},
            check: (c) => assert.deepEqual(c.cluster, { provider: "generic", controlPlane: { apiServer: true, coreDns: true, etcd: false }, etcdTargets: [] }),
        },
        {
            name: "a generic cluster with etcd targets scrapes them",
            values: { cluster: { etcdTargets: ["10.0.0.10:2381", "etcd-1.internal:2381"] } },
            check: (c) => assert.deepEqual(c.cluster, { provider: "generic", controlPlane: { apiServer: true, coreDns: true, etcd: true }, etcdTargets: ["10.0.0.10:2381", "etcd-1.internal:2381"] }),
        },
        { name: "EKS shows the API server and CoreDNS", values: { cluster: { provider: "eks" } }, check: (c) => assert.deepEqual(c.cluster.controlPlane, { apiServer: true, coreDns: true, etcd: false }) },
        { name: "GKE shows the API server but runs kube-dns, not CoreDNS", values: { cluster: { provider: "gke" } }, check: (c) => assert.deepEqual(c.cluster.controlPlane, { apiServer: true, coreDns: false, etcd: false }) },
        { name: "AKS shows CoreDNS but not the API server's metrics", values: { cluster: { provider: "aks" } }, check: (c) => assert.deepEqual(c.cluster.controlPlane, { apiServer: false, coreDns: true, etcd: false }) },
    ];
    for (const valid of VALID) {
        test(valid.name, () => {
            const raw = { ...minimalRaw(withSecrets(valid.values, valid.secretKeys ?? []), valid.secretKeys), otherKeys: ["kubernetes:context", "aws:region"] };
            valid.check(loadStackConfig(raw, { knownRunbooks }));
        });
    }
});

describe("networkPolicies: on or off, or with egress destinations", () => {
    test("the object form: destinations as written (IPv4 and IPv6), which turn the policies on in dev too", () => {
        const config = loadStackConfig(minimalRaw({ networkPolicies: { egress: { apiServer: ["10.0.0.1/32", "172.18.0.2/32"], nodes: ["192.168.10.0/24", "fd00:10::/64"] } } }), { knownRunbooks });
        assert.equal(config.networkPolicies, true);
        assert.deepEqual(config.networkPolicyEgress, { apiServer: ["10.0.0.1/32", "172.18.0.2/32"], nodes: ["192.168.10.0/24", "fd00:10::/64"] });
        assert.equal(loadStackConfig(minimalRaw({ networkPolicies: {} }), { knownRunbooks }).networkPolicies, false, "dev's default without destinations");
        assert.equal(loadStackConfig(minimalRaw({ networkPolicies: { enabled: "true" } }), { knownRunbooks }).networkPolicies, true);
    });

    test("the boolean form keeps meaning what it did: no destinations named", () => {
        const config = loadStackConfig(minimalRaw({ networkPolicies: "true" }), { knownRunbooks });
        assert.equal(config.networkPolicies, true);
        assert.deepEqual(config.networkPolicyEgress, {});
    });
});

describe("config errors are reported together", () => {
    test("every mistake is reported at once, not just the first", () => {
        const problems = problemsOf({ loki: { retention: "soon" }, tempo: { retention: "later" }, networkPolicies: "maybe" });
        assert.deepEqual(problems, [
            'networkPolicies: expected true or false, got "maybe"',
            'loki.retention: "soon" is not a duration; use e.g. 30s, 5m, 12h or 30d (units largest first, as in 1h30m)',
            'tempo.retention: "later" is not a duration; use e.g. 30s, 5m, 12h or 30d (units largest first, as in 1h30m)',
        ]);
    });

    test("the error message lists each problem on its own line", () => {
        assert.throws(() => load({ loki: { retention: "soon" } }), /invalid stack configuration \(1 problem\):\n {2}- loki\.retention:/);
    });

    test("a service given in code is named by the path its caller gives", () => {
        assert.throws(() => loadServiceSpec({ name: "checkout", slos: [null] }, { knownRunbooks }, "checkoutService"), /checkoutService\.slos\[0\]: is an empty list entry/);
    });
});

describe("config from where Pulumi and the render command read it", () => {
    test("a mistyped namespace in the Pulumi program's config (PULUMI_CONFIG keys) is reported", () => {
        const raw = rawConfigFromPulumi(
            "dev",
            { "lgtm-stack:runbookBaseUrl": "https://example.com/runbooks", "lgtm_stack:services": '[{"name":"checkout"}]', "kubernetes:context": "kind" },
            () => false,
        );
        assert.throws(() => loadStackConfig(raw, { knownRunbooks }), (error: unknown) => {
            assert.ok(error instanceof ConfigErrors);
            assert.deepEqual(error.problems, ['lgtm_stack:services: is never read: the namespace is "lgtm_stack", not "lgtm-stack"; rename the key to lgtm-stack:services']);
            return true;
        });
    });

    test("a team's PagerDuty key set with --path is a secret map wherever it is read", () => {
        const fromPulumi = rawConfigFromPulumi(
            "dev",
            { "lgtm-stack:runbookBaseUrl": "https://example.com/runbooks", "lgtm-stack:services": '[{"name":"checkout","team":"platform"}]', "lgtm-stack:pagerdutyTeamRoutingKeys": '{"platform":"R0UT1NG"}' },
            (key) => key === "lgtm-stack:pagerdutyTeamRoutingKeys",
        );
        assert.deepEqual(loadStackConfig(fromPulumi, { knownRunbooks }).secrets.pagerdutyTeams, ["platform"]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-config-"));
        try {
            const file = path.join(dir, "Pulumi.dev.yaml");
            // What `pulumi config set --secret --path 'pagerdutyTeamRoutingKeys.platform' <key>` writes.
            fs.writeFileSync(file, "config:\n  lgtm-stack:runbookBaseUrl: https://example.com/runbooks\n  lgtm-stack:services:\n    - { name: checkout, team: platform }\n  lgtm-stack:pagerdutyTeamRoutingKeys:\n    platform:\n      secure: v1:AAAA\n");
            assert.deepEqual(loadStackConfig(rawConfigFromFile(file, "dev"), { knownRunbooks }).secrets.pagerdutyTeams, ["platform"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("a mistyped namespace in Pulumi.<stack>.yaml is reported by the render command too", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-config-"));
        try {
            const file = path.join(dir, "Pulumi.dev.yaml");
            fs.writeFileSync(file, "config:\n  lgtm-stack:runbookBaseUrl: https://example.com/runbooks\n  lgtmstack:services:\n    - name: checkout\n");
            assert.throws(() => loadStackConfig(rawConfigFromFile(file, "dev"), { knownRunbooks }), /lgtmstack:services: is never read: .*rename the key to lgtm-stack:services/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the committed stacks", () => {
    test("dev declares the reference customer's three services and its transcoding worker with their SLOs", () => {
        const dev = loadStack("dev");
        assert.deepEqual(
            dev.services.map((s) => [s.name, s.slos.map((slo) => `${slo.kind}:${slo.objective}${slo.kind === "latency" ? `<${slo.thresholdSeconds}s` : ""}`)]),
            [
                // The second availability SLO counts the blackbox exporter's probes of the demo pod.
                ["api", ["availability:0.995", "availability:0.995"]],
                ["session-start", ["latency:0.95<2s", "availability:0.995"]],
                ["video-load", ["latency:0.95<4s"]],
                ["transcoding", ["availability:0.99", "latency:0.95<300s"]],
            ],
        );
        assert.equal(dev.profile, "dev");
        assert.equal(dev.loki.storage.type, "filesystem");
        // The services' 30d SLO windows need 30d of metrics.
        assert.equal(dev.prometheus.retentionTime, "30d");
    });

    test("prod gets HA replicas, persistence, object storage, network policies and longer retention", () => {
        const dev = loadStack("dev");
        const prod = loadStack("prod");
        assert.ok(prod.prometheus.replicas > dev.prometheus.replicas);
        assert.ok(prod.alertmanager.replicas >= 3);
        assert.equal(prod.loki.storage.type, "s3");
        assert.equal(prod.networkPolicies, true);
        assert.equal(prod.podDisruptionBudgets, true);
        assert.ok(prod.loki.persistence.enabled && prod.tempo.persistence.enabled && prod.grafana.persistence.enabled);
        assert.notEqual(prod.loki.retention, dev.loki.retention);
        assert.deepEqual(prod.secrets, { pagerdutyRoutingKey: true, slackWebhookUrl: true, webhookUrl: false, heartbeatUrl: true, objectStorageAccessKeyId: true, objectStorageSecretAccessKey: true, objectStorageEngines: [], grafanaAdminPassword: false, grafanaExternalUrl: false, grafanaServiceAccountToken: false, grafanaOAuthClientSecret: false, pagerdutyTeams: [] });
    });
});

describe("a service given in code gets the same checks", () => {
    test("a service named after a stack component is refused in code too", () => {
        assert.throws(
            () => loadServiceSpec({ name: "prometheus" }, { knownRunbooks }, "service"),
            /service\.name: "prometheus" is the name of a stack component .*rename the service, e\.g\. prometheus-app/,
        );
    });
});
