#!/usr/bin/env bash
# Installs the frontend's packages (npm ci) and builds the static export (out/), each only when its
# inputs changed since the last run. Called by `scripts/setup frontend`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[har]\033[0m %s\n' "$*" >&2; }
command -v node >/dev/null || { echo "[har] node (>= 20.9) is needed for the frontend" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=9)?0:1)' \
  || { echo "[har] node $(node -v) is too old for the frontend: >= 20.9 is needed" >&2; exit 1; }
export NEXT_TELEMETRY_DISABLED=1

deps_stamp="$(sha256sum package-lock.json | cut -c1-16)"
if [ "$(cat node_modules/.har-stamp 2>/dev/null)" != "$deps_stamp" ]; then
  log "frontend: installing packages (npm ci)"
  # The registry here has no macOS/Windows builds of next's and rollup's optional binaries, so the
  # lock file lists only Linux ones and npm ci refuses it; npm install honours the same lock file.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
  echo "$deps_stamp" > node_modules/.har-stamp
fi

build_stamp="$( (echo "$deps_stamp"; find app components lib next.config.mjs tsconfig.json $([ -d public ] && echo public) -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)"
if [ "$(cat out/.har-stamp 2>/dev/null)" != "$build_stamp" ] || [ ! -f out/index.html ]; then
  log "frontend: next build (static export to frontend/out)"
  npx next build >/tmp/har-frontend-build.log 2>&1 || { tail -40 /tmp/har-frontend-build.log >&2; exit 1; }
  echo "$build_stamp" > out/.har-stamp
fi
