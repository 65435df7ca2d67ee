#!/bin/sh
# Container start: migrate and load the starter data (idempotent), retrying while the database comes up,
# then serve with PARKMATCH_WORKERS worker processes. Every worker is stateless over the database: changes
# reach the others through the change log, so more containers can run against the same PostgreSQL.
set -eu
tries=${PARKMATCH_INIT_TRIES:-30}
n=1
until parkmatch init; do
  if [ "$n" -ge "$tries" ]; then
    echo "数据库不可用，已重试 $tries 次 / database not reachable after $tries tries" >&2
    exit 1
  fi
  echo "等待数据库（第 $n 次）/ waiting for the database (try $n)" >&2
  n=$((n + 1))
  sleep "${PARKMATCH_INIT_WAIT_SECONDS:-2}"
done
exec parkmatch serve --host "${PARKMATCH_HOST:-0.0.0.0}" --port "${PARKMATCH_PORT:-8000}" \
  --workers "${PARKMATCH_WORKERS:-2}"
