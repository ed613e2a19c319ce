#!/usr/bin/env bash
# Benchmarks (issue 7): Keel's release build against references measured in the same run, on
# loopback, every figure a ratio; see docs/benchmarks.md for what each scenario means and the
# recorded results.
#
#   make bench                                  builds the release binary, then runs this script
#   BENCH_SECONDS=3 BENCH_ROUNDS=1 scripts/bench.sh   a quick smoke run (figures meaningless)
#
# What it does:
#   1. starts `keel serve --migrate` (release) on a free port with a fresh embedded PostgreSQL
#      under .data/bench-<stamp>/, rate limits off, warning-level logs (JSON, the default format);
#      signs up a tenant through the API, verifies the owner's email (token from the dev
#      mailbox), adds 200 members with psql as the server's role (the owner's real Argon2id
#      hash), logs in for bearer tokens;
#   2. starts the references: the peer (bench/peer: FastAPI + uvicorn + asyncpg on the same
#      database, same role, same pool size) and the floor (bench/floor: a bare Hummingbird route);
#      PG is pgbench -M prepared running the scenario's SQL (bench/pg/*.sql) on the same cluster;
#   3. S1 read, S2 list, S3 write, S5 the console's orders page (against Keel's own S2), S6 order
#      create, S8 webhook fan-out (bench/webhooks/s8.py, against a bare client posting to the same
#      receiver), S7 floor: throughput with wrk, BENCH_ROUNDS rounds, reference
#      and Keel alternating (S7's bare route and Keel next to each other, which goes first
#      alternating by round), median of the per-round ratios; then latency (p50/p99) with wrk on a
#      fixed schedule at 70 % of each system's own median maximum (pgbench -R for PG);
#   4. S4 login storm: the raw Argon2id rate from Debian's argon2 CLI, then logins at 4× Keel's
#      hashing capacity while S1 runs at a fixed rate, alternating with S1 alone;
#   5. reporting only: a pool-size sweep (Keel restarted with each size), jemalloc (LD_PRELOAD,
#      two fresh instances side by side on the same database), and perf profiles (system-wide,
#      call graphs) under S1, S2, S3, S5, S6, S7 and the S4 storm;
#   6. prints the tables and writes them to .data/bench-<stamp>/results.md (raw figures in
#      results.jsonl, tool outputs and profiles beside them); stops everything it started.
#
# Every measurement runs under `flock $BENCH_LOCK` (default /tmp/keel-heavy.lock), so it never
# overlaps other heavy work on this shared machine that takes the same lock.
#
# Knobs (environment): KEEL_BIN (default .build/release/keel), BENCH_SECONDS (per measurement,
# default 10), BENCH_ROUNDS (default 3), BENCH_WARMUP_SECONDS (default 3), BENCH_WARMUP_EVERY_ROUND
# (1: warm every system up before every round, not only the first), BENCH_CONNECTIONS
# (wrk/hey connections, default 32), BENCH_WRK_THREADS (default 2), BENCH_HEY_PROCS (hey
# processes a fixed rate is spread over, default 8), BENCH_POOL_SIZE (Keel's and
# the peer's pool, default 5), BENCH_PEER_WORKERS (uvicorn workers, default nproc),
# BENCH_POOL_SWEEP (default "2 5 10 20"; empty skips), BENCH_SWEEP_ROUNDS (default 1),
# BENCH_JEMALLOC (default 1), BENCH_RATELIMIT (default 1), BENCH_PROFILE (default 1), BENCH_HASH_THREADS (default 1),
# BENCH_HASH_QUEUE (default 8), BENCH_S4_S1_FRACTION (S1's fixed rate during S4 as a fraction of
# its maximum, default 0.35), BENCH_SCENARIOS (default "S1 S2 S3 S5 S6 S8 S7 S4"), BENCH_LOCK,
# BENCH_KEEP_DATA=1 (keep the database), BENCH_COMPARE_BIN (another keel binary, measured side by
# side with this one on S1, S2, S5 and S7: "is this change faster?"), BENCH_MEASURE=0 (skip the measured
# phases: only the reporting ones, such as the comparison and the profiles, run).
set -euo pipefail

if [ -n "${KEEL_BIN:-}" ] && [ -e "$KEEL_BIN" ]; then KEEL_BIN=$(readlink -f "$KEEL_BIN"); fi
cd "$(dirname "$0")/.."
REPO=$(pwd)
export PATH="$PATH:/opt/swift/usr/bin"

KEEL_BIN=${KEEL_BIN:-$REPO/.build/release/keel}
FLOOR_BIN=$REPO/bench/floor/.build/release/Floor
D=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP_SECONDS:-3}
WARMUP_EVERY_ROUND=${BENCH_WARMUP_EVERY_ROUND:-0}
CONNS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
POOL=${BENCH_POOL_SIZE:-5}
PEER_WORKERS=${BENCH_PEER_WORKERS:-$(nproc)}
SWEEP=${BENCH_POOL_SWEEP-2 5 10 20}
SWEEP_ROUNDS=${BENCH_SWEEP_ROUNDS:-1}
JEMALLOC=${BENCH_JEMALLOC:-1}
RATELIMIT=${BENCH_RATELIMIT:-1}
PROFILE=${BENCH_PROFILE:-1}
HASH_THREADS=${BENCH_HASH_THREADS:-1}
HASH_QUEUE=${BENCH_HASH_QUEUE:-8}
S4_FRACTION=${BENCH_S4_S1_FRACTION:-0.35}
SCENARIOS=" ${BENCH_SCENARIOS:-S1 S2 S3 S5 S6 S8 S7 S4} "
has() { [[ "$SCENARIOS" == *" $1 "* ]]; }
# BENCH_MEASURE=0 skips the measured phases (throughput, latency, S4): for a quick
# BENCH_COMPARE_BIN or a profile alone.
measured() { [ "${BENCH_MEASURE:-1}" = 1 ] && has "$1"; }
LOCK=${BENCH_LOCK:-/tmp/keel-heavy.lock}
LOAD_FRACTION=0.7
ARGON2_KIB=${KEEL_ARGON2_MEMORY_KIB:-19456}
ARGON2_T=${KEEL_ARGON2_ITERATIONS:-2}
ARGON2_P=${KEEL_ARGON2_PARALLELISM:-1}
PASSWORD="bench passphrase $(date +%s) long enough"

# --- Prerequisites -------------------------------------------------------------------------------
if [ ! -x "$KEEL_BIN" ]; then
  echo "error: $KEEL_BIN not found; run 'make release' first (or use 'make bench')" >&2; exit 2
fi
scripts/install-bench-deps.sh
echo "Building the floors (bench/floor, release; quick when nothing changed)"
(cd bench/floor && flock "$LOCK" swift build -c release 2>&1 | tail -n 1)
PEER_PY=$REPO/bench/peer/.venv/bin/python
TOOL=(python3 "$REPO/bench/benchtool.py")

# --- Run directory, ports, clean-up --------------------------------------------------------------
STAMP=$(date +%Y%m%d-%H%M%S)
RUN="$REPO/.data/bench-$STAMP"
mkdir -p "$RUN/out"
RESULTS="$RUN/results.jsonl"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PIDS=()          # every server we started, stopped in reverse order (Keel's main instance first in)
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "warning: $pid still running 30 s after SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  # The main instance stopped its embedded PostgreSQL; keep logs and results, drop the cluster.
  if [ "${BENCH_KEEP_DATA:-0}" != 1 ]; then
    local home; home=$(dirname "$(readlink -f "$RUN/postgres" 2>/dev/null || echo "$RUN/postgres")")
    rm -rf "$RUN/postgres" "$RUN/run" "$RUN"/extra-*
    [ "$home" != "$RUN" ] && case "$home" in /var/tmp/keel-*) rm -rf "$home";; esac
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs "$@" holding the heavy-work lock (in a subshell: the lock's descriptor never leaks into a
# server started later). Says so when it has to wait.
exec 3>&2  # the terminal's stderr, for messages from inside redirected measurements
locked() {
  (
    if ! flock -n 9; then echo "  (waiting for $LOCK)" >&3; flock 9; fi
    "$@"
  ) 9>"$LOCK"
}

wait_http() {  # URL PID LOG
  for i in $(seq 1 240); do
    if ! kill -0 "$2" 2>/dev/null; then echo "error: server exited during start-up; its log:" >&2; tail -n 40 "$3" >&2; exit 1; fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    sleep 0.5
  done
  echo "error: $1 not answering after 120 s" >&2; tail -n 40 "$3" >&2; exit 1
}

KEEL_ENV=(KEEL_HOST=127.0.0.1 KEEL_LOG_LEVEL=warning
  KEEL_RATE_LIMIT_LOGIN_ADDRESS=0 KEEL_RATE_LIMIT_LOGIN_ACCOUNT=0 KEEL_RATE_LIMIT_CREDENTIAL=0 KEEL_RATE_LIMIT_TENANT=0
  KEEL_HASH_THREADS="$HASH_THREADS" KEEL_HASH_QUEUE="$HASH_QUEUE" KEEL_ARGON2_MEMORY_KIB="$ARGON2_KIB"
  KEEL_ARGON2_ITERATIONS="$ARGON2_T" KEEL_ARGON2_PARALLELISM="$ARGON2_P"
  KEEL_MIGRATIONS_DIR="$REPO/migrations" KEEL_TEMPLATES_DIR="$REPO/Templates" KEEL_PUBLIC_DIR="$REPO/Public"
  KEEL_WEBHOOKS_ALLOW_HTTP=1 KEEL_WEBHOOKS_ALLOW_PRIVATE=1
  # One key for every instance: they share the database, so each opens what another sealed.
  KEEL_ENCRYPTION_KEYS="bench:$(head -c 32 /dev/urandom | base64)")

# start_keel NAME PORT POOL [VAR=value…]: an instance on the embedded cluster (NAME main) or, for
# the others, on the main one's database through DATABASE_URL. Sets <NAME>_PID.
start_keel() {
  local name=$1 port=$2 pool=$3; shift 3
  local log="$RUN/keel-$name.log" extra=()
  if [ "$name" = main ]; then
    extra=(KEEL_DATA_DIR="$RUN")
  else
    extra=(KEEL_DATA_DIR="$RUN/extra-$name" DATABASE_URL="postgres://keel_app@/keel?host=$SOCK"
           MIGRATION_DATABASE_URL="postgres://keel_owner@/keel?host=$SOCK")
  fi
  env "${KEEL_ENV[@]}" "${extra[@]}" KEEL_PORT="$port" KEEL_DB_POOL_SIZE="$pool" "$@" \
    "${KEEL_BIN_OF_START:-$KEEL_BIN}" serve $([ "$name" = main ] && echo --migrate) >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  printf -v "${name//-/_}_PID" %s "$pid"
  wait_http "http://127.0.0.1:$port/healthz" "$pid" "$log"
}

# --- Start Keel and seed ---------------------------------------------------------------------------
KEEL_PORT=$(free_port)
KEEL="http://127.0.0.1:$KEEL_PORT"
echo "Run directory: $RUN"
echo "Starting $KEEL_BIN on $KEEL (fresh embedded PostgreSQL; pool $POOL)"
# Not under the lock: a server started inside `locked` would inherit the lock's descriptor.
start_keel main "$KEEL_PORT" "$POOL"
SOCK="$(dirname "$(readlink -f "$RUN/postgres")")/run"
PG_PID=$(head -n 1 "$(readlink -f "$RUN/postgres")/postmaster.pid")
PSQL=(psql -h "$SOCK" -d keel -v ON_ERROR_STOP=1 -qAt)

json() { python3 -c 'import json, sys; d = json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[k]
print(d)' "$1"; }
post() {  # PATH JSON [extra curl args…]: the body on stdout; fails unless 2xx
  local path=$1 body=$2; shift 2
  local out; out=$(curl -s -w '\n%{http_code}' -X POST "$KEEL$path" -H 'Content-Type: application/json' "$@" -d "$body")
  local code=${out##*$'\n'}
  [ "${code:0:1}" = 2 ] || { echo "error: POST $path answered $code: ${out%$'\n'*}" >&2; return 1; }
  printf '%s\n' "${out%$'\n'*}"
}
login() { post /v1/sessions "{\"tenant\":\"bench\",\"email\":\"$1\",\"password\":\"$PASSWORD\"}" | json token; }

echo "Seeding: a tenant, 200 members, sessions"
signup=$(post /v1/signup "{\"tenant\":{\"slug\":\"bench\",\"name\":\"Bench\"},\"owner\":{\"email\":\"owner@bench.test\",\"password\":\"$PASSWORD\",\"name\":\"Bench Owner\"}}" \
  -H "Idempotency-Key: bench-signup-$STAMP")
TENANT_ID=$(json tenant.id <<<"$signup")
OWNER_ID=$(json owner.id <<<"$signup")
OWNER_TOKEN=$(login owner@bench.test)

# The owner's address must be verified before inviting (S3): the token is in the dev mailbox.
mail() { env "${KEEL_ENV[@]}" KEEL_DATA_DIR="$RUN" "$KEEL_BIN" mail "$@" 2>/dev/null; }
VERIFY_TOKEN=""
for _ in $(seq 1 40); do
  id=$(mail list | awk '/Confirm your email/ {print $1; exit}')
  [ -n "$id" ] && VERIFY_TOKEN=$(mail show "$id" | sed -n 's/^Token: \(keelv_[A-Za-z0-9_-]*\).*/\1/p' | head -n1)
  [ -n "$VERIFY_TOKEN" ] && break
  sleep 0.5
done
[ -n "$VERIFY_TOKEN" ] || { echo "error: no verification email in the dev mailbox" >&2; exit 1; }
post /v1/email-verifications "{\"token\":\"$VERIFY_TOKEN\"}" >/dev/null

# 200 members, inserted as the server's role in a tenant-scoped transaction (row-level security
# applies), each with the owner's real Argon2id hash, so their logins cost what real ones do.
"${PSQL[@]}" -U keel_app <<SQL
begin;
select set_config('app.tenant_id', '$TENANT_ID', true) \g /dev/null
insert into accounts.users (tenant_id, user_id, email, name, role, password_hash, email_verified_at)
select '$TENANT_ID', gen_random_uuid(), format('user-%s@bench.test', lpad(i::text, 3, '0')), format('Bench User %s', i), 'member',
       (select password_hash from accounts.users where user_id = '$OWNER_ID'), now()
from generate_series(1, 200) i;
commit;
SQL
# S1/S2 read as member 1; S1 fetches member 2; S4 logs in as member 3; S2 lists the 50 users that
# follow the 10th in id order (a cursor in the middle: every page is a full 50 with has_more).
READER_TOKEN=$(login user-001@bench.test)
READER_HASH=$(printf %s "$READER_TOKEN" | sha256sum | cut -d' ' -f1)
ids=$("${PSQL[@]}" -U keel_app <<SQL
begin;
select set_config('app.tenant_id', '$TENANT_ID', true) \g /dev/null
select user_id from accounts.users where email = 'user-002@bench.test';
select user_id from accounts.users order by user_id offset 9 limit 1;
commit;
SQL
)
TARGET_ID=$(sed -n 1p <<<"$ids")
AFTER_ID=$(sed -n 2p <<<"$ids")
CURSOR=$(python3 -c 'import base64, sys; print(base64.urlsafe_b64encode(sys.argv[1].encode()).decode().rstrip("="))' "$AFTER_ID")
S1_PATH="/v1/users/$TARGET_ID"
S2_PATH="/v1/users?limit=50&starting_after=$CURSOR"
n=$(curl -sf "$KEEL$S2_PATH" -H "Authorization: Bearer $READER_TOKEN" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["data"]), d["has_more"])')
[ "$n" = "50 True" ] || { echo "error: S2 page is '$n', expected 50 users with more" >&2; exit 1; }
curl -sf -o /dev/null "$KEEL$S1_PATH" -H "Authorization: Bearer $READER_TOKEN" || { echo "error: S1 request failed" >&2; exit 1; }
PG_VARS=(-D "tokenhash=\\x$READER_HASH" -D "tenant=$TENANT_ID" -D "user=$TARGET_ID" -D "after=$AFTER_ID")
# S3 invites as the (verified) owner; the PG reference uses the owner's session and scope.
OWNER_HASH=$(printf %s "$OWNER_TOKEN" | sha256sum | cut -d' ' -f1)
PG_S3_VARS=(-D "tokenhash=\\x$OWNER_HASH" -D "tenant=$TENANT_ID" -D "user=$OWNER_ID" -D "scope=tenant/$TENANT_ID/user/$OWNER_ID")

# S5 reads the console's orders page as a support staff member: one made with `keel staff create`,
# its first sign-in done in SQL (no TOTP to type in a benchmark) and a console session inserted
# with a token whose SHA-256 is stored, as the console stores it; 60 orders of the tenant, two
# lines each, so the page shows a full 50 (only when S5 runs). S6 creates orders as the owner.
if has S5; then
env "${KEEL_ENV[@]}" KEEL_DATA_DIR="$RUN" "$KEEL_BIN" staff create --email staff@bench.test --role support --name "Bench Staff" >/dev/null 2>&1
STAFF_COOKIE=$(python3 -c 'import secrets; print("keela_" + secrets.token_urlsafe(32))')
STAFF_HASH=$(printf %s "$STAFF_COOKIE" | sha256sum | cut -d' ' -f1)
"${PSQL[@]}" -U keel_app <<SQL
begin;
select set_config('app.platform', 'on', true) \g /dev/null
update platform.staff set must_change_password = false, mfa_enabled_at = now() where lower(email) = 'staff@bench.test';
insert into platform.staff_sessions (session_id, staff_id, token_hash, csrf_token, stage, expires_at)
select gen_random_uuid(), staff_id, '\x$STAFF_HASH', 'bench', 'active', now() + interval '1 day'
  from platform.staff where lower(email) = 'staff@bench.test';
commit;
begin;
select set_config('app.tenant_id', '$TENANT_ID', true) \g /dev/null
create temporary table bench_orders on commit drop as
select gen_random_uuid() as order_id, i from generate_series(1, 60) i;
insert into orders.orders (tenant_id, order_id, status, payment_status, currency, total, created_by, created_at, updated_at, placed_at)
select '$TENANT_ID', order_id, 'placed', case when i % 3 = 0 then 'unpaid' else 'paid' end, 'USD', 55000, '$OWNER_ID',
       now() - make_interval(mins => i), now(), now() - make_interval(mins => i)
  from bench_orders;
insert into orders.order_lines (tenant_id, order_id, line_no, product_id, product_code, product_name, quantity, unit_amount)
select '$TENANT_ID'::uuid, o.order_id, l.line_no, p.product_id, p.code, p.name, l.quantity, l.unit_amount
  from bench_orders o
 cross join (values (1, '01900000-0000-7000-8000-0000000000a2'::uuid, 1, 50000),
                    (2, '01900000-0000-7000-8000-0000000000a1'::uuid, 2, 2500)) l(line_no, product_id, quantity, unit_amount)
  join orders.products p on p.product_id = l.product_id;
commit;
SQL
# The rest of the platform: 20 other tenants with 60 orders each (2 lines), as the console of a
# platform sees it. With one tenant's 60 rows in the tables the planner scans them instead of
# using the indexes, and autovacuum's first analyze, landing mid-run, switched the plan and moved
# S5 by a sixth between rounds (docs/benchmarks.md, S5). Analyzed here, before any round.
"${PSQL[@]}" -U postgres <<'SQL'
begin;
create temporary table other_tenants on commit drop as
select gen_random_uuid() as tenant_id, i from generate_series(1, 20) i;
insert into accounts.tenants (tenant_id, slug, name) select tenant_id, 'other-' || i, 'Other ' || i from other_tenants;
create temporary table other_orders on commit drop as
select t.tenant_id, gen_random_uuid() as order_id, j from other_tenants t, generate_series(1, 60) j;
insert into orders.orders (tenant_id, order_id, status, payment_status, currency, total, created_at, updated_at, placed_at)
select tenant_id, order_id, 'placed', 'paid', 'USD', 55000, now() - make_interval(mins => j), now(), now() - make_interval(mins => j)
  from other_orders;
insert into orders.order_lines (tenant_id, order_id, line_no, product_id, product_code, product_name, quantity, unit_amount)
select o.tenant_id, o.order_id, l.line_no, p.product_id, p.code, p.name, l.quantity, l.unit_amount
  from other_orders o
 cross join (values (1, '01900000-0000-7000-8000-0000000000a2'::uuid, 1, 50000),
                    (2, '01900000-0000-7000-8000-0000000000a1'::uuid, 2, 2500)) l(line_no, product_id, quantity, unit_amount)
  join orders.products p on p.product_id = l.product_id;
commit;
analyze accounts.tenants, orders.orders, orders.order_lines, orders.products;
SQL
S5_PATH="/admin/orders?tenant=$TENANT_ID"
n=$(curl -sf "$KEEL$S5_PATH" -H "Cookie: __Host-keel_admin=$STAFF_COOKIE" | grep -c '<td><a href="/admin/tenants/[^"]*/orders/' || true)
[ "$n" = 50 ] || { echo "error: the S5 page shows $n orders, expected 50" >&2; exit 1; }
fi

# --- References ------------------------------------------------------------------------------------
PEER_PORT=$(free_port)
PEER="http://127.0.0.1:$PEER_PORT"
# One uvicorn worker per core; the pool split between them (rounded up), so the peer holds about
# as many connections as Keel (its pool plus the dispatcher's LISTEN connection).
PEER_POOL=$(( (POOL + PEER_WORKERS - 1) / PEER_WORKERS ))
echo "Starting the peer on $PEER ($PEER_WORKERS workers × $PEER_POOL connections) and the floor"
(cd bench/peer && PEER_DB_SOCKET_DIR="$SOCK" PEER_POOL_SIZE="$PEER_POOL" exec "$PEER_PY" -m uvicorn app:app \
  --host 127.0.0.1 --port "$PEER_PORT" --workers "$PEER_WORKERS" --loop uvloop --http httptools \
  --no-access-log --log-level warning >"$RUN/peer.log" 2>&1) &
PIDS+=("$!"); PEER_PID=$!
wait_http "$PEER/healthz" "$PEER_PID" "$RUN/peer.log"
curl -sf -o /dev/null "$PEER$S1_PATH" -H "Authorization: Bearer $READER_TOKEN" || { echo "error: the peer's S1 failed" >&2; cat "$RUN/peer.log" >&2; exit 1; }
# The floor's S1 routes (driver floors, issue 21): /nio/… reads through one SQL function (scope
# and select in one statement, so PostgresNIO needs two round trips, not four); /pq/… sends Keel's
# own statements as one libpq pipeline; /wire/… sends them in the same shape on PostgreSQL's
# protocol spoken on a NIO channel (the next lever's floor). The function is the benchmark's, in
# its own schema.
"${PSQL[@]}" -U postgres <<'SQL'
create schema if not exists bench;
create or replace function bench.s1_read(p_tenant uuid, p_user uuid)
returns table (user_id text, tenant_id text, email text, name text, role text, status text, version text, created_at text,
               email_verified_at text, mfa_enabled text, locked_at text, lock_reason text)
language plpgsql as $$
begin
  perform set_config('app.tenant_id', p_tenant::text, true), set_config('lock_timeout', '5s', true),
          set_config('statement_timeout', '30s', true);
  return query
    select u.user_id::text, u.tenant_id::text, u.email::text, u.name, u.role::text, u.status::text, u.version::text,
           u.created_at::text, u.email_verified_at::text, (u.mfa_enabled_at is not null)::text, u.locked_at::text, u.lock_reason
      from accounts.users u where u.tenant_id = p_tenant and u.user_id = p_user;
end $$;
grant usage on schema bench to keel_app;
grant execute on function bench.s1_read(uuid, uuid) to keel_app;
SQL
FLOOR_PORT=$(free_port)
FLOOR="http://127.0.0.1:$FLOOR_PORT"
FLOOR_PG_SOCKET="$SOCK" FLOOR_POOL_SIZE="$POOL" "$FLOOR_BIN" "$FLOOR_PORT" >"$RUN/floor.log" 2>&1 &
PIDS+=("$!"); FLOOR_PID=$!
wait_http "$FLOOR/healthz" "$FLOOR_PID" "$RUN/floor.log"
for driver in nio pq wire; do
  curl -sf -o /dev/null "$FLOOR/$driver$S1_PATH" -H "Authorization: Bearer $READER_TOKEN" \
    || { echo "error: the floor's $driver S1 failed" >&2; cat "$RUN/floor.log" >&2; exit 1; }
done

# --- Measurement helpers ---------------------------------------------------------------------------
record() { "${TOOL[@]}" "$@" --to "$RESULTS" >/dev/null; }
mib() { awk -v k="$2:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
reset_peak() { echo 5 >"/proc/$1/clear_refs"; }

# Waits (up to a minute) until the outbox and the mail queue are empty, so work that an earlier
# measurement caused (emails of S3 and S4) does not run during the next one.
quiet() {
  local left
  for _ in $(seq 1 120); do
    left=$("${PSQL[@]}" -U postgres -c "select (select count(*) from platform.outbox where status = 'pending')
      + (select count(*) from notifications.messages where status = 'queued')")
    [ "$left" = 0 ] && return 0
    sleep 0.5
  done
  echo "  warning: $left events or emails still pending after 60 s" >&2
}

# wrk_run SECONDS URL ARGS… : throughput with bench/wrk.lua (ARGS go to the script).
wrk_run() {
  local secs=$1 url=$2; shift 2
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"${secs}s" --timeout 10s -s "$REPO/bench/wrk.lua" "$url" -- "$@"
}

# throughput SCENARIO SYSTEM ROUND URL ARGS…
# measure TOOL SCENARIO SYSTEM ROUND OUT RUNNER ARGS…: a warm-up on the first round, then one
# measurement of RUNNER (called as RUNNER SECONDS ARGS…) into OUT, recorded and printed.
# CPU seconds (user + system) of a process and all its descendants (the peer's workers, the
# cluster's backends), from /proc: the server's and PostgreSQL's CPU per request in the report.
tree_cpu() {  # PID
  python3 - "$1" <<'PY'
import os, sys
root, parent, ticks = int(sys.argv[1]), {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    # utime + stime, and cutime + cstime: the children it has reaped (pgbench's backends, gone
    # when it disconnects) count for the parent from then on.
    parent[int(pid)], ticks[int(pid)] = int(fields[1]), sum(int(f) for f in fields[11:15])
def inside(pid):
    while pid > 1:
        if pid == root:
            return True
        pid = parent.get(pid, 0)
    return False
print(round(sum(t for pid, t in ticks.items() if inside(pid)) / os.sysconf("SC_CLK_TCK"), 2))
PY
}
measure() {
  local tool=$1 scenario=$2 system=$3 round=$4 out=$5 runner=$6; shift 6
  local server_pid="" before after pg_before pg_after
  case $system in keel*) server_pid=$main_PID;; peer) server_pid=$PEER_PID;; floor*) server_pid=${FLOOR_PID:-};; esac
  quiet
  if { [ "$round" = 1 ] || [ "$WARMUP_EVERY_ROUND" = 1 ]; } && [ "$WARMUP" -gt 0 ]; then
    locked "$runner" "$WARMUP" "$@" >/dev/null 2>&1; quiet
  fi
  before=$([ -n "$server_pid" ] && tree_cpu "$server_pid" || echo 0); pg_before=$(tree_cpu "$PG_PID")
  locked "$runner" "$D" "$@" >"$out" 2>&1
  after=$([ -n "$server_pid" ] && tree_cpu "$server_pid" || echo 0); pg_after=$(tree_cpu "$PG_PID")
  record "$tool" "$out" phase=throughput scenario="$scenario" system="$system" round="$round" \
    server_cpu_s="$(python3 -c "print(round($after - $before, 2))")" pg_cpu_s="$(python3 -c "print(round($pg_after - $pg_before, 2))")"
  printf '  %-3s %-6s round %s: %8.0f /s\n' "$scenario" "$system" "$round" "$("${TOOL[@]}" median "$RESULTS" rps phase=throughput scenario="$scenario" system="$system" round="$round")"
}
throughput() {
  local scenario=$1 system=$2 round=$3; shift 3
  measure wrk "$scenario" "$system" "$round" "$RUN/out/$scenario-$system-r$round.wrk" wrk_run "$@"
}

# pgbench as the server's role on the same cluster, as many clients as Keel has connections.
# PG_MODE: prepared (the reference) or extended (unnamed statements, parsed and planned for every
# execution: what Keel's PostgresNIO queries send; reported to show what that costs).
# A script's "-- include: FILE" lines are replaced by bench/pg/FILE first, and that file's own
# includes likewise (pgbench has no include).
pg_run() {  # SCRIPT pgbench-args…
  local script=$1; shift
  mkdir -p "$RUN/pg"
  awk -v dir="$REPO/bench/pg" '
    function put(file,   line, part) {
      while ((getline line < file) > 0) {
        if (line ~ /^-- include: /) { split(line, part, " "); put(dir "/" part[3]) } else print line
      }
      close(file)
    }
    BEGIN { put(ARGV[1]); exit }' "$REPO/bench/pg/$script.sql" >"$RUN/pg/$script.sql"
  pgbench -n -M "${PG_MODE:-prepared}" -h "$SOCK" -U keel_app -c "$POOL" -j 2 -f "$RUN/pg/$script.sql" "$@" keel
}
pg_timed() {  # SECONDS SCRIPT VARS…
  local secs=$1 script=$2; shift 2
  pg_run "$script" -T "$secs" "$@"
}
pg_throughput() {  # SCENARIO SCRIPT ROUND VARS…
  local scenario=$1 script=$2 round=$3; shift 3
  local system=${PG_SYSTEM:-pg}; [ "${PG_MODE:-prepared}" = prepared ] || system=$system-$PG_MODE
  measure pgbench "$scenario" "$system" "$round" "$RUN/out/$scenario-$system-r$round.pgbench" pg_timed "$script" "$@"
}

# hey at a fixed total rate. -q is per worker, and one hey's workers tick in phase, so N workers
# send bursts of N requests; a burst of 32 queued behind 5 database connections would measure
# hey, not the server. So the rate is spread over HEY_PROCS hey processes of a few workers each,
# started a fraction of the tick period apart: bursts of CONNS/HEY_PROCS, HEY_PROCS times per period.
HEY_PROCS=${BENCH_HEY_PROCS:-8}
hey_run() {  # SECONDS RATE CONNS URL hey-args… : one CSV on stdout
  local secs=$1 rate=$2 conns=$3 url=$4; shift 4
  local per=$(( (conns + HEY_PROCS - 1) / HEY_PROCS )) dir i pids=()
  local q; q=$(python3 -c "print(round($rate / ($per * $HEY_PROCS), 3))")
  local gap; gap=$(python3 -c "print(round(1 / $q / $HEY_PROCS, 4))")
  dir=$(mktemp -d "$RUN/out/hey.XXXXXX")
  for i in $(seq 1 "$HEY_PROCS"); do
    date +%s.%N >"$dir/$i.start"
    hey -z "${secs}s" -c "$per" -q "$q" -o csv "$@" "$url" >"$dir/$i.csv" &
    pids+=("$!")
    sleep "$gap"
  done
  wait "${pids[@]}"
  # Each row gets its process's start time (a 9th column), so rates are counted over the window
  # in which every process was sending (benchtool.py hey).
  echo "$(head -n1 "$dir/1.csv"),start"
  for i in $(seq 1 "$HEY_PROCS"); do tail -n +2 "$dir/$i.csv" | sed "s/\$/,$(cat "$dir/$i.start")/"; done
  rm -rf "$dir"
}
# Latency at a fixed total rate: wrk on bench/wrk.lua's schedule. Not hey: its processes took
# about half a core at S1's 70 % (4.3 CPU-seconds in 8 s at 2,600/s, against wrk's 0.9), so the
# machine was saturated at "70 %" and the tail measured the load generator's share of two cores
# (docs/benchmarks.md). S4 still uses hey for its storm.
latency() {  # SCENARIO SYSTEM ROUND RATE URL [PHASE, default latency]
  local scenario=$1 system=$2 round=$3 rate=$4 url=$5 phase=${6:-latency}
  local out="$RUN/out/$scenario-$system-r$round.$phase.wrk"
  quiet
  WRK_RATE=$rate WRK_THREADS=$WRK_THREADS locked wrk_run "$D" "$url" get "$READER_TOKEN" >"$out"
  record wrk "$out" phase="$phase" scenario="$scenario" system="$system" round="$round" offered="$rate"
}
pg_latency() {  # SCENARIO SCRIPT ROUND RATE VARS…
  local scenario=$1 script=$2 round=$3 rate=$4; shift 4
  local prefix="$RUN/out/$scenario-pg-r$round.pglog"
  quiet
  (cd "$RUN/out" && locked pg_run "$script" -T "$D" -R "$rate" -l --log-prefix "$prefix" "$@") >"$prefix.out" 2>&1
  record pglog "$prefix" "$D" phase=latency scenario="$scenario" system=pg round="$round" offered="$rate"
}
scenario_rss() {  # SCENARIO: Keel's peak since the last reset_peak
  record add phase=peak-rss scenario="$1" peak_mib="$(mib "$main_PID" VmHWM)" rss_mib="$(mib "$main_PID" VmRSS)"
}
median() { "${TOOL[@]}" median "$RESULTS" "$@"; }
# S3 measurements start from no invitations, so that whichever system runs later does not meet
# a bigger table (the pending-invitation check is an index lookup since migration 0008).
clear_invitations() {
  "${PSQL[@]}" -U postgres -c "delete from accounts.invitations where tenant_id = '$TENANT_ID'" -c "vacuum accounts.invitations"
}
at() { python3 -c "print(round($1 * $2))"; }

# --- Meta ---------------------------------------------------------------------------------------------
pyver() { "$PEER_PY" -c "import importlib.metadata as m; print(m.version('$1'))"; }
record add phase=meta stamp="$STAMP" command="${BENCH_COMMAND:-scripts/bench.sh}" date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
  cpus="$(nproc)" cpu_model="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
  mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)" \
  load_start="$(cut -d' ' -f1-3 /proc/loadavg)" keel_bin="${KEEL_BIN#"$REPO"/}" pool="$POOL" \
  pg_version="$("${PSQL[@]}" -U keel_app -c 'show server_version' | cut -d' ' -f1)" \
  fastapi="$(pyver fastapi)" uvicorn="$(pyver uvicorn)" asyncpg="$(pyver asyncpg)" peer_workers="$PEER_WORKERS" \
  peer_pool="$PEER_POOL" rounds="$ROUNDS" seconds="$D" wrk_threads="$WRK_THREADS" connections="$CONNS" hey_procs="$HEY_PROCS" \
  load_fraction="$LOAD_FRACTION" hash_threads="$HASH_THREADS" hash_queue="$HASH_QUEUE" argon2_kib="$ARGON2_KIB" \
  argon2_t="$ARGON2_T" argon2_p="$ARGON2_P" s4_fraction="$S4_FRACTION"
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- Throughput: S1, S2, S3, S7 ---------------------------------------------------------------------
read_scenario() {  # SCENARIO PGSCRIPT PATH: PG (prepared and unnamed), the peer and Keel, alternating
  local scenario=$1 script=$2 path=$3
  reset_peak "$main_PID"
  for r in $(seq 1 "$ROUNDS"); do
    pg_throughput "$scenario" "$script" "$r" "${PG_VARS[@]}"
    PG_MODE=extended pg_throughput "$scenario" "$script" "$r" "${PG_VARS[@]}"
    # The same statements in the shape Keel's driver sends them (issue 21's reference).
    PG_SYSTEM=pg-pipelined pg_throughput "$scenario" "$script-pipelined" "$r" "${PG_VARS[@]}"
    throughput "$scenario" peer "$r" "$PEER$path" get "$READER_TOKEN"
    if [ "$scenario" = S1 ]; then
      throughput S1 floor-nio "$r" "$FLOOR/nio$path" get "$READER_TOKEN"
      throughput S1 floor-pq "$r" "$FLOOR/pq$path" get "$READER_TOKEN"
      throughput S1 floor-wire "$r" "$FLOOR/wire$path" get "$READER_TOKEN"
    fi
    throughput "$scenario" keel "$r" "$KEEL$path" get "$READER_TOKEN"
  done
  scenario_rss "$scenario"
}
if measured S1; then
  echo "S1 read: GET $S1_PATH (bearer lookup + tenant-scoped row)"
  read_scenario S1 s1-read "$S1_PATH"
fi
if measured S2; then
  echo "S2 list: GET $S2_PATH (50 users after a cursor)"
  read_scenario S2 s2-list "$S2_PATH"
fi
if measured S3; then
  echo "S3 write: POST /v1/invitations with a fresh Idempotency-Key (durable commits)"
  reset_peak "$main_PID"
  for r in $(seq 1 "$ROUNDS"); do
    clear_invitations
    pg_throughput S3 s3-write "$r" "${PG_S3_VARS[@]}"
    clear_invitations
    throughput S3 keel "$r" "$KEEL/v1/invitations" invite "$OWNER_TOKEN" "s3-$STAMP-r$r"
    record add phase=s3-backlog round="$r" invitations="$("${PSQL[@]}" -U postgres -c "select count(*) from accounts.invitations")" \
      pending="$("${PSQL[@]}" -U postgres -c "select (select count(*) from platform.outbox where status = 'pending') + (select count(*) from notifications.messages where status = 'queued')")"
  done
  scenario_rss S3
  clear_invitations
fi
if measured S5; then
  # The reference is Keel's own S2 (50 users as JSON), measured in the same rounds.
  echo "S5 admin orders page: GET $S5_PATH (50 orders as HTML, staff session) against Keel's S2"
  reset_peak "$main_PID"
  for r in $(seq 1 "$ROUNDS"); do
    throughput S5 keel-s2 "$r" "$KEEL$S2_PATH" get "$READER_TOKEN"
    throughput S5 keel "$r" "$KEEL$S5_PATH" cookie "__Host-keel_admin=$STAFF_COOKIE"
  done
  scenario_rss S5
fi
if measured S6; then
  echo "S6 order create: POST /v1/orders with a fresh Idempotency-Key (two lines; durable commits)"
  reset_peak "$main_PID"
  for r in $(seq 1 "$ROUNDS"); do
    pg_throughput S6 s6-order "$r" "${PG_S3_VARS[@]}"
    throughput S6 keel "$r" "$KEEL/v1/orders" order "$OWNER_TOKEN" "s6-$STAMP-r$r"
  done
  scenario_rss S6
fi
if measured S8; then
  echo "S8 webhook fan-out: webhook.test events to 8 endpoints, delivered signed to a local receiver (verified with"
  echo "   standardwebhooks), against a bare client (hey -c 8) posting one signed message to the same receiver"
  reset_peak "$main_PID"
  for r in $(seq 1 "$ROUNDS"); do
    quiet
    out="$RUN/out/S8-r$r.jsonl"
    if ! locked "$PEER_PY" "$REPO/bench/webhooks/s8.py" --keel "$KEEL" --token "$OWNER_TOKEN" --seconds "$D" --round "$r" \
        --out "$out" >"$RUN/out/S8-r$r.txt" 2>&1; then
      echo "error: S8 round $r failed:" >&2; cat "$RUN/out/S8-r$r.txt" >&2; exit 1
    fi
    while read -r fields; do
      # shellcheck disable=SC2086  # key=value words
      record add phase=throughput $fields
    done < <(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    print(" ".join(f"{k}={v}" for k, v in json.loads(line).items() if v is not None))' "$out")
    sed 's/^/  S8  round '"$r"': /' "$RUN/out/S8-r$r.txt"
  done
  scenario_rss S8
fi
if measured S7; then
  echo "S7 floor: GET /healthz"
  reset_peak "$main_PID"
  # The target's two, the bare route and Keel, run next to each other, and which goes first
  # alternates by round: each round's ratio then compares the same window of this shared
  # machine, whose windows move a route's cost by a third ("Probes without a preference").
  for r in $(seq 1 "$ROUNDS"); do
    order=(floor keel); [ $((r % 2)) = 0 ] && order=(keel floor)
    for system in "${order[@]}"; do
      throughput S7 "$system" "$r" "$([ "$system" = floor ] && echo "$FLOOR" || echo "$KEEL")/healthz" get
    done
    throughput S7 peer "$r" "$PEER/healthz" get
  done
  scenario_rss S7
fi

# --- Latency at 70 % of each system's own maximum ----------------------------------------------------
for scenario in S1 S2; do
  measured "$scenario" || continue
  path=$([ "$scenario" = S1 ] && echo "$S1_PATH" || echo "$S2_PATH")
  script=$([ "$scenario" = S1 ] && echo s1-read || echo s2-list)
  echo "$scenario latency at ${LOAD_FRACTION} × each system's maximum"
  reset_peak "$main_PID"
  # S1's also offers floor-pq 70 % of its own maximum: S1's tail here with nothing around the driver;
  # and floor-wire, the next lever's floor, 70 % of floor-pq's (the same rate: tails side by side).
  systems=(peer keel)
  if [ "$scenario" = S1 ]; then systems=(peer floor-pq floor-wire keel); fi
  for r in $(seq 1 "$ROUNDS"); do
    pg_latency "$scenario" "$script" "$r" "$(at "$(median rps phase=throughput scenario="$scenario" system=pg)" "$LOAD_FRACTION")" "${PG_VARS[@]}"
    line="  round $r: p99 pg $(median p99_ms phase=latency scenario="$scenario" system=pg round="$r")"
    for system in "${systems[@]}"; do
      case $system in peer) url=$PEER$path;; floor-pq) url=$FLOOR/pq$path;; floor-wire) url=$FLOOR/wire$path;; keel) url=$KEEL$path;; esac
      rate_of=$([ "$system" = floor-wire ] && echo floor-pq || echo "$system")
      latency "$scenario" "$system" "$r" "$(at "$(median rps phase=throughput scenario="$scenario" system="$rate_of")" "$LOAD_FRACTION")" "$url"
      line+=", $system $(median p99_ms phase=latency scenario="$scenario" system="$system" round="$r")"
    done
    echo "$line ms"
  done
  scenario_rss "$scenario-latency"
done

# --- S4 login storm ------------------------------------------------------------------------------------
if measured S4; then
  echo "S4 login storm"
  # The raw rate: Debian's argon2 CLI with Keel's parameters, one thread, 20 hashes; the CLI
  # reports each hash's own time (process start-up excluded).
  argon2_raw() { for i in $(seq 1 20); do printf 'bench password %s' "$i" | argon2 "benchsalt$i" -id -t "$ARGON2_T" -k "$ARGON2_KIB" -p "$ARGON2_P"; done; }
  locked argon2_raw >"$RUN/out/argon2.txt"
  record argon2 "$RUN/out/argon2.txt" phase=argon2
  RAW=$(median rate phase=argon2)
  STORM_RATE=$(python3 -c "print(round(4 * $RAW * $HASH_THREADS))")
  S4_S1_RATE=$(at "$(median rps phase=throughput scenario=S1 system=keel)" "$S4_FRACTION")
  STORM_CONNS=$(( 8 * HEY_PROCS ))
  record add phase=meta storm_rate="$STORM_RATE" storm_conns="$STORM_CONNS" s4_s1_rate="$S4_S1_RATE"
  echo "  raw Argon2id: $RAW hashes/s per thread; storm: $STORM_RATE logins/s; S1 at $S4_S1_RATE /s"
  LOGIN_BODY="{\"tenant\":\"bench\",\"email\":\"user-003@bench.test\",\"password\":\"$PASSWORD\"}"
  s1_fixed() { hey_run "$D" "$S4_S1_RATE" "$CONNS" "$KEEL$S1_PATH" -H "Authorization: Bearer $READER_TOKEN"; }
  storm() {  # S1 at its fixed rate and the logins together; RSS sampled around it
    echo "$(mib "$main_PID" VmRSS)" >"$RUN/out/S4-rss-before"
    reset_peak "$main_PID"
    hey_run "$D" "$STORM_RATE" "$STORM_CONNS" "$KEEL/v1/sessions" -m POST -T application/json -d "$LOGIN_BODY" >"$1" &
    local storm_pid=$!
    s1_fixed
    wait "$storm_pid"
    echo "$(mib "$main_PID" VmHWM)" >"$RUN/out/S4-rss-peak"
    cat "$RUN/out/S4-rss-peak" >>"$RUN/out/S4-rss-peaks"
  }
  for r in $(seq 1 "$ROUNDS"); do
    quiet
    locked s1_fixed >"$RUN/out/S4-s1-alone-r$r.csv"
    record hey "$RUN/out/S4-s1-alone-r$r.csv" "$D" phase=s4 part=s1-alone round="$r"
    quiet
    locked storm "$RUN/out/S4-logins-r$r.csv" >"$RUN/out/S4-s1-storm-r$r.csv"
    record hey "$RUN/out/S4-s1-storm-r$r.csv" "$D" phase=s4 part=s1-storm round="$r"
    record hey "$RUN/out/S4-logins-r$r.csv" "$D" phase=s4 part=logins round="$r"
    before=$(cat "$RUN/out/S4-rss-before"); peak=$(cat "$RUN/out/S4-rss-peak")
    record add phase=s4 part=rss round="$r" before_mib="$before" peak_mib="$peak" \
      growth_mib="$(python3 -c "print(round($peak - $before, 1))")"
    printf '  round %s: S1 p99 alone %s ms, in storm %s ms; logins %s /s accepted\n' "$r" \
      "$(median p99_ms phase=s4 part=s1-alone round="$r")" "$(median p99_ms phase=s4 part=s1-storm round="$r")" \
      "$(median rate phase=s4 part=logins round="$r")"
  done
  record add phase=peak-rss scenario=S4 peak_mib="$(sort -n "$RUN/out/S4-rss-peaks" | tail -n1)" rss_mib="$(mib "$main_PID" VmRSS)"
  quiet
fi

# --- Pool-size sweep (reporting) -----------------------------------------------------------------------
# One Keel at a time: the main instance restarted with each size (its PostgreSQL restarts with it).
# Instances side by side would each run an event dispatcher woken by every outbox NOTIFY, which
# slows S3 by itself.
restart_main() {
  stop_pid "$main_PID"
  start_keel main "$KEEL_PORT" "$1"
}
if [ -n "$SWEEP" ] && has S1; then
  echo "Pool-size sweep: $SWEEP (the main instance restarted with each size)"
  for r in $(seq 1 "$SWEEP_ROUNDS"); do
    for size in $SWEEP; do
      restart_main "$size"
      for scenario in S1 S3; do
        has "$scenario" || continue
        out="$RUN/out/sweep-$scenario-pool$size-r$r.wrk"
        quiet
        if [ "$scenario" = S1 ]; then
          locked wrk_run "$WARMUP" "$KEEL$S1_PATH" get "$READER_TOKEN" >/dev/null
          locked wrk_run "$D" "$KEEL$S1_PATH" get "$READER_TOKEN" >"$out"
        else
          clear_invitations
          locked wrk_run "$D" "$KEEL/v1/invitations" invite "$OWNER_TOKEN" "sweep-$STAMP-$size-r$r" >"$out"
        fi
        record wrk "$out" phase=pool-sweep scenario="$scenario" pool="$size" round="$r"
        printf '  pool %-3s %s: %8.0f /s\n' "$size" "$scenario" "$(median rps phase=pool-sweep scenario="$scenario" pool="$size" round="$r")"
      done
    done
  done
  restart_main "$POOL"
  # The peer's connections went with the restarts; it is not measured again.
fi

# --- jemalloc (reporting) ------------------------------------------------------------------------------
JEMALLOC_SO=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -n1 || true)
if [ "$JEMALLOC" = 1 ] && [ -n "$JEMALLOC_SO" ]; then
  echo "jemalloc: two fresh instances (glibc, LD_PRELOAD=$JEMALLOC_SO), pool $POOL"
  GLIBC_PORT=$(free_port); start_keel glibc "$GLIBC_PORT" "$POOL"
  JEMALLOC_PORT=$(free_port); start_keel jemalloc "$JEMALLOC_PORT" "$POOL" LD_PRELOAD="$JEMALLOC_SO"
  grep -q jemalloc "/proc/$jemalloc_PID/maps" || echo "  warning: jemalloc not mapped into $jemalloc_PID" >&2
  for scenario in S1 S2 S7; do
    has "$scenario" || continue
    case $scenario in S1) path=$S1_PATH;; S2) path=$S2_PATH;; S7) path=/healthz;; esac
    reset_peak "$glibc_PID"; reset_peak "$jemalloc_PID"
    for r in $(seq 1 "$ROUNDS"); do
      for system in glibc jemalloc; do
        port_var="${system^^}_PORT"; url="http://127.0.0.1:${!port_var}$path"
        out="$RUN/out/jemalloc-$scenario-$system-r$r.wrk"
        quiet
        [ "$r" = 1 ] && locked wrk_run "$WARMUP" "$url" get "$READER_TOKEN" >/dev/null
        locked wrk_run "$D" "$url" get "$READER_TOKEN" >"$out"
        record wrk "$out" phase=jemalloc scenario="$scenario" system="$system" round="$r"
      done
      printf '  %s round %s: glibc %8.0f /s, jemalloc %8.0f /s\n' "$scenario" "$r" \
        "$(median rps phase=jemalloc scenario="$scenario" system=glibc round="$r")" \
        "$(median rps phase=jemalloc scenario="$scenario" system=jemalloc round="$r")"
    done
    record add phase=jemalloc-rss scenario="$scenario" system=glibc peak_mib="$(mib "$glibc_PID" VmHWM)"
    record add phase=jemalloc-rss scenario="$scenario" system=jemalloc peak_mib="$(mib "$jemalloc_PID" VmHWM)"
  done
  stop_pid "$glibc_PID"; stop_pid "$jemalloc_PID"
fi

# --- Another build against this one (reporting): BENCH_COMPARE_BIN ---------------------------------
# "Is this change faster?" measured side by side: two fresh instances on the same database, the
# build under test (KEEL_BIN) and BENCH_COMPARE_BIN (say, a copy of the last commit's release
# binary with its keel_*.resources beside it), alternating rounds, with each one's CPU per request.
if [ -n "${BENCH_COMPARE_BIN:-}" ]; then
  COMPARE_BIN=$(readlink -f "$BENCH_COMPARE_BIN")
  echo "Compare: $COMPARE_BIN (base) against $KEEL_BIN (this), two fresh instances, pool $POOL"
  BASE_PORT=$(free_port); KEEL_BIN_OF_START=$COMPARE_BIN start_keel base "$BASE_PORT" "$POOL"
  THIS_PORT=$(free_port); start_keel this "$THIS_PORT" "$POOL"
  for scenario in S1 S2 S5 S7; do
    has "$scenario" || continue
    auth=(get "$READER_TOKEN")
    case $scenario in
      S1) path=$S1_PATH;; S2) path=$S2_PATH;; S7) path=/healthz;;
      S5) path=$S5_PATH; auth=(cookie "__Host-keel_admin=$STAFF_COOKIE");;
    esac
    for r in $(seq 1 "$ROUNDS"); do
      # Which goes first alternates: the second of a pair meets a warmer (or busier) machine.
      order=(base this); [ $((r % 2)) = 0 ] && order=(this base)
      for system in "${order[@]}"; do
        port_var="${system^^}_PORT"; pid_var="${system}_PID"; url="http://127.0.0.1:${!port_var}$path"
        out="$RUN/out/compare-$scenario-$system-r$r.wrk"
        quiet
        [ "$r" = 1 ] && locked wrk_run "$WARMUP" "$url" "${auth[@]}" >/dev/null
        before=$(tree_cpu "${!pid_var}")
        locked wrk_run "$D" "$url" "${auth[@]}" >"$out"
        after=$(tree_cpu "${!pid_var}")
        record wrk "$out" phase=compare scenario="$scenario" system="$system" round="$r" \
          server_cpu_s="$(python3 -c "print(round($after - $before, 2))")"
      done
      printf '  %s round %s: base %8.0f /s, this %8.0f /s\n' "$scenario" "$r" \
        "$(median rps phase=compare scenario="$scenario" system=base round="$r")" \
        "$(median rps phase=compare scenario="$scenario" system=this round="$r")"
    done
  done
  # The tail at one load for both: S1 at 70 % of the base's median maximum, on wrk's fixed
  # schedule. (The latency phase offers each system 70 % of its own maximum, so a faster build
  # is asked for more; this asks both for the same.)
  if has S1; then
    rate=$(at "$(median rps phase=compare scenario=S1 system=base)" "$LOAD_FRACTION")
    for r in $(seq 1 "$ROUNDS"); do
      order=(base this); [ $((r % 2)) = 0 ] && order=(this base)
      for system in "${order[@]}"; do
        port_var="${system^^}_PORT"
        latency S1 "$system" "$r" "$rate" "http://127.0.0.1:${!port_var}$S1_PATH" compare-latency
      done
      printf '  S1 at %s/s round %s: p99 base %s ms, this %s ms\n' "$rate" "$r" \
        "$(median p99_ms phase=compare-latency scenario=S1 system=base round="$r")" \
        "$(median p99_ms phase=compare-latency scenario=S1 system=this round="$r")"
    done
  fi
  stop_pid "$base_PID"; stop_pid "$this_PID"
fi

# --- Rate limits (reporting): what the limiter costs S1 ---------------------------------------------
# Two fresh instances side by side, limits off and limits on (high enough never to refuse: every
# request takes a token from its credential's and its tenant's buckets, each limit divided by the
# group's live instances from platform.instances, docs/scaling.md). Both join the main instance's
# group, so the division is real (three instances).
if [ "$RATELIMIT" = 1 ] && has S1; then
  echo "Rate limits: two fresh instances (limits off, limits on), pool $POOL, S1"
  LIMITS_OFF_PORT=$(free_port); start_keel limits-off "$LIMITS_OFF_PORT" "$POOL"
  LIMITS_ON_PORT=$(free_port); start_keel limits-on "$LIMITS_ON_PORT" "$POOL" \
    KEEL_RATE_LIMIT_CREDENTIAL=1000000000 KEEL_RATE_LIMIT_TENANT=1000000000
  for r in $(seq 1 "$ROUNDS"); do
    for system in limits-off limits-on; do
      port_var="${system^^}_PORT"; port_var="${port_var//-/_}"; url="http://127.0.0.1:${!port_var}$S1_PATH"
      out="$RUN/out/ratelimit-S1-$system-r$r.wrk"
      quiet
      [ "$r" = 1 ] && locked wrk_run "$WARMUP" "$url" get "$READER_TOKEN" >/dev/null
      locked wrk_run "$D" "$url" get "$READER_TOKEN" >"$out"
      record wrk "$out" phase=ratelimit scenario=S1 system="$system" round="$r"
    done
    printf '  S1 round %s: limits off %8.0f /s, limits on %8.0f /s\n' "$r" \
      "$(median rps phase=ratelimit scenario=S1 system=limits-off round="$r")" \
      "$(median rps phase=ratelimit scenario=S1 system=limits-on round="$r")"
  done
  stop_pid "$limits_off_PID"; stop_pid "$limits_on_PID"
fi

# --- Profiles (reporting; perf adds overhead, so these runs are not the measured ones) -------------------
if [ "$PROFILE" = 1 ] && command -v perf >/dev/null 2>&1; then
  echo "Profiles: perf record -a -g while wrk loads Keel (S1, S2, S3, S5, S6, S7; S4: the storm)"
  profile() {  # NAME URL wrk-args…
    local name=$1 url=$2; shift 2
    perf record -a -g -F 499 -o "$RUN/perf-$name.data" -- sleep "$D" >/dev/null 2>&1 &
    local perf_pid=$!
    wrk_run "$D" "$url" "$@" >"$RUN/out/perf-$name.wrk"
    wait "$perf_pid" || true
  }
  demangle() { if command -v swift-demangle >/dev/null 2>&1; then swift-demangle --simplified; else cat; fi; }
  profile_storm() {  # S4: the storm and S1 at its fixed rate, as in the measured rounds
    perf record -a -g -F 499 -o "$RUN/perf-S4.data" -- sleep "$D" >/dev/null 2>&1 &
    local perf_pid=$!
    storm "$RUN/out/perf-S4-logins.csv" >"$RUN/out/perf-S4-s1.csv"
    wait "$perf_pid" || true
  }
  for scenario in S1 S2 S3 S5 S6 S7 S4; do
    has "$scenario" || continue
    quiet
    case $scenario in
      S1) locked profile S1 "$KEEL$S1_PATH" get "$READER_TOKEN";;
      S2) locked profile S2 "$KEEL$S2_PATH" get "$READER_TOKEN";;
      S3) clear_invitations; locked profile S3 "$KEEL/v1/invitations" invite "$OWNER_TOKEN" "perf-$STAMP";;
      S5) locked profile S5 "$KEEL$S5_PATH" cookie "__Host-keel_admin=$STAFF_COOKIE";;
      S6) locked profile S6 "$KEEL/v1/orders" order "$OWNER_TOKEN" "perf-s6-$STAMP";;
      S7) locked profile S7 "$KEEL/healthz" get;;
      S4) locked profile_storm;;
    esac
    data="$RUN/perf-$scenario.data"
    [ -s "$data" ] || { echo "  (no perf data for $scenario)"; continue; }
    {
      echo "# $scenario: CPU by command (all processes)"
      perf report -i "$data" --stdio --no-children --sort comm --percent-limit 1 -g none 2>/dev/null | grep -v '^$'
      echo; echo "# $scenario: Keel's process by shared object"
      perf report -i "$data" --stdio --no-children --pid "$main_PID" --sort dso --percent-limit 1 -g none 2>/dev/null | grep -v '^$'
      echo; echo "# $scenario: Keel's process, top symbols (self time)"
      perf report -i "$data" --stdio --no-children --pid "$main_PID" --sort sym --percent-limit 0.7 -g none 2>/dev/null | grep -v '^$' | demangle | cut -c1-220
      echo; echo "# $scenario: Keel's process, top symbols including callees"
      perf report -i "$data" --stdio --children --pid "$main_PID" --sort sym --percent-limit 2 -g none 2>/dev/null | grep -v '^$' | demangle | cut -c1-220
    } >"$RUN/profile-$scenario.txt"
    [ -n "${BENCH_KEEP_PERF:-}" ] || rm -f "$data"
    echo "  $RUN/profile-$scenario.txt"
  done
fi

# --- Report ------------------------------------------------------------------------------------------------
record add phase=meta load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
"${TOOL[@]}" report "$RESULTS" "$RUN/results.md"
echo
echo "Results: $RUN/results.md (raw: results.jsonl, out/, profile-*.txt, logs)"
