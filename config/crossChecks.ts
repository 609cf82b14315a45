/**
 * Checks between values that are each valid alone but cannot work together: sizes, windows and
 * names. A check stays silent when one of its values already has a problem (one message per mistake).
 */
import { BUILT_IN_ALERT_NAMES, DEFAULT_BURN_RATE_POLICY, HIGH_ERROR_RATE, LATENCY_COLLAPSE } from "../model/alerting";
import { sliErrorWindows } from "../model/recordedSeries";
import { CONFIGMAP_SHARDS_KEY } from "../model/components";
import { NAMESPACE, RESERVED_NAMESPACES } from "./formats";
import { Problems } from "./reader";
import { Resources, StackConfig } from "./types";
import { durationMs, formatMs, NANO, parsePrometheusSize, parseQuantity } from "./units";

const DAY_MS = 86_400_000;
/**
 * Prometheus' size-based retention counts blocks, WAL and head chunks, but compaction writes a new
 * block before deleting the old ones: keep a tenth of the volume free.
 */
const RETENTION_SIZE_SHARE = { numerator: 9n, denominator: 10n };
/**
 * Loki's compactor applies retention per daily index table, and stream retention under 24h is
 * refused at start; Tempo gets the same floor so a trace linked from last night's page is still there.
 */
const LOGS_TRACES_MIN_RETENTION_MS = DAY_MS;

function checkRequestsWithinLimits(problems: Problems, path: string, resources: Resources): void {
    for (const resource of ["cpu", "memory"] as const) {
        const requestPath = `${path}.requests.${resource}`;
        const limitPath = `${path}.limits.${resource}`;
        if (problems.about(requestPath, limitPath)) {
            continue;
        }
        const request = parseQuantity(resources.requests[resource]) ?? 0n;
        const limit = parseQuantity(resources.limits[resource]) ?? 0n;
        if (request > limit) {
            // The API server refuses the pod: "must be less than or equal to <resource> limit".
            problems.add(
                requestPath,
                `${resources.requests[resource]} is above the limit ${resources.limits[resource]} (${limitPath}), which Kubernetes refuses; lower the request or raise the limit`,
            );
        }
    }
}

function checkPrometheus(problems: Problems, config: StackConfig): void {
    const prometheus = config.prometheus;
    if (!problems.about("prometheus.retentionSize", "prometheus.volumeSize")) {
        const sizeBytes = parsePrometheusSize(prometheus.retentionSize) ?? 0n;
        const volumeBytes = (parseQuantity(prometheus.persistence.size) ?? 0n) / NANO;
        if (sizeBytes * RETENTION_SIZE_SHARE.denominator > volumeBytes * RETENTION_SIZE_SHARE.numerator) {
            problems.add(
                "prometheus.retentionSize",
                `${prometheus.retentionSize} does not fit prometheus.volumeSize ${prometheus.persistence.size} with room for compaction (at most 90% of the volume; Prometheus counts 1GB as 1GiB); lower it or raise volumeSize`,
            );
        }
    }
    // Rules and dashboards read the metrics store: Prometheus in the single topology, Mimir (its
    // ruler evaluates, Grafana queries it) in the distributed one. Its retention must cover every window they read.
    const store =
        config.topology.kind === "distributed" ? { path: "topology.mimir.retention", retention: config.topology.mimir.retention } : { path: "prometheus.retention", retention: prometheus.retentionTime };
    const retentionMs = durationMs(store.retention) ?? 0;
    const policies = [DEFAULT_BURN_RATE_POLICY, ...config.services.map((service) => service.burnRatePolicy)];
    const windowsRead = policies.flatMap((policy) => sliErrorWindows(policy, (window) => durationMs(window) ?? 0));
    const longestBurnWindowMs = Math.max(...windowsRead.map((window) => durationMs(window) ?? 0));
    if (!problems.about(store.path) && retentionMs < longestBurnWindowMs) {
        problems.add(
            store.path,
            `${store.retention} is shorter than the ${formatMs(longestBurnWindowMs)} window SlowBudgetBurn reads, so that alert could never fire; keep at least the longest SLO window, e.g. 30d`,
        );
    }
    // The shortest range any stack rule reads: rate() needs two samples in it, and an evaluation per window.
    const shortestWindowMs = Math.min(...[HIGH_ERROR_RATE.window, LATENCY_COLLAPSE.window, ...windowsRead].map((window) => durationMs(window) ?? Infinity));
    const evaluationMs = durationMs(prometheus.evaluationInterval) ?? 0;
    if (!problems.about("prometheus.evaluationInterval") && evaluationMs > shortestWindowMs) {
        problems.add(
            "prometheus.evaluationInterval",
            `${prometheus.evaluationInterval} is coarser than the shortest alert window (${formatMs(shortestWindowMs)}, HighErrorRate), so alerts would skip windows; use at most ${formatMs(shortestWindowMs)}, e.g. 30s`,
        );
    }
    const scrapeMs = durationMs(prometheus.scrapeInterval) ?? 0;
    if (!problems.about("prometheus.scrapeInterval") && scrapeMs * 2 > shortestWindowMs) {
        problems.add(
            "prometheus.scrapeInterval",
            `${prometheus.scrapeInterval} leaves fewer than two samples in the shortest alert window (${formatMs(shortestWindowMs)}), so rate() returns nothing and the alert never fires; use at most ${formatMs(shortestWindowMs / 2)}, e.g. 30s`,
        );
    }
    config.services.forEach((service, i) =>
        service.slos.forEach((slo, j) => {
            const path = `services[${i}].slos[${j}].window`;
            if (!problems.about(path, store.path) && (durationMs(slo.window) ?? 0) > retentionMs) {
                problems.add(
                    path,
                    `${slo.window} is longer than ${store.path} (${store.retention}), so the SLO would be computed over less data than its window; raise ${store.path} to at least ${slo.window} or shorten the window`,
                );
            }
        }),
    );
}

function checkRetentions(problems: Problems, config: StackConfig): void {
    for (const [path, retention] of [["loki.retention", config.loki.retention], ["tempo.retention", config.tempo.retention]] as const) {
        if (!problems.about(path) && (durationMs(retention) ?? 0) < LOGS_TRACES_MIN_RETENTION_MS) {
            problems.add(path, `${retention} is shorter than a day, so logs and traces are gone before anyone reads them after a page (and Loki's compactor works in daily tables); use at least 24h, e.g. 7d`);
        }
    }
}

/**
 * prod needs somewhere for the Watchdog to go: the always-firing alert is what proves Prometheus
 * and Alertmanager alive, and without a heartbeat receiver their death pages no one.
 */
function checkHeartbeat(problems: Problems, config: StackConfig): void {
    if (config.profile === "prod" && !config.secrets.heartbeatUrl && !problems.about("heartbeatUrl")) {
        problems.add(
            "heartbeatUrl",
            "is required with profile prod: without it the Watchdog alert goes nowhere and a dead Prometheus or Alertmanager pages no one; run `pulumi config set --secret heartbeatUrl <your dead man's switch URL>` (e.g. healthchecks.io, Cronitor, PagerDuty heartbeat)",
        );
    }
}

function checkNames(problems: Problems, config: StackConfig): void {
    if (!problems.about("namespace") && RESERVED_NAMESPACES.includes(config.namespace)) {
        problems.add(
            "namespace",
            `"${config.namespace}" is shared with Kubernetes or every tenant, and the stack owns its namespace (destroying the stack deletes it); use a namespace of its own, e.g. observability`,
        );
    }
    if (!problems.about("namespace") && !problems.about("agentNamespace")) {
        if (config.agentNamespace === config.namespace || RESERVED_NAMESPACES.includes(config.agentNamespace)) {
            problems.add("agentNamespace", `"${config.agentNamespace}" must be a namespace of the node agents' own: it is the one where privileged pods are allowed; use e.g. ${config.namespace}-agents`);
        } else if (!NAMESPACE.test(config.agentNamespace)) {
            problems.add("agentNamespace", `"${config.agentNamespace}" (namespace + "-agents") ${NAMESPACE.hint}; set agentNamespace to a shorter name`);
        }
    }
    const firstUse = new Map<string, number>();
    config.services.forEach((service, i) => {
        const namePath = `services[${i}].name`;
        if (problems.about(namePath)) {
            return;
        }
        if (firstUse.has(service.name)) {
            problems.add(namePath, `"${service.name}" is already used by services[${firstUse.get(service.name)}]; service names must be unique`);
        } else {
            firstUse.set(service.name, i);
        }
        service.saturation.forEach((signal, j) => {
            const alertPath = `services[${i}].saturation[${j}].alert`;
            if (!problems.about(alertPath) && BUILT_IN_ALERT_NAMES.has(signal.alert)) {
                problems.add(alertPath, `${signal.alert} is a built-in alert of the stack; give the saturation alert its own name, e.g. ${signal.name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Saturated`);
            }
        });
    });
}

/** Reports every combination of values that Kubernetes or a backend would refuse or silently mishandle. */
export function checkAcrossSettings(problems: Problems, config: StackConfig): void {
    const resources: [string, Resources][] = [
        ["prometheus.resources", config.prometheus.resources],
        ["alertmanager.resources", config.alertmanager.resources],
        ["loki.resources", config.loki.resources],
        ["tempo.resources", config.tempo.resources],
        ["collector.gateway.resources", config.collector.gatewayResources],
        ["collector.agent.resources", config.collector.agentResources],
        ["grafana.resources", config.grafana.resources],
    ];
    resources.forEach(([path, value]) => checkRequestsWithinLimits(problems, path, value));
    checkPrometheus(problems, config);
    checkRetentions(problems, config);
    checkNames(problems, config);
    checkHeartbeat(problems, config);
    checkIngressTls(problems, config);
    checkNotificationRouting(problems, config);
    checkProbes(problems, config);
}

/** Teams and services named by routing must be ones the stack's services carry, or the route matches nothing. */
function checkNotificationRouting(problems: Problems, config: StackConfig): void {
    const teams = [...new Set(config.services.map((service) => service.team))].sort();
    const services = new Set(config.services.map((service) => service.name));
    const knownTeams = teams.length > 0 ? teams.join(", ") : "none: no service is declared";
    config.alertmanager.teams.forEach(({ team, slackChannel }) => {
        const path = `alertmanager.teams.${team}`;
        if (!teams.includes(team)) {
            problems.add(path, `no service has team "${team}", so this route would match no alert; use a team of services[].team (${knownTeams})`);
        }
        if (slackChannel !== undefined && !config.secrets.slackWebhookUrl) {
            problems.add(`${path}.slackChannel`, "needs the stack's Slack webhook, which is not set; run `pulumi config set --secret slackWebhookUrl <url>` (or remove the channel)");
        }
    });
    for (const team of config.secrets.pagerdutyTeams) {
        if (!teams.includes(team)) {
            problems.add(`pagerdutyTeamRoutingKeys.${team}`, `no service has team "${team}"; use a team of services[].team (${knownTeams}), or remove the key with \`pulumi config rm --path 'pagerdutyTeamRoutingKeys.${team}'\``);
        }
    }
    config.alertmanager.maintenance.forEach((window, index) => {
        window.services.forEach((service, serviceIndex) => {
            if (!services.has(service)) {
                problems.add(`alertmanager.maintenance[${index}].services[${serviceIndex}]`, `"${service}" is not a service of this stack, so the window would mute nothing; use one of services[].name`);
            }
        });
    });
}

/**
 * Probes run through the operator's agent (Probe objects) and the blackbox exporter it comes with.
 * With the operator, the services' rules are PrometheusRules that the operator packs into ConfigMaps
 * itself, so the shards of `prometheus.configMapShards` hold the stack's own rules only.
 */
function checkProbes(problems: Problems, config: StackConfig): void {
    const tenants = config.topology.kind === "distributed" && config.topology.tenancy !== undefined;
    if (config.prometheus.shareServiceRules && (!config.operator.enabled || tenants)) {
        problems.add(
            "prometheus.shareServiceRules",
            `shares rule groups between services as PrometheusRule objects, which need operator.enabled: true and no topology.tenants (each tenant's ruler takes its own services' files); remove the setting`,
        );
    }
    if (config.operator.enabled) {
        if (config.prometheus.configMapShards > 1 && !tenants) {
            problems.add(
                CONFIGMAP_SHARDS_KEY,
                `spreads the services' rule and scrape files when operator.enabled is false or topology.tenants is set; otherwise they are PrometheusRule and PodMonitor objects that the operator packs into ConfigMaps itself; remove the setting`,
            );
        }
        return;
    }
    config.services.forEach((service, i) => {
        if (service.probes.length > 0) {
            problems.add(`services[${i}].probes`, "run through the Prometheus Operator's Probe objects, and operator.enabled is false; remove the probes or set operator.enabled: true");
        }
    });
}

/** An https:// Grafana URL served by our Ingress needs a certificate there, or browsers get the controller's default one. */
function checkIngressTls(problems: Problems, config: StackConfig): void {
    const { url, ingress } = config.grafana;
    if (!ingress.enabled || ingress.tls || !url.startsWith("https://") || problems.about("grafana.url", "grafana.ingress.tls")) {
        return;
    }
    problems.add(
        "grafana.ingress.tls",
        `is missing, but grafana.url ${url} is https; set grafana.ingress.tls.secretName to the Secret with the certificate (add clusterIssuer to have cert-manager create it), or use an http:// URL`,
    );
}
