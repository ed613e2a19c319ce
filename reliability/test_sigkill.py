#!/usr/bin/env python3
"""2. sigkill-under-load: idempotent creates with unique keys while the server is kill -9'd at
random and restarted; clients retry with the same key; the client log is reconciled against the
database.

The create is `POST /v1/invitations` with an `Idempotency-Key` (one key = one invitation to one
address of its own). Invitations, unlike tenants, have no unique constraint that would hide a
duplicate: inviting an address again revokes the pending invitation and inserts another row, so
a create applied twice shows up as two rows for one address.

Clients (threads, one connection per request) each keep making new keys and retrying those not
yet acknowledged: a refused or reset connection, a 5xx or a 409 "still in flight" (a key whose
claim outlived a killed server waits out its lease, 60 s) means "try the same key again later";
201 (fresh, or `Idempotent-Replayed: true`) is an ack. Another thread sleeps a random 1-3 s,
SIGKILLs keel (its PostgreSQL keeps running), restarts it and waits for /readyz. After the last
kill the clients stop making keys and retry what is left until everything is acked (full run:
up to 75 s, past the 60 s lease) or the tail runs out (short run: 5 s; what is left is reported
as "pending", each checked to have at most one row).

Reconciliation, as the cluster's superuser: lost = acked but no row; duplicated = more than one
row for an address; also a row whose id differs from the acked id, and rows nobody asked for.

    FIGURES sigkill-under-load: acked N, lost 0, duplicated 0, kills K, ...
"""

import os
import random
import sys
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (make_server, figures, install_signal_exit, log, rng, short_mode, sql_literal,  # noqa: E402
                        verified_owner)

TEST = "sigkill-under-load"


class Key:
    __slots__ = ("key", "email", "acked", "id", "attempts", "replayed", "next_try", "statuses", "transport_errors")

    def __init__(self, key, email):
        self.key = key
        self.email = email
        self.acked = False
        self.id = None
        self.attempts = 0
        self.replayed = False
        self.next_try = 0.0
        self.statuses = Counter()
        self.transport_errors = 0


def main():
    install_signal_exit()
    short = short_mode()
    kills = int(os.environ.get("SIGKILL_KILLS") or (3 if short else 12))
    clients = int(os.environ.get("SIGKILL_CLIENTS") or 4)
    tail_seconds = 5.0 if short else 75.0
    r, seed = rng()
    started = time.monotonic()
    srv = make_server(TEST)
    lock = threading.Lock()
    keys = []
    errors = []                      # answers that should never come (422 mismatch, 500 ...)
    stop_new = threading.Event()
    stop_all = threading.Event()
    restart_seconds = []
    try:
        srv.start()
        slug = f"sigkill{int(time.time()) % 100000}"
        tenant_id, email, token = verified_owner(srv, slug)

        def client(ci):
            try:
                client_loop(ci)
            except Exception as e:  # noqa: BLE001 - a dead client must show in the figures
                with lock:
                    errors.append(f"client {ci} died: {e!r}")

        def client_loop(ci):
            cr = random.Random(seed + ci)
            pending = []
            n = 0
            while not stop_all.is_set():
                now = time.monotonic()
                due = [k for k in pending if k.next_try <= now]
                if due:
                    k = due[0]
                elif len(pending) >= 4:
                    # At most four keys in the air per client: while the server is down, a
                    # client waits rather than piling up keys it cannot send.
                    time.sleep(0.05)
                    continue
                elif not stop_new.is_set():
                    n += 1
                    k = Key(f"sk-{ci}-{n}-{cr.randrange(1 << 30)}", f"c{ci}-{n}@{slug}.test")
                    with lock:
                        keys.append(k)
                    pending.append(k)
                else:
                    if not pending:
                        return
                    time.sleep(0.05)
                    continue
                k.attempts += 1
                try:
                    resp = srv.request("POST", "/v1/invitations", token=token,
                                       body={"email": k.email, "role": "member"},
                                       headers={"Idempotency-Key": k.key}, timeout=30)
                except OSError:
                    k.transport_errors += 1
                    k.next_try = time.monotonic() + cr.uniform(0.05, 0.25)
                    continue
                k.statuses[resp.status] += 1
                if resp.status == 201:
                    k.acked = True
                    k.id = resp.json()["id"]
                    k.replayed = resp.header("Idempotent-Replayed") == "true"
                    pending.remove(k)
                elif resp.status == 409 and b"idempotency_key_in_flight" in resp.body:
                    k.next_try = time.monotonic() + float(resp.header("Retry-After") or 1) + cr.uniform(0, 0.5)
                elif resp.status in (502, 503, 504):
                    k.next_try = time.monotonic() + cr.uniform(0.1, 0.5)
                else:
                    with lock:
                        errors.append(f"{k.key}: {resp.status} {resp.body[:200]!r}")
                    k.next_try = time.monotonic() + 1.0
                    if resp.status < 500:      # a refusal will not change on retry: give the key up
                        pending.remove(k)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        load_started = time.monotonic()
        for i in range(kills):
            time.sleep(r.uniform(1.0, 3.0))
            srv.kill9()
            t0 = time.monotonic()
            srv.start(timeout=90)
            restart_seconds.append(time.monotonic() - t0)
            log(f"kill {i + 1}/{kills}: back after {restart_seconds[-1]:.2f} s; {len(keys)} keys so far")
        time.sleep(2.0)
        stop_new.set()
        load_seconds = time.monotonic() - load_started
        tail_deadline = time.monotonic() + tail_seconds
        while time.monotonic() < tail_deadline and any(t.is_alive() for t in threads):
            time.sleep(0.2)
        stop_all.set()
        for t in threads:
            t.join(timeout=40)
        tail_used = time.monotonic() - (tail_deadline - tail_seconds)

        rows = srv.query(f"select email, invitation_id::text as id from accounts.invitations "
                         f"where tenant_id = {sql_literal(tenant_id)}")
        by_email = {}
        for row in rows:
            by_email.setdefault(row["email"], []).append(row["id"])
        acked = [k for k in keys if k.acked]
        pending = [k for k in keys if not k.acked]
        lost = [k for k in acked if not by_email.get(k.email)]
        duplicated = [e for e, ids in by_email.items() if len(ids) > 1]
        mismatched = [k for k in acked if by_email.get(k.email) and by_email[k.email] != [k.id]]
        known = {k.email for k in keys}
        strangers = [e for e in by_email if e not in known]
        pending_committed = sum(1 for k in pending if by_email.get(k.email))
        replays = sum(1 for k in acked if k.replayed)
        hit = sum(1 for k in keys if k.transport_errors)
        waited_lease = sum(1 for k in keys if k.statuses.get(409))
        statuses = Counter()
        for k in keys:
            statuses.update(k.statuses)
        for line in ([f"lost {k.key} {k.email}" for k in lost[:5]] + [f"duplicated {e}: {by_email[e]}" for e in duplicated[:5]]
                     + [f"id mismatch {k.key}: acked {k.id}, rows {by_email[k.email]}" for k in mismatched[:5]]
                     + [f"row nobody asked for: {e}" for e in strangers[:5]] + errors[:10]):
            log("  " + line)
        pending_ok = short or not pending
        ok = (not lost and not duplicated and not mismatched and not strangers and not errors and pending_ok
              and len(restart_seconds) == kills)
        restart_med = sorted(restart_seconds)[len(restart_seconds) // 2] if restart_seconds else float("nan")
        figures(TEST, f"acked {len(acked)}, lost {len(lost)}, duplicated {len(duplicated)}"
                      f" (kills {len(restart_seconds)}, clients {clients}, keys {len(keys)}, pending {len(pending)}"
                      f" of which committed {pending_committed}, id mismatches {len(mismatched)},"
                      f" unexpected rows {len(strangers)}, replayed acks {replays}, keys hit by a kill {hit},"
                      f" keys that waited out a lease {waited_lease}, unexpected answers {len(errors)},"
                      f" restart median {restart_med:.2f} s max {max(restart_seconds or [0]):.2f} s,"
                      f" load {load_seconds:.0f} s + tail {tail_used:.0f} s, statuses {dict(sorted(statuses.items()))},"
                      f" seed {seed})", ok)
        return 0 if ok else 1
    finally:
        stop_all.set()
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
