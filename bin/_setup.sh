# Shared by bin/run and bin/test: a Python 3.11 virtual environment with the locked dependencies.
# Sourced, not run. Re-installs only when the lockfile changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or 3.12 is required (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

setup_venv() {  # $1: which lockfile, "base" (bin/run) or "test" (bin/test)
  local lock="requirements/${1:-base}.lock"
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  # The exact versions and hashes of requirements/*.lock (refreshed by bin/lock), never the
  # ranges of pyproject.toml: two fresh machines install the same files, or fail.
  local stamp=".venv/.installed-${1:-base}"
  local want
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> Installing Python dependencies from $lock"
    .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r "$lock"
    echo "$want" > "$stamp"
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
}
