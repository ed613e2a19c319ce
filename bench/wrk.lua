-- wrk script for scripts/bench.sh. Arguments after `--`:
--   get [token]                 GET the URL's path, with `Authorization: Bearer <token>` when given
--   invite <token> <run-id>     POST /v1/invitations: a fresh Idempotency-Key and invitee per request
--   order <token> <run-id>      POST /v1/orders: a fresh Idempotency-Key per request, a two-line draft
--   cookie <cookie>             GET the URL's path with `Cookie: <cookie>` (the staff console)
-- At the end it prints one line the runner parses:
--   BENCH requests=… duration_us=… non2xx=… connect=… read=… write=… timeout=… p50_us=… p99_us=…
local threads = {}

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
