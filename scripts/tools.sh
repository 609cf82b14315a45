#!/usr/bin/env bash
# Builds the real upstream tools (Prometheus, Alertmanager, Pulumi and its plugins, a Kubernetes
# control plane for KWOK, ...) from Go modules into a cache outside the repo, at the versions
# pinned in tools/versions.json and tools/<group>/go.mod. See tools/README.md for the recipes.
#
#   bash scripts/tools.sh build [name...]   build the named tools (default: all), skipping cached ones
#   bash scripts/tools.sh path <name>       absolute path of the cached binary (exit 1 if not built)
#   bash scripts/tools.sh ensure <name>     build if missing, then print the path
#   bash scripts/tools.sh status            "<name> <version> built|missing <est-cold-minutes>"
#   bash scripts/tools.sh bindir            a directory of plainly named symlinks, for PATH
#
# Cache: ${LGTM_CACHE:-$HOME/.cache/lgtm-stack}/bin/<tool>-<version>. GOMODCACHE and GOCACHE are
# left at their defaults so every build shares downloads and compiled packages.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(dirname "$(dirname "$SELF")")"
TOOLS_DIR="$ROOT/tools"
VERSIONS_JSON="$TOOLS_DIR/versions.json"
CACHE="${LGTM_CACHE:-$HOME/.cache/lgtm-stack}"
BIN="$CACHE/bin"

# Priority order: what the tests need first comes first.
ALL_TOOLS=(
  promtool prometheus amtool alertmanager
  pulumi pulumi-language-nodejs
  pulumi-resource-kubernetes pulumi-resource-random pulumi-resource-grafana
  kube-apiserver kube-controller-manager kube-scheduler kwok kwokctl etcd
  actionlint busybox
  otelcol
  identify_license otelcol-builder jsonnet kube-score sloth
  node
  runc containerd containerd-shim-runc-v2 ctr cni-bridge cni-loopback cni-host-local cni-portmap
  kubelet kube-proxy kubectl agnhost coredns node_exporter kube-state-metrics
  prometheus-operator prometheus-config-reloader blackbox_exporter
)

log() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] error: %s\n' "$*" >&2; exit 1; }

# Where each tool's version lives in tools/versions.json: backends share the image tag the stack
# deploys, so a test never checks a config with a different promtool than the one in production.
section_of() {
  case "$1" in
    promtool | prometheus) echo images.prometheus ;;
    amtool | alertmanager) echo images.alertmanager ;;
    otelcol) echo images.otelcol ;;
    pulumi) echo tools.pulumi ;;
    pulumi-language-nodejs) echo tools.pulumi-language-nodejs ;;
    pulumi-resource-kubernetes) echo tools.pulumi-resource-kubernetes ;;
    pulumi-resource-random) echo tools.pulumi-resource-random ;;
    pulumi-resource-grafana) echo tools.pulumi-resource-grafana ;;
    kube-apiserver | kube-controller-manager | kube-scheduler) echo tools.kubernetes ;;
    kwok | kwokctl) echo tools.kwok ;;
    etcd) echo tools.etcd ;;
    busybox) echo tools.busybox ;;
    actionlint) echo tools.actionlint ;;
    identify_license) echo tools.identify_license ;;
    jsonnet) echo tools.jsonnet ;;
    kube-score) echo tools.kube-score ;;
    sloth) echo tools.sloth ;;
    otelcol-builder) echo images.otelcol ;;
    node) echo tools.node ;;
    runc) echo tools.runc ;;
    containerd | containerd-shim-runc-v2 | ctr) echo tools.containerd ;;
    cni-bridge | cni-loopback | cni-host-local | cni-portmap) echo tools.cni-plugins ;;
    kubelet | kube-proxy | kubectl | agnhost) echo tools.kubernetes ;;
    coredns) echo tools.coredns ;;
    node_exporter) echo tools.node_exporter ;;
    kube-state-metrics) echo tools.kube-state-metrics ;;
    prometheus-operator) echo images.prometheus-operator ;;
    prometheus-config-reloader) echo images.prometheus-config-reloader ;;
    blackbox_exporter) echo images.blackbox-exporter ;;
    *) return 1 ;;
  esac
}

is_tool() { section_of "$1" >/dev/null 2>&1; }

# field <section> <key>: one string field of tools/versions.json ("" when absent). node is
# always here (the project is TypeScript); jq may not be.
declare -A _FIELDS=()
load_fields() {
  [[ ${#_FIELDS[@]} -gt 0 ]] && return 0
  local line
  while IFS=$'\t' read -r k v; do
    _FIELDS["$k"]="$v"
  done < <(node -e '
    const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const s of ["images", "tools"])
      for (const [name, e] of Object.entries(v[s] || {}))
        for (const [k, x] of Object.entries(e))
          if (typeof x === "string") console.log(`${s}.${name}.${k}\t${x}`);
  ' "$VERSIONS_JSON")
}
field() { load_fields; printf '%s' "${_FIELDS["$1.$2"]:-}"; }

# The version a tool is built at: the image tag for backends, "version" for the rest.
version_of() {
  local s
  s="$(section_of "$1")" || die "unknown tool '$1'; known: ${ALL_TOOLS[*]}"
  local v
  if [[ $s == images.* ]]; then v="$(field "$s" tag)"; else v="$(field "$s" version)"; fi
  [[ -n $v ]] || die "no version for '$1' at $s in $VERSIONS_JSON"
  printf '%s' "$v"
}
go_module_of() { field "$(section_of "$1")" goModule; }
go_version_of() { field "$(section_of "$1")" goVersion; }

# The Collector distribution is defined by its builder config as much as by its version: a component
# added there must give a new binary, so its cache name carries a hash of that file.
bin_path() {
  local suffix=""
  [[ $1 == otelcol ]] && suffix="-$(sha256sum "$TOOLS_DIR/otelcol/builder-config.yaml" | cut -c1-8)"
  printf '%s/%s-%s%s' "$BIN" "$1" "$(version_of "$1")" "$suffix"
}

# Estimated cold build minutes, from the measured table in tools/BUILD-TIMES.md.
estimate_of() {
  local est
  est="$(awk -F'|' -v t="$1" '{ n=$2; gsub(/[ `]/, "", n); if (n == t) { m=$5; gsub(/ /, "", m); print m; exit } }' \
    "$TOOLS_DIR/BUILD-TIMES.md" 2>/dev/null || true)"
  printf '%s' "${est:-?}"
}

# ---------------------------------------------------------------------------------------------
# Build helpers. Every build runs niced (tests share the two cores) with CGO off, the local
# toolchain only (a go.mod asking for a newer Go must fail, not download one) and -trimpath.

go_env() {
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
  unset GOWORK GOOS GOARCH || true
}

# Fails when tools/<dir>/go.mod does not require the module at the version versions.json names,
# so the two files cannot drift apart silently.
check_pin() {
  local dir="$1" module="$2" want="$3"
  local have
  have="$(cd "$dir" && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' "$module")"
  [[ $have == "$want" ]] || die "$dir/go.mod requires $module $have but versions.json says $want"
}

# go_build <wrapper dir> <package> <out> <ldflags> [tags]: builds a package of a module that the
# wrapper module requires (listed as a `tool` so go mod tidy keeps its dependencies).
go_build() {
  local dir="$1" pkg="$2" out="$3" ldflags="$4" tags="${5:-}"
  go_env
  (cd "$dir" && nice -n 10 go build -trimpath ${tags:+-tags "$tags"} -ldflags "-s -w $ldflags" -o "$out" "$pkg")
}

# go_install_to <package@version> <out> <ldflags>: for modules without replace/exclude lines.
go_install_to() {
  local pkgver="$1" out="$2" ldflags="$3"
  local gobin
  gobin="$(mktemp -d "$BUILD_TMP/gobin.XXXXXX")"
  go_env
  (cd "$gobin" && GOBIN="$gobin" nice -n 10 go install -trimpath -ldflags "-s -w $ldflags" "$pkgver")
  local pkg="${pkgver%@*}"
  mv "$gobin/${pkg##*/}" "$out"
  rm -rf "$gobin"
}

# module_info <module> <version> <field> [wrapper dir]: a field of `go mod download -json`
# (downloads the module into the default module cache if needed): Dir, Time (the commit time: a
# reproducible build date). Run inside the wrapper module, the download is verified against its
# go.sum, which matters for versions the checksum database does not know.
module_info() {
  (cd "${4:-${TMPDIR:-/tmp}}" && GOTOOLCHAIN=local GOFLAGS= go mod download -json "$1@$2") |
    node -e '
      let s = "";
      process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const j = JSON.parse(s);
        if (j.Error) { console.error(j.Error); process.exit(1); }
        if (process.argv[1] === "Time") j.Time = JSON.parse(require("fs").readFileSync(j.Info, "utf8")).Time;
        console.log(j[process.argv[1]] || "");
      });' "$3"
}
module_time() { module_info "$1" "$2" Time "${3:-}"; }
module_dir() { module_info "$1" "$2" Dir "${3:-}"; }

# Prometheus and Alertmanager print their version through prometheus/common/version.
prom_ldflags() {
  local version="$1" module="$2" goversion="$3"
  local p=github.com/prometheus/common/version
  printf -- '-X %s.Version=%s -X %s.Revision=%s -X %s.Branch=HEAD -X %s.BuildUser=lgtm-stack -X %s.BuildDate=%s' \
    "$p" "${version#v}" "$p" "$module@$goversion" "$p" "$p" "$p" "$(module_time "$module" "$goversion")"
}

# ---------------------------------------------------------------------------------------------
# Recipes: recipe_<tool> <out> builds the tool into <out>.

recipe_prometheus_group() {
  local tool="$1" out="$2"
  local dir="$TOOLS_DIR/prometheus" module goversion
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  check_pin "$dir" "$module" "$goversion"
  # No builtinassets tag: the web UI is not in the module zip; the API, /-/ready and the
  # remote-write receiver do not need it.
  go_build "$dir" "$module/cmd/$tool" "$out" "$(prom_ldflags "$(version_of "$tool")" "$module" "$goversion")" netgo
}
recipe_promtool() { recipe_prometheus_group promtool "$1"; }
recipe_prometheus() { recipe_prometheus_group prometheus "$1"; }

recipe_alertmanager_group() {
  local tool="$1" out="$2" module goversion
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  go_install_to "$module/cmd/$tool@$goversion" "$out" "$(prom_ldflags "$(version_of "$tool")" "$module" "$goversion")"
}
recipe_amtool() { recipe_alertmanager_group amtool "$1"; }
recipe_alertmanager() { recipe_alertmanager_group alertmanager "$1"; }

pulumi_version_ldflags() {
  printf -- '-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=%s' "$1"
}
recipe_pulumi() {
  local dir="$TOOLS_DIR/pulumi"
  check_pin "$dir" "$(go_module_of pulumi)" "$(go_version_of pulumi)"
  go_build "$dir" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$1" "$(pulumi_version_ldflags "$(version_of pulumi)")"
}
recipe_pulumi-language-nodejs() {
  local dir="$TOOLS_DIR/pulumi-language-nodejs"
  check_pin "$dir" "$(go_module_of pulumi-language-nodejs)" "$(go_version_of pulumi-language-nodejs)"
  go_build "$dir" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs "$1" \
    "$(pulumi_version_ldflags "$(version_of pulumi-language-nodejs)")"
}

# Provider plugins. Upstream mains embed schema files generated at release time (gitignored),
# so tools/<group>/cmd/<plugin>/main.go is our own few-line main that embeds the schema committed
# in the module. The build copies the wrapper module and that schema into a scratch dir.
provider_build() {
  local tool="$1" out="$2" group="$3" ldflags="$4"
  shift 4
  local dir="$TOOLS_DIR/$group" module goversion moddir scratch
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  check_pin "$dir" "$module" "$goversion"
  moddir="$(module_dir "$module" "$goversion" "$dir")"
  scratch="$(mktemp -d "$BUILD_TMP/$group.XXXXXX")"
  cp -r "$dir/." "$scratch/"
  local f
  for f in "$@"; do # <path in module>:<path in scratch>
    install -m 0644 -D "$moddir/${f%%:*}" "$scratch/${f#*:}"
  done
  go_build "$scratch" "./cmd/$tool" "$out" "$ldflags"
  rm -rf "$scratch"
}
recipe_pulumi-resource-kubernetes() {
  provider_build pulumi-resource-kubernetes "$1" pulumi-kubernetes \
    "-X $(go_module_of pulumi-resource-kubernetes)/pkg/version.Version=$(version_of pulumi-resource-kubernetes)" \
    cmd/pulumi-resource-kubernetes/schema.json:cmd/pulumi-resource-kubernetes/schema.json \
    cmd/pulumi-resource-kubernetes/terraform-mapping.json:cmd/pulumi-resource-kubernetes/terraform-mapping.json
}
# random: upstream terraform-provider-random bridged with pulumi-terraform-bridge (tools/pulumi-random
# holds our shim and two few-line mains). The schema is generated at build time by the bridge's
# tfgen from the provider itself, then embedded into the plugin; nothing generated is committed.
recipe_pulumi-resource-random() {
  local out="$1" dir="$TOOLS_DIR/pulumi-random" scratch
  check_pin "$dir" "$(go_module_of pulumi-resource-random)" "$(go_version_of pulumi-resource-random)"
  scratch="$(mktemp -d "$BUILD_TMP/pulumi-random.XXXXXX")"
  cp -r "$dir/." "$scratch/"
  local ldflags="-X lgtm-stack/tools/pulumi-random/provider.Version=$(version_of pulumi-resource-random)"
  go_build "$scratch" ./cmd/pulumi-tfgen-random "$scratch/pulumi-tfgen-random" "$ldflags"
  # PULUMI_CONVERT=0: no HCL example conversion (it would look for a converter plugin).
  (cd "$scratch" && PULUMI_CONVERT=0 ./pulumi-tfgen-random schema --skip-examples --skip-docs \
    --out cmd/pulumi-resource-random >&2)
  [[ -s $scratch/cmd/pulumi-resource-random/schema.json ]] || die "tfgen wrote no schema.json"
  go_build "$scratch" ./cmd/pulumi-resource-random "$out" "$ldflags"
  rm -rf "$scratch"
}
recipe_pulumi-resource-grafana() {
  provider_build pulumi-resource-grafana "$1" pulumi-grafana \
    "-X $(go_module_of pulumi-resource-grafana)/pkg/version.Version=$(version_of pulumi-resource-grafana)" \
    cmd/pulumi-resource-grafana/schema.json:cmd/pulumi-resource-grafana/schema.json
}

recipe_kube_group() {
  local tool="$1" out="$2" dir="$TOOLS_DIR/kubernetes" version module goversion
  version="$(version_of "$tool")"
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  check_pin "$dir" "$module" "$goversion"
  local minor="${version#v*.}"
  minor="${minor%%.*}"
  local p=k8s.io/component-base/version
  local ldflags="-X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  ldflags+=" -X $p.buildDate=$(module_time "$module" "$goversion" "$dir")"
  go_build "$dir" "$module/cmd/$tool" "$out" "$ldflags"
}
recipe_kube-apiserver() { recipe_kube_group kube-apiserver "$1"; }
recipe_kube-controller-manager() { recipe_kube_group kube-controller-manager "$1"; }
recipe_kube-scheduler() { recipe_kube_group kube-scheduler "$1"; }

recipe_kwok_group() {
  local tool="$1" out="$2" module goversion
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  go_install_to "$module/cmd/$tool@$goversion" "$out" \
    "-X $module/pkg/consts.Version=${goversion#v}"
}
recipe_kwok() { recipe_kwok_group kwok "$1"; }
recipe_kwokctl() { recipe_kwok_group kwokctl "$1"; }

# etcd comes from Debian (etcd-server); the cache keeps a copy so a warm cache needs no apt.
recipe_etcd() {
  local out="$1" want src
  want="$(version_of etcd)"
  src="$(command -v etcd || true)"
  if [[ -z $src ]]; then
    log "installing Debian etcd-server"
    if [[ $(id -u) == 0 ]]; then
      apt-get install -y etcd-server >&2 || { apt-get update >&2 && apt-get install -y etcd-server >&2; }
    else
      sudo apt-get install -y etcd-server >&2 || { sudo apt-get update >&2 && sudo apt-get install -y etcd-server >&2; }
    fi
    src="$(command -v etcd)"
  fi
  # Read the whole output first: `grep -q` stops early and, under pipefail, etcd's SIGPIPE would
  # fail the check on a matching version.
  local have
  have="$("$src" --version)"
  [[ $have == *"etcd Version: $want"* ]] ||
    die "$src is not etcd $want (${have%%$'\n'*}); update tools.etcd.version"
  cp "$(readlink -f "$src")" "$out"
}

# BusyBox comes from Debian (busybox-static): the applets of the Grafana image's Alpine base (sh,
# sed, awk, cmp, readlink), so the dashboard expander's test runs it with the same tools as the pod.
recipe_busybox() {
  local out="$1" want src have
  want="$(version_of busybox)"
  src="$(command -v busybox || true)"
  if [[ -z $src ]]; then
    log "installing Debian busybox-static"
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y busybox-static >&2 || { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y busybox-static >&2; }
    src="$(command -v busybox)"
  fi
  have="$("$src" 2>&1 | head -1 || true)"
  [[ $have == "BusyBox v$want "* ]] || die "$src is not BusyBox $want (${have}); update tools.busybox.version"
  cp "$(readlink -f "$src")" "$out"
}

recipe_actionlint() {
  local module goversion
  module="$(go_module_of actionlint)"
  goversion="$(go_version_of actionlint)"
  go_install_to "$module/cmd/actionlint@$goversion" "$1" "-X $module.version=$goversion"
}

# The licence gate (test/licences.test.ts): Google's licence classifier CLI, and the Collector
# Builder on its own, which regenerates the Collector's go.mod from builder-config.yaml so the gate
# can read its module graph without building the Collector.
recipe_identify_license() {
  local module goversion
  module="$(go_module_of identify_license)"
  goversion="$(go_version_of identify_license)"
  go_install_to "$module/tools/identify_license@$goversion" "$1" ""
}
# go-jsonnet's CLI, for the mixin coverage test only (test/mixinCoverage.test.ts): it renders the
# alerts of the node, Prometheus and Alertmanager mixins shipped inside the modules we pin.
recipe_jsonnet() {
  go_install_to "$(go_module_of jsonnet)/cmd/jsonnet@$(go_version_of jsonnet)" "$1" ""
}
# kube-score, for the bench's kube-score section only (bench/kubeScore.ts): it scores the Kubernetes
# objects the program registers. No replace lines; the version through goreleaser's main.version.
recipe_kube-score() {
  local goversion
  goversion="$(go_version_of kube-score)"
  go_install_to "$(go_module_of kube-score)/cmd/kube-score@$goversion" "$1" \
    "-X main.version=${goversion#v} -X main.commit=$goversion -X main.date=$(module_time "$(go_module_of kube-score)" "$goversion")"
}
# Sloth, for the bench's slo-cost section only (bench/sloCost.ts): it generates the rules of the same
# SLO, whose cost ours is measured against. No replace lines; the version as its build script sets it.
recipe_sloth() {
  go_install_to "$(go_module_of sloth)/cmd/sloth@$(go_version_of sloth)" "$1" \
    "-X $(go_module_of sloth)/internal/info.Version=$(go_version_of sloth)"
}
recipe_otelcol-builder() {
  go_install_to "$(go_module_of otelcol-builder)@$(go_version_of otelcol-builder)" "$1" ""
}

# Node.js itself, for machines whose node is older than package.json's engines (scripts/with-node.sh):
# the official binary inside the npm registry package node-linux-<arch>; `npm pack` checks the
# registry's integrity hash. Only bin/node is kept; npm keeps running on the machine's install.
recipe_node() {
  local out="$1" version arch
  version="$(version_of node)"
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) die "no node-linux package for $(uname -m)" ;;
  esac
  (cd "$BUILD_TMP" && npm pack --silent "$(field tools.node npmPackage)-$arch@$version" >&2)
  tar -xzf "$BUILD_TMP"/*.tgz -C "$BUILD_TMP" package/bin/node
  [[ $("$BUILD_TMP/package/bin/node" --version) == "v$version" ]] || die "the package's node is not v$version"
  mv "$BUILD_TMP/package/bin/node" "$out"
}

# The Collector distribution is generated by the OpenTelemetry Collector Builder from
# tools/otelcol/builder-config.yaml (components pinned there, core and contrib at one version).
recipe_otelcol() {
  local out="$1" version module goversion scratch
  version="$(version_of otelcol)"
  module="$(go_module_of otelcol)"
  goversion="$(go_version_of otelcol)"
  scratch="$(mktemp -d "$BUILD_TMP/otelcol.XXXXXX")"
  go_install_to "$module@$goversion" "$scratch/builder" ""
  grep -q "version: $version\$" "$TOOLS_DIR/otelcol/builder-config.yaml" ||
    die "tools/otelcol/builder-config.yaml is not at $version"
  sed "s|@OUTPUT@|$scratch/dist|" "$TOOLS_DIR/otelcol/builder-config.yaml" >"$scratch/builder-config.yaml"
  go_env
  (cd "$scratch" && nice -n 10 ./builder --config builder-config.yaml >&2)
  mv "$scratch/dist/otelcol" "$out"
  rm -rf "$scratch"
}

# ---------------------------------------------------------------------------------------------
# A real node (e2e and the demo run the stack's containers on it; see scripts/realNode/).
# runc, containerd, the CNI plugins and CoreDNS have no replace lines: `go install` at the pinned
# version. kubelet, kube-proxy and agnhost (whose `pause` command is the sandbox image's program)
# come from the tools/kubernetes wrapper like the control plane.

# The node's Debian packages: runc's seccomp support links libseccomp; the CNI plugins (bridge
# ipMasq, portmap), kubelet and kube-proxy drive iptables.
ensure_node_packages() {
  local missing=() p
  for p in libseccomp-dev iptables; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing Debian ${missing[*]}"
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y "${missing[@]}" >&2 ||
    { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y "${missing[@]}" >&2; }
}

recipe_runc() {
  local module goversion
  module="$(go_module_of runc)"
  goversion="$(go_version_of runc)"
  ensure_node_packages
  # The one cgo build: without the seccomp tag (and libseccomp) runc cannot apply the
  # RuntimeDefault profile every pod of the stack asks for.
  local gobin
  gobin="$(mktemp -d "$BUILD_TMP/gobin.XXXXXX")"
  go_env
  (cd "$gobin" && CGO_ENABLED=1 GOBIN="$gobin" nice -n 10 go install -trimpath -tags "seccomp urfave_cli_no_docs" \
    -ldflags "-s -w -X main.version=${goversion#v}" "$module@$goversion")
  mv "$gobin/runc" "$1"
}

recipe_containerd_group() {
  local tool="$1" out="$2" module goversion
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  local tags="no_btrfs no_devmapper no_zfs urfave_cli_no_docs"
  local gobin
  gobin="$(mktemp -d "$BUILD_TMP/gobin.XXXXXX")"
  go_env
  (cd "$gobin" && GOBIN="$gobin" nice -n 10 go install -trimpath -tags "$tags" \
    -ldflags "-s -w -X $module/version.Version=$goversion" "$module/cmd/$tool@$goversion")
  mv "$gobin/$tool" "$out"
}
recipe_containerd() { recipe_containerd_group containerd "$1"; }
recipe_containerd-shim-runc-v2() { recipe_containerd_group containerd-shim-runc-v2 "$1"; }
recipe_ctr() { recipe_containerd_group ctr "$1"; }

recipe_cni_group() {
  local plugin="$1" out="$2" module goversion
  module="$(go_module_of cni-bridge)"
  goversion="$(go_version_of cni-bridge)"
  ensure_node_packages
  go_install_to "$module/plugins/$plugin@$goversion" "$out" \
    "-X $module/pkg/utils/buildversion.BuildVersion=$goversion"
}
recipe_cni-bridge() { recipe_cni_group main/bridge "$1"; }
recipe_cni-loopback() { recipe_cni_group main/loopback "$1"; }
recipe_cni-host-local() { recipe_cni_group ipam/host-local "$1"; }
recipe_cni-portmap() { recipe_cni_group meta/portmap "$1"; }

recipe_kubelet() { ensure_node_packages; recipe_kube_group kubelet "$1"; }
recipe_kube-proxy() { ensure_node_packages; recipe_kube_group kube-proxy "$1"; }
# kubectl: what the demo prints (port-forward) and what a user types against the local cluster.
recipe_kubectl() { recipe_kube_group kubectl "$1"; }
recipe_agnhost() {
  local out="$1" dir="$TOOLS_DIR/kubernetes" module goversion
  module="$(go_module_of agnhost)"
  goversion="$(go_version_of agnhost)"
  check_pin "$dir" "$module" "$goversion"
  go_build "$dir" "$module/test/images/agnhost" "$out" ""
}

# The stack's infrastructure exporters (model/infrastructure.ts deploys their upstream images).
recipe_node_exporter() {
  local module goversion
  module="$(go_module_of node_exporter)"
  goversion="$(go_version_of node_exporter)"
  go_install_to "$module@$goversion" "$1" "$(prom_ldflags "$goversion" "$module" "$goversion")"
}
recipe_kube-state-metrics() {
  local module goversion
  module="$(go_module_of kube-state-metrics)"
  goversion="$(go_version_of kube-state-metrics)"
  # Not `go install mod@version`: that also asks the proxy for the module's version list (to report
  # deprecation), which the proxy refuses for this module; a scratch module requiring it builds.
  local scratch
  scratch="$(mktemp -d "$BUILD_TMP/ksm.XXXXXX")"
  printf 'module lgtm-stack/scratch\n\ngo 1.26\n\nrequire %s %s\n' "$module" "$goversion" >"$scratch/go.mod"
  go_env
  (cd "$scratch" && GOFLAGS=-mod=mod nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${goversion#v}" -o "$1" "$module")
}

# The Prometheus Operator and the blackbox exporter: the images the stack deploys (versions.json
# `images`). The operator's go.mod replaces its own API and client modules with folders of its
# repository, which `go install mod@version` refuses, and the proxy does not serve the blackbox
# exporter's version list: both build from wrapper modules that require them by version.
# wrapper_build <tool> <wrapper dir> <package suffix> <out>: builds <module><suffix> from tools/<dir>/.
wrapper_build() {
  local tool="$1" dir="$TOOLS_DIR/$2" suffix="$3" out="$4" module goversion
  module="$(go_module_of "$tool")"
  goversion="$(go_version_of "$tool")"
  check_pin "$dir" "$module" "$goversion"
  go_build "$dir" "$module$suffix" "$out" "$(prom_ldflags "$goversion" "$module" "$goversion")"
}
recipe_prometheus-operator() { wrapper_build prometheus-operator prometheus-operator /cmd/operator "$1"; }
# The sidecar the operator adds to the agent's pods: the real-node suite needs its image.
recipe_prometheus-config-reloader() { wrapper_build prometheus-config-reloader prometheus-operator /cmd/prometheus-config-reloader "$1"; }
recipe_blackbox_exporter() { wrapper_build blackbox_exporter blackbox_exporter "" "$1"; }

recipe_coredns() {
  local module goversion
  module="$(go_module_of coredns)"
  goversion="$(go_version_of coredns)"
  go_install_to "$module@$goversion" "$1" ""
}

# ---------------------------------------------------------------------------------------------

# build_one <tool>: builds unless cached. Prints "<tool> <version> built in <m>m<s>s" on stdout.
build_one() {
  local tool="$1" version final
  version="$(version_of "$tool")"
  final="$(bin_path "$tool")"
  mkdir -p "$BIN" "$CACHE/tmp" "$CACHE/locks"
  if [[ -x $final ]]; then
    log "$tool $version: cached at $final"
    return 0
  fi
  if unbuildable "$tool"; then
    log "$tool $version: no buildable version of $(go_module_of "$tool"): $(field "$(section_of "$tool")" note)"
    return 1
  fi
  (
    # One builder per tool at a time: tests that `ensure` in parallel wait for the first build.
    exec 9>"$CACHE/locks/$tool.lock"
    flock 9
    if [[ -x $final ]]; then
      log "$tool $version: built meanwhile by another process"
      exit 0
    fi
    log "$tool $version: building (cold builds take about $(estimate_of "$tool") min on 2 cores)"
    local tmp="$BIN/.$tool-$version.tmp.$$" start end
    # Scratch space for the recipe; removed with any half-written binary however the build ends.
    BUILD_TMP="$(mktemp -d "$CACHE/tmp/$tool.XXXXXX")"
    trap 'rm -rf "$BUILD_TMP" "$tmp"' EXIT
    start="$(date +%s)"
    "recipe_$tool" "$tmp"
    chmod 0755 "$tmp"
    mv -f "$tmp" "$final"
    end="$(date +%s)"
    local secs=$((end - start))
    printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$tool" "$version" "$secs" >>"$CACHE/build-times.log"
    printf '%s %s built in %dm%02ds -> %s\n' "$tool" "$version" $((secs / 60)) $((secs % 60)) "$final"
  )
}

# A tool whose versions.json entry names a module but no version (with a "note" saying why) has
# no build recipe that works here.
unbuildable() { [[ -n $(go_module_of "$1") && -z $(go_version_of "$1") ]]; }

cmd_build() {
  local tools=("$@") failed=() t
  if [[ ${#tools[@]} -eq 0 ]]; then
    # "Build everything" means everything that can be built; naming one that cannot still fails.
    for t in "${ALL_TOOLS[@]}"; do
      if unbuildable "$t"; then
        log "$t: skipped, $(field "$(section_of "$t")" note)"
      else
        tools+=("$t")
      fi
    done
  fi
  for t in "${tools[@]}"; do is_tool "$t" || die "unknown tool '$t'; known: ${ALL_TOOLS[*]}"; done
  for t in "${tools[@]}"; do
    # A child process per tool: inside `if` bash ignores `set -e`, so calling build_one here
    # directly would carry on past a failed step.
    if ! "$BASH" "$SELF" __build_one "$t"; then
      log "$t: build FAILED"
      failed+=("$t")
    fi
  done
  [[ ${#failed[@]} -eq 0 ]] || die "failed: ${failed[*]}"
}

cmd_path() {
  [[ $# -eq 1 ]] || die "usage: tools.sh path <name>"
  is_tool "$1" || die "unknown tool '$1'; known: ${ALL_TOOLS[*]}"
  ! unbuildable "$1" || die "$1 cannot be built here: $(field "$(section_of "$1")" note)"
  local p
  p="$(bin_path "$1")"
  [[ -x $p ]] || die "$1 $(version_of "$1") is not built; run: npm run tools -- build $1 (about $(estimate_of "$1") min cold)"
  printf '%s\n' "$p"
}

cmd_ensure() {
  [[ $# -eq 1 ]] || die "usage: tools.sh ensure <name>"
  is_tool "$1" || die "unknown tool '$1'; known: ${ALL_TOOLS[*]}"
  "$BASH" "$SELF" __build_one "$1" >&2 || die "$1: build failed"
  cmd_path "$1"
}

cmd_status() {
  local t
  for t in "${ALL_TOOLS[@]}"; do
    local state=missing
    [[ -x $(bin_path "$t") ]] && state=built
    printf '%s %s %s %s\n' "$t" "$(version_of "$t")" "$state" "$(estimate_of "$t")"
  done
}

cmd_bindir() {
  local dir="$CACHE/path" t
  mkdir -p "$dir"
  find "$dir" -maxdepth 1 -type l -delete
  for t in "${ALL_TOOLS[@]}"; do
    local p
    p="$(bin_path "$t")"
    [[ -x $p ]] && ln -sfn "$p" "$dir/$t"
  done
  printf '%s\n' "$dir"
}

main() {
  local cmd="${1:-}"
  shift || true
  load_fields # once, here: command substitutions below run in subshells and would each reload
  case "$cmd" in
    build) cmd_build "$@" ;;
    __build_one) build_one "$@" ;;
    path) cmd_path "$@" ;;
    ensure) cmd_ensure "$@" ;;
    status) cmd_status ;;
    bindir) cmd_bindir ;;
    *) die "usage: tools.sh build [name...] | path <name> | ensure <name> | status | bindir" ;;
  esac
}

main "$@"; exit $?  # exit here: an edit of this file must not affect a running build
