#!/usr/bin/env bash
# The fault and abuse battery (docs/reliability.md): fourteen tests (traces and secrets-at-rest are not faults), each starting its own Keel on a
# free loopback port with a fresh embedded PostgreSQL under .data/reliability-<stamp>-<test>/,
# each printing one line of figures and failing when a target is missed.
#
#   make reliability                        builds, then runs this script (all fourteen, full length)
#   scripts/reliability.sh --short          tenant-isolation, sigkill-under-load, hostile-input,
#                                           restore-drill, traces and secrets-at-rest, short (about two minutes;
#                                           part of `make test`)
#   scripts/reliability.sh sigkill-under-load pool-exhaustion    just those
#   KEEL_BIN=.build/release/keel scripts/reliability.sh           another binary (its
#                                           keel_*.resources directories must sit next to it)
#
# Knobs (environment): KEEL_BIN; RELIABILITY_SEED (the random choices of sigkill-under-load,
# login-abuse and webhook-kill); RELIABILITY_KEEP_DATA=1 (keep each test's database); SIGKILL_KILLS,
# SIGKILL_CLIENTS (sigkill-under-load); CRASH_CHARGE_TENANTS (crash-between-charge-and-save);
# WEBHOOK_KILL_MESSAGES, WEBHOOK_KILL_WAIT_SECONDS (webhook-kill).
# Each test's progress and server log stay in its run directory; the figure lines are also
# collected in .data/reliability-<stamp>.txt.
#
# Needs: python3 (with pip, for Hypothesis, for localstripe when crash-between-charge-and-save
# runs and for standardwebhooks when webhook-kill runs), PostgreSQL's server package (installed by
# scripts/install-deps.sh; psql and pg_ctl come with it), coreutils `timeout`, util-linux
# `runuser`. crash-between-charge-and-save needs a debug build (its failpoint,
# KEEL_DEBUG_FAILPOINTS, does nothing in a release build).
# Runs as root or as an ordinary user; as root the embedded cluster runs as `postgres`.
set -euo pipefail

if [ -n "${KEEL_BIN:-}" ] && [ -e "$KEEL_BIN" ]; then KEEL_BIN=$(readlink -f "$KEEL_BIN"); fi
cd "$(dirname "$0")/.."
REPO=$(pwd)
export KEEL_BIN=${KEEL_BIN:-$REPO/.build/debug/keel}
export PYTHONDONTWRITEBYTECODE=1   # keep the checkout clean

short=0
selected=()
for arg in "$@"; do
  case "$arg" in
    --short) short=1 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) selected+=("$arg") ;;
  esac
done

if [ ! -x "$KEEL_BIN" ]; then
  echo "error: $KEEL_BIN not found; run 'make build' first (or use 'make reliability')" >&2
  exit 2
fi
for tool in python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed" >&2; exit 2; }
done
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  echo "error: PostgreSQL is not installed; run scripts/install-deps.sh (or 'make deps')" >&2
  exit 2
fi

# --- HAProxy (the balancer of two-instances), from Debian, only when that test runs -------------
if { [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " == *" two-instances "* ]]; } \
   || { [ ${#selected[@]} -eq 0 ] && [ "$short" = 0 ]; }; then
  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || apt-get install -y haproxy >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y haproxy >/dev/null; }
fi

# --- Hypothesis, localstripe and standardwebhooks, from PyPI, at the pinned versions --------------
pip_install() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get install -y python3-pip >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-pip >/dev/null; }
  fi
  echo "Installing $(grep -v '^#' "$1" | tr '\n' ' ')"
  # Debian's own python3 is "externally managed" (PEP 668): there pip needs to be told.
  python3 -m pip install --quiet --disable-pip-version-check -r "$1" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r "$1"
}
REQUIREMENTS=reliability/requirements.txt
want=$(sed -n 's/^hypothesis==//p' "$REQUIREMENTS")
have=$(python3 -c 'import hypothesis; print(hypothesis.__version__)' 2>/dev/null || true)
if [ "$have" != "$want" ]; then pip_install "$REQUIREMENTS"; fi
# localstripe (the fake Stripe of the billing tests) only when crash-between-charge-and-save runs:
# named, or a full run without names (it is not in the short set).
if { [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " == *" crash-between-charge-and-save "* ]]; } \
   || { [ ${#selected[@]} -eq 0 ] && [ "$short" = 0 ]; }; then
  python3 -c 'import localstripe' 2>/dev/null || pip_install Tests/Support/localstripe/requirements.txt
fi
# aiosmtpd (the SMTP peer of secrets-at-rest), which the Swift tests install too.
python3 -c 'import aiosmtpd' 2>/dev/null || pip_install Tests/NotificationsTests/Support/requirements.txt
# standardwebhooks (the receiver's signature check) only when webhook-kill runs, the same way.
if { [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " == *" webhook-kill "* ]]; } \
   || { [ ${#selected[@]} -eq 0 ] && [ "$short" = 0 ]; }; then
  python3 -c 'import standardwebhooks' 2>/dev/null || pip_install Tests/Support/webhooks/requirements.txt
fi

# --- The tests: name, file, time limit (full, short) ---------------------------------------------
# The limits are generous ceilings, not expectations (docs/reliability.md has the real durations):
# a test that hangs is stopped, its server with it, and counts as failed.
all_tests=(
  "tenant-isolation               test_tenant_isolation.py   900 240"
  "sigkill-under-load             test_sigkill.py            600 240"
  "sigterm-drain                  test_sigterm_drain.py      240 240"
  "postgres-restart               test_postgres_restart.py   480 480"
  "pool-exhaustion                test_pool_exhaustion.py    240 240"
  "hostile-input                  test_hostile_input.py      600 240"
  "login-abuse                    test_login_abuse.py        480 480"
  "crash-between-charge-and-save  test_crash_charge.py       300 240"
  "webhook-kill                   test_webhook_kill.py       600 240"
  "two-instances                  test_two_instances.py     1500 600"
  "restore-drill                  test_restore_drill.py      300 240"
  "traces                         test_traces.py             120 120"
  "secrets-at-rest                test_secrets_at_rest.py    180 180"
  "failover                       test_failover.py           420 420"
)
short_set=" tenant-isolation sigkill-under-load hostile-input restore-drill traces secrets-at-rest "

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p .data
summary=".data/reliability-$stamp.txt"
{
  echo "# scripts/reliability.sh $*"
  echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), KEEL_BIN=$KEEL_BIN"
} >"$summary"
cat "$summary"

failed=()
ran=0
for line in "${all_tests[@]}"; do
  read -r name file full_limit short_limit <<<"$line"
  if [ ${#selected[@]} -gt 0 ]; then
    [[ " ${selected[*]} " == *" $name "* ]] || continue
  elif [ "$short" = 1 ]; then
    [[ "$short_set" == *" $name "* ]] || continue
  fi
  limit=$full_limit
  args=()
  if [ "$short" = 1 ]; then limit=$short_limit; args=(--short); fi
  log=".data/reliability-$stamp-$name.log"
  echo "--- $name ($([ "$short" = 1 ] && echo short || echo full); at most ${limit} s; progress in $log)"
  started=$(date +%s)
  status=0
  # SIGTERM at the limit (the test then stops its server), SIGKILL 20 s later if need be.
  timeout -k 20 "$limit" python3 "reliability/$file" "${args[@]}" >"$log.out" 2>"$log" || status=$?
  ran=$((ran + 1))
  figures=$(grep '^FIGURES ' "$log.out" || true)
  rm -f "$log.out"
  if [ -n "$figures" ]; then
    echo "$figures" | tee -a "$summary"
  else
    echo "FIGURES $name: none (exit $status$([ "$status" = 124 ] && echo ", stopped at the ${limit} s limit"))" | tee -a "$summary"
  fi
  if [ "$status" != 0 ]; then
    failed+=("$name")
    echo "    $name FAILED (exit $status, $(( $(date +%s) - started )) s); the end of its log:"
    tail -n 25 "$log" | sed 's/^/    | /'
  else
    echo "    $name passed in $(( $(date +%s) - started )) s"
  fi
done

if [ "$ran" = 0 ]; then echo "error: no test matched: ${selected[*]}" >&2; exit 2; fi
echo "Figure lines: $summary"
if [ ${#failed[@]} -gt 0 ]; then
  echo "Reliability: FAILED (${failed[*]})"
  exit 1
fi
echo "Reliability: PASSED"
