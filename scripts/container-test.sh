#!/usr/bin/env bash
# The container test: builds the unmodified Dockerfile, brings up the unmodified compose.yaml, waits
# for every healthcheck, posts ticks to the tickgate container and checks, inside the Kafka, Redis and
# PostgreSQL containers, that every accepted tick is stored exactly once (the loss account); then
# restarts the stack to check the volumes keep it, and takes everything down. Last line: the verdict.
#
# Our machines have no Docker engine and reach no image registry, so this runs on what they do have:
#   - rootful podman 4.3 with runc (apt), its storage and config under $CACHE, not the machine's;
#   - stand-in base images (test/container/stand-ins/) tagged with the names the files use;
#   - docker compose v2 (built from its Go module) talking to podman's Docker API (`podman system service`);
#   - a loop calling `podman healthcheck run`: there is no systemd to run healthchecks.
# The Dockerfile is built with `podman build`, with this machine's CA bundle mounted for `bun install`
# (npm is reached through a proxy with its own CA); compose then uses that image (`--no-build`).
# Host ports come from test/container/compose.ports.yaml, so the local stack may keep 9092/6379/5432.
#
#   bash scripts/container-test.sh          (as root; Go ≥ 1.24 on PATH or in /usr/local/go)
# Cache: $TICKGATE_CONTAINER_CACHE (default /var/tmp/tickgate-containers): images, the compose binary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TICKGATE_CONTAINER_CACHE:-/var/tmp/tickgate-containers}"
COMPOSE_VERSION=v2.40.3
TICKS="${CONTAINER_TEST_TICKS:-5000}"
API_KEY=example-key-change-me      # compose.yaml's example key
RUNTIME=/run/tickgate-containers   # podman's run state and the Docker API socket
start=$SECONDS
step="start"
untested=()

log() { printf '[container-test] %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
verdict() {
  local rc=$?
  trap - EXIT
  teardown || rc=1
  local extra=""
  [ ${#untested[@]} -eq 0 ] || extra="; not tested here: $(printf '%s; ' "${untested[@]}" | sed 's/; $//')"
  if [ "$rc" = 0 ]; then
    echo "container-test: PASSED in $((SECONDS - start)) s — ${SUMMARY:-}${extra}"
  else
    echo "container-test: FAILED at ${step} after $((SECONDS - start)) s${extra}"
  fi
  exit "$rc"
}
teardown() { :; }   # replaced once there is something to take down
trap verdict EXIT

[ "$(id -u)" = 0 ] || fail "run as root: the test uses rootful podman"
mkdir -p "$CACHE/conf" "$CACHE/bin" "$RUNTIME"
# One run at a time: runs share the cache, the socket and compose's project name.
exec 9>"$CACHE/lock"
flock -n 9 || fail "another container test holds $CACHE/lock"

# ---------------------------------------------------------------- tools
step="install"
missing=()
for pkg in podman:podman buildah:buildah runc:runc debootstrap:debootstrap curl:curl mvn:maven; do
  command -v "${pkg%%:*}" >/dev/null || missing+=("${pkg#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || fail "go (≥ 1.24; Debian's is older) is needed to build docker compose $COMPOSE_VERSION"
BUN="$(bash "$ROOT/scripts/bootstrap.sh")"     # the tick poster runs on the host's bun

# runc, not crun (crun cannot set RLIMIT_NOFILE here and refuses cgroups v1 hybrid mode). Limits
# within what this machine allows: the hard open-files limit, and 32768 processes (higher is refused).
nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
cat >"$CACHE/conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$CACHE/conf/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$CACHE/storage"
runroot = "$RUNTIME/storage"
EOF
export CONTAINERS_CONF="$CACHE/conf/containers.conf" CONTAINERS_STORAGE_CONF="$CACHE/conf/storage.conf"

COMPOSE="$CACHE/bin/docker-compose-$COMPOSE_VERSION"
if [ ! -x "$COMPOSE" ]; then
  step="build docker compose"
  log "building docker compose $COMPOSE_VERSION from its Go module (once; cached in $CACHE/bin)"
  src=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
  [ -d "$src" ] || fail "go mod download github.com/docker/compose/v2@$COMPOSE_VERSION"
  rm -rf "$CACHE/compose-src" && cp -r "$src" "$CACHE/compose-src" && chmod -R u+w "$CACHE/compose-src"
  # `go install pkg@version` refuses the module's exclude directives: build inside a copy of it.
  (cd "$CACHE/compose-src" && go build -trimpath -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$COMPOSE.tmp" ./cmd)
  mv "$COMPOSE.tmp" "$COMPOSE" && rm -rf "$CACHE/compose-src"
fi

# ---------------------------------------------------------------- images
step="stand-in images"
bash "$ROOT/test/container/stand-ins/build.sh" "$ROOT" "$CACHE"
untested+=("the TimescaleDB hypertable (the stand-in is plain PostgreSQL 15)" "profile monitoring (prom/prometheus, grafana/grafana have no stand-in: Grafana is in no registry this machine reaches)")

step="build the Dockerfile"
SOCK="$RUNTIME/docker.sock"
export DOCKER_HOST="unix://$SOCK" DOCKER_BUILDKIT=0
unset COMPOSE_PROJECT_NAME COMPOSE_FILE COMPOSE_PROFILES
COMPOSE_CMD=("$COMPOSE" --project-directory "$ROOT" -f "$ROOT/compose.yaml" -f "$ROOT/test/container/compose.ports.yaml")
compose() { "${COMPOSE_CMD[@]}" "$@"; }
PROJECT=$(sed -nE 's/^name: *([a-z0-9_-]+).*/\1/p' "$ROOT/compose.yaml")
[ -n "$PROJECT" ] || fail "compose.yaml has no top-level name"
STACK_IMAGES=$(compose config --images)
TICKGATE_IMAGE=$(printf '%s\n' "$STACK_IMAGES" | grep -v -e '^apache/kafka:' -e '^redis:' -e '^timescale/timescaledb:')
[ "$(printf '%s\n' "$TICKGATE_IMAGE" | wc -l)" = 1 ] || fail "expected one built image in compose.yaml, got: $TICKGATE_IMAGE"
log "podman build $ROOT/Dockerfile → $TICKGATE_IMAGE"
ca=/etc/ssl/certs/ca-certificates.crt
mount=(); [ -f "$ca" ] && mount=(-v "$ca:$ca:ro")
podman build --pull=never --format docker "${mount[@]}" -t "$TICKGATE_IMAGE" "$ROOT" >"$CACHE/build-tickgate.log" 2>&1 \
  || { tail -n 30 "$CACHE/build-tickgate.log" >&2; fail "podman build of the Dockerfile (log: $CACHE/build-tickgate.log)"; }
[ "$(podman image inspect "$TICKGATE_IMAGE" --format '{{.Config.User}}')" = bun ] || fail "the image does not run as the user bun"
# Each source change leaves the previous tickgate image untagged: drop those older than a day.
podman image prune -f --filter until=24h >/dev/null 2>&1 || true

# ---------------------------------------------------------------- the engine and compose
step="podman service"
# Holding the lock, any service on our socket is one a killed run left.
pkill -f "podman system service --time=0 $DOCKER_HOST" 2>/dev/null && sleep 1
rm -f "$SOCK"
# 9>&-: the service must not hold the lock if it outlives this script.
podman system service --time=0 "$DOCKER_HOST" >"$CACHE/podman-service.log" 2>&1 9>&- &
SERVICE_PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "podman system service did not open $SOCK (log: $CACHE/podman-service.log)"

project_containers() { podman ps -aq --filter "label=com.docker.compose.project=$PROJECT"; }
teardown() {
  if [ -n "${HEALTH_PID:-}" ]; then kill "$HEALTH_PID" 2>/dev/null; wait "$HEALTH_PID" 2>/dev/null; fi
  HEALTH_PID=""
  [ -n "${SERVICE_PID:-}" ] || return 0
  local ok=0 left
  # --timeout bounds the stop of each container, not a wedged engine: bound the whole command too.
  timeout 180 "${COMPOSE_CMD[@]}" down -v --remove-orphans --timeout 20 >"$CACHE/down.log" 2>&1 || { tail -n 10 "$CACHE/down.log" >&2; ok=1; }
  left=$(project_containers; podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
  [ -z "$left" ] || { log "left after down -v: $left"; ok=1; }
  kill "$SERVICE_PID" 2>/dev/null; wait "$SERVICE_PID" 2>/dev/null
  SERVICE_PID=""
  return $ok
}

# There is no systemd: run every healthcheck of the project's containers every 2 s, as the engine
# would, for as long as this script lives.
healthchecks() {
  local parent=$$
  trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
  while kill -0 "$parent" 2>/dev/null; do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
      podman healthcheck run "$id" >/dev/null 2>&1 &
    done
    wait
    sleep 2
  done
}

step="compose up"
compose down -v --remove-orphans >/dev/null 2>&1 || true   # what a killed run left
healthchecks >/dev/null 2>&1 9>&- &
HEALTH_PID=$!
# `up --wait` counts a container without a healthcheck as ready once it runs: so also require that
# every container of the stack has one and that it passed.
up() {
  local c status
  compose up -d --no-build --pull never --wait --wait-timeout 300 >"$CACHE/up.log" 2>&1 || {
    tail -n 20 "$CACHE/up.log" >&2
    for c in $(project_containers); do
      log "$(podman inspect "$c" --format '{{.Name}}: {{.State.Status}} {{.State.Health.Status}}')"; podman logs --tail 15 "$c" >&2 2>&1 || true
    done
    fail "compose up --wait (log: $CACHE/up.log)"
  }
  [ "$(project_containers | wc -l)" = "$(printf '%s\n' "$STACK_IMAGES" | wc -l)" ] || fail "expected one container per service"
  for c in $(project_containers); do
    status=$(podman inspect "$c" --format '{{.Name}} {{.State.Health.Status}}')
    [ "${status##* }" = healthy ] || fail "not healthy after up --wait: $status"
  done
}
t0=$SECONDS; up
log "all services healthy in $((SECONDS - t0)) s: $(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}={{.Status}}' | tr '\n' ' ')"

container() { podman ps -aq --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" | head -n 1; }
port=$(compose port tickgate 8080 | sed -E 's/.*://')
BASE="http://127.0.0.1:$port"

# ---------------------------------------------------------------- the loss account
step="post ticks"
RUN="ct$(date +%s | tail -c 7)"
curl -fsS -m 10 "$BASE/readyz" >/dev/null || fail "$BASE/readyz from the host"
answer=$(timeout 300 "$BUN" "$ROOT/test/container/post-ticks.ts" "$BASE" "$API_KEY" "$RUN" "$TICKS" | tail -n 1) || fail "posting ticks (above)"
field() { printf '%s' "$answer" | sed -nE "s/.*\"$1\":([0-9]+).*/\1/p"; }
sent=$(field sent) accepted=$(field accepted) rejected=$(field rejected)
log "sent $sent ticks: accepted $accepted, rejected $rejected, flagged $(field flagged), good ticks rejected $(field goodRejected)"
[ "$accepted" -gt 0 ] && [ "$rejected" -gt 0 ] || fail "expected both accepted and rejected ticks: $answer"

step="count in the stores"
# Each count fails loudly (a tool that cannot answer must not read as 0) and within a minute.
kafka_count() { # kafka_count TOPIC: its records (offsets = records: the producers are idempotent, not transactional)
  local out
  out=$(timeout 60 podman exec -e KAFKA_HEAP_OPTS=-Xmx128m "$(container kafka)" /opt/kafka/bin/kafka-get-offsets.sh \
    --bootstrap-server localhost:9092 --topic "$1" 2>&1) || fail "kafka-get-offsets.sh --topic $1: $out"
  printf '%s\n' "$out" | grep -qE "^$1:[0-9]+:[0-9]+$" || fail "kafka-get-offsets.sh --topic $1 answered: $out"
  printf '%s\n' "$out" | awk -F: -v t="$1" '$1 == t { n += $3 } END { print n + 0 }'
}
redis_count() {
  timeout 60 podman exec "$(container redis)" sh -c "redis-cli --scan --pattern 'ticks:{$RUN-*' | sed 's/^/ZCARD /' | redis-cli" \
    | awk '/^[0-9]+$/ { n += $1; next } { bad = 1 } END { if (bad) exit 1; print n + 0 }'
}
pg_count() {
  timeout 60 podman exec "$(container timescaledb)" psql -U tickgate -d tickgate -Atc "select count(*) from ticks where exchange like '$RUN-%'"
}
store_counts() { # sets r and p; fails when a store cannot be asked
  r=$(redis_count) || fail "counting in Redis"
  p=$(pg_count) || fail "counting in PostgreSQL"
}
kafka_counts() { # sets kv, kr, kd
  kv=$(kafka_count ticks.valid) || exit 1
  kr=$(kafka_count ticks.rejected) || exit 1
  kd=$(kafka_count ticks.sink-dlq) || exit 1
}
# The poster's last request was ?ack=stored; the earlier ones may still be on their way to the stores.
deadline=$((SECONDS + 60))
store_counts
while { [ "$r" != "$accepted" ] || [ "$p" != "$accepted" ]; } && [ $SECONDS -lt $deadline ]; do sleep 1; store_counts; done
kafka_counts
account="told accepted $accepted / rejected $rejected; Kafka valid $kv / rejected $kr / sink-dlq $kd; Redis $r; PostgreSQL $p"
log "loss account: $account"
[ "$kv" = "$accepted" ] && [ "$kr" = "$rejected" ] && [ "$kd" = 0 ] && [ "$r" = "$accepted" ] && [ "$p" = "$accepted" ] \
  || fail "the loss account does not balance: $account"

step="restart"
log "compose stop, down (volumes kept), then up again: the stores must still hold every tick"
# Stopped with compose.yaml's grace periods: every service must have stopped on SIGTERM, not been
# killed (137), and tickgate must have said it stopped.
compose stop >"$CACHE/down.log" 2>&1 || { tail -n 10 "$CACHE/down.log" >&2; fail "compose stop"; }
for c in $(project_containers); do
  code=$(podman inspect "$c" --format '{{.State.ExitCode}}') name=$(podman inspect "$c" --format '{{.Name}}')
  [ "$code" != 137 ] || { podman logs --tail 10 "$c" >&2 2>&1; fail "$name was killed (exit 137) instead of stopping on SIGTERM"; }
done
code=$(podman inspect "$(container tickgate)" --format '{{.State.ExitCode}}')
[ "$code" = 0 ] && podman logs --tail 5 "$(container tickgate)" 2>&1 | grep -q '"msg":"stopped"' \
  || { podman logs --tail 10 "$(container tickgate)" >&2 2>&1; fail "tickgate did not stop cleanly (exit $code)"; }
compose down >>"$CACHE/down.log" 2>&1 || { tail -n 10 "$CACHE/down.log" >&2; fail "compose down"; }
t0=$SECONDS; up; up_s=$((SECONDS - t0))
if [ "$up_s" -gt 40 ]; then   # slow to be healthy again: leave the logs that say why
  for s in tickgate kafka; do log "$s, last lines:"; podman logs --tail 15 "$(container $s)" 2>&1 | cut -c1-300 >&2 || true; done
fi
store_counts; kafka_counts
after="Kafka valid $kv / rejected $kr / sink-dlq $kd; Redis $r; PostgreSQL $p"
log "after the restart (${up_s} s to healthy): $after"
[ "$kv" = "$accepted" ] && [ "$kr" = "$rejected" ] && [ "$kd" = 0 ] && [ "$r" = "$accepted" ] && [ "$p" = "$accepted" ] \
  || fail "the volumes did not keep the ticks: $after"

step="teardown"
SUMMARY="$sent ticks in by POST (JSON, MessagePack, NDJSON) and WebSocket; $accepted accepted = Kafka = Redis = PostgreSQL, $rejected rejected = Kafka; kept across a restart"
