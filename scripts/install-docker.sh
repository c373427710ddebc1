#!/usr/bin/env bash
# A Docker engine and compose client for the container test (tests/integration/test_containers.py),
# and the base images the Dockerfiles need (scripts/docker-base-images.sh). As root with apt-get,
# missing pieces are installed (Debian's docker.io and docker-compose) and the engine is started;
# elsewhere nothing is changed. Never fails: without an engine the container test is skipped and
# says why.
set -uo pipefail

warn() { echo "WARNING: $*; the container test will be skipped." >&2; exit 0; }

engine_up() { docker info >/dev/null 2>&1; }
have_compose() { command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; }
root_apt() { [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null 2>&1 || engine_up || missing+=(docker.io)
have_compose || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  root_apt || warn "${missing[*]} missing and cannot be installed here (needs root and apt-get)"
  echo "Installing ${missing[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
    || warn "apt-get could not install ${missing[*]}"
fi

if ! engine_up; then
  [ "$(id -u)" = "0" ] || warn "no Docker engine runs and starting one needs root"
  echo "Starting the Docker engine ..."
  if [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    # No init system (a container or a CI runner): the engine runs in the background, logging to a file.
    setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 120); do engine_up && break; sleep 1; done
  engine_up || warn "the Docker engine did not start (see /var/log/dockerd.log)"
fi

"$(dirname "$0")/docker-base-images.sh" || warn "the base images could not be pulled or built"
