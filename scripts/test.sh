#!/usr/bin/env bash
# One command from a fresh clone to the full test suite against the real local stack.
# Extra arguments go to `bun test` (e.g. a path filter). Ends with "N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUN="$(bash "$ROOT/scripts/bootstrap.sh")" || exit 1
bash "$ROOT/scripts/stack.sh" up || exit 1
# promtool, chromium and schemathesis: tests check our files and a live tickgate with them.
bash "$ROOT/scripts/test-tools.sh" || exit 1
cd "$ROOT"
out="$(mktemp)"
# Integration tests talk to Kafka, Redis and PostgreSQL: allow more than bun's 5 s default per test.
"$BUN" test --timeout 60000 "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
# bun prints its summary as " N pass" / " N fail" lines; restate them as the plain line CI reads.
passed=$(grep -E '^ *[0-9]+ pass$' "$out" | tail -n 1 | tr -dc '0-9')
failed=$(grep -E '^ *[0-9]+ fail$' "$out" | tail -n 1 | tr -dc '0-9')
rm -f "$out"
if [ -z "$passed" ] && [ -z "$failed" ]; then
  echo "bun test printed no summary (exit $status)" >&2
  passed=0; failed=1
fi
passed=${passed:-0}; failed=${failed:-0}
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1   # a crash after the summary still fails the run
echo "${passed} passed, ${failed} failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
