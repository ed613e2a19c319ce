#!/usr/bin/env python3
"""A webhook receiver for Keel's tests: every delivery is verified with `standardwebhooks`,
the Standard Webhooks reference library (pinned in requirements.txt), never with Keel's code.

Usage:
    python3 webhook_receiver.py [--port PORT]

Listens on 127.0.0.1 (`--port 0` picks a free port) and prints `READY <port>` once listening.
Runs until its stdin reaches EOF (the test process holds the pipe) or SIGTERM.

    POST /hooks/<name>          a delivery: verified against each secret configured for <name>
                                and recorded; answered as configured (default 200)
    PUT  /_config/<name>        JSON {"secrets": [...], "status": 200, "delay": 0.0,
                                "retry_after": null, "clock_offset": 0.0}: how <name> answers.
                                clock_offset (seconds) is added to this receiver's clock when the
                                library checks the timestamp's 5-minute tolerance, so a test that
                                moves Keel's clock moves the receiver's with it.
    GET  /_received/<name>      JSON list of deliveries: received_at (this receiver's clock), id,
                                timestamp, signature, body, and verified: one boolean per
                                configured secret
    GET  /_counts               JSON {name: [deliveries, verified with every secret]} (cheap to poll)
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks.webhooks as swh
from standardwebhooks import Webhook

lock = threading.Lock()
configs = {}
received = {}
clock_offset = [0.0]


class ShiftedDatetime(datetime):
    """The library's clock, shifted by the test's offset (the timestamp tolerance check)."""
    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(seconds=clock_offset[0])


swh.datetime = ShiftedDatetime


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + fmt % args + "\n")

    def _body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, payload=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_PUT(self):
        if not self.path.startswith("/_config/"):
            return self._send(404)
        name = self.path[len("/_config/"):]
        config = json.loads(self._body() or b"{}")
        with lock:
            configs[name] = config
            clock_offset[0] = float(config.get("clock_offset", clock_offset[0]))
        self._send(204)

    def do_GET(self):
        if self.path == "/_counts":
            with lock:
                counts = {name: [len(got), sum(1 for r in got if r["verified"] and all(r["verified"]))]
                          for name, got in received.items()}
            return self._send(200, json.dumps(counts).encode(), {"content-type": "application/json"})
        if not self.path.startswith("/_received/"):
            return self._send(404)
        name = self.path[len("/_received/"):]
        with lock:
            payload = json.dumps(received.get(name, [])).encode()
        self._send(200, payload, {"content-type": "application/json"})

    def do_POST(self):
        if not self.path.startswith("/hooks/"):
            return self._send(404)
        name = self.path[len("/hooks/"):]
        body = self._body()
        with lock:
            config = dict(configs.get(name, {}))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = []
        for secret in config.get("secrets", []):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(True)
            except Exception as error:  # noqa: BLE001 - any failure is "not verified"
                sys.stderr.write(f"receiver: {name}: not verified: {error}\n")
                verified.append(False)
        record = {"received_at": time.time(), "id": headers.get("webhook-id"), "timestamp": headers.get("webhook-timestamp"),
                  "signature": headers.get("webhook-signature"), "user_agent": headers.get("user-agent"),
                  "body": body.decode("utf-8", "replace"), "verified": verified, "status": config.get("status", 200)}
        with lock:
            received.setdefault(name, []).append(record)
        delay = float(config.get("delay", 0))
        if delay:
            time.sleep(delay)
        extra = {}
        if config.get("retry_after") is not None:
            extra["retry-after"] = str(config["retry_after"])
        self._send(int(config.get("status", 200)), b'{"ok": true}', extra)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
