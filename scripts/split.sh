#!/usr/bin/env bash
# The split topology on one machine, without Docker: the Kafka test broker, user-service,
# notification-service and two gateway replicas (ports 3000 and 3001), each a process of the one
# host build. Ctrl-C stops them all. Logs: .data/split/<service>.log
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR=${DATA_DIR:-$(pwd)/.data}
LOG_DIR="$DATA_DIR/split"
mkdir -p "$LOG_DIR"
LOG_TAG=split
. scripts/lib.sh

set -a
eval "$(bash scripts/services.sh)"
eval "$(bash scripts/kafka-test-broker.sh $(bash scripts/shared-topics.sh))"
set +a

log "building"
dotnet build src/Host -v q --nologo >"$LOG_DIR/build.log" 2>&1 || { cat "$LOG_DIR/build.log" >&2; exit 1; }
HOST_DLL=src/Host/bin/Debug/net10.0/Modular.Host.dll

# Development values, as `make run` uses; the broker is the test broker, so its consumer timings too.
. scripts/dev-env.sh
export KAFKA_SESSION_TIMEOUT=6s KAFKA_FETCH_WAIT_MAX=10ms

pids=()
stop_all() {
  log "stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

start() { # name port modules
  local name=$1 port=$2 modules=$3
  # GATEWAY_REPLICA (read by gateways only): the same replies topic at every `make split`.
  PORT=$port MODULES=$modules GATEWAY_REPLICA=$name dotnet "$HOST_DLL" >"$LOG_DIR/$name.log" 2>&1 &
  pids+=($!)
  log "$name (MODULES=$modules) on :$port, log $LOG_DIR/$name.log"
}

start user-service 3010 users
start notification-service 3020 notifications
start gateway-1 3000 gateway
start gateway-2 3001 gateway

for port in 3010 3020 3000 3001; do
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { log "the process on :$port is not ready; see $LOG_DIR"; exit 1; }
done

log "ready: gateways http://localhost:3000 and http://localhost:3001 (API docs at /api/docs/); e-mails in $MAIL_DIR"
log "Ctrl-C stops everything"
wait
