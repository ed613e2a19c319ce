#!/usr/bin/env bash
# Browser test: the staff console (/admin) in a real headless Chromium, driven by Selenium
# (Tests/Browser/admin_browser_test.py). Writes the console's screenshots to docs/screenshots/.
#
#   make browser-test                            builds, then runs this script
#   KEEL_BIN=/path/to/keel scripts/browser-test.sh   tests another binary (its keel_*.resources
#                                                   directories must sit next to it)
#
# What it does:
#   1. installs Chromium, chromedriver, Selenium and pyotp when missing
#      (scripts/install-browser-deps.sh), and localstripe at its pin
#      (Tests/Support/localstripe/requirements.txt);
#   2. starts localstripe, the fake but stateful Stripe the billing tests use
#      (Tests/Support/localstripe/localstripe_server.py), on a free loopback port. Its stdin is
#      a fifo this script holds open, so it ends with the script even if the trap cannot run;
#   3. starts `keel serve --migrate` on a free loopback port with a fresh embedded PostgreSQL
#      under .data/browser-<stamp>/ (gitignored), rate limits off, collecting invoices through
#      localstripe (KEEL_STRIPE_*) with the billing scheduler every second, and registers the
#      server's webhook endpoint with localstripe;
#   4. runs the Python test against http://localhost:<port>, in the server's environment, so
#      the `keel staff create` it runs and the SQL it sends reach the same database, with
#      LOCALSTRIPE_URL set (it makes a test card there);
#   5. stops the server (SIGTERM, which also stops its PostgreSQL), then localstripe, whatever
#      happens.
# Exits non-zero when a step fails or the server or localstripe cannot be started.
#
# Knobs (environment): KEEL_BIN, BROWSER_KEEP_DATA=1 (keep the database afterwards),
# KEEL_SCREENSHOTS (where the screenshots go; default docs/screenshots).
# The server log, localstripe's log, and the screenshot and HTML of any failing step, stay in
# the run directory printed at the end; `make clean-data` removes them with the rest of .data/.
set -euo pipefail

# A KEEL_BIN given relative to the caller's directory must survive the cd below.
if [ -n "${KEEL_BIN:-}" ] && [ -e "$KEEL_BIN" ]; then KEEL_BIN=$(readlink -f "$KEEL_BIN"); fi
# From the repository root, so the server finds migrations/, Templates/ and Public/.
cd "$(dirname "$0")/.."
REPO=$(pwd)

KEEL_BIN=${KEEL_BIN:-.build/debug/keel}
if [ ! -x "$KEEL_BIN" ]; then
  echo "error: $KEEL_BIN not found; run 'make build' first (or use 'make browser-test')" >&2
  exit 2
fi
KEEL_BIN=$(readlink -f "$KEEL_BIN")
for tool in curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed" >&2; exit 2; }
done

# --- Chromium, chromedriver, Selenium, pyotp; localstripe -----------------------------------------
scripts/install-browser-deps.sh
# (As scripts/install-test-deps.sh does it, without that script's PDF and SMTP tools.)
if ! python3 -c 'import localstripe' 2>/dev/null; then
  echo "Installing localstripe (Tests/Support/localstripe/requirements.txt)"
  python3 -m pip install --quiet --disable-pip-version-check -r Tests/Support/localstripe/requirements.txt \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
         -r Tests/Support/localstripe/requirements.txt
fi

# --- A private run directory and a free port ---------------------------------------------------
# Fresh data every run, so nothing an earlier run (or `make run`) created can mask or cause a
# failure. Kept short so PostgreSQL's socket path inside it stays under the 107-byte limit (the
# server would otherwise move the cluster to /var/tmp).
RUN_DIR="$REPO/.data/browser-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN_DIR"
# Ask the kernel for a free port instead of guessing, so this can run beside `make run`.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The server listens on 127.0.0.1, but the browser must say `localhost`: Chromium counts
# http://localhost as a secure context and keeps the console's __Host- (Secure) cookie there.
BASE="http://localhost:$PORT"
SERVER_LOG="$RUN_DIR/server.log"

SERVER_PID=""
STRIPE_PID=""
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
  # localstripe after the server (which may still be talking to it). Closing the fifo's write
  # end is enough (it stops at EOF on stdin); SIGTERM too, in case something else holds it.
  exec 7>&- 2>/dev/null || true
  if [ -n "$STRIPE_PID" ] && kill -0 "$STRIPE_PID" 2>/dev/null; then
    kill -TERM "$STRIPE_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$STRIPE_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$STRIPE_PID" 2>/dev/null || true
    wait "$STRIPE_PID" 2>/dev/null || true
  fi
  # The database is only a means to an end; keep the log and any failure evidence, drop the cluster.
  if [ "${BROWSER_KEEP_DATA:-0}" != 1 ]; then rm -rf "$RUN_DIR/postgres" "$RUN_DIR/run"; fi
  rm -f "$RUN_DIR/localstripe.stdin"
  exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# --- localstripe ---------------------------------------------------------------------------------
# It runs until its stdin reaches EOF: give it a fifo whose only write end is this script's fd 7
# (every child below is started with 7>&- so none keeps it open). If this script dies, the
# kernel closes fd 7 and localstripe exits by itself.
STRIPE_LOG="$RUN_DIR/localstripe.log"
STRIPE_OUT="$RUN_DIR/localstripe.out"
STRIPE_FIFO="$RUN_DIR/localstripe.stdin"
mkfifo "$STRIPE_FIFO"
python3 "$REPO/Tests/Support/localstripe/localstripe_server.py" --port 0 \
  <"$STRIPE_FIFO" >"$STRIPE_OUT" 2>"$STRIPE_LOG" &
STRIPE_PID=$!
exec 7>"$STRIPE_FIFO"   # opens once localstripe's shell has opened the read end
STRIPE_PORT=""
for i in $(seq 1 120); do
  if ! kill -0 "$STRIPE_PID" 2>/dev/null; then
    echo "error: localstripe exited during start-up; its log:" >&2
    tail -n 40 "$STRIPE_LOG" >&2
    exit 1
  fi
  STRIPE_PORT=$(sed -n 's/^READY \([0-9][0-9]*\)$/\1/p' "$STRIPE_OUT" | head -n 1)
  [ -n "$STRIPE_PORT" ] && break
  if [ "$i" = 120 ]; then echo "error: localstripe printed no READY line in 30 s" >&2; tail -n 40 "$STRIPE_LOG" >&2; exit 1; fi
  sleep 0.25
done
STRIPE_URL="http://127.0.0.1:$STRIPE_PORT"
STRIPE_KEY=sk_test_keel
WEBHOOK_SECRET=whsec_browser_test

# --- The server's environment, shared with the test ---------------------------------------------
# Exported rather than given to the server alone: the test runs `keel staff create`, which must
# find the same embedded cluster (KEEL_DATA_DIR; it joins the running one instead of starting
# its own). Rate limits off: the test signs in several times and signs up two tenants from one
# address within a minute. KEEL_PUBLIC_URL is the address the browser uses.
export KEEL_DATA_DIR="$RUN_DIR" KEEL_HOST=127.0.0.1 KEEL_PORT="$PORT" KEEL_LOG_FORMAT=text
export KEEL_RATE_LIMIT_LOGIN_ADDRESS=0 KEEL_RATE_LIMIT_LOGIN_ACCOUNT=0
export KEEL_RATE_LIMIT_CREDENTIAL=0 KEEL_RATE_LIMIT_TENANT=0
export KEEL_MIGRATIONS_DIR="$REPO/migrations" KEEL_PUBLIC_URL="$BASE"
# Payments through localstripe; the scheduler every second, so a trial the test ends by SQL is
# invoiced and charged within moments. A short provider timeout: localstripe answers at once.
export KEEL_STRIPE_API_KEY="$STRIPE_KEY" KEEL_STRIPE_API_BASE="$STRIPE_URL"
export KEEL_STRIPE_WEBHOOK_SECRET="$WEBHOOK_SECRET" KEEL_STRIPE_TIMEOUT_SECONDS=5
export KEEL_BILLING_SCHEDULER_SECONDS=1

# --- Start Keel ---------------------------------------------------------------------------------
echo "Starting $KEEL_BIN on $BASE (data in $RUN_DIR; log in $SERVER_LOG)"
"$KEEL_BIN" serve --migrate >"$SERVER_LOG" 2>&1 7>&- &
SERVER_PID=$!

# The first start creates a PostgreSQL cluster and migrates it, which takes a while.
# /readyz, not /healthz: the test needs the migrations applied, not just a live process.
for i in $(seq 1 120); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "error: the server exited during start-up; its log:" >&2
    tail -n 40 "$SERVER_LOG" >&2
    exit 1
  fi
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && break
  if [ "$i" = 120 ]; then echo "error: /readyz not 200 after 60 s" >&2; tail -n 40 "$SERVER_LOG" >&2; exit 1; fi
  sleep 0.5
done

# localstripe signs its webhooks with the secret the server verifies them with.
if ! curl -fsS -o /dev/null -X POST "$STRIPE_URL/_config/webhooks/keel" \
     --data-urlencode "url=http://127.0.0.1:$PORT/v1/billing/webhooks/stripe" \
     --data-urlencode "secret=$WEBHOOK_SECRET" 7>&-; then
  echo "error: could not register the webhook endpoint with localstripe ($STRIPE_URL)" >&2
  exit 1
fi

# --- The browser test ----------------------------------------------------------------------------
status=0
KEEL_URL="$BASE" KEEL_BIN="$KEEL_BIN" KEEL_ARTIFACTS_DIR="$RUN_DIR" \
  LOCALSTRIPE_URL="$STRIPE_URL" LOCALSTRIPE_KEY="$STRIPE_KEY" \
  python3 "$REPO/Tests/Browser/admin_browser_test.py" 7>&- || status=$?

echo "Server log and any failure evidence: $RUN_DIR"
if [ "$status" = 0 ]; then echo "Browser test: PASSED"; else echo "Browser test: FAILED"; fi
exit "$status"
