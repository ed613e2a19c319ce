#!/usr/bin/env python3
"""10. two-instances: two keel processes on one database behind HAProxy on loopback
(`KeelPair` in keelserver.py). Runs, against the pair:

1. tenant-isolation (test_tenant_isolation.py, unchanged, with RELIABILITY_TOPOLOGY=pair): the
   random workload and the foreign-id sweep, the requests spread over both instances;
2. sigkill-under-load (test_sigkill.py, the same way): each kill takes down one instance, the two
   in turn, while the other serves; nothing acked is lost, nothing is duplicated;
3. idempotency-race: the same create with the same Idempotency-Key sent at the same moment to
   each instance directly (no balancer between), for many keys: one row per key, and every
   answer that is not "still in flight" carries that row's id;
4. limits-hold: with a per-credential limit of 60 a minute, one credential's requests spread
   over both instances are allowed about 60 times, not 120 (each instance applies its share,
   the limit divided by the live instances of its group, `platform.instances`).

    FIGURES two-instances: isolation ..., sigkill ..., race ..., limits ...
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (KeelPair, figures, http, install_signal_exit, log, login, short_mode,  # noqa: E402
                        sql_literal, verified_owner)

TEST = "two-instances"
HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 60


def run_against_pair(script, short):
    """Runs another test of the battery against a pair; returns (ok, its figure line)."""
    env = dict(os.environ, RELIABILITY_TOPOLOGY="pair")
    argv = [sys.executable, os.path.join(HERE, script)] + (["--short"] if short else [])
    out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=None, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("FIGURES ")), f"no figures (exit {out.returncode})")
    return out.returncode == 0, line.split(": ", 1)[-1].replace("  [TARGET MISSED]", "")


def idempotency_race(pair, token, tenant_id, slug, numbers):
    """Each key sent to both instances at once; returns (problems, answers by status)."""
    problems = []
    statuses = Counter()
    ports = [pair.first.port, pair.second.port]
    for n in numbers:
        key = f"race-{n}-{time.time_ns()}"
        email = f"race{n}@{slug}.test"
        answers = [None, None]
        barrier = threading.Barrier(2)

        def send(i):
            barrier.wait()
            try:
                answers[i] = http(ports[i], "POST", "/v1/invitations", token=token,
                                  body={"email": email, "role": "member"}, headers={"Idempotency-Key": key}, timeout=30)
            except OSError as e:
                answers[i] = e
        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ids = set()
        for i, answer in enumerate(answers):
            # "Still in flight" (the other instance holds the key) is retried until it settles.
            deadline = time.monotonic() + 30
            while not isinstance(answer, OSError) and answer.status == 409 and time.monotonic() < deadline:
                time.sleep(0.1)
                answer = http(ports[i], "POST", "/v1/invitations", token=token,
                              body={"email": email, "role": "member"}, headers={"Idempotency-Key": key}, timeout=30)
            if isinstance(answer, OSError):
                problems.append(f"{key} on instance {i + 1}: {answer!r}")
                continue
            statuses[answer.status] += 1
            if answer.status == 201:
                ids.add(answer.json()["id"])
            else:
                problems.append(f"{key} on instance {i + 1}: {answer.status} {answer.body[:200]!r}")
        rows = pair.query(f"select invitation_id::text as id from accounts.invitations "
                          f"where tenant_id = {sql_literal(tenant_id)} and email = {sql_literal(email)}")
        if len(rows) != 1 or ids != {rows[0]['id']}:
            problems.append(f"{key}: rows {[r['id'] for r in rows]}, answered ids {sorted(ids)}")
    return problems, statuses


def limits_hold(pair, slug, email):
    """One credential, requests alternating between the instances; returns (allowed, sent, share)."""
    probe = login(pair, slug, email)
    # Each instance learns of the other within a heartbeat (5 s); a probe credential's
    # RateLimit-Limit header says when both apply half.
    share = None
    for s in pair.instances:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            share = s.get("/v1/me", token=probe).header("RateLimit-Limit")
            if share == str(LIMIT // 2):
                break
            time.sleep(0.25)
    token = login(pair, slug, email)
    allowed = 0
    sent = 2 * LIMIT
    for n in range(sent):
        s = pair.instances[n % 2]
        r = s.get("/v1/me", token=token)
        if r.status == 200:
            allowed += 1
        elif r.status != 429:
            raise RuntimeError(f"/v1/me answered {r.status}: {r.body[:200]!r}")
    return allowed, sent, share


def main():
    install_signal_exit()
    short = short_mode()
    started = time.monotonic()
    ok_isolation, isolation = run_against_pair("test_tenant_isolation.py", short)
    log(f"tenant-isolation against the pair: {'passed' if ok_isolation else 'FAILED'}: {isolation}")
    ok_sigkill, sigkill = run_against_pair("test_sigkill.py", short)
    log(f"sigkill-under-load against the pair: {'passed' if ok_sigkill else 'FAILED'}: {sigkill}")

    pair = KeelPair(TEST, env={"KEEL_RATE_LIMIT_CREDENTIAL": str(LIMIT)})
    try:
        pair.start()
        slug = f"pair{int(time.time()) % 100000}"
        tenant_id, email, _ = verified_owner(pair, slug)
        # Each key costs two requests of one credential (and a retry or two while the other
        # instance holds it); a fresh session every 10 keys keeps each under its share of the limit.
        keys = 10 if short else 30
        problems, statuses = [], {}
        for batch in range(0, keys, 10):
            more, counted = idempotency_race(pair, login(pair, slug, email), tenant_id, slug, range(batch, batch + 10))
            problems += more
            for status, count in counted.items():
                statuses[status] = statuses.get(status, 0) + count
        for line in problems[:10]:
            log("  race: " + line)
        allowed, sent, share = limits_hold(pair, slug, email)
        # The buckets refill at the limit's rate while the requests go out (a second or two).
        elapsed_allowance = 4
        ok_limits = share == str(LIMIT // 2) and LIMIT - elapsed_allowance <= allowed <= LIMIT + elapsed_allowance
        ok = ok_isolation and ok_sigkill and not problems and ok_limits and pair.alive()
        figures(TEST, f"isolation [{isolation}]; sigkill [{sigkill}]; race: keys {keys},"
                      f" problems {len(problems)}, answers {dict(sorted(statuses.items()))}; limits: per-credential"
                      f" {LIMIT}/min, share per instance {share}, allowed {allowed} of {sent} spread over two instances;"
                      f" {time.monotonic() - started:.0f} s", ok)
        return 0 if ok else 1
    finally:
        pair.stop()


if __name__ == "__main__":
    sys.exit(main())
