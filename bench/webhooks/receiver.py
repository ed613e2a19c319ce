"""S8's webhook receiver: an ASGI app (uvicorn, uvloop, httptools; one worker) that verifies
every delivery with the `standardwebhooks` reference library and keeps, per hook name, each
delivery's id, arrival time and whether it verified. Faster than the tests' threaded receiver
(Tests/Support/webhooks/webhook_receiver.py), so the bench measures Keel, not the receiver.

    PUT  /_config/<name>   {"secrets": [...]}
    POST /hooks/<name>     a delivery: verified and recorded, answered 200
    GET  /_counts          {name: [deliveries, verified]}
    GET  /_received/<name> [{"id", "received_at", "verified"}]

Run: bench/peer/.venv/bin/python -m uvicorn --app-dir bench/webhooks receiver:app --port PORT
"""
import json
import time

from standardwebhooks import Webhook

hooks = {}      # name -> Webhook
received = {}   # name -> list of records


async def read_body(receive):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def respond(send, status, payload=b""):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path, method = scope["path"], scope["method"]
    body = await read_body(receive)
    if method == "POST" and path.startswith("/hooks/"):
        name = path[len("/hooks/"):]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        verified = False
        hook = hooks.get(name)
        if hook is not None:
            try:
                hook.verify(body, headers)
                verified = True
            except Exception:  # noqa: BLE001 - any failure is "not verified"
                verified = False
        received.setdefault(name, []).append({"id": headers.get("webhook-id"), "received_at": time.time(), "verified": verified})
        return await respond(send, 200, b'{"ok":true}')
    if method == "PUT" and path.startswith("/_config/"):
        hooks[path[len("/_config/"):]] = Webhook(json.loads(body)["secrets"][0])
        return await respond(send, 204)
    if method == "GET" and path == "/_counts":
        counts = {name: [len(got), sum(1 for r in got if r["verified"])] for name, got in received.items()}
        return await respond(send, 200, json.dumps(counts).encode())
    if method == "GET" and path.startswith("/_received/"):
        return await respond(send, 200, json.dumps(received.get(path[len("/_received/"):], [])).encode())
    return await respond(send, 404)
