#!/usr/bin/env python3
"""14. failover: the primary lost under load, a standby promoted, Keel following through libpq's
multi-host URL.

Topology, all on loopback: a primary (the embedded cluster of a first keel, which made the roles
and the schema, then stopped; restarted on a TCP port with `synchronous_standby_names`) and a
standby (`pg_basebackup` of it, streaming, synchronous: a commit is acknowledged once the
standby has flushed it). The keel under test connects with

    DATABASE_URL=postgres://keel_app@127.0.0.1:<primary>,127.0.0.1:<standby>/keel?target_session_attrs=read-write

so libpq tries the primary, then the standby, and takes whichever accepts writes.

Load: four clients alternating an idempotent create (POST /v1/invitations with a unique
Idempotency-Key, retried with the same key until acknowledged) and a read; a thread polls
/readyz. After a few calm seconds the primary is stopped `-m immediate` (a crash: no shutdown
checkpoint, connections cut), and a second later the standby is promoted (`pg_ctl promote`), as a
failover manager would. Figures: answers >= 500 between the crash and the first success (and how
many were not 503, "database unavailable"), time to first success after the promotion and after
the crash, and, on the promoted server, the acknowledged creates: acked lost 0, duplicated 0.

    FIGURES failover: first success after promotion s s (after the crash s s); 5xx ...; acked lost 0 ...
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import (KeelServer, figures, first_success, free_port, install_signal_exit, invitation_client, log, login,  # noqa: E402
                        reconcile_invitations, settle_clients, signup, sql_literal)

TEST = "failover"
CLIENT_TIMEOUT = 20.0
FIRST_SUCCESS_TARGET = 10.0   # seconds from the promotion


class Cluster:
    """A PostgreSQL data directory driven with pg_ctl (as `postgres` when run as root)."""

    def __init__(self, pg_bin, data, socket_dir, port, log_path):
        self.pg_bin, self.data, self.socket_dir, self.port, self.log_path = pg_bin, data, socket_dir, port, log_path

    @staticmethod
    def as_postgres(argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if os.geteuid() == 0 else argv

    def run(self, tool, *args, timeout=120):
        argv = self.as_postgres([os.path.join(self.pg_bin, tool)] + list(args))
        with open(self.log_path, "ab") as out:   # never a pipe: a postmaster would inherit it
            return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode

    def pg_ctl(self, *args):
        return self.run("pg_ctl", "-D", self.data, *args)

    def start(self):
        return self.pg_ctl("-l", self.log_path, "-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        return self.pg_ctl("-w", "-t", "60", "-m", mode, "stop")

    def running(self):
        return os.path.exists(os.path.join(self.data, "PG_VERSION")) and self.pg_ctl("status") == 0

    def append_settings(self, text):
        # As the cluster's user: the file is theirs, and root may append to it either way.
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# failover test\n" + text)

    def query(self, sql, database="keel", timeout=60):
        out = subprocess.run([os.path.join(self.pg_bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-c", sql],
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"psql on port {self.port} failed: {out.stderr.strip()}")
        return out.stdout.strip()


def chown_postgres(path):
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", path], check=True)


def main():
    install_signal_exit()
    started = time.monotonic()
    env = {"KEEL_ENCRYPTION_KEYS": "failover:" + base64.b64encode(os.urandom(32)).decode(),
           "KEEL_LOG_LEVEL": os.environ.get("FAILOVER_LOG_LEVEL", "info")}
    boot = KeelServer(f"{TEST}-boot", env=env)
    srv = None
    standby = None
    standby_home = tempfile.mkdtemp(prefix="keel-failover-", dir="/var/tmp")
    events, readyz = [], []
    keys = {}
    lock = threading.Lock()
    stop, stop_new = threading.Event(), threading.Event()
    threads = []
    try:
        # 1. The schema and the roles, made by a keel with an embedded cluster, which then stops.
        boot.start()
        if boot.terminate(wait=60) != 0:
            raise RuntimeError("the first keel did not stop cleanly")
        if boot.pg_running():
            boot.pg_stop("fast")
        primary_port, standby_port = free_port(), free_port()
        primary = Cluster(boot.pg_bin, boot.pg_data, boot.socket_dir, primary_port, os.path.join(boot.pg_home, "postgres.log"))
        primary.append_settings(f"listen_addresses = '127.0.0.1'\nport = {primary_port}\n"
                                "synchronous_standby_names = 'standby'\nsynchronous_commit = on\n")
        if primary.start() != 0:
            raise RuntimeError(f"the primary did not start; see {primary.log_path}")

        # 2. The standby: a base backup, streaming from the primary, synchronous.
        os.chmod(standby_home, 0o755)
        standby_data, standby_sockets = os.path.join(standby_home, "data"), os.path.join(standby_home, "run")
        os.makedirs(standby_sockets)
        chown_postgres(standby_home)
        standby = Cluster(boot.pg_bin, standby_data, standby_sockets, standby_port, os.path.join(standby_home, "postgres.log"))
        rc = standby.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
                         "-D", standby_data, "-X", "stream", "-c", "fast")
        if rc != 0:
            raise RuntimeError(f"pg_basebackup failed ({rc}); see {standby.log_path}")
        standby.append_settings(
            f"port = {standby_port}\nunix_socket_directories = '{standby_sockets}'\n"
            "synchronous_standby_names = ''\n"   # once promoted it has no standby to wait for
            f"primary_conninfo = 'host=127.0.0.1 port={primary_port} user=postgres application_name=standby'\n")
        open(os.path.join(standby_data, "standby.signal"), "w").close()
        chown_postgres(standby_home)
        if standby.start() != 0:
            raise RuntimeError(f"the standby did not start; see {standby.log_path}")
        deadline = time.monotonic() + 30
        while primary.query("select count(*) from pg_stat_replication where application_name = 'standby'"
                            " and sync_state = 'sync' and state = 'streaming'", database="postgres") != "1":
            if time.monotonic() > deadline:
                raise RuntimeError("the standby is not streaming synchronously after 30 s")
            time.sleep(0.2)
        log(f"{TEST}: primary on 127.0.0.1:{primary_port}, synchronous standby on 127.0.0.1:{standby_port}")

        # 3. The keel under test, on both through one URL.
        hosts = f"127.0.0.1:{primary_port},127.0.0.1:{standby_port}"
        srv = KeelServer(TEST, env=dict(env, **{
            "DATABASE_URL": f"postgres://keel_app@{hosts}/keel?target_session_attrs=read-write",
            "MIGRATION_DATABASE_URL": f"postgres://keel_owner@{hosts}/keel?target_session_attrs=read-write"}))
        srv.start()
        slug = f"fo{int(time.time()) % 100000}"
        body = signup(srv, slug)
        tenant_id = body["tenant"]["id"]
        # The verification mail is read from the primary (KeelServer.query knows only its own cluster).
        email = body["owner"]["email"]
        deadline = time.monotonic() + 30
        token_text = ""
        while "keelv_" not in token_text and time.monotonic() < deadline:
            token_text = primary.query("select coalesce(string_agg(text_body, ' '), '') from notifications.mailbox"
                                       f" where recipient = {sql_literal(email)}")
            time.sleep(0.2)
        verification = re.search(r"keelv_[A-Za-z0-9_-]+", token_text)
        if not verification:
            raise RuntimeError(f"no verification mail for {email} within 30 s")
        r = srv.request("POST", "/v1/email-verifications", body={"token": verification.group(0)})
        if r.status != 200:
            raise RuntimeError(f"verify: {r.status} {r.body[:200]!r}")
        token = login(srv, slug, email)

        def client(ci):
            invitation_client(srv, token, slug, "fo", ci, keys, events, lock, stop, stop_new, CLIENT_TIMEOUT)

        def poll_readyz():
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    status = srv.get("/readyz", timeout=CLIENT_TIMEOUT).status
                except OSError:
                    status = None
                with lock:
                    readyz.append((t0, time.monotonic(), status))
                time.sleep(0.1)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(4)]
        threads.append(threading.Thread(target=poll_readyz, daemon=True))
        for t in threads:
            t.start()

        # 4. The crash and the promotion.
        time.sleep(4.0)
        crashed = time.monotonic()
        rc_stop = primary.stop("immediate")
        time.sleep(1.0)   # a failover manager's detection time
        promoted = time.monotonic()
        rc_promote = standby.pg_ctl("-w", "-t", "60", "promote")
        promote_returned = time.monotonic()
        first_ok = first_success(events, lock, since=promote_returned)
        log(f"crash: pg_ctl stop {rc_stop}; promote {rc_promote} in {promote_returned - promoted:.2f} s;"
            f" first success {(first_ok - promoted) if first_ok else float('nan'):.2f} s after the promotion")
        time.sleep(3.0)

        # 5. Settle: every client retries its pending keys (a key claimed when the primary died
        # stays "in flight" until its 60 s lease ends), then the reconciliation on the new primary.
        settle_clients(threads[:-1], stop, stop_new)
        for t in threads:
            t.join(timeout=40)
        rows = standby.query("select coalesce(json_agg(json_build_array(email, invitation_id::text)), '[]') "
                             f"from accounts.invitations where tenant_id = {sql_literal(tenant_id)}")
        acked, lost, duplicated, mismatched = reconcile_invitations(keys, json.loads(rows))
        acked_before = sum(1 for e in events if e[2] == "create" and e[3] == 201 and e[1] < crashed)
        acked_after = sum(1 for e in events if e[2] == "create" and e[3] == 201 and e[0] >= promote_returned)

        end = first_ok or time.monotonic()
        window = [e for e in events if crashed <= e[1] <= end]
        fives = Counter(e[3] for e in window if isinstance(e[3], int) and e[3] >= 500)
        not503 = sum(v for k, v in fives.items() if k != 503)
        transport = sum(1 for e in window if e[3] is None)
        never = [e for e in events if e[3] == "timeout"]
        ready_down = Counter(r[2] for r in readyz if crashed + 0.5 <= r[0] and r[1] <= promoted)
        code = srv.terminate(wait=30)
        first = (f"{first_ok - promoted:.2f} s (after the crash {first_ok - crashed:.2f} s)" if first_ok
                 else "never (60 s)")
        ok = (not lost and not duplicated and not mismatched and first_ok is not None
              and first_ok - promoted <= FIRST_SUCCESS_TARGET and not503 == 0 and not never
              and rc_stop == 0 and rc_promote == 0 and acked_before > 0 and acked_after > 0 and code == 0)
        figures(TEST, f"first success after promotion {first} (target <= {FIRST_SUCCESS_TARGET:.0f} s);"
                      f" 5xx between crash and first success {sum(fives.values())} ({dict(fives)}, not 503: {not503}),"
                      f" transport errors {transport}, /readyz while no primary {dict(ready_down)};"
                      f" acked lost {len(lost)} (acked {len(acked)}: {acked_before} before the crash,"
                      f" {acked_after} after the promotion; duplicated {len(duplicated)}, id mismatches {len(mismatched)},"
                      f" unacked at the end {len(keys) - len(acked)}), never answered {len(never)};"
                      f" SIGTERM afterwards: exit {code}; {time.monotonic() - started:.0f} s", ok)
        return 0 if ok else 1
    finally:
        stop.set()
        if srv is not None:
            srv.stop()
        boot.stop()
        if standby is not None:
            try:
                if standby.running():
                    standby.stop("fast")
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                log(f"warning: could not stop the standby: {e}")
        if os.environ.get("RELIABILITY_KEEP_DATA") != "1":
            shutil.rmtree(standby_home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
