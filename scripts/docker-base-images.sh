#!/usr/bin/env bash
# The base images the Dockerfiles and docker-compose.yml use: python:3.11-slim, node:20-slim and
# postgres:15. On a normal host they are pulled untouched. Where no container registry is
# reachable (a build machine behind a package mirror), each missing image is replaced by a small
# stand-in built from Debian packages with debootstrap and tagged with the official name, so the
# images and the compose stack can still be built and tested. A stand-in behaves like the
# official image where DataOps relies on it:
#   python:3.11-slim  Debian bookworm's Python 3.11 as /usr/local/bin/python and python3, pip, venv
#   node:20-slim      Debian trixie's Node.js 20 and npm (bookworm's Node is 18)
#   postgres:15       Debian's PostgreSQL 15 run as postgres; POSTGRES_USER, POSTGRES_PASSWORD and
#                     POSTGRES_DB initialise an empty PGDATA (/var/lib/postgresql/data); pg_isready
# Each stand-in carries the label dataops.stand-in=debootstrap. Needs root, debootstrap and a
# Debian mirror in apt's sources (read from them here). Usage: scripts/docker-base-images.sh
set -euo pipefail

IMAGES=(python:3.11-slim node:20-slim postgres:15)
STAND_IN_LABEL="dataops.stand-in=debootstrap"

missing=()
for image in "${IMAGES[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 && continue
  docker pull -q "$image" >/dev/null 2>&1 && continue
  missing+=("$image")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ]; then
  echo "cannot pull ${missing[*]} and cannot build stand-ins without root" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# The Debian mirrors apt already uses (one-line and deb822 sources).
sources() {
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
    | grep -v '^\s*#' | grep -oE 'https?://[^ ]+' | sed 's:/*$::' | sort -u
}
MIRROR=$(sources | grep -E '/debian$' | head -1 || true)
SECURITY=$(sources | grep -E '/debian-security$' | head -1 || true)
if [ -z "$MIRROR" ]; then
  echo "no Debian mirror in apt's sources: cannot build stand-ins for ${missing[*]}" >&2
  exit 1
fi

WORK=$(mktemp -d)
cleanup() {
  for dir in "$WORK"/*/; do umount "${dir}proc" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# A minimal Debian root with apt pointed at the mirrors, the suite's updates and security fixes.
bootstrap() {  # suite dir
  local suite=$1 root=$2
  debootstrap --variant=minbase "$suite" "$root" "$MIRROR" >"$WORK/$suite.log" 2>&1 \
    || { tail -20 "$WORK/$suite.log" >&2; return 1; }
  {
    echo "deb $MIRROR $suite main"
    echo "deb $MIRROR $suite-updates main"
    [ -n "$SECURITY" ] && echo "deb $SECURITY $suite-security main"
  } >"$root/etc/apt/sources.list"
  # No services start inside the image build, no docs or translations (as in the slim images).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
    >"$root/etc/dpkg/dpkg.cfg.d/slim"
  mount -t proc proc "$root/proc"
}

add_packages() {  # root packages...
  local root=$1
  shift
  chroot "$root" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Import a root as an image: caches, lists and docs out, then the official image's settings.
import_root() {  # root image changes...
  local root=$1 image=$2
  shift 2
  umount "$root/proc"
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log \
    "$root"/usr/sbin/policy-rc.d
  local args=(--change "LABEL $STAND_IN_LABEL" --change "ENV LANG=C.UTF-8")
  for change in "$@"; do args+=(--change "$change"); done
  tar -C "$root" -c . | docker import "${args[@]}" - "$image" >/dev/null
  echo "built stand-in $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# Behind a TLS-inspecting proxy the host trusts the proxy's authority: a stand-in trusts what the
# host trusts (certificates of its bundle that Debian's lacks), or pip and npm could not reach
# their registries from an image build.
trust_host_cas() {  # root
  local root=$1 bundle=/etc/ssl/certs/ca-certificates.crt
  [ -f "$bundle" ] || return 0
  mkdir -p "$root/usr/local/share/ca-certificates"
  awk -v dir="$root/usr/local/share/ca-certificates" -v known="$root$bundle" '
    BEGIN { while ((getline line < known) > 0) { c = c line "\n"; if (line ~ /END CERT/) { seen[c] = 1; c = "" } } }
    { c = c $0 "\n" }
    /END CERTIFICATE/ { if (!(c in seen)) { n++; printf "%s", c > (dir "/host-" n ".crt") }; c = "" }
  ' "$bundle"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
}

python_slim() {
  local root=$WORK/python
  bootstrap bookworm "$root"
  add_packages "$root" python3 python3-venv ca-certificates
  trust_host_cas "$root"
  # pip carries its own certificate list: point it at the system's.
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
  # The official image's Python lives in /usr/local with pip installed and no PEP 668 marker.
  ln -sf /usr/bin/python3 "$root/usr/local/bin/python3"
  ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  # Debian disables ensurepip for its own Python: pip installs itself from the wheel venv uses.
  chroot "$root" sh -c 'wheel=$(ls /usr/share/python-wheels/pip-*.whl) &&
    PIP_ROOT_USER_ACTION=ignore python3 "$wheel/pip" install -q --no-index --no-warn-script-location "$wheel"'
  import_root "$root" python:3.11-slim \
    "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin" 'CMD ["python3"]'
}

node_slim() {
  local root=$WORK/node
  bootstrap trixie "$root"
  add_packages "$root" nodejs npm ca-certificates
  trust_host_cas "$root"
  import_root "$root" node:20-slim \
    "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" 'CMD ["node"]'
}

postgres_image() {
  local root=$WORK/postgres
  bootstrap bookworm "$root"
  mkdir -p "$root/etc/postgresql-common"
  echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.conf"
  add_packages "$root" postgresql-15
  local bindir
  bindir=$(dirname "$(chroot "$root" dpkg -L postgresql-15 | grep -E '/bin/postgres$')")
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
  chroot "$root" chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql
  chmod 700 "$root/var/lib/postgresql/data"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Initialise an empty PGDATA like the official image, then run the server in the foreground.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # A private socket while initialising: pg_isready says "ready" only for the real server.
    socket=$(mktemp -d)
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=$socket" start
    createdb -h "$socket" -U "$POSTGRES_USER" "$POSTGRES_DB"
    pg_ctl -D "$PGDATA" -w -m fast stop
    rmdir "$socket"
  fi
fi
exec postgres -D "$PGDATA" "$@"
EOF
  chmod +x "$root/usr/local/bin/docker-entrypoint.sh"
  import_root "$root" postgres:15 \
    "ENV PATH=$bindir:/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "ENV PGDATA=/var/lib/postgresql/data" "USER postgres" "EXPOSE 5432" \
    "VOLUME /var/lib/postgresql/data" \
    'ENTRYPOINT ["docker-entrypoint.sh"]'
}

for image in "${missing[@]}"; do
  echo "cannot pull $image: building a local stand-in from Debian packages ..."
  case $image in
    python:3.11-slim) python_slim ;;
    node:20-slim) node_slim ;;
    postgres:15) postgres_image ;;
  esac
done
