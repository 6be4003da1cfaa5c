#!/bin/sh
# `make images`: build the GAS image and the moto emulator image with docker or podman,
# then print each image's size and package list (SBOM, also saved under build/sbom/).
#
# Base image: the official Python image when it is present or can be pulled; otherwise a
# Debian bookworm base made from Debian packages with mmdebstrap (built once, then kept).
# Podman reads deploy/podman/containers.conf (runc, ulimits) through CONTAINERS_CONF.
set -eu
cd "$(dirname "$0")/.."

GAS_IMAGE=${GAS_IMAGE:-gas:0.1.0}
EMULATOR_IMAGE=${GAS_EMULATOR_IMAGE:-gas-moto:5.2.5}
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11.13-slim-bookworm}
DEBIAN_BASE=${DEBIAN_BASE:-localhost/gas-python:3.11-bookworm}
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/podman/containers.conf}"

say() { printf '%s\n' "images: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
can_install() { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }

# --- the engine: a docker daemon that answers, else podman (installed when root) ----------
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    ENGINE=docker
elif command -v podman >/dev/null 2>&1; then
    ENGINE=podman
elif command -v apt-get >/dev/null 2>&1 && can_install; then
    # netavark + aardvark-dns: DNS between the containers of a network.
    say "no container engine: installing podman, runc, netavark and aardvark-dns from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        podman runc netavark aardvark-dns >/dev/null
    ENGINE=podman
else
    say "no container engine found, and no root to install one."
    say "Install Docker (https://docs.docker.com/engine/install/) or Podman"
    say "(Debian/Ubuntu: sudo apt-get install podman runc), then run make images again."
    exit 1
fi
say "engine: $ENGINE ($($ENGINE --version))"

exists() { $ENGINE image inspect "$1" >/dev/null 2>&1; }

# --- the base: the official image, else a Debian one built from packages -------------------
if exists "$PYTHON_IMAGE" || $ENGINE pull -q "$PYTHON_IMAGE" >/dev/null 2>&1; then
    BASE=$PYTHON_IMAGE
else
    BASE=$DEBIAN_BASE
    if exists "$BASE"; then
        say "no registry: using the Debian base $BASE built earlier"
    else
        say "no registry: building the Debian base $BASE with mmdebstrap (a few minutes)"
        if ! command -v mmdebstrap >/dev/null 2>&1; then
            if command -v apt-get >/dev/null 2>&1 && can_install; then
                as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
            else
                say "$PYTHON_IMAGE cannot be pulled and mmdebstrap is missing:"
                say "install mmdebstrap (Debian/Ubuntu) or give a reachable PYTHON_IMAGE."
                exit 1
            fi
        fi
        mkdir -p build
        as_root mmdebstrap --quiet --variant=minbase \
            --include=python3,python3-venv,python-is-python3,ca-certificates \
            bookworm build/debian-base.tar
        $ENGINE import --change 'CMD ["python3"]' build/debian-base.tar "$BASE" >/dev/null
        rm -f build/debian-base.tar
    fi
fi
say "base: $BASE"

# --- build ---------------------------------------------------------------------------------
# Podman keeps HEALTHCHECK only in the docker format. pip inside the build trusts the
# host's CA bundle (a proxying network); nothing of it stays in the image.
set -- --build-arg "PYTHON_IMAGE=$BASE"
if [ "$ENGINE" = podman ]; then
    set -- "$@" --format docker
    [ -d /etc/ssl/certs ] && set -- "$@" --volume /etc/ssl/certs:/etc/ssl/certs:ro
fi
say "building $GAS_IMAGE"
$ENGINE build "$@" -t "$GAS_IMAGE" .
say "building $EMULATOR_IMAGE"
$ENGINE build "$@" -t "$EMULATOR_IMAGE" deploy/moto

# --- size and SBOM ---------------------------------------------------------------------------
mkdir -p build/sbom
for image in "$GAS_IMAGE" "$EMULATOR_IMAGE"; do
    sbom="build/sbom/$(echo "$image" | tr '/:' '__').txt"
    # Debian packages, then the Python packages of the image's virtualenv.
    $ENGINE run --rm --network none --entrypoint sh "$image" -c \
        'dpkg-query -W -f "deb \${Package} \${Version}\n"; for p in /opt/*/bin/pip; do "$p" list --format=freeze 2>/dev/null | sed "s/^/pypi /"; done' \
        > "$sbom"
    size=$($ENGINE image inspect -f '{{.Size}}' "$image")
    echo "== $image: $((size / 1000000)) MB, $(grep -c '^deb ' "$sbom") Debian and $(grep -c '^pypi ' "$sbom") Python packages ($sbom)"
    cat "$sbom"
done
