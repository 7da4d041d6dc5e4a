#!/usr/bin/env bash
# Runs every test: Node unit/integration (vitest) and Chromium end-to-end.
# Tests that need the OS keychain run inside a private D-Bus session with an
# unlocked gnome-keyring; tests that need PostgreSQL get one on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() { [ -n "${PG_STARTED:-}" ] && bash scripts/postgres.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

if [ -z "${DATABASE_URL_TEST:-}" ] && command -v runuser >/dev/null && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
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

run_in_keyring npx vitest run
npx vitest run --config vitest.e2e.config.ts
