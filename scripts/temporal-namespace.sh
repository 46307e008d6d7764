#!/bin/sh
# Prepares a Temporal server for kafka-crossvpc workers: waits until the frontend is SERVING, creates the
# namespace (a real server has none; a worker polling a missing namespace dies) and registers the search
# attributes the workflows set. Idempotent. POSIX sh: docker-compose.yml runs it in temporalio/admin-tools;
# the deployment test runs it with the `temporal` CLI from .tools.
# Env: TEMPORAL_ADDRESS (read by the CLI), TEMPORAL_NAMESPACE (default default),
#      TEMPORAL_NAMESPACE_RETENTION (default 72h), TEMPORAL_CLI (default temporal),
#      CROSSVPC_SEARCH_ATTRIBUTES (Name=Type pairs, default those of workflows/search-attributes.ts),
#      TEMPORAL_SETUP_TIMEOUT_S (default 120).
set -eu
cli=${TEMPORAL_CLI:-temporal}
ns=${TEMPORAL_NAMESPACE:-default}
timeout=${TEMPORAL_SETUP_TIMEOUT_S:-120}
# Keep in step with searchAttributeRegistrations (workflows/search-attributes.ts); test/ops checks it.
attributes=${CROSSVPC_SEARCH_ATTRIBUTES:-CrossVpcInstanceId=Keyword CrossVpcPhase=Keyword CrossVpcHealth=Keyword}

waited=0
until "$cli" operator cluster health 2>/dev/null | grep -q SERVING; do
  waited=$((waited + 1))
  [ "$waited" -lt "$timeout" ] || { echo "temporal-namespace: frontend ${TEMPORAL_ADDRESS:-} not SERVING after ${timeout}s" >&2; exit 1; }
  sleep 1
done
if ! "$cli" operator namespace describe -n "$ns" >/dev/null 2>&1; then
  "$cli" operator namespace create -n "$ns" --retention "${TEMPORAL_NAMESPACE_RETENTION:-72h}"
fi
# A new namespace reaches the frontend's namespace cache after a moment.
waited=0
until "$cli" operator search-attribute list -n "$ns" >/dev/null 2>&1; do
  waited=$((waited + 1))
  [ "$waited" -lt "$timeout" ] || { echo "temporal-namespace: namespace $ns not usable after ${timeout}s" >&2; exit 1; }
  sleep 1
done
for pair in $attributes; do
  name=${pair%%=*}
  type=${pair##*=}
  if ! "$cli" operator search-attribute list -n "$ns" | grep -qw "$name"; then
    "$cli" operator search-attribute create -n "$ns" --name "$name" --type "$type"
  fi
done
echo "temporal-namespace: namespace $ns ready with $attributes"
