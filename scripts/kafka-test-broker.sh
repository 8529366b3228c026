#!/usr/bin/env bash
# Starts a Kafka-protocol broker for tests in the background: librdkafka's mock cluster, hosted by
# tools/KafkaTestBroker, because no Kafka broker is installable here (README, Tests).
# Idempotent: a second run reuses the running broker. Prints one line, KAFKA_BROKERS=host:port,...
#
#   bash scripts/kafka-test-broker.sh [topics...]   start (or reuse); the topics are pre-created
#   bash scripts/kafka-test-broker.sh --stop        stop it and remove its files
#
# A reused broker keeps the topics it was started with; any other topic is auto-created by the mock
# (4 partitions) on its first produce or metadata request.
set -euo pipefail

DATA_DIR=${DATA_DIR:-$(pwd)/.data}
KAFKA_DIR=$DATA_DIR/kafka
PID_FILE=$KAFKA_DIR/broker.pid
BOOTSTRAP_FILE=$KAFKA_DIR/bootstrap
LOG_FILE=$KAFKA_DIR/broker.log
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROJECT=$ROOT/tools/KafkaTestBroker
DLL=$PROJECT/bin/Release/net10.0/Modular.KafkaTestBroker.dll

LOG_TAG=kafka
. "$ROOT/scripts/lib.sh"

# The pid must still belong to the launcher: after a reboot or a crash it may name another process.
broker_pid() {
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'Modular\.KafkaTestBroker\.dll' || return 1
  echo "$pid"
}

stop_broker() {
  local pid
  if pid=$(broker_pid); then
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && { log "broker did not stop on SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$PID_FILE" "$BOOTSTRAP_FILE" "$BOOTSTRAP_FILE".*.tmp
}

mkdir -p "$KAFKA_DIR"
# Parallel callers (several test runs) must not start two brokers. fd 9 is closed for the broker
# below, or it would hold the lock for its whole life.
exec 9>"$KAFKA_DIR/lock"
flock 9

if [ "${1:-}" = "--stop" ]; then
  stop_broker
  rm -f "$LOG_FILE" "$KAFKA_DIR/lock"
  exit 0
fi

if pid=$(broker_pid) && [ -s "$BOOTSTRAP_FILE" ]; then
  log "reusing broker (pid $pid)"
else
  stop_broker
  command -v dotnet >/dev/null || die "dotnet is not on PATH"
  log "building tools/KafkaTestBroker"
  if ! build_output=$(dotnet build "$PROJECT" -c Release -v q --nologo 2>&1); then
    printf '%s\n' "$build_output" >&2
    die "building tools/KafkaTestBroker failed"
  fi

  topics=$(IFS=,; echo "$*")
  args=(--bootstrap-file "$BOOTSTRAP_FILE")
  [ -z "$topics" ] || args+=(--topics "$topics")
  log "starting broker${topics:+ with topics $topics}; log in $LOG_FILE"
  # setsid: out of the caller's process group, so a Ctrl-C in the terminal that ran this script
  # does not reach the broker; nohup: survives the terminal closing.
  nohup setsid dotnet "$DLL" "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_FILE"

  for _ in $(seq 1 150); do
    [ -s "$BOOTSTRAP_FILE" ] && break
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -n 20 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "broker exited during start-up"; }
    sleep 0.2
  done
  [ -s "$BOOTSTRAP_FILE" ] || { tail -n 20 "$LOG_FILE" >&2; stop_broker; die "broker wrote no bootstrap file within 30 s"; }
fi

echo "KAFKA_BROKERS=$(cat "$BOOTSTRAP_FILE")"
