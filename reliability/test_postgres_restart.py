#!/usr/bin/env python3
"""4. postgres-restart: the database restarted under load.

Load: four clients, each alternating an idempotent create (POST /v1/invitations with a unique
Idempotency-Key, retried with the same key until acknowledged, as in sigkill-under-load) and a
read (GET /v1/users?limit=5); a fifth thread polls /readyz every 50 ms. Three outages, each after
a few seconds of calm:
  fast       pg_ctl restart -m fast       (clean shutdown, connections closed)
  immediate  pg_ctl restart -m immediate  (no shutdown: crash recovery on start)
  down 8 s   pg_ctl stop -m fast, 8 s with no database, pg_ctl start
For each: answers >= 500 from the moment pg_ctl is issued until the API succeeds again (and how
many of them were not 503, the documented "database unavailable"), transport errors, and "first
success after": from pg_ctl's start to the first 2xx of a request sent after pg_ctl returned.
/readyz must answer 503 while the database is gone (checked over the 8 s outage: every poll that
started and ended inside it). At the end the acknowledged creates are reconciled with the
database: acked lost 0, duplicated 0.

    FIGURES postgres-restart: fast: 5xx during outage n, first success after s s; immediate: ...; acked lost 0
"""

import os
import sys
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (KeelServer, figures, first_success, install_signal_exit, invitation_client, log, login,  # noqa: E402
                        reconcile_invitations, settle_clients, signup, sql_literal, verify_email)

TEST = "postgres-restart"
CLIENT_TIMEOUT = 20.0   # a request not answered by then is counted as "never answered"


def main():
    install_signal_exit()
    started = time.monotonic()
    srv = KeelServer(TEST, env={"KEEL_LOG_LEVEL": os.environ.get("PGR_LOG_LEVEL", "info")})
    events = []                      # (start, end, kind, status or None)
    readyz = []                      # (start, end, status or None)
    keys = {}                        # key -> {"email", "acked", "id"}
    lock = threading.Lock()
    stop = threading.Event()
    stop_new = threading.Event()     # no new keys: settle the pending ones
    try:
        srv.start()
        slug = f"pgr{int(time.time()) % 100000}"
        body = signup(srv, slug)
        tenant_id = body["tenant"]["id"]
        verify_email(srv, body["owner"]["email"])
        token = login(srv, slug, body["owner"]["email"])

        def client(ci):
            invitation_client(srv, token, slug, "pgr", ci, keys, events, lock, stop, stop_new, CLIENT_TIMEOUT)

        def one_readyz():
            t0 = time.monotonic()
            try:
                status = srv.get("/readyz", timeout=CLIENT_TIMEOUT).status
            except TimeoutError:
                status = "timeout"
            except OSError:
                status = None
            with lock:
                readyz.append((t0, time.monotonic(), status))

        def poll_readyz():
            # One thread per poll, every 100 ms: a slow answer does not delay the next poll.
            while not stop.is_set():
                threading.Thread(target=one_readyz, daemon=True).start()
                time.sleep(0.1)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(4)]
        threads.append(threading.Thread(target=poll_readyz, daemon=True))
        for t in threads:
            t.start()

        phases = []
        names = [n.strip() for n in os.environ.get("PGR_PHASES", "fast,immediate,down 8 s").split(",")]
        for name in names:
            time.sleep(3.0)
            issued = time.monotonic()
            if name == "down 8 s":
                rc = srv.pg_stop("fast")
                down_from = time.monotonic()
                time.sleep(8.0)
                down_to = time.monotonic()
                rc = rc or srv.pg_start()
            else:
                rc = srv.pg_restart(name)
                down_from = down_to = None
            returned = time.monotonic()
            first_ok = first_success(events, lock, since=returned)
            phases.append({"name": name, "issued": issued, "returned": returned, "first_ok": first_ok, "rc": rc,
                           "down_from": down_from, "down_to": down_to})
            log(f"{name}: pg_ctl {returned - issued:.2f} s (rc {rc}),"
                f" first success after {(first_ok - issued) if first_ok else float('nan'):.2f} s")
        time.sleep(2.0)
        settle_clients(threads[:-1], stop, stop_new)
        for t in threads:
            t.join(timeout=40)

        rows = srv.query(f"select email, invitation_id::text as id from accounts.invitations "
                         f"where tenant_id = {sql_literal(tenant_id)}")
        acked, lost, duplicated, mismatched = reconcile_invitations(keys, [(r["email"], r["id"]) for r in rows])

        parts = []
        ok = not lost and not duplicated and not mismatched
        for ph in phases:
            end = ph["first_ok"] or time.monotonic()
            window = [e for e in events if e[1] >= ph["issued"] and e[1] <= end]
            fives = Counter(e[3] for e in window if isinstance(e[3], int) and e[3] >= 500)
            transport = sum(1 for e in window if e[3] is None)
            not503 = sum(v for k, v in fives.items() if k != 503)
            first = f"{ph['first_ok'] - ph['issued']:.2f} s" if ph["first_ok"] else "never (60 s)"
            part = (f"{ph['name']}: 5xx during outage {sum(fives.values())} ({dict(fives)}), transport errors"
                    f" {transport}, first success after {first} (pg_ctl {ph['returned'] - ph['issued']:.2f} s)")
            if ph["down_from"] is not None:
                # Polls sent while the database was gone (those answered after it came back
                # are counted apart: they waited, and the answer describes the database by then).
                sent = [r for r in readyz if ph["down_from"] <= r[0] <= ph["down_to"]]
                inside = [r for r in sent if r[1] <= ph["down_to"]]
                codes = Counter(r[2] for r in inside)
                slowest = max((r[1] - r[0] for r in sent), default=0)
                part += (f", /readyz sent while down {len(sent)}: answered while down {dict(codes)},"
                         f" after {len(sent) - len(inside)}, slowest {slowest:.2f} s")
                if not inside or set(codes) != {503}:
                    ok = False
            ok = ok and ph["first_ok"] is not None and not503 == 0 and ph["rc"] == 0
            parts.append(part)
        all_fives = Counter(e[3] for e in events if isinstance(e[3], int) and e[3] >= 500)
        never = [e for e in events if e[3] == "timeout"] + [r for r in readyz if r[2] == "timeout"]
        for e in never[:10]:
            log(f"  never answered: {e[2] if len(e) > 3 else '/readyz'} sent at +{e[0] - started:.2f} s")
        # SIGTERM now: a request the server never finished keeps the HTTP server's drain waiting.
        t_term = time.monotonic()
        code = srv.terminate(wait=30)
        term_after = time.monotonic() - t_term
        shutdown = (f"exit {code} after {term_after:.1f} s" if code is not None
                    else "did not exit within 30 s of SIGTERM (killed)")
        ok = ok and not never and code == 0
        figures(TEST, "; ".join(parts) + f"; acked lost {len(lost)} (acked {len(acked)}, duplicated {len(duplicated)},"
                      f" id mismatches {len(mismatched)}, unacked at the end {len(keys) - len(acked)},"
                      f" all 5xx {dict(all_fives)}, requests {len(events)} + /readyz {len(readyz)}, never answered (>{CLIENT_TIMEOUT:.0f} s)"
                      f" {len(never)}; SIGTERM afterwards: {shutdown}; {time.monotonic() - started:.0f} s)", ok)
        return 0 if ok else 1
    finally:
        stop.set()
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
