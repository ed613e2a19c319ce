#!/usr/bin/env python3
"""13. secrets-at-rest: after the flows that make secrets, neither a dump of the database nor the
server's log holds one in clear (docs/security.md). Not a fault: the battery's harness is the
quickest way to run `keel serve` with settings of its own.

Keel sends mail over SMTP to a real aiosmtpd peer (Tests/NotificationsTests/Support/
smtp_server.py), as in production, so the development mailbox (a table that stands in for the
recipients' inboxes) is empty; every token is read from the mail the peer received. The server
logs at debug level, the most it ever writes. The flows:

- signup with an Idempotency-Key (the stored answer), email verification;
- TOTP enrolment and confirmation, a sign-in with a code and one with a recovery code;
- an invitation, accepted; a password reset, confirmed; an API key;
- a webhook endpoint (its secret), a rotation (both secrets), a test delivery to a receiver in
  this process that checks the signature with the new secret;
- a staff member made with `keel staff create`, whose first sign-in to the console sets a
  password and a TOTP secret, and a second sign-in with a code.

Then `pg_dump --data-only` of Keel's database, as the cluster's superuser (row-level security
does not hide anything from it), and the server's whole log are searched for every secret seen:
tokens (verification, invitation, reset, session, MFA challenge, API key), the TOTP secret in
base32 and as the hex of its bytes (how a dump writes bytea), the recovery codes, and the webhook
secrets whole and as their base64 key. The count found must be 0 in both. The dump must also show
that sealing happened (values that begin `ks1.`), so an empty dump cannot pass.

Then the key is rotated as docs/security.md says: a new key put first, `keel secrets rotate`
with the server stopped, the server started on the new key alone. MFA and staff sign-in still
work, a webhook is still signed with the endpoint's secret, and the dump holds nothing sealed
under the old key.

    FIGURES secrets-at-rest: secrets checked N, found in the dump 0, found in the log 0, sealed values M
"""

import base64
import email
import email.policy
import glob
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import REPO, KeelServer, figures, install_signal_exit, log, login, PASSWORD  # noqa: E402

TEST = "secrets-at-rest"
SMTP_SERVER = REPO / "Tests" / "NotificationsTests" / "Support" / "smtp_server.py"


class SMTPPeer:
    """aiosmtpd as a child process; each accepted message is a JSON file in `outdir`."""

    def __init__(self):
        self.outdir = tempfile.mkdtemp(prefix="keel-smtp-")
        # It stops when its stdin closes: a pipe held open for as long as this process runs.
        self.proc = subprocess.Popen([sys.executable, str(SMTP_SERVER), "--port", "0", "--outdir", self.outdir],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"smtp_server.py did not start: {line!r}")
        self.port = int(line.split()[1])

    def texts(self, recipient):
        """The text part of every message to `recipient`, oldest first."""
        found = []
        for path in sorted(glob.glob(os.path.join(self.outdir, "*.json")), key=lambda p: int(os.path.basename(p)[:-5])):
            with open(path) as f:
                record = json.load(f)
            if recipient.lower() not in [r.lower() for r in record["rcpt_tos"]]:
                continue
            message = email.message_from_bytes(base64.b64decode(record["data_base64"]), policy=email.policy.default)
            found.append(message.get_body(preferencelist=("plain",)).get_content())
        return found

    def token(self, recipient, prefix, timeout=30.0, exclude=()):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in reversed(self.texts(recipient)):
                for word in text.replace("=", " ").replace("&", " ").split():
                    if word.startswith(prefix) and len(word) == len(prefix) + 43 and word not in exclude:
                        return word
            time.sleep(0.2)
        raise RuntimeError(f"no {prefix} token mailed to {recipient} within {timeout:.0f} s")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Receiver:
    """An HTTP endpoint that records each delivery's headers and body."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                received.append((dict((k.lower(), v) for k, v in self.headers.items()), body))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def totp(secret_b32, step):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def signature_ok(secret, headers, body):
    key = base64.b64decode(secret[len("whsec_"):])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part.split(",", 1)[1] == expected for part in headers["webhook-signature"].split())


class Console:
    """The staff console as a browser without JavaScript: cookies, the page's CSRF token, forms."""

    def __init__(self, srv):
        self.srv, self.cookies, self.csrf = srv, {}, None

    def send(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            form = dict(form, csrf=self.csrf)
            body = urllib.parse.urlencode(form).encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"})
        r = self.srv.request(method, path, body=body, headers=headers)
        for name, value in r.headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        found = re.search(r'name="csrf" value="([^"]+)"', r.body.decode(errors="replace"))
        if found:
            self.csrf = found.group(1)
        return r

    def sign_in(self, email, password, code):
        self.send("GET", "/admin/login")
        r = self.send("POST", "/admin/login", {"email": email, "password": password})
        assert r.status == 303 and r.header("Location") == "/admin/login/totp", r
        self.send("GET", "/admin/login/totp")
        r = self.send("POST", "/admin/login/totp", {"code": code})
        assert r.status == 303, r


def call(srv, method, path, expect, **kw):
    r = srv.request(method, path, **kw)
    if r.status not in (expect if isinstance(expect, tuple) else (expect,)):
        raise RuntimeError(f"{method} {path}: {r.status} {r.body[:300]!r}")
    return r


def main():
    install_signal_exit()
    started = time.monotonic()
    smtp = SMTPPeer()
    receiver = Receiver()
    srv = KeelServer(TEST, env={
        "KEEL_MAIL_TRANSPORT": "smtp", "KEEL_SMTP_HOST": "127.0.0.1", "KEEL_SMTP_PORT": str(smtp.port),
        "KEEL_SMTP_SECURITY": "none", "KEEL_MAIL_RETRY_SECONDS": "0.2",
        "KEEL_WEBHOOKS_ALLOW_HTTP": "1", "KEEL_WEBHOOKS_ALLOW_PRIVATE": "1",
        "KEEL_LOG_LEVEL": "debug"})
    secrets = {}   # what it is -> the secret as text

    def keep(name, value):
        assert value, name
        secrets[name] = value
        return value

    try:
        srv.start()
        slug = f"sec{int(time.time()) % 100000}"
        owner = f"owner@{slug}.test"
        # Signup, with its answer stored for replay; the verification link.
        signup = call(srv, "POST", "/v1/signup", 201, headers={"Idempotency-Key": f"signup-{slug}"}, body={
            "tenant": {"slug": slug, "name": "Secrets"}, "owner": {"email": owner, "password": PASSWORD, "name": "Owner"}})
        keep("verification token", smtp.token(owner, "keelv_"))
        call(srv, "POST", "/v1/email-verifications", 200, body={"token": secrets["verification token"]})
        token = keep("session token", login(srv, slug, owner))

        # TOTP: enrol, confirm, a sign-in with a code and one with a recovery code.
        enrolment = call(srv, "POST", "/v1/me/mfa/totp", 201, token=token).json()
        secret = keep("TOTP secret (base32)", enrolment["secret"])
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
        secrets["TOTP secret (hex, as a dump writes bytea)"] = raw.hex()
        step = user_step = int(time.time()) // 30
        codes = call(srv, "POST", "/v1/me/mfa/totp/confirm", 200, token=token, body={"code": totp(secret, step)}).json()
        for i, code in enumerate(codes["recovery_codes"][:3]):
            keep(f"recovery code {i}", code)
        challenge = call(srv, "POST", "/v1/sessions", 202, body={"tenant": slug, "email": owner, "password": PASSWORD}).json()
        keep("MFA challenge token", challenge["challenge_token"])
        signed_in = call(srv, "POST", "/v1/sessions/mfa", 201,
                         body={"challenge_token": challenge["challenge_token"], "code": totp(secret, step + 1)}).json()
        token = keep("session token after MFA", signed_in["token"])
        challenge = call(srv, "POST", "/v1/sessions", 202, body={"tenant": slug, "email": owner, "password": PASSWORD}).json()
        keep("session token by recovery code", call(srv, "POST", "/v1/sessions/mfa", 201, body={
            "challenge_token": challenge["challenge_token"], "recovery_code": secrets["recovery code 0"]}).json()["token"])

        # An invitation, accepted; a password reset, confirmed; an API key.
        invitee = f"invitee@{slug}.test"
        call(srv, "POST", "/v1/invitations", 201, token=token, body={"email": invitee, "role": "member"})
        keep("invitation token", smtp.token(invitee, "keeli_"))
        call(srv, "POST", "/v1/invitation-acceptances", 201,
             body={"token": secrets["invitation token"], "name": "Invitee", "password": PASSWORD})
        call(srv, "POST", "/v1/password-resets", (202, 204), body={"tenant_slug": slug, "email": invitee})
        keep("password reset token", smtp.token(invitee, "keelr_"))
        call(srv, "POST", "/v1/password-resets/confirm", 204,
             body={"token": secrets["password reset token"], "password": "a new passphrase for the invitee"})
        keep("API key", call(srv, "POST", "/v1/api-keys", 201, token=token,
                             body={"name": "ci", "permissions": ["users.read"]}).json()["key"])

        # A webhook endpoint, its secret rotated, a test delivery checked with the new secret.
        endpoint = call(srv, "POST", "/v1/webhook-endpoints", 201, token=token, body={"url": receiver.url}).json()
        keep("webhook secret", endpoint["secret"])
        rotated = call(srv, "POST", f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", 200, token=token).json()
        keep("webhook secret after rotation", rotated["secret"])
        for name in ("webhook secret", "webhook secret after rotation"):
            secrets[f"{name} (its key, base64)"] = secrets[name][len("whsec_"):]
        call(srv, "POST", f"/v1/webhook-endpoints/{endpoint['id']}/test", (200, 201, 202), token=token)
        deadline = time.monotonic() + 30
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert receiver.received, "the test delivery did not arrive"
        headers, body = receiver.received[0]
        assert signature_ok(secrets["webhook secret after rotation"], headers, body), headers
        assert signature_ok(secrets["webhook secret"], headers, body), "the previous secret signs during the overlap"

        # A staff member: the first sign-in sets a password and TOTP, the second uses a code.
        staff_email = f"staff@{slug}.test"
        made = subprocess.run([srv.bin, "staff", "create", "--email", staff_email, "--name", "Staff", "--role", "support"],
                              env=srv.env, capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        keep("staff one-time password", re.search(r"One-time password: (\S+)", made.stdout).group(1))
        console = Console(srv)
        console.send("GET", "/admin/login")
        r = console.send("POST", "/admin/login", {"email": staff_email, "password": secrets["staff one-time password"]})
        assert r.status == 303 and r.header("Location") == "/admin/setup", r
        page = console.send("GET", "/admin/setup").body.decode()
        staff_secret = keep("staff TOTP secret (base32)", re.search(r'<code id="totp-secret">([^<]+)</code>', page).group(1))
        secrets["staff TOTP secret (hex)"] = base64.b32decode(staff_secret + "=" * (-len(staff_secret) % 8)).hex()
        staff_password = keep("staff password", "a staff passphrase kept secret")
        step = staff_step = int(time.time()) // 30
        r = console.send("POST", "/admin/setup", {"new_password": staff_password, "new_password_confirm": staff_password,
                                                   "code": totp(staff_secret, step)})
        assert r.status == 303, r
        Console(srv).sign_in(staff_email, staff_password, totp(staff_secret, step + 1))

        # Every email sent (nothing queued holds a token any more), then the dump.
        deadline = time.monotonic() + 30
        while srv.query("select 1 from notifications.messages where status = 'queued'") and time.monotonic() < deadline:
            time.sleep(0.2)
        dump = subprocess.run([os.path.join(srv.pg_bin, "pg_dump"), "--data-only", "-h", srv.socket_dir, "-U", "postgres",
                               "-d", "keel"], capture_output=True, text=True, timeout=120)
        assert dump.returncode == 0, dump.stderr
        server_log = srv.log_path.read_text(errors="replace")
        in_dump = [name for name, value in secrets.items() if value in dump.stdout]
        in_log = [name for name, value in secrets.items() if value in server_log]
        sealed = dump.stdout.count("ks1.") + dump.stdout.count("\\x6b73312e")   # text, and bytea's hex of "ks1."
        mailbox = srv.query("select count(*) as n from notifications.mailbox")[0]["n"]
        log(f"{TEST}: {len(secrets)} secrets; in the dump: {in_dump or 'none'}; in the log: {in_log or 'none'}; "
            f"sealed values in the dump {sealed}; dev mailbox rows {mailbox}; log {len(server_log)} bytes")
        ok = not in_dump and not in_log and sealed >= 6 and mailbox == 0

        # Rotating the key, as docs/security.md tells an operator: a new key first in the ring,
        # `keel secrets rotate`, the server restarted on the new ring, and everything still works
        # with nothing left under the old key (which then leaves the ring).
        old_ring = (srv.run_dir / "encryption-keys").read_text().strip()
        new_key = subprocess.run([srv.bin, "secrets", "new-key", "--id", "rotated"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
        srv.terminate()
        srv.env["KEEL_ENCRYPTION_KEYS"] = f"{new_key},{old_ring}"
        rotate = subprocess.run([srv.bin, "secrets", "rotate"], env=srv.env, capture_output=True, text=True, timeout=300)
        log(f"{TEST}: keel secrets rotate: {rotate.stdout.strip()}")
        assert rotate.returncode == 0, rotate.stderr
        assert "may leave KEEL_ENCRYPTION_KEYS" in rotate.stdout, rotate.stdout
        srv.env["KEEL_ENCRYPTION_KEYS"] = new_key   # the old key is gone
        srv.start()
        # A code is accepted once and within a step of the server's time: the next unused step
        # (two past the one confirmed) is good once the clock has reached the step after it.
        while int(time.time()) // 30 < max(user_step, staff_step) + 1:
            time.sleep(0.5)
        challenge = call(srv, "POST", "/v1/sessions", 202, body={"tenant": slug, "email": owner, "password": PASSWORD}).json()
        call(srv, "POST", "/v1/sessions/mfa", 201,
             body={"challenge_token": challenge["challenge_token"], "code": totp(secret, user_step + 2)})
        Console(srv).sign_in(staff_email, staff_password, totp(staff_secret, staff_step + 2))
        receiver.received.clear()
        call(srv, "POST", f"/v1/webhook-endpoints/{endpoint['id']}/test", (200, 201, 202), token=token)
        deadline = time.monotonic() + 30
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
        rotated_ok = bool(receiver.received) and signature_ok(secrets["webhook secret after rotation"], *receiver.received[0])
        old_id = old_ring.split(":", 1)[0]
        dump = subprocess.run([os.path.join(srv.pg_bin, "pg_dump"), "--data-only", "-h", srv.socket_dir, "-U", "postgres",
                               "-d", "keel"], capture_output=True, text=True, timeout=120).stdout
        left_under_old = dump.count(f"ks1.{old_id}.") + dump.count(f"ks1.{old_id}.".encode().hex())
        log(f"{TEST}: after rotation: MFA and staff sign-in ok, webhook signed {rotated_ok}, values left under '{old_id}' {left_under_old}")
        ok = ok and rotated_ok and left_under_old == 0
        figures(TEST, f"secrets checked {len(secrets)}, found in the dump {len(in_dump)}, found in the log {len(in_log)}, "
                      f"sealed values {sealed}, left under the old key after rotation {left_under_old}, "
                      f"took {time.monotonic() - started:.0f} s", ok)
        return 0 if ok else 1
    finally:
        srv.stop()
        smtp.stop()
        receiver.server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
