#!/usr/bin/env bash
# `swift test` with a watchdog. The suite takes about a minute here (five on a slow machine); a
# test that waits forever would otherwise hold CI until its own limit and leave nothing to read,
# because a piped test binary's output is block-buffered and dies in its buffer. So the tests are
# built first, then run with their output line-buffered into .data/swift-test.log (and shown), and
# after KEEL_TEST_LIMIT_SECONDS of running (default 900) the watchdog prints the tests that
# started and never ended and every thread's stack (gdb, where installed), then stops the run,
# which fails. SWIFT_FLAGS go to the build; arguments to `swift test` (`--filter X`, say).
set -uo pipefail
cd "$(dirname "$0")/.."
swift=${SWIFT:-swift}
limit=${KEEL_TEST_LIMIT_SECONDS:-900}
log=.data/swift-test.log
mkdir -p .data
: > "$log"

# shellcheck disable=SC2086 # SWIFT_FLAGS is a list of flags
"$swift" build --build-tests ${SWIFT_FLAGS:-} || exit
# Into a file, followed onto the terminal: a pipe would be held open by whatever the tests start
# and leave running (their PostgreSQL, if the watchdog has to kill them).
stdbuf -oL -eL "$swift" test --skip-build "$@" >> "$log" 2>&1 &
run=$!
tail -n +1 -f --pid="$run" "$log" &
follower=$!

report() {
    echo
    echo "swift-test.sh: the suite is still running after ${limit}s. Tests started and not ended:"
    python3 - "$log" <<'PY'
import re, sys
started, ended = [], set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'Test "(.*)" (started|passed|failed|skipped)', line)
    if m:
        (started.append if m[2] == "started" else ended.add)(m[1])
for name in started:
    if name not in ended:
        print("  -", name)
PY
    local binary
    binary=$(pgrep -P "$run" -f 'PackageTests.xctest' | head -1)  # swift test's child
    if [ -n "$binary" ] && command -v gdb > /dev/null; then
        echo "swift-test.sh: every thread of the test binary ($binary):"
        gdb -p "$binary" -batch -ex "thread apply all bt 30" 2>/dev/null | grep -v '^\[New LWP' | head -2000
    fi
    [ -n "$binary" ] && kill -KILL "$binary"
    kill "$run" 2> /dev/null
}

# The watchdog looks every five seconds, so it ends soon after the run does.
(
    waited=0
    while kill -0 "$run" 2> /dev/null; do
        sleep 5
        waited=$((waited + 5))
        if [ "$waited" -ge "$limit" ]; then report; break; fi
    done
) &
watchdog=$!
wait "$run"
status=$?
wait "$watchdog"
wait "$follower"  # the last lines, before make goes on
exit "$status"
