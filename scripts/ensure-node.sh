#!/usr/bin/env bash
# Makes sure a Node.js of another major version is in .tools/node-<version>/ (the npm package `node`, which
# ships the official binary), for running the suite on it: `.ci/run` runs it again on Node 24.
# Usage: scripts/ensure-node.sh [24|22|20|X.Y.Z]   (default 24). Pinned: 24 → 24.21.0, 22 → 22.23.3, 20 → 20.20.2.
# Prints NODE=<path of the node binary> on stdout. Idempotent; quiet when present.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="${1:-24}"
case "$want" in
  24) version=24.21.0 ;;
  22) version=22.23.3 ;;
  20) version=20.20.2 ;;
  *.*.*) version="$want" ;;
  *) echo "ensure-node: expected 24, 22, 20 or X.Y.Z, got $want" >&2; exit 2 ;;
esac
dir="$root/.tools/node-$version"
bin="$dir/node_modules/node/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "v$version" ]; then
  echo "installing Node.js $version (npm package node@$version) into .tools/node-$version" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node@$version" >&2
  [ "$("$bin" --version 2>/dev/null)" = "v$version" ] || { echo "ensure-node: node@$version did not provide $bin" >&2; exit 1; }
fi
echo "NODE=$bin"
