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
if [ -z "${DATABASE_URL_TEST:-}" ] && command -v runuser >/dev/null && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  export LATCHKEY_PG_DIR="/tmp/latchkey-pg-test-$$"
  export LATCHKEY_PG_PORT="${LATCHKEY_TEST_PG_PORT:-55433}"
  eval "$(bash scripts/postgres.sh start)"
  PG_STARTED=1
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
status=0
run_in_keyring npx vitest run --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=$?
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$results/e2e.json" || status=$?

# One plain closing line over both runs, so CI can tell how many tests ran.
node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    try {
      const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    } catch { failed += 1; console.error(`no results in ${f}`); }
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/unit.json" "$results/e2e.json"
rm -rf "$results"
exit $status
