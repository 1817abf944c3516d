#!/usr/bin/env bash
# The frontend suite: the OpenAPI schemas still match the services, type check, lint (ESLint), component
# tests (Vitest), then end-to-end tests in Debian's Chromium against the real services (node:test +
# playwright-core).
# Usage: frontend/scripts/test.sh REPORT_DIR   (JUnit XML files land there)
set -uo pipefail
cd "$(dirname "$0")/.."
REPORTS="${1:-../artifacts/test-reports}"
mkdir -p "$REPORTS"
log() { printf '\033[1m[har]\033[0m %s\n' "$*" >&2; }
status=0

log "frontend: OpenAPI schemas against the services' code"
node scripts/openapi-types.mjs --check || { log "frontend: saved OpenAPI schemas are out of date (npm run openapi:types)"; status=1; }

log "frontend: type check"
npx tsc --noEmit || status=1

log "frontend: lint (eslint, Next.js rules)"
npm run --silent lint || status=1

log "frontend: component tests (vitest)"
npx vitest run --reporter=default --reporter=junit --outputFile.junit="$REPORTS/frontend-unit.xml" || status=1

if [ ! -x "${HAR_CHROMIUM:-/usr/bin/chromium}" ]; then
  log "frontend: installing chromium from Debian's packages"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q chromium >/dev/null; } || status=1
fi
command -v ffmpeg >/dev/null || log "frontend: no ffmpeg; the fake camera video is made with PyAV from the pose-single environment"

log "frontend: end-to-end tests (chromium)"
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$REPORTS/frontend-e2e.xml" e2e/app.test.mjs || status=1
exit $status
