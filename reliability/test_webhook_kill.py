#!/usr/bin/env python3
"""9. webhook-kill: keel is kill -9'd while it delivers webhooks; every message must reach its
endpoint at least once, signed, and a message that arrives twice must arrive with the same
`webhook-id`.

Keel runs with `KEEL_WEBHOOKS_ALLOW_HTTP=1` and `KEEL_WEBHOOKS_ALLOW_PRIVATE=1`, so it delivers
to a receiver on 127.0.0.1 over plain http. The receiver lives in this process (a threading HTTP
server, the equivalent of Tests/Support/webhooks/webhook_receiver.py): every delivery is verified
with `standardwebhooks`, the Standard Webhooks reference library, never with Keel's code, and
recorded with its arrival time. It answers 200, after 0, 0.1 and 0.3 s for endpoints a, b and c:
a delivery in the receiver's hands at a kill has reached it, but keel never learns the answer, so
that message must come again (once the claim's lease runs out), with the same id.

A tenant signs up, verifies and logs in, and registers three endpoints (`POST
/v1/webhook-endpoints`, every event type). Three client threads queue `webhook.test` messages
(`POST /v1/webhook-endpoints/{id}/test`, 202 with the message id) to endpoints picked at random,
at an even pace over the load window (full: 300 messages in 24 s; short: 60 in 10 s). During the
window keel is SIGKILLed three times at random moments (seeded by RELIABILITY_SEED) and restarted
on the same data. A refused connection (nothing sent) is tried again; a connection that breaks
after the request went out is not (a retry would queue another message): that message is
"unanswered", and may or may not exist.

Then the wait, at most 240 s after the last restart (short: 180 s; WEBHOOK_KILL_WAIT_SECONDS):
until every message in the database (the acknowledged ones and any unanswered one that
committed) has reached the receiver and every delivery is `succeeded` (so a duplicate still to
come after a lease has come). A kill leaves what it had claimed leased (60 s, or a batch's
timeouts plus slack), so the tail is that lease and then the backlog.

Targets: lost 0 (an acknowledged id never received; also an unanswered message that committed
and never arrived), unverified 0, every received id a message of this tenant at the endpoint it
was meant for, duplicates only with the same id (and the same body), no delivery left pending,
sending or failed, no unexpected answer, three kills.

    FIGURES webhook-kill: acknowledged N, received distinct N, lost 0, duplicates N, unverified 0, kills 3, ...
"""

import json
import os
import random
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (KeelServer, figures, install_signal_exit, log, rng, short_mode, sql_literal,  # noqa: E402
                        verified_owner)

try:
    from standardwebhooks import Webhook
except ImportError:  # the runner installs it (Tests/Support/webhooks/requirements.txt)
    print("FIGURES webhook-kill: none (the standardwebhooks library is not installed:"
          " pip install -r Tests/Support/webhooks/requirements.txt)", flush=True)
    sys.exit(2)

TEST = "webhook-kill"
NAMES = ("a", "b", "c")
DELAYS = {"a": 0.0, "b": 0.1, "c": 0.3}


class Receiver:
    """Records every delivery: endpoint name, webhook-id, body, verified, arrival (monotonic)."""

    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.secrets = {}
        self.deliveries = []
        self.cut = []                  # requests whose body never fully arrived (sender killed mid-send)
        self.in_hand = Counter()       # endpoint name -> deliveries read and not yet answered
        self.log = open(log_path, "a", buffering=1)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                receiver.log.write(f"{time.strftime('%H:%M:%S')} {fmt % args}\n")

            def do_POST(self):
                name = self.path[len("/hooks/"):] if self.path.startswith("/hooks/") else None
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                arrived = time.monotonic()
                if len(body) < length:
                    with receiver.lock:
                        receiver.cut.append({"name": name, "id": headers.get("webhook-id"), "arrived": arrived})
                    self.close_connection = True
                    return
                with receiver.lock:
                    secret = receiver.secrets.get(name)
                verified, error = False, None
                try:
                    if secret is None:
                        raise ValueError(f"no secret for {self.path}")
                    Webhook(secret).verify(body, headers)
                    verified = True
                except Exception as e:  # noqa: BLE001 - any failure is "not verified"
                    error = repr(e)
                    receiver.log.write(f"not verified: {self.path} {headers.get('webhook-id')}: {error}\n")
                try:
                    body_id = json.loads(body).get("id")
                    endpoint_id = json.loads(body).get("data", {}).get("endpoint_id")
                except (ValueError, AttributeError):
                    body_id = endpoint_id = None
                with receiver.lock:
                    receiver.deliveries.append({"name": name, "id": headers.get("webhook-id"), "body": body,
                                                "body_id": body_id, "endpoint_id": endpoint_id,
                                                "verified": verified, "error": error, "arrived": arrived})
                    receiver.in_hand[name] += 1
                try:
                    delay = DELAYS.get(name, 0.0)
                    if delay:
                        time.sleep(delay)
                    payload = b'{"ok": true}'
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    with receiver.lock:
                        receiver.in_hand[name] -= 1

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A sender killed mid-request leaves a broken connection: not news.
                receiver.log.write(f"{time.strftime('%H:%M:%S')} connection error: {sys.exc_info()[1]!r}\n")

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def snapshot(self):
        with self.lock:
            return list(self.deliveries)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.log.close()


def main():
    install_signal_exit()
    short = short_mode()
    kills = 3
    clients = 3
    total = int(os.environ.get("WEBHOOK_KILL_MESSAGES") or (60 if short else 300))
    window = 10.0 if short else 24.0
    # A kill leaves the deliveries (and endpoints) it had claimed leased: 60 s, or with batches
    # the batch's timeouts plus slack (105 s by default); then the backlog drains.
    wait_seconds = float(os.environ.get("WEBHOOK_KILL_WAIT_SECONDS") or (180 if short else 240))
    r, seed = rng()
    started = time.monotonic()
    srv = KeelServer(TEST, env={"KEEL_WEBHOOKS_ALLOW_HTTP": "1", "KEEL_WEBHOOKS_ALLOW_PRIVATE": "1"})
    receiver = Receiver(srv.run_dir / "receiver.log")
    lock = threading.Lock()
    acked = {}                       # message id -> endpoint name
    unanswered = []                  # (endpoint name, error): the request went out, no answer came
    refused = Counter()              # refused connections (nothing sent), tried again
    errors = []                      # answers that should never come
    restart_seconds = []
    in_hand_at_kills = []
    stop_all = threading.Event()
    try:
        srv.start()
        slug = f"webhookkill{int(time.time()) % 100000}"
        tenant_id, email, token = verified_owner(srv, slug)
        endpoints = {}               # name -> endpoint id
        for name in NAMES:
            resp = srv.request("POST", "/v1/webhook-endpoints", token=token,
                               body={"url": receiver.url(name), "event_types": [], "description": f"receiver {name}"})
            if resp.status != 201:
                raise RuntimeError(f"create endpoint {name}: {resp.status} {resp.body[:300]!r}")
            created = resp.json()
            endpoints[name] = created["id"]
            with receiver.lock:
                receiver.secrets[name] = created["secret"]
        by_endpoint_id = {v: k for k, v in endpoints.items()}

        interval = window / total
        load_started = time.monotonic()

        def client(ci):
            try:
                client_loop(ci)
            except Exception as e:  # noqa: BLE001 - a dead client must show in the figures
                with lock:
                    errors.append(f"client {ci} died: {e!r}")

        def client_loop(ci):
            cr = random.Random(seed * 31 + ci)
            for i in range(ci, total, clients):
                due = load_started + i * interval
                while (wait := due - time.monotonic()) > 0 and not stop_all.is_set():
                    time.sleep(min(wait, 0.5))
                name = cr.choice(NAMES)
                give_up = time.monotonic() + 120
                while not stop_all.is_set():
                    try:
                        resp = srv.request("POST", f"/v1/webhook-endpoints/{endpoints[name]}/test", token=token,
                                           timeout=30)
                    except ConnectionRefusedError:
                        # Nothing was sent: keel is down; the same message again once it is back.
                        with lock:
                            refused[name] += 1
                        if time.monotonic() > give_up:
                            with lock:
                                errors.append(f"message {i}: refused for 120 s")
                            break
                        time.sleep(0.05)
                        continue
                    except OSError as e:
                        # The request went out and no answer came: it may have committed. Not
                        # retried (that would be another message).
                        with lock:
                            unanswered.append((name, repr(e)))
                        break
                    if resp.status == 202:
                        mid = resp.json().get("id")
                        with lock:
                            if not isinstance(mid, str) or not mid.startswith("msg_") or mid in acked:
                                errors.append(f"message {i}: odd id in 202: {resp.body[:200]!r}")
                            else:
                                acked[mid] = name
                    else:
                        with lock:
                            errors.append(f"message {i} to {name}: {resp.status} {resp.body[:200]!r}")
                    break

        # Kill moments: random in the window's middle 80 %, at least 2 s apart.
        while True:
            kill_at = sorted(r.uniform(0.1 * window, 0.9 * window) for _ in range(kills))
            if all(b - a >= 2.0 for a, b in zip(kill_at, kill_at[1:])):
                break
        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        last_ready = None
        for i, at in enumerate(kill_at):
            wait = load_started + at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with receiver.lock:
                in_hand = sorted(n for n, k in receiver.in_hand.items() for _ in range(k))
            srv.kill9()
            t0 = time.monotonic()
            in_hand_at_kills.append(len(in_hand))
            srv.start(timeout=90)
            last_ready = time.monotonic()
            restart_seconds.append(last_ready - t0)
            log(f"kill {i + 1}/{kills} at {at:.1f} s (in the receiver's hands: {', '.join(in_hand) or 'nothing'}):"
                f" back after {restart_seconds[-1]:.2f} s; {len(acked)} acknowledged so far")
        for t in threads:
            t.join(timeout=window + 150)
        load_seconds = time.monotonic() - load_started
        log(f"load done in {load_seconds:.1f} s: {len(acked)} acknowledged, {len(unanswered)} unanswered;"
            f" waiting up to {wait_seconds:.0f} s after the last restart")

        # The wait: every message in the database received, every delivery settled.
        deadline = last_ready + wait_seconds
        next_note = time.monotonic() + 15
        while True:
            messages = {row["id"] for row in srv.query(
                f"select 'msg_' || message_id::text as id from notifications.webhook_messages"
                f" where tenant_id = {sql_literal(tenant_id)}")}
            statuses = {row["status"]: row["n"] for row in srv.query(
                f"select status, count(*) as n from notifications.webhook_deliveries"
                f" where tenant_id = {sql_literal(tenant_id)} group by status")}
            received_ids = {d["id"] for d in receiver.snapshot()}
            missing = (messages | set(acked)) - received_ids
            unsettled = sum(n for s, n in statuses.items() if s != "succeeded")
            if not missing and not unsettled:
                break
            now = time.monotonic()
            if now >= deadline:
                log(f"gave up: {len(missing)} messages not received, deliveries {statuses}")
                break
            if now >= next_note:
                log(f"  {now - last_ready:.0f} s after the last restart: {len(received_ids)} received,"
                    f" {len(missing)} to come, deliveries {statuses}")
                next_note = now + 15
            time.sleep(0.5)
        settled_after = time.monotonic() - last_ready
        time.sleep(1.0)   # a last duplicate, should one still be on the wire

        deliveries = receiver.snapshot()
        statuses = {row["status"]: row["n"] for row in srv.query(
            f"select status, count(*) as n from notifications.webhook_deliveries"
            f" where tenant_id = {sql_literal(tenant_id)} group by status")}
        attempts = srv.query(f"select count(*) as n, count(*) filter (where succeeded) as ok"
                             f" from notifications.webhook_attempts where tenant_id = {sql_literal(tenant_id)}")[0]
        first = {}
        by_id = {}
        for d in deliveries:
            by_id.setdefault(d["id"], []).append(d)
            first.setdefault(d["id"], d["arrived"])
        received_ids = set(by_id)
        lost = [m for m in acked if m not in received_ids]
        unanswered_committed = [m for m in messages if m not in acked]
        unanswered_lost = [m for m in unanswered_committed if m not in received_ids]
        strangers = [m for m in received_ids if m not in messages and m not in acked]
        unverified = [d for d in deliveries if not d["verified"]]
        misrouted = [d for d in deliveries
                     if d["body_id"] != d["id"] or by_endpoint_id.get(d["endpoint_id"]) != d["name"]
                     or (d["id"] in acked and acked[d["id"]] != d["name"])]
        duplicates = len(deliveries) - len(received_ids)
        duplicated_ids = [m for m, ds in by_id.items() if len(ds) > 1]
        duplicate_mismatch = [m for m in duplicated_ids
                              if len({(d["body"], d["name"]) for d in by_id[m]}) != 1]
        unsettled = {s: n for s, n in statuses.items() if s != "succeeded"}
        last_first = max(first.values()) - last_ready if first else float("nan")
        last_any = max(d["arrived"] for d in deliveries) - last_ready if deliveries else float("nan")
        dup_gaps = sorted(by_id[m][1]["arrived"] - by_id[m][0]["arrived"] for m in duplicated_ids)
        for m in duplicated_ids:
            log(f"  {m} to {by_id[m][0]['name']} received {len(by_id[m])} times, at "
                + ", ".join(f"{d['arrived'] - last_ready:+.1f} s" for d in by_id[m]) + " from the last restart")
        silences = {}
        for name in NAMES:
            times = sorted(d["arrived"] for d in deliveries if d["name"] == name)
            gaps = [(b - a, a) for a, b in zip(times, times[1:])]
            if gaps:
                gap, at = max(gaps)
                silences[name] = f"{gap:.1f} s from {at - last_ready:+.1f} s"
        log(f"  longest silence per endpoint (from the last restart): {silences}")
        for name in NAMES:
            times = sorted(d["arrived"] for d in deliveries if d["name"] == name)
            busy = [t for t in times if t - last_ready > 0]
            if len(busy) > 10:
                log(f"  {name}: {len(busy)} deliveries after the last restart, median spacing"
                    f" {sorted(b - a for a, b in zip(busy, busy[1:]))[len(busy) // 2]:.3f} s")
        server_log = srv.log_path.read_text(errors="replace").splitlines()
        not_recorded = sum(1 for line in server_log if "could not record a webhook attempt" in line)
        claim_failed = sum(1 for line in server_log if "webhook claim failed" in line)
        not_delivered = sum(1 for line in server_log if "webhook not delivered" in line)

        for line in ([f"lost (acknowledged, never received): {m} to {acked[m]}" for m in lost[:10]]
                     + [f"lost (unanswered but committed, never received): {m}" for m in unanswered_lost[:10]]
                     + [f"received but no such message: {m}" for m in strangers[:5]]
                     + [f"unverified: {d['name']} {d['id']}: {d['error']}" for d in unverified[:5]]
                     + [f"misrouted: {d['name']} {d['id']} body id {d['body_id']} endpoint {d['endpoint_id']}"
                        for d in misrouted[:5]]
                     + [f"duplicate with a different body: {m}" for m in duplicate_mismatch[:5]]
                     + [f"deliveries not succeeded at the end: {unsettled}"] * bool(unsettled)
                     + errors[:10]):
            log("  " + line)
        ok = (not lost and not unanswered_lost and not strangers and not unverified and not misrouted
              and not duplicate_mismatch and not unsettled and not errors and len(restart_seconds) == kills
              and bool(acked))
        dup_text = (f"duplicates {duplicates}, all with the same id" if not duplicate_mismatch
                    else f"duplicates {duplicates}, {len(duplicate_mismatch)} of them with another body")
        figures(TEST, f"acknowledged {len(acked)}, received distinct {len(received_ids)}, lost {len(lost)},"
                      f" {dup_text}, unverified {len(unverified)}, kills {len(restart_seconds)},"
                      f" last message received {last_first:.1f} s after the last restart"
                      f" (messages asked for {total} in {window:.0f} s, unanswered {len(unanswered)} of which committed"
                      f" {len(unanswered_committed)} and received {len(unanswered_committed) - len(unanswered_lost)},"
                      f" refused and sent again {sum(refused.values())}, deliveries received {len(deliveries)}"
                      f" ({dict(sorted(Counter(d['name'] for d in deliveries).items()))}),"
                      f" ids received twice or more {len(duplicated_ids)}"
                      f"{' (again after ' + ', '.join(f'{g:.0f}' for g in dup_gaps[:6]) + ' s)' if dup_gaps else ''},"
                      f" cut off mid-request {len(receiver.cut)}, misrouted {len(misrouted)}, strangers {len(strangers)},"
                      f" deliveries at the end {dict(sorted(statuses.items()))}, attempts recorded {attempts['n']}"
                      f" ({attempts['ok']} succeeded), deliveries in the receiver's hands at the kills {in_hand_at_kills},"
                      f" last delivery {last_any:.1f} s and all settled {settled_after:.1f} s after the last restart,"
                      f" server log: attempts not recorded {not_recorded}, claims failed {claim_failed},"
                      f" not delivered {not_delivered}; unexpected answers {len(errors)},"
                      f" restart max {max(restart_seconds or [0]):.2f} s, load {load_seconds:.0f} s,"
                      f" {time.monotonic() - started:.0f} s in all, seed {seed})", ok)
        return 0 if ok else 1
    finally:
        stop_all.set()
        try:
            srv.stop()
        finally:
            receiver.stop()


if __name__ == "__main__":
    sys.exit(main())
