#!/usr/bin/env python3
"""6. hostile-input: what an attacker can put on the wire, over raw sockets.

Families of cases (each one request, or one connection, with a bounded wait):
  oversize   bodies past KEEL_MAX_BODY_BYTES by Content-Length, chunked, lying or absurd lengths,
             conflicting Content-Length / Transfer-Encoding, oversized admin forms
  deep       JSON nested 10,000 (and 30,000) deep: arrays, objects, with a `null` at the bottom
             (the API's null check walks the document), inside a real field
  utf8       invalid UTF-8 (bad bytes, overlong, surrogates, truncated) in bodies, headers, path,
             query; escaped lone surrogates and NULs in JSON strings
  ctype      JSON sent as text/plain, XML, multipart, form, UTF-16, no type, garbage types
  headers    CR/LF smuggled through percent-encoding into X-Request-Id, Idempotency-Key and
             If-Match (which the API percent-decodes), bare CR / LF, obs-fold, malformed lines,
             duplicate Host, 100 KB values, 10,000 headers, huge bearer tokens
  sql        SQL metacharacters in every string field of every public and authenticated JSON
             operation, in query and path parameters, and in the admin sign-in form
  protocol   garbage request lines, HTTP/0.9 and 9.9, unknown methods, absolute-form targets,
             100 KB URLs, path traversal under /assets, 500 pipelined requests, Expect: 100-continue
  slowloris  many connections trickling their headers (and one trickling its body) while the
             test measures ordinary requests beside them; the server runs with a 2 s head and
             3 s body deadline (KEEL_HTTP_HEAD/BODY_TIMEOUT_SECONDS) and must have closed every
             one of them when the attack ends

Counted: 5xx answers, crashes (the process gone), "wrong" answers (an injected header in a
response, /etc/passwd served, an oversized body accepted, a deep document accepted, a hang where
an answer was due), and peak RSS (VmHWM). After the SQL family the database is checked intact.

    FIGURES hostile-input: cases N, 5xx 0, crashes 0, peak RSS M MiB, ...
"""

import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (KeelServer, figures, install_signal_exit, log, login, short_mode, signup,  # noqa: E402
                        verify_email)

TEST = "hostile-input"
MAX_BODY = 65536


# --- raw HTTP -------------------------------------------------------------------------------------

def response_complete(data):
    """True when `data` holds a whole HTTP response (headers and, if sized, the body)."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    head = data[:head_end].decode("latin-1").lower()
    body = data[head_end + 4:]
    if head.startswith("http/1.1 1"):       # 100 Continue: keep reading
        return response_complete(body) if body else False
    for line in head.split("\r\n")[1:]:
        if line.startswith("content-length:"):
            try:
                return len(body) >= int(line.split(":", 1)[1])
            except ValueError:
                return True
        if line.startswith("transfer-encoding:") and "chunked" in line:
            return body.endswith(b"0\r\n\r\n")
    return head.startswith("http/1.1 204") or head.startswith("http/1.1 304")


def split_responses(data):
    """Status codes of the (possibly pipelined) responses in data."""
    statuses = []
    rest = data
    while rest.startswith(b"HTTP/"):
        head_end = rest.find(b"\r\n\r\n")
        if head_end < 0:
            break
        head = rest[:head_end].decode("latin-1")
        try:
            status = int(head.split(" ", 2)[1])
        except (IndexError, ValueError):
            break
        length = 0
        for line in head.split("\r\n")[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        statuses.append(status)
        rest = rest[head_end + 4 + length:]
    return statuses


class Outcome:
    def __init__(self, kind, data=b""):
        self.kind = kind            # response | closed | reset | timeout | refused
        self.data = data
        self.status = None
        self.headers = []
        self.body = b""
        if data.startswith(b"HTTP/"):
            head_end = data.find(b"\r\n\r\n")
            head = data[:head_end if head_end >= 0 else len(data)].decode("latin-1")
            try:
                self.status = int(head.split(" ", 2)[1])
            except (IndexError, ValueError):
                pass
            self.headers = [tuple(x.split(":", 1)) for x in head.split("\r\n")[1:] if ":" in x]
            self.body = data[head_end + 4:] if head_end >= 0 else b""
            if self.status == 100 and self.body.startswith(b"HTTP/"):
                inner = Outcome(kind, self.body)
                self.status, self.headers, self.body = inner.status, inner.headers, inner.body

    def header_names(self):
        return {k.strip().lower() for k, _ in self.headers}

    def __repr__(self):
        return f"{self.kind}:{self.status}"


def exchange(port, payload, read_timeout=10.0, pipelined=0):
    """Sends payload (bytes, or a list of byte chunks sent back to back) on a new connection and
    reads one response (or `pipelined` responses) until it is whole, the server closes, or the
    timeout passes. The sending happens in a thread of its own, so an early answer (a 413 before
    the body is through) is read when it comes, as a real client would."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return Outcome("refused")
    s.settimeout(read_timeout)

    def send():
        try:
            for chunk in payload if isinstance(payload, list) else [payload]:
                s.sendall(chunk)
        except OSError:
            pass  # the server answered and stopped reading, or closed: what it said is read below

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    data = b""
    try:
        deadline = time.monotonic() + read_timeout
        while True:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                return Outcome("timeout", data)
            except OSError:
                return Outcome("reset", data)
            if not b:
                return Outcome("closed", data)
            data += b
            if pipelined:
                if len(split_responses(data)) >= pipelined:
                    return Outcome("response", data)
            elif response_complete(data):
                return Outcome("response", data)
    finally:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
        sender.join(timeout=2)


def request_bytes(method, path, headers=(), body=b"", host=True, content_length=True):
    lines = [f"{method} {path} HTTP/1.1".encode("latin-1") if isinstance(path, str) else
             method.encode() + b" " + path + b" HTTP/1.1"]
    if host:
        lines.append(b"Host: 127.0.0.1")
    for h in headers:
        lines.append(h if isinstance(h, bytes) else h.encode("latin-1"))
    if content_length and body and not any((h if isinstance(h, bytes) else h.encode()).lower().startswith(
            (b"content-length:", b"transfer-encoding:")) for h in headers):
        lines.append(f"Content-Length: {len(body)}".encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def json_bytes(obj):
    return json.dumps(obj).encode()


# --- the battery ------------------------------------------------------------------------------------

class Battery:
    def __init__(self, srv, short):
        self.srv = srv
        self.short = short
        self.cases = 0
        self.results = Counter()
        self.fives = []
        self.wrong = []
        self.crashes = 0
        self.families = Counter()
        self.record = open(srv.run_dir / "cases.tsv", "w")   # every case and what it got

    def check_alive(self, name):
        if not self.srv.alive():
            self.crashes += 1
            self.wrong.append(f"{name}: the server died (exit {self.srv.proc.returncode}); restarted")
            log(f"CRASH after {name}; log tail:\n{self.srv.tail(15)}")
            self.srv.start()

    def case(self, family, name, payload, expect=None, may_hang=False, read_timeout=10.0, pipelined=0):
        """One case: sends, classifies, checks. `expect` is a predicate on the Outcome that returns
        an error string (a wrong answer) or None."""
        self.cases += 1
        self.families[family] += 1
        t0 = time.monotonic()
        out = exchange(self.srv.port, payload, read_timeout=read_timeout, pipelined=pipelined)
        self.results[out.kind if out.status is None else out.status] += 1
        self.record.write(f"{family}\t{name!r}\t{out.kind}\t{out.status}\t{time.monotonic() - t0:.3f}\n")
        if out.status is not None and out.status >= 500:
            self.fives.append(f"{family}/{name}: {out.status} {out.body[:200]!r}")
        if out.kind == "timeout" and out.status is None and not may_hang:
            self.wrong.append(f"{family}/{name}: no answer within {read_timeout:.0f} s")
        if out.kind == "refused":
            self.wrong.append(f"{family}/{name}: connection refused")
        if expect:
            problem = expect(out)
            if problem:
                self.wrong.append(f"{family}/{name}: {problem}")
        self.check_alive(f"{family}/{name}")
        return out


def is_4xx_or_closed(out):
    if out.status is None:
        return None if out.kind in ("closed", "reset") else f"{out.kind}"
    return None if 400 <= out.status < 500 else f"answered {out.status}, expected a 4xx"


def not_2xx(out):
    return f"accepted ({out.status})" if out.status is not None and 200 <= out.status < 300 else None


def no_injected_header(out):
    names = out.header_names()
    bad = names & {"x-injected", "set-cookie-injected", "x-evil"}
    for k, v in out.headers:
        if "\r" in v or "\n" in v or "injected" in v.lower() and k.strip().lower() == "x-request-id":
            return f"header {k} carries {v!r}"
    return f"response carries injected header(s) {sorted(bad)}" if bad else None


def run_oversize(b, token):
    big = MAX_BODY + 1
    body = json_bytes({"tenant": {"slug": "big", "name": "x" * big}, "owner": {"email": "a@b.c", "password": "p" * 10,
                                                                               "name": "n"}})
    b.case("oversize", "content-length past the limit", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json"], body), is_4xx_or_closed)
    ten_mb = 10 * 1024 * 1024
    head = request_bytes("POST", "/v1/signup", ["Content-Type: application/json", f"Content-Length: {ten_mb}"])
    b.case("oversize", "10 MiB body sent", [head] + [b"x" * 65536] * (ten_mb // 65536), is_4xx_or_closed)
    chunk = b"a" * 8192
    chunked = [request_bytes("POST", "/v1/signup", ["Content-Type: application/json", "Transfer-Encoding: chunked"])]
    chunked += [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 128 + [b"0\r\n\r\n"]
    b.case("oversize", "1 MiB chunked, no length", chunked, is_4xx_or_closed)
    # A length longer than the body sent: waiting for the rest is a fair answer (may_hang).
    for cl in ("99999999999999999999999999", "-1", "1e9", " 10", "0x10", "10, 20"):
        b.case("oversize", f"Content-Length: {cl}", request_bytes("POST", "/v1/signup",
               ["Content-Type: application/json", f"Content-Length: {cl}"], b"{}", content_length=False),
               not_2xx, may_hang=True, read_timeout=3)
    b.case("oversize", "two different Content-Lengths", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json", "Content-Length: 2", "Content-Length: 5"], b"{}",
           content_length=False), is_4xx_or_closed, may_hang=True, read_timeout=3)
    b.case("oversize", "Content-Length and chunked", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json", "Content-Length: 4", "Transfer-Encoding: chunked"],
           b"2\r\n{}\r\n0\r\n\r\n", content_length=False), None, may_hang=True, read_timeout=3)
    b.case("oversize", "bad chunk size", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json", "Transfer-Encoding: chunked"], b"zz\r\n{}\r\n0\r\n\r\n",
           content_length=False), is_4xx_or_closed, may_hang=True, read_timeout=3)
    b.case("oversize", "chunk size past 2^64", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json", "Transfer-Encoding: chunked"],
           b"fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n", content_length=False), is_4xx_or_closed,
           may_hang=True, read_timeout=3)
    b.case("oversize", "authenticated 1 MiB", request_bytes("POST", "/v1/invitations",
           ["Content-Type: application/json", f"Authorization: Bearer {token}"], b"[" + b"1," * 500000 + b"1]"),
           is_4xx_or_closed)
    b.case("oversize", "admin form 1 MiB", request_bytes("POST", "/admin/login",
           ["Content-Type: application/x-www-form-urlencoded"], b"email=" + b"a" * (1 << 20)), is_4xx_or_closed)
    b.case("oversize", "GET with a 1 MiB body", request_bytes("GET", "/healthz", [], b"x" * (1 << 20)), None)


def deep(depth, kind, bottom=b"1"):
    if kind == "array":
        return b"[" * depth + bottom + b"]" * depth
    return b'{"a":' * depth + bottom + b"}" * depth


def run_deep(b, token):
    def rejected(out):
        if out.status is not None and 200 <= out.status < 300:
            return f"accepted a deep document ({out.status})"
        return None
    targets = [("/v1/signup", None), ("/v1/sessions", None), ("/v1/invitations", token), ("/v1/password-resets", None)]
    if b.short:
        targets = targets[:2]
    for path, tok in targets:
        auth = [f"Authorization: Bearer {tok}"] if tok else []
        for kind in ("array", "object"):
            for bottom in (b"1", b"null"):
                doc = deep(10000, kind, bottom)
                b.case("deep", f"{path} {kind} 10000 deep, {bottom.decode()} at the bottom",
                       request_bytes("POST", path, ["Content-Type: application/json"] + auth, doc), rejected)
    # Inside a real field, and deeper still (30,000 arrays = 60 KB, under the body limit).
    doc = b'{"tenant":' + deep(10000, "object", b"null") + b',"owner":{"email":"a@b.test","password":"long enough pw","name":"n"}}'
    b.case("deep", "signup tenant field 10000 deep", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json"], doc), rejected)
    for bottom in (b"1", b"null"):
        b.case("deep", f"30000 deep arrays, {bottom.decode()}", request_bytes("POST", "/v1/signup",
               ["Content-Type: application/json"], deep(30000, "array", bottom)), rejected)
    b.case("deep", "admin form with 10000 nested brackets", request_bytes("POST", "/admin/login",
           ["Content-Type: application/x-www-form-urlencoded"], b"email=" + b"%5B" * 5000), None)


def run_utf8(b, token):
    bad = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf8\x88\x80\x80\x80", b"a\x80b", b"\xf4\x90\x80\x80"]
    if b.short:
        bad = bad[:3]
    for i, seq in enumerate(bad):
        body = (b'{"tenant":{"slug":"utf' + str(i).encode() + b'x","name":"N' + seq + b'"},'
                b'"owner":{"email":"u' + seq + b'@x.test","password":"long enough ' + seq + b'","name":"' + seq + b'"}}')
        b.case("utf8", f"signup body {seq!r}", request_bytes("POST", "/v1/signup", ["Content-Type: application/json"], body),
               is_4xx_or_closed)
        b.case("utf8", f"login body {seq!r}", request_bytes("POST", "/v1/sessions", ["Content-Type: application/json"],
               b'{"tenant":"abc","email":"a' + seq + b'@b.c","password":"' + seq + b'"}'), is_4xx_or_closed)
        for header in (b"X-Request-Id", b"Idempotency-Key", b"User-Agent", b"Authorization", b"If-Match"):
            value = (b"Bearer " + seq) if header == b"Authorization" else seq
            b.case("utf8", f"{header.decode()} {seq!r}", request_bytes("POST", "/v1/invitations",
                   ["Content-Type: application/json", f"Authorization: Bearer {token}"] if header != b"Authorization"
                   else ["Content-Type: application/json"], json_bytes({"email": f"h{i}@x.test", "role": "viewer"})
                   ).replace(b"Connection: close", header + b": " + value + b"\r\nConnection: close"), None)
        b.case("utf8", f"path {seq!r}", request_bytes("GET", b"/v1/users/" + seq, [f"Authorization: Bearer {token}"]),
               is_4xx_or_closed)
        b.case("utf8", f"query {seq!r}", request_bytes("GET", b"/v1/users?starting_after=" + seq, [f"Authorization: Bearer {token}"]),
               is_4xx_or_closed)
        b.case("utf8", f"admin form {seq!r}", request_bytes("POST", "/admin/login",
               ["Content-Type: application/x-www-form-urlencoded"], b"email=" + seq + b"&password=%FF%FE" + seq), None)
    # U+FFFF is a noncharacter but valid Unicode: a name may hold it. The rest must be refused.
    for esc in (r"\ud800", r"\udfff", r"\ud800\u0041", r"\u0000", r"a\u0000b", r"\uffff", r"\ud83d"):
        check = None if esc == r"\uffff" else is_4xx_or_closed
        body = ('{"tenant":{"slug":"esc","name":"' + esc + '"},"owner":{"email":"e' + esc + '@x.test",'
                '"password":"long enough' + esc + '","name":"' + esc + '"}}').encode()
        b.case("utf8", f"escaped {esc}", request_bytes("POST", "/v1/signup", ["Content-Type: application/json"], body),
               check)
        b.case("utf8", f"login escaped {esc}", request_bytes("POST", "/v1/sessions", ["Content-Type: application/json"],
               ('{"tenant":"t' + esc + '","email":"a' + esc + '@b.c","password":"' + esc + '"}').encode()), is_4xx_or_closed)


def run_ctype(b, token):
    body = json_bytes({"tenant": {"slug": "ctype-x", "name": "C"}, "owner": {"email": "c@c.test", "password": "long enough pw",
                                                                             "name": "C"}})
    types = ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
             None, "application/json; charset=utf-16", "application/json-patch+json", ";;;", "application/json\x0b",
             "*/*", "application/jsonx", "APPLICATION/JSON; charset=\"utf-8\"; x=" + "y" * 5000]
    for t in types:
        headers = [f"Content-Type: {t}"] if t is not None else []
        b.case("ctype", f"signup as {t!r:.40}", request_bytes("POST", "/v1/signup", headers,
               body.replace(b"ctype-x", b"ct" + str(b.cases).encode() + b"x")), None)
    utf16 = body.decode().encode("utf-16")
    b.case("ctype", "UTF-16 body labelled as such", request_bytes("POST", "/v1/signup",
           ["Content-Type: application/json; charset=utf-16"], utf16), None)
    b.case("ctype", "XML body", request_bytes("POST", "/v1/sessions", ["Content-Type: application/xml"],
           b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"),
           lambda o: "leaked /etc/passwd" if b"root:" in o.body else None)
    b.case("ctype", "admin form as JSON", request_bytes("POST", "/admin/login", ["Content-Type: application/json"],
           body), None)
    for accept in ("application/xml", "text/html", "*/*;q=0", "\x01"):
        b.case("ctype", f"Accept {accept!r}", request_bytes("GET", "/v1/me", [f"Authorization: Bearer {token}",
               f"Accept: {accept}"]), None)


def run_headers(b, token):
    crlf = ["%0d%0aX-Injected:%201", "%0D%0AX-Injected: 1", "%0aX-Injected:1", "%E5%98%8A%E5%98%8DX-Injected:1",
            "\\r\\nX-Injected: 1"]
    for v in crlf:
        b.case("headers", f"X-Request-Id {v}", request_bytes("GET", "/healthz", [f"X-Request-Id: abc{v}"]),
               no_injected_header)
        b.case("headers", f"Idempotency-Key {v}", request_bytes("POST", "/v1/invitations",
               ["Content-Type: application/json", f"Authorization: Bearer {token}", f"Idempotency-Key: k{v}"],
               json_bytes({"email": f"inj{b.cases}@x.test", "role": "viewer"})), no_injected_header)
        b.case("headers", f"If-Match {v}", request_bytes("PATCH", "/v1/tenant",
               ["Content-Type: application/json", f"Authorization: Bearer {token}", f'If-Match: "1"{v}'],
               json_bytes({"name": "Hostile"})), no_injected_header)
        b.case("headers", f"admin path {v}", request_bytes("GET", f"/admin/login?done={v}", []), no_injected_header)
        b.case("headers", f"redirect target {v}", request_bytes("GET", f"/admin/{v}", []), no_injected_header)
    # Replaying a key whose value was percent-decoded into a CR/LF: the stored answer must not grow headers.
    key = "replay%0d%0aX-Injected:%201"
    for _ in range(2):
        b.case("headers", "replayed key with CR/LF", request_bytes("POST", "/v1/invitations",
               ["Content-Type: application/json", f"Authorization: Bearer {token}", f"Idempotency-Key: {key}"],
               json_bytes({"email": "replay@x.test", "role": "viewer"})), no_injected_header)
    raw_lines = [b"X-Test: a\rX-Injected: b", b"X-Test: a\nX-Injected: b", b"X-Test: a\r\n continued", b"NoColonHere",
                 b"Bad Name: v", b": empty-name", b"X-Test:\x00nul", b"Host: other.example", b"Content-Type : application/json"]
    for line in raw_lines:
        b.case("headers", f"raw {line!r}", request_bytes("GET", "/healthz", [line]), no_injected_header, may_hang=True,
               read_timeout=3)
    b.case("headers", "no Host", request_bytes("GET", "/healthz", [], host=False), None)
    b.case("headers", "100 KB header value", request_bytes("GET", "/healthz", ["X-Big: " + "a" * 100000]), None)
    b.case("headers", "1 MB of headers", request_bytes("GET", "/healthz", ["X-Big: " + "a" * (1 << 20)]), None)
    count = 2000 if b.short else 10000
    b.case("headers", f"{count} headers", request_bytes("GET", "/healthz", [f"X-H{i}: v" for i in range(count)]), None)
    b.case("headers", "100 KB bearer token", request_bytes("GET", "/v1/me", ["Authorization: Bearer " + "k" * 100000]),
           is_4xx_or_closed)
    for tok in ("keel_' or 1=1 --", "keelk_'; drop table accounts.users; --", "keel_" + "\\" * 40, "keel_%00", " ",
                "Basic YWRtaW46YWRtaW4=", "Bearer", "keel_" + token[5:] + "'"):
        auth = tok if tok.startswith(("Basic", "Bearer")) else f"Bearer {tok}"
        b.case("headers", f"Authorization {auth[:30]!r}", request_bytes("GET", "/v1/me", [f"Authorization: {auth}"]),
               lambda o: None if o.status in (400, 401, None) else f"answered {o.status}")
    b.case("headers", "X-Forwarded-For spoof", request_bytes("GET", "/v1/me", [f"Authorization: Bearer {token}",
           "X-Forwarded-For: 1.2.3.4\r\nX-Real-IP: 1.2.3.4"]), None)


SQL_PAYLOADS = ["'", "' OR '1'='1", "'; drop table accounts.users; --", "\\", "%", "_", "$$", "\"", "' union select "
                "rolname from pg_roles --", ")", ";", "E'\\x00'", "1; select pg_sleep(5)", "'||(select version())||'",
                "x' and 1=(select 1 from pg_sleep(3)) --", "\u0000", "%00", "admin'--"]


def run_sql(b, token):
    payloads = SQL_PAYLOADS[:7] if b.short else SQL_PAYLOADS
    users_before = b.srv.query("select count(*)::int as n from accounts.users")[0]["n"]
    n = [0]

    def unique():
        n[0] += 1
        return f"sq{os.getpid() % 1000}x{n[0]}"

    def signup_body(field, p):
        slug = unique()
        body = {"tenant": {"slug": slug, "name": "Tenant"}, "owner": {"email": f"o@{slug}.test",
                "password": "a long enough password", "name": "Owner"}}
        section, key = field.split(".")
        body[section][key] = p if key != "email" else p + f"@{slug}.test"
        return body

    def post(path, body, auth=True, headers=()):
        extra = [f"Authorization: Bearer {token}"] if auth else []
        return request_bytes("POST", path, ["Content-Type: application/json"] + extra + list(headers), json_bytes(body))

    slow = []

    def timed(family, name, payload):
        t0 = time.monotonic()
        out = b.case(family, name, payload, None)
        if time.monotonic() - t0 > 2.5:
            slow.append(f"{name}: {time.monotonic() - t0:.1f} s")
        return out

    for p in payloads:
        for field in ("tenant.slug", "tenant.name", "owner.email", "owner.password", "owner.name"):
            timed("sql", f"signup {field} {p!r}", post("/v1/signup", signup_body(field, p), auth=False))
        for field in ("tenant", "email", "password"):
            body = {"tenant": "sql-target", "email": "owner@sql-target.test", "password": "wrong one"}
            body[field] = p if field != "email" else p + "@sql-target.test"
            timed("sql", f"login {field} {p!r}", post("/v1/sessions", body, auth=False))
        for field in ("tenant_slug", "email"):
            body = {"tenant_slug": "sql-target", "email": "owner@sql-target.test"}
            body[field] = p if field != "email" else p + "@x.test"
            timed("sql", f"password reset {field} {p!r}", post("/v1/password-resets", body, auth=False))
        timed("sql", f"reset confirm {p!r}", post("/v1/password-resets/confirm", {"token": p, "password": p + "long enough"},
                                                  auth=False))
        timed("sql", f"email verification {p!r}", post("/v1/email-verifications", {"token": p}, auth=False))
        timed("sql", f"invitation acceptance {p!r}", post("/v1/invitation-acceptances",
                                                          {"token": "keeli_" + p, "name": p, "password": p + "long enough"},
                                                          auth=False))
        timed("sql", f"mfa {p!r}", post("/v1/sessions/mfa", {"challenge_token": p, "code": p}, auth=False))
        timed("sql", f"invitation email {p!r}", post("/v1/invitations", {"email": p + f"{n[0]}@x.test", "role": "viewer"}))
        timed("sql", f"api key name {p!r}", post("/v1/api-keys", {"name": p, "permissions": ["users.read"]}))
        timed("sql", f"tenant name {p!r}", request_bytes("PATCH", "/v1/tenant", ["Content-Type: application/json",
              f"Authorization: Bearer {token}", "If-Match: *"], json_bytes({"name": p + " Inc"})))
        timed("sql", f"email change {p!r}", post("/v1/me/email", {"email": p + "@x.test", "password": p}))
        timed("sql", f"password change {p!r}", post("/v1/me/password", {"current_password": p, "new_password": p + " long enough"}))
        q = urllib.parse.quote(p, safe="")
        timed("sql", f"query limit {p!r}", request_bytes("GET", f"/v1/users?limit={q}", [f"Authorization: Bearer {token}"]))
        timed("sql", f"query cursor {p!r}", request_bytes("GET", f"/v1/users?starting_after={q}",
                                                          [f"Authorization: Bearer {token}"]))
        timed("sql", f"path id {p!r}", request_bytes("GET", f"/v1/users/{q}", [f"Authorization: Bearer {token}"]))
        timed("sql", f"Idempotency-Key {p!r}", post("/v1/invitations", {"email": f"idem{n[0]}@x.test", "role": "viewer"},
                                                      headers=[f"Idempotency-Key: {p.replace(chr(0), '%00')}"]))
        timed("sql", f"If-Match {p!r}", request_bytes("PATCH", "/v1/tenant", ["Content-Type: application/json",
              f"Authorization: Bearer {token}", f"If-Match: {p.replace(chr(0), '%00')}"], json_bytes({"name": "x"})))
        timed("sql", f"admin sign-in {p!r}", request_bytes("POST", "/admin/login",
              ["Content-Type: application/x-www-form-urlencoded", "Cookie: __Host-keel_login=" + "c" * 43],
              ("csrf=" + "c" * 43 + "&email=" + q + "&password=" + q).encode()))
        timed("sql", f"admin search {p!r}", request_bytes("GET", f"/admin/tenants?q={q}", []))
    users_after = b.srv.query("select count(*)::int as n from accounts.users")[0]["n"]
    tables = b.srv.query("select count(*)::int as n from pg_tables where schemaname in ('accounts', 'platform', 'notifications')")[0]["n"]
    if users_after < users_before:
        b.wrong.append(f"sql: accounts.users shrank from {users_before} to {users_after}")
    for s in slow:
        b.wrong.append(f"sql: slow answer (pg_sleep executed?) {s}")
    return tables


def run_protocol(b):
    traversal = lambda o: "served a file outside Public/" if b"root:" in o.body or b"[Unit]" in o.body else None  # noqa: E731
    lines = [b"GARBAGE\r\n\r\n", b"GET /\r\n\r\n", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
             b"FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n", b"TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
             b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n", b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", b"\r\n\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /healthz HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
             b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", b"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
             b"POST /v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}",
             b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /v1/users?" + b"limit=1&" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
             b"\x00" * 1000, b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"]
    for raw in lines:
        b.case("protocol", f"raw {raw[:40]!r}", raw, None, may_hang=True, read_timeout=3)
    for path in ("/assets/../../../../etc/passwd", "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", "/assets/....//....//etc/passwd", "/assets/%252e%252e/etc/passwd",
                 "/assets//etc/passwd", "/assets/..\\..\\etc\\passwd", "/assets/%c0%ae%c0%ae/etc/passwd",
                 "/assets/../Package.swift", "/assets/../../../../proc/self/environ", "/assets/..%00/etc/passwd"):
        b.case("protocol", f"traversal {path}", request_bytes("GET", path, []),
               lambda o, p=path: traversal(o) or ("served the checkout" if b"swift-tools-version" in o.body else None)
               or ("served the environment" if b"KEEL_" in o.body else None))
    n = 100 if b.short else 500
    pipe = b"".join(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" for _ in range(n))
    out = b.case("protocol", f"{n} pipelined requests", pipe, None, read_timeout=20, pipelined=n)
    got = len(split_responses(out.data))
    if got != n:
        b.wrong.append(f"protocol/pipelined: {got} answers to {n} requests ({out.kind})")
    # Connect and vanish, many times.
    for _ in range(50 if b.short else 200):
        try:
            s = socket.create_connection(("127.0.0.1", b.srv.port), timeout=2)
            s.sendall(b"POST /v1/signup HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            s.close()
        except OSError:
            pass
    b.cases += 1
    b.families["protocol"] += 1
    b.check_alive("protocol/connect and vanish")


HEAD_TIMEOUT = 2   # seconds: the server's deadlines for this test (the defaults are 15 and 30)
BODY_TIMEOUT = 3


def run_slowloris(b, token):
    """N connections trickle their headers; meanwhile ordinary requests are timed. The server
    must close every trickling connection once its deadline passes."""
    n = 60 if b.short else 400
    seconds = 5.0 if b.short else 30.0
    socks = []
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", b.srv.port), timeout=5)
            s.sendall(b"POST /v1/signup HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError as e:
            b.wrong.append(f"slowloris: connection {i} failed: {e}")
            break
    # One more that sends its headers and then trickles a body.
    body_sock = socket.create_connection(("127.0.0.1", b.srv.port), timeout=5)
    body_sock.sendall(b"POST /v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
    latencies = []
    failures = []
    stop = threading.Event()

    def prober():
        while not stop.is_set():
            for path, tok in (("/healthz", None), ("/v1/me", token)):
                t0 = time.monotonic()
                try:
                    r = b.srv.get(path, token=tok, timeout=10)
                    latencies.append(time.monotonic() - t0)
                    if r.status != 200:
                        failures.append(f"{path}: {r.status}")
                except OSError as e:
                    failures.append(f"{path}: {e}")
            time.sleep(0.1)

    t = threading.Thread(target=prober, daemon=True)
    t.start()
    deadline = time.monotonic() + seconds
    closed_by_server = 0
    body_closed = False
    while time.monotonic() < deadline:
        for s in list(socks):
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                closed_by_server += 1
                socks.remove(s)
        if not body_closed:
            try:
                body_sock.sendall(b" ")
            except OSError:
                body_closed = True
        time.sleep(min(1.0, max(0, deadline - time.monotonic())))
    stop.set()
    t.join(timeout=15)
    # What the attack costs the server: one descriptor per connection, for as long as it lasts.
    fds = len(os.listdir(f"/proc/{b.srv.pid}/fd")) if b.srv.alive() else None
    fd_limit = None
    try:
        with open(f"/proc/{b.srv.pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    fd_limit = line.split()[3]
    except OSError:
        pass
    def closed(sock):
        # A server close shows as end-of-file (or a reset); an open connection just times out.
        try:
            sock.settimeout(0.5)
            while sock.recv(4096):
                pass
            return True
        except socket.timeout:
            return False
        except OSError:
            return True
    still_open = sum(1 for s in socks if not closed(s)) + (0 if body_closed or closed(body_sock) else 1)
    if still_open:
        b.wrong.append(f"slowloris: {still_open} trickling connections still open after {seconds:.0f} s"
                       f" (head deadline {HEAD_TIMEOUT} s, body {BODY_TIMEOUT} s)")
    for s in socks:
        s.close()
    body_sock.close()
    b.cases += 2
    b.families["slowloris"] += 2
    b.check_alive("slowloris")
    for f in failures[:5]:
        b.wrong.append(f"slowloris: ordinary request failed during the attack: {f}")
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
    mx = latencies[-1] * 1000 if latencies else float("nan")
    return {"conns": n, "seconds": seconds, "still_open": still_open, "closed_by_server": closed_by_server,
            "fds": fds, "fd_limit": fd_limit,
            "probes": len(latencies), "probe_failures": len(failures), "p50_ms": p50, "max_ms": mx}


def main():
    install_signal_exit()
    short = short_mode()
    started = time.monotonic()
    srv = KeelServer(TEST, env={"KEEL_HTTP_HEAD_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
                                "KEEL_HTTP_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT)})
    try:
        srv.start()
        body = signup(srv, "sql-target")
        verify_email(srv, body["owner"]["email"])
        token = login(srv, "sql-target", body["owner"]["email"])
        # The password-change cases never send the right current password, so this session lives.
        b = Battery(srv, short)
        for name, fn in (("oversize", run_oversize), ("deep", run_deep), ("utf8", run_utf8), ("ctype", run_ctype),
                         ("headers", run_headers)):
            t0 = time.monotonic()
            fn(b, token)
            log(f"{name}: {b.families[name]} cases in {time.monotonic() - t0:.1f} s; 5xx so far {len(b.fives)}")
        t0 = time.monotonic()
        tables = run_sql(b, token)
        log(f"sql: {b.families['sql']} cases in {time.monotonic() - t0:.1f} s; tables intact: {tables}")
        t0 = time.monotonic()
        run_protocol(b)
        log(f"protocol: {b.families['protocol']} cases in {time.monotonic() - t0:.1f} s")
        loris = run_slowloris(b, token)
        log(f"slowloris: {loris}")
        me = srv.get("/v1/me", token=token)
        if me.status != 200:
            b.wrong.append(f"after the battery GET /v1/me answered {me.status}")
        peak = srv.vm_hwm_kib()
        # What the server logged as 500: includes requests whose client left mid-body, which no
        # client saw but which monitoring counts as server errors.
        logged = Counter()
        for line in srv.log_path.read_text(errors="replace").splitlines():
            if "unhandled error" in line or "API error" in line:
                m = re.search(r"error=(.*?) hb\.request", line)
                logged[m.group(1) if m else line[-80:]] += 1
        logged500 = sum(1 for line in srv.log_path.read_text(errors="replace").splitlines() if "status=500" in line)
        for what, count in logged.most_common():
            log(f"  server logged {count} x: {what}")
        for line in (b.fives + b.wrong)[:40]:
            log("  " + line)
        ok = not b.fives and not b.crashes and not b.wrong and srv.alive()
        figures(TEST, f"cases {b.cases}, 5xx {len(b.fives)}, crashes {b.crashes}, peak RSS {peak / 1024:.0f} MiB"
                      f" (wrong answers {len(b.wrong)}, families {dict(b.families)}, answers {dict(sorted(b.results.items(), key=str))},"
                      f" slow-loris: {loris['conns']} conns x {loris['seconds']:.0f} s, {loris['still_open']} of {loris['conns'] + 1} still open at the end"
                      f" (server fds {loris['fds']}, soft limit {loris['fd_limit']}),"
                      f" ordinary requests beside them p50 {loris['p50_ms']:.1f} ms max {loris['max_ms']:.0f} ms,"
                      f" {loris['probe_failures']} failed; 500s in the server log {logged500};"
                      f" {time.monotonic() - started:.0f} s)", ok)
        return 0 if ok else 1
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
