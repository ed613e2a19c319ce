"""Shared helpers for the fault and abuse battery (`make reliability`, docs/reliability.md).

`KeelServer` starts `keel serve --migrate` on a free loopback port with a fresh embedded
PostgreSQL under `.data/reliability-<stamp>-<test>/`, the way scripts/contract.sh does, and can
kill -9 it, restart it (the restarted keel reuses the still-running cluster), SIGTERM it, restart
the cluster under it, query the database as the cluster's superuser, and clean everything up —
the cluster included, which a keel that *reused* a cluster does not stop on its own.

`http()` is a one-connection-per-request HTTP client on the standard library, so a request never
rides on a connection that a killed server left behind; `source=` binds the client to another
loopback address (127.0.0.2 ...), which is how the login tests look like different clients.

Every test prints exactly one line starting with `FIGURES <test>:` and exits 0 when every target
is met, 1 when one is not (the line says which), 2 when it could not run.
"""

import base64
import glob
import http.client as httpclient
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Rate limits off and a cheap Argon2 unless a test says otherwise (login-abuse keeps the real ones).
QUIET_ENV = {
    "KEEL_RATE_LIMIT_CREDENTIAL": "0",
    "KEEL_RATE_LIMIT_TENANT": "0",
    "KEEL_RATE_LIMIT_LOGIN_ADDRESS": "0",
    "KEEL_RATE_LIMIT_LOGIN_ACCOUNT": "0",
    "KEEL_ARGON2_MEMORY_KIB": "1024",
    "KEEL_ARGON2_ITERATIONS": "1",
}


def log(*args):
    """Progress goes to stderr; stdout carries only the figure line."""
    print(*args, file=sys.stderr, flush=True)


def figures(test, text, ok):
    print(f"FIGURES {test}: {text}{'' if ok else '  [TARGET MISSED]'}", flush=True)


def keel_bin():
    path = os.environ.get("KEEL_BIN") or str(REPO / ".build/debug/keel")
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        raise SystemExit(f"error: {path} not found; run 'make build' first")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install_signal_exit():
    """SIGTERM (from `timeout`) unwinds like Ctrl-C, so `finally` blocks stop the server."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


# --- HTTP -----------------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers          # list of (name, value), as received
        self.body = body
        self.elapsed = elapsed

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


def http(base_port, method, path, body=None, token=None, headers=None, timeout=15.0, source=None):
    """One request on a fresh connection. Raises OSError (refused, reset, timeout) on transport
    failures; returns a Response otherwise."""
    conn = httpclient.HTTPConnection("127.0.0.1", base_port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    h = {}
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    start = time.monotonic()
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        payload = r.read()
        return Response(r.status, r.getheaders(), payload, time.monotonic() - start)
    except httpclient.HTTPException as e:  # a malformed or missing answer counts as a transport failure
        raise OSError(f"HTTP error: {e!r}") from e
    finally:
        conn.close()


# --- The server -------------------------------------------------------------------------------

def pg_bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        raise SystemExit("error: PostgreSQL is not installed (apt-get install -y postgresql)")
    return os.path.dirname(found[-1])


class KeelServer:
    """One keel process (restartable) and its private embedded cluster."""

    def __init__(self, test, env=None, quiet=True):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.test = test
        self.run_dir = REPO / ".data" / f"reliability-{stamp}-{os.getpid()}-{test}"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.bin = keel_bin()
        self.env = dict(os.environ)
        self.env.update({
            "KEEL_DATA_DIR": str(self.run_dir),
            "KEEL_HOST": "127.0.0.1",
            "KEEL_PORT": str(self.port),
            "KEEL_LOG_FORMAT": "text",
            "KEEL_MIGRATIONS_DIR": str(REPO / "migrations"),
            "KEEL_TEMPLATES_DIR": str(REPO / "Templates"),
            "KEEL_PUBLIC_DIR": str(REPO / "Public"),
            "KEEL_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
        })
        if quiet:
            self.env.update(QUIET_ENV)
        self.env.update(env or {})
        self.proc = None
        self.starts = 0
        self.log_path = self.run_dir / "server.log"
        self._log = open(self.log_path, "ab")
        self.pg_bin = pg_bin_dir()

    # -- paths of the cluster (EmbeddedPostgres.swift: <home>/postgres, <home>/run, <home>/postgres.log)
    @property
    def pg_data(self):
        return os.path.realpath(self.run_dir / "postgres")

    @property
    def pg_home(self):
        return os.path.dirname(self.pg_data)

    @property
    def socket_dir(self):
        return os.path.join(self.pg_home, "run")

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def get(self, path, **kw):
        return http(self.port, "GET", path, **kw)

    def request(self, method, path, **kw):
        return http(self.port, method, path, **kw)

    def start(self, timeout=120.0, ready=True):
        """Starts keel and waits for /readyz (or /healthz) to answer 200."""
        assert not self.alive()
        self._log.write(f"\n===== start #{self.starts + 1} at {time.strftime('%H:%M:%S')} =====\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen([self.bin, "serve", "--migrate"], cwd=str(REPO), env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.starts += 1
        path = "/readyz" if ready else "/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"keel exited with {self.proc.returncode} during start-up; see {self.log_path}:\n"
                                   + self.tail())
            try:
                if self.get(path, timeout=2).status == 200:
                    if self.starts == 1:
                        log(f"{self.test}: keel pid {self.proc.pid} on port {self.port}, data in {self.run_dir}")
                    return time.monotonic() - (deadline - timeout)
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{path} not 200 after {timeout:.0f} s; see {self.log_path}:\n" + self.tail())

    def tail(self, n=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def kill9(self):
        """SIGKILL keel alone; its PostgreSQL (another process group) keeps running."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def terminate(self, wait=60.0):
        """SIGTERM and wait; returns the exit status (None if it had to be killed)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            log(f"warning: keel {self.proc.pid} still running {wait:.0f} s after SIGTERM; killing it")
            self.kill9()
            return None

    def vm_hwm_kib(self):
        """Peak resident set size of keel (VmHWM), in KiB."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return None

    # -- the cluster
    def _as_postgres(self, argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if os.geteuid() == 0 else argv

    def pg_ctl(self, *args, timeout=120):
        argv = self._as_postgres([os.path.join(self.pg_bin, "pg_ctl"), "-D", self.pg_data] + list(args))
        # stdout to a file, never a pipe: a started postmaster inherits it and would keep it open.
        with open(self.run_dir / "pg_ctl.out", "ab") as out:
            return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode

    def pg_running(self):
        return os.path.exists(os.path.join(self.pg_data, "PG_VERSION")) and self.pg_ctl("status", timeout=30) == 0

    def pg_restart(self, mode):
        return self.pg_ctl("-l", os.path.join(self.pg_home, "postgres.log"), "-w", "-t", "60", "-m", mode, "restart")

    def pg_stop(self, mode="fast"):
        return self.pg_ctl("-w", "-t", "60", "-m", mode, "stop")

    def pg_start(self):
        return self.pg_ctl("-l", os.path.join(self.pg_home, "postgres.log"), "-w", "-t", "60", "start")

    def psql_argv(self, database=None):
        return [os.path.join(self.pg_bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
                "-U", "postgres", "-d", database or self.env.get("KEEL_DATABASE_NAME", "keel")]

    def query(self, sql, timeout=60):
        """Runs one SELECT as the cluster's superuser (RLS does not apply); returns a list of dicts."""
        wrapped = f"select coalesce(json_agg(t), '[]'::json) from ({sql}) t"
        out = subprocess.run(self.psql_argv() + ["-A", "-t", "-c", wrapped], capture_output=True, text=True,
                             timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return json.loads(out.stdout)

    def execute(self, sql, timeout=60):
        out = subprocess.run(self.psql_argv() + ["-c", sql], capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return out.stdout

    def side_session(self):
        """An interactive psql (stdin a pipe) for holding locks: write SQL lines to .stdin."""
        return subprocess.Popen(self.psql_argv(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, text=True, start_new_session=True)

    def stop(self):
        """SIGTERM keel, then stop the cluster if it still runs (a keel that reused it leaves it up)."""
        status = None
        try:
            if self.proc is not None:
                status = self.terminate()
        finally:
            try:
                if self.pg_running():
                    self.pg_stop("fast")
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                log(f"warning: could not stop the cluster: {e}")
            self._log.close()
            if os.environ.get("RELIABILITY_KEEP_DATA") != "1":
                for path in {self.pg_data, self.socket_dir}:
                    shutil.rmtree(path, ignore_errors=True)
                for link in ("postgres", "run"):
                    p = self.run_dir / link
                    if p.is_symlink():
                        p.unlink()
                    else:
                        shutil.rmtree(p, ignore_errors=True)
                home = self.pg_home
                if home.startswith("/var/tmp/keel-"):
                    shutil.rmtree(home, ignore_errors=True)
        return status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# --- Keel flows -------------------------------------------------------------------------------

PASSWORD = "reliability passphrase 7431"


def signup(srv, slug, email=None, name=None, password=PASSWORD, key=None, source=None):
    email = email or f"owner@{slug}.test"
    headers = {"Idempotency-Key": key} if key else {}
    r = srv.request("POST", "/v1/signup", body={"tenant": {"slug": slug, "name": name or f"Tenant {slug}"},
                                                "owner": {"email": email, "password": password, "name": f"Owner {slug}"}},
                    headers=headers, source=source)
    if r.status != 201:
        raise RuntimeError(f"signup {slug}: {r.status} {r.body[:300]!r}")
    return r.json()


def login(srv, slug, email, password=PASSWORD, source=None):
    r = srv.request("POST", "/v1/sessions", body={"tenant": slug, "email": email, "password": password}, source=source)
    if r.status != 201:
        raise RuntimeError(f"login {email}@{slug}: {r.status} {r.body[:300]!r}")
    return r.json()["token"]


def mailbox_token(srv, recipient, prefix, timeout=30.0, exclude=()):
    """The newest token with `prefix` (keelv_, keeli_ ...) mailed to `recipient`, from the dev
    mailbox; waits for the outbox and the sender to deliver it."""
    deadline = time.monotonic() + timeout
    pattern = re.compile(re.escape(prefix) + r"[A-Za-z0-9_-]+")
    while time.monotonic() < deadline:
        rows = srv.query("select text_body from notifications.mailbox where recipient = "
                         + sql_literal(recipient) + " order by delivered_at desc")
        for row in rows:
            for token in pattern.findall(row["text_body"]):
                if token not in exclude:
                    return token
        time.sleep(0.2)
    raise RuntimeError(f"no {prefix} token mailed to {recipient} within {timeout:.0f} s")


def verify_email(srv, email):
    token = mailbox_token(srv, email, "keelv_")
    r = srv.request("POST", "/v1/email-verifications", body={"token": token})
    if r.status != 200:
        raise RuntimeError(f"verify {email}: {r.status} {r.body[:300]!r}")


def verified_owner(srv, slug):
    """A new tenant whose owner has verified their address and is signed in:
    (tenant id, owner email, token)."""
    body = signup(srv, slug)
    email = body["owner"]["email"]
    verify_email(srv, email)
    return body["tenant"]["id"], email, login(srv, slug, email)


def invitation_client(srv, token, slug, prefix, ci, keys, events, lock, stop, stop_new, timeout=20.0):
    """One client of the restart and failover tests: alternates an idempotent create (POST
    /v1/invitations with a unique Idempotency-Key, retried with the same key until acknowledged)
    and a read (GET /v1/users?limit=5), appending (start, end, kind, status) to `events` and
    each key's fate to `keys` (key -> {"email", "acked", "id"}). Status None is a transport
    error, "timeout" no answer within `timeout`. Stops at `stop`; after `stop_new` it only
    settles the keys it has pending."""
    pace = random.Random(ci)
    n, pending = 0, []

    def timed(kind, send):
        """Sends, records (start, end, kind, status) and returns the response (None without one)."""
        t0 = time.monotonic()
        try:
            r = send()
            status = r.status
        except TimeoutError:
            r, status = None, "timeout"
        except OSError:
            r, status = None, None
        with lock:
            events.append((t0, time.monotonic(), kind, status))
        return r

    while not stop.is_set():
        if pending:
            k = pending[0]
        elif stop_new.is_set():
            return
        else:
            n += 1
            k = f"{prefix}-{ci}-{n}"
            with lock:
                keys[k] = {"email": f"c{ci}-{n}@{slug}.test", "acked": False, "id": None}
            pending.append(k)
        r = timed("create", lambda: srv.request("POST", "/v1/invitations", token=token,
                                                body={"email": keys[k]["email"], "role": "member"},
                                                headers={"Idempotency-Key": k}, timeout=timeout))
        if r is not None and r.status == 201:
            keys[k]["acked"], keys[k]["id"] = True, r.json()["id"]
            pending.remove(k)
        elif r is not None and r.status < 500 and r.status != 409:
            log(f"  unexpected {r.status} for {k}: {r.body[:200]!r}")
            pending.remove(k)
        timed("read", lambda: srv.request("GET", "/v1/users?limit=5", token=token, timeout=timeout))
        time.sleep(pace.uniform(0.005, 0.02))


def first_success(events, lock, since, timeout=60.0):
    """Waits (at most `timeout`) for a 2xx to a request sent at or after `since` in `events`
    ((start, end, kind, status) tuples); returns when it ended, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        with lock:
            oks = [e[1] for e in events if e[0] >= since and isinstance(e[3], int) and 200 <= e[3] < 300]
        if oks:
            return min(oks)
    return None


def settle_clients(clients, stop, stop_new, timeout=75.0):
    """No new keys; each `invitation_client` retries its pending ones (a key claimed by a request
    the outage cut stays 'running', 409, until its 60 s lease ends) for up to `timeout`; then
    every client stops."""
    stop_new.set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(t.is_alive() for t in clients):
        time.sleep(0.2)
    stop.set()


def reconcile_invitations(keys, rows):
    """The acknowledged creates against the rows found ((email, invitation id) pairs):
    (acked, lost, duplicated addresses, id mismatches)."""
    by_email = {}
    for email, invitation_id in rows:
        by_email.setdefault(email, []).append(invitation_id)
    acked = [v for v in keys.values() if v["acked"]]
    lost = [v for v in acked if not by_email.get(v["email"])]
    duplicated = [e for e, ids in by_email.items() if len(ids) > 1]
    mismatched = [v for v in acked if by_email.get(v["email"]) and by_email[v["email"]] != [v["id"]]]
    return acked, lost, duplicated, mismatched


def sql_literal(s):
    return "'" + str(s).replace("'", "''") + "'"


def short_mode():
    return os.environ.get("RELIABILITY_SHORT") == "1" or "--short" in sys.argv


def rng():
    seed = int(os.environ.get("RELIABILITY_SEED") or random.randrange(1 << 30))
    log(f"seed {seed} (RELIABILITY_SEED={seed} reproduces the random choices)")
    return random.Random(seed), seed


# --- Two instances behind a balancer ------------------------------------------------------------

def haproxy_bin():
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if not found:
        raise SystemExit("error: haproxy is not installed (apt-get install -y haproxy; scripts/reliability.sh does it)")
    return found


class KeelPair:
    """Two keel processes on one database behind HAProxy on loopback, with KeelServer's interface,
    so a test written against one server runs unchanged against the pair (`make_server`).

    The first instance starts the embedded cluster and migrates; the second joins it through
    DATABASE_URL (the server role) and MIGRATION_DATABASE_URL (the owner), as a second replica of a
    deployment would. Requests go to the balancer (round robin, health-checked on /readyz every
    half second); `query` and `execute` go to the cluster. `kill9` kills one instance, the two in
    turn, and `start` brings the dead one back, so the service as a whole never stops answering."""

    def __init__(self, test, env=None, quiet=True):
        self.test = test
        self.env = dict(env or {})
        # One key for both: they share the database, so each opens what the other sealed.
        self.env.setdefault("KEEL_ENCRYPTION_KEYS", "pair:" + base64.b64encode(os.urandom(32)).decode())
        self.quiet = quiet
        self.first = KeelServer(f"{test}-1", env=self.env, quiet=quiet)
        self.second = None
        self.run_dir = self.first.run_dir
        # Picked when the balancer starts, after both instances hold theirs: picked here, the
        # second instance's free port could be the same one, and haproxy then failed to bind
        # while every request went to that instance alone.
        self.port = None
        self.balancer = None
        self.victim = 0
        self.kills = []

    @property
    def instances(self):
        return [s for s in (self.first, self.second) if s is not None]

    def alive(self):
        return len(self.instances) == 2 and all(s.alive() for s in self.instances) \
            and self.balancer is not None and self.balancer.poll() is None

    def start(self, timeout=120.0, ready=True):
        if self.second is None:
            self.first.start(timeout=timeout, ready=ready)
            socket_dir = self.first.socket_dir
            env = dict(self.env)
            env.update({"DATABASE_URL": f"postgres://keel_app@/keel?host={socket_dir}",
                        "MIGRATION_DATABASE_URL": f"postgres://keel_owner@/keel?host={socket_dir}"})
            self.second = KeelServer(f"{self.test}-2", env=env, quiet=self.quiet)
            self.second.start(timeout=timeout, ready=ready)
            self._start_balancer()
            log(f"{self.test}: two instances (pids {self.first.pid}, {self.second.pid}) behind haproxy on port {self.port}")
            return 0.0
        started = time.monotonic()
        for s in self.instances:
            if not s.alive():
                s.start(timeout=timeout, ready=ready)
        return time.monotonic() - started

    def _start_balancer(self):
        self.port = free_port()
        while self.port in (self.first.port, self.second.port):
            self.port = free_port()
        config = self.run_dir / "haproxy.cfg"
        config.write_text(f"""global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 2
    option redispatch
frontend keel
    bind 127.0.0.1:{self.port}
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1
    server first 127.0.0.1:{self.first.port} check
    server second 127.0.0.1:{self.second.port} check
""")
        self._balancer_log = open(self.run_dir / "haproxy.log", "ab")
        self.balancer = subprocess.Popen([haproxy_bin(), "-db", "-f", str(config)], stdin=subprocess.DEVNULL,
                                         stdout=self._balancer_log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        answered = 0
        while time.monotonic() < deadline and answered < 4 and self.balancer.poll() is None:
            try:
                answered = answered + 1 if self.get("/readyz", timeout=2).status == 200 else 0
            except OSError:
                answered = 0
            time.sleep(0.1)
        if answered < 4 or self.balancer.poll() is not None:
            raise RuntimeError(f"haproxy on {self.port} does not answer; see {self.run_dir / 'haproxy.log'}")

    def get(self, path, **kw):
        return http(self.port, "GET", path, **kw)

    def request(self, method, path, **kw):
        return http(self.port, method, path, **kw)

    @property
    def pid(self):
        return self.first.pid

    def kill9(self):
        """SIGKILLs one instance, the two in turn; the other keeps serving."""
        victim = self.instances[self.victim % len(self.instances)]
        self.victim += 1
        self.kills.append(victim.test)
        victim.kill9()

    def terminate(self, wait=60.0):
        return [s.terminate(wait) for s in reversed(self.instances)][-1]

    def tail(self, n=30):
        return "\n".join(f"[{s.test}]\n{s.tail(n)}" for s in self.instances)

    def query(self, sql, timeout=60):
        return self.first.query(sql, timeout)

    def execute(self, sql, timeout=60):
        return self.first.execute(sql, timeout)

    def vm_hwm_kib(self):
        return max((s.vm_hwm_kib() or 0) for s in self.instances)

    def stop(self):
        if self.balancer is not None and self.balancer.poll() is None:
            self.balancer.terminate()
            try:
                self.balancer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.balancer.kill()
        try:
            if self.second is not None:
                self.second.stop()
        finally:
            status = self.first.stop()
        return status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def make_server(test, env=None, quiet=True):
    """The server a test runs against: one keel (KeelServer), or, with RELIABILITY_TOPOLOGY=pair
    (the two-instances test sets it), two behind a balancer (KeelPair)."""
    if os.environ.get("RELIABILITY_TOPOLOGY") == "pair":
        return KeelPair(test, env=env, quiet=quiet)
    return KeelServer(test, env=env, quiet=quiet)
