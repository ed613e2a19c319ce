#!/usr/bin/env python3
"""S8 webhook fan-out: how fast Keel turns events into verified deliveries, against how fast a
bare HTTP client can post to the same receiver.

    python3 bench/webhooks/s8.py --keel URL --token OWNER_TOKEN --seconds D --round R --out FILE

The receiver is bench/webhooks/receiver.py (uvicorn): every delivery is verified with the
`standardwebhooks` library (so the reference pays the same verification). Both systems post to
it from 8 connections:

- reference: `hey -c 8` posting one signed message again and again for D seconds;
- Keel: 8 endpoints of one tenant on the receiver, and 8 client threads asking Keel for
  `webhook.test` messages (`POST /v1/webhook-endpoints/{id}/test`, one thread per endpoint) for
  D seconds; then the run waits (up to 120 s) until every acknowledged message has arrived.
  Delivered /s is the messages delivered divided by the time from the first request to the last
  delivery; latency is from each message's 202 to its arrival at the receiver.

Prints one JSON line per system: {"system", "rps", "p50_ms", "p99_ms", "messages", "unverified"}
and appends them to --out.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))



def request(method, url, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read()
        return json.loads(text) if text else None


def start_receiver():
    """uvicorn on a free port (one worker, uvloop, httptools), waited for until it answers."""
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", HERE, "receiver:app", "--host", "127.0.0.1",
                             "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                             "--log-level", "warning"], stdin=subprocess.DEVNULL)
    for _ in range(100):
        try:
            request("GET", f"http://127.0.0.1:{port}/_counts")
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("s8: the receiver did not start")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else None


def reference(port, seconds):
    """hey posting one signed message, as fast as the receiver takes it."""
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    request("PUT", f"http://127.0.0.1:{port}/_config/bare", body={"secrets": [secret]})
    body = json.dumps({"id": "msg_bare", "type": "webhook.test", "created_at": "2026-01-01T00:00:00Z",
                       "api_version": "v1", "data": {}})
    stamp = str(int(time.time()))
    key = base64.b64decode(secret[len("whsec_"):])
    signature = base64.b64encode(hmac.new(key, f"msg_bare.{stamp}.{body}".encode(), hashlib.sha256).digest()).decode()
    out = subprocess.run(["hey", "-z", f"{seconds}s", "-c", "8", "-m", "POST", "-T", "application/json",
                          "-H", "webhook-id: msg_bare", "-H", f"webhook-timestamp: {stamp}",
                          "-H", f"webhook-signature: v1,{signature}", "-d", body,
                          f"http://127.0.0.1:{port}/hooks/bare"], capture_output=True, text=True, check=True).stdout
    rps = next(float(line.split()[-1]) for line in out.splitlines() if "Requests/sec" in line)
    counts = request("GET", f"http://127.0.0.1:{port}/_counts")
    got, verified = counts.get("bare", [0, 0])
    return {"system": "bare-client", "rps": rps, "messages": got, "unverified": got - verified}


def keel(port, base, token, seconds):
    endpoints = []
    for n in range(8):
        created = request("POST", f"{base}/v1/webhook-endpoints", token,
                          {"url": f"http://127.0.0.1:{port}/hooks/e{n}", "description": f"S8 endpoint {n}"})
        request("PUT", f"http://127.0.0.1:{port}/_config/e{n}", body={"secrets": [created["secret"]]})
        endpoints.append(created["id"])
    acked = {}
    lock = threading.Lock()
    start = time.time()
    deadline = start + seconds

    def produce(endpoint):
        host = base.split("//", 1)[1]
        conn = http.client.HTTPConnection(host, timeout=30)
        while time.time() < deadline:
            conn.request("POST", f"/v1/webhook-endpoints/{endpoint}/test", headers={"Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            text = resp.read()
            if resp.status == 202:
                with lock:
                    acked[json.loads(text)["id"]] = time.time()

    threads = [threading.Thread(target=produce, args=(e,)) for e in endpoints]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    until = time.time() + 120
    while time.time() < until:
        counts = request("GET", f"http://127.0.0.1:{port}/_counts")
        if sum(counts.get(f"e{n}", [0, 0])[0] for n in range(8)) >= len(acked):
            break
        time.sleep(0.2)
    arrivals = {}
    unverified = 0
    for n in range(8):
        for r in request("GET", f"http://127.0.0.1:{port}/_received/e{n}"):
            arrivals.setdefault(r["id"], r["received_at"])
            if not r["verified"]:
                unverified += 1
    latencies = [(arrivals[i] - t) * 1000 for i, t in acked.items() if i in arrivals]
    last = max(arrivals.values()) if arrivals else time.time()
    for e in endpoints:
        request("DELETE", f"{base}/v1/webhook-endpoints/{e}", token)
    return {"system": "keel", "rps": len(arrivals) / max(0.001, last - start), "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99), "messages": len(acked), "delivered": len(arrivals),
            "lost": len(set(acked) - set(arrivals)), "unverified": unverified}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keel", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--round", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    proc, port = start_receiver()
    try:
        results = [reference(port, args.seconds), keel(port, args.keel, args.token, args.seconds)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    with open(args.out, "a") as out:
        for r in results:
            r.update(scenario="S8", round=args.round)
            line = json.dumps(r)
            print(line)
            out.write(line + "\n")
    if any(r.get("lost") or r.get("unverified") for r in results):
        sys.exit("s8: messages lost or unverified")


if __name__ == "__main__":
    main()
