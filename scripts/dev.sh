#!/usr/bin/env bash
# One command from a fresh clone to a running tickgate on :8080 against the local stack.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUN="$(bash "$ROOT/scripts/bootstrap.sh")"
bash "$ROOT/scripts/stack.sh" up
cd "$ROOT"
exec "$BUN" src/main.ts
