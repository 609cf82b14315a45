#!/usr/bin/env bash
# Runs a command on a supported Node.js: the `engines` minimum of package.json (>= 22). When the
# machine's node is older (Debian ships 20, past end of life), it puts Node 24 LTS first on PATH:
# the official binary shipped in the npm registry package node-linux-<arch>, fetched once with
# `npm pack` and cached by scripts/tools.sh like the Go-built tools (`tools.node` in versions.json).
#
#   bash scripts/with-node.sh <command...>   run the command (npm scripts use this)
#   bash scripts/with-node.sh --bindir       print a directory to put first on PATH ("" if not needed)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${LGTM_CACHE:-$HOME/.cache/lgtm-stack}"

major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
minimum="$(node -p 'require(process.argv[1]).engines.node.match(/\d+/)[0]' "$ROOT/package.json")"

dir=""
if (($(major) < minimum)); then
  binary="$(bash "$ROOT/scripts/tools.sh" path node 2>/dev/null || bash "$ROOT/scripts/tools.sh" ensure node)"
  (($(major "$binary") >= minimum)) || { echo "[node] $binary is older than $minimum" >&2; exit 1; }
  dir="$CACHE/node-bin"
  mkdir -p "$dir"
  ln -sfn "$binary" "$dir/node"
fi

if [[ ${1:-} == --bindir ]]; then
  printf '%s\n' "$dir"
  exit 0
fi
[[ $# -gt 0 ]] || { echo "usage: with-node.sh <command...> | --bindir" >&2; exit 2; }
if [[ -n $dir ]]; then
  export PATH="$dir:$PATH"
  echo "[node] running on Node $(node --version) from $dir (this machine's node is older than $minimum)" >&2
fi
exec "$@"
