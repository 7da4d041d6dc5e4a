#!/usr/bin/env bash
# Runs every test: Node unit/integration (vitest) and Chromium end-to-end.
# Tests that need the OS keychain run inside a private D-Bus session with an
# unlocked gnome-keyring; tests that need PostgreSQL get one on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() {
  if [ -n "${PG_STARTED:-}" ]; then bash scripts/postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$LATCHKEY_PG_DIR"; fi
}
trap cleanup EXIT

# A cluster of this run's own (fresh directory, its own port): never one left running
# by something else, which may predate a package upgrade or hold other data.
# Under CI=true PostgreSQL is required: if it cannot start, the run fails here, naming
# why, instead of its tests being skipped. Elsewhere they are skipped (and listed).
setup_errors=()
if [ -z "${DATABASE_URL_TEST:-}" ]; then
  pgbin="${LATCHKEY_PGBIN:-/usr/lib/postgresql/15/bin}"
  if command -v runuser >/dev/null && [ -x "$pgbin/initdb" ]; then
    export LATCHKEY_PG_DIR="/tmp/latchkey-pg-test-$$"
    export LATCHKEY_PG_PORT="${LATCHKEY_TEST_PG_PORT:-55433}"
    PG_STARTED=1
    if pg_env=$(bash scripts/postgres.sh start); then
      eval "$pg_env"
    else
      setup_errors+=("PostgreSQL did not start on port $LATCHKEY_PG_PORT (scripts/postgres.sh start failed; its log: $LATCHKEY_PG_DIR/log)")
    fi
  else
    setup_errors+=("PostgreSQL 15 is not installed ($pgbin/initdb and runuser are needed), and DATABASE_URL_TEST is not set")
  fi
fi
if [ "${#setup_errors[@]}" -gt 0 ]; then
  if [ "${CI:-}" = "true" ]; then
    for e in "${setup_errors[@]}"; do echo "error: $e" >&2; done
    args=(); for e in "${setup_errors[@]}"; do args+=(--error "$e"); done
    node scripts/summarise-tests.mjs "${args[@]}" || exit $?
  fi
  for e in "${setup_errors[@]}"; do echo "warning: $e; its tests will be skipped" >&2; done
fi

run_in_keyring() {
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    local xdg; xdg=$(mktemp -d)
    XDG_DATA_HOME="$xdg" dbus-run-session -- sh -c 'echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
  else
    "$@"
  fi
}

results=$(mktemp -d)
unit=0; e2e=0
run_in_keyring npx vitest run --reporter=default --reporter=json --outputFile.json="$results/unit.json" || unit=$?
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$results/e2e.json" || e2e=$?

# One plain closing line over both runs (scripts/summarise-tests.mjs says what counts).
status=0
node scripts/summarise-tests.mjs --run "$results/unit.json" "$unit" --run "$results/e2e.json" "$e2e" || status=$?
rm -rf "$results"
exit $status
