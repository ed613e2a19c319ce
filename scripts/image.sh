#!/usr/bin/env bash
# make image: builds the real Dockerfile with buildah, without a Docker engine (docs/operations.md).
#
# The Dockerfile's base images are the public ones (swift:6.3-bookworm to build,
# debian:bookworm-slim to run), behind the build arguments BUILD_IMAGE and RUNTIME_IMAGE. With no
# registry to pull from, this script first makes local stand-ins and passes them:
#   localhost/keel-base:bookworm-slim   debootstrap --variant=minbase, slimmed as the official
#                                       image is (no apt lists, docs, man pages or locales; its
#                                       docker-clean apt hook)
#   localhost/keel-swift-build:6.3      that plus the toolchain at /opt/swift and the packages
#                                       the Swift image needs to link, with git told to read
#                                       github.com from /opt/swift-packages (mounted at build time)
# Each is made once and kept in buildah's storage; KEEL_IMAGE_REBASE=1 makes them again.
#
#   scripts/image.sh              builds localhost/keel:dev (KEEL_IMAGE names another tag) and prints its size
#   scripts/image.sh --bases-only makes (or keeps) the two stand-ins and stops
# Runs as root (buildah --isolation chroot; the default runtime fails on this machine's hybrid cgroups).
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${KEEL_IMAGE:-localhost/keel:dev}
BASE=localhost/keel-base:bookworm-slim
BUILD=localhost/keel-swift-build:6.3
MIRROR=${KEEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SWIFT_DIR=${KEEL_SWIFT_DIR:-/opt/swift}
PACKAGES_DIR=${KEEL_SWIFT_PACKAGES:-/opt/swift-packages}

[ "$(id -u)" = 0 ] || { echo "scripts/image.sh: run as root (buildah, debootstrap)" >&2; exit 1; }
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends buildah debootstrap >/dev/null
fi
has_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

if [ -n "${KEEL_IMAGE_REBASE:-}" ] || ! has_image "$BASE"; then
  step "the runtime base: debootstrap --variant=minbase bookworm, slimmed"
  root=$(mktemp -d /var/tmp/keel-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >/dev/null
  # What the official debian:bookworm-slim image does (debuerreotype's slimify and apt hooks).
  cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  echo 'Acquire::Languages "none";' > "$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' > "$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' > "$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  find "$root/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* \
         "$root"/var/log/* "$root"/tmp/* "$root"/var/tmp/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  echo "deb $MIRROR bookworm main" > "$root/etc/apt/sources.list"
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$root"/. "$mnt"/
  buildah umount "$ctr" >/dev/null
  buildah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --quiet --format docker --rm "$ctr" "$BASE" >/dev/null
  rm -rf "$root"; trap - EXIT
  has_image "$BUILD" && buildah rmi "$BUILD" >/dev/null || true
fi

if [ -n "${KEEL_IMAGE_REBASE:-}" ] || ! has_image "$BUILD"; then
  step "the build stand-in: the base, what Swift links against, the toolchain from $SWIFT_DIR"
  ctr=$(buildah from --pull=never "$BASE")
  # What the official swift:6.3-bookworm image installs, less lldb's Python.
  buildah run --isolation chroot "$ctr" -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      binutils ca-certificates git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libsqlite3-0 \
      libstdc++-12-dev libxml2-dev libncurses-dev pkg-config tzdata zlib1g-dev >/dev/null && rm -rf /var/lib/apt/lists/*'
  buildah copy --quiet "$ctr" "$SWIFT_DIR" /opt/swift >/dev/null
  # No network here: git reads GitHub's addresses from the package copies, mounted at build time.
  buildah run --isolation chroot "$ctr" -- git config --system url."$PACKAGES_DIR/".insteadOf https://github.com/
  buildah config --env PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --quiet --format docker --rm "$ctr" "$BUILD" >/dev/null
fi

[ "${1:-}" = "--bases-only" ] && { echo "the stand-ins are ready: $BASE, $BUILD"; exit 0; }

step "buildah bud the Dockerfile → $TAG"
started=$(date +%s)
buildah bud --format docker --pull=never --isolation chroot --layers \
  --build-arg BUILD_IMAGE="$BUILD" --build-arg RUNTIME_IMAGE="$BASE" \
  --volume "$PACKAGES_DIR:$PACKAGES_DIR:ro" \
  -t "$TAG" .
size=$(buildah inspect --type image --format '{{.Docker.Size}}' "$TAG" 2>/dev/null || echo 0)
listed=$(buildah images --format '{{.Size}}' "$TAG" | head -1)
echo "IMAGE $TAG: $listed ($(( $(date +%s) - started )) s to build)"
