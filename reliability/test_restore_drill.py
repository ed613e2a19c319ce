#!/usr/bin/env python3
"""11. restore-drill: `keel backup` while the database is being written, then `keel restore
--verify` (docs/operations.md), on a seeded database.

Seeds tenants (verified owners, invitations, an order each), then runs `keel backup --to DIR`
while a client keeps inviting people, so the backup is taken of a database in use: its manifest's
row counts and its dump must still be one snapshot. Then `keel restore --from DIR --verify`
restores into a scratch database and checks the migration, every table's row count against the
manifest, that row-level security is forced on every tenant table and that sampled tenants read
their own rows, only theirs, through the tenant path; it must print "restore verified" and exit 0.
Two refusals are checked too: a copy of the backup with one byte of the dump changed must fail
(exit 1, "not the file the manifest describes"), and `keel restore` without `--verify` must
refuse to run.

    FIGURES restore-drill: backup ..., restore verified ..., tampered copy refused ..., ...
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(__file__))
from keelserver import KeelServer, figures, install_signal_exit, log, short_mode, verified_owner  # noqa: E402

TEST = "restore-drill"


def keel(srv, *args, timeout=300):
    """Runs a keel command with the server's environment (so it finds the same cluster)."""
    started = time.monotonic()
    out = subprocess.run([srv.bin, *args], env=srv.env, capture_output=True, text=True, timeout=timeout)
    return out.returncode, (out.stdout + out.stderr).strip(), time.monotonic() - started


def main():
    install_signal_exit()
    short = short_mode()
    tenants = 3 if short else 8
    started = time.monotonic()
    srv = KeelServer(TEST)
    problems = []
    try:
        srv.start()
        stamp = f"{int(time.time()) % 100000}"
        owners = []
        for i in range(tenants):
            slug = f"drill{stamp}-{i}"
            tenant_id, email, token = verified_owner(srv, slug)
            owners.append((slug, token))
            for j in range(3):
                r = srv.request("POST", "/v1/invitations", token=token, body={"email": f"p{j}@{slug}.test", "role": "member"})
                if r.status != 201:
                    problems.append(f"seed invitation: {r.status} {r.body[:200]!r}")
            # A draft order of the seeded catalog (migrations/0012_orders_core.sql).
            r = srv.request("POST", "/v1/orders", token=token,
                            body={"currency": "USD", "lines": [{"product": "extra-seats", "quantity": 2}]},
                            headers={"Idempotency-Key": f"drill-{slug}"})
            if r.status != 201:
                problems.append(f"seed order: {r.status} {r.body[:200]!r}")
        log(f"seeded {tenants} tenants")

        # Writes go on while the backup runs.
        stop = threading.Event()
        written = [0]

        def writer():
            slug, token = owners[0]
            n = 0
            while not stop.is_set():
                n += 1
                r = srv.request("POST", "/v1/invitations", token=token, body={"email": f"during{n}@{slug}.test", "role": "member"})
                if r.status == 201:
                    written[0] += 1
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        backup_dir = srv.run_dir / "backup"
        code, output, backup_seconds = keel(srv, "backup", "--to", str(backup_dir))
        stop.set()
        thread.join(timeout=30)
        log(output)
        if code != 0:
            problems.append(f"keel backup exited {code}: {output[-400:]}")
            raise SystemExit(1)
        manifest = json.loads((backup_dir / "manifest.json").read_text())
        rows = sum(manifest["tables"].values())

        code, verdict, restore_seconds = keel(srv, "restore", "--from", str(backup_dir), "--verify")
        log(verdict)
        restored = code == 0 and verdict.startswith("restore verified")
        if not restored:
            problems.append(f"keel restore --verify exited {code}: {verdict[-600:]}")

        tampered = srv.run_dir / "backup-tampered"
        shutil.copytree(backup_dir, tampered)
        dump = tampered / manifest["dump"]["file"]
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
        code, tampered_verdict, _ = keel(srv, "restore", "--from", str(tampered), "--verify")
        refused = code == 1 and "not the file the manifest describes" in tampered_verdict
        if not refused:
            problems.append(f"a tampered dump was not refused: exit {code}: {tampered_verdict[-300:]}")

        code, no_verify, _ = keel(srv, "restore", "--from", str(backup_dir))
        if code == 0 or "--verify" not in no_verify:
            problems.append(f"keel restore without --verify: exit {code}: {no_verify[-300:]}")

        leftovers = srv.query("select datname from pg_database where datname like 'keel_restore_%'")
        if leftovers:
            problems.append(f"scratch databases left behind: {[r['datname'] for r in leftovers]}")

        for line in problems:
            log("  " + line)
        ok = not problems and srv.alive()
        figures(TEST, f"backup {backup_seconds:.1f} s ({manifest['dump']['bytes'] / 1048576:.1f} MiB, {rows} rows in"
                      f" {len(manifest['tables'])} tables, migration {manifest['migration']}, {written[0]} invitations"
                      f" written during it), restore {'verified' if restored else 'FAILED'} in {restore_seconds:.1f} s,"
                      f" tampered copy {'refused' if refused else 'NOT refused'}, problems {len(problems)}"
                      f" (tenants {tenants}, {time.monotonic() - started:.0f} s)", ok)
        return 0 if ok else 1
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
