#!/usr/bin/env python3
"""3. sigterm-drain: slow requests in flight, then SIGTERM.

Slow without touching the product, two ways:
  - signups whose Argon2id is made expensive (KEEL_ARGON2_MEMORY_KIB=131072, 4 iterations,
    one hashing thread): six sent at once run one after another, ~0.5-1 s each;
  - clients uploading a signup body slowly (headers at once, the body a byte every 50 ms, so the
    handler waits in `collectBody` for ~4 s).
Half a second after they are all sent, SIGTERM. Then:
  - every in-flight request must complete with its normal answer (201);
  - new connections must be refused (a prober connects every 20 ms; a connection accepted
    more than 250 ms after the signal counts as "accepted after SIGTERM");
  - a request on a keep-alive connection opened before the signal is reported (served or closed);
  - the process must exit 0 within KEEL_SHUTDOWN_GRACE_SECONDS (10 s) of the signal, and the
    embedded PostgreSQL it started must be stopped.

A second phase shows what the grace cuts: grace 2 s, a body upload that needs 5 s. Reported:
how the client is answered. A target: the exit status is not 0 (a supervisor must be able to
tell a cut drain from a clean one).

    FIGURES sigterm-drain: in-flight N completed N, accepted after SIGTERM 0, exit 0 after s s (grace 10 s), ...
"""

import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import KeelServer, figures, install_signal_exit, log, PASSWORD  # noqa: E402

TEST = "sigterm-drain"
GRACE = 10


def signup_body(slug):
    return json.dumps({"tenant": {"slug": slug, "name": f"Drain {slug}"},
                       "owner": {"email": f"owner@{slug}.test", "password": PASSWORD, "name": "Owner"}}).encode()


def slow_upload(port, slug, byte_delay, result, key):
    """Sends the headers, then the body one byte at a time; records the status (or the failure)."""
    body = signup_body(slug)
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.settimeout(30)
        s.sendall(b"POST /v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n")
        # The first part at once, the last 80 bytes slowly.
        s.sendall(body[:-80])
        for i in range(len(body) - 80, len(body)):
            time.sleep(byte_delay)
            s.sendall(body[i:i + 1])
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else f"no answer ({len(data)} bytes)"
        result[key] = (status, time.monotonic() - t0)
    except OSError as e:
        result[key] = (f"{type(e).__name__}: {e}", time.monotonic() - t0)


def quick_signup(srv, slug, result, key):
    t0 = time.monotonic()
    try:
        r = srv.request("POST", "/v1/signup", body=json.loads(signup_body(slug)), timeout=60)
        result[key] = (r.status, time.monotonic() - t0)
    except OSError as e:
        result[key] = (f"{type(e).__name__}: {e}", time.monotonic() - t0)


def drain_phase():
    env = {"KEEL_ARGON2_MEMORY_KIB": "131072", "KEEL_ARGON2_ITERATIONS": "4", "KEEL_HASH_THREADS": "1",
           "KEEL_HASH_QUEUE": "8", "KEEL_SHUTDOWN_GRACE_SECONDS": str(GRACE)}
    srv = KeelServer(TEST, env=env)
    try:
        srv.start()
        stamp = int(time.time()) % 100000
        results = {}
        threads = []
        for i in range(6):
            threads.append(threading.Thread(target=quick_signup, args=(srv, f"drain{stamp}h{i}", results, f"hash-{i}")))
        for i in range(3):
            threads.append(threading.Thread(target=slow_upload, args=(srv.port, f"drain{stamp}u{i}", 0.05, results,
                                                                      f"upload-{i}")))
        # A keep-alive connection, used once before the signal and once after.
        ka = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        ka.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = ka.recv(65536)
        for t in threads:
            t.start()
        time.sleep(0.5)
        in_flight = len(threads)
        done_before = len(results)
        sent_at = time.monotonic()
        os.kill(srv.pid, 15)
        accepted_late = []
        refused = 0
        first_refusal = None
        stop = threading.Event()

        def prober():
            nonlocal refused, first_refusal
            while not stop.is_set():
                try:
                    s = socket.create_connection(("127.0.0.1", srv.port), timeout=1)
                    at = time.monotonic() - sent_at
                    s.close()
                    if at > 0.25:
                        accepted_late.append(round(at, 3))
                except OSError:
                    refused += 1
                    if first_refusal is None:
                        first_refusal = time.monotonic() - sent_at
                time.sleep(0.02)

        p = threading.Thread(target=prober, daemon=True)
        p.start()
        time.sleep(0.3)
        try:
            ka.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            ka.settimeout(5)
            again = ka.recv(65536)
            keepalive = f"served {again.split(b' ', 2)[1].decode()}" if again.startswith(b"HTTP/") else "closed"
        except OSError as e:
            keepalive = f"closed ({type(e).__name__})"
        ka.close()
        try:
            code = srv.proc.wait(timeout=GRACE + 20)
        except Exception:  # noqa: BLE001
            code = None
        exit_after = time.monotonic() - sent_at
        stop.set()
        for t in threads:
            t.join(timeout=30)
        p.join(timeout=5)
        pg_left = srv.pg_running()
        completed = sum(1 for k, v in results.items() if v[0] == 201)
        longest = max((v[1] for v in results.values()), default=0)
        bad = {k: v for k, v in results.items() if v[0] != 201}
        for k, v in sorted(bad.items()):
            log(f"  {k}: {v}")
        log(f"  first request on the keep-alive connection: {first[:15]!r}")
        ok = (completed == in_flight and not accepted_late and code == 0 and exit_after <= GRACE and not pg_left)
        return ok, {"in_flight": in_flight, "done_before": done_before, "completed": completed, "longest": longest,
                    "accepted_late": len(accepted_late), "refused": refused, "first_refusal": first_refusal,
                    "code": code, "exit_after": exit_after, "keepalive": keepalive, "pg_left": pg_left}
    finally:
        srv.stop()


def cut_phase():
    """Grace 2 s, an upload needing ~5 s: what a request longer than the grace gets."""
    srv = KeelServer(TEST + "-cut", env={"KEEL_SHUTDOWN_GRACE_SECONDS": "2"})
    try:
        srv.start()
        results = {}
        t = threading.Thread(target=slow_upload, args=(srv.port, f"cut{int(time.time()) % 100000}", 0.0625, results, "u"))
        t.start()
        time.sleep(0.5)
        sent_at = time.monotonic()
        os.kill(srv.pid, 15)
        try:
            code = srv.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            code = None
        exit_after = time.monotonic() - sent_at
        t.join(timeout=30)
        return {"code": code, "exit_after": exit_after, "client": results.get("u", ("?", 0))[0],
                "pg_left": srv.pg_running()}
    finally:
        srv.stop()


def main():
    install_signal_exit()
    started = time.monotonic()
    ok, d = drain_phase()
    cut = cut_phase()
    log(f"cut phase: {cut}")
    ok = ok and cut["code"] not in (0, None)
    fr = f"{d['first_refusal'] * 1000:.0f} ms" if d["first_refusal"] is not None else "never"
    figures(TEST, f"in-flight {d['in_flight']} completed {d['completed']}, accepted after SIGTERM {d['accepted_late']},"
                  f" exit {d['code']} after {d['exit_after']:.2f} s (grace {GRACE} s)"
                  f" (longest in-flight request {d['longest']:.2f} s, first refused connection {fr} after the signal,"
                  f" keep-alive request after the signal: {d['keepalive']}, embedded PostgreSQL left running {d['pg_left']};"
                  f" past the grace (2 s, a 5 s upload): client got {cut['client']}, exit {cut['code']} after"
                  f" {cut['exit_after']:.2f} s; {time.monotonic() - started:.0f} s)", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
