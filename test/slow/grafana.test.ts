import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { packDashboards } from "../../render/grafana";
import { busyboxPath } from "../support/busybox";
import { knownRunbooks, loadStack, minimalRaw, stackFile } from "../support/fixtures";
import { FAKE_SECRET_PREFIX, isSecretOutput, ofType, RecordedResource, runStack } from "../support/mocks";
import { GRAFANA_DATASOURCE_KEYS } from "../support/upstream/grafanaDatasourceKeys";
import { bool, block, checkAgainstKeyList, enumOf, int, KeyList, mapOf, objects, str } from "../support/upstream/schema";

/**
 * The three `grafana.mode`s. Expected values are written by hand: the provisioning file keys from
 * grafana/grafana docs/sources/administration/provisioning/index.md ("Data sources" and
 * "Dashboards" sections, reviewed at commit 9e172c7a; the format has been `apiVersion: 1` since v5
 * and the keys below are unchanged through the pinned 12.4 line), the paths from the official image
 * (GF_PATHS_PROVISIONING=/etc/grafana/provisioning) and the Kubernetes API (a ConfigMap's data,
 * keys plus values, at most 1 MiB).
 */

/** Keys of a datasource provisioning file, from the documented example; jsonData is checked per type below. */
const DATASOURCE_FILE_KEYS: KeyList = {
    apiVersion: { type: int, note: "configuration file version, 1" },
    deleteDatasources: { type: objects, note: "datasources deleted before the list is applied" },
    "deleteDatasources[].name": { type: str, note: "name of the datasource to delete" },
    "deleteDatasources[].orgId": { type: int, note: "its organisation" },
    prune: { type: bool, note: "delete provisioned datasources that left the file (Grafana 11.1+)" },
    datasources: { type: objects, note: "datasources inserted or updated" },
    "datasources[].name": { type: str, note: "required; the name panels refer to" },
    "datasources[].type": { type: str, note: "required; the plugin type" },
    "datasources[].access": { type: enumOf("proxy", "direct"), note: "required; proxy = Server" },
    "datasources[].orgId": { type: int, note: "organisation, default 1" },
    "datasources[].uid": { type: str, note: "stable uid other configuration refers to" },
    "datasources[].url": { type: str, note: "URL including the port" },
    "datasources[].user": { type: str, note: "database user" },
    "datasources[].database": { type: str, note: "database name" },
    "datasources[].basicAuth": { type: bool, note: "basic authentication on" },
    "datasources[].basicAuthUser": { type: str, note: "basic authentication user" },
    "datasources[].withCredentials": { type: bool, note: "credential headers" },
    "datasources[].isDefault": { type: bool, note: "pre-selected for new panels; one per organisation" },
    "datasources[].jsonData": { type: block, note: "per-type settings" },
    "datasources[].secureJsonData": { type: mapOf(str), note: "encrypted settings" },
    "datasources[].version": { type: int, note: "compared when several instances update" },
    "datasources[].editable": { type: bool, note: "editable from the UI" },
};

/** Keys of a dashboard provider file, from the documented example. */
const DASHBOARD_PROVIDER_KEYS: KeyList = {
    apiVersion: { type: int, note: "configuration file version, 1" },
    providers: { type: objects, note: "dashboard providers" },
    "providers[].name": { type: str, note: "required; a unique provider name" },
    "providers[].orgId": { type: int, note: "organisation, default 1" },
    "providers[].folder": { type: str, note: "folder title" },
    "providers[].folderUid": { type: str, note: "folder uid" },
    "providers[].type": { type: enumOf("file"), note: "provider type, default file" },
    "providers[].disableDeletion": { type: bool, note: "keep dashboards whose file is gone" },
    "providers[].updateIntervalSeconds": { type: int, note: "how often the path is rescanned" },
    "providers[].allowUiUpdates": { type: bool, note: "allow saving provisioned dashboards from the UI" },
    "providers[].options": { type: block, note: "provider options" },
    "providers[].options.path": { type: str, note: "required for type file; folder of dashboard JSON files" },
    "providers[].options.foldersFromFilesStructure": { type: bool, note: "folders from sub-directories" },
};

const EXTERNAL = {
    mode: "external",
    url: "https://grafana.acme.example",
    datasourceUrls: {
        prometheus: "https://prometheus.obs.acme.example",
        loki: "https://loki.obs.acme.example",
        tempo: "https://tempo.obs.acme.example",
        alertmanager: "https://alertmanager.obs.acme.example",
    },
};
const EXTERNAL_SECRETS = ["grafanaExternalUrl", "grafanaServiceAccountToken"];

/**
 * Every dashboard of the dev stack, by uid: four services' and the stack's eight (overview, stack
 * health, infrastructure, the four cluster dashboards, the API server's SLOs), written by hand,
 * plus one per runbook (uids tested in dashboards.test.ts; here what matters is that each one
 * arrives, once, and that there is one per runbook file).
 */
function devDashboards(): string[] {
    const runbookDashboards = renderStack(loadStack("dev"), readRunbooks()).stackDashboards.map((d) => d.uid).filter((uid) => uid.startsWith("rb-"));
    const runbookFiles = fs.readdirSync(path.join(__dirname, "..", "..", "runbooks")).filter((file) => file.endsWith(".md") && file !== "README.md");
    assert.equal(runbookDashboards.length, runbookFiles.length, "one runbook dashboard per runbook file");
    return [
        "api-golden",
        "api-slo",
        "kube-apiserver-slo",
        "lgtm-cluster-compute",
        "lgtm-cluster-network",
        "lgtm-cluster-nodes",
        "lgtm-cluster-volumes",
        "lgtm-infrastructure",
        "lgtm-overview",
        "lgtm-stack-health",
        "session-start-golden",
        "session-start-slo",
        "transcoding-golden",
        "transcoding-slo",
        "video-load-golden",
        "video-load-slo",
        ...runbookDashboards,
    ].sort();
}

function configMap(resources: readonly RecordedResource[], name: string) {
    const found = ofType(resources, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === name);
    assert.ok(found, `ConfigMap ${name} exists`);
    return found;
}

function grafanaPod(resources: readonly RecordedResource[]) {
    const deployment = ofType(resources, "kubernetes:apps/v1:Deployment").find((r) => r.inputs.metadata.name === "grafana");
    assert.ok(deployment, "Grafana Deployment exists");
    return deployment.inputs.spec.template;
}

function dashboardConfigMaps(resources: readonly RecordedResource[]) {
    return ofType(resources, "kubernetes:core/v1:ConfigMap").filter((r) => r.inputs.metadata.name.startsWith("grafana-dashboards-"));
}

/** Secret values arrive in the mock as Pulumi's secret wrapper. */
function isSecretInput(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270";
}

describe("provisioning files follow Grafana's documented format", () => {
    for (const stack of ["dev", "prod"]) {
        test(`${stack}: the datasource file has only documented keys, every required one, and one default datasource`, () => {
            const file = YAML.parse(renderStack(loadStack(stack), readRunbooks()).grafana.datasourcesFile.content);
            assert.equal(file.apiVersion, 1);
            const withoutJsonData = { ...file, datasources: file.datasources.map(({ jsonData: _jsonData, ...rest }: Record<string, unknown>) => rest) };
            assert.deepEqual(checkAgainstKeyList(withoutJsonData, DATASOURCE_FILE_KEYS, "datasources.yaml"), []);
            for (const datasource of file.datasources) {
                for (const required of ["name", "type", "access"]) {
                    assert.ok(datasource[required], `${datasource.name}: ${required} is required`);
                }
                assert.deepEqual(checkAgainstKeyList(datasource.jsonData, GRAFANA_DATASOURCE_KEYS[datasource.type], `${datasource.name} jsonData`), []);
            }
            assert.deepEqual(
                file.datasources.filter((d: { isDefault: boolean }) => d.isDefault).map((d: { name: string }) => d.name),
                ["Prometheus"],
            );
            assert.deepEqual(file.datasources.map((d: { uid: string }) => d.uid), ["lgtm-prometheus", "lgtm-loki", "lgtm-tempo", "lgtm-alertmanager"]);
        });

        test(`${stack}: the dashboard provider has only documented keys and reads the mounted folder into the stack's folder`, () => {
            const file = YAML.parse(renderStack(loadStack(stack), readRunbooks()).grafana.dashboardProvidersFile.content);
            assert.deepEqual(checkAgainstKeyList(file, DASHBOARD_PROVIDER_KEYS, "dashboards.yaml"), []);
            assert.equal(file.apiVersion, 1);
            // dev also provisions other teams' dashboard ConfigMaps (grafana.dashboardConfigMaps): a second provider, checked below.
            assert.equal(file.providers.length, stack === "dev" ? 3 : 2);
            // The stack's dashboards, then the services' (expanded from their templates), both into the stack's folder.
            const [stackProvider, services] = file.providers;
            for (const [provider, name, folder] of [
                [stackProvider, "lgtm-stack", "/etc/grafana/dashboards"],
                [services, "lgtm-services", "/var/lib/grafana-service-dashboards"],
            ]) {
                assert.equal(provider.name, name);
                assert.equal(provider.type, "file");
                assert.equal(provider.options.path, folder);
                assert.equal(provider.folder, `Observability (${stack})`);
                assert.equal(provider.folderUid, "lgtm-stack");
                // The docs: foldersFromFilesStructure needs folder and folderUid unset; we set them, so it must be off.
                assert.equal(provider.options.foldersFromFilesStructure, false);
                assert.equal(provider.allowUiUpdates, false, "the files are the truth; a UI save would be lost");
                assert.equal(provider.disableDeletion, false, "a removed service's dashboards go with its file");
                assert.ok(provider.updateIntervalSeconds > 0 && provider.updateIntervalSeconds <= 60, "changes are picked up within a minute of the kubelet sync");
            }
        });
    }

    test("with grafana.dashboardConfigMaps, the second provider (folders from sub-folders) has only documented keys and no folder of its own", () => {
        const file = YAML.parse(renderStack(loadStackConfig(minimalRaw({ grafana: { dashboardConfigMaps: { namespaces: ["shop"] } } }), { knownRunbooks }), readRunbooks()).grafana.dashboardProvidersFile.content);
        assert.deepEqual(checkAgainstKeyList(file, DASHBOARD_PROVIDER_KEYS, "dashboards.yaml"), []);
        const [, , namespaces] = file.providers;
        assert.equal(namespaces.options.foldersFromFilesStructure, true);
        // The docs: foldersFromFilesStructure works only with folder and folderUid unset.
        assert.equal(namespaces.folder, undefined);
        assert.equal(namespaces.folderUid, undefined);
    });

    test("Grafana's environment expansion of provisioning files leaves the datasources' link variables intact", () => {
        const content = renderStack(loadStack("dev"), readRunbooks()).grafana.datasourcesFile.content;
        // The documented rule: `$NAME` and `${NAME}` take the environment's value (unset here: empty), `$$` is a literal `$`.
        const expanded = content.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match) => (match === "$$" ? "$" : ""));
        const byUid = new Map(YAML.parse(expanded).datasources.map((d: { uid: string }) => [d.uid, d]));
        const loki = byUid.get("lgtm-loki") as any;
        assert.deepEqual(loki.jsonData.derivedFields.map((f: any) => f.url), ["${__value.raw}", "${__value.raw}"]);
        const tempo = byUid.get("lgtm-tempo") as any;
        assert.equal(tempo.jsonData.tracesToMetrics.queries[0].query, "sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))");
    });

    test("the key check itself refuses an undocumented provider key", () => {
        assert.deepEqual(checkAgainstKeyList({ providers: [{ name: "x", options: { path: "/d", recursive: true } }] }, DASHBOARD_PROVIDER_KEYS, "dashboards.yaml"), [
            "dashboards.yaml: providers[].options.recursive is not a key of the pinned upstream reference (not on our reviewed list)",
        ]);
    });

    test("npm run render's layout writes the provisioning files next to the dashboards folder", async () => {
        const { artifactFiles } = await import("../../render");
        const files = [...artifactFiles(renderStack(loadStack("dev"), readRunbooks())).keys()].filter((f) => f.startsWith("grafana/provisioning/"));
        assert.deepEqual(files.sort(), ["grafana/provisioning/dashboards/dashboards.yaml", "grafana/provisioning/datasources/datasources.yaml"]);
    });
});

describe("dashboards are packed into ConfigMaps under the API server's 1 MiB limit", () => {
    const fake = (uid: string, bytes: number) => ({ uid, title: uid, fileName: `${uid}.json`, model: { uid, padding: "x".repeat(bytes) } });

    test("dashboards that fit together share one ConfigMap", () => {
        const maps = packDashboards("grafana-dashboards-stack", [fake("a", 1000), fake("b", 1000)]);
        assert.deepEqual(maps.map((m) => [m.name, Object.keys(m.data)]), [["grafana-dashboards-stack", ["a.json", "b.json"]]]);
    });

    test("three dashboards of 400 KiB take two ConfigMaps, each under 1 MiB", () => {
        const maps = packDashboards("grafana-dashboards-runbooks", [fake("a", 400 * 1024), fake("b", 400 * 1024), fake("c", 400 * 1024)]);
        assert.deepEqual(maps.map((m) => [m.name, Object.keys(m.data)]), [
            ["grafana-dashboards-runbooks", ["a.json", "b.json"]],
            ["grafana-dashboards-runbooks.part-2", ["c.json"]],
        ]);
        for (const map of maps) {
            const size = Object.entries(map.data).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
            assert.ok(size <= 1048576, `${map.name}: ${size} bytes`);
        }
    });

    test("a dashboard larger than a ConfigMap can hold is an error naming it", () => {
        assert.throws(() => packDashboards("grafana-dashboards-service-api", [fake("huge", 1100 * 1024)]), /dashboard "huge" \(huge\.json\) is \d+ bytes, more than a ConfigMap can hold/);
    });
});

describe("grafana.mode: files (the default) under mocks", () => {
    test("Grafana starts with every datasource and dashboard from files mounted where it reads them, and no API resources", async () => {
        const { resources } = await runStack("dev");
        assert.equal(resources.filter((r) => r.type.startsWith("grafana:") || r.type === "pulumi:providers:grafana").length, 0, "no Grafana API calls");
        const pod = grafanaPod(resources);
        const container = pod.spec.containers[0];
        assert.equal(container.env.find((e: { name: string }) => e.name === "GF_PATHS_PROVISIONING").value, "/etc/grafana/provisioning");
        const mountOf = (path: string) => {
            const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === path);
            assert.ok(mount, `something is mounted at ${path}`);
            return pod.spec.volumes.find((v: { name: string }) => v.name === mount.name);
        };
        const provisioning = configMap(resources, "grafana-provisioning");
        const datasources = mountOf("/etc/grafana/provisioning/datasources");
        assert.equal(datasources.configMap.name, "grafana-provisioning");
        assert.match(datasources.configMap.items[0].path, /\.yaml$/, "Grafana reads *.yaml files in provisioning/datasources");
        assert.equal(YAML.parse(provisioning.inputs.data[datasources.configMap.items[0].key]).datasources.length, 4);
        const providers = mountOf("/etc/grafana/provisioning/dashboards");
        const providerFile = YAML.parse(provisioning.inputs.data[providers.configMap.items[0].key]);
        assert.deepEqual(providerFile.providers.map((p: { name: string }) => p.name), ["lgtm-stack", "lgtm-services", "namespaces"]);
        // The stack's dashboards: every stack ConfigMap projected into the first provider's folder.
        const dashboards = mountOf(providerFile.providers[0].options.path);
        const projected = dashboards.projected.sources.map((s: { configMap: { name: string } }) => s.configMap.name).sort();
        assert.deepEqual(projected, dashboardConfigMaps(resources).map((r) => r.inputs.metadata.name).sort(), "every dashboard ConfigMap is projected into the provider's folder");
        // The services': the second provider reads the folder the expander writes, which Grafana mounts read-only.
        const servicePath = providerFile.providers[1].options.path;
        const serviceFolder = mountOf(servicePath);
        assert.ok(serviceFolder.emptyDir, "an emptyDir of the pod");
        assert.equal(container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === servicePath).readOnly, true);
        const [init] = pod.spec.initContainers;
        const sidecar = pod.spec.containers.find((c: { name: string }) => c.name === "dashboard-expander");
        assert.equal(init.name, "expand-dashboards");
        for (const expander of [init, sidecar]) {
            assert.deepEqual(expander.command.slice(0, 2), ["sh", "-c"]);
            assert.equal(expander.image, container.image, "Grafana's own image: nothing more to pull");
            assert.deepEqual(expander.securityContext, container.securityContext);
            const mounts = Object.fromEntries(expander.volumeMounts.map((m: { name: string; mountPath: string; readOnly?: boolean }) => [m.mountPath, [m.name, m.readOnly ?? false]]));
            const env = Object.fromEntries(expander.env.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.deepEqual(mounts[env.OUTPUT], [serviceFolder.name, false]);
            const templates = pod.spec.volumes.find((v: { name: string }) => v.name === mounts[env.TEMPLATES][0]);
            assert.deepEqual(templates.projected.sources.map((s: any) => s.configMap.name), ["grafana-dashboard-index", "grafana-dashboard-templates"]);
        }
        assert.deepEqual([init.command[4], sidecar.command[4]], ["once", "watch"]);
        // Run the init container's command on the ConfigMaps as registered: its files plus the stack's are every dashboard.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grafana-files-"));
        try {
            fs.mkdirSync(path.join(dir, "templates"));
            fs.mkdirSync(path.join(dir, "out"));
            for (const name of ["grafana-dashboard-index", "grafana-dashboard-templates"]) {
                for (const [key, content] of Object.entries(configMap(resources, name).inputs.data as Record<string, string>)) {
                    fs.writeFileSync(path.join(dir, "templates", key), content);
                }
            }
            execFileSync(init.command[0], init.command.slice(1), { env: { PATH: busyboxPath(dir), TEMPLATES: path.join(dir, "templates"), OUTPUT: path.join(dir, "out") } });
            const serviceFiles = fs.readdirSync(path.join(dir, "out"));
            for (const file of serviceFiles) {
                assert.equal(`${JSON.parse(fs.readFileSync(path.join(dir, "out", file), "utf8")).uid}.json`, file, "the file holds the dashboard its name says");
            }
            const files = [...dashboardConfigMaps(resources).flatMap((r) => Object.keys(r.inputs.data)), ...serviceFiles];
            assert.deepEqual(files.sort(), devDashboards().map((uid) => `${uid}.json`));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        for (const map of dashboardConfigMaps(resources)) {
            for (const [file, json] of Object.entries(map.inputs.data as Record<string, string>)) {
                assert.equal(`${JSON.parse(json).uid}.json`, file, "the file holds the dashboard its name says");
            }
        }
    });

    test("the datasources keep their correlations: exemplar → trace, log trace_id → trace, trace → logs, metrics, service map", async () => {
        const { resources } = await runStack("dev");
        const file = YAML.parse(configMap(resources, "grafana-provisioning").inputs.data["datasources.yaml"]);
        const byUid = new Map(file.datasources.map((d: { uid: string }) => [d.uid, d]));
        const prometheus = byUid.get("lgtm-prometheus") as any;
        assert.deepEqual(prometheus.jsonData.exemplarTraceIdDestinations.map((d: any) => [d.name, d.datasourceUid]), [["trace_id", "lgtm-tempo"]]);
        assert.equal(prometheus.url, "http://prometheus.observability.svc.cluster.local:9090");
        const loki = byUid.get("lgtm-loki") as any;
        assert.ok(loki.jsonData.derivedFields.length > 0 && loki.jsonData.derivedFields.every((f: any) => f.datasourceUid === "lgtm-tempo"));
        const tempo = byUid.get("lgtm-tempo") as any;
        assert.equal(tempo.jsonData.tracesToLogsV2.datasourceUid, "lgtm-loki");
        assert.equal(tempo.jsonData.tracesToMetrics.datasourceUid, "lgtm-prometheus");
        assert.equal(tempo.jsonData.serviceMap.datasourceUid, "lgtm-prometheus");
        assert.ok(byUid.has("lgtm-alertmanager"));
    });

    test("the services' dashboards are templates and one index line per dashboard, apart from the stack's", async () => {
        const { resources } = await runStack("dev");
        const contents = new Map(dashboardConfigMaps(resources).map((r) => [r.inputs.metadata.name, Object.keys(r.inputs.data).sort()]));
        assert.deepEqual([...contents.keys()].sort(), ["grafana-dashboards-runbooks", "grafana-dashboards-stack"], "no ConfigMap per service");
        assert.deepEqual(contents.get("grafana-dashboards-stack"), [
            "kube-apiserver-slo.json",
            "lgtm-cluster-compute.json",
            "lgtm-cluster-network.json",
            "lgtm-cluster-nodes.json",
            "lgtm-cluster-volumes.json",
            "lgtm-infrastructure.json",
            "lgtm-overview.json",
            "lgtm-stack-health.json",
        ]);
        assert.ok(contents.get("grafana-dashboards-runbooks")!.every((file) => file.startsWith("rb-")));
        const index = (configMap(resources, "grafana-dashboard-index").inputs.data["index.txt"] as string).trim().split("\n").map((line) => line.split(" "));
        // dev's four services differ (presets, SLOs, thresholds): a template each per dashboard.
        assert.deepEqual(index.map(([file, , service]) => `${service}: ${file}`), [
            "api: api-golden.json",
            "api: api-slo.json",
            "session-start: session-start-golden.json",
            "session-start: session-start-slo.json",
            "video-load: video-load-golden.json",
            "video-load: video-load-slo.json",
            "transcoding: transcoding-golden.json",
            "transcoding: transcoding-slo.json",
        ]);
        const templates = configMap(resources, "grafana-dashboard-templates").inputs.data as Record<string, string>;
        assert.deepEqual(index.map(([, template]) => template).sort(), Object.keys(templates).sort());
        for (const [, template, service] of index) {
            assert.ok(templates[template].includes("__LGTM_SERVICE__") && !templates[template].includes(`"${service}`), `${template} holds the placeholder, not ${service}`);
        }
        for (const map of ofType(resources, "kubernetes:core/v1:ConfigMap")) {
            const size = Object.entries((map.inputs.data ?? {}) as Record<string, string>).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
            assert.ok(size <= 1048576, `ConfigMap ${map.inputs.metadata.name} holds ${size} bytes, over the API server's 1 MiB`);
        }
    });

    test("changing one service's dashboard changes the templates and the index only, and does not restart Grafana", async () => {
        const before = (await runStack("dev")).resources;
        const services = JSON.parse(JSON.stringify(stackFile("dev").values.services)) as Record<string, any>[];
        services[0].alerts = { ...services[0].alerts, latencyP99: "2s" };
        const after = (await runStack("dev", { services })).resources;
        const key = (r: RecordedResource) => `${r.type}::${r.name}`;
        const beforeByKey = new Map(before.map((r) => [key(r), JSON.stringify(r.inputs)]));
        const changed = after.filter((r) => beforeByKey.get(key(r)) !== JSON.stringify(r.inputs));
        // api's PrometheusRule (the HighP99Latency threshold) and its golden-signals template; nothing of Grafana's pod.
        assert.deepEqual(changed.map((r) => `${r.type} ${r.inputs.metadata?.name}`).sort(), [
            "kubernetes:core/v1:ConfigMap grafana-dashboard-index",
            "kubernetes:core/v1:ConfigMap grafana-dashboard-templates",
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule api",
        ]);
    });

    test("a datasource change rolls Grafana, which reads datasources only at start-up", async () => {
        const before = grafanaPod((await runStack("dev")).resources);
        const after = grafanaPod((await runStack("dev", { namespace: "obs" })).resources);
        assert.notEqual(before.metadata.annotations["checksum/provisioning"], after.metadata.annotations["checksum/provisioning"]);
    });

    test("adding a service adds its index lines and no restart of Grafana; a service of a shape already there adds no template", async () => {
        const base = (await runStack("dev")).resources;
        const services = JSON.parse(JSON.stringify(stackFile("dev").values.services)) as Record<string, any>[];
        const grown = (await runStack("dev", { services: [...services, { ...services[0], name: "api-eu" }] })).resources;
        assert.deepEqual(grafanaPod(grown), grafanaPod(base), "Grafana's pod is unchanged");
        const index = (resources: readonly RecordedResource[]) => (configMap(resources, "grafana-dashboard-index").inputs.data["index.txt"] as string).trim().split("\n");
        const added = index(grown).filter((line) => !index(base).includes(line));
        assert.deepEqual(added.map((line) => line.split(" ")[0]), ["api-eu-golden.json", "api-eu-slo.json"]);
        const templateOf = (lines: string[], file: string) => lines.find((line) => line.startsWith(`${file} `))!.split(" ")[1];
        assert.equal(templateOf(index(grown), "api-eu-golden.json"), templateOf(index(base), "api-golden.json"));
        assert.equal(templateOf(index(grown), "api-eu-slo.json"), templateOf(index(base), "api-slo.json"));
        assert.deepEqual(configMap(grown, "grafana-dashboard-templates").inputs.data, configMap(base, "grafana-dashboard-templates").inputs.data);
    });
});

describe("grafana.mode: api under mocks", () => {
    test("provisions folder, correlated datasources and every dashboard through the in-cluster Grafana's API, with the admin password as a secret", async () => {
        const { resources, outputs } = await runStack("dev", { grafana: { mode: "api", url: "http://localhost:3000" } });
        const [provider] = ofType(resources, "pulumi:providers:grafana");
        assert.equal(provider.inputs.url, "http://localhost:3000");
        assert.ok(isSecretInput(provider.inputs.auth), "basic auth (admin:password) is a secret");
        assert.match(provider.inputs.auth.value, new RegExp(`^admin:${FAKE_SECRET_PREFIX}`));
        assert.deepEqual(ofType(resources, "grafana:oss/folder:Folder").map((f) => [f.inputs.uid, f.inputs.title]), [["lgtm-stack", "Observability (dev)"]]);
        const datasources = ofType(resources, "grafana:oss/dataSource:DataSource");
        assert.deepEqual(datasources.map((d) => d.inputs.uid), ["lgtm-prometheus", "lgtm-loki", "lgtm-tempo", "lgtm-alertmanager"]);
        const tempo = JSON.parse(datasources.find((d) => d.inputs.uid === "lgtm-tempo")!.inputs.jsonDataEncoded);
        assert.equal(tempo.tracesToLogsV2.datasourceUid, "lgtm-loki");
        const dashboards = ofType(resources, "grafana:oss/dashboard:Dashboard").map((d) => JSON.parse(d.inputs.configJson).uid);
        assert.deepEqual(dashboards.sort(), devDashboards());
        assert.equal(dashboardConfigMaps(resources).length, 0, "no dashboard ConfigMaps");
        assert.equal(ofType(resources, "kubernetes:core/v1:ConfigMap").filter((r) => r.inputs.metadata.name === "grafana-provisioning").length, 0);
        assert.equal(await isSecretOutput(outputs.grafanaAdminPassword!), true);
    });
});

describe("grafana.mode: external under mocks", () => {
    test("deploys no Grafana and provisions the same folder, datasources and dashboards into yours, URL and token kept secret", async () => {
        const { resources, outputs } = await runStack("dev", { grafana: EXTERNAL }, EXTERNAL_SECRETS);
        assert.equal(ofType(resources, "kubernetes:apps/v1:Deployment").filter((r) => r.inputs.metadata.name === "grafana").length, 0, "no Grafana Deployment");
        assert.equal(ofType(resources, "kubernetes:core/v1:Secret").filter((r) => r.inputs.metadata.name === "grafana-admin").length, 0, "no admin Secret");
        assert.equal(ofType(resources, "random:index/randomPassword:RandomPassword").length, 0, "no generated password");
        assert.equal(ofType(resources, "kubernetes:core/v1:Service").filter((r) => r.inputs.metadata.name === "grafana").length, 0);
        const [provider] = ofType(resources, "pulumi:providers:grafana");
        assert.ok(isSecretInput(provider.inputs.url), "the Grafana URL is a secret");
        assert.equal(provider.inputs.url.value, `${FAKE_SECRET_PREFIX}grafanaExternalUrl`);
        assert.ok(isSecretInput(provider.inputs.auth), "the service-account token is a secret");
        assert.equal(provider.inputs.auth.value, `${FAKE_SECRET_PREFIX}grafanaServiceAccountToken`);
        const urls = Object.fromEntries(ofType(resources, "grafana:oss/dataSource:DataSource").map((d) => [d.inputs.uid, d.inputs.url]));
        assert.deepEqual(urls, {
            "lgtm-prometheus": "https://prometheus.obs.acme.example",
            "lgtm-loki": "https://loki.obs.acme.example",
            "lgtm-tempo": "https://tempo.obs.acme.example",
            "lgtm-alertmanager": "https://alertmanager.obs.acme.example",
        });
        assert.deepEqual(ofType(resources, "grafana:oss/dashboard:Dashboard").map((d) => JSON.parse(d.inputs.configJson).uid).sort(), devDashboards());
        assert.deepEqual(ofType(resources, "grafana:oss/folder:Folder").map((f) => f.inputs.uid), ["lgtm-stack"]);
        for (const map of ofType(resources, "kubernetes:core/v1:ConfigMap")) {
            assert.doesNotMatch(JSON.stringify(map.inputs.data ?? {}), new RegExp(FAKE_SECRET_PREFIX), `ConfigMap ${map.inputs.metadata.name}`);
        }
        // Alerts link to dashboards where people open your Grafana.
        const rules = ofType(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((rule) => JSON.stringify(rule.inputs.spec)).join("\n");
        assert.match(rules, /https:\/\/grafana\.acme\.example\/d\/api-golden/);
        assert.equal(outputs.grafanaAdminPassword, undefined);
    });
});

describe("grafana config", () => {
    const load = (values: Record<string, unknown>, secrets: string[] = []) => () => loadStackConfig(minimalRaw(values, secrets), { knownRunbooks });

    test("the old grafana.provision switch is refused with the key that replaced it", () => {
        assert.throws(load({ grafana: { provision: false } }), (error: Error) => {
            assert.match(error.message, /grafana\.provision: provision: false .* was replaced by grafana\.mode; remove it: the default mode: files provisions Grafana from files on the first up/);
            return true;
        });
    });

    test("files is the default mode", () => {
        assert.equal(load({})().grafana.mode, "files");
    });

    test("external mode needs its two secrets, the browser URL and every datasource URL", () => {
        assert.throws(load({ grafana: { mode: "external", datasourceUrls: { prometheus: "prometheus:9090" } } }), (error: Error) => {
            for (const expected of [
                "grafana.mode: external needs the secret grafanaExternalUrl; run `pulumi config set --secret grafanaExternalUrl",
                "grafana.mode: external needs the secret grafanaServiceAccountToken; run `pulumi config set --secret grafanaServiceAccountToken",
                "grafana.url: is required; mode is external",
                'grafana.datasourceUrls.prometheus: "prometheus:9090" is not an http(s) URL',
                "grafana.datasourceUrls.loki: is required",
                "grafana.datasourceUrls.tempo: is required",
                "grafana.datasourceUrls.alertmanager: is required",
            ]) {
                assert.ok(error.message.includes(expected), `${expected}\nin\n${error.message}`);
            }
            return true;
        });
    });

    test("settings of a deployed Grafana are refused in external mode, and external secrets outside it", () => {
        assert.throws(load({ grafana: { ...EXTERNAL, ingress: { enabled: true, host: "grafana.example.com" } } }, EXTERNAL_SECRETS), /grafana\.ingress: only applies with mode: files or api \(here mode is external\)/);
        assert.throws(load({ grafanaServiceAccountToken: "t" }, ["grafanaServiceAccountToken"]), /grafanaServiceAccountToken: is only used with grafana\.mode: external \(here mode is files\)/);
        assert.throws(load({ grafanaServiceAccountToken: "t" }), /grafanaServiceAccountToken: is a credential stored in plain text/);
    });
});
