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
