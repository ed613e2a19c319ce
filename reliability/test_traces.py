#!/usr/bin/env python3
"""12. traces: one trace from a request, through the outbox, to the email it causes, as an
OTLP receiver sees it (not a fault: the battery's harness is the quickest way to run `keel
serve` with settings of its own; docs/operations.md, Traces).

A small OTLP/HTTP receiver runs in this process (JSON encoding: the OpenTelemetry Collector is
not packaged here). Keel starts with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it. A signup
(POST /v1/signup) writes the tenant and publishes `accounts.tenant_signed_up`; the Notifications
handler queues the verification email; the mail sender sends it. The test waits for the spans
and checks the links:

- the request's server span `POST /v1/signup`, with its request id;
- its transactions' spans are its children, their statements' spans theirs, each statement with
  its SQL text and no value (neither the owner's email nor the password is in any span);
- the event handler's span is in the same trace, its parent the request's span or one of its
  descendants (the context travelled in the outbox row);
- the email's `mail.send` span is in the same trace, under the handler's span (the context
  travelled in the queued message);
- a request that brings a `traceparent` header continues the caller's trace.

    FIGURES traces: spans N, trace of the signup M spans, ...
"""

import base64
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import PASSWORD, KeelServer, figures, install_signal_exit, log, signup  # noqa: E402

TEST = "traces"
SPANS = []
LOCK = threading.Lock()
POSTS = [0]


def hex_id(value):
    """OTLP/JSON ids are hex; a base64 encoding (protobuf's JSON default) is turned into hex."""
    if not value:
        return ""
    if all(c in "0123456789abcdefABCDEF" for c in value) and len(value) in (16, 32):
        return value.lower()
    return base64.b64decode(value).hex()


def attributes(span):
    out = {}
    for attribute in span.get("attributes", []):
        value = attribute.get("value", {})
        out[attribute["key"]] = next(iter(value.values()), None) if value else None
    return out


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = 200
        try:
            document = json.loads(body)
            with LOCK:
                POSTS[0] += 1
                for resource in document.get("resourceSpans", []):
                    for scope in resource.get("scopeSpans", []):
                        for span in scope.get("spans", []):
                            SPANS.append({"trace": hex_id(span.get("traceId")), "id": hex_id(span.get("spanId")),
                                          "parent": hex_id(span.get("parentSpanId")), "name": span.get("name", ""),
                                          "attributes": attributes(span)})
        except (ValueError, KeyError) as e:
            log(f"receiver: not OTLP/JSON ({e!r}): {body[:200]!r}; content type {self.headers.get('Content-Type')}")
            status = 400
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def snapshot():
    with LOCK:
        return list(SPANS)


def descendants_of(root_id, spans):
    children = {}
    for span in spans:
        children.setdefault(span["parent"], []).append(span)
    found, stack = [], [root_id]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child["id"])
    return found


def main():
    install_signal_exit()
    started = time.monotonic()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}"
    srv = KeelServer(TEST, env={"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                                "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_TRACES_SAMPLER": "always_on"})
    problems = []
    try:
        srv.start()
        slug = f"traces{int(time.time()) % 100000}"
        owner = signup(srv, slug)
        email = owner["owner"]["email"]

        # A caller's trace, continued.
        caller_trace, caller_span = secrets.token_hex(16), secrets.token_hex(8)
        r = srv.get("/v1/openapi.yaml", headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"})
        if r.status != 200:
            problems.append(f"GET /v1/openapi.yaml: {r.status}")

        deadline = time.monotonic() + 30
        request = handler = mail = continued = None
        while time.monotonic() < deadline:
            spans = snapshot()
            request = next((s for s in spans if s["name"] == "POST /v1/signup"), None)
            if request:
                trace = [s for s in spans if s["trace"] == request["trace"]]
                handler = next((s for s in trace if s["name"].startswith("event accounts.tenant_signed_up")
                                and "notifications" in s["name"]), None)
                mail = next((s for s in trace if s["name"] == "mail.send"), None)
            continued = next((s for s in spans if s["trace"] == caller_trace and s["parent"] == caller_span), None)
            if request and handler and mail and continued:
                break
            time.sleep(0.2)
        spans = snapshot()
        if not request:
            problems.append(f"no span named 'POST /v1/signup' among {len(spans)}: {sorted({s['name'] for s in spans})[:20]}")
            raise SystemExit(1)
        trace = [s for s in spans if s["trace"] == request["trace"]]
        under_request = descendants_of(request["id"], trace)
        if request["attributes"].get("keel.request_id") in (None, ""):
            problems.append("the request's span has no keel.request_id")
        transactions = [s for s in under_request if s["name"] == "db.transaction"]
        statements = [s for s in under_request if s["name"] == "db.statement"]
        if not transactions:
            problems.append("no db.transaction span under the request")
        if not any(s["parent"] in {t["id"] for t in transactions} for s in statements):
            problems.append("no db.statement span under a db.transaction span")
        if not any(t["attributes"].get("keel.tenant_id") == owner["tenant"]["id"] for t in transactions):
            problems.append("no transaction span with the new tenant's keel.tenant_id")
        if any(not s["attributes"].get("db.query.text") for s in statements):
            problems.append("a db.statement span without db.query.text")
        leaked = [s["name"] for s in spans if any(isinstance(v, str) and (email in v or PASSWORD in v)
                                                  for v in s["attributes"].values())]
        if leaked:
            problems.append(f"the owner's email or password is in spans: {leaked[:5]}")
        if not handler:
            problems.append("no event handler span (accounts.tenant_signed_up → notifications…) in the signup's trace")
        elif handler["parent"] not in {request["id"]} | {s["id"] for s in under_request}:
            problems.append("the handler's span is not under the request's span")
        mails = [s for s in trace if s["name"] == "mail.send"]
        handlers = [s for s in trace if s["name"].startswith("event ")]
        under_handlers = {d["id"] for h in handlers for d in descendants_of(h["id"], trace)}
        if not mails:
            problems.append("no mail.send span in the signup's trace")
        elif any(m["id"] not in under_handlers for m in mails):
            problems.append("a mail.send span is not under an event handler's span")
        elif handler and not any(m["id"] in {s["id"] for s in descendants_of(handler["id"], trace)} for m in mails):
            problems.append("no mail.send span under the signup event's handler (the welcome email)")
        if not continued:
            problems.append("a request with a traceparent header did not continue the caller's trace")

        for line in problems:
            log("  " + line)
        ok = not problems and srv.alive()
        figures(TEST, f"spans {len(spans)} in {POSTS[0]} exports, the signup's trace {len(trace)} spans (transactions"
                      f" {len(transactions)}, statements {len(statements)} under the request; event handlers"
                      f" {len(handlers)}, mail.send {len(mails)}), caller's trace continued"
                      f" {'yes' if continued else 'no'}, problems {len(problems)} ({time.monotonic() - started:.0f} s)", ok)
        return 0 if ok else 1
    finally:
        srv.stop()
        receiver.shutdown()


if __name__ == "__main__":
    sys.exit(main())
