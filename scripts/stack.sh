#!/usr/bin/env bash
# The local stack tickgate runs against: Redis, PostgreSQL and a single-node Apache Kafka (KRaft),
# all on 127.0.0.1, all data/logs/pids under one git-ignored folder (.stack/ by default).
#
#   scripts/stack.sh up       install what is missing, start what is not already listening, wait until ready
#   scripts/stack.sh down     stop what `up` started (a service found already listening is left alone)
#   scripts/stack.sh status   one line per service
#   scripts/stack.sh logs [redis|postgres|kafka]
#   scripts/stack.sh clean    down, then delete the data (keeps the cached Kafka jars)
#   scripts/stack.sh jars     fetch the Kafka jars (once) and print their folder; the container test's
#                             Kafka stand-in is built from them too
#   scripts/stack.sh stop|start SERVICE   stop or start one service (used by the fault tests)
#   scripts/stack.sh kill SERVICE         SIGKILL one service (a crash, for the fault run); `start` brings it back
#
# Ports come from the same variables as tickgate's config: KAFKA_BROKERS, REDIS_URL, DATABASE_URL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
KAFKA_VERSION=3.9.1
KAFKA_CLUSTER_ID="dGlja2dhdGUtbG9jYWwtMQ"   # fixed: a re-run of `format` is a no-op on the same data
READY_TIMEOUT="${STACK_READY_TIMEOUT:-90}"

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DATABASE_URL="${DATABASE_URL:-postgres://tickgate:tickgate@127.0.0.1:5432/tickgate}"
KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"

port_of() { # port_of URL DEFAULT
  local p
  p=$(printf '%s' "$1" | sed -E 's#^[a-z]+://##; s#^[^@/]*@##; s#/.*$##; s#^[^:]*:?##')
  printf '%s' "${p:-$2}"
}
REDIS_PORT=$(port_of "$REDIS_URL" 6379)
PG_PORT=$(port_of "$DATABASE_URL" 5432)
KAFKA_PORT=$(port_of "${KAFKA_BROKERS%%,*}" 9092)
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
pid_alive() { [ -f "$1" ] && kill -0 "$(head -n 1 "$1")" 2>/dev/null; }

apt_install() { # apt_install PACKAGE...
  log "installing $* (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # wait_for NAME LOGFILE CHECK-COMMAND...
  local name=$1 logfile=$2; shift 2
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      log "$name did not become ready within ${READY_TIMEOUT}s; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 || true
      die "$name not ready (log: $logfile)"
    fi
    sleep 0.3
  done
}

# ---------------------------------------------------------------- redis
redis_up() {
  if listening "$REDIS_PORT"; then log "redis: already listening on 127.0.0.1:$REDIS_PORT, using it"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  local dir="$STACK_DIR/redis"; mkdir -p "$dir"
  # appendonly + appendfsync always: what Redis acknowledged is on disk before the sink commits its
  # Kafka offsets, so a Redis that crashes (the fault run kills it) comes back with all of it.
  # The sink writes a batch per pipeline, so the fsync is per batch, not per tick (docs/reliability.md).
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --appendonly yes --appendfsync always --save "" --protected-mode yes
  wait_for redis "$dir/redis.log" redis_ping
  touch "$dir/started-by-stack"
  log "redis: up on 127.0.0.1:$REDIS_PORT"
}
redis_ping() { [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
redis_down() {
  local dir="$STACK_DIR/redis"
  [ -f "$dir/started-by-stack" ] || return 0
  if pid_alive "$dir/redis.pid"; then
    redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    local deadline=$((SECONDS + 20)); while pid_alive "$dir/redis.pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  fi
  rm -f "$dir/started-by-stack"; log "redis: stopped"
}

# ---------------------------------------------------------------- postgres
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && printf '%s' "$d"
}
# PostgreSQL refuses to run as root: as root, run its tools as the `postgres` system user.
pg_run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

postgres_up() {
  if listening "$PG_PORT"; then
    log "postgres: already listening on 127.0.0.1:$PG_PORT, using it"
    postgres_ensure_db || true
    return
  fi
  [ -n "$(pg_bindir)" ] || apt_install postgresql
  local bin dir; bin=$(pg_bindir); dir="$STACK_DIR/postgres"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "postgres: initdb in $dir/data"
    pg_run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$STACK_DIR/postgres-initdb.log" 2>&1 \
      || die "postgres initdb failed (log: $STACK_DIR/postgres-initdb.log)"
  fi
  # Durable settings (PostgreSQL's defaults: fsync=on, synchronous_commit=on): the sink commits its
  # Kafka offsets after COPY's commit returned, so that commit must already be on disk; with
  # synchronous_commit=off a crash could lose the last ~0.6 s of rows whose offsets were committed.
  pg_run "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t "$READY_TIMEOUT" start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$dir -c max_connections=200 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on" \
    >/dev/null || { tail -n 20 "$dir/postgres.log" >&2; die "postgres did not start (log: $dir/postgres.log)"; }
  touch "$dir/started-by-stack"
  postgres_ensure_db
  log "postgres: up on 127.0.0.1:$PG_PORT"
}
postgres_ensure_db() {
  # Role and database `tickgate` (password `tickgate`), created when missing.
  local bin psql; bin=$(pg_bindir); psql="$bin/psql"
  if PGPASSWORD=tickgate "$psql" -h 127.0.0.1 -p "$PG_PORT" -U tickgate -d tickgate -tAc 'select 1' >/dev/null 2>&1; then return 0; fi
  # As superuser: over TCP to a cluster of ours (trust), else over the Unix socket as the `postgres`
  # system user (peer auth), which is how a distribution's own cluster (e.g. Debian's "main") lets root in.
  local su=(-h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -tA)
  if ! "$psql" "${su[@]}" -c 'select 1' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && runuser -u postgres -- "$psql" -p "$PG_PORT" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
      psql="runuser -u postgres -- $psql"
      su=(-p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 -tA)
    else
      log "postgres: cannot connect as a superuser to 127.0.0.1:$PG_PORT to create role and database tickgate; create them by hand"
      return 1
    fi
  fi
  $psql "${su[@]}" -c "do \$\$ begin if not exists (select from pg_roles where rolname='tickgate') then create role tickgate login password 'tickgate'; end if; end \$\$" >/dev/null \
    || { log "postgres: could not create role tickgate; create it by hand"; return 1; }
  if [ -z "$($psql "${su[@]}" -c "select 1 from pg_database where datname='tickgate'")" ]; then
    $psql "${su[@]}" -c "create database tickgate owner tickgate" >/dev/null
  fi
  # A distribution cluster may refuse password logins over TCP for new roles; say so rather than fail later.
  PGPASSWORD=tickgate "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U tickgate -d tickgate -tAc 'select 1' >/dev/null 2>&1 \
    || log "postgres: role tickgate exists but cannot log in over TCP with its password (check pg_hba.conf of the cluster on :$PG_PORT)"
  log "postgres: role and database tickgate ready"
}
postgres_down() {
  local dir="$STACK_DIR/postgres"
  [ -f "$dir/started-by-stack" ] || return 0
  local bin; bin=$(pg_bindir)
  [ -f "$dir/data/postmaster.pid" ] && pg_run "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -f "$dir/started-by-stack"; log "postgres: stopped"
}

# ---------------------------------------------------------------- kafka
kafka_jars() {
  local libs="$STACK_DIR/kafka-libs"
  if [ -f "$libs/.complete-$KAFKA_VERSION" ]; then return; fi
  command -v mvn >/dev/null || apt_install maven
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  log "kafka: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (cached in $libs)"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -q -B -f "$ROOT/stack/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >"$STACK_DIR/kafka-mvn.log" 2>&1 \
    || { tail -n 30 "$STACK_DIR/kafka-mvn.log" >&2; die "kafka jar download failed (log: $STACK_DIR/kafka-mvn.log)"; }
  touch "$libs/.complete-$KAFKA_VERSION"
}
kafka_config() {
  local dir="$STACK_DIR/kafka"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=268435456
num.network.threads=2
num.io.threads=4
EOF
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/kafka.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}
kafka_java() { # kafka_java MAIN-CLASS ARGS...
  local dir="$STACK_DIR/kafka"
  exec java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$STACK_DIR/kafka-libs/*" "$@"
}
kafka_ready() { listening "$KAFKA_PORT" && grep -q "Kafka Server started" "$STACK_DIR/kafka/kafka.log" 2>/dev/null; }
kafka_up() {
  if listening "$KAFKA_PORT"; then log "kafka: already listening on 127.0.0.1:$KAFKA_PORT, using it"; return; fi
  kafka_jars
  local dir="$STACK_DIR/kafka"; mkdir -p "$dir/data"
  kafka_config
  (kafka_java kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" --ignore-formatted) \
    >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "kafka storage format failed (log: $dir/format.log)"; }
  : >"$dir/kafka.log"
  (kafka_java kafka.Kafka "$dir/server.properties") >"$dir/kafka.out" 2>&1 </dev/null &
  echo $! >"$dir/kafka.pid"
  touch "$dir/started-by-stack"
  KAFKA_LAUNCHED=1
}
kafka_wait() {
  local dir="$STACK_DIR/kafka"
  [ "${KAFKA_LAUNCHED:-0}" = 1 ] || return 0
  local deadline=$((SECONDS + READY_TIMEOUT))
  until kafka_ready; do
    pid_alive "$dir/kafka.pid" || { tail -n 30 "$dir/kafka.out" "$dir/kafka.log" >&2; die "kafka exited during start (log: $dir/kafka.log, $dir/kafka.out)"; }
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$dir/kafka.log" >&2; die "kafka not ready within ${READY_TIMEOUT}s (log: $dir/kafka.log)"; }
    sleep 0.3
  done
  log "kafka: up on 127.0.0.1:$KAFKA_PORT (KRaft, controller :$KAFKA_CONTROLLER_PORT)"
}
kafka_down() {
  local dir="$STACK_DIR/kafka"
  [ -f "$dir/started-by-stack" ] || return 0
  if pid_alive "$dir/kafka.pid"; then
    kill "$(cat "$dir/kafka.pid")" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while pid_alive "$dir/kafka.pid" && [ $SECONDS -lt $deadline ]; do sleep 0.3; done
    pid_alive "$dir/kafka.pid" && kill -9 "$(cat "$dir/kafka.pid")" 2>/dev/null || true
  fi
  rm -f "$dir/started-by-stack" "$dir/kafka.pid"; log "kafka: stopped"
}

# ---------------------------------------------------------------- commands
status_line() { # status_line NAME PORT
  if listening "$2"; then
    local who="external"; [ -f "$STACK_DIR/$1/started-by-stack" ] && who="started by stack"
    printf '%-9s up    127.0.0.1:%s (%s)\n' "$1" "$2" "$who"
  else printf '%-9s down  127.0.0.1:%s\n' "$1" "$2"; fi
}

cmd=${1:-status}
mkdir -p "$STACK_DIR"
case "$cmd" in
  up)
    start=$SECONDS
    # Kafka's JVM takes longest to start: launch it first, start the others while it boots, then wait for it.
    kafka_up; redis_up; postgres_up; kafka_wait
    log "stack up in $((SECONDS - start))s (data and logs in $STACK_DIR)";;
  down) kafka_down; redis_down; postgres_down;;
  jars) mkdir -p "$STACK_DIR"; kafka_jars >&2; echo "$STACK_DIR/kafka-libs";;
  status) status_line redis "$REDIS_PORT"; status_line postgres "$PG_PORT"; status_line kafka "$KAFKA_PORT";;
  logs)
    case "${2:-all}" in
      redis) tail -n 50 "$STACK_DIR/redis/redis.log";;
      postgres) tail -n 50 "$STACK_DIR/postgres/postgres.log";;
      kafka) tail -n 50 "$STACK_DIR/kafka/kafka.log";;
      *) for f in redis/redis.log postgres/postgres.log kafka/kafka.log; do echo "== $f"; tail -n 20 "$STACK_DIR/$f" 2>/dev/null || true; done;;
    esac;;
  stop)
    svc="${2:?stop which service: redis|postgres|kafka}"
    case "$svc" in redis|postgres|kafka) ;; *) die "unknown service '$svc' (redis|postgres|kafka)";; esac
    # Stopping one service is for fault tests: refuse loudly when it is not ours to stop.
    if [ ! -f "$STACK_DIR/$svc/started-by-stack" ]; then
      die "$svc was not started by this checkout's scripts/stack.sh ($STACK_DIR/$svc/started-by-stack missing); not stopping it"
    fi
    "${svc}_down";;
  kill)
    svc="${2:?kill which service: redis|postgres|kafka}"
    case "$svc" in redis|postgres|kafka) ;; *) die "unknown service '$svc' (redis|postgres|kafka)";; esac
    [ -f "$STACK_DIR/$svc/started-by-stack" ] || die "$svc was not started by this checkout's scripts/stack.sh; not killing it"
    pidfile="$STACK_DIR/$svc/$svc.pid"; [ "$svc" = postgres ] && pidfile="$STACK_DIR/postgres/data/postmaster.pid"
    pid_alive "$pidfile" || die "$svc is not running"
    pid=$(head -n 1 "$pidfile")
    # PostgreSQL is a postmaster and its backends: a crash takes them all (a lone killed postmaster
    # leaves backends holding the shared memory, and the next start refuses to run beside them).
    pids="$pid $( (pgrep -P "$pid" || true) | tr '\n' ' ')"
    kill -9 $pids 2>/dev/null || true
    for p in $pids; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
    rm -f "$STACK_DIR/$svc/started-by-stack"; log "$svc: killed (SIGKILL, pid $pid)";;
  start)
    svc="${2:?start which service: redis|postgres|kafka}"
    case "$svc" in redis|postgres|kafka) ;; *) die "unknown service '$svc' (redis|postgres|kafka)";; esac
    "${svc}_up"; [ "$svc" = kafka ] && kafka_wait; true;;
  clean) kafka_down; redis_down; postgres_down; rm -rf "$STACK_DIR/redis" "$STACK_DIR/postgres" "$STACK_DIR/kafka"; log "data removed";;
  *) die "unknown command '$cmd' (up|down|status|logs|clean|stop SERVICE|start SERVICE|kill SERVICE)";;
esac
