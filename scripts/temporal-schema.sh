#!/bin/sh
# Creates the Temporal server's two PostgreSQL databases and brings their schemas to the version in the
# schema directory, with temporal-sql-tool. Idempotent (every step is: an existing database is kept, the
# 0.0 baseline is skipped once set, update-schema applies only newer versions), so it also upgrades.
# POSIX sh: docker-compose.yml runs it in temporalio/admin-tools; the deployment test runs it with the
# binaries from scripts/ensure-temporal-server.sh.
# Env: SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD (read by temporal-sql-tool itself),
#      SQL_PLUGIN (default postgres12), TEMPORAL_SCHEMA_DIR (default /etc/temporal/schema/postgresql/v12,
#      where the admin-tools image keeps it), TEMPORAL_SQL_TOOL (default temporal-sql-tool),
#      TEMPORAL_DBNAME (default temporal), TEMPORAL_VISIBILITY_DBNAME (default temporal_visibility).
set -eu
tool=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
schema=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
export SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
[ -d "$schema/temporal/versioned" ] && [ -d "$schema/visibility/versioned" ] \
  || { echo "temporal-schema: no temporal/ and visibility/ versioned schema in $schema" >&2; exit 1; }
for pair in "${TEMPORAL_DBNAME:-temporal}:temporal" "${TEMPORAL_VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir=${pair##*:}
  "$tool" --db "$db" create-database
  "$tool" --db "$db" setup-schema -v 0.0
  "$tool" --db "$db" update-schema -d "$schema/$dir/versioned"
  echo "temporal-schema: $db is at the newest $dir schema of $schema"
done
