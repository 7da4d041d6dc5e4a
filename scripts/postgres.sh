#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 on 127.0.0.1 for tests.
# `start` prints `export DATABASE_URL_TEST=...` for the caller to eval.
set -euo pipefail
PGBIN=${LATCHKEY_PGBIN:-/usr/lib/postgresql/15/bin}
DIR=${LATCHKEY_PG_DIR:-/tmp/latchkey-pg}
PORT=${LATCHKEY_PG_PORT:-55432}
case "${1:-start}" in
  start)
    if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      rm -rf "$DIR"; install -d -o postgres -g postgres "$DIR"
      runuser -u postgres -- "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync >/dev/null
      runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" -l "$DIR/log" -w start >/dev/null
    fi
    echo "export DATABASE_URL_TEST=postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
