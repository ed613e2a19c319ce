#!/usr/bin/env python3
"""8. crash-between-charge-and-save: the process dies after the payment provider charged a card
and before Keel saved the outcome; after a restart the invoice must end up paid, charged once.

The provider is localstripe (Tests/Support/localstripe/localstripe_server.py, a fake but
stateful Stripe server on a port of its own; it ignores `Idempotency-Key`, so a second confirm
or a second payment would be a second charge). Keel collects through it
(`KEEL_STRIPE_API_BASE`), with `KEEL_STRIPE_TIMEOUT_SECONDS=2` (an attempt's lease is twice
that, 4 s) and the billing scheduler every second. No webhook endpoint is registered with
localstripe, so nothing but the scheduler's look-up after the lease can settle the attempt.

N tenants (3; short: 1) sign up. Each trial is ended by SQL on the test's cluster
(trial_end and current_period_end a minute ago); the scheduler then ends the trial and issues
an open invoice, which it cannot collect (no card yet). Then for each tenant in turn:

  1. keel runs with `KEEL_DEBUG_FAILPOINTS=after-charge` (debug builds: exit 86 right after the
     provider confirmed a charge, before Keel saved the outcome);
  2. a card is made at localstripe and set (`PUT /v1/billing/payment-method`), which charges the
     open invoice at once: the process must die with status 86, the HTTP call unanswered.
     At that moment localstripe holds one succeeded payment intent for the invoice (metadata
     `keel_invoice_id`) and Keel's attempt is still `sending` (a "crash after the charge");
  3. keel is restarted without the failpoint on the same database; the invoice must be `paid`
     within 60 s of the crash, with exactly one succeeded payment intent at localstripe and
     exactly one succeeded attempt at Keel.

At the end every invoice is checked again (after a few more scheduler passes).

    FIGURES crash-between-charge-and-save: N crashes after the charge, N invoices paid after restart, charges per invoice 1, settled in s s (max) ...
"""

import os
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (REPO, KeelServer, figures, http, install_signal_exit, log, short_mode,  # noqa: E402
                        sql_literal, verified_owner)

TEST = "crash-between-charge-and-save"
API_KEY = "sk_test_keel"
WEBHOOK_SECRET = "whsec_reliability_only"
STRIPE_TIMEOUT = 2                   # seconds; the attempt's lease is twice this
FAILPOINT_EXIT = 86
SETTLE_LIMIT = 60.0                  # seconds from the crash to a paid invoice
LOCALSTRIPE = REPO / "Tests/Support/localstripe/localstripe_server.py"


class LocalStripe:
    """localstripe_server.py as a child: its stdin a pipe held open (EOF stops it), its output
    in files of the run directory."""

    def __init__(self, run_dir):
        self.out_path = run_dir / "localstripe.out"
        self.log_path = run_dir / "localstripe.log"
        self.proc = None
        self.port = None

    def start(self, timeout=30.0):
        with open(self.out_path, "wb") as out, open(self.log_path, "ab") as err:
            self.proc = subprocess.Popen([sys.executable, str(LOCALSTRIPE), "--port", "0"], stdin=subprocess.PIPE,
                                         stdout=out, stderr=err, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.out_path.read_text(errors="replace").splitlines():
                if line.startswith("READY "):
                    self.port = int(line.split()[1])
                    log(f"{TEST}: localstripe pid {self.proc.pid} on port {self.port}")
                    return
            if self.proc.poll() is not None:
                raise RuntimeError(f"localstripe exited with {self.proc.returncode}:\n" + self.tail())
            time.sleep(0.05)
        raise RuntimeError(f"localstripe printed no READY line within {timeout:.0f} s:\n" + self.tail())

    def tail(self, n=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def call(self, method, path, form=None):
        encoded = urllib.parse.urlencode(form or [])
        headers = {"Authorization": f"Bearer {API_KEY}"}
        body = None
        if method == "GET":
            if encoded:
                path += ("&" if "?" in path else "?") + encoded
        else:
            body = encoded.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        r = http(self.port, method, path, body=body, headers=headers, timeout=30)
        if not 200 <= r.status < 300:
            raise RuntimeError(f"localstripe {method} {path}: {r.status} {r.body[:300]!r}")
        return r.json()

    def card(self, number="4242424242424242"):
        return self.call("POST", "/v1/payment_methods", [
            ("type", "card"), ("card[number]", number), ("card[exp_month]", "12"), ("card[exp_year]", "2034"),
            ("card[cvc]", "123")])["id"]

    def payment_intents(self):
        """Every payment intent, 100 a page, following starting_after while has_more (a page with
        nothing new ends the walk: localstripe starts over when it does not know the cursor)."""
        items, seen, after = [], set(), None
        while True:
            form = [("limit", "100")] + ([("starting_after", after)] if after else [])
            page = self.call("GET", "/v1/payment_intents", form)
            fresh = [pi for pi in page["data"] if pi["id"] not in seen]
            seen.update(pi["id"] for pi in fresh)
            items += fresh
            if not page.get("has_more") or not fresh:
                return items
            after = page["data"][-1]["id"]

    def intents_for(self, invoice_id):
        return [pi for pi in self.payment_intents() if (pi.get("metadata") or {}).get("keel_invoice_id") == invoice_id]

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.close()      # its own way out
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_for(what, fn, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def invoices(srv, token):
    r = srv.get("/v1/billing/invoices", token=token)
    if r.status != 200:
        raise RuntimeError(f"GET /v1/billing/invoices: {r.status} {r.body[:300]!r}")
    return r.json()["data"]


def attempts(srv, token, invoice_id):
    r = srv.get(f"/v1/billing/invoices/{invoice_id}/payment-attempts", token=token)
    if r.status != 200:
        raise RuntimeError(f"GET payment-attempts: {r.status} {r.body[:300]!r}")
    return r.json()["data"]


def main():
    install_signal_exit()
    short = short_mode()
    n = int(os.environ.get("CRASH_CHARGE_TENANTS") or (1 if short else 3))
    started = time.monotonic()
    srv = None
    stripe = None
    crashes = []        # per tenant: dict of what was seen
    problems = []
    try:
        srv = KeelServer(TEST)
        stripe = LocalStripe(srv.run_dir)
        stripe.start()
        srv.env.update({
            "KEEL_STRIPE_API_KEY": API_KEY,
            "KEEL_STRIPE_API_BASE": stripe.base,
            "KEEL_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "KEEL_STRIPE_TIMEOUT_SECONDS": str(STRIPE_TIMEOUT),
            "KEEL_BILLING_SCHEDULER_SECONDS": "1",
            "KEEL_DEBUG_FAILPOINTS": "after-charge",
        })
        srv.start()

        # --- N tenants, each with an open invoice and no card ---------------------------------
        stamp = int(time.time()) % 100000
        tenants = []
        for i in range(n):
            slug = f"crash{stamp}t{i}"
            tenant_id, _, token = verified_owner(srv, slug)
            tenants.append({"slug": slug, "tenant_id": tenant_id, "token": token})
        for t in tenants:
            tid = sql_literal(t["tenant_id"])
            wait_for(f"{t['slug']}: subscription", lambda: srv.query(
                f"select 1 from billing.subscriptions where tenant_id = {tid} and status = 'trialing'"), 30)
            # The trial ended a minute ago; the anchor moves with it (as a trial extension moves
            # it), and the period starts before it ends (a check constraint).
            srv.execute(f"update billing.subscriptions set trial_end = now() - interval '1 minute', "
                        f"billing_anchor = now() - interval '1 minute', "
                        f"current_period_start = least(current_period_start, now() - interval '2 minutes'), "
                        f"current_period_end = now() - interval '1 minute' where tenant_id = {tid} and status = 'trialing'")
        for t in tenants:
            def open_invoice(t=t):
                return [inv for inv in invoices(srv, t["token"]) if inv["status"] == "open"]
            found = wait_for(f"{t['slug']}: an open invoice after the trial's end", open_invoice, 30)
            t["invoice_id"] = found[0]["id"]
            t["amount_due"] = found[0].get("amount_due")
            log(f"{t['slug']}: open invoice {t['invoice_id']} (amount due {t['amount_due']})")
            if stripe.intents_for(t["invoice_id"]):
                problems.append(f"{t['slug']}: payment intents before any card was set")

        # --- each tenant in turn: crash after the charge, restart, settle ----------------------
        for i, t in enumerate(tenants):
            if not srv.alive():
                srv.env["KEEL_DEBUG_FAILPOINTS"] = "after-charge"
                srv.start(timeout=90)
            seen = {"slug": t["slug"], "invoice_id": t["invoice_id"]}
            crashes.append(seen)
            pm = stripe.card()
            try:
                r = srv.request("PUT", "/v1/billing/payment-method", token=t["token"], body={"payment_method": pm},
                                timeout=30)
                seen["put"] = r.status
                problems.append(f"{t['slug']}: PUT payment-method answered {r.status} {r.body[:200]!r}")
            except OSError as e:
                seen["put"] = f"no answer ({type(e).__name__})"
            crashed_at = time.monotonic()
            try:
                status = srv.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                status = None
            seen["exit"] = status
            if status != FAILPOINT_EXIT:
                problems.append(f"{t['slug']}: keel exit status {status}, not {FAILPOINT_EXIT}")
                if status is None:
                    srv.kill9()
            # What the crash left: the charge made at the provider, Keel's attempt still sending.
            intents = stripe.intents_for(t["invoice_id"])
            seen["succeeded_at_crash"] = sum(1 for pi in intents if pi["status"] == "succeeded")
            rows = srv.query(f"select state, provider_payment from billing.payment_attempts "
                             f"where invoice_id = {sql_literal(t['invoice_id'])} order by attempt_number")
            seen["attempts_at_crash"] = [row["state"] for row in rows]
            log(f"{t['slug']}: exit {status}, PUT {seen['put']}; at the crash: localstripe "
                f"{[(pi['id'], pi['status']) for pi in intents]}, Keel attempts {[(r['state'], r['provider_payment']) for r in rows]}")
            if seen["succeeded_at_crash"] == 1 and seen["attempts_at_crash"] == ["sending"]:
                seen["after_charge"] = True
            else:
                problems.append(f"{t['slug']}: not a crash between charge and save: {seen['succeeded_at_crash']} succeeded "
                                f"intents, attempts {seen['attempts_at_crash']}")

            # Restart without the failpoint; the scheduler settles the attempt after its lease.
            srv.env.pop("KEEL_DEBUG_FAILPOINTS", None)
            t0 = time.monotonic()
            srv.start(timeout=90)
            seen["restart"] = time.monotonic() - t0
            paid = None
            deadline = crashed_at + SETTLE_LIMIT
            while time.monotonic() < deadline:
                inv = [x for x in invoices(srv, t["token"]) if x["id"] == t["invoice_id"]]
                if inv and inv[0]["status"] == "paid":
                    paid = time.monotonic() - crashed_at
                    break
                time.sleep(0.1)
            seen["paid_after"] = paid
            atts = attempts(srv, t["token"], t["invoice_id"])
            seen["attempts"] = [a["state"] for a in atts]
            intents = stripe.intents_for(t["invoice_id"])
            seen["succeeded"] = sum(1 for pi in intents if pi["status"] == "succeeded")
            seen["intents"] = len(intents)
            log(f"{t['slug']}: restarted in {seen['restart']:.2f} s; "
                + (f"paid {paid:.2f} s after the crash" if paid is not None else f"NOT paid within {SETTLE_LIMIT:.0f} s")
                + f"; attempts {[(a['state'], a.get('provider_payment_id')) for a in atts]}; "
                  f"localstripe {[(pi['id'], pi['status']) for pi in intents]}")
            if paid is None:
                problems.append(f"{t['slug']}: invoice {t['invoice_id']} not paid within {SETTLE_LIMIT:.0f} s of the crash")
                log("  server log:\n" + srv.tail(40))
            if seen["succeeded"] != 1:
                problems.append(f"{t['slug']}: {seen['succeeded']} succeeded payment intents for {t['invoice_id']}")
            if seen["attempts"].count("succeeded") != 1:
                problems.append(f"{t['slug']}: attempts at Keel {seen['attempts']}")
            if i + 1 < len(tenants):
                srv.terminate()          # the next tenant's crash needs the failpoint again

        # --- a last look, a few scheduler passes later -----------------------------------------
        time.sleep(3.0)
        final = {}
        for t in tenants:
            inv = [x for x in invoices(srv, t["token"]) if x["id"] == t["invoice_id"]]
            succeeded = sum(1 for pi in stripe.intents_for(t["invoice_id"]) if pi["status"] == "succeeded")
            states = [a["state"] for a in attempts(srv, t["token"], t["invoice_id"])]
            final[t["slug"]] = (inv[0]["status"] if inv else None, succeeded, states)
            if not inv or inv[0]["status"] != "paid" or succeeded != 1 or states.count("succeeded") != 1:
                problems.append(f"{t['slug']} at the end: invoice {inv[0]['status'] if inv else 'missing'}, "
                                f"{succeeded} succeeded intents, attempts {states}")
        log(f"at the end: {final}")
        logged_failpoint = srv.log_path.read_text(errors="replace").count("failpoint after-charge: exiting on purpose")

        for p in problems:
            log("  " + p)
        after_charge = sum(1 for c in crashes if c.get("after_charge"))
        paid = [c for c in crashes if c.get("paid_after") is not None]
        per_invoice = sorted({c.get("succeeded") for c in crashes}) or [0]
        charges = per_invoice[0] if len(per_invoice) == 1 else "/".join(str(x) for x in per_invoice)
        settle = [c["paid_after"] for c in paid]
        restarts = [c["restart"] for c in crashes if "restart" in c]
        ok = not problems and len(crashes) == n and after_charge == n and len(paid) == n and charges == 1
        figures(TEST, f"{after_charge} crashes after the charge, {len(paid)} invoices paid after restart, "
                      f"charges per invoice {charges}, settled in {max(settle or [float('nan')]):.1f} s (max)"
                      f" (tenants {n}, exit statuses {[c.get('exit') for c in crashes]}, failpoint lines in the log"
                      f" {logged_failpoint}, settled median {sorted(settle)[len(settle) // 2] if settle else float('nan'):.1f} s"
                      f" after the crash with a {2 * STRIPE_TIMEOUT} s lease and a 1 s scheduler,"
                      f" restart max {max(restarts or [0]):.2f} s, attempts per invoice"
                      f" {sorted({len(c.get('attempts', [])) for c in crashes})}, problems {len(problems)};"
                      f" {time.monotonic() - started:.0f} s)", ok)
        return 0 if ok else 1
    except Exception as e:  # noqa: BLE001 - could not run: say so on the figure line
        log(f"{TEST}: {e!r}")
        if srv is not None:
            log("server log:\n" + srv.tail(40))
        figures(TEST, f"could not run: {e}", False)
        return 2
    finally:
        try:
            if srv is not None:
                srv.stop()
        finally:
            if stripe is not None:
                stripe.stop()


if __name__ == "__main__":
    sys.exit(main())
