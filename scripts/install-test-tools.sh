#!/usr/bin/env bash
# Tools the test suite uses beyond Python and Node: PostgreSQL server binaries (the PostgreSQL
# half of the queue tests starts a throwaway server) and a compose client (validates
# docker-compose.yml). Installed with apt-get when running as root and missing; otherwise the
# tests that need them say loudly that they were skipped.
set -euo pipefail

have_postgres() {
  [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ] && return 0
  command -v initdb >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

have_compose() {
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1
}

missing=()
have_postgres || missing+=(postgresql)
have_compose || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing ${missing[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "WARNING: ${missing[*]} missing and cannot be installed here; the tests that need them will be skipped." >&2
fi
