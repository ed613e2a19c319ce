#!/usr/bin/env python3
"""A small, real SMTP server for Keel's Notifications tests.

Keel's SMTP client is tested against a real server (aiosmtpd, pinned in
requirements.txt beside this file) rather than a mock, so that the dialogue,
STARTTLS, AUTH, dot-stuffing, SMTPUTF8 and the failure replies are the real thing.

Usage:
    python3 smtp_server.py --port 0 --outdir DIR [--mode MODE]
        [--starttls CERTFILE KEYFILE] [--auth USER:PASS] [--greeting-delay SECONDS]

Listens on 127.0.0.1 (`--port 0` picks a free port). Once listening it prints one
line, `READY <port>`, to stdout. It runs until SIGTERM/SIGINT (exit 0) or until its
stdin reaches EOF, so a test process that dies does not leave it behind: the
test must give it a pipe as stdin and keep the write end open.

Each accepted message is written atomically to DIR/<n>.json (n = 1, 2, ...) with
the keys mail_from, rcpt_tos, data (utf-8, undecodable bytes replaced),
data_base64 (the raw bytes), tls, auth_user, smtputf8, ehlo and mail_options.

Modes: ok (default); tempfail-rcpt (451 to RCPT); permfail-rcpt (550 to RCPT);
tempfail-data (451 after the data); permfail-data (554 after the data);
tempfail-then-ok:N (451 after the data for the first N messages, then accepted);
hang-after-data (reads the data, never answers the final dot; nothing is stored).
"""
import argparse
import asyncio
import base64
import json
import logging
import os
import signal
import ssl
import sys
import threading
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException
except ImportError:
    sys.exit("smtp_server.py: aiosmtpd is missing: python3 -m pip install -r requirements.txt")

MAX_MESSAGE_SIZE = 10 * 1024 * 1024
RCPT_REPLIES = {"tempfail-rcpt": "451 4.3.0 Try again later", "permfail-rcpt": "550 5.1.1 No such user"}
DATA_REPLIES = {"tempfail-data": "451 4.3.0 Queue full", "permfail-data": "554 5.6.0 Message rejected"}
FIXED_MODES = ["ok", "hang-after-data", *RCPT_REPLIES, *DATA_REPLIES]


class Handler:
    """aiosmtpd handler hooks: replies by mode, stores accepted messages."""

    def __init__(self, outdir, mode, auth_offered):
        self.outdir = outdir
        self.mode = mode
        self.auth_offered = auth_offered
        self.tempfails_left = int(mode.split(":", 1)[1]) if mode.startswith("tempfail-then-ok:") else 0
        self.stored = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # the 5-argument hook must set this itself
        if not self.auth_offered:  # no --auth: do not advertise AUTH at all
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode in RCPT_REPLIES:
            return RCPT_REPLIES[self.mode]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode in DATA_REPLIES:
            return DATA_REPLIES[self.mode]
        if self.tempfails_left > 0:
            self.tempfails_left -= 1
            return "451 4.3.0 Try again later"
        if self.mode == "hang-after-data":
            await asyncio.Event().wait()  # never set: the client must time out
        self.store(self.stored + 1, session, envelope)
        self.stored += 1
        return f"250 2.0.0 OK: queued as {self.stored}"

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):  # e.g. the client refused our certificate
            print(f"smtp_server.py: STARTTLS handshake failed: {error.__cause__}", file=sys.stderr)
        else:
            logging.getLogger("mail.log").exception("SMTP session exception")
        return f"500 Error: ({type(error).__name__}) {error}"

    def store(self, n, session, envelope):
        raw = envelope.original_content
        auth = session.auth_data if session.authenticated else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": raw.decode("utf-8", errors="replace"),
            "data_base64": base64.b64encode(raw).decode("ascii"),
            "tls": session.ssl is not None,  # set by aiosmtpd only after STARTTLS
            "auth_user": auth.login.decode("utf-8", errors="replace") if auth else None,
            "smtputf8": bool(envelope.smtp_utf8),
            "ehlo": session.host_name,
            "mail_options": list(envelope.mail_options),
        }
        tmp = os.path.join(self.outdir, f".{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, os.path.join(self.outdir, f"{n}.json"))


class KeelTestSMTP(SMTP):
    """aiosmtpd's SMTP protocol, with an optional delay before the 220 greeting
    and the conventional AUTH LOGIN challenges ("Username:", "Password:")."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"
    greeting_delay = 0.0

    async def _handle_client(self):
        # The 220 greeting is the first thing aiosmtpd's _handle_client sends.
        if self.greeting_delay > 0:
            await asyncio.sleep(self.greeting_delay)
        await super()._handle_client()


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


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

    tls = None
    if args.starttls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(*args.starttls)
    user, _, password = (args.auth or "").partition(":")
    handler = Handler(args.outdir, args.mode, auth_offered=bool(args.auth))

    def new_protocol():
        smtp = KeelTestSMTP(
            handler, hostname="localhost", loop=loop,
            data_size_limit=MAX_MESSAGE_SIZE, enable_SMTPUTF8=True,
            tls_context=tls, require_starttls=tls is not None,
            auth_required=bool(args.auth), auth_require_tls=tls is not None,
            authenticator=make_authenticator(user, password) if args.auth else None,
            auth_exclude_mechanism=None if args.auth else ["PLAIN", "LOGIN"])
        smtp.greeting_delay = args.greeting_delay
        return smtp

    server = await loop.create_server(new_protocol, "127.0.0.1", args.port)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()  # open sessions (e.g. a hanging one) are cancelled by asyncio.run


def parse_args():
    p = argparse.ArgumentParser(description="SMTP test server for Keel's tests")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--outdir", required=True)
    p.add_argument("--mode", default="ok")
    p.add_argument("--starttls", nargs=2, metavar=("CERTFILE", "KEYFILE"))
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--greeting-delay", type=float, default=0.0, metavar="SECONDS")
    args = p.parse_args()
    n = args.mode.partition("tempfail-then-ok:")[2]
    if args.mode not in FIXED_MODES and not n.isdigit():
        p.error(f"unknown --mode {args.mode!r}; one of {FIXED_MODES} or tempfail-then-ok:N")
    if args.auth is not None and ":" not in args.auth:
        p.error("--auth takes USER:PASS")
    os.makedirs(args.outdir, exist_ok=True)
    return args


if __name__ == "__main__":
    # aiosmtpd warns on every connection when AUTH is allowed without TLS (intended
    # here), and on every successful AUTH about its own use of Session.login_data.
    noise = ("auth_require_tls", "login_data is deprecated")
    logging.getLogger("mail.log").addFilter(lambda r: not any(n in r.getMessage() for n in noise))
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    asyncio.run(serve(parse_args()))
    sys.exit(0)
