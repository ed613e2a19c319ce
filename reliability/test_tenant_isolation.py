#!/usr/bin/env python3
"""1. tenant-isolation: a randomized multi-tenant workload over HTTP, then every id it saw tried
with every other tenant's credentials.

A Hypothesis state machine drives >= 5 tenants (each signed up, its owner verified): invite people,
accept invitations (the token read from the dev mailbox), log them in, create API keys with the
owner's full permissions, create draft orders (`POST /v1/orders`) and replace their lines, list
users / invitations / API keys / sessions / audit events / orders (with random page sizes and, now
and then, a cursor taken from another tenant's list), read and change users, read orders and their
timelines, probe other tenants' user and order ids, revoke invitations, log in with one tenant's
slug and another tenant's owner. Every list is checked as it arrives: a row whose id (or audit
target / actor) belongs to another tenant is a "cross-tenant row seen".

Then the sweep: for every tenant, with its owner's session and up to two full-power API keys,
every id the run saw in any *other* tenant is tried where the API takes an id —
GET/PATCH/DELETE /v1/users/{id}, DELETE /v1/invitations/{id}, DELETE /v1/api-keys/{id}, and
DELETE /v1/sessions/{id} (sessions only; API keys are refused there by design), GET /v1/orders/{id},
GET /v1/orders/{id}/timeline, PUT /v1/orders/{id}/lines (a valid body, with `If-Match: *` and
with the order's current version), POST /v1/orders/{id}/place, POST /v1/orders/{id}/pay and POST
/v1/orders/{id}/cancel. Anything but a 404 is a "foreign-id non-404". The owner's session also pages
through its tenant's whole order list, which must hold no other tenant's order. Finally
every tenant re-reads its own users and orders: none may have changed (an order keeps its version).

    FIGURES tenant-isolation: ops N, foreign-id non-404 0, cross-tenant rows seen 0 (tenants T, ids I, orders O, ...)
"""

import os
import sys
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (make_server, figures, install_signal_exit, log, login, mailbox_token,  # noqa: E402
                        short_mode, signup, verify_email, PASSWORD)

from hypothesis import HealthCheck, settings, strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test  # noqa: E402

TEST = "tenant-isolation"
# Every permission a key can be given (the spec's Permission enum; an owner holds them all).
ALL_PERMISSIONS = ["users.read", "users.manage", "owners.manage", "audit.read", "invitations.manage",
                   "api_keys.manage", "tenant.manage", "billing.read", "billing.manage", "orders.read",
                   "orders.manage"]
ROLES = ["admin", "billing", "member", "viewer"]
PRODUCTS = ["extra-seats", "onboarding"]   # the seeded catalog (migrations/0012_orders_core.sql)
ORDER_LINES = st.lists(st.fixed_dictionaries({"product": st.sampled_from(PRODUCTS),
                                              "quantity": st.integers(1, 1000)}), min_size=1, max_size=3)


class Tenant:
    def __init__(self, index, slug, tenant_id, owner_id, owner_email, owner_token):
        self.index = index
        self.slug = slug
        self.id = tenant_id
        self.owner_email = owner_email
        self.owner_id = owner_id
        # Credentials: (kind, token, powerful). Powerful = the owner's session or a full API key.
        self.creds = [("session", owner_token, True)]
        self.users = {owner_id}
        self.invitations = set()
        self.pending = []            # (invitation id, email) not yet accepted or revoked
        self.api_keys = set()
        self.sessions = set()
        self.audit = set()
        self.orders = {}             # order id -> its version, as last written by this tenant
        self.cursors = {}            # list path -> a next_cursor seen


class World:
    """What the run has created and seen, across Hypothesis examples (the server keeps it all)."""

    def __init__(self, srv):
        self.srv = srv
        self.tenants = []
        self.ops = 0
        self.statuses = Counter()
        self.cross_rows = []         # descriptions of rows seen in the wrong tenant
        self.unexpected = []         # own-tenant operations that did not answer as they should
        self.counter = 0

    def call(self, method, path, token=None, body=None, headers=None):
        self.ops += 1
        r = self.srv.request(method, path, token=token, body=body, headers=headers, timeout=30)
        self.statuses[r.status] += 1
        return r

    def owner_of(self, some_id):
        for t in self.tenants:
            if some_id in t.users or some_id in t.invitations or some_id in t.api_keys \
                    or some_id in t.sessions or some_id in t.audit or some_id in t.orders:
                return t
        return None

    def note_row(self, t, kind, row_id, extra=""):
        owner = self.owner_of(row_id)
        if owner is not None and owner is not t:
            self.cross_rows.append(f"{kind} {row_id} of {owner.slug} listed in {t.slug} {extra}")

    def expect(self, r, statuses, what):
        if r.status not in statuses:
            self.unexpected.append(f"{what}: {r.status} {r.body[:200]!r}")
            return False
        return True


W: World = None  # set in main()


def check_list(t, kind, r):
    """Every row of a list answered to tenant t must be t's; remember ids of t's own rows."""
    if r.status != 200:
        return
    page = r.json()
    for row in page["data"]:
        rid = row["id"]
        W.note_row(t, kind, rid)
        if kind == "audit-events":
            for field in ("actor_user_id",):
                if row.get(field):
                    W.note_row(t, f"audit.{field}", row[field], f"(event {rid})")
            target = row.get("target") or ""
            if "/" in target:
                W.note_row(t, "audit.target", target.split("/", 1)[1], f"(event {rid})")
            if W.owner_of(rid) is None:
                t.audit.add(rid)
        elif kind == "sessions":
            if W.owner_of(rid) is None:
                t.sessions.add(rid)
        elif kind == "users":
            if W.owner_of(rid) is None:
                t.users.add(rid)
        elif kind == "orders":
            if W.owner_of(rid) is None:
                t.orders[rid] = row["version"]
    if page.get("next_cursor"):
        t.cursors[kind] = page["next_cursor"]


class Isolation(RuleBasedStateMachine):
    @rule(ti=st.integers(0, 99), role=st.sampled_from(ROLES))
    def invite(self, ti, role):
        t = W.tenants[ti % len(W.tenants)]
        W.counter += 1
        email = f"p{W.counter}-{t.slug}@iso.test"
        r = W.call("POST", "/v1/invitations", token=t.creds[0][1], body={"email": email, "role": role},
                   headers={"Idempotency-Key": f"iso-{t.slug}-{W.counter}"})
        if W.expect(r, {201}, f"invite in {t.slug}"):
            inv = r.json()
            t.invitations.add(inv["id"])
            t.pending.append((inv["id"], email))

    @rule(ti=st.integers(0, 99), pick=st.integers(0, 99))
    def accept(self, ti, pick):
        t = W.tenants[ti % len(W.tenants)]
        if not t.pending:
            return
        inv_id, email = t.pending.pop(pick % len(t.pending))
        token = mailbox_token(W.srv, email, "keeli_")
        r = W.call("POST", "/v1/invitation-acceptances", body={"token": token, "name": f"Person {email}",
                                                               "password": PASSWORD})
        # The default plan has 5 seats (migrations/0009): once they are taken, a correct answer is
        # 409 seat_limit_reached, and the invitation stays pending.
        full = len(t.users) >= 5
        if full and r.status == 409 and b"seat_limit_reached" in r.body:
            W.ops += 1
            return
        if W.expect(r, {201}, f"accept {email}"):
            user = r.json()["user"]
            t.users.add(user["id"])
            W.ops += 1
            session = login(W.srv, t.slug, email)
            t.creds.append(("session", session, False))

    @rule(ti=st.integers(0, 99))
    def create_api_key(self, ti):
        t = W.tenants[ti % len(W.tenants)]
        r = W.call("POST", "/v1/api-keys", token=t.creds[0][1],
                   body={"name": f"key {len(t.api_keys)}", "permissions": ALL_PERMISSIONS})
        if W.expect(r, {201}, f"api key in {t.slug}"):
            key = r.json()
            t.api_keys.add(key["id"])
            t.creds.append(("api_key", key["key"], True))

    @rule(ti=st.integers(0, 99), ci=st.integers(0, 99),
          kind=st.sampled_from(["users", "invitations", "api-keys", "audit-events", "sessions", "orders"]),
          limit=st.sampled_from([1, 2, 5, 20, 100]), foreign_cursor=st.booleans(), fi=st.integers(0, 99))
    def list_things(self, ti, ci, kind, limit, foreign_cursor, fi):
        t = W.tenants[ti % len(W.tenants)]
        kind_, token, _ = t.creds[ci % len(t.creds)]
        if kind == "sessions" and kind_ != "session":
            return
        path = f"/v1/{kind}?limit={limit}"
        if foreign_cursor:
            other = W.tenants[fi % len(W.tenants)]
            if other is not t and kind in other.cursors:
                path += f"&starting_after={other.cursors[kind]}"
        r = W.call("GET", path, token=token)
        # A viewer may not read invitations, say: 403 is an honest answer to one's own tenant.
        if W.expect(r, {200, 403}, f"GET {path} in {t.slug}"):
            check_list(t, kind, r)

    @rule(ti=st.integers(0, 99), ci=st.integers(0, 99), pick=st.integers(0, 999))
    def get_own_user(self, ti, ci, pick):
        t = W.tenants[ti % len(W.tenants)]
        _, token, _ = t.creds[ci % len(t.creds)]
        uid = sorted(t.users)[pick % len(t.users)]
        r = W.call("GET", f"/v1/users/{uid}", token=token)
        if W.expect(r, {200, 403, 404}, f"GET own user in {t.slug}") and r.status == 200:
            if r.json()["id"] != uid:
                W.cross_rows.append(f"GET /v1/users/{uid} in {t.slug} answered {r.json()['id']}")

    @rule(ti=st.integers(0, 99), oi=st.integers(1, 99), pick=st.integers(0, 999))
    def probe_foreign_user(self, ti, oi, pick):
        t = W.tenants[ti % len(W.tenants)]
        other = W.tenants[(t.index + oi % (len(W.tenants) - 1) + 1) % len(W.tenants)]
        uid = sorted(other.users)[pick % len(other.users)]
        r = W.call("GET", f"/v1/users/{uid}", token=t.creds[0][1])
        if r.status != 404:
            W.cross_rows.append(f"GET foreign user {uid} of {other.slug} from {t.slug}: {r.status}")

    @rule(ti=st.integers(0, 99), currency=st.sampled_from(["USD", "EUR", "GBP", "JPY"]), lines=ORDER_LINES)
    def create_order(self, ti, currency, lines):
        t = W.tenants[ti % len(W.tenants)]
        W.counter += 1
        r = W.call("POST", "/v1/orders", token=t.creds[0][1], body={"currency": currency, "lines": lines},
                   headers={"Idempotency-Key": f"iso-order-{t.slug}-{W.counter}"})
        if W.expect(r, {201}, f"create order in {t.slug}"):
            order = r.json()
            t.orders[order["id"]] = order["version"]

    @rule(ti=st.integers(0, 99), ci=st.integers(0, 99), pick=st.integers(0, 999), timeline=st.booleans())
    def get_own_order(self, ti, ci, pick, timeline):
        t = W.tenants[ti % len(W.tenants)]
        if not t.orders:
            return
        _, token, _ = t.creds[ci % len(t.creds)]
        oid = sorted(t.orders)[pick % len(t.orders)]
        path = f"/v1/orders/{oid}" + ("/timeline" if timeline else "")
        r = W.call("GET", path, token=token)   # orders.read: every role
        if W.expect(r, {200}, f"GET own {path} in {t.slug}") and not timeline and r.json()["id"] != oid:
            W.cross_rows.append(f"GET {path} in {t.slug} answered {r.json()['id']}")

    @rule(ti=st.integers(0, 99), pick=st.integers(0, 999), lines=ORDER_LINES)
    def replace_order_lines(self, ti, pick, lines):
        t = W.tenants[ti % len(W.tenants)]
        if not t.orders:
            return
        oid = sorted(t.orders)[pick % len(t.orders)]
        r = W.call("GET", f"/v1/orders/{oid}", token=t.creds[0][1])
        if not W.expect(r, {200}, f"GET order before PUT lines in {t.slug}"):
            return
        r = W.call("PUT", f"/v1/orders/{oid}/lines", token=t.creds[0][1], body={"lines": lines},
                   headers={"If-Match": r.header("ETag")})
        if W.expect(r, {200}, f"PUT order lines in {t.slug}"):
            t.orders[oid] = r.json()["version"]

    @rule(ti=st.integers(0, 99), oi=st.integers(1, 99), pick=st.integers(0, 999),
          route=st.sampled_from(["order", "timeline", "lines"]))
    def probe_foreign_order(self, ti, oi, pick, route):
        t = W.tenants[ti % len(W.tenants)]
        other = W.tenants[(t.index + oi % (len(W.tenants) - 1) + 1) % len(W.tenants)]
        if not other.orders:
            return
        oid = sorted(other.orders)[pick % len(other.orders)]
        method, path, body, headers = order_probes(oid, other.orders[oid])[["order", "timeline", "lines"].index(route)]
        r = W.call(method, path, token=t.creds[0][1], body=body, headers=headers)
        if r.status != 404:
            W.cross_rows.append(f"{method} foreign order {path} of {other.slug} from {t.slug}: {r.status}"
                                f" {r.body[:160]!r}")

    @rule(ti=st.integers(0, 99), pick=st.integers(0, 999), role=st.sampled_from(ROLES))
    def change_role(self, ti, pick, role):
        t = W.tenants[ti % len(W.tenants)]
        others = sorted(t.users - {t.owner_id})
        if not others:
            return
        uid = others[pick % len(others)]
        r = W.call("GET", f"/v1/users/{uid}", token=t.creds[0][1])
        if not W.expect(r, {200}, f"GET user before PATCH in {t.slug}"):
            return
        r = W.call("PATCH", f"/v1/users/{uid}", token=t.creds[0][1], body={"role": role},
                   headers={"If-Match": r.header("ETag")})
        W.expect(r, {200}, f"PATCH user in {t.slug}")

    @rule(ti=st.integers(0, 99), pick=st.integers(0, 99))
    def revoke_invitation(self, ti, pick):
        t = W.tenants[ti % len(W.tenants)]
        if not t.pending:
            return
        inv_id, _ = t.pending.pop(pick % len(t.pending))
        r = W.call("DELETE", f"/v1/invitations/{inv_id}", token=t.creds[0][1])
        W.expect(r, {204}, f"revoke invitation in {t.slug}")

    @rule(ti=st.integers(0, 99), oi=st.integers(1, 99))
    def cross_login(self, ti, oi):
        """One tenant's slug with another tenant's owner and password: never a session."""
        t = W.tenants[ti % len(W.tenants)]
        other = W.tenants[(t.index + oi % (len(W.tenants) - 1) + 1) % len(W.tenants)]
        r = W.call("POST", "/v1/sessions", body={"tenant": t.slug, "email": other.owner_email, "password": PASSWORD})
        if r.status != 401:
            W.cross_rows.append(f"login to {t.slug} as {other.owner_email}: {r.status}")

    @rule(ti=st.integers(0, 99), ci=st.integers(0, 99))
    def me(self, ti, ci):
        t = W.tenants[ti % len(W.tenants)]
        _, token, _ = t.creds[ci % len(t.creds)]
        r = W.call("GET", "/v1/me", token=token)
        if W.expect(r, {200}, f"GET /v1/me in {t.slug}") and r.json()["tenant"]["id"] != t.id:
            W.cross_rows.append(f"/v1/me with a credential of {t.slug} answered tenant {r.json()['tenant']['slug']}")

    @invariant()
    def nothing_crossed(self):
        assert not W.cross_rows, W.cross_rows[:5]


def order_probes(oid, version):
    """Every order route that takes an id: (method, path, body, headers). A valid body, so that only
    the id can make the answer a 404; the PUT both unconditionally and at the order's own version."""
    lines = {"lines": [{"product": "extra-seats", "quantity": 1}]}
    return [("GET", f"/v1/orders/{oid}", None, None),
            ("GET", f"/v1/orders/{oid}/timeline", None, None),
            ("PUT", f"/v1/orders/{oid}/lines", lines, {"If-Match": "*"}),
            ("PUT", f"/v1/orders/{oid}/lines", lines, {"If-Match": f'"{version}"'}),
            ("POST", f"/v1/orders/{oid}/place", None, {"If-Match": "*"}),
            ("POST", f"/v1/orders/{oid}/pay", None, {"Idempotency-Key": f"probe-{oid}-{version}"}),
            ("POST", f"/v1/orders/{oid}/cancel", None, None)]


def list_all_orders(t, token):
    """t's whole order list, page by page, through check_list (a foreign order there is a cross-tenant row)."""
    path = "/v1/orders?limit=100"
    for _ in range(1000):
        r = W.call("GET", path, token=token)
        if not W.expect(r, {200}, f"GET {path} in {t.slug}"):
            return
        check_list(t, "orders", r)
        cursor = r.json().get("next_cursor")
        if not cursor:
            return
        path = f"/v1/orders?limit=100&starting_after={cursor}"


def sweep():
    """Every id seen, with every other tenant's powerful credentials."""
    non404 = []
    for t in W.tenants:
        # The owner's session and at most two full-power API keys (the first and the last):
        # every credential would make the sweep quadratic in the run's length.
        keys = [c for c in t.creds if c[0] == "api_key"]
        creds = [t.creds[0]] + (keys[:1] + keys[-1:] if len(keys) > 1 else keys)
        for other in W.tenants:
            if other is t:
                continue
            for kind, token, _ in creds:
                probes = []
                for uid in sorted(other.users):
                    probes += [("GET", f"/v1/users/{uid}", None, None),
                               ("PATCH", f"/v1/users/{uid}", {"role": "viewer"}, {"If-Match": "*"}),
                               ("DELETE", f"/v1/users/{uid}", None, {"If-Match": "*"})]
                probes += [("DELETE", f"/v1/invitations/{i}", None, None) for i in sorted(other.invitations)]
                probes += [("DELETE", f"/v1/api-keys/{k}", None, None) for k in sorted(other.api_keys)]
                if kind == "session":
                    probes += [("DELETE", f"/v1/sessions/{s}", None, None) for s in sorted(other.sessions)]
                for oid in sorted(other.orders):
                    probes += order_probes(oid, other.orders[oid])
                for method, path, body, headers in probes:
                    r = W.call(method, path, token=token, body=body, headers=headers)
                    if r.status != 404:
                        non404.append(f"{method} {path} (of {other.slug}) with a {kind} of {t.slug}: "
                                      f"{r.status} {r.body[:160]!r}")
        for kind, token, _ in creds:
            if kind == "session":
                list_all_orders(t, token)
    return non404


def reread_own():
    """After the sweep, each tenant's own users and orders are all still there, its orders with the
    same version."""
    changed = []
    for t in W.tenants:
        for uid in sorted(t.users):
            r = W.call("GET", f"/v1/users/{uid}", token=t.creds[0][1])
            if r.status != 200:
                changed.append(f"own user {uid} of {t.slug}: {r.status}")
        for oid in sorted(t.orders):
            r = W.call("GET", f"/v1/orders/{oid}", token=t.creds[0][1])
            if r.status != 200 or r.json()["version"] != t.orders[oid]:
                changed.append(f"own order {oid} of {t.slug} (version {t.orders[oid]}): {r.status} {r.body[:160]!r}")
        for kind, token, _ in t.creds:
            r = W.call("GET", "/v1/me", token=token)
            if r.status != 200:
                changed.append(f"a {kind} of {t.slug} stopped working: {r.status}")
    return changed


def main():
    global W
    install_signal_exit()
    short = short_mode()
    n_tenants = 5 if short else 6
    examples, steps = (8, 12) if short else (40, 40)
    started = time.monotonic()
    srv = make_server(TEST)
    try:
        srv.start()
        W = World(srv)
        stamp = f"{int(time.time()) % 100000}{os.getpid() % 1000}"
        for i in range(n_tenants):
            slug = f"iso{stamp}-{i}"
            body = signup(srv, slug)
            W.ops += 1
            email = body["owner"]["email"]
            verify_email(srv, email)
            W.ops += 1
            token = login(srv, slug, email)
            W.ops += 1
            W.tenants.append(Tenant(i, slug, body["tenant"]["id"], body["owner"]["id"], email, token))
        log(f"{n_tenants} tenants; running {examples} examples x {steps} steps")
        failure = None
        try:
            run_state_machine_as_test(Isolation, settings=settings(
                max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                derandomize=short, suppress_health_check=list(HealthCheck), print_blob=False))
        except AssertionError as e:
            failure = str(e)[:400]
        workload_ops = W.ops
        # Sessions of every tenant, listed once more so the sweep has them all.
        for t in W.tenants:
            for kind, token, _ in t.creds:
                if kind == "session":
                    check_list(t, "sessions", W.call("GET", "/v1/sessions?limit=100", token=token))
        non404 = sweep()
        changed = reread_own()
        orders = sum(len(t.orders) for t in W.tenants)
        ids = sum(len(t.users) + len(t.invitations) + len(t.api_keys) + len(t.sessions) + len(t.audit)
                  for t in W.tenants) + orders
        ok = not non404 and not W.cross_rows and not changed and not W.unexpected and srv.alive()
        for line in (non404 + W.cross_rows + changed + W.unexpected)[:20]:
            log("  " + line)
        if failure:
            log("  state machine: " + failure)
        status5xx = sum(v for k, v in W.statuses.items() if k >= 500)
        figures(TEST, f"ops {W.ops}, foreign-id non-404 {len(non404)}, cross-tenant rows seen {len(W.cross_rows)}"
                      f" (tenants {len(W.tenants)}, ids {ids}, orders {orders}, workload ops {workload_ops},"
                      f" own-tenant surprises {len(W.unexpected)}, changed by the sweep {len(changed)},"
                      f" 5xx {status5xx}, {time.monotonic() - started:.0f} s)", ok and status5xx == 0)
        return 0 if ok and status5xx == 0 else 1
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
