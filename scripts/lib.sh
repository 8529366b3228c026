# Shared by the scripts: logging and installing Debian packages. Source it after setting LOG_TAG.
log() { printf '[%s] %s\n' "${LOG_TAG:-scripts}" "$*" >&2; }
die() { printf '[%s] error: %s\n' "${LOG_TAG:-scripts}" "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else die "this step needs root: $* (run as root, or install and start it yourself)"; fi
}

apt_install() {
  log "installing $* from Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
