#!/usr/bin/env bash
# Makes sure the production-shaped Temporal stack of docker-compose.yml can run without Docker:
#   temporal-server + temporal-sql-tool : built with `go install` from the Go module proxy
#       (go.temporal.io/server/cmd/server and …/cmd/tools/sql, the version of docker-compose.yml's
#       temporalio/server and temporalio/admin-tools images) into .tools/temporal-server/<version>/bin,
#       with the module's schema/ beside them — cached, keyed by version (~4 min cold on 2 cores)
#   PostgreSQL                          : Debian `postgresql` (apt-get install when missing and root)
# Idempotent and quiet when everything is there. Prints KEY=VALUE lines on stdout:
#   TEMPORAL_SERVER_VERSION, TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_SCHEMA_DIR, POSTGRES_BINDIR
# SKIP_POSTGRES=1 leaves PostgreSQL out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The pinned version (tools/temporal-server/version) is also the tag of docker-compose.yml's temporalio/server
# and temporalio/admin-tools images; test/ops/docker-compose.test.ts checks that they agree.
version="$(tr -d '[:space:]' < "$root/tools/temporal-server/version")"
dest="$root/.tools/temporal-server/$version"

build_server() {
  command -v go >/dev/null 2>&1 || { echo "go is required to build the Temporal server (go.temporal.io/server v$version)" >&2; exit 1; }
  mkdir -p "$root/.tools/temporal-server"
  # Global, not local: the EXIT trap runs after the function's scope is gone (set -u would fail on it).
  tmp="$(mktemp -d "$root/.tools/temporal-server/.build-$version.XXXXXX")"
  chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  echo "building temporal-server and temporal-sql-tool v$version (go install, a few minutes) into .tools/temporal-server/$version" >&2
  local t0=$SECONDS
  # As the official images are built: CGO off, the disable_grpc_modules tag. `go install pkg@version`
  # builds outside any module (the server's go.mod has no replace directives).
  (cd "$tmp" && GOBIN="$tmp/bin" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath -tags disable_grpc_modules -ldflags "-s -w" \
    "go.temporal.io/server/cmd/server@v$version" "go.temporal.io/server/cmd/tools/sql@v$version") >&2
  mv "$tmp/bin/server" "$tmp/bin/temporal-server"
  mv "$tmp/bin/sql" "$tmp/bin/temporal-sql-tool"
  # The schema of the same module version (never mix versions: the tool applies what the directory holds).
  local moddir
  moddir="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$moddir/schema/postgresql/v12" ] || { echo "no schema/postgresql/v12 in $moddir" >&2; exit 1; }
  mkdir -p "$tmp/schema"
  cp -R "$moddir/schema/postgresql" "$tmp/schema/"
  chmod -R u+w "$tmp/schema"
  echo "built temporal-server v$version in $((SECONDS - t0)) s" >&2
  rm -rf "$dest"
  mv "$tmp" "$dest"
  trap - EXIT
}

postgres_bindir() {
  # Debian keeps the server binaries (initdb, postgres, pg_ctl) off PATH, per major version.
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  return 1
}

ensure_postgres() {
  if ! postgres_bindir >/dev/null; then
    if [ "$(id -u)" != "0" ]; then
      echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2; exit 1
    fi
    echo "installing Debian postgresql (apt-get)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql) >&2
  fi
  postgres_bindir
}

if [ ! -x "$dest/bin/temporal-server" ] || [ ! -x "$dest/bin/temporal-sql-tool" ] || [ ! -d "$dest/schema/postgresql/v12" ]; then
  build_server
fi
echo "TEMPORAL_SERVER_VERSION=$version"
echo "TEMPORAL_SERVER=$dest/bin/temporal-server"
echo "TEMPORAL_SQL_TOOL=$dest/bin/temporal-sql-tool"
echo "TEMPORAL_SCHEMA_DIR=$dest/schema/postgresql/v12"
if [ "${SKIP_POSTGRES:-}" != "1" ]; then
  echo "POSTGRES_BINDIR=$(ensure_postgres)"
fi
