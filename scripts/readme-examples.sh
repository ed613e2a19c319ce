#!/usr/bin/env bash
# README examples: runs the README's marked shell blocks, as a new user would type them, against
# a freshly started Keel, so the examples cannot rot (issue 14). Part of `make test`.
#
#   scripts/readme-examples.sh                        the built .build/debug/keel, README.md
#   KEEL_BIN=/path/to/keel scripts/readme-examples.sh   another binary (its keel_*.resources
#                                                     directories must sit next to it)
#   README_FILE=/tmp/README.md scripts/readme-examples.sh   another copy of the README
#
# Marking a block: put an HTML comment line naming it (invisible on GitHub) immediately before
# a ```sh fence:
#
#     <!-- example: api -->
#     ```sh
#     curl -s localhost:8080/healthz     # {"status":"ok"}
#     ```
#
# Names are [A-Za-z0-9_.-]+ and unique. Unmarked blocks are never run (keep it so for blocks
# that cannot run here: `make run`, placeholders like <id>, SQL, docker). A block that reads
# what the server does in the background (emails go out about a second after the request) is
# marked `<!-- example: NAME retry=N -->`: it is run again, once a second, until it passes or
# N seconds have passed, each attempt in a subshell (its variables do not outlive it). Only
# for blocks that are harmless to repeat.
#
# How a marked block runs:
#   - in README order, each in `bash -euo pipefail`, from the repository root; all blocks run in
#     one shell, so a variable set by one block is still set in the next (retry= blocks aside);
#   - `localhost:8080` becomes the test server's address and `.build/debug/keel` becomes
#     $KEEL_BIN; KEEL_DATA_DIR is exported, so `keel` subcommands reach the server's database;
#   - `curl` is wrapped with --fail-with-body --show-error --max-time 30: an HTTP error status
#     (401, 409, 422, ...) fails the block, although `curl -s` alone would exit 0;
#   - a line ending in a comment that starts with `{` states the output: the line's output must
#     contain that text, where `…` stands for anything (the pieces between must appear in
#     order). `curl -s localhost:8080/healthz  # {"status":"ok"}` checks the body is that;
#     `# {…"email":"ann@acme.test"…}` checks it mentions the address. Not for assignments
#     (`X=$(...)  # {...}` is refused): check the line that prints instead.
# Any failing command fails the block and the script (exit 1), which prints the block's name,
# its README line, what it printed and the end of the server's log. Each passing block prints
# `README example <name>: ok`.
#
# The server runs as `make run` would, except on a free loopback port and a fresh embedded
# PostgreSQL under .data/readme-<stamp>/ (gitignored; removed afterwards; on failure, or with
# README_EXAMPLES_KEEP=1, the logs and each block's output stay there). Nothing else is changed:
# default rate limits, log format, mail transport. README_EXAMPLES_TIMEOUT: seconds for all the
# blocks together (default 300).
#
# Needs: curl (7.76+ for --fail-with-body), python3 (to find a free port), awk, timeout.
set -euo pipefail

# Paths given relative to the caller's directory must survive the cd below.
if [ -n "${KEEL_BIN:-}" ] && [ -e "$KEEL_BIN" ]; then KEEL_BIN=$(readlink -f "$KEEL_BIN"); fi
if [ -n "${README_FILE:-}" ] && [ -e "$README_FILE" ]; then README_FILE=$(readlink -f "$README_FILE"); fi
# From the repository root, where the README's commands are meant to be typed.
cd "$(dirname "$0")/.."
REPO=$(pwd)

KEEL_BIN=${KEEL_BIN:-$REPO/.build/debug/keel}
README_FILE=${README_FILE:-$REPO/README.md}
TIMEOUT=${README_EXAMPLES_TIMEOUT:-300}

if [ ! -x "$KEEL_BIN" ]; then
  echo "error: $KEEL_BIN not found; run 'make build' first" >&2
  exit 2
fi
KEEL_BIN=$(readlink -f "$KEEL_BIN")
[ -r "$README_FILE" ] || { echo "error: $README_FILE not found" >&2; exit 2; }
for tool in curl python3 awk timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed" >&2; exit 2; }
done

# The examples use the embedded cluster; a DATABASE_URL from the caller's environment would
# point the server (and the examples) at some other database.
unset DATABASE_URL MIGRATION_DATABASE_URL KEEL_DATABASE_NAME

# --- A private run directory and a free port ---------------------------------------------------
# Short, so PostgreSQL's socket path inside it stays under the 107-byte limit.
RUN_DIR="$REPO/.data/readme-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN_DIR/blocks"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADDRESS="127.0.0.1:$PORT"
SERVER_LOG="$RUN_DIR/server.log"

SERVER_PID=""
finish() {
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
  # A cluster moved to /var/tmp/keel-<hash> (see the README) leaves a symlink here: remove both.
  local moved
  moved=$(readlink "$RUN_DIR/postgres" 2>/dev/null || true)
  case "$moved" in /var/tmp/keel-*/postgres) rm -rf "$(dirname "$moved")" ;; esac
  if { [ "$status" = 0 ] && [ "${README_EXAMPLES_KEEP:-0}" != 1 ]; } || [ ! -e "$SERVER_LOG" ]; then
    rm -rf "$RUN_DIR"
  else
    rm -rf "$RUN_DIR/postgres" "$RUN_DIR/run"
    echo "Logs: $RUN_DIR" >&2
  fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# --- The marked blocks, as one bash script -------------------------------------------------------
# awk turns README.md into $RUN_DIR/examples.sh: each marked block between `__block` and `__done`,
# with the substitutions and expectation checks described above. Lines keep their count, so a
# line of examples.sh maps back to a line of the README.
RUNNER="$RUN_DIR/examples.sh"
KEEL_QUOTED=$(printf '%q' "$KEEL_BIN")
awk -v address="$ADDRESS" -v keel="$KEEL_QUOTED" -v readme="$README_FILE" '
  function fail(msg) { printf "error: %s:%d: %s\n", readme, NR, msg > "/dev/stderr"; failed = 1; exit 2 }
  # Literal (not regex) replacement of every `from` in `s`.
  function replace(s, from, to,    out, i) {
    out = ""
    while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
    return out s
  }
  function squote(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
  # One logical line (physical lines joined by trailing backslashes), checked when it ends in
  # an expectation comment.
  function flush(    last, pos, expected, i, head) {
    if (nbuf == 0) return
    last = buf[nbuf]
    if (match(last, /[ \t]#[ \t]*\{/)) {
      pos = RSTART
      expected = substr(last, pos); sub(/^[ \t]#[ \t]*/, "", expected); sub(/[ \t]+$/, "", expected)
      buf[nbuf] = substr(last, 1, pos - 1)
      head = buf[1]
      if (head ~ /^[ \t]*[A-Za-z_][A-Za-z0-9_]*=/)
        fail("an expected-output comment on an assignment cannot be checked; put it on a line that prints")
      buf[1] = "__out=$(" buf[1]
      buf[nbuf] = buf[nbuf] "); printf \"%s\\n\" \"$__out\"; __expect \"$__out\" " squote(expected)
    }
    for (i = 1; i <= nbuf; i++) print buf[i]
    nbuf = 0
  }
  {
    line = $0
    if (inblock) {
      if (line ~ /^```[ \t]*$/) {
        if (nbuf > 0) fail("the block ends in a backslash continuation")
        if (retry) print "); if __after_attempt \"$?\"; then break; fi; done"
        print "__done"; inblock = 0; next
      }
      line = replace(line, "localhost:8080", address)
      line = replace(line, ".build/debug/keel", keel)
      buf[++nbuf] = line
      if (line !~ /\\$/) flush()
      next
    }
    if (pending != "") {
      if (line !~ /^```(sh|bash)[ \t]*$/) fail("the example marker for \"" pending "\" must be followed at once by a ```sh fence")
      # One line, so that lines keep their numbers (see __failed).
      if (retry) print "__block " squote(pending) " " (NR + 1) " \"$LINENO\"; while :; do set +e; trap - ERR; __before_attempt " retry "; ( __attempt"
      else print "__block " squote(pending) " " (NR + 1) " \"$LINENO\""
      inblock = 1; pending = ""; blocks++; next
    }
    if (line ~ /^[ \t]*<!-- *example:/) {
      if (line !~ /^<!-- example: [A-Za-z0-9_.-]+( retry=[1-9][0-9]*)? -->[ \t]*$/)
        fail("malformed example marker; write <!-- example: NAME --> or <!-- example: NAME retry=SECONDS -->")
      pending = line; sub(/^<!-- example: /, "", pending); sub(/ -->[ \t]*$/, "", pending)
      retry = 0
      if (pending ~ / retry=/) { retry = pending; sub(/.* retry=/, "", retry); sub(/ retry=.*/, "", pending) }
      if (pending in seen) fail("two examples named \"" pending "\"")
      seen[pending] = 1
    }
  }
  END {
    if (failed) exit 2
    if (inblock) { NR++; fail("a marked block is not closed") }
    if (pending != "") fail("an example marker at the end of the file marks nothing")
    if (blocks == 0) fail("no marked example blocks (<!-- example: NAME --> before a ```sh fence)")
  }
' "$README_FILE" >"$RUN_DIR/blocks.sh"

{
  cat <<'PRELUDE'
# Generated by scripts/readme-examples.sh from the README's marked blocks; runs in bash -euo pipefail.
exec 3>&1
__block() {  # name, README line of its first line, this file's line of this call
  __name=$1 __readme_line=$2 __runner_line=$3
  printf '%s\n' "$__name" >"$__dir/current"
  exec >"$__dir/blocks/$__name.out" 2>&1
}
__done() {
  # A command missing from the machine (uuidgen, jq, ...) inside $(...) does not stop bash; it
  # says so, and the example is broken all the same.
  if grep -q ': command not found$' "$__dir/blocks/$__name.out"; then
    printf '\n=> a command the example uses is not installed (see above)\n' >&2
    trap - ERR; exit 1
  fi
  printf 'README example %s: ok\n' "$__name" >&3
}
__expect() {  # output, expected text (… stands for anything)
  local rest=$1 expected=$2 piece
  while [ -n "$expected" ]; do
    piece=${expected%%…*}
    if [ "$piece" = "$expected" ]; then expected=""; else expected=${expected#*…}; fi
    [ -n "$piece" ] || continue
    if [[ $rest != *"$piece"* ]]; then
      printf 'expected the output to contain %s (in: %s)\n' "$piece" "$2" >&2
      return 1
    fi
    rest=${rest#*"$piece"}
  done
}
# `|| return` so the failure surfaces at the README line (where the ERR trap reports it), not
# inside this function.
curl() { command curl --fail-with-body --show-error --max-time 30 "$@" || return; }
__failed() {  # exit status, line of this file
  local line=$(($2 - __runner_line + __readme_line - 1))
  printf '\n=> exit %s at %s line %s: %s\n' "$1" "$__readme" "$line" "$(sed -n "${line}p" "$__readme")" >&2
}
__on_error='__failed "$?" "$LINENO"'
trap "$__on_error" ERR
# A retry= block runs as `while :; do set +e; trap - ERR; __before_attempt SECONDS; ( __attempt
# <the block> ); if __after_attempt "$?"; then break; fi; done`: each attempt a subshell that is
# not a condition (-e would be ignored in one) with its own errexit and ERR trap; the shell's
# own are off around it, so a failed attempt is not fatal until time is up. (`trap - ERR` must
# not be in a function: bash puts the ERR trap back when a function that removed it returns.)
__before_attempt() {  # seconds
  __try=$((${__try:-0} + 1))
  [ "$__try" != 1 ] || __deadline=$((SECONDS + $1))
}
__attempt() {
  exec >"$__dir/blocks/$__name.out" 2>&1
  echo "(attempt $__try)"
  trap "$__on_error" ERR; set -e
}
__after_attempt() {  # the attempt's exit status
  trap "$__on_error" ERR; set -e
  if [ "$1" = 0 ]; then __try=0; return 0; fi
  if [ "$SECONDS" -ge "$__deadline" ]; then trap - ERR; exit "$1"; fi  # the attempt said why
  sleep 1
  return 1
}
PRELUDE
  cat "$RUN_DIR/blocks.sh"
} >"$RUNNER"

# --- Start Keel -------------------------------------------------------------------------------
echo "README examples: starting $KEEL_BIN on http://$ADDRESS (data in $RUN_DIR)"
export KEEL_DATA_DIR="$RUN_DIR"
export KEEL_PUBLIC_URL="http://localhost:$PORT"
KEEL_HOST=127.0.0.1 KEEL_PORT="$PORT" KEEL_LOG_FORMAT=text \
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
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDRESS/healthz")" = 200 ] && break
  if [ "$i" = 120 ]; then echo "error: /healthz not 200 after 60 s" >&2; tail -n 40 "$SERVER_LOG" >&2; exit 1; fi
  sleep 0.5
done

# --- Run the blocks ---------------------------------------------------------------------------------
status=0
__dir="$RUN_DIR" __readme="$README_FILE" timeout "$TIMEOUT" bash -euo pipefail "$RUNNER" </dev/null || status=$?
if [ "$status" != 0 ]; then
  name=$(cat "$RUN_DIR/current" 2>/dev/null || echo '?')
  if [ "$status" = 124 ]; then echo "README example $name: FAILED (still running after $TIMEOUT s)" >&2
  else echo "README example $name: FAILED" >&2; fi
  echo "--- what it printed ($RUN_DIR/blocks/$name.out) ---" >&2
  { cat "$RUN_DIR/blocks/$name.out"; echo; } >&2 2>/dev/null || true
  echo "--- the server's log, last 30 lines ($SERVER_LOG) ---" >&2
  tail -n 30 "$SERVER_LOG" >&2
  exit 1
fi
