#!/usr/bin/env bash
# Builds the stand-in base images of the container test (README.md beside this file says what each
# stands in for) under the names the Dockerfile and compose.yaml use, from a debootstrapped Debian 12.
# Called by scripts/container-test.sh with podman's CONTAINERS_CONF / CONTAINERS_STORAGE_CONF set;
# downloads go to $CACHE once, and podman's layer cache keeps a rebuild to seconds.
#   build.sh ROOT CACHE
set -euo pipefail
ROOT=$1 CACHE=$2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[container-test] %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; kill $(jobs -p) 2>/dev/null || true; exit 1; }

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

image_of() { sed -nE "s#^\s*image: *($1:\S+).*#\1#p" "$ROOT/compose.yaml" | head -n 1; }
BUN_IMAGE=$(sed -nE 's/^FROM +(oven\/bun:\S+).*/\1/p' "$ROOT/Dockerfile" | head -n 1)
KAFKA_IMAGE=$(image_of apache/kafka) REDIS_IMAGE=$(image_of redis) PG_IMAGE=$(image_of timescale/timescaledb)
KAFKA_VERSION=$(sed -nE '/<artifactId>kafka_2.13<\/artifactId>/{n;s/.*<version>(.*)<\/version>.*/\1/p}' "$ROOT/stack/kafka/pom.xml")
[ "${KAFKA_IMAGE#*:}" = "$KAFKA_VERSION" ] || fail "compose.yaml runs $KAFKA_IMAGE but stack/kafka/pom.xml has Kafka $KAFKA_VERSION"

ctx="$CACHE/context"
rm -rf "$ctx" && mkdir -p "$ctx" && cp -r "$HERE/." "$ctx/"
bun_version=${BUN_IMAGE#*:}
if [ ! -f "$CACHE/npm/bun-$bun_version" ]; then
  log "fetching @oven/bun-linux-x64@$bun_version from npm (once)"
  rm -rf "$CACHE/npm/tmp" && mkdir -p "$CACHE/npm/tmp"
  (cd "$CACHE/npm/tmp" && npm pack --silent "@oven/bun-linux-x64@$bun_version" >/dev/null && tar -xzf ./*.tgz package/bin/bun)
  mv "$CACHE/npm/tmp/package/bin/bun" "$CACHE/npm/bun-$bun_version" && rm -rf "$CACHE/npm/tmp"
fi
cp "$CACHE/npm/bun-$bun_version" "$ctx/bun/bun"

# The jars the local stack runs (scripts/stack.sh fetches them), plus kafka-tools alone for
# kafka-get-offsets.sh and friends (its own dependencies are Kafka Connect's, which those tools do not load).
stack_libs=$(bash "$ROOT/scripts/stack.sh" jars) || fail "fetching the Kafka jars (scripts/stack.sh jars)"
tools="$CACHE/kafka-tools-$KAFKA_VERSION.jar"
if [ ! -f "$tools" ]; then
  log "fetching kafka-tools $KAFKA_VERSION from Maven Central (once)"
  mkdir -p "$CACHE/mvn-tmp"
  mvn -q -B -f "$ROOT/stack/kafka/pom.xml" dependency:copy -Dartifact="org.apache.kafka:kafka-tools:$KAFKA_VERSION" -DoutputDirectory="$CACHE/mvn-tmp" >"$CACHE/mvn.log" 2>&1 \
    || { tail -n 20 "$CACHE/mvn.log" >&2; fail "maven (log: $CACHE/mvn.log)"; }
  mv "$CACHE/mvn-tmp/kafka-tools-$KAFKA_VERSION.jar" "$tools" && rm -rf "$CACHE/mvn-tmp"
fi
mkdir -p "$ctx/kafka/libs"
cp "$stack_libs"/*.jar "$tools" "$ctx/kafka/libs/"

pids=()
for pair in "bun $BUN_IMAGE" "kafka $KAFKA_IMAGE" "redis $REDIS_IMAGE" "postgres $PG_IMAGE"; do
  read -r dir tag <<<"$pair"
  podman build -q --pull=never --format docker -t "$tag" "$ctx/$dir" >"$CACHE/build-$dir.log" 2>&1 &
  pids+=("$!:$dir")
done
for p in "${pids[@]}"; do
  wait "${p%%:*}" || { tail -n 20 "$CACHE/build-${p#*:}.log" >&2; fail "building the ${p#*:} stand-in (log: $CACHE/build-${p#*:}.log)"; }
done
log "stand-ins: $BUN_IMAGE, $KAFKA_IMAGE, $REDIS_IMAGE, $PG_IMAGE"
