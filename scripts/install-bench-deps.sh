#!/usr/bin/env bash
# Installs what `make bench` (scripts/bench.sh) needs beyond the build, when it is missing:
#   Debian: wrk (throughput), hey (fixed-rate latency), argon2 (the raw hashing rate for S4),
#           libjemalloc2 (the LD_PRELOAD trial), pgbench/psql (with postgresql, from install-deps.sh),
#           linux-perf (profiles of missed targets);
#   PyPI:   the peer (FastAPI + uvicorn + asyncpg, bench/peer/requirements.txt) in its own virtual
#           environment, bench/peer/.venv, so nothing installed system-wide changes version.
# Idempotent; quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=bench/peer/requirements.txt
VENV=bench/peer/.venv

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v hey >/dev/null 2>&1 || missing+=(hey)
command -v argon2 >/dev/null 2>&1 || missing+=(argon2)
command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-client)
command -v perf >/dev/null 2>&1 || missing+=(linux-perf)
ls /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/*/libjemalloc.so.2 >/dev/null 2>&1 || missing+=(libjemalloc2)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
  else echo "error: not root and no sudo; install them yourself: apt-get install -y ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Try the lists the machine has first; a fresh machine's are often empty, so update then.
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  echo "Installed: ${missing[*]}"
fi

# The peer's virtual environment, (re)made when the requirements changed since it was filled.
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing the benchmark peer into $VENV: $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" >"$stamp"
fi
