#!/usr/bin/env bash
# Installs PostgreSQL and Redis from Debian packages when missing, starts them on loopback and
# creates the project's role and databases. Idempotent: a second run reuses what is running.
set -euo pipefail

PG_USER=modular
PG_PASSWORD=modular
PG_DATABASES=(modular modular_test modular_split_test modular_mail_test modular_crash_test modular_misc_test modular_deploy_test modular_fault_test)
REDIS_PORT=${REDIS_PORT:-6379}
DATA_DIR=${DATA_DIR:-$(pwd)/.data}

LOG_TAG=services
source "$(dirname "$0")/lib.sh"

has_postgres_server() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v pg_lsclusters >/dev/null; }

missing=()
has_postgres_server || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v psql >/dev/null || missing+=(postgresql-client)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# --- PostgreSQL: the first cluster Debian knows, created if there is none -----------------------
cluster=$(pg_lsclusters -h | head -n 1)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  log "creating PostgreSQL cluster $version/main"
  as_root pg_createcluster "$version" main >/dev/null
  cluster=$(pg_lsclusters -h | head -n 1)
fi
read -r pg_version pg_name pg_port pg_status _ <<<"$cluster"
if [ "$pg_status" != "online" ]; then
  log "starting PostgreSQL $pg_version/$pg_name on port $pg_port"
  as_root pg_ctlcluster "$pg_version" "$pg_name" start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$pg_port" || die "PostgreSQL did not become ready on 127.0.0.1:$pg_port"

psql_admin() { as_root runuser -u postgres -- psql -p "$pg_port" -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$PG_USER'")" != "1" ]; then
  log "creating role $PG_USER"
  psql_admin -c "create role $PG_USER login password '$PG_PASSWORD' createdb"
fi
for db in "${PG_DATABASES[@]}"; do
  if [ "$(psql_admin -c "select 1 from pg_database where datname = '$db'")" != "1" ]; then
    log "creating database $db"
    psql_admin -c "create database $db owner $PG_USER"
  fi
done

# --- Redis: our own server on loopback, data under .data/redis ---------------------------------
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  mkdir -p "$DATA_DIR/redis"
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$DATA_DIR/redis" \
    --logfile "$DATA_DIR/redis/redis.log" --pidfile "$DATA_DIR/redis/redis.pid" --save "" --appendonly no
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || die "Redis did not start; see $DATA_DIR/redis/redis.log"
fi

echo "DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$pg_port/modular"
echo "TEST_DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$pg_port/modular_test"
echo "TEST_SPLIT_DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$pg_port/modular_split_test"
echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
