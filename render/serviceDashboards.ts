/**
 * The services' dashboards as templates (`grafana.mode: files`). A service's golden-signals and SLO
 * dashboards are rendered with a placeholder for its name; services whose dashboards come out the
 * same (same preset, thresholds, SLOs, team…) share one template, and an index lists which file each
 * service gets from which template. A small expander next to Grafana writes each service's file
 * (the template with its name put in) into a folder Grafana's second dashboard provider reads.
 *
 * Every service keeps its own dashboard, uid, title, links and panel titles, byte for byte what a
 * direct render gives; only the bytes that travel through Pulumi, the Kubernetes API and etcd
 * shrink: a fleet of services of a few shapes costs a few templates plus one index line per
 * dashboard, instead of ~117 KiB of dashboard ConfigMap per service.
 */
import { Links } from "../alerts/links";
import { ServiceSpec, StackConfig } from "../config/types";
import { RenderedDashboard, renderServiceDashboards } from "../dashboards";
import { CONFIGMAP_DATA_LIMIT_BYTES } from "../model/components";
import { CONTAINER_LOGS_MI, ScratchSpace } from "../model/ephemeralStorage";
import { checksum } from "./checksum";
import { retargetDatasources } from "./datasources";
import { DashboardConfigMap, packFiles } from "./dashboardFiles";
import { tenancyOf, tenantOfTeam } from "./topology/tenancy";
import { toJson } from "./yaml";

/**
 * Stands for the service's name in a template. Service names are DNS labels, which never hold `_`,
 * so the placeholder can be no part of a real name, and it survives URL encoding unchanged.
 */
export const SERVICE_PLACEHOLDER = "__LGTM_SERVICE__";

const MIB = 1024 * 1024;

export const SERVICE_DASHBOARDS = {
    /** ConfigMaps of templates: `<prefix>`, `<prefix>.part-2`, … */
    templatesConfigMap: "grafana-dashboard-templates",
    /** The index, a ConfigMap of its own: adding a service changes only it. */
    indexConfigMap: "grafana-dashboard-index",
    indexKey: "index.txt",
    /** Where the templates and the index are projected, read-only. */
    templatesPath: "/etc/grafana/dashboard-templates",
    /** The emptyDir the expander writes and Grafana's `services` provider reads. */
    outputPath: "/var/lib/grafana-service-dashboards",
    provider: "lgtm-services",
    /** The expander's CPU and memory: sed over a few hundred KiB per change. */
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    /** The watch loop touches it every poll; a file older than a minute means the loop is stuck (the liveness probe). */
    heartbeat: ".heartbeat",
    /** How often the expander looks for a changed index or template (the kubelet's ConfigMap sync, about a minute, dominates). */
    pollSeconds: 10,
} as const;

/**
 * The expander, POSIX sh with sed, awk and cmp only (all in the Grafana image). For each index line
 * `<file> <template> <service>` it writes the template with the placeholder replaced by the service's
 * name (a DNS label: nothing in it is special to sed), replacing a file only when its content
 * changed, so Grafana sees no change where there is none; then it removes the `.json` files of its
 * own folder that the index no longer lists (a removed service's dashboards). `once` expands and
 * exits (the init container: Grafana starts with every dashboard); `watch` re-expands whenever the
 * kubelet swaps the projected files (their `..data` link), touching a heartbeat file (not `.json`, so
 * Grafana ignores it) every poll.
 */
export const EXPANDER_SCRIPT = `set -eu
src="$TEMPLATES"; out="$OUTPUT"; index="$src/${SERVICE_DASHBOARDS.indexKey}"
expand() {
  while read -r file template service; do
    [ -n "$file" ] || continue
    sed "s/${SERVICE_PLACEHOLDER}/$service/g" "$src/$template" > "$out/.$file.tmp"
    if cmp -s "$out/.$file.tmp" "$out/$file"; then rm -f "$out/.$file.tmp"; else mv -f "$out/.$file.tmp" "$out/$file"; fi
  done < "$index"
  for path in "$out"/*.json; do
    [ -e "$path" ] || continue
    awk -v f="\${path##*/}" '$1 == f { found = 1 } END { exit !found }' "$index" || rm -f "$path"
  done
}
expand
[ "$1" = once ] && exit 0
seen="$(readlink "$src/..data" || true)"
: > "$out/${SERVICE_DASHBOARDS.heartbeat}"
while sleep ${SERVICE_DASHBOARDS.pollSeconds}; do
  now="$(readlink "$src/..data" || true)"
  if [ "$now" != "$seen" ]; then expand; seen="$now"; fi
  : > "$out/${SERVICE_DASHBOARDS.heartbeat}"
done
`;

/**
 * The watch loop's probes: ready once it has expanded and entered the loop, alive while its heartbeat
 * is younger than a minute (six polls; BusyBox find's -mmin).
 */
export const EXPANDER_PROBES = {
    ready: `[ -f "$OUTPUT/${SERVICE_DASHBOARDS.heartbeat}" ]`,
    alive: `[ -n "$(find "$OUTPUT/${SERVICE_DASHBOARDS.heartbeat}" -mmin -1)" ]`,
} as const;

function expanderScratch(expandedBytes: number): ScratchSpace {
    const data = Math.ceil(expandedBytes / MIB) + 2;
    return { data: `${data}Mi`, storage: `${data + CONTAINER_LOGS_MI}Mi` };
}

/** One service's dashboards, expanded, and the index lines that give them to the expander. */
export interface ServiceDashboardSet {
    readonly dashboards: readonly RenderedDashboard[];
    readonly indexLines: readonly string[];
}

export interface RenderedServiceDashboards {
    /** Per service, in config order. */
    readonly services: ReadonlyMap<string, ServiceDashboardSet>;
    /** The templates (template file → JSON) and the index, packed into ConfigMaps under the size limit. */
    readonly configMaps: readonly DashboardConfigMap[];
    /** Bytes the expanded files take on disk. */
    readonly expandedBytes: number;
    /** The expander's emptyDir (`data`: every expanded file, one file's temporary copy and 1 MiB to spare) and its ephemeral-storage (plus its logs). */
    readonly scratch: ScratchSpace;
}

/** A service's dashboards with the placeholder for its name, datasources retargeted to its team's tenant. */
function templateDashboards(config: StackConfig, service: ServiceSpec, links: Links): RenderedDashboard[] {
    const tenancy = tenancyOf(config);
    return renderServiceDashboards(config, { ...service, name: SERVICE_PLACEHOLDER }, links).map((dashboard) =>
        tenancy ? { ...dashboard, model: retargetDatasources(dashboard.model, tenantOfTeam(tenancy, service.team)) } : dashboard,
    );
}

/** A service's dashboards rendered directly (a service declared in code, or `grafana.mode: api`). */
export function serviceDashboards(config: StackConfig, service: ServiceSpec, links: Links): readonly RenderedDashboard[] {
    return expandSet(templateDashboards(config, service, links).map((template) => ({ template, json: toJson(template.model) })), service.name).dashboards;
}

function expandSet(templates: readonly { template: RenderedDashboard; json: string; key?: string }[], name: string): ServiceDashboardSet {
    const dashboards = templates.map(({ template, json }) => {
        const model = JSON.parse(json.replaceAll(SERVICE_PLACEHOLDER, name)) as object;
        const uid = template.uid.replaceAll(SERVICE_PLACEHOLDER, name);
        return { uid, title: template.title.replaceAll(SERVICE_PLACEHOLDER, name), fileName: `${uid}.json`, service: name, model };
    });
    const indexLines = templates.flatMap(({ key }, i) => (key ? [`${dashboards[i].fileName} ${key} ${name}`] : []));
    return { dashboards, indexLines };
}

/**
 * The provider reading the expanded files, into the stack's folder like the stack's own dashboards;
 * a file gone from the folder (a removed service) deletes its dashboard.
 */
export function serviceDashboardsProvider(folder: { readonly uid: string; readonly title: string }, rescanSeconds: number) {
    return {
        name: SERVICE_DASHBOARDS.provider,
        orgId: 1,
        folder: folder.title,
        folderUid: folder.uid,
        type: "file",
        disableDeletion: false,
        updateIntervalSeconds: rescanSeconds,
        allowUiUpdates: false,
        options: { path: SERVICE_DASHBOARDS.outputPath, foldersFromFilesStructure: false },
    };
}

/** Every configured service's dashboards as shared templates plus an index. */
export function renderServiceDashboardTemplates(config: StackConfig, links: Links): RenderedServiceDashboards {
    const templates = new Map<string, string>();
    const services = new Map<string, ServiceDashboardSet>();
    let expandedBytes = 0;
    for (const service of config.services) {
        const rendered = templateDashboards(config, service, links).map((template) => {
            const json = toJson(template.model);
            // Named after what the dashboard is (golden, slo) and its content: equal content, one template.
            const kind = template.uid.replace(`${SERVICE_PLACEHOLDER}-`, "");
            const key = `${kind}-${checksum(json)}.json`;
            templates.set(key, json);
            expandedBytes += Buffer.byteLength(json) + (Buffer.byteLength(service.name) - SERVICE_PLACEHOLDER.length) * json.split(SERVICE_PLACEHOLDER).length;
            return { template, json, key };
        });
        services.set(service.name, expandSet(rendered, service.name));
    }
    const index = [...services.values()].flatMap((set) => set.indexLines).join("\n");
    const indexBytes = Buffer.byteLength(index) + Buffer.byteLength(SERVICE_DASHBOARDS.indexKey);
    if (indexBytes > CONFIGMAP_DATA_LIMIT_BYTES) {
        throw new Error(`the dashboard index of ${config.services.length} services is ${indexBytes} bytes, more than a ConfigMap can hold (${CONFIGMAP_DATA_LIMIT_BYTES}); split the services over two stacks`);
    }
    return {
        services,
        configMaps: [{ name: SERVICE_DASHBOARDS.indexConfigMap, data: { [SERVICE_DASHBOARDS.indexKey]: `${index}\n` } }, ...packFiles(SERVICE_DASHBOARDS.templatesConfigMap, [...templates].sort(([a], [b]) => (a < b ? -1 : 1)))],
        expandedBytes,
        scratch: expanderScratch(expandedBytes),
    };
}
