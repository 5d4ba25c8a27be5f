# shellcheck shell=bash disable=SC2034
# Shared settings of the Kubernetes test scripts; sourced, not run.
#
# Everything downloaded (helm, npm packages, the trixie root with podman and
# its image store) lives in one cache directory outside the repository, so a
# second run is warm and `git status` stays clean.

K8S_TESTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$K8S_TESTS/../.." && pwd)"
CHART="$REPO_ROOT/deploy/helm/moss"
CACHE="${MOSS_K8S_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/moss-k8s}"
mkdir -p "$CACHE"

log() { printf '%s k8s: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs Debian packages of the host that are missing (root, as on CI).
ensure_host_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The machine's own Debian mirror (deb822 or one-line sources).
debian_mirror() {
  local m=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z "$m" && -f /etc/apt/sources.list ]]; then
    m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^https?:/){print $i; exit}}' /etc/apt/sources.list)
  fi
  [[ -n "$m" ]] || die "no Debian mirror in /etc/apt/sources.list{,.d/debian.sources}"
  echo "$m"
}

# A static busybox from Debian's package, unpacked into the cache (not
# installed); prints its path. The shell tools of the inference test image.
fetch_busybox() {
  local busybox="$CACHE/busybox/bin/busybox"
  if [[ ! -x "$busybox" ]]; then
    log "fetching busybox-static"
    rm -rf "$CACHE/busybox" && mkdir -p "$CACHE/busybox/deb"
    (cd "$CACHE/busybox/deb" && apt-get download busybox-static >/dev/null 2>&1) ||
      { ensure_host_packages apt-utils; DEBIAN_FRONTEND=noninteractive apt-get update -qq;
        (cd "$CACHE/busybox/deb" && apt-get download busybox-static >/dev/null); } || return 1
    dpkg-deb -x "$CACHE"/busybox/deb/busybox-static_*.deb "$CACHE/busybox/pkg"
    mkdir -p "$CACHE/busybox/bin"
    cp "$CACHE/busybox/pkg/bin/busybox" "$busybox"
  fi
  echo "$busybox"
}

# ensure_bookworm_base PM SHARE: deploy/Containerfile starts FROM
# debian:bookworm-slim, which these machines cannot pull from a registry: a
# debootstrapped bookworm is imported under that name instead (once; podman's
# image store in the cache keeps it). PM runs podman in the started root;
# SHARE is the host directory the root sees as /e2e.
ensure_bookworm_base() {
  local pm=$1 share=$2 base=docker.io/library/debian:bookworm-slim
  "$pm" podman image exists "$base" && return 0
  ensure_host_packages debootstrap
  log "debootstrap bookworm as the stand-in for $base"
  rm -rf "$share/bookworm"
  debootstrap --variant=minbase bookworm "$share/bookworm" "$(debian_mirror)" >"$share/debootstrap.log" 2>&1 ||
    { tail -20 "$share/debootstrap.log" >&2; log "debootstrap failed"; return 1; }
  rm -rf "$share/bookworm/var/cache/apt/archives/"*.deb "$share/bookworm/var/lib/apt/lists/"*
  tar -C "$share/bookworm" --numeric-owner -cf "$share/bookworm.tar" . && rm -rf "$share/bookworm"
  "$pm" podman import /e2e/bookworm.tar "$base" || return 1
  rm -f "$share/bookworm.tar"
}

# build_moss_image PM SHARE TAG: builds deploy/Containerfile, as a user
# would, from the repository's sources. With the host's compiler cache bound
# at /ccache in the root (podman-root start DIR CCACHE_DIR) and the build type
# of the host's test build, the compile is mostly cache hits.
build_moss_image() {
  local pm=$1 share=$2 tag=$3 cache_args=()
  ensure_bookworm_base "$pm" "$share" || return 1
  rm -rf "$share/context" && mkdir -p "$share/context/deploy"
  cp -r "$REPO_ROOT/CMakeLists.txt" "$REPO_ROOT/include" "$REPO_ROOT/src" "$share/context/"
  cp "$REPO_ROOT/deploy/Containerfile" "$share/context/deploy/"
  cp "$REPO_ROOT/.dockerignore" "$share/context/"
  if "$pm" sh 'test -d /ccache/. && mountpoint -q /ccache'; then
    cache_args=(-v /ccache:/ccache --build-arg "CMAKE_ARGS=-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOSS_WERROR=ON")
  fi
  log "podman build -f deploy/Containerfile ${cache_args[*]}"
  "$pm" podman build --pull=never "${cache_args[@]}" -f /e2e/context/deploy/Containerfile -t "$tag" /e2e/context
}
