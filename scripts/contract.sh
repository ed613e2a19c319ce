#!/usr/bin/env bash
# Contract test: runs Schemathesis against the OpenAPI spec that a freshly started Keel serves
# (GET /v1/openapi.yaml), so the server is checked against the very contract it publishes.
#
#   make contract                           builds, then runs this script
#   KEEL_BIN=/path/to/keel scripts/contract.sh   tests another binary (its keel_*.resources
#                                                directories must sit next to it)
#
# What it does:
#   1. starts `keel serve --migrate` on a free loopback port with a fresh embedded PostgreSQL
#      under .data/contract-<stamp>/ (gitignored), rate limits off;
#   2. signs up a throw-away tenant and logs in with curl, for a bearer token;
#   3. runs Schemathesis with every check and that token, a bounded number of examples;
#   4. stops the server (SIGTERM, which also stops its PostgreSQL) whatever happens.
# Exits non-zero when Schemathesis finds any failure or the server cannot be started.
#
# Knobs (environment): KEEL_BIN, CONTRACT_MAX_EXAMPLES (per operation, default 100),
# CONTRACT_SEED (reproduce a run), CONTRACT_WORKERS (default 1), CONTRACT_KEEP_DATA=1 (keep the
# database afterwards), CONTRACT_ST_ARGS (more `schemathesis run` options for both runs, split on
# spaces; e.g. "--output-sanitize false" to see the real Idempotency-Key and password values).
# Reports (JUnit XML, HAR of every request, a JSON run report) and the server log stay in the run
# directory printed at the end; `make clean-data` removes them with the rest of .data/.
set -euo pipefail

# A KEEL_BIN given relative to the caller's directory must survive the cd below.
if [ -n "${KEEL_BIN:-}" ] && [ -e "$KEEL_BIN" ]; then KEEL_BIN=$(readlink -f "$KEEL_BIN"); fi
# From the repository root, so the server finds migrations/ and Templates/.
cd "$(dirname "$0")/.."
REPO=$(pwd)

# The version this script was written and checked against; the CLI changed a lot between
# Schemathesis 3 and 4, so pin it (scripts/contract-requirements.txt says the same).
SCHEMATHESIS_VERSION=4.32.5
KEEL_BIN=${KEEL_BIN:-.build/debug/keel}
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-100}
WORKERS=${CONTRACT_WORKERS:-1}

if [ ! -x "$KEEL_BIN" ]; then
  echo "error: $KEEL_BIN not found; run 'make build' first (or use 'make contract')" >&2
  exit 2
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed" >&2; exit 2; }
done

# --- Schemathesis, installed from PyPI when missing or at another version ---------------------
if [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  # A machine with python3 but no pip (a bare Debian) gets Debian's.
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get install -y python3-pip >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-pip >/dev/null; }
  fi
  echo "Installing schemathesis==$SCHEMATHESIS_VERSION"
  # Debian's own python3 is "externally managed" (PEP 668): there pip needs to be told.
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "schemathesis==$SCHEMATHESIS_VERSION"
fi
ST=$(command -v schemathesis)

# --- A private run directory and a free port ---------------------------------------------------
# Fresh data every run, so nothing an earlier run (or `make run`) created can mask or cause a
# failure. Kept short so PostgreSQL's socket path inside it stays under the 107-byte limit (the
# server would otherwise move the cluster to /var/tmp).
RUN_DIR="$REPO/.data/contract-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN_DIR/report"
# Ask the kernel for a free port instead of guessing, so this can run beside `make run`.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER_LOG="$RUN_DIR/server.log"

SERVER_PID=""
stop_server() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    # SIGTERM, not SIGKILL: the server then stops its embedded PostgreSQL itself. Wait for it,
    # or the cluster would outlive us.
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "warning: server $SERVER_PID still running 30 s after SIGTERM; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  # The database is only a means to an end; keep the logs and reports, drop the cluster.
  if [ "${CONTRACT_KEEP_DATA:-0}" != 1 ]; then rm -rf "$RUN_DIR/postgres" "$RUN_DIR/run"; fi
  exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# --- Start Keel ---------------------------------------------------------------------------------
# Rate limits off: Schemathesis sends hundreds of logins and signups from one address in a minute,
# and 429s would hide what the endpoints really do.
echo "Starting $KEEL_BIN on $BASE (data in $RUN_DIR; log in $SERVER_LOG)"
KEEL_DATA_DIR="$RUN_DIR" KEEL_HOST=127.0.0.1 KEEL_PORT="$PORT" KEEL_LOG_FORMAT=text \
  KEEL_RATE_LIMIT_LOGIN_ADDRESS=0 KEEL_RATE_LIMIT_LOGIN_ACCOUNT=0 \
  KEEL_RATE_LIMIT_CREDENTIAL=0 KEEL_RATE_LIMIT_TENANT=0 \
  KEEL_MIGRATIONS_DIR="$REPO/migrations" \
  "$KEEL_BIN" serve --migrate >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

# The first start creates a PostgreSQL cluster and migrates it, which takes a while.
for i in $(seq 1 120); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "error: the server exited during start-up; its log:" >&2
    tail -n 40 "$SERVER_LOG" >&2
    exit 1
  fi
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && break
  if [ "$i" = 120 ]; then echo "error: /healthz not 200 after 60 s" >&2; tail -n 40 "$SERVER_LOG" >&2; exit 1; fi
  sleep 0.5
done

# --- A tenant and two sessions -------------------------------------------------------------------
# A unique slug (^[a-z][a-z0-9-]*[a-z0-9]$, 3-40 chars) so reruns against a kept database work too,
# and a password that is long and not among the common ones the server refuses.
SLUG="contract-$(date +%s)-$RANDOM"
EMAIL="owner@$SLUG.example"
PASSWORD="keel-contract-$RANDOM-$RANDOM-$(date +%s)"

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

signup_status=$(curl -s -o "$RUN_DIR/signup.json" -w '%{http_code}' -X POST "$BASE/v1/signup" \
  -H 'Content-Type: application/json' \
  -d "{\"tenant\":{\"slug\":\"$SLUG\",\"name\":\"Contract test\"},\"owner\":{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Contract Owner\"}}")
if [ "$signup_status" != 201 ]; then
  echo "error: signup answered $signup_status: $(cat "$RUN_DIR/signup.json")" >&2; exit 1
fi

login() {
  local out="$RUN_DIR/session-$1.json" status
  status=$(curl -s -o "$out" -w '%{http_code}' -X POST "$BASE/v1/sessions" \
    -H 'Content-Type: application/json' \
    -d "{\"tenant\":\"$SLUG\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
  if [ "$status" != 201 ]; then echo "error: login answered $status: $(cat "$out")" >&2; return 1; fi
  json_field token <"$out"
}
# One token for the main run and a separate one for the log-out operation (see below).
TOKEN=$(login main)
LOGOUT_TOKEN=$(login logout)
echo "Tenant $SLUG created; logged in as $EMAIL (owner)"

# --- Schemathesis --------------------------------------------------------------------------------
# --checks all: server errors, status code, content type, response headers and response schema
#   conformance, negative data rejection, positive data acceptance, ignored auth, use after free...
# --max-examples bounds each operation so the run takes minutes, not hours.
# --continue-on-failure: by default Schemathesis stops an operation at its first failure; we want
#   every distinct failure in one run, not one per run.
# --workers 1 by default: the server hashes passwords on one thread with a short queue, and
#   parallel signups/logins would only measure that queue.
# The token goes in as a header; Schemathesis still sends requests without it for `ignored_auth`.
common=(
  --url "$BASE/v1"
  --checks all
  --continue-on-failure
  --max-examples "$MAX_EXAMPLES"
  --workers "$WORKERS"
  --request-timeout 30
  --generation-database none
  --no-color
)
[ -n "${CONTRACT_SEED:-}" ] && common+=(--seed "$CONTRACT_SEED")
# shellcheck disable=SC2206  # split on spaces on purpose
[ -n "${CONTRACT_ST_ARGS:-}" ] && common+=($CONTRACT_ST_ARGS)

status=0

# Run 1: every operation except DELETE /sessions/current. Log-out would end the shared token at
# its first call and turn every later authenticated request into a 401, so nothing behind auth
# would be tested any more.
echo
echo "=== Schemathesis run 1/2: all operations except DELETE /sessions/current ==="
"$ST" --config-file "$REPO/scripts/schemathesis.toml" run "$BASE/v1/openapi.yaml" "${common[@]}" \
  -H "Authorization: Bearer $TOKEN" \
  --exclude-operation-id deleteCurrentSession --exclude-operation-id deleteSession \
  --report junit,har,json --report-junit-path "$RUN_DIR/report/main.junit.xml" \
  --report-har-path "$RUN_DIR/report/main.har.json" --report-json-path "$RUN_DIR/report/main.json" \
  || status=1

# Still logged in? If not, something in run 1 (a PATCH or DELETE of the owner, say) ended the
# session and the authenticated part of the run tested only 401s: say so, loudly.
me_status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/v1/me")
if [ "$me_status" != 200 ]; then
  echo "warning: GET /v1/me with the run-1 token answered $me_status after the run: the session" \
       "ended during the run, so part of it tested only unauthenticated responses" >&2
  status=1
fi

# Run 2: ending sessions (log-out, and ending one by id: the stateful link from the session list
# would end run 1's own session), with its own token. Its first call ends that session; the later calls
# check that the server then answers a conforming 401 problem document. No stateful phase: the
# links in the spec all start from operations this run leaves out.
echo
echo "=== Schemathesis run 2/2: DELETE /sessions/current (own token) ==="
"$ST" --config-file "$REPO/scripts/schemathesis.toml" run "$BASE/v1/openapi.yaml" "${common[@]}" \
  -H "Authorization: Bearer $LOGOUT_TOKEN" \
  --include-operation-id deleteCurrentSession --include-operation-id deleteSession \
  --phases examples,coverage,fuzzing \
  --report junit,har,json --report-junit-path "$RUN_DIR/report/logout.junit.xml" \
  --report-har-path "$RUN_DIR/report/logout.har.json" --report-json-path "$RUN_DIR/report/logout.json" \
  || status=1

# --- Summary -------------------------------------------------------------------------------------
# Both runs added up, from Schemathesis's JSON run reports, so the numbers are in one place.
echo
python3 - "$RUN_DIR/report/main.json" "$RUN_DIR/report/logout.json" <<'EOF'
import json, sys
ops = cases = failing_cases = unique = errors = 0
kinds = {}
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"(no run report at {path}: {e})")
        errors += 1
        continue
    ops += r["operations"]["tested"]
    cases += r["test_cases"]["generated"]
    failing_cases += r["test_cases"]["with_failures"]
    unique += r["test_cases"]["unique_failures"]
    errors += r["test_cases"]["errored"] + len(r["errors"])
    for f in r["failures"]:
        k = kinds.setdefault((f["code"], f["title"]), [0, set()])
        k[0] += f["count"]
        k[1].update(f["operations"])
print("=== Contract summary (both runs) ===")
print(f"Operations tested: {ops}")
print(f"Test cases:        {cases} generated, {failing_cases} with failures")
print(f"Failures:          {unique} unique; errors: {errors}")
for (code, title), (count, operations) in sorted(kinds.items()):
    print(f"  {code} {title}: {count}  ({', '.join(sorted(operations))})")
EOF
echo "Reports and server log: $RUN_DIR"
if [ "$status" = 0 ]; then echo "Contract: PASSED"; else echo "Contract: FAILED"; fi
exit "$status"
