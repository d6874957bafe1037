#!/usr/bin/env bash
# Make a local Debian bookworm base image from Debian packages (no container registry needed):
#   deploy/container/build-base.sh [IMAGE] [CACHE_DIR]
# The rootfs tarball is cached in CACHE_DIR, the image is imported once into podman's store.
set -euo pipefail
image="${1:-localhost/tickercast-base:bookworm}"
cache="${2:-${TICKERCAST_CACHE_DIR:-/var/cache/tickercast-ci}}"
here="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

if podman image exists "$image"; then
  echo "base: $image already in podman's store"
  exit 0
fi
mkdir -p "$cache"
rootfs="$cache/bookworm-rootfs.tar"
if [[ ! -s "$rootfs" ]]; then
  echo "base: mmdebstrap bookworm -> $rootfs"
  mmdebstrap --quiet --variant=minbase --format=tar \
    --include=python3,python3-venv,ca-certificates,libgomp1 \
    --aptopt='APT::Install-Recommends "false"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$rootfs.part"
  mv "$rootfs.part" "$rootfs"
fi
podman import --quiet --change 'CMD ["/bin/bash"]' "$rootfs" "$image" >/dev/null
echo "base: imported $image"
