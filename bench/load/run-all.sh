#!/usr/bin/env bash
# Re-measures every figure of docs/performance.md, one scenario after the other (about 8 minutes).
# Run it on a quiet machine: the load tool, tickgate, Kafka, Redis and PostgreSQL share the CPUs.
#   bash bench/load/run-all.sh            results in bench/results/load-<scenario>.md (+ .json / .svg)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/stack.sh up
# The bun that runs `bun run load:all`, else the pinned one (scripts/bun installs it on first use).
BUN="${npm_execpath:-scripts/bun}"
run() { echo "== bun run load -- $*"; "$BUN" bench/load.ts "$@" --progress false | sed -n '/^| run/,$p' | head -40 || true; }
run --scenario compare --duration 15
run --scenario steady --duration 20
run --scenario steady --duration 20 --mode ws
run --scenario peak --duration 20
run --scenario peak --duration 20 --role ingest
run --scenario peak --duration 20 --mode ndjson
run --scenario burst --duration 20
run --scenario capacity --step 5
run --scenario scaling --duration 15
"$BUN" bench/ceiling.ts --duration 15
