#!/usr/bin/env python3
"""localstripe, a fake but stateful Stripe server, as Keel's tests run it.

Keel's Stripe client is tested against localstripe (pinned in requirements.txt beside
this file) rather than a mock, so that the form encoding, the objects, the paging, the
declines and the signed webhooks are what a Stripe-shaped server really sends.

Usage:
    python3 localstripe_server.py [--port PORT]

Listens on 127.0.0.1 only (`--port 0`, the default, picks a free port). Once listening
it prints one line, `READY <port>`, to stdout. It runs until SIGTERM/SIGINT (exit 0) or
until its stdin reaches EOF, so a test process that dies does not leave it behind: the
test must give it a pipe as stdin and keep the write end open.

This is localstripe's own aiohttp app (localstripe.server.app) with two changes from its
`localstripe` command: it binds 127.0.0.1 rather than every address, and its store lives
in memory only. Stock localstripe pickles the whole store to /tmp/localstripe.pickle
after every write (and loads it at start), which would share state between runs and
between servers; here Store.dump_to_disk and Store.try_load_from_disk do nothing, so
every server starts empty and leaves nothing behind.

The API key is any `sk_...` key (`Authorization: Bearer sk_test_keel`). Besides the
/v1 API, localstripe has POST /_config/webhooks/{id} (form: url, secret, optional
events[]) to register a webhook endpoint, and DELETE /_config/data to empty the store.
The access log and localstripe's webhook delivery log go to stderr.
"""
import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import threading

try:
    from localstripe import resources
except ImportError:
    sys.exit("localstripe_server.py: localstripe is missing: python3 -m pip install -r requirements.txt")

# Before localstripe.server is imported, and so before anything can write to the store.
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

from aiohttp import web  # noqa: E402  (localstripe depends on aiohttp)
from localstripe.server import app  # noqa: E402


def watch_stdin(loop, stop):
    """Block reading fd 0 (not sys.stdin, whose lock would trouble interpreter
    shutdown); at EOF or on error, ask the server to stop."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    loop.call_soon_threadsafe(stop.set)


async def serve(args):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    threading.Thread(target=watch_stdin, args=(loop, stop), daemon=True).start()

    # Bound here rather than by aiohttp, so that the port `--port 0` got is known.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))

    # localstripe logs webhook deliveries to aiohttp.access, the access log's logger.
    log = logging.getLogger("aiohttp.access")
    log.setLevel(logging.INFO)
    log.addHandler(logging.StreamHandler(sys.stderr))
    log.propagate = False

    runner = web.AppRunner(app, access_log=log)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"READY {sock.getsockname()[1]}", flush=True)
    await stop.wait()
    await runner.cleanup()  # webhooks still waiting to be sent are cancelled by asyncio.run


def parse_args():
    p = argparse.ArgumentParser(description="localstripe for Keel's tests")
    p.add_argument("--port", type=int, default=0)
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(serve(parse_args()))
    sys.exit(0)
