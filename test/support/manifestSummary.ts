/**
 * What a reviewer reads of the Kubernetes objects a stack registers, as YAML: per workload its
 * replicas, pod settings, containers (image, args, ports, probes, resources, mounts, lifecycle),
 * volumes, spread and affinity; Services, PDBs and HPAs as they are; ConfigMaps and Secrets by their
 * keys only (their files have golden cases of their own, their secrets are fake); RBAC rules;
 * NetworkPolicies by selector and rule count (test/slow/networkPolicies.test.ts pins their flows).
 * Objects are sorted by kind and namespace/name, so a diff shows what changed, not where.
 */
import * as YAML from "yaml";
import { RecordedResource } from "./mocks";

type Obj = Record<string, any>;

const WORKLOADS = new Set(["StatefulSet", "Deployment", "DaemonSet"]);

function kindOf(resource: RecordedResource): string {
    return resource.type.split(":")[2];
}

const drop = (value: Obj | undefined, keys: readonly string[]): Obj | undefined => (value ? Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) : undefined);

/** A probe as "<path or command> on <port>" plus its timings. */
function probe(p: Obj | undefined): Obj | undefined {
    if (!p) {
        return undefined;
    }
    const { httpGet, tcpSocket, exec, grpc, ...timings } = p;
    const target = httpGet ? `GET ${httpGet.path} on ${httpGet.port}` : tcpSocket ? `tcp ${tcpSocket.port}` : grpc ? `grpc ${grpc.port}` : `exec ${(exec?.command ?? []).join(" ")}`;
    return { target, ...timings };
}

function container(c: Obj): Obj {
    return {
        name: c.name,
        image: c.image,
        ...(c.args ? { args: c.args } : {}),
        ...(c.command ? { command: c.command } : {}),
        ...(c.ports ? { ports: c.ports.map((p: Obj) => `${p.name ?? "-"} ${p.containerPort}/${p.protocol ?? "TCP"}`) } : {}),
        ...(c.env ? { env: c.env.map((e: Obj) => (e.valueFrom ? `${e.name} from ${Object.keys(e.valueFrom)[0]}` : `${e.name}=${e.value}`)) } : {}),
        resources: c.resources,
        ...(c.readinessProbe ? { readiness: probe(c.readinessProbe) } : {}),
        ...(c.livenessProbe ? { liveness: probe(c.livenessProbe) } : {}),
        ...(c.startupProbe ? { startup: probe(c.startupProbe) } : {}),
        ...(c.lifecycle ? { lifecycle: c.lifecycle } : {}),
        ...(c.volumeMounts ? { mounts: c.volumeMounts.map((m: Obj) => `${m.name} → ${m.mountPath}${m.subPath ? ` (${m.subPath})` : ""}${m.readOnly ? " ro" : ""}`) } : {}),
        ...(c.securityContext ? { securityContext: c.securityContext } : {}),
    };
}

function volume(v: Obj): string {
    const [type, source] = Object.entries(v).find(([key]) => key !== "name") ?? ["?", {}];
    const detail = source?.name ?? source?.secretName ?? source?.claimName ?? source?.path ?? (source?.sizeLimit ? `sizeLimit ${source.sizeLimit}` : "");
    return `${v.name}: ${type}${detail ? ` ${detail}` : ""}`;
}

function workload(kind: string, spec: Obj): Obj {
    const pod = spec.template.spec;
    return {
        ...(kind !== "DaemonSet" ? { replicas: spec.replicas } : {}),
        ...drop(spec, ["template", "selector", "replicas", "volumeClaimTemplates"]),
        ...(spec.volumeClaimTemplates ? { volumeClaims: spec.volumeClaimTemplates.map((c: Obj) => `${c.metadata.name}: ${c.spec.resources.requests.storage}`) } : {}),
        labels: spec.template.metadata?.labels,
        pod: drop(pod, ["containers", "initContainers", "volumes"]),
        ...(pod.initContainers ? { initContainers: pod.initContainers.map(container) } : {}),
        containers: pod.containers.map(container),
        ...(pod.volumes ? { volumes: pod.volumes.map(volume) } : {}),
    };
}

function summary(resource: RecordedResource): Obj {
    const kind = kindOf(resource);
    const { inputs } = resource;
    const spec = inputs.spec;
    if (WORKLOADS.has(kind)) {
        return workload(kind, spec);
    }
    switch (kind) {
        case "ConfigMap":
        case "Secret":
            return { keys: Object.keys({ ...(inputs.data ?? {}), ...(inputs.stringData ?? {}) }).sort(), ...(inputs.metadata?.labels ? { labels: inputs.metadata.labels } : {}) };
        case "NetworkPolicy":
            return { podSelector: spec.podSelector, policyTypes: spec.policyTypes, ingressRules: (spec.ingress ?? []).length, egressRules: (spec.egress ?? []).length };
        case "Role":
        case "ClusterRole":
            return { rules: inputs.rules };
        case "RoleBinding":
        case "ClusterRoleBinding":
            return { roleRef: `${inputs.roleRef.kind}/${inputs.roleRef.name}`, subjects: inputs.subjects };
        case "CustomResourceDefinition":
            return { group: spec.group, versions: spec.versions.map((v: Obj) => v.name) };
        case "PrometheusRule":
            return { groups: spec.groups.map((g: Obj) => `${g.name}: ${g.rules.length} rules`) };
        case "Namespace":
        case "ServiceAccount":
            return { labels: inputs.metadata?.labels, ...(inputs.automountServiceAccountToken !== undefined ? { automountServiceAccountToken: inputs.automountServiceAccountToken } : {}) };
        default:
            return spec ?? drop(inputs, ["metadata", "apiVersion", "kind"]) ?? {};
    }
}

/** The stack's Kubernetes objects (Pulumi's own and the random provider's resources left out) as one YAML document. */
export function summarizeManifests(resources: readonly RecordedResource[]): string {
    const objects = resources
        .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:yaml") && r.inputs.metadata)
        .map((r) => ({ key: `${kindOf(r)} ${r.inputs.metadata.namespace ? `${r.inputs.metadata.namespace}/` : ""}${r.inputs.metadata.name}`, value: summary(r) }))
        .sort((a, b) => a.key.localeCompare(b.key));
    return YAML.stringify(Object.fromEntries(objects.map((o) => [o.key, o.value])), { lineWidth: 0, aliasDuplicateObjects: false });
}
