# Shared helpers of the setup, run and test scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENVS="${HAR_VENVS:-$ROOT/.venvs}"
CACHE="${HAR_CACHE:-$ROOT/.cache}"
PYTHON="${HAR_PYTHON:-python3}"
export HAR_SHARED_DIR="${HAR_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}"

log() { printf '\033[1m[har]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[har] error:\033[0m %s\n' "$*" >&2; exit 1; }

# uv installs in seconds what pip takes minutes for; it is bootstrapped into its own venv.
ensure_uv() {
  if [ -x "$VENVS/tools/bin/uv" ]; then UV="$VENVS/tools/bin/uv"; return; fi
  log "bootstrapping uv into $VENVS/tools"
  mkdir -p "$VENVS"
  "$PYTHON" -m venv "$VENVS/tools"
  "$VENVS/tools/bin/python" -m pip install -q uv==0.13.8
  UV="$VENVS/tools/bin/uv"
}

# make_env NAME REQUIREMENT_FILE... [-- EDITABLE_DIR...]
# Creates $VENVS/NAME with the pinned requirements, the shared package and the given packages,
# editable. Skips everything when the inputs have not changed since the last run (a stamp file).
make_env() {
  local name="$1"; shift
  local reqs=() editables=("$ROOT/services/common") seen_sep=0
  for arg in "$@"; do
    if [ "$arg" = "--" ]; then seen_sep=1; continue; fi
    if [ $seen_sep = 0 ]; then reqs+=("$arg"); else editables+=("$arg"); fi
  done
  local env="$VENVS/$name"
  local stamp
  stamp="$(cat "${reqs[@]}" "$ROOT/tests/requirements.txt" $(for e in "${editables[@]}"; do echo "$e/pyproject.toml"; done) 2>/dev/null | sha256sum | cut -c1-16)"
  if [ -f "$env/.har-stamp" ] && [ "$(cat "$env/.har-stamp")" = "$stamp" ]; then
    return 0
  fi
  ensure_uv
  log "creating environment $name"
  rm -rf "$env"
  "$UV" venv -q --seed --python "$PYTHON" "$env"
  local args=()
  for r in "${reqs[@]}"; do args+=(-r "$r"); done
  args+=(-r "$ROOT/tests/requirements.txt")
  for e in "${editables[@]}"; do args+=(-e "$e"); done
  VIRTUAL_ENV="$env" "$UV" pip install -q "${args[@]}"
  echo "$stamp" > "$env/.har-stamp"
}

# ensure_apt BINARY PACKAGE: installs a Debian package when its binary is missing (CI starts bare).
ensure_apt() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2 from Debian's packages"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q "$2" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q "$2" >/dev/null; }
}
