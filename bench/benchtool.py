#!/usr/bin/env python3
"""Parsing and reporting for scripts/bench.sh (standard library only).

Every measurement becomes one JSON line in the run's results.jsonl, tagged with key=value pairs
the runner passes (phase, scenario, system, round, …); `report` turns that file into results.md.

  benchtool.py wrk FILE --to RESULTS k=v…           wrk output (the BENCH line of bench/wrk.lua)
  benchtool.py pgbench FILE --to RESULTS k=v…       pgbench output (tps)
  benchtool.py pglog PREFIX SECONDS --to RESULTS k=v…  pgbench -l logs: rate, p50/p99
  benchtool.py hey FILE SECONDS --to RESULTS k=v…   hey -o csv: rate, p50/p99 by status
  benchtool.py argon2 FILE --to RESULTS k=v…        argon2 CLI outputs: hashes/s per thread
  benchtool.py add --to RESULTS k=v…                a record as given (RSS figures, settings)
  benchtool.py median RESULTS FIELD k=v…            median of FIELD over matching records
  benchtool.py report RESULTS OUT.md                the tables
"""
import glob
import json
import re
import statistics
import sys


def parse_kv(items):
    out = {}
    for item in items:
        k, _, v = item.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def append(path, record):
    with open(path, "a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
    print(json.dumps(record, sort_keys=True))


def pct(values, p):
    """Nearest-rank percentile of a list (p in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def wrk(path):
    text = open(path).read()
    m = re.search(r"^BENCH (.*)$", text, re.M)
    if not m:
        raise SystemExit(f"no BENCH line in {path}:\n{text}")
    r = parse_kv(m.group(1).split())
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["rate"] = r["rps"]  # the latency table's "achieved"
    r["errors"] = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    r["p50_ms"] = r.pop("p50_us") / 1000
    r["p99_ms"] = r.pop("p99_us") / 1000
    return r


def pgbench(path):
    text = open(path).read()
    m = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", text, re.M)
    if not m:
        raise SystemExit(f"no tps in {path}:\n{text}")
    failed = re.search(r"number of failed transactions: (\d+)", text)
    lat = re.search(r"latency average = ([0-9.]+) ms", text)
    return {"rps": float(m.group(1)), "errors": int(failed.group(1)) if failed else 0,
            "avg_ms": float(lat.group(1)) if lat else None}


def pglog(prefix, seconds):
    lat = []
    for path in glob.glob(prefix + ".*"):
        for line in open(path):
            f = line.split()
            if len(f) >= 6 and f[2].isdigit():
                lat.append(int(f[2]) / 1000)
    return {"count": len(lat), "rate": len(lat) / seconds, "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
            "errors": 0}


def hey(path, seconds):
    """hey -o csv rows (from bench.sh's hey_run: a 9th column is the start time of the hey
    process that sent the row). Percentiles over every answer; the rate over the window in which
    every process was sending, so staggered starts and the answers that arrive after a process
    stops do not inflate it."""
    by_status = {}
    done_at = []  # (completion time, status)
    starts = set()
    for line in open(path):
        f = line.strip().split(",")
        if len(f) < 8 or not f[6].isdigit():
            continue
        status, rt = int(f[6]), float(f[0])
        by_status.setdefault(status, []).append(rt * 1000)
        if len(f) >= 9:
            start = float(f[8])
            starts.add(start)
            done_at.append((start + float(f[7]) + rt, status))
    ok = [v for s, v in by_status.items() if 200 <= s < 300 for v in v]
    window = seconds
    ok_in_window = len(ok)
    if starts and max(starts) < min(starts) + seconds:
        lo, hi = max(starts), min(starts) + seconds
        window = hi - lo
        ok_in_window = sum(1 for t, s in done_at if lo <= t < hi and 200 <= s < 300)
    r = {"count": sum(len(v) for v in by_status.values()), "ok": len(ok), "rate": ok_in_window / window,
         "window_s": round(window, 3), "p50_ms": pct(ok, 50), "p99_ms": pct(ok, 99),
         "statuses": {str(s): len(v) for s, v in sorted(by_status.items())}}
    r["errors"] = r["count"] - r["ok"]
    rejected = by_status.get(503, [])
    if rejected:
        r["rejected"] = len(rejected)
        r["rejected_p50_ms"] = pct(rejected, 50)
        r["rejected_p99_ms"] = pct(rejected, 99)
    return r


def argon2(path):
    secs = [float(x) for x in re.findall(r"^([0-9.]+) seconds$", open(path).read(), re.M)]
    if not secs:
        raise SystemExit(f"no timings in {path}")
    return {"hashes": len(secs), "seconds": sum(secs), "median_ms": statistics.median(secs) * 1000,
            "rate": len(secs) / sum(secs)}


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def select(records, **match):
    return [r for r in records if all(r.get(k) == v for k, v in match.items())]


def median_of(records, field, **match):
    values = [r[field] for r in select(records, **match) if r.get(field) is not None]
    return statistics.median(values) if values else None


# --- report -------------------------------------------------------------------------------------

def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, float) and digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio_rounds(records, phase, scenario, system, ref, field="rps"):
    """Per-round Keel/reference ratios (the rounds alternate the two), and their median."""
    ratios = []
    for k in select(records, phase=phase, scenario=scenario, system=system):
        refs = select(records, phase=phase, scenario=scenario, system=ref, round=k["round"])
        if refs and refs[0].get(field):
            ratios.append(k[field] / refs[0][field])
    return ratios, (statistics.median(ratios) if ratios else None)


def verdict(ok):
    return "–" if ok is None else ("**met**" if ok else "**missed**")


def report(results, out):
    recs = load(results)
    meta = {}
    for r in select(recs, phase="meta"):
        meta.update(r)
    L = []
    w = L.append
    w(f"# Keel benchmark run {meta.get('stamp', '')}\n")
    w(f"- command: `{meta.get('command', '')}`")
    w(f"- date: {meta.get('date', '')}; machine: {meta.get('cpus', '?')} cores ({meta.get('cpu_model', '?')}), "
      f"{meta.get('mem', '?')}; load average at start {meta.get('load_start', '?')}, at end {meta.get('load_end', '?')}")
    w(f"- Keel `{meta.get('keel_bin', '')}`, pool {meta.get('pool', '?')}; PostgreSQL {meta.get('pg_version', '?')} "
      f"(Keel's embedded cluster, Unix socket); peer: FastAPI {meta.get('fastapi', '?')} + uvicorn {meta.get('uvicorn', '?')} "
      f"({meta.get('peer_workers', '?')} workers, uvloop + httptools) + asyncpg {meta.get('asyncpg', '?')}, "
      f"{meta.get('peer_pool', '?')} connections per worker")
    w(f"- {meta.get('rounds', '?')} rounds of {meta.get('seconds', '?')} s per figure, reference and Keel alternating; "
      f"wrk -t{meta.get('wrk_threads', '?')} -c{meta.get('connections', '?')}; pgbench -M prepared "
      f"-c{meta.get('pool', '?')} -j2; latency with wrk -c{meta.get('connections', '?')} on a fixed schedule, at "
      f"{int(float(meta.get('load_fraction', 0.7)) * 100)} % of each system's own median maximum\n")

    # Throughput
    w("## Throughput (requests or transactions per second, median of the rounds)\n")
    w("| scenario | reference | reference /s | Keel /s | Keel ÷ reference (median of per-round ratios) | rounds | target | |")
    w("|---|---|---:|---:|---:|---|---|---|")
    # Issue 7's targets, and issue 21's where it set new ones (S1 and S2 against the peer, S1
    # against PG in Keel's own shape, S7).
    targets = {("S1", "pg"): 0.5, ("S1", "pg-pipelined"): 0.3, ("S1", "peer"): 2.5, ("S2", "pg"): 0.4,
               ("S2", "peer"): 2.0, ("S3", "pg"): 0.7, ("S5", "keel-s2"): 0.7, ("S6", "pg"): 0.7, ("S7", "floor"): 0.85,
               ("S8", "bare-client"): None}
    names = {"pg": "PG (pgbench -M prepared)", "pg-extended": "PG, unnamed statements (-M extended)",
             "pg-pipelined": "PG in Keel's shape ([scope; lookup]; [scope; read], each pipelined)",
             "peer": "peer (FastAPI)", "floor": "floor (bare Hummingbird)",
             "floor-nio": "floor-nio (bare Hummingbird + PostgresNIO, 2 round trips)",
             "floor-pq": "floor-pq (bare Hummingbird + libpq pipeline, 2 round trips)",
             "floor-wire": "floor-wire (bare Hummingbird + the protocol on NIO, pipelined, 2 round trips)", "keel": "Keel",
             "keel-s2": "Keel's own S2 (50 users as JSON)",
             "bare-client": "bare client (hey -c 8) to the same receiver"}
    for scenario in ["S1", "S2", "S3", "S5", "S6", "S8", "S7"]:
        for ref in ["pg", "pg-extended", "pg-pipelined", "floor", "floor-nio", "floor-pq", "floor-wire", "peer", "keel-s2", "bare-client"]:
            if not select(recs, phase="throughput", scenario=scenario, system=ref):
                continue
            ratios, med = ratio_rounds(recs, "throughput", scenario, "keel", ref)
            target = targets.get((scenario, ref))
            ok = None if target is None or med is None else med >= target
            w(f"| {scenario} | {names[ref]} | {fmt(median_of(recs, 'rps', phase='throughput', scenario=scenario, system=ref))} "
              f"| {fmt(median_of(recs, 'rps', phase='throughput', scenario=scenario, system='keel'))} "
              f"| **{fmt(med, 2)}×** | {', '.join(f'{x:.2f}' for x in ratios)} "
              f"| {f'≥ {target:g}×' if target else 'report'} | {verdict(ok)} |")
    floors = select(recs, phase="throughput", scenario="S1", system="floor-pq")
    if floors:
        w("\n### S1: the driver floors and CPU per request\n")
        w("The floors answer S1 with nothing around the driver (bench/floor): the session lookup, one round trip, "
          "then the read in one more. **floor-nio**: PostgresNIO, which cannot pipeline, so each round trip is one "
          "statement that sets its own scope (the lookup through accounts.session_by_token_hash, the read through "
          "bench.s1_read). **floor-pq**: libpq in pipeline mode, Keel's own statements in Keel's shape "
          "([platform scope; lookup], then [tenant scope; select]). **floor-wire**: the same statements in the same shape "
          "on PostgreSQL's protocol spoken on a NIO channel, the request resumed on the loop that reads its answers: "
          "the floor of the next lever, a driver of Keel's own (docs/benchmarks.md, \"The next lever, measured\"). "
          "CPU is user + system time of the server's processes and "
          "of the cluster's, over the measurement, divided by the requests answered.\n")
        w("| system | /s (median) | server CPU ms per request | PostgreSQL CPU ms per request |")
        w("|---|---:|---:|---:|")
        seconds = float(meta.get("seconds", 10))
        for system in ["pg", "pg-pipelined", "peer", "floor-nio", "floor-pq", "floor-wire", "keel"]:
            rs = select(recs, phase="throughput", scenario="S1", system=system)
            if not rs:
                continue
            def per_request(field):
                vals = [r[field] * 1000 / (r["rps"] * seconds) for r in rs if r.get(field) is not None and r.get("rps")]
                return statistics.median(vals) if vals else None
            server = per_request("server_cpu_s") if not system.startswith("pg") else None
            w(f"| {names.get(system, system)} | {fmt(median_of(recs, 'rps', phase='throughput', scenario='S1', system=system))} "
              f"| {fmt(server, 3) if server is not None else '–'} | {fmt(per_request('pg_cpu_s'), 3)} |")
        ratios, med = ratio_rounds(recs, "throughput", "S1", "floor-pq", "floor-nio")
        w(f"\nlibpq pipeline floor ÷ PostgresNIO floor, same round trips: **{fmt(med, 2)}×** "
          f"(rounds {', '.join(f'{x:.2f}' for x in ratios)}); the decision rule is ≥ 1.4× to move Storage to libpq: "
          f"{verdict(None if med is None else med >= 1.4)}.")
        ratios, med = ratio_rounds(recs, "throughput", "S1", "floor-wire", "floor-pq")
        if ratios:
            w(f"The next lever's floor ÷ libpq's, same statements and shape: **{fmt(med, 2)}×** "
              f"(rounds {', '.join(f'{x:.2f}' for x in ratios)}).")
        for ref in ["peer", "floor-nio", "floor-pq", "floor-wire"]:
            ratios, med = ratio_rounds(recs, "throughput", "S1", "keel", ref)
            w(f"Keel ÷ {names.get(ref, ref)}: **{fmt(med, 2)}×**.")
    errs = [r for r in select(recs, phase="throughput") if r.get("errors")]
    if errs:
        w("\nNon-2xx or socket errors: " + "; ".join(
            f"{r['scenario']} {r['system']} round {r['round']}: {r['errors']}" for r in errs))
    s8 = select(recs, phase="throughput", scenario="S8", system="keel")
    if s8:
        w("\nS8: from each message's 202 to its arrival at the receiver, per round: " + "; ".join(
            f"round {r['round']}: p50 {fmt(r.get('p50_ms'), 1)} ms, p99 {fmt(r.get('p99_ms'), 1)} ms, "
            f"{r.get('messages')} messages, {r.get('lost')} lost, {r.get('unverified')} unverified" for r in s8))
    backlog = select(recs, phase="s3-backlog")
    if backlog:
        w("\nS3: invitations created per Keel round, and the events and emails still queued when its "
          "measurement ended (delivered before the next one starts): " + "; ".join(
              f"round {r['round']}: {r['invitations']} invitations, {r['pending']} queued" for r in backlog))
    w("")

    # Latency
    lat = select(recs, phase="latency")
    if lat:
        w(f"## Latency at {int(float(meta.get('load_fraction', 0.7)) * 100)} % of each system's maximum (wrk on a fixed schedule; pgbench -R)\n")
        w("wrk (bench/wrk.lua, `WRK_RATE`) spaces each thread's requests evenly and times each from when it is "
          "written; pgbench -R times a transaction from when it was scheduled (Poisson arrivals), so its tail "
          "includes any backlog: the PG rows are not comparable with the others. (Until 2026-12-06 this was hey -q "
          "in 8 processes, which took half a core at S1's rate and saturated the machine.) floor-pq's row is S1's "
          "tail on this machine with nothing around the driver: the same statements, the same driver, a bare "
          "Hummingbird route; floor-wire's is the next lever's, offered floor-pq's rate, so the two tails are "
          "side by side.\n")
        w("| scenario | system | offered /s | achieved /s | p50 ms | p99 ms (median of rounds) | p99 per round | target | |")
        w("|---|---|---:|---:|---:|---:|---|---|---|")
        for scenario in ["S1", "S2"]:
            for system in ["pg", "peer", "floor-pq", "floor-wire", "keel"]:
                rs = select(lat, scenario=scenario, system=system)
                if not rs:
                    continue
                p99 = median_of(lat, "p99_ms", scenario=scenario, system=system)
                target = "p99 ≤ 5 ms" if (scenario, system) == ("S1", "keel") else ""
                ok = (p99 <= 5.0) if target else None
                w(f"| {scenario} | {names.get(system, 'Keel')} | {fmt(median_of(lat, 'offered', scenario=scenario, system=system))} "
                  f"| {fmt(median_of(lat, 'rate', scenario=scenario, system=system))} "
                  f"| {fmt(median_of(lat, 'p50_ms', scenario=scenario, system=system), 2)} | **{fmt(p99, 2)}** "
                  f"| {', '.join(fmt(r['p99_ms'], 2) for r in rs)} | {target} | {verdict(ok) if target else ''} |")
        w("")

    # S4
    s4 = select(recs, phase="s4")
    if s4:
        raw = select(recs, phase="argon2")
        raw_rate = raw[0]["rate"] if raw else None
        threads = meta.get("hash_threads", 1)
        w("## S4 login storm\n")
        w(f"Raw Argon2id rate (Debian `argon2` CLI, m={meta.get('argon2_kib')} KiB, t={meta.get('argon2_t')}, "
          f"p={meta.get('argon2_p')}): **{fmt(raw_rate, 1)} hashes/s per thread** "
          f"({fmt(raw[0]['median_ms'], 1) if raw else '–'} ms each). Keel: {threads} hashing thread(s), "
          f"queue {meta.get('hash_queue')}; logins offered at 4× that capacity = {fmt(meta.get('storm_rate'))} /s "
          f"({meta.get('storm_conns')} hey workers in {meta.get('hey_procs')} staggered processes), while S1 runs at a fixed {fmt(meta.get('s4_s1_rate'))} /s "
          f"({int(float(meta.get('s4_fraction', 0)) * 100)} % of S1's maximum).\n")
        w("| round | S1 p99 alone ms | S1 p99 in storm ms | ratio | logins 201 /s | ÷ raw rate × threads | 503s | 503 p50 ms | 503 p99 ms | other statuses | RSS before MiB | peak in storm MiB | growth MiB |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
        rows = []
        for r in sorted({x["round"] for x in s4}):
            alone = select(s4, round=r, part="s1-alone")
            storm = select(s4, round=r, part="s1-storm")
            logins = select(s4, round=r, part="logins")
            rss = select(s4, round=r, part="rss")
            if not (alone and storm and logins):
                continue
            a, s, lg = alone[0], storm[0], logins[0]
            row = {"ratio": s["p99_ms"] / a["p99_ms"], "logins": lg["rate"],
                   "eff": lg["rate"] / (raw_rate * threads) if raw_rate else None,
                   "rej_p99": lg.get("rejected_p99_ms"), "growth": rss[0]["growth_mib"] if rss else None}
            rows.append(row)
            others = {k: v for k, v in lg["statuses"].items() if k not in ("201", "503")}
            w(f"| {r} | {fmt(a['p99_ms'], 2)} | {fmt(s['p99_ms'], 2)} | {fmt(row['ratio'], 2)}× | {fmt(lg['rate'], 1)} "
              f"| {fmt(row['eff'], 2)} | {lg.get('rejected', 0)} | {fmt(lg.get('rejected_p50_ms'), 1)} "
              f"| {fmt(lg.get('rejected_p99_ms'), 1)} | {others or ''} "
              f"| {fmt(rss[0]['before_mib'], 1) if rss else '–'} | {fmt(rss[0]['peak_mib'], 1) if rss else '–'} "
              f"| {fmt(row['growth'], 1)} |")
        if rows:
            med = lambda k: statistics.median([x[k] for x in rows if x[k] is not None]) if any(x[k] is not None for x in rows) else None
            budget = meta.get("argon2_kib", 19456) / 1024 * threads + 64
            w("\n| S4 target | median | |")
            w("|---|---:|---|")
            w(f"| logins/s ≥ 0.85 × raw rate per hashing thread | {fmt(med('eff'), 2)}× | {verdict(med('eff') is not None and med('eff') >= 0.85)} |")
            w(f"| S1 p99 in the storm ≤ 2 × without | {fmt(med('ratio'), 2)}× | {verdict(med('ratio') <= 2)} |")
            w(f"| excess logins rejected in < 50 ms (p99 of the 503s) | {fmt(med('rej_p99'), 1)} ms | {verdict(med('rej_p99') is not None and med('rej_p99') < 50)} |")
            w(f"| RSS growth ≤ memory cost × permits + 64 MiB = {budget:.0f} MiB | {fmt(med('growth'), 1)} MiB | {verdict(med('growth') is not None and med('growth') <= budget)} |")
        w("")

    # RSS
    rss = select(recs, phase="peak-rss")
    if rss:
        w("## Peak RSS of Keel per scenario (VmHWM, reset before each scenario)\n")
        w("| scenario | peak RSS MiB | RSS after MiB |")
        w("|---|---:|---:|")
        for r in rss:
            w(f"| {r['scenario']} | {fmt(r['peak_mib'], 1)} | {fmt(r['rss_mib'], 1)} |")
        w("")

    # Pool sweep
    sweep = select(recs, phase="pool-sweep")
    if sweep:
        w("## Pool-size sweep (`KEEL_DB_POOL_SIZE`, Keel restarted with each; req/s, median of rounds)\n")
        scen = sorted({r["scenario"] for r in sweep})
        w("| pool | " + " | ".join(f"{s} /s" for s in scen) + " |")
        w("|---:|" + "---:|" * len(scen))
        for pool in sorted({r["pool"] for r in sweep}):
            w(f"| {pool} | " + " | ".join(fmt(median_of(sweep, 'rps', pool=pool, scenario=s)) for s in scen) + " |")
        w("")

    # jemalloc
    jm = select(recs, phase="jemalloc")
    if jm:
        w("## jemalloc (LD_PRELOAD libjemalloc.so.2) against glibc malloc, two fresh instances side by side\n")
        w("| scenario | glibc /s | jemalloc /s | jemalloc ÷ glibc (median per round) | glibc peak RSS MiB | jemalloc peak RSS MiB |")
        w("|---|---:|---:|---:|---:|---:|")
        for scenario in sorted({r["scenario"] for r in jm if "rps" in r}):
            ratios, med = ratio_rounds(recs, "jemalloc", scenario, "jemalloc", "glibc")
            g = select(recs, phase="jemalloc-rss", scenario=scenario, system="glibc")
            j = select(recs, phase="jemalloc-rss", scenario=scenario, system="jemalloc")
            w(f"| {scenario} | {fmt(median_of(jm, 'rps', scenario=scenario, system='glibc'))} "
              f"| {fmt(median_of(jm, 'rps', scenario=scenario, system='jemalloc'))} | {fmt(med, 2)}× "
              f"| {fmt(g[0]['peak_mib'], 1) if g else '–'} | {fmt(j[0]['peak_mib'], 1) if j else '–'} |")
        w("")

    # Rate limits
    rl = select(recs, phase="ratelimit")
    if rl:
        w("## Rate limits: S1 with the limiter on against off, two fresh instances side by side\n")
        w("Limits on are high enough never to refuse; each request takes tokens from two buckets, each limit "
          "divided by the live instances of the group (docs/scaling.md).\n")
        w("| scenario | limits off /s | limits on /s | on ÷ off (median per round) |")
        w("|---|---:|---:|---:|")
        for scenario in sorted({r["scenario"] for r in rl if "rps" in r}):
            ratios, med = ratio_rounds(recs, "ratelimit", scenario, "limits-on", "limits-off")
            w(f"| {scenario} | {fmt(median_of(rl, 'rps', scenario=scenario, system='limits-off'))} "
              f"| {fmt(median_of(rl, 'rps', scenario=scenario, system='limits-on'))} | {fmt(med, 2)}× |")
        w("")

    # Another build side by side (BENCH_COMPARE_BIN)
    cmp = select(recs, phase="compare")
    if cmp:
        w("## This build against another (BENCH_COMPARE_BIN), two fresh instances side by side\n")
        w("| scenario | base /s | this /s | this ÷ base (median per round) | base CPU ms/request | this CPU ms/request |")
        w("|---|---:|---:|---:|---:|---:|")
        for scenario in sorted({r["scenario"] for r in cmp if "rps" in r}):
            ratios, med = ratio_rounds(recs, "compare", scenario, "this", "base")

            def cpu_ms(system):
                rows = [r for r in select(cmp, scenario=scenario, system=system) if r.get("requests") and "server_cpu_s" in r]
                values = [1000 * r["server_cpu_s"] / r["requests"] for r in rows]
                return statistics.median(values) if values else None
            w(f"| {scenario} | {fmt(median_of(cmp, 'rps', scenario=scenario, system='base'))} "
              f"| {fmt(median_of(cmp, 'rps', scenario=scenario, system='this'))} | {fmt(med, 2)}× "
              f"| {fmt(cpu_ms('base'), 3)} | {fmt(cpu_ms('this'), 3)} |")
        w("")
        lat = select(recs, phase="compare-latency")
        if lat:
            w(f"S1 at one fixed rate for both, {fmt(lat[0].get('offered'))}/s (70 % of the base's maximum), "
              "wrk on a fixed schedule:\n")
            w("| system | p50 ms (median) | p99 ms (median of rounds) | p99 per round |")
            w("|---|---:|---:|---|")
            for system in ("base", "this"):
                rs = sorted(select(lat, system=system), key=lambda r: r["round"])
                w(f"| {system} | {fmt(median_of(lat, 'p50_ms', system=system), 2)} "
                  f"| {fmt(median_of(lat, 'p99_ms', system=system), 2)} | {', '.join(fmt(r['p99_ms'], 2) for r in rs)} |")
            w("")

    extra = select(recs, phase="note")
    if extra:
        w("## Notes from the run\n")
        for r in extra:
            w(f"- {r['text']}")
        w("")
    open(out, "w").write("\n".join(L) + "\n")
    print("\n".join(L))


def main(argv):
    cmd = argv[1]
    if cmd == "median":
        records = load(argv[2])
        v = median_of(records, argv[3], **parse_kv(argv[4:]))
        print("" if v is None else v)
        return
    if cmd == "report":
        report(argv[2], argv[3])
        return
    args = argv[2:]
    i = args.index("--to")
    to = args[i + 1]
    rest = args[:i] + args[i + 2:]
    positional = [a for a in rest if "=" not in a]
    tags = parse_kv([a for a in rest if "=" in a])
    if cmd == "wrk":
        r = wrk(positional[0])
    elif cmd == "pgbench":
        r = pgbench(positional[0])
    elif cmd == "pglog":
        r = pglog(positional[0], float(positional[1]))
    elif cmd == "hey":
        r = hey(positional[0], float(positional[1]))
    elif cmd == "argon2":
        r = argon2(positional[0])
    elif cmd == "add":
        r = {}
    else:
        raise SystemExit(f"unknown command {cmd}")
    r.update(tags)
    append(to, r)


if __name__ == "__main__":
    main(sys.argv)
