#!/bin/sh
# A Python base image built from Debian's own packages, for machines that cannot pull
# python:3.11-slim-bookworm (only the package mirrors are reachable) but can reach
# deb.debian.org. Built once: when the image exists already this prints its name and stops.
#
#   deploy/containers/base.sh            -> prints the image name (localhost/wanzo-base:bookworm)
#   BASE_IMAGE=... MIRROR=... base.sh    another name, another Debian mirror
#
# debootstrap --variant=minbase gives the smallest Debian that apt works in; podman import makes
# it an image; Containerfile.base adds python3, python3-venv and python3-pip (Debian bookworm's
# Python 3.11, the version deploy/Dockerfile pins). Needs root (debootstrap) and podman.
set -eu

BASE_IMAGE=${BASE_IMAGE:-localhost/wanzo-base:bookworm}
ROOTFS_IMAGE=${ROOTFS_IMAGE:-localhost/wanzo-debian-rootfs:bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

if podman image exists "$BASE_IMAGE"; then
    echo "$BASE_IMAGE"
    exit 0
fi

if ! podman image exists "$ROOTFS_IMAGE"; then
    rootfs=$(mktemp -d "${TMPDIR:-/tmp}/wanzo-rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    echo "base: debootstrap --variant=minbase bookworm ($MIRROR)" >&2
    debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >&2
    # apt's lists and caches are not part of an image.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$ROOTFS_IMAGE" >&2
fi

echo "base: $BASE_IMAGE from $ROOTFS_IMAGE + python3" >&2
podman build --network host --build-arg ROOTFS="$ROOTFS_IMAGE" -t "$BASE_IMAGE" \
    -f "$here/Containerfile.base" "$here" >&2
echo "$BASE_IMAGE"
