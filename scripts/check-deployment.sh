#!/usr/bin/env bash
# Static checks of the deployment files that need their own tools (no Docker engine is needed):
#   docker/docker-compose.yml  `docker-compose config` (Debian's docker-compose), with the example .env
# What the files say about the code (variables, probes, resources) is checked by tests/Modular.Tests/Deployment.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=deployment
source scripts/lib.sh

command -v docker-compose >/dev/null || apt_install docker-compose

docker-compose -f docker/docker-compose.yml --env-file docker/.env.example config -q
log "docker/docker-compose.yml: valid"
