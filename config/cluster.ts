/**
 * `cluster`: which kind of cluster the stack lands in (`provider`), so control-plane parts a managed
 * cluster hides are neither scraped nor alerted on, and where etcd's metrics can be read when the
 * cluster exposes them (`etcdTargets`, a self-run control plane only).
 */
import { CONTROL_PLANE } from "../model/cluster";
import { CLUSTER_SETTINGS, keysOf } from "./keys";
import { ObjectReader } from "./reader";
import { ClusterConfig } from "./types";

/** `host:port` of a metrics listener, e.g. kubeadm's `--listen-metrics-urls=http://<ip>:2381`. */
const HOST_PORT = /^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?:[0-9]{1,5}$/;

export function readCluster(root: ObjectReader<"cluster" | string>): ClusterConfig {
    const settings = CLUSTER_SETTINGS;
    const cluster = root.object("cluster", keysOf(settings));
    const provider = cluster.oneOf("provider", settings.provider.choices, settings.provider.default.value);
    const view = CONTROL_PLANE[provider];
    const etcdTargets: string[] = [];
    for (const item of cluster.items("etcdTargets")) {
        if (typeof item.value !== "string" || !HOST_PORT.test(item.value) || Number(item.value.split(":")[1]) > 65535) {
            cluster.problems.add(item.path, `${JSON.stringify(item.value)} is not host:port; give etcd's plain-HTTP metrics listener, e.g. 10.0.0.10:2381`);
            continue;
        }
        etcdTargets.push(item.value);
    }
    if (etcdTargets.length > 0 && !view.etcd) {
        cluster.problems.add(cluster.keyPath("etcdTargets"), `is not scraped with cluster.provider: ${provider} (${view.why}); remove it, or set cluster.provider: generic for a control plane you run`);
    }
    return { provider, controlPlane: { apiServer: view.apiServer, coreDns: view.coreDns, etcd: view.etcd && etcdTargets.length > 0 }, etcdTargets };
}
