#!/usr/bin/env bash
# The container test: builds the unmodified Dockerfile, brings up the unmodified compose.yaml, waits
# for every healthcheck, posts ticks to the tickgate container and checks, inside the Kafka, Redis and
# PostgreSQL containers, that every accepted tick is stored exactly once (the loss account); then
# restarts the stack to check the volumes keep it, and takes everything down. Last line: the verdict.
#
# Our machines have no Docker engine and reach no image registry, so this runs on what they do have
# (test/container/stand-ins/README.md says what each piece stands in for):
#   - rootful podman 4.3 with runc (apt), its storage and config under $CACHE, not the machine's;
#   - stand-in base images built on a debootstrapped Debian 12 and tagged with the names the
#     Dockerfile and compose.yaml use;
#   - docker compose v2 (built from its Go module) talking to podman's Docker API (`podman system service`);
#   - a loop calling `podman healthcheck run`: there is no systemd to run healthchecks.
# The Dockerfile is built with `podman build`, with this machine's CA bundle mounted for `bun install`
# (npm is reached through a proxy with its own CA); compose then uses that image (`--no-build`).
# Host ports come from test/container/compose.ports.yaml, so the local stack may keep 9092/6379/5432.
#
#   bash scripts/container-test.sh          (as root; cold ≈ 8 min, warm ≈ 2 min)
# Cache: $TICKGATE_CONTAINER_CACHE (default /var/tmp/tickgate-containers): images, the compose binary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TICKGATE_CONTAINER_CACHE:-/var/tmp/tickgate-containers}"
COMPOSE_VERSION=v2.40.3
TICKS="${CONTAINER_TEST_TICKS:-5000}"
API_KEY=example-key-change-me      # compose.yaml's example key
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
  [ ${#untested[@]} -eq 0 ] || extra="; not tested here: $(printf "%s; " "${untested[@]}" | sed "s/; $//")"
  if [ "$rc" = 0 ]; then
    echo "container-test: PASSED in $((SECONDS - start)) s — ${SUMMARY:-}${extra}"
  else
    echo "container-test: FAILED at ${step} after $((SECONDS - start)) s${extra}"
  fi
  exit "$rc"
}
trap verdict EXIT

[ "$(id -u)" = 0 ] || fail "run as root: the test uses rootful podman (no user namespaces needed)"

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

mkdir -p "$CACHE/conf" "$CACHE/bin"
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
runroot = "/run/tickgate-containers"
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
step="base image"
if ! podman image exists localhost/debian-min:12; then
  mirror=$(sed -nE 's/^URIs: *(\S+).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "debootstrap --variant=minbase bookworm from $mirror (once)"
  rm -rf "$CACHE/rootfs"
  debootstrap --variant=minbase bookworm "$CACHE/rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; fail "debootstrap (log: $CACHE/debootstrap.log)"; }
  tar -C "$CACHE/rootfs" -c . | podman import -q - localhost/debian-min:12 >/dev/null
  rm -rf "$CACHE/rootfs"
fi

step="stand-in images"
image_of() { sed -nE "s#^\s*image: *($1:\S+).*#\1#p" "$ROOT/compose.yaml" | head -n 1; }
BUN_IMAGE=$(sed -nE 's/^FROM +(oven\/bun:\S+).*/\1/p' "$ROOT/Dockerfile" | head -n 1)
KAFKA_IMAGE=$(image_of apache/kafka) REDIS_IMAGE=$(image_of redis) PG_IMAGE=$(image_of timescale/timescaledb)
KAFKA_VERSION=$(sed -nE '/<artifactId>kafka_2.13<\/artifactId>/{n;s/.*<version>(.*)<\/version>.*/\1/p}' "$ROOT/stack/kafka/pom.xml")
[ "${KAFKA_IMAGE#*:}" = "$KAFKA_VERSION" ] || fail "compose.yaml runs $KAFKA_IMAGE but stack/kafka/pom.xml has Kafka $KAFKA_VERSION"
ctx="$CACHE/context"
rm -rf "$ctx" && mkdir -p "$ctx" && cp -r "$ROOT/test/container/stand-ins/." "$ctx/"
bun_version=${BUN_IMAGE#*:}
if [ ! -f "$CACHE/npm/bun-$bun_version" ]; then
  log "fetching @oven/bun-linux-x64@$bun_version from npm (once)"
  rm -rf "$CACHE/npm/tmp" && mkdir -p "$CACHE/npm/tmp"
  (cd "$CACHE/npm/tmp" && npm pack --silent "@oven/bun-linux-x64@$bun_version" >/dev/null && tar -xzf ./*.tgz package/bin/bun)
  mv "$CACHE/npm/tmp/package/bin/bun" "$CACHE/npm/bun-$bun_version" && rm -rf "$CACHE/npm/tmp"
fi
cp "$CACHE/npm/bun-$bun_version" "$ctx/bun/bun"
libs="$CACHE/kafka-libs-$KAFKA_VERSION"
if [ ! -f "$libs/.complete" ]; then
  log "fetching the Kafka $KAFKA_VERSION jars of stack/kafka/pom.xml and kafka-tools (once)"
  rm -rf "$libs"
  mvn -q -B -f "$ROOT/stack/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >"$CACHE/mvn.log" 2>&1 \
    && mvn -q -B -f "$ROOT/stack/kafka/pom.xml" dependency:copy -Dartifact="org.apache.kafka:kafka-tools:$KAFKA_VERSION" -DoutputDirectory="$libs" >>"$CACHE/mvn.log" 2>&1 \
    || { tail -n 20 "$CACHE/mvn.log" >&2; fail "maven (log: $CACHE/mvn.log)"; }
  touch "$libs/.complete"
fi
cp -r "$libs" "$ctx/kafka/libs"
# Layer caching keeps a rebuild to seconds when nothing changed.
pids=()
for pair in "bun $BUN_IMAGE" "kafka $KAFKA_IMAGE" "redis $REDIS_IMAGE" "postgres $PG_IMAGE"; do
  set -- $pair
  podman build -q --pull=never --format docker -t "$2" "$ctx/$1" >"$CACHE/build-$1.log" 2>&1 &
  pids+=("$!:$1")
done
for p in "${pids[@]}"; do wait "${p%%:*}" || { tail -n 20 "$CACHE/build-${p#*:}.log" >&2; fail "building the ${p#*:} stand-in (log: $CACHE/build-${p#*:}.log)"; }; done
log "stand-ins: $BUN_IMAGE, $KAFKA_IMAGE, $REDIS_IMAGE, $PG_IMAGE (no TimescaleDB in the last: the hypertable path is not tested)"
untested+=("the TimescaleDB hypertable (the stand-in is plain PostgreSQL 15)" "profile monitoring (prom/prometheus, grafana/grafana have no stand-in: Grafana is in no registry this machine reaches)")

# ---------------------------------------------------------------- the engine and compose
step="podman service"
SOCK=/run/tickgate-containers/docker.sock
mkdir -p /run/tickgate-containers
pkill -f "podman system service --time=0 unix://$SOCK" 2>/dev/null && sleep 1   # left by a killed run
rm -f "$SOCK"
podman system service --time=0 "unix://$SOCK" >"$CACHE/podman-service.log" 2>&1 &
SERVICE_PID=$!
export DOCKER_HOST="unix://$SOCK" DOCKER_BUILDKIT=0
unset COMPOSE_PROJECT_NAME COMPOSE_FILE COMPOSE_PROFILES
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "podman system service did not open $SOCK (log: $CACHE/podman-service.log)"
compose() { "$COMPOSE" --project-directory "$ROOT" -f "$ROOT/compose.yaml" -f "$ROOT/test/container/compose.ports.yaml" "$@"; }
PROJECT=$(sed -nE 's/^name: *([a-z0-9_-]+).*/\1/p' "$ROOT/compose.yaml")
[ -n "$PROJECT" ] || fail "compose.yaml has no top-level name"

teardown() {
  [ -n "${HEALTH_PID:-}" ] && kill "$HEALTH_PID" 2>/dev/null && wait "$HEALTH_PID" 2>/dev/null
  HEALTH_PID=""
  [ -n "${SERVICE_PID:-}" ] || return 0
  local ok=0
  compose down -v --remove-orphans --timeout 20 >"$CACHE/down.log" 2>&1 || { tail -n 10 "$CACHE/down.log" >&2; ok=1; }
  local left
  left=$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT"; podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
  [ -z "$left" ] || { log "left after down: $left"; ok=1; }
  kill "$SERVICE_PID" 2>/dev/null; wait "$SERVICE_PID" 2>/dev/null
  SERVICE_PID=""
  return $ok
}

# There is no systemd: run every healthcheck of the project's containers every 2 s, as the engine
# would, for as long as this script lives.
healthchecks() {
  local parent=$$
  while kill -0 "$parent" 2>/dev/null; do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
      podman healthcheck run "$id" >/dev/null 2>&1 &
    done
    wait
    sleep 2
  done
}

step="build the Dockerfile"
TICKGATE_IMAGE=$(compose config --images | grep -v -x -e "$KAFKA_IMAGE" -e "$REDIS_IMAGE" -e "$PG_IMAGE" | head -n 1)
log "podman build $ROOT/Dockerfile → $TICKGATE_IMAGE"
ca=/etc/ssl/certs/ca-certificates.crt
mount=(); [ -f "$ca" ] && mount=(-v "$ca:$ca:ro")
podman build --pull=never --format docker "${mount[@]}" -t "$TICKGATE_IMAGE" "$ROOT" >"$CACHE/build-tickgate.log" 2>&1 \
  || { tail -n 30 "$CACHE/build-tickgate.log" >&2; fail "podman build of the Dockerfile (log: $CACHE/build-tickgate.log)"; }
[ "$(podman image inspect "$TICKGATE_IMAGE" --format '{{.Config.User}}')" = bun ] || fail "the image does not run as the user bun"
# Each source change leaves the previous tickgate image untagged: drop those older than a day.
podman image prune -f --filter until=24h >/dev/null 2>&1 || true

step="compose up"
compose down -v --remove-orphans >/dev/null 2>&1 || true   # a run killed half-way left something
healthchecks >/dev/null 2>&1 &
HEALTH_PID=$!
up() {
  compose up -d --no-build --pull never --wait --wait-timeout 300 >"$CACHE/up.log" 2>&1 || {
    tail -n 20 "$CACHE/up.log" >&2
    for c in $(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT"); do
      log "$(podman inspect "$c" --format '{{.Name}}: {{.State.Status}} {{.State.Health.Status}}')"; podman logs --tail 15 "$c" >&2 2>&1 || true
    done
    fail "compose up --wait (log: $CACHE/up.log)"
  }
}
t0=$SECONDS; up
log "all services healthy in $((SECONDS - t0)) s: $(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}={{.Status}}' | tr '\n' ' ')"

container() { podman ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" | head -n 1; }
port=$(compose port tickgate 8080 | sed -E 's/.*://')
BASE="http://127.0.0.1:$port"

# ---------------------------------------------------------------- the loss account
step="post ticks"
RUN="ct$(date +%s | tail -c 7)"
curl -fsS "$BASE/readyz" >/dev/null || fail "$BASE/readyz from the host"
answer=$("$BUN" "$ROOT/test/container/post-ticks.ts" "$BASE" "$API_KEY" "$RUN" "$TICKS" | tail -n 1) || fail "posting ticks (above)"
field() { printf '%s' "$answer" | sed -nE "s/.*\"$1\":([0-9]+).*/\1/p"; }
sent=$(field sent) accepted=$(field accepted) rejected=$(field rejected)
log "sent $sent ticks: accepted $accepted, rejected $rejected, flagged $(field flagged), good ticks rejected $(field goodRejected)"
[ "$accepted" -gt 0 ] && [ "$rejected" -gt 0 ] || fail "expected both accepted and rejected ticks: $answer"

step="count in the stores"
kafka_count() { # kafka_count TOPIC: records in it (offsets: the idempotent producer writes no control records)
  podman exec "$(container kafka)" /opt/kafka/bin/kafka-get-offsets.sh --bootstrap-server localhost:9092 --topic "$1" 2>/dev/null \
    | awk -F: '{ n += $NF } END { print n + 0 }'
}
redis_count() {
  podman exec "$(container redis)" sh -c "redis-cli --scan --pattern 'ticks:{$RUN-*' | sed 's/^/ZCARD /' | redis-cli" | awk '{ n += $1 } END { print n + 0 }'
}
pg_count() {
  podman exec "$(container timescaledb)" psql -U tickgate -d tickgate -Atc "select count(*) from ticks where exchange like '$RUN-%'"
}
counts() { kv=$(kafka_count ticks.valid) kr=$(kafka_count ticks.rejected) kd=$(kafka_count ticks.sink-dlq) r=$(redis_count) p=$(pg_count); }
deadline=$((SECONDS + 60))
while counts; [ "$r" != "$accepted" ] || [ "$p" != "$accepted" ]; do
  [ $SECONDS -lt $deadline ] || break
  sleep 1
done
account="told accepted $accepted / rejected $rejected; Kafka valid $kv / rejected $kr / sink-dlq $kd; Redis $r; PostgreSQL $p"
log "loss account: $account"
[ "$kv" = "$accepted" ] && [ "$kr" = "$rejected" ] && [ "$kd" = 0 ] && [ "$r" = "$accepted" ] && [ "$p" = "$accepted" ] \
  || fail "the loss account does not balance: $account"

step="restart"
log "compose down (volumes kept), then up again: the stores must still hold every tick"
compose down --timeout 20 >"$CACHE/down.log" 2>&1 || { tail -n 10 "$CACHE/down.log" >&2; fail "compose down"; }
t0=$SECONDS; up
counts
after="Kafka valid $kv / rejected $kr; Redis $r; PostgreSQL $p"
log "after the restart ($((SECONDS - t0)) s to healthy): $after"
[ "$kv" = "$accepted" ] && [ "$kr" = "$rejected" ] && [ "$r" = "$accepted" ] && [ "$p" = "$accepted" ] \
  || fail "the volumes did not keep the ticks: $after"

step="teardown"
SUMMARY="$sent ticks in by POST (JSON, MessagePack, NDJSON) and WebSocket; $accepted accepted = Kafka = Redis = PostgreSQL, $rejected rejected = Kafka; kept across a restart"
