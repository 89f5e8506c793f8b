#!/usr/bin/env bash
# Installs what tickgate needs to build and run, on a machine that has only Node.js and npm:
# Bun (pinned, from the npm registry, into .tools/) and the locked dependencies (bun install).
# Prints the path of the bun binary on its last line. Safe to run again: it takes a second then.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUN_VERSION="$(sed -nE 's/.*"packageManager": *"bun@([^"]+)".*/\1/p' "$ROOT/package.json")"
TOOLS="$ROOT/.tools"
BUN="$TOOLS/node_modules/.bin/bun"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

if ! command -v npm >/dev/null; then
  log "npm not found: installing Node.js and npm (apt-get)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

if [ "$("$BUN" --version 2>/dev/null)" != "$BUN_VERSION" ]; then
  log "installing bun $BUN_VERSION from npm into $TOOLS"
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"private":true}' >"$TOOLS/package.json"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >&2
  [ "$("$BUN" --version)" = "$BUN_VERSION" ] || { log "bun $BUN_VERSION did not install"; exit 1; }
fi

(cd "$ROOT" && "$BUN" install --frozen-lockfile >&2)
touch "$ROOT/node_modules/.bootstrapped"   # scripts/bun bootstraps again when bun.lock is newer
echo "$BUN"
