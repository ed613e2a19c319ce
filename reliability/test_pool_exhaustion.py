#!/usr/bin/env python3
"""5. pool-exhaustion: far more concurrent requests than connections, and a lock held from a side
session.

The server runs with KEEL_DB_POOL_SIZE=2. Three phases:
  burst     200 concurrent GET /v1/users/{id} (100x the pool) on fresh connections;
  lock      a side psql session takes `lock table accounts.users in access exclusive mode` and
            holds it for 15 s; meanwhile 40 concurrent GET /v1/users/{id}, plus /healthz and
            /readyz probes. A request that gets one of the two connections blocks on the lock;
            the rest wait for a connection at most the connect timeout (5 s) and must get
            503 `database_unavailable` with `Retry-After`;
  recovery  after the commit, 50 concurrent requests must all succeed.
Nothing may hang (every request has a 60 s client timeout) and nothing may answer 500.
The target "requests wait at most a configured time" is checked against the connect timeout
plus a second of slack: the figure line says how long the slowest request waited, and why.

    FIGURES pool-exhaustion: burst 200: 200 ok ...; lock 15 s: 503+Retry-After n, waited max s; recovery 50/50 ok
"""

import os
import sys
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import KeelServer, figures, install_signal_exit, log, login, signup  # noqa: E402

TEST = "pool-exhaustion"
POOL = 2
CONNECT_TIMEOUT = 5.0
LOCK_SECONDS = 15.0


def fire(srv, n, path, token):
    """n concurrent GETs; returns [(status or error, seconds, retry_after, code)]."""
    results = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def one():
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        t0 = time.monotonic()
        try:
            r = srv.get(path, token=token, timeout=60)
            code = None
            if r.status >= 400:
                try:
                    code = r.json().get("code")
                except ValueError:
                    code = r.body[:40]
            out = (r.status, time.monotonic() - t0, r.header("Retry-After"), code)
        except TimeoutError:
            out = ("timeout", time.monotonic() - t0, None, None)
        except OSError as e:
            out = (type(e).__name__, time.monotonic() - t0, None, None)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    return results


def summary(results):
    c = Counter(r[0] for r in results)
    slowest = max((r[1] for r in results), default=0)
    return c, slowest


def main():
    install_signal_exit()
    started = time.monotonic()
    srv = KeelServer(TEST, env={"KEEL_DB_POOL_SIZE": str(POOL)})
    side = None
    try:
        srv.start()
        body = signup(srv, f"pool{int(time.time()) % 100000}")
        token = login(srv, body["tenant"]["slug"], body["owner"]["email"])
        path = f"/v1/users/{body['owner']['id']}"

        burst = fire(srv, 200, path, token)
        b_counts, b_slowest = summary(burst)
        log(f"burst: {dict(b_counts)}, slowest {b_slowest:.2f} s")

        side = srv.side_session()
        side.stdin.write("begin;\nlock table accounts.users in access exclusive mode;\n")
        side.stdin.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            held = srv.query("select 1 from pg_locks l join pg_class c on c.oid = l.relation "
                             "where c.relname = 'users' and l.mode = 'AccessExclusiveLock' and l.granted")
            if held:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the side session did not get the lock")
        lock_at = time.monotonic()
        probes = {"healthz": [], "readyz": []}

        def probe(name):
            t0 = time.monotonic()
            try:
                status = srv.get(f"/{name}", timeout=60).status
            except OSError as e:
                status = type(e).__name__
            probes[name].append((status, time.monotonic() - t0))

        probe_threads = []
        for name in ("healthz", "readyz"):
            for delay in (1.0, 3.0, 7.0):
                t = threading.Timer(delay, probe, args=(name,))
                t.start()
                probe_threads.append(t)
        release = threading.Timer(LOCK_SECONDS, lambda: (side.stdin.write("commit;\n\\q\n"), side.stdin.flush()))
        release.start()
        locked = fire(srv, 40, path, token)
        release.join()
        for t in probe_threads:
            t.join(timeout=70)
        side.wait(timeout=30)
        l_counts, l_slowest = summary(locked)
        fast503 = [r for r in locked if r[0] == 503]
        with_retry = [r for r in fast503 if r[2]]
        codes503 = Counter(r[3] for r in fast503)
        waited_503 = max((r[1] for r in fast503), default=0)
        blocked = sorted((r[1] for r in locked if r[0] == 200), reverse=True)
        log(f"lock: {dict(l_counts)}, 503 codes {dict(codes503)}, slowest {l_slowest:.2f} s; probes {probes}")

        time.sleep(0.5)
        recovery = fire(srv, 50, path, token)
        r_counts, r_slowest = summary(recovery)
        log(f"recovery: {dict(r_counts)}, slowest {r_slowest:.2f} s")

        every = burst + locked + recovery
        bad = [r for r in every if not (r[0] == 200 or (r[0] == 503 and r[2]))]
        hung = [r for r in every if r[0] == "timeout"]
        bound = CONNECT_TIMEOUT + 1.0
        over = [r for r in locked if r[1] > bound]
        ok = (not bad and not hung and not over and r_counts.get(200) == 50 and srv.alive()
              and len(with_retry) == len(fast503) and fast503)
        hz = ", ".join(f"{s} in {t:.2f} s" for s, t in sorted(probes["healthz"], key=lambda x: x[1]))
        rz = ", ".join(f"{s} in {t:.2f} s" for s, t in sorted(probes["readyz"], key=lambda x: x[1]))
        figures(TEST, f"burst 200 on a pool of {POOL}: {dict(b_counts)}, slowest {b_slowest:.2f} s;"
                      f" lock held {LOCK_SECONDS:.0f} s, 40 requests: 503+Retry-After {len(with_retry)}"
                      f" ({dict(codes503)}, after at most {waited_503:.2f} s), 200 {l_counts.get(200, 0)}"
                      f" (the ones holding a connection, waited {', '.join(f'{x:.1f}' for x in blocked[:POOL + 1])} s),"
                      f" waited past {bound:.0f} s {len(over)}, 500 {sum(1 for r in every if r[0] == 500)},"
                      f" hung {len(hung)}; /healthz during the lock: {hz}; /readyz: {rz};"
                      f" recovery {r_counts.get(200, 0)}/50 ok, slowest {r_slowest:.2f} s;"
                      f" {time.monotonic() - started:.0f} s", ok)
        return 0 if ok else 1
    finally:
        if side is not None and side.poll() is None:
            side.kill()
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
