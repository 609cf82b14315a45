import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { alertCatalog } from "../../alerts";
import { loadStackConfig } from "../../config/load";
import { knownRunbooks, loadStack, minimalRaw } from "../support/fixtures";
import { ofType, runStack } from "../support/mocks";

/**
 * node-exporter and kube-state-metrics as deployed: pinned upstream images, exactly the host access
 * and API access each needs (written out by hand), scraped by Prometheus, and gone together with
 * the node-level DaemonSets when `collector.agentEnabled` is false.
 */
describe("cluster exporters", () => {
    test("node-exporter reads the node's /proc, /sys and / read-only, as nobody, without host network, PID namespace or token", async () => {
        const { resources } = await runStack("dev");
        const daemonSet = ofType(resources, "kubernetes:apps/v1:DaemonSet").find((r) => r.inputs.metadata.name === "node-exporter");
        assert.ok(daemonSet, "no node-exporter DaemonSet");
        const pod = daemonSet.inputs.spec.template.spec;
        assert.equal(pod.hostNetwork, undefined);
        assert.equal(pod.hostPID, undefined);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
        assert.deepEqual(pod.volumes, [
            { name: "proc", hostPath: { path: "/proc", type: "Directory" } },
            { name: "sys", hostPath: { path: "/sys", type: "Directory" } },
            { name: "root", hostPath: { path: "/", type: "Directory" } },
        ]);
        const [container] = pod.containers;
        assert.equal(container.image, "quay.io/prometheus/node-exporter:v1.12.1");
        assert.deepEqual(container.volumeMounts, [
            { name: "proc", mountPath: "/host/proc", readOnly: true },
            { name: "sys", mountPath: "/host/sys", readOnly: true },
            { name: "root", mountPath: "/host/root", readOnly: true, mountPropagation: "HostToContainer" },
        ]);
        assert.equal(pod.securityContext.runAsUser, 65534);
        assert.deepEqual(container.securityContext, { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
        assert.ok(container.args.includes("--path.rootfs=/host/root") && container.args.includes("--no-collector.netdev"), container.args.join(" "));
        assert.deepEqual(container.env, [{ name: "GOMEMLIMIT", value: "51MiB" }]);
    });

    test("kube-state-metrics runs the pinned release, watches only what the alerts read, and is ready once synced", async () => {
        const { resources } = await runStack("dev");
        const deployment = ofType(resources, "kubernetes:apps/v1:Deployment").find((r) => r.inputs.metadata.name === "kube-state-metrics");
        assert.ok(deployment);
        const [container] = deployment.inputs.spec.template.spec.containers;
        assert.equal(container.image, "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.18.0");
        assert.deepEqual(container.args, ["--port=8080", "--telemetry-port=8081", "--resources=daemonsets,deployments,horizontalpodautoscalers,jobs,nodes,persistentvolumeclaims,pods,replicasets,resourcequotas,statefulsets"]);
        assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "telemetry" });
        assert.deepEqual(container.livenessProbe.httpGet, { path: "/livez", port: "http-metrics" });
    });

    test("Prometheus scrapes node-exporter (with the node label) and kube-state-metrics (honouring its object labels)", () => {
        const prometheus = parse(renderStack(loadStack("dev"), readRunbooks()).workloads.prometheus.config);
        const jobs = Object.fromEntries(prometheus.scrape_configs.map((job: any) => [job.job_name, job]));
        assert.ok(jobs["node-exporter"], "no node-exporter job");
        assert.deepEqual(jobs["node-exporter"].relabel_configs.at(-1), { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" });
        assert.equal(jobs["kube-state-metrics"].honor_labels, true);
        assert.deepEqual(
            jobs["kube-state-metrics"].relabel_configs.filter((r: any) => r.action === "keep").map((r: any) => r.regex),
            ["kube-state-metrics", "lgtm-stack", "http-metrics", "Running"],
        );
    });

    test("without the node agent there is no node-exporter either (the namespace then enforces restricted), but kube-state-metrics stays", async () => {
        const { resources } = await runStack("dev", { collector: { agentEnabled: false } });
        assert.deepEqual(ofType(resources, "kubernetes:apps/v1:DaemonSet").map((r) => r.inputs.metadata.name), []);
        assert.ok(ofType(resources, "kubernetes:apps/v1:Deployment").some((r) => r.inputs.metadata.name === "kube-state-metrics"));
        const dev = loadStack("dev");
        const withoutAgent = { ...dev, collector: { ...dev.collector, agentEnabled: false } };
        const jobs = parse(renderStack(withoutAgent, readRunbooks()).workloads.prometheus.config).scrape_configs.map((job: any) => job.job_name);
        assert.ok(!jobs.includes("node-exporter") && jobs.includes("kube-state-metrics"), jobs.join(", "));
    });

    test("with default-deny network policies, only Prometheus reaches the exporters and kube-state-metrics reaches the API server", async () => {
        const { resources } = await runStack("prod");
        const policies = Object.fromEntries(ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => [`${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`, r.inputs.spec]));
        // node-exporter runs in the node agents' namespace: its scraper is named with the stack's namespace.
        assert.deepEqual(policies["observability-agents/allow-node-exporter"].ingress, [
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "lgtm-stack" } } }],
                ports: [{ protocol: "TCP", port: 9100 }],
            },
        ]);
        assert.deepEqual(policies["observability-agents/allow-node-exporter"].egress, []);
        assert.deepEqual(policies["observability/allow-kube-state-metrics"].egress, [{ ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] }]);
    });

    const withCluster = (cluster: Record<string, unknown>) => loadStackConfig(minimalRaw({ cluster }), { knownRunbooks });
    const jobsOf = (cluster: Record<string, unknown>) => Object.fromEntries(parse(renderStack(withCluster(cluster), readRunbooks()).workloads.prometheus.config).scrape_configs.map((job: any) => [job.job_name, job]));
    const clusterJobs = (cluster: Record<string, unknown>) => Object.keys(jobsOf(cluster)).filter((job) => ["apiserver", "coredns", "etcd"].includes(job));
    const alertsOf = (cluster: Record<string, unknown>) => new Set(alertCatalog(withCluster(cluster)).map((alert) => `${alert.alert}${alert.service === "kube-apiserver" ? " (kube-apiserver)" : ""}`));

    test("each provider's control plane is scraped only where the provider exposes it", () => {
        assert.deepEqual(clusterJobs({}), ["apiserver", "coredns"], "generic, without etcd targets");
        assert.deepEqual(clusterJobs({ etcdTargets: ["10.0.0.10:2381"] }), ["apiserver", "coredns", "etcd"]);
        assert.deepEqual(clusterJobs({ provider: "eks" }), ["apiserver", "coredns"]);
        assert.deepEqual(clusterJobs({ provider: "gke" }), ["apiserver"], "GKE runs kube-dns, not CoreDNS");
        assert.deepEqual(clusterJobs({ provider: "aks" }), ["coredns"], "AKS answers /metrics from a different API server replica at each scrape");
    });

    test("the API server is scraped per endpoint of default/kubernetes, with the service-account token and the cluster CA", () => {
        const { apiserver, coredns, etcd } = jobsOf({ etcdTargets: ["10.0.0.10:2381"] });
        assert.deepEqual(apiserver, {
            job_name: "apiserver",
            scheme: "https",
            kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: ["default"] } }],
            tls_config: { ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" },
            authorization: { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
            relabel_configs: [{ source_labels: ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"], regex: "kubernetes;https", action: "keep" }],
        });
        assert.deepEqual(
            coredns.relabel_configs.filter((rule: any) => rule.action === "keep").map((rule: any) => [rule.source_labels[0], rule.regex]),
            [
                ["__meta_kubernetes_pod_label_k8s_app", "kube-dns"],
                ["__meta_kubernetes_pod_container_port_name", "metrics"],
                ["__meta_kubernetes_pod_phase", "Running"],
            ],
        );
        assert.deepEqual(coredns.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["kube-system"] } }]);
        assert.deepEqual(etcd, { job_name: "etcd", static_configs: [{ targets: ["10.0.0.10:2381"] }] });
    });

    test("a managed cluster gets no alert about what it hides, so never a false 'down' page", () => {
        const generic = alertsOf({ etcdTargets: ["10.0.0.10:2381"] });
        for (const alert of ["KubeAPIDown (kube-apiserver)", "FastBudgetBurn (kube-apiserver)", "KubeClientCertificateExpiration (kube-apiserver)", "CoreDNSDown", "CoreDNSLatencyHigh", "EtcdNoLeader", "EtcdDatabaseQuotaLowSpace"]) {
            assert.ok(generic.has(alert), `generic with etcd targets has ${alert}`);
        }
        const aks = alertsOf({ provider: "aks" });
        assert.deepEqual(["KubeAPIDown (kube-apiserver)", "FastBudgetBurn (kube-apiserver)", "SlowBudgetBurn (kube-apiserver)", "KubeClientCertificateExpiration (kube-apiserver)", "EtcdNoLeader"].filter((alert) => aks.has(alert)), []);
        assert.ok(aks.has("CoreDNSDown"));
        const gke = alertsOf({ provider: "gke" });
        assert.deepEqual(["CoreDNSDown", "CoreDNSLatencyHigh", "EtcdNoLeader"].filter((alert) => gke.has(alert)), []);
        assert.ok(gke.has("KubeAPIDown (kube-apiserver)"));
        assert.ok(!alertsOf({ provider: "eks" }).has("EtcdNoLeader"));
    });

    test("Prometheus may read the API server's metrics only where it scrapes them", async () => {
        const roleOf = async (cluster: Record<string, unknown>) => {
            const { resources } = await runStack("dev", { cluster });
            return ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").find((r) => r.inputs.metadata.labels["app.kubernetes.io/name"] === "prometheus")?.inputs.rules;
        };
        assert.deepEqual(await roleOf({ provider: "aks" }), [
            { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["list", "watch"] },
            { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
        ]);
        assert.deepEqual((await roleOf({ provider: "eks" })).at(-1), { nonResourceURLs: ["/metrics"], verbs: ["get"] });
    });
});
