/**
 * `grafana.dashboardConfigMaps`: other namespaces' dashboard ConfigMaps through the k8s-sidecar
 * (kiwigrid/k8s-sidecar 2.10.1). The expected environment is written by hand from the sidecar's
 * README at that tag (LABEL, LABEL_VALUE, FOLDER, FOLDER_ANNOTATION, NAMESPACE with `ALL`, RESOURCE
 * `configmap`, METHOD: anything but LIST/SLEEP watches, UNIQUE_FILENAMES, HEALTH_PORT default 8080
 * serving /healthz), the provider from Grafana's provisioning page (`foldersFromFilesStructure`,
 * which wants no `folder`/`folderUid`), the RBAC from the calls the sidecar makes
 * (list_namespaced_config_map, list_config_map_for_all_namespaces, watches of those).
 *
 * Not verified here: the sidecar itself never runs (no registry reachable here carries it), so
 * that it writes where FOLDER says, and that Grafana makes folders of the sub-folders, rests on
 * the two projects' documentation.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { configProblems, knownRunbooks, minimalRaw } from "../support/fixtures";
import { ofType, RecordedResource, runStack } from "../support/mocks";

function stack(dashboardConfigMaps: unknown, mode = "files", values: Record<string, unknown> = {}) {
    return loadStackConfig(minimalRaw({ grafana: { mode, dashboardConfigMaps }, ...values }), { knownRunbooks });
}

function problemsOf(dashboardConfigMaps: unknown, mode = "files"): string[] {
    return configProblems(minimalRaw({ grafana: { mode, dashboardConfigMaps } }));
}

describe("grafana.dashboardConfigMaps: config", () => {
    test("absent by default: no sidecar, only the stack's and the services' dashboard providers", () => {
        const rendered = renderStack(loadStackConfig(minimalRaw(), { knownRunbooks }), readRunbooks());
        assert.equal(rendered.dashboardSidecars, undefined);
        assert.deepEqual(YAML.parse(rendered.grafana.dashboardProvidersFile.content).providers.map((p: { name: string }) => p.name), ["lgtm-stack", "lgtm-services"]);
    });

    test("an empty section means every namespace, kube-prometheus-stack's label grafana_dashboard: \"1\" and annotation grafana_folder", () => {
        const settings = stack({}).grafana.dashboardConfigMaps!;
        assert.equal(settings.namespaces, "all");
        assert.equal(settings.label, "grafana_dashboard");
        assert.equal(settings.labelValue, "1");
        assert.equal(settings.folderAnnotation, "grafana_folder");
        assert.deepEqual(settings.image, { repository: "quay.io/kiwigrid/k8s-sidecar", tag: "2.10.1" });
        // YAML's labelValue: 1 is the label value "1".
        assert.equal(stack({ labelValue: 1 }).grafana.dashboardConfigMaps!.labelValue, "1");
    });

    test("refused outside grafana.mode files (the sidecar writes files only a file provider reads)", () => {
        assert.deepEqual(problemsOf({}, "api"), ["grafana.dashboardConfigMaps: only applies with mode: files (here mode is api); remove it or change mode"]);
    });

    test("bad namespaces and labels are named by key", () => {
        assert.deepEqual(problemsOf({ namespaces: ["team-a", "Team_B", "team-a"] }), [
            'grafana.dashboardConfigMaps.namespaces[1]: "Team_B" is not a namespace name; use lowercase letters, digits and \'-\', at most 63 characters',
            "grafana.dashboardConfigMaps.namespaces[2]: team-a is listed twice; remove one",
        ]);
        assert.deepEqual(problemsOf({ namespaces: [] }), ["grafana.dashboardConfigMaps.namespaces: is empty; list the namespaces to watch, or write all"]);
        assert.deepEqual(problemsOf({ namespaces: "team-a" }), ['grafana.dashboardConfigMaps.namespaces: expected all or a list of namespaces, got "team-a"; e.g. namespaces: [team-a, team-b]']);
        assert.match(problemsOf({ label: "bad label" })[0], /^grafana\.dashboardConfigMaps\.label: "bad label" /);
        assert.match(problemsOf({ nameSpaces: "all" })[0], /^grafana\.dashboardConfigMaps\.nameSpaces: unknown setting; did you mean namespaces\?/);
    });
});

describe("grafana.dashboardConfigMaps: rendered sidecars and provider", () => {
    test("all namespaces: one sidecar watching ALL, the folder from each ConfigMap's grafana_folder annotation", () => {
        const rendered = renderStack(stack({ namespaces: "all" }), readRunbooks()).dashboardSidecars!;
        assert.deepEqual(rendered.access, { scope: "cluster" });
        assert.deepEqual(rendered.sidecars, [
            {
                name: "dashboards",
                namespace: "ALL",
                healthPort: 8080,
                env: {
                    LABEL: "grafana_dashboard",
                    LABEL_VALUE: "1",
                    FOLDER: "/var/lib/grafana-dashboards",
                    FOLDER_ANNOTATION: "grafana_folder",
                    NAMESPACE: "ALL",
                    RESOURCE: "configmap",
                    METHOD: "WATCH",
                    UNIQUE_FILENAMES: "true",
                    HEALTH_PORT: "8080",
                },
            },
        ]);
    });

    test("listed namespaces: one sidecar each, writing into a folder named after its namespace, each with its own health port", () => {
        const rendered = renderStack(stack({ namespaces: ["team-b", "team-a"], label: "example.com/dashboard", labelValue: "yes" }), readRunbooks()).dashboardSidecars!;
        assert.deepEqual(rendered.access, { scope: "namespaces", namespaces: ["team-a", "team-b"] });
        assert.deepEqual(
            rendered.sidecars.map((s) => [s.name, s.env.NAMESPACE, s.env.FOLDER, s.env.HEALTH_PORT, s.env.LABEL, s.env.LABEL_VALUE]),
            [
                ["dashboards-team-a", "team-a", "/var/lib/grafana-dashboards/team-a", "8080", "example.com/dashboard", "yes"],
                ["dashboards-team-b", "team-b", "/var/lib/grafana-dashboards/team-b", "8081", "example.com/dashboard", "yes"],
            ],
        );
    });

    test("a third dashboard provider makes a Grafana folder of every sub-folder; the stack's and the services' providers are unchanged", () => {
        const providers = YAML.parse(renderStack(stack({}), readRunbooks()).grafana.dashboardProvidersFile.content).providers;
        const plain = YAML.parse(renderStack(loadStackConfig(minimalRaw(), { knownRunbooks }), readRunbooks()).grafana.dashboardProvidersFile.content).providers;
        assert.deepEqual(providers.slice(0, 2), plain);
        assert.deepEqual(providers[2], {
            name: "namespaces",
            orgId: 1,
            type: "file",
            disableDeletion: false,
            updateIntervalSeconds: 30,
            allowUiUpdates: false,
            options: { path: "/var/lib/grafana-dashboards", foldersFromFilesStructure: true },
        });
    });

    test("Grafana's NetworkPolicy lets it reach the API server (the sidecars share its pod)", () => {
        const policy = renderStack(stack({}, "files", { networkPolicies: true }), readRunbooks()).networkPolicies.find((p) => p.name === "allow-grafana")!;
        const plain = renderStack(loadStackConfig(minimalRaw({ networkPolicies: true }), { knownRunbooks }), readRunbooks()).networkPolicies.find((p) => p.name === "allow-grafana")!;
        const extra = (policy.spec.egress as unknown[]).filter((rule) => !(plain.spec.egress as unknown[]).some((other) => JSON.stringify(other) === JSON.stringify(rule)));
        assert.deepEqual(extra, [{ ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] }]);
    });
});

describe("grafana.dashboardConfigMaps under mocks", () => {
    let all: RecordedResource[] = [];
    let listed: RecordedResource[] = [];
    before(async () => {
        ({ resources: all } = await runStack("dev", { grafana: { mode: "files", dashboardConfigMaps: { namespaces: "all" } } }));
        ({ resources: listed } = await runStack("dev", { grafana: { mode: "files", dashboardConfigMaps: { namespaces: ["team-a", "team-b"] } } }));
    });
    const grafanaPod = (resources: RecordedResource[]) => ofType(resources, "kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "grafana")!.inputs.spec.template.spec;

    test("least privilege with all namespaces: one ClusterRole that may only get, list and watch ConfigMaps, bound to Grafana's ServiceAccount", () => {
        const roles = ofType(all, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").filter((r) => r.name.includes("dashboards"));
        assert.equal(roles.length, 1);
        assert.deepEqual(roles[0].inputs.rules, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }]);
        const binding = ofType(all, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").find((b) => b.name.includes("dashboards"))!;
        assert.equal(binding.inputs.roleRef.kind, "ClusterRole");
        assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "grafana", namespace: "observability" }]);
        assert.equal(ofType(all, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.name.includes("dashboards")).length, 0);
    });

    test("listed namespaces: a Role in each, and no cluster-wide access at all", () => {
        const roles = ofType(listed, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.name.includes("dashboards"));
        assert.deepEqual(roles.map((r) => r.inputs.metadata.namespace).sort(), ["team-a", "team-b"]);
        for (const role of roles) {
            assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }]);
        }
        const bindings = ofType(listed, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((r) => r.name.includes("dashboards"));
        assert.deepEqual(bindings.map((b) => [b.inputs.metadata.namespace, b.inputs.subjects[0].name, b.inputs.subjects[0].namespace]).sort(), [
            ["team-a", "grafana", "observability"],
            ["team-b", "grafana", "observability"],
        ]);
        assert.equal(ofType(listed, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").filter((r) => r.name.includes("dashboards")).length, 0);
    });

    test("the sidecar runs in Grafana's pod, hardened, with the API token; Grafana reads the folder read-only and holds no token", () => {
        const pod = grafanaPod(all);
        assert.equal(pod.serviceAccountName, "grafana");
        assert.equal(pod.automountServiceAccountToken, false);
        // Grafana, the expander of the services' dashboards, and the sidecar.
        const [grafana, expander, sidecar] = pod.containers;
        assert.equal(pod.containers.length, 3);
        assert.equal(expander.name, "dashboard-expander");
        assert.ok(!expander.volumeMounts.some((m: { mountPath: string }) => m.mountPath.startsWith("/var/run/secrets")), "the expander gets no API token");
        assert.equal(sidecar.image, "quay.io/kiwigrid/k8s-sidecar:2.10.1");
        assert.equal(sidecar.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(sidecar.readinessProbe.httpGet, { path: "/healthz", port: "health-8080" });
        assert.deepEqual(Object.fromEntries(sidecar.env.map((e: { name: string; value: string }) => [e.name, e.value])).NAMESPACE, "ALL");
        assert.deepEqual(
            sidecar.volumeMounts.map((m: { mountPath: string; readOnly?: boolean }) => `${m.mountPath}${m.readOnly ? " ro" : ""}`),
            ["/var/lib/grafana-dashboards", "/var/run/secrets/kubernetes.io/serviceaccount ro", "/tmp"],
        );
        assert.ok(grafana.volumeMounts.some((m: { mountPath: string; readOnly?: boolean }) => m.mountPath === "/var/lib/grafana-dashboards" && m.readOnly === true));
        assert.ok(!grafana.volumeMounts.some((m: { mountPath: string }) => m.mountPath.startsWith("/var/run/secrets")), "Grafana's container gets no API token");
        const token = pod.volumes.find((v: { name: string }) => v.name === "dashboards-sidecar-token");
        assert.deepEqual(token.projected.sources[0], { serviceAccountToken: { path: "token", expirationSeconds: 3607 } });
    });

    test("listed namespaces: one sidecar container per namespace", () => {
        assert.deepEqual(grafanaPod(listed).containers.map((c: { name: string }) => c.name), ["grafana", "dashboard-expander", "dashboards-team-a", "dashboards-team-b"]);
    });
});
