/**
 * Turns raw stack configuration (from `pulumi.Config` or a `Pulumi.<stack>.yaml` file) into a
 * validated StackConfig. Pure: no Pulumi, no I/O. All problems are collected and thrown together
 * before any resource exists.
 */
import { readAlertmanager, readCollector, readGrafana, readLogsOrTraces, readPrometheus, readResources, readRunbookBaseUrl, readStorage } from "./backends";
import { readCluster } from "./cluster";
import { checkAcrossSettings } from "./crossChecks";
import { readNetworkPolicies } from "./networkPolicies";
import { readOperator } from "./operator";
import { DNS_SUBDOMAIN, isAlmostProjectNamespace, NAMESPACE, PROJECT } from "./formats";
import { PROFILES } from "./profiles";
import { ConfigErrors, describe, ObjectReader, Problems, Raw } from "./reader";
import { relabelServicePaths, ServiceEntry, serviceFileEntries, ServiceFolder } from "./serviceFiles";
import { readService, ServiceReadOptions } from "./services";
import { settleTopology, topologyMode } from "./topology";
import { defaultOf, engineObjectStorageKeys, ROOT_KEYS, SecretKey, SETTINGS, STACK_SECRET_KEYS, TEAM_ROUTING_KEYS } from "./keys";
import { ConfiguredSecrets, ServiceSpec, StackConfig } from "./types";
import { OBJECT_STORAGE_ENGINES } from "../model/topology";

/** Raw config as the stack holds it: top-level keys without the `lgtm-stack:` prefix. */
export interface RawStackConfig {
    readonly stack: string;
    readonly values: Readonly<Record<string, Raw>>;
    /** Keys whose values were set with `pulumi config set --secret`. */
    readonly secretKeys: ReadonlySet<string>;
    /** Full keys of the stack outside our namespace (`aws:region`, a mistyped `lgtm_stack:services`). */
    readonly otherKeys?: readonly string[];
    /** The `servicesFrom` folder's files, read by config/sources.ts (this module does no I/O). */
    readonly serviceFolder?: ServiceFolder;
}

export type LoadOptions = ServiceReadOptions;

/**
 * Reads the secret map team → PagerDuty routing key (`pulumi config set --secret --path
 * 'pagerdutyTeamRoutingKeys.<team>' <key>`) into the teams it names; the keys stay secrets.
 */
function readTeamRoutingKeys(raw: RawStackConfig, problems: Problems): string[] {
    const value = raw.values[TEAM_ROUTING_KEYS];
    const command = `pulumi config set --secret --path '${TEAM_ROUTING_KEYS}.<team>' <routing key>`;
    if (value === undefined || value === null) {
        return [];
    }
    if (!raw.secretKeys.has(TEAM_ROUTING_KEYS)) {
        problems.add(TEAM_ROUTING_KEYS, `holds credentials in plain text; remove it and set each team's key with \`${command}\``);
        return [];
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        problems.add(TEAM_ROUTING_KEYS, `expected a map of team → PagerDuty routing key, got ${describe(value)}; set each team's key with \`${command}\``);
        return [];
    }
    return Object.keys(value).sort();
}

/** Which secrets are set, each refused by name when it is set in plain text (config/keys.ts `SECRETS`). */
function readSecrets(raw: RawStackConfig, problems: Problems): ConfiguredSecrets {
    const present = (key: SecretKey): boolean => {
        const value = raw.values[key];
        if (value === undefined || value === null || value === "") {
            return false;
        }
        if (!raw.secretKeys.has(key)) {
            problems.add(key, `is a credential stored in plain text; remove it and run \`pulumi config set --secret ${key} <value>\``);
            return false;
        }
        return true;
    };
    const stackWide = Object.fromEntries(STACK_SECRET_KEYS.map((key) => [key, present(key)])) as Record<(typeof STACK_SECRET_KEYS)[number], boolean>;
    return {
        ...stackWide,
        objectStorageEngines: OBJECT_STORAGE_ENGINES.filter((engine) => {
            const own = engineObjectStorageKeys(engine);
            const [id, key] = [present(own.accessKeyId), present(own.secretAccessKey)];
            if (id !== key) {
                problems.add(id ? own.secretAccessKey : own.accessKeyId, `is missing while ${id ? own.accessKeyId : own.secretAccessKey} is set; set both with \`pulumi config set --secret\`, or neither`);
            }
            return id && key;
        }),
        pagerdutyTeams: readTeamRoutingKeys(raw, problems),
    };
}

/** Keys the program never reads because their namespace is not quite ours (a typo once dropped every service). */
function checkOtherNamespaces(raw: RawStackConfig, problems: Problems): void {
    for (const fullKey of raw.otherKeys ?? []) {
        const colon = fullKey.indexOf(":");
        if (colon < 0) {
            problems.add(fullKey, `has no namespace, so Pulumi refuses the stack file; write ${PROJECT}:${fullKey}`);
            continue;
        }
        const namespace = fullKey.slice(0, colon);
        if (isAlmostProjectNamespace(namespace)) {
            problems.add(fullKey, `is never read: the namespace is "${namespace}", not "${PROJECT}"; rename the key to ${PROJECT}:${fullKey.slice(colon + 1)}`);
        }
    }
}

/**
 * One service entry; an entry built from OpenSLO documents is read with the same rules, and each
 * problem is reported at the document and field its value came from.
 */
function readServiceEntry(entry: ServiceEntry, problems: Problems, options: LoadOptions): ServiceSpec {
    if (!entry.translate) {
        return readService(entry.path, entry.value, problems, options, entry.index);
    }
    const local = new Problems();
    const spec = readService("", entry.value, local, options, entry.index);
    for (const { path, message } of local.entries()) {
        problems.add(entry.translate(path), message);
    }
    return spec;
}

/** Validates raw stack config; throws ConfigErrors listing every problem. */
export function loadStackConfig(raw: RawStackConfig, options: LoadOptions): StackConfig {
    const problems = new Problems();
    checkOtherNamespaces(raw, problems);
    const root = new ObjectReader("", raw.values, problems, ROOT_KEYS);
    const profile = root.oneOf("profile", ["dev", "prod"], raw.stack === "prod" ? "prod" : "dev");
    const defaults = PROFILES[profile];
    const secrets = readSecrets(raw, problems);
    const stackServices = root.items("services");
    const serviceEntries = [...stackServices, ...serviceFileEntries(root, raw.serviceFolder, problems, stackServices.length)];
    const namespace = root.string("namespace", defaultOf("namespace"), NAMESPACE);
    const networkPolicies = readNetworkPolicies(root, defaults[SETTINGS.networkPolicies.default.profile]);
    const settled = {
        profile,
        stack: raw.stack,
        namespace,
        // The node agents' own namespace, the one Pod Security lets run privileged pods.
        agentNamespace: root.string("agentNamespace", `${namespace}-agents`, NAMESPACE),
        runbookBaseUrl: readRunbookBaseUrl(root),
        storageClassName: root.optionalString("storageClassName", { test: DNS_SUBDOMAIN.test, hint: "is not a StorageClass name; use e.g. standard" }),
        networkPolicies: networkPolicies.enabled,
        networkPolicyEgress: networkPolicies.egress,
        podDisruptionBudgets: root.boolean("podDisruptionBudgets", defaults[SETTINGS.podDisruptionBudgets.default.profile]),
        prometheus: readPrometheus(root, defaults),
        operator: readOperator(root, defaults),
        alertmanager: readAlertmanager(root, defaults),
        loki: readLogsOrTraces(root, "loki", defaults, secrets),
        tempo: readLogsOrTraces(root, "tempo", defaults, secrets, topologyMode(root) === "distributed"),
        collector: readCollector(root, defaults, topologyMode(root) === "distributed"),
        grafana: readGrafana(root, defaults, secrets),
        cluster: readCluster(root),
        services: serviceEntries.map((entry) => readServiceEntry(entry, problems, options)),
        secrets,
    };
    const config: StackConfig = settleTopology(root, settled, {
        resources: (section, spec) => readResources(section, spec, defaults),
        storage: (section) => readStorage(section, defaults, secrets, "mimir"),
    });
    const crossCheckStart = problems.list.length;
    checkAcrossSettings(problems, config);
    relabelServicePaths(problems, crossCheckStart, serviceEntries.map((entry) => entry.path));
    problems.throwIfAny();
    return config;
}

/** Validates one service given in code (`new ObservedService(...)`), with the same rules as config. */
export function loadServiceSpec(rawService: Raw, options: LoadOptions, path = "service"): ServiceSpec {
    const problems = new Problems();
    const spec = readService(path, rawService, problems, options);
    if (problems.list.length > 0) {
        throw new ConfigErrors(problems.list);
    }
    return spec;
}
