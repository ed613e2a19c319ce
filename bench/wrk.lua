-- wrk script for scripts/bench.sh. Arguments after `--`:
--   get [token]                 GET the URL's path, with `Authorization: Bearer <token>` when given
--   invite <token> <run-id>     POST /v1/invitations: a fresh Idempotency-Key and invitee per request
--   order <token> <run-id>      POST /v1/orders: a fresh Idempotency-Key per request, a two-line draft
--   cookie <cookie>             GET the URL's path with `Cookie: <cookie>` (the staff console)
-- At the end it prints one line the runner parses:
--   BENCH requests=… duration_us=… non2xx=… connect=… read=… write=… timeout=… p50_us=… p99_us=…
--
-- With WRK_RATE (requests per second in all) and WRK_THREADS (wrk's -t) in the environment, the
-- requests go on a fixed schedule instead of back to back, for latency at a given load: each
-- thread's sends are spaced evenly, and a connection that is free takes the next slot (a slot
-- that passes while every connection is waiting is skipped, not made up in a burst). wrk times a
-- request from when it is written.
local threads = {}
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local interval_ms, next_slot, scheduled

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  mode = args[1] or "get"
  local token = args[2]
  run = args[3] or "run"
  counter = 0
  if mode == "cookie" then
    wrk.headers["Cookie"] = token
  elseif token ~= nil and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if mode == "invite" or mode == "order" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
  if scheduled then
    interval_ms = 1000 * scheduled.threads / scheduled.rate
    -- The threads' schedules interleave instead of sending in pairs.
    next_slot = now_ms() + ((tid or 1) - 1) * interval_ms / scheduled.threads
  end
end

-- wrk asks for `delay` only if the script defines it when loaded, so it exists only on a
-- schedule. It returns the milliseconds to wait before the next request (wrk rounds them down;
-- the schedule itself is kept exactly, so the rate holds).
local rate, nthreads = tonumber(os.getenv("WRK_RATE") or ""), tonumber(os.getenv("WRK_THREADS") or "")
if rate and nthreads then
  scheduled = { rate = rate, threads = nthreads }
  function delay()
    local now = now_ms()
    if next_slot < now then next_slot = now end
    local wait = next_slot - now
    next_slot = next_slot + interval_ms
    return wait
  end
end

function request()
  if mode == "invite" then
    counter = counter + 1
    local key = string.format("%s-%d-%d", run, tid, counter)
    wrk.headers["Idempotency-Key"] = key
    return wrk.format(nil, nil, nil, string.format('{"email":"%s@bench.test","role":"member"}', key))
  end
  if mode == "order" then
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = string.format("%s-%d-%d", run, tid, counter)
    return wrk.format(nil, nil, nil,
      '{"currency":"USD","lines":[{"product":"onboarding","quantity":1},{"product":"extra-seats","quantity":2}]}')
  end
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
