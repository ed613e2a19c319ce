#!/usr/bin/env python3
"""7. login-abuse: brute force against one account, and account enumeration by status, body and
timing. The server runs with its real rate limits (30 logins and signups a minute per address,
10 logins a minute per account) and its real Argon2id cost (19 MiB, 2 iterations).

Loopback has a whole /8, so "another client" is another source address (127.x.y.z): the
per-address limits and the login back-off (per account and source address) see them apart.

Enumeration: a tenant with an owner and 21 people who accepted invitations, one of them then
deactivated. 200 logins with a wrong password against the 20 active invitees (10 each, the
per-account allowance) and 200 with emails nobody has, shuffled together, one at a time, each
from a fresh source address; plus 20 logins to a tenant that does not exist, 10 against the
deactivated person and, from the brute-force phase, answers during back-off. Every answer is
compared with the first one: status, body with its request_id blanked, and headers other than
Date, X-Request-Id and the RateLimit-* family. "Distinguishable responses" counts those that
differ. Timing: medians (and quartiles) of known vs unknown; the gap is known - unknown.

Brute force (see docs/accounts.md, LoginFailureRows): from one address, 200 wrong passwords as
fast as the server answers; past 5 failures that address backs off (1 s, 2 s, 4 s ... up to
15 min) and the per-account limit answers 429. Then, from the attacker's address, the right
password three times (each once the per-account limit lets a request through): every one must
fail, that is "successes after lockout". The owner, from another address, then signs in (the
back-off is per source, by design). Finally, while the attacker keeps hammering: the owner, from
the address they signed in from before, must get in every time (an address an account has signed
in from is held to its per-address limit only); from a new address the per-account limit still
applies, and the figures show how often it refuses them.

    FIGURES login-abuse: successes after lockout 0, distinguishable responses 0, median timing gap x ms, ...
"""

import os
import re
import statistics
import sys
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (KeelServer, figures, install_signal_exit, log, mailbox_token, rng, PASSWORD)  # noqa: E402

TEST = "login-abuse"
IGNORED_HEADERS = {"date", "x-request-id", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"}


class Sources:
    """Fresh loopback source addresses: 127.<a>.<b>.<c>, never 127.0.0.1."""

    def __init__(self, first):
        self.n = first

    def next(self):
        self.n += 1
        n = self.n
        return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{(n & 255) or 1}"


def login(srv, slug, email, password, source):
    return srv.request("POST", "/v1/sessions", body={"tenant": slug, "email": email, "password": password},
                       source=source, timeout=30)


def shape(r):
    """What a caller can compare: status, body with the request id blanked, headers that matter."""
    body = re.sub(rb'"request_id"\s*:\s*"[^"]*"', b'"request_id":""', r.body)
    headers = tuple(sorted((k.lower(), v) for k, v in r.headers if k.lower() not in IGNORED_HEADERS))
    return (r.status, body, headers)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    install_signal_exit()
    started = time.monotonic()
    r, seed = rng()
    srv = KeelServer(TEST, quiet=False)   # the real limits and the real Argon2 cost
    src = Sources(0x010000)
    try:
        srv.start()
        stamp = int(time.time()) % 100000
        # --- the enumeration tenant: an owner, 19 invited people, one deactivated later ---------
        slug = f"enum{stamp}"
        owner_email = f"owner@{slug}.test"
        s = srv.request("POST", "/v1/signup", source=src.next(), body={
            "tenant": {"slug": slug, "name": "Enumeration"},
            "owner": {"email": owner_email, "password": PASSWORD, "name": "Owner"}})
        assert s.status == 201, s
        token = mailbox_token(srv, owner_email, "keelv_")
        assert srv.request("POST", "/v1/email-verifications", body={"token": token}, source=src.next()).status == 200
        owner_token = login(srv, slug, owner_email, PASSWORD, src.next()).json()["token"]
        # 22 people need more than the default plan's 5 seats: Pro has 25, and during the trial
        # the change applies at once with nothing billed.
        sub = srv.request("GET", "/v1/billing/subscription", token=owner_token)
        assert sub.status == 200, sub
        pro = srv.request("POST", "/v1/billing/subscription/change", token=owner_token, body={"plan": "pro"},
                          headers={"If-Match": sub.header("ETag"), "Idempotency-Key": f"pro-{slug}"})
        assert pro.status == 200, pro
        people = []
        for i in range(21):
            email = f"person{i}@{slug}.test"
            inv = srv.request("POST", "/v1/invitations", token=owner_token, body={"email": email, "role": "member"})
            assert inv.status == 201, inv
            tok = mailbox_token(srv, email, "keeli_")
            acc = srv.request("POST", "/v1/invitation-acceptances", source=src.next(),
                              body={"token": tok, "name": f"Person {i}", "password": PASSWORD})
            assert acc.status == 201, acc
            people.append((email, acc.json()["user"]["id"]))
        # The last one is deactivated: a real account that must look like every other failure.
        deact_email, deact_id = people.pop()
        u = srv.request("GET", f"/v1/users/{deact_id}", token=owner_token)
        d = srv.request("PATCH", f"/v1/users/{deact_id}", token=owner_token, body={"status": "deactivated"},
                        headers={"If-Match": u.header("ETag")})
        assert d.status == 200, d
        known = [p[0] for p in people]          # 20 active people (the owner, who logged in once, aside)
        log(f"enumeration tenant {slug}: {len(known)} active invited people, 1 deactivated")

        # --- the victim of the brute force: a tenant of its own ----------------------------------
        vslug = f"victim{stamp}"
        vemail = f"owner@{vslug}.test"
        s = srv.request("POST", "/v1/signup", source=src.next(), body={
            "tenant": {"slug": vslug, "name": "Victim"}, "owner": {"email": vemail, "password": PASSWORD, "name": "V"}})
        assert s.status == 201, s

        # --- enumeration: 200 known (wrong password) vs 200 unknown, shuffled ---------------------
        tries = [("known", known[i % len(known)]) for i in range(200)] + \
                [("unknown", f"nobody{i}-{stamp}@{slug}.test") for i in range(200)]
        r.shuffle(tries)
        times = {"known": [], "unknown": []}
        shapes = []                                           # (category, shape)
        statuses = Counter()
        # Warm-up: the dummy hash is made on first use; not counted.
        login(srv, slug, f"warmup@{slug}.test", "wrong password 1", src.next())
        for kind, email in tries:
            resp = login(srv, slug, email, f"wrong password {r.randrange(1 << 20)}", src.next())
            statuses[(kind, resp.status)] += 1
            if resp.status != 429:
                times[kind].append(resp.elapsed * 1000)
            shapes.append((kind, shape(resp)))
        for i in range(20):
            resp = login(srv, f"nosuch{stamp}x{i}", known[0], PASSWORD, src.next())
            statuses[("unknown tenant", resp.status)] += 1
            shapes.append(("unknown tenant", shape(resp)))
        for i in range(10):
            resp = login(srv, slug, deact_email, PASSWORD, src.next())
            statuses[("deactivated", resp.status)] += 1
            shapes.append(("deactivated", shape(resp)))
        log(f"enumeration statuses: {dict(statuses)}")

        # --- brute force from one address ----------------------------------------------------------
        attacker = "127.200.0.1"
        bf = Counter()
        bf_started = time.monotonic()
        for i in range(200):
            resp = login(srv, vslug, vemail, f"guess {i} {r.randrange(1 << 30)}", attacker)
            bf[resp.status] += 1
            if resp.status == 401:
                shapes.append(("brute force 401", shape(resp)))
        bf_seconds = time.monotonic() - bf_started
        wrong_successes = bf.get(201, 0) + bf.get(202, 0)
        log(f"brute force: {dict(bf)} in {bf_seconds:.1f} s")

        def when_admitted(source, password, attempts=12):
            """Tries until the per-account limit lets the request through (a token comes back
            every 6 s); returns the first answer that is not a 429."""
            for _ in range(attempts):
                resp = login(srv, vslug, vemail, password, source)
                if resp.status != 429:
                    return resp
                time.sleep(float(resp.header("Retry-After") or 3) + 0.2)
            return resp

        right_from_attacker = []
        for _ in range(3):
            resp = when_admitted(attacker, PASSWORD)
            right_from_attacker.append(resp.status)
            if resp.status == 401:
                shapes.append(("right password during back-off", shape(resp)))
        successes_after_lockout = sum(1 for s_ in right_from_attacker if s_ in (201, 202))
        owner_elsewhere = when_admitted("127.201.0.1", PASSWORD)
        log(f"right password from the attacker's address during back-off: {right_from_attacker};"
            f" from another address: {owner_elsewhere.status}")
        blocked = srv.query("select failures, greatest(0, extract(epoch from blocked_until - now()))::int as left_s "
                            f"from accounts.login_failures where source = '{attacker}'")

        # --- the cost: the owner during a sustained attack -----------------------------------------
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                try:
                    login(srv, vslug, vemail, "still guessing", attacker)
                except OSError:
                    pass
                time.sleep(0.5)

        h = threading.Thread(target=hammer, daemon=True)
        time.sleep(7)          # let the per-account bucket refill a little first
        h.start()
        owner_tries = Counter()        # from the address the owner signed in from before
        new_address_tries = Counter()  # from an address the account has never signed in from
        for _ in range(10):
            time.sleep(1.0)
            owner_tries[login(srv, vslug, vemail, PASSWORD, "127.201.0.1").status] += 1
            new_address_tries[login(srv, vslug, vemail, PASSWORD, "127.202.0.1").status] += 1
        stop.set()
        h.join(timeout=35)

        # --- verdicts ----------------------------------------------------------------------------------
        reference = shapes[0][1]
        differing = [(k, s_) for k, s_ in shapes if s_ != reference]
        kinds = Counter(k for k, _ in shapes)
        for k, s_ in differing[:5]:
            log(f"  differs ({k}): {s_[0]} {s_[1][:160]!r} {s_[2]}")
        log(f"  reference answer: {reference[0]} {reference[1]!r}")
        log(f"  reference headers: {reference[2]}")
        backoff = ", ".join(f"{b['failures']} failures, {b['left_s']} s left" for b in blocked) or "none"
        mk, mu = statistics.median(times["known"]), statistics.median(times["unknown"])
        gap = mk - mu
        # How well one timing tells known from unknown: P(a known try is slower than an unknown
        # one), 0.5 when timing says nothing (the Mann-Whitney AUC).
        auc = sum((k > u) + 0.5 * (k == u) for k in times["known"] for u in times["unknown"]) / \
            (len(times["known"]) * len(times["unknown"]))
        iqr_k = pct(times["known"], 0.75) - pct(times["known"], 0.25)
        rate_limited_in_enum = sum(v for (k, st), v in statuses.items() if st == 429)
        ok = (successes_after_lockout == 0 and wrong_successes == 0 and not differing and rate_limited_in_enum == 0
              and owner_elsewhere.status == 201 and set(owner_tries) == {201})
        figures(TEST, f"successes after lockout {successes_after_lockout}, distinguishable responses {len(differing)},"
                      f" median timing gap {gap:+.2f} ms"
                      f" (known {mk:.1f} ms [IQR {pct(times['known'], 0.25):.1f}-{pct(times['known'], 0.75):.1f}],"
                      f" unknown {mu:.1f} ms [{pct(times['unknown'], 0.25):.1f}-{pct(times['unknown'], 0.75):.1f}],"
                      f" n {len(times['known'])}/{len(times['unknown'])}, P(known slower) {auc:.2f}; answers compared {len(shapes)} {dict(kinds)};"
                      f" brute force 200 tries in {bf_seconds:.1f} s: {dict(sorted(bf.items()))}, wrong-password"
                      f" successes {wrong_successes}; right password from the attacker's address during back-off"
                      f" {right_from_attacker}; from another address {owner_elsewhere.status};"
                      f" the attacker's back-off row: {backoff};"
                      f" the owner during a sustained attack: from their known address {dict(owner_tries)},"
                      f" from a new address {dict(new_address_tries)};"
                      f" {time.monotonic() - started:.0f} s)", ok)
        return 0 if ok else 1
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
