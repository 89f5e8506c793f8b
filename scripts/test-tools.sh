#!/usr/bin/env bash
# The outside tools some tests run against a live tickgate, none of them written here:
#   promtool     checks deploy/prometheus/alerts.yml   (Debian's prometheus package, unpacked into
#                .tools/prometheus: installing the package would start a Prometheus server)
#   chromium     opens GET /status headless             (Debian's chromium)
#   schemathesis checks GET /openapi/json               (PyPI, pinned, in the venv .tools/py)
# Safe to run again: it takes a moment when everything is there. Prints nothing on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
SCHEMATHESIS_VERSION="4.32.5"

log() { printf '[test-tools] %s\n' "$*" >&2; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_updated=""
apt() {
  [ -n "$apt_updated" ] || { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; apt_updated=1; }
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

mkdir -p "$TOOLS"
if [ ! -x "$TOOLS/prometheus/usr/bin/promtool" ]; then
  log "promtool: unpacking Debian's prometheus package into $TOOLS/prometheus"
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt download prometheus >/dev/null 2>&1 || { apt_updated=""; apt download prometheus >/dev/null; })
  dpkg-deb -x "$tmp"/prometheus_*.deb "$TOOLS/prometheus"
  rm -rf "$tmp"
fi

if ! command -v chromium >/dev/null; then
  log "chromium: apt-get install chromium"
  apt install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
# Its first start on a machine is slow (caches; ~15 s here): pay it now, not inside a test's bound.
profile="$(mktemp -d)"
timeout 120 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$profile" --dump-dom about:blank >/dev/null 2>&1 || log "chromium did not start (the status page test will say why)"
rm -rf "$profile"

if [ "$("$TOOLS/py/bin/schemathesis" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)" != "$SCHEMATHESIS_VERSION" ]; then
  log "schemathesis $SCHEMATHESIS_VERSION: pip into $TOOLS/py"
  python3 -m venv "$TOOLS/py" 2>/dev/null || { apt install -y -qq python3-venv >/dev/null; python3 -m venv "$TOOLS/py"; }
  "$TOOLS/py/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
