#!/usr/bin/env bash
# Static checks of the deployment files that need their own tools (no Docker engine is needed):
#   docker/docker-compose.yml           `docker-compose config` (Debian's docker-compose), with the example .env
#   kubernetes/                         `kubectl kustomize` renders it (the images: rewrite included); no cluster
#   docker/prometheus/prometheus.yml    `promtool check config` (also checks the rule files it loads)
#   docker/prometheus/alerts.yml        `promtool check rules`
#   docker/prometheus/alerts.test.yml   `promtool test rules`: the alerts' unit tests
# promtool comes from PATH or, failing that, from Debian's prometheus package, unpacked into .data/tools/prometheus
# without installing it (no prometheus service, user or data directory); later runs reuse it.
# What the files say about the code (variables, probes, resources, metric names) is checked by
# tests/Modular.Tests/Deployment.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=deployment
source scripts/lib.sh

# Runs a check quietly; on failure prints what it said and stops.
quietly() {
  local out
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" >&2
    die "failed: $*"
  fi
}

command -v docker-compose >/dev/null || apt_install docker-compose

quietly docker-compose -f docker/docker-compose.yml --env-file docker/.env.example config -q
log "docker/docker-compose.yml: valid"

# Debian's kubectl is in kubernetes-client; a kubectl already on PATH (any version) will do.
command -v kubectl >/dev/null || apt_install kubernetes-client
quietly kubectl kustomize kubernetes/
log "kubernetes/: renders"

TOOLS=.data/tools
PROMTOOL=$(command -v promtool || true)
if [ -z "$PROMTOOL" ]; then
  PROMTOOL=$PWD/$TOOLS/prometheus/usr/bin/promtool
  if [ ! -x "$PROMTOOL" ]; then
    log "unpacking promtool from Debian's prometheus package into $TOOLS/prometheus (not installed)"
    mkdir -p "$TOOLS"
    rm -rf "$TOOLS"/prometheus_*.deb "$TOOLS/prometheus" "$TOOLS/prometheus.partial"
    # `apt-get download` needs no root, but it needs package lists that know the current version.
    apt-cache show prometheus >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    if ! (cd "$TOOLS" && apt-get download -qq prometheus 2>/dev/null); then
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      (cd "$TOOLS" && quietly apt-get download -qq prometheus)
    fi
    dpkg-deb -x "$TOOLS"/prometheus_*.deb "$TOOLS/prometheus.partial"
    mv "$TOOLS/prometheus.partial" "$TOOLS/prometheus"
    rm -f "$TOOLS"/prometheus_*.deb
    [ -x "$PROMTOOL" ] || die "the prometheus package has no usr/bin/promtool"
  fi
fi

quietly "$PROMTOOL" check config docker/prometheus/prometheus.yml
log "docker/prometheus/prometheus.yml: valid"
quietly "$PROMTOOL" check rules docker/prometheus/alerts.yml
log "docker/prometheus/alerts.yml: valid"
quietly "$PROMTOOL" test rules docker/prometheus/alerts.test.yml
log "docker/prometheus/alerts.test.yml: passed"
