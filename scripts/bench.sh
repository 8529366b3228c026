#!/usr/bin/env bash
# `make bench`: the figures of the performance goals, each HTTP figure as a ratio to a baseline measured in the
# same run, because this machine is shared and its absolute speed changes from minute to minute.
#   baselines   bare Kestrel GET /json (tools/Bench `serve`) and the raw password-verify rate (`hash-rate`)
#   rows        /health, /auth/me, login, register, register -> e-mail, cold start, peak memory under the
#               seed's cgroup limits; for one process, then for the split topology over the Kafka test broker
# Prints one table, writes it to .data/bench/results.json and into docs/performance.md.
# Everything runs from the published host (scripts/publish.sh) in Production, on its own databases
# (modular_bench, modular_bench_split), Redis db 14 and Kafka test broker (DATA_DIR=.data/bench), so it
# never collides with `make test`. Logs: .data/bench/logs/. Every process it starts is stopped on exit.
#   BENCH_DURATION (10s) and BENCH_WARMUP (20s): wrk durations; BENCH_PORT_BASE (3900): first port used.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOG_TAG=bench
source scripts/lib.sh

BENCH_DIR=$ROOT/.data/bench
LOG_DIR=$BENCH_DIR/logs
PUBLISH_DIR=$BENCH_DIR/publish
RESULTS=$BENCH_DIR/measurements.jsonl
BENCH_DLL=$ROOT/tools/Bench/bin/Release/net10.0/Modular.Bench.dll
WRK_SCRIPT=$ROOT/tools/Bench/wrk.lua
DURATION=${BENCH_DURATION:-10s}
# Tiered JIT with its profile (PGO) reaches the steady state of a request path only after 15-25 s of load on
# two cores (docs/performance.md): a shorter warm-up measured the JIT, not the code.
WARMUP=${BENCH_WARMUP:-20s}
# The memory pass's load lasts at most this long (s): with today's hasher 200 registrations take minutes at 500m CPU.
MEMORY_LOAD=${BENCH_MEMORY_LOAD:-15}
BASE=${BENCH_PORT_BASE:-3900}
PORT_ONE=$BASE PORT_USERS=$((BASE + 10)) PORT_NOTIFICATIONS=$((BASE + 20)) SMTP_PORT=$((BASE + 25))
PORT_GW1=$((BASE + 30)) PORT_GW2=$((BASE + 31)) PORT_BARE=$((BASE + 90))
REDIS_DB=14
# The split processes' KAFKA_SESSION_TIMEOUT (s): the test broker's timings, as in `make test`.
SESSION_TIMEOUT=6
# The seed's limits (kubernetes/): gateway and user-service 500m CPU / 256Mi, notification-service 200m / 128Mi.
declare -A CPU_MILLIS=([all]=500 [gateway-1]=500 [gateway-2]=500 [user-service]=500 [notification-service]=200)
declare -A MEMORY_MIB=([all]=256 [gateway-1]=256 [gateway-2]=256 [user-service]=256 [notification-service]=128)

# The .NET runtime's settings of the image (docker/Dockerfile's ENV): the hosts and the bare baseline run with them,
# so that a ratio measures the code, not a GC setting one side has and the other has not.
mapfile -t RUNTIME_ENV < <(grep -oE '\bDOTNET_[A-Za-z0-9_]+=[^ ]+' docker/Dockerfile)

declare -A PIDS=()   # role -> pid of the host processes running now
SINK_PID= BARE_PID= LOAD_PID= BROKER_STARTED= CGROUP_MEM= CGROUP_CPU= CGROUP_SKIP=

# --- clean-up: every process this script started, also on Ctrl-C ---------------------------------------
stop_pid() { # pid [seconds]: SIGTERM (Kafka consumers leave their groups at once), SIGKILL if it lingers
  local pid=$1 wait_for=${2:-15}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait_for * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_hosts() {
  local role
  for role in "${!PIDS[@]}"; do stop_pid "${PIDS[$role]}"; done
  PIDS=()
}
remove_cgroups() {
  local dir
  for dir in "$CGROUP_MEM" "$CGROUP_CPU"; do
    [ -n "$dir" ] && [ -d "$dir" ] || continue
    find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  [ -n "$LOAD_PID" ] && stop_pid "$LOAD_PID" 5
  stop_hosts
  stop_pid "$BARE_PID" 5
  stop_pid "$SINK_PID" 5
  remove_cgroups
  [ -n "$BROKER_STARTED" ] && DATA_DIR=$BENCH_DIR bash scripts/kafka-test-broker.sh --stop 2>/dev/null
  [ "$status" -eq 0 ] || log "failed (exit $status); logs in $LOG_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers -------------------------------------------------------------------------------------------
now_ns() { date +%s%N; }
record() { printf '%s\n' "$1" >>"$RESULTS"; }
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# In the foreground only: `bench ... &` would make $! the pid of a subshell, and stopping that would
# orphan the tool (two SMTP servers then share the port through SO_REUSEPORT). Background: dotnet directly.
bench() { dotnet "$BENCH_DLL" "$@"; }

# Waits for 200 on /health/ready; prints the seconds since $2 (nanoseconds), or fails.
wait_ready() { # role t0
  local role=$1 t0=$2 port=${PORT_OF[$1]} pid=${PIDS[$1]}
  for _ in $(seq 1 6000); do
    if curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/health/ready"; then
      awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG_DIR/$CURRENT_PASS-$role.log" >&2; die "$role exited during start-up"; }
    sleep 0.02
  done
  die "$role was not ready within 120 s; see $LOG_DIR/$CURRENT_PASS-$role.log"
}

declare -A PORT_OF=([all]=$PORT_ONE [user-service]=$PORT_USERS [notification-service]=$PORT_NOTIFICATIONS
  [gateway-1]=$PORT_GW1 [gateway-2]=$PORT_GW2)
declare -A MODULES_OF=([all]=gateway,users,notifications [user-service]=users [notification-service]=notifications
  [gateway-1]=gateway [gateway-2]=gateway)

# Starts the published host as the image runs it (only the environment given here). With limits, the
# wrapper subshell enters the role's cgroups before it execs dotnet, so the whole life of the process is limited.
declare -A T0=()
spawn_role() { # topology role limited(0|1)
  local topology=$1 role=$2 limited=$3
  local -a env=(NODE_ENV=production PORT="${PORT_OF[$role]}" MODULES="${MODULES_OF[$role]}"
    JWT_ACCESS_SECRET="$JWT_ACCESS_SECRET" JWT_REFRESH_SECRET="$JWT_REFRESH_SECRET" MESSAGE_ENCRYPTION_KEY="$MESSAGE_ENCRYPTION_KEY"
    REDIS_URL="$BENCH_REDIS_URL" SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" MAIL_FROM="Modular Bench <no-reply@bench.test>"
    THROTTLE_LIMIT=100000000 AUTH_THROTTLE_LIMIT=100000000
    # The outbound token bucket (default 10/s) would measure its own setting, not the code: lifted like the throttles.
    MAIL_RATE_PER_SECOND=1000)
  if [ "$topology" = one ]; then
    env+=(DATABASE_URL="$PG_BASE/modular_bench")
  else
    env+=(DATABASE_URL="$PG_BASE/modular_bench_split" KAFKA_BROKERS="$KAFKA_BROKERS" KAFKA_SESSION_TIMEOUT="${SESSION_TIMEOUT}s" KAFKA_FETCH_WAIT_MAX=10ms)
  fi
  if [ "$limited" = 1 ]; then
    mkdir -p "$CGROUP_MEM/$role" "$CGROUP_CPU/$role"
    echo $((MEMORY_MIB[$role] * 1024 * 1024)) >"$CGROUP_MEM/$role/memory.limit_in_bytes"
    echo 100000 >"$CGROUP_CPU/$role/cpu.cfs_period_us"
    echo $((CPU_MILLIS[$role] * 100)) >"$CGROUP_CPU/$role/cpu.cfs_quota_us"
  fi
  T0[$role]=$(now_ns)
  (
    if [ "$limited" = 1 ]; then
      echo "$BASHPID" >"$CGROUP_MEM/$role/cgroup.procs"
      echo "$BASHPID" >"$CGROUP_CPU/$role/cgroup.procs"
    fi
    cd "$PUBLISH_DIR"
    exec env -i PATH="$PATH" HOME="$HOME" ${DOTNET_ROOT:+DOTNET_ROOT="$DOTNET_ROOT"} "${RUNTIME_ENV[@]}" "${env[@]}" dotnet Modular.Host.dll
  ) >"$LOG_DIR/$CURRENT_PASS-$role.log" 2>&1 </dev/null &
  PIDS[$role]=$!
}

# Waits for the role's readiness and records its cold start: spawn -> first 200 on /health/ready.
await_role() { # topology role limited note
  local topology=$1 role=$2 limited=$3 note=${4:-} seconds
  seconds=$(wait_ready "$role" "${T0[$role]}")
  log "$role ready in $seconds s (pid ${PIDS[$role]}$([ "$limited" = 1 ] && echo ", ${CPU_MILLIS[$role]}m CPU, ${MEMORY_MIB[$role]}Mi"))"
  record "{\"kind\":\"cold\",\"topology\":\"$topology\",\"role\":\"$role\",\"seconds\":$seconds,\"limited\":$([ "$limited" = 1 ] && echo true || echo false)${note:+,\"reason\":\"$note\"}}"
}

roles_of() { [ "$1" = one ] && echo all || echo user-service notification-service gateway-1 gateway-2; }
gateways_of() { [ "$1" = one ] && echo "$PORT_ONE" || echo "$PORT_GW1,$PORT_GW2"; }
urls_of() { local p urls=(); for p in ${1//,/ }; do urls+=("http://127.0.0.1:$p"); done; (IFS=,; echo "${urls[*]}"); }

# Without limits: the seed's start-up order, one after the other, so each role's cold start is its own.
# Under limits (the memory pass) all at once, which saves the run half a minute; those starts are only noted.
start_topology() { # topology limited
  local role port note=
  if [ "$2" = 1 ]; then
    for role in $(roles_of "$1"); do spawn_role "$1" "$role" 1; done
    [ "$1" = split ] && note="roles started together"
    for role in $(roles_of "$1"); do await_role "$1" "$role" 1 "$note"; done
  else
    for role in $(roles_of "$1"); do spawn_role "$1" "$role" 0; await_role "$1" "$role" 0; done
  fi
  # Split: requests flow through Kafka once a login for an unknown account comes back 401 on each gateway.
  for port in $(gateways_of "$1" | tr , ' '); do
    for _ in $(seq 1 900); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'content-type: application/json' \
        -d '{"email":"nobody@warm.up","password":"not a password"}' "http://127.0.0.1:$port/api/v1/auth/login")" = 401 ] && continue 2
      sleep 0.1
    done
    die "requests do not flow through the gateway on :$port"
  done
}

# Registers a user and prints its access token.
register_user() { # port email
  local body
  body=$(curl -fsS --max-time 30 -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"bench password 1\",\"name\":\"Bench User\"}" "http://127.0.0.1:$1/api/v1/auth/register") \
    || die "registering $2 failed"
  grep -o '"accessToken":"[^"]*"' <<<"$body" | cut -d'"' -f4
}

# wrk for BENCH_WARMUP, measuring nothing: the JIT with its profile, the pools.
warm_up() { # topology row mode ports connections [VAR=value...]
  local topology=$1 row=$2 mode=$3 ports=$4 connections=$5
  shift 5
  env BENCH_MODE="$mode" BENCH_PORTS="$ports" BENCH_TOPOLOGY="$topology" "$@" BENCH_ROW="$row (warm-up)" BENCH_PHASE=warmup \
    wrk -t2 -c"$connections" -d"$WARMUP" --timeout 30s -s "$WRK_SCRIPT" "http://127.0.0.1:${ports%%,*}$(wrk_path "$mode")" >>"$LOG_DIR/wrk.log"
}
# The URL path wrk asks for (tools/Bench/wrk.lua sets its own for login and register).
wrk_path() { case $1 in get) echo "$BENCH_PATH" ;; me) echo /api/v1/auth/me ;; *) echo / ;; esac; }

# One wrk row: a warm-up run, then the measured one, which appends its JSON line to $RESULTS.
run_wrk() { # topology row mode ports connections [VAR=value...]
  local topology=$1 row=$2 mode=$3 ports=$4 connections=$5
  shift 5
  warm_up "$topology" "$row" "$mode" "$ports" "$connections" "$@"
  env BENCH_MODE="$mode" BENCH_PORTS="$ports" BENCH_TOPOLOGY="$topology" "$@" BENCH_ROW="$row" BENCH_PHASE=measure BENCH_OUT="$RESULTS" \
    wrk -t2 -c"$connections" -d"$DURATION" --timeout 30s --latency -s "$WRK_SCRIPT" "http://127.0.0.1:${ports%%,*}$(wrk_path "$mode")" >>"$LOG_DIR/wrk.log"
}

start_sink() {
  rm -f "$BENCH_DIR/mail-count" # the sink writes it once it listens
  dotnet "$BENCH_DLL" smtp-sink --port "$SMTP_PORT" --count-file "$BENCH_DIR/mail-count" 2>>"$LOG_DIR/smtp-sink.log" &
  SINK_PID=$!
  for _ in $(seq 1 100); do [ -s "$BENCH_DIR/mail-count" ] && return 0; sleep 0.1; done
  die "the SMTP sink did not start; see $LOG_DIR/smtp-sink.log"
}
mail_count() { cat "$BENCH_DIR/mail-count" 2>/dev/null || echo 0; }

# --- cgroups (v1): a directory per role under the cgroup this script runs in ----------------------------
setup_cgroups() {
  [ "$(id -u)" -eq 0 ] || { CGROUP_SKIP="not root"; return 0; }
  [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] || { CGROUP_SKIP="no cgroup v1 memory and cpu hierarchies"; return 0; }
  # Nested under our own cgroups, so whatever accounts for this shell still accounts for the hosts.
  local mem cpu
  mem=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
  cpu=$(awk -F: '{ n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == "cpu") print $3 }' /proc/self/cgroup)
  CGROUP_MEM=/sys/fs/cgroup/memory${mem%/}/modular-bench
  CGROUP_CPU=/sys/fs/cgroup/cpu${cpu%/}/modular-bench
  remove_cgroups # a killed earlier run may have left empty ones
  if ! { mkdir -p "$CGROUP_MEM/probe" "$CGROUP_CPU/probe" && echo $((64 * 1024 * 1024)) >"$CGROUP_MEM/probe/memory.limit_in_bytes" \
      && echo 50000 >"$CGROUP_CPU/probe/cpu.cfs_quota_us"; } 2>/dev/null; then
    CGROUP_SKIP="cgroups $CGROUP_MEM, $CGROUP_CPU are not writable"
  fi
  remove_cgroups
}

record_memory() { # topology
  local role dir pid rss oom alive
  for role in $(roles_of "$1"); do
    dir=$CGROUP_MEM/$role pid=${PIDS[$role]}
    rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0) # kB; awk's %d stops at 2^31
    oom=$(awk '$1 == "oom_kill" { print $2 }' "$dir/memory.oom_control")
    alive=false; kill -0 "$pid" 2>/dev/null && alive=true
    record "{\"kind\":\"memory\",\"topology\":\"$1\",\"role\":\"$role\",\"peak_bytes\":$(cat "$dir/memory.max_usage_in_bytes"),\"rss_peak_bytes\":$((${rss:-0} * 1024)),\"limit_bytes\":$(cat "$dir/memory.limit_in_bytes"),\"cpu_millis\":${CPU_MILLIS[$role]},\"failcnt\":$(cat "$dir/memory.failcnt"),\"oom_kills\":${oom:-0},\"alive\":$alive}"
  done
}

# The memory pass: each process under the seed's CPU and memory limits, through a burst of registrations
# (a password hash and an e-mail each) with a /me load beside it. Separate from the HTTP rows, which are
# about the code's cost and are measured without CPU quotas.
memory_pass() { # topology
  local topology=$1 ports urls mails before
  if [ -n "$CGROUP_SKIP" ]; then
    log "$topology: memory pass skipped ($CGROUP_SKIP)"
    record "{\"kind\":\"skip\",\"topology\":\"$topology\",\"row\":\"memory under cgroup limits\",\"reason\":\"$CGROUP_SKIP\"}"
    return 0
  fi
  CURRENT_PASS=$topology-memory
  log "$topology: memory pass, under cgroup limits"
  start_topology "$topology" 1
  ports=$(gateways_of "$topology") urls=$(urls_of "$ports")
  before=$(mail_count)
  BENCH_TOKEN=$(register_user "${ports%%,*}" "memory-$RUN-$topology@bench.test")
  env BENCH_MODE=me BENCH_PORTS="$ports" BENCH_TOPOLOGY="$topology" BENCH_ROW="memory-pass /me" BENCH_TOKEN="$BENCH_TOKEN" \
    wrk -t2 -c16 -d"$MEMORY_LOAD"s --timeout 30s -s "$WRK_SCRIPT" "http://127.0.0.1:${ports%%,*}/api/v1/auth/me" >>"$LOG_DIR/wrk.log" &
  LOAD_PID=$!
  bench burst --gateway "$urls" --count 200 --clients 16 --seconds "$MEMORY_LOAD" --topology "$topology" >>"$RESULTS"
  stop_pid "$LOAD_PID" 5
  LOAD_PID=
  # Their e-mails too: notification-service's peak comes while it sends them.
  mails=$(tail -n 1 "$RESULTS" | grep -o '"ok":[0-9]*' | cut -d: -f2)
  for _ in $(seq 1 200); do [ $(($(mail_count) - before)) -gt "${mails:-0}" ] && break; sleep 0.1; done
  record_memory "$topology"
  stop_hosts
  remove_cgroups
}

# The baselines of a topology's ratios, measured right before its rows: on a shared machine a baseline of
# minutes earlier can be off by a factor of two (the hosts are up meanwhile, but idle).
baselines() { # topology
  log "$1: baseline (bare Kestrel)"
  env "${RUNTIME_ENV[@]}" dotnet "$BENCH_DLL" serve --port "$PORT_BARE" >>"$LOG_DIR/bare.log" 2>&1 &
  BARE_PID=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT_BARE/json" && break; sleep 0.1; done
  BENCH_PATH=/json run_wrk "$1" bare get "$PORT_BARE" 64
  stop_pid "$BARE_PID" 5
  BARE_PID=
}

# The HTTP rows, without CPU quotas; the processes' start is the cold-start row (dependencies up, schemas made).
http_pass() { # topology
  local topology=$1 ports urls email
  CURRENT_PASS=$topology-http
  log "$topology: HTTP pass"
  start_topology "$topology" 0
  ports=$(gateways_of "$topology") urls=$(urls_of "$ports")
  email="token-$RUN-$topology@bench.test"
  BENCH_TOKEN=$(register_user "${ports%%,*}" "$email")

  baselines "$topology"
  BENCH_PATH=/health run_wrk "$topology" health get "$ports" 64
  run_wrk "$topology" me me "$ports" 64 BENCH_TOKEN="$BENCH_TOKEN"
  # Login against the hash rate in alternated rounds (tools/Bench/LoginRate.cs): on this machine the hash rate moves
  # by a fifth, sometimes by a third, from minute to minute. 8 clients keep every core hashing; 64 would only queue
  # behind the hasher. The warm-up first: the JIT, as for every row.
  warm_up "$topology" login login "$ports" 8 BENCH_EMAIL="$email"
  bench login-rate --gateway "$urls" --email "$email" --topology "$topology" --clients 8 >>"$RESULTS"

  # The latency tool is the SMTP server of the processes while it runs.
  stop_pid "$SINK_PID" 5
  bench mail-latency --gateway "$urls" --smtp-port "$SMTP_PORT" --count 50 --topology "$topology" >>"$RESULTS"
  start_sink
  log "$topology register -> e-mail: $(tail -n 1 "$RESULTS")"

  run_wrk "$topology" register register "$ports" 8 BENCH_PREFIX="reg-$RUN-$topology"
  stop_hosts
}

# --- set-up --------------------------------------------------------------------------------------------
mkdir -p "$BENCH_DIR"
rm -rf "$LOG_DIR" && mkdir -p "$LOG_DIR"
: >"$RESULTS"
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
for port in $PORT_ONE $PORT_USERS $PORT_NOTIFICATIONS $SMTP_PORT $PORT_GW1 $PORT_GW2 $PORT_BARE; do
  [ -z "$(ss -ltnH "sport = :$port" 2>/dev/null)" ] || die "port $port is in use (another make bench?); set BENCH_PORT_BASE"
done

set -a
eval "$(bash scripts/services.sh)"
set +a
PG_BASE=${DATABASE_URL%/*}
BENCH_REDIS_URL=${REDIS_URL%/}/$REDIS_DB
# Fresh databases of our own each run (the modular role owns them and may create databases), so a run's
# figures never depend on what earlier runs left; Redis db 14 is ours alone, flushed likewise.
for db in modular_bench modular_bench_split; do
  psql -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "drop database if exists $db with (force)" -c "create database $db" >/dev/null
done
redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null

# A broker of our own (DATA_DIR), fresh each run: `make test`'s broker, if it runs, is left alone.
DATA_DIR=$BENCH_DIR bash scripts/kafka-test-broker.sh --stop
BROKER_STARTED=1
eval "$(DATA_DIR=$BENCH_DIR bash scripts/kafka-test-broker.sh $(bash scripts/shared-topics.sh))"

# Publishing takes minutes: the output is reused while what it is made of is unchanged (BENCH_REPUBLISH=1 forces it).
sources=(src scripts/publish.sh Directory.Build.props Directory.Packages.props global.json)
stamp=$({ git rev-parse "${sources[@]/#/HEAD:}"; git diff HEAD -- "${sources[@]}"
  git ls-files -o --exclude-standard -- "${sources[@]}" | xargs -r sha256sum; } | sha256sum | cut -d' ' -f1)
if [ "${BENCH_REPUBLISH:-0}" != 1 ] && [ -f "$PUBLISH_DIR/Modular.Host.dll" ] && [ "$(cat "$PUBLISH_DIR/.bench-stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing the published host in $PUBLISH_DIR (sources unchanged)"
else
  log "publishing the host into $PUBLISH_DIR (log $LOG_DIR/publish.log)"
  rm -rf "$PUBLISH_DIR"
  bash scripts/publish.sh "$PUBLISH_DIR" >"$LOG_DIR/publish.log" 2>&1 || { tail -n 30 "$LOG_DIR/publish.log" >&2; die "publish failed"; }
  echo "$stamp" >"$PUBLISH_DIR/.bench-stamp"
fi
log "building tools/Bench"
dotnet build tools/Bench -c Release -v q --nologo >"$LOG_DIR/build.log" 2>&1 || { tail -n 30 "$LOG_DIR/build.log" >&2; die "building tools/Bench failed"; }

JWT_ACCESS_SECRET=$(random_hex 32) JWT_REFRESH_SECRET=$(random_hex 32) MESSAGE_ENCRYPTION_KEY=$(random_hex 32) RUN=$(random_hex 4)
setup_cgroups
start_sink

commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src tools 2>/dev/null || echo -dirty)
record "{\"kind\":\"machine\",\"cpu\":\"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo | tr -d '"\\')\",\"cores\":$(nproc),\"memory_bytes\":$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024)),\"date\":\"$(date -u +%Y-%m-%dT%H:%MZ)\",\"commit\":\"$commit\"}"

# --- one process, then split ---------------------------------------------------------------------------
for topology in one split; do
  memory_pass "$topology"
  # The memory pass's processes have just left their consumer groups. The test broker (librdkafka's mock,
  # rd_kafka_mock_cgrp_classic_member_leave) keeps a group its last member left in a rebalance for the session timeout
  # less 1 s, and a member joining meanwhile waits for the rest of it (a user-service restarted at once: ready in
  # 4.2-4.7 s, 2.0-2.3 s after this wait); Apache Kafka empties such a group at once. Without the wait the split cold
  # starts would measure the mock's timer, not a start against its dependencies.
  [ "$topology" = split ] && sleep "$SESSION_TIMEOUT"
  http_pass "$topology"
done

stop_pid "$SINK_PID" 5
SINK_PID=
bench report --input "$RESULTS" --json "$BENCH_DIR/results.json" --markdown docs/performance.md
log "results: $BENCH_DIR/results.json, docs/performance.md; logs: $LOG_DIR"
