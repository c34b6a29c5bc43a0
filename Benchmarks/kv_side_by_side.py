"""Run SochDB's storage engine, SQLite and RocksDB on one key-value workload; print a markdown table.

    python3 Benchmarks/kv_side_by_side.py [--keys 1000000] [--batch 1000] [--value-size 100]
        [--reads 1000000] [--uncached-reads 200000] [--short-scans 10000] [--scan-length 100]
        [--sync-commits 2000] [--seed 42] [--repeats 1] [--engines sochdb,sqlite,rocksdb]
        [--markdown-out report.md] [--skip-build] [--keep] [--wait-idle SECONDS]

The workload is Benchmarks/kv/kv_workload.h (its twin for SochDB: Benchmarks/SochBench/KV.swift);
Benchmarks/README.md, "Key-value store", describes the rows and the fairness choices. Steps:
  1. apt-get install -y librocksdb-dev libsqlite3-dev if their headers are missing;
  2. gcc -O2 -march=native the C programs into Benchmarks/work/;
  3. swift build -c release --product sochdb-bench (unless --skip-build);
  4. per repeat and engine: a fresh directory Benchmarks/work/kv/<engine>-<n>, one process. The
     child prints '#drop-caches' between the cached and uncached rows; this driver runs
     sync + `echo 3 > /proc/sys/vm/drop_caches` and answers 'ok' or 'failed <why>';
  5. the median of every figure over the repeats; the markdown report (command line, date, CPU,
     versions, load, db sizes). Raw JSON per run goes to Benchmarks/work/kv/results/.
"""
import argparse
import json
import os
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import bench_support  # noqa: E402
from bench_support import (busy_cores, busy_cpu_seconds, command_line, emit_report, fmt,  # noqa: E402
                           load_average, log, machine_description, other_load_cores, uptime,
                           wait_child, wait_until_idle)

bench_support.set_log_tag("kv-side-by-side")
WORK = HERE / "work"
ALL_ENGINES = ("sochdb", "sqlite", "rocksdb")
C_ENGINES = {"sqlite": ("kvbench_sqlite.c", "sqlite3", "/usr/include/sqlite3.h"),
             "rocksdb": ("kvbench_rocksdb.c", "rocksdb", "/usr/include/rocksdb/c.h")}
# (row, what its figure is, whether higher is better)
ROWS = [("bulk_load", "keys/s", True), ("flush", "s", False), ("read_random_cached", "gets/s", True),
        ("read_random_uncached", "gets/s", True), ("scan_full", "keys/s", True),
        ("scan_short", "scans/s", True), ("commit_sync", "commits/s", True)]
# Fields that must be 0 (or equal to another field) for a row to be trusted.
CHECKS = [("read_random_cached", "misses"), ("read_random_cached", "warmup_wrong_values"),
          ("read_random_uncached", "misses"), ("scan_full", "order_errors"),
          ("scan_full", "bad_values"), ("scan_short", "errors")]


# --------------------------------------------------------------------------- page cache
def page_cache_mib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("Cached:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def drop_page_cache() -> tuple:
    """sync + drop_caches; returns (dropped, description)."""
    before = page_cache_mib()
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError as e:
        return False, f"writing /proc/sys/vm/drop_caches failed: {e}"
    return True, f"page cache {before:,.0f} -> {page_cache_mib():,.0f} MiB"


# --------------------------------------------------------------------------- setup
def ensure_packages(engines) -> None:
    missing = [C_ENGINES[e][2] for e in engines if e in C_ENGINES and not Path(C_ENGINES[e][2]).is_file()]
    if not missing:
        return
    log(f"missing {', '.join(missing)}: apt-get install -y librocksdb-dev libsqlite3-dev")
    cmd = ["apt-get", "install", "-y", "librocksdb-dev", "libsqlite3-dev"]
    if subprocess.run(cmd).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(cmd, check=True)


def rocksdb_version() -> str:
    try:
        text = Path("/usr/include/rocksdb/version.h").read_text()
        parts = [re.search(rf"#define ROCKSDB_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
        return ".".join(parts)
    except (OSError, AttributeError):
        return "unknown"


def compile_c(engine: str) -> Path:
    src, lib, _ = C_ENGINES[engine]
    out = WORK / f"kvbench_{engine}"
    cmd = ["gcc", "-O2", "-march=native", "-Wall", "-o", str(out), str(HERE / "kv" / src), f"-l{lib}", "-lm"]
    if engine == "rocksdb":
        cmd.insert(1, f'-DKV_ROCKSDB_VERSION="{rocksdb_version()}"')
    log("$ " + shlex.join(cmd))
    subprocess.run(cmd, check=True)
    return out


def build_sochdb(args) -> bool:
    if not args.skip_build:
        cmd = ["swift", "build", "-c", "release", "--product", "sochdb-bench"]
        log("$ " + shlex.join(cmd))
        if subprocess.run(cmd, cwd=REPO).returncode != 0:
            log("WARNING: swift build failed; skipping sochdb")
            return False
    if not args.sochdb_bench.is_file():
        log(f"WARNING: {args.sochdb_bench} not found; skipping sochdb")
        return False
    return True


# --------------------------------------------------------------------------- running
def workload_flags(args) -> list:
    return ["--keys", str(args.keys), "--batch", str(args.batch), "--value-size", str(args.value_size),
            "--reads", str(args.reads), "--uncached-reads", str(args.uncached_reads),
            "--short-scans", str(args.short_scans), "--scan-length", str(args.scan_length),
            "--sync-commits", str(args.sync_commits), "--seed", str(args.seed)]


def run_engine(engine: str, binary: list, db_dir: Path, args) -> dict:
    """One process on a fresh directory; answers its drop-caches request. Returns its JSON."""
    shutil.rmtree(db_dir, ignore_errors=True)
    cmd = binary + ["--dir", str(db_dir), "--drop-caches", "driver"] + workload_flags(args)
    log("$ " + shlex.join(cmd))
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    busy0, t0 = busy_cpu_seconds(), time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    result, drop = None, (False, "the program never asked")
    for line in proc.stdout:
        if line.startswith("#drop-caches"):
            drop = drop_page_cache()
            log(("dropped the page cache: " if drop[0] else "WARNING: page cache NOT dropped: ") + drop[1])
            proc.stdin.write(("ok " if drop[0] else "failed ") + drop[1] + "\n")
            proc.stdin.flush()
        elif line.startswith("{"):
            result = json.loads(line)
    usage = wait_child(proc)
    wall = time.perf_counter() - t0
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    mine = usage.ru_utime + usage.ru_stime + (me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"{engine} failed (exit code {proc.returncode})")
    result["driver"] = {
        "peak_rss_kb_wait4": usage.ru_maxrss, "wall_seconds": wall,
        "other_load_cores": other_load_cores(busy0, wall, mine),
        "page_cache_drop": drop[1]}
    return result


def median_result(runs: list) -> dict:
    """The per-field median over repeats (flags: all true; other fields from the first run)."""
    if len(runs) == 1:
        return runs[0]

    def merge(values):
        if all(isinstance(v, dict) for v in values):
            keys = [k for k in values[0] if all(k in v for v in values)]
            return {k: merge([v[k] for v in values]) for k in keys}
        if all(isinstance(v, bool) for v in values):
            return all(values)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return statistics.median(values)
        return values[0]
    out = merge(runs)
    out["repeats"] = len(runs)
    return out


# --------------------------------------------------------------------------- report
def figure(res, row, higher):
    r = (res or {}).get("rows", {}).get(row)
    if not r:
        return None
    return r.get("ops_per_s") if higher else r.get("seconds")


def ratio(a, b):
    return None if a is None or not b else a / b


def report(results: dict, args, machine: dict, loads: list, command: str, fsync_note: str,
           baseline: float) -> str:
    engines = [e for e in ALL_ENGINES if e in results]
    soch = results.get("sochdb")
    versions = ", ".join(f"{e} {results[e].get('version', '?')}" for e in engines) or "none"
    drops = sorted({d for e in engines for d in [results[e].get("page_cache_dropped")]})
    head = ["# SochDB key-value benchmark: SochDB vs SQLite vs RocksDB", "",
            f"- Command: `{command}`",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']} RAM, "
            f"Linux {machine['kernel']}",
            f"- Versions: {versions}; gcc -O2 -march=native for the C programs, "
            "sochdb-bench built with swift build -c release",
            f"- Workload: {args.keys:,} keys of 16 B, values of {args.value_size} B (incompressible), "
            f"loaded in random order in batches of {args.batch:,}; {args.reads:,} cached gets, "
            f"{args.uncached_reads:,} uncached gets, {args.short_scans:,} scans of {args.scan_length}, "
            f"{args.sync_commits:,} synchronous commits; seed {args.seed}; median of {args.repeats} run(s) "
            "per engine, each in its own process",
            "- Load average before each run: " + "; ".join(loads),
            f"- Cores busy while idle, before the runs (3 s): {baseline:.2f}",
            "- Page cache dropped before the uncached rows: "
            + ("yes" if drops == [True] else "NO for some or all runs: uncached reads hit the OS page "
               "cache, not the engine's cache" if drops else "unknown"),
            ""]
    cols = "| row | figure | " + " | ".join(engines)
    if soch:
        cols += "".join(f" | sochdb / {e}" for e in engines if e != "sochdb")
    table = [cols + " |", "|---|---|" + "--:|" * (len(engines) + (len(engines) - 1 if soch else 0))]

    def add(label, unit, values, higher):
        cells = [fmt(values.get(e), ",.0f" if higher else ",.3f" if unit == "s" else ",.0f") for e in engines]
        if soch:
            cells += [fmt(ratio(values.get("sochdb"), values.get(e)), ".2f") for e in engines if e != "sochdb"]
        table.append(f"| {label} | {unit}{'' if higher else ' (lower is better)'} | " + " | ".join(cells) + " |")

    for row, unit, higher in ROWS:
        add(row, unit, {e: figure(results[e], row, higher) for e in engines}, higher)
        if row == "commit_sync":
            for p in ("p50_us", "p99_us"):
                add(f"commit_sync {p[:3]}", "µs",
                    {e: results[e].get("rows", {}).get(row, {}).get(p) for e in engines}, False)

    extra = ["", "| engine | db size after flush MiB | db size at end MiB | peak RSS MiB | "
                 "uncached gets: storage reads MiB | scan_full: storage reads MiB | other load (cores) "
                 "| page cache drop |",
             "|---|--:|--:|--:|--:|--:|--:|---|"]
    for e in engines:
        r = results[e]
        rows = r.get("rows", {})
        mib = lambda v: fmt(None if v is None else v / 2**20, ",.1f")
        extra.append(f"| {e} | {mib(r.get('db_size_bytes'))} | {mib(r.get('db_size_final_bytes'))} | "
                     f"{fmt(r.get('driver', {}).get('peak_rss_kb_wait4', r.get('peak_rss_kb', 0)) / 1024, ',.0f')} | "
                     f"{mib(rows.get('read_random_uncached', {}).get('storage_read_bytes'))} | "
                     f"{mib(rows.get('scan_full', {}).get('storage_read_bytes'))} | "
                     f"{fmt(r.get('driver', {}).get('other_load_cores'), '.2f')} | "
                     f"{r.get('driver', {}).get('page_cache_drop', '?')} |")

    problems = []
    for e in engines:
        rows = results[e].get("rows", {})
        for row, field in CHECKS:
            v = rows.get(row, {}).get(field)
            if v:
                problems.append(f"{e} {row}: {field} = {v:g}")
        sf = rows.get("scan_full", {})
        if sf and sf.get("keys_seen") != sf.get("expected_keys"):
            problems.append(f"{e} scan_full saw {sf.get('keys_seen')} keys, expected {sf.get('expected_keys')}")
        if results[e].get("driver", {}).get("other_load_cores", 0) > baseline + 0.15:
            problems.append(f"{e}: other processes kept {results[e]['driver']['other_load_cores']:.2f} "
                            "cores busy during its run; its figures are disturbed")
    notes = ["", "Ratios are SochDB's figure over the peer's: above 1 is SochDB faster for rates, "
                 "slower for the rows marked lower-is-better. flush = RocksDB rocksdb_flush(wait) / "
                 "SQLite wal_checkpoint(TRUNCATE) / SochDB checkpoint(), untimed by bulk_load; "
                 "RocksDB's wait for background compaction after it is reported as "
                 "background_settle_seconds in the JSON, not in this row. Storage reads = read_bytes "
                 "of /proc/self/io: what the OS page cache did not serve.",
             "Other load = cores kept busy by everything but the engine's process and this driver "
             "during the run (other users' jobs, and kernel writeback threads flushing the engine's "
             "dirty pages); more than 0.15 above the idle figure and the run is flagged.",
             f"fsync: {fsync_note}"]
    if problems:
        notes += ["", "**Checks failed** (figures of these rows are not trustworthy):", ""]
        notes += [f"- {p}" for p in problems]
    return "\n".join(head + table + extra + notes + [""])


def fsync_probe() -> str:
    """Median latency of write+fdatasync of 4 KiB on the work volume (is fsync real here?)."""
    path = WORK / "kv" / "fsync-probe"
    path.parent.mkdir(parents=True, exist_ok=True)
    lat = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for i in range(200):
            t = time.perf_counter()
            os.pwrite(fd, b"x" * 4096, i * 4096)
            os.fdatasync(fd)
            lat.append((time.perf_counter() - t) * 1e6)
    finally:
        os.close(fd)
        path.unlink()
    return (f"write 4 KiB + fdatasync on this volume: median {statistics.median(lat):,.0f} µs, "
            f"max {max(lat):,.0f} µs (200 probes); a virtual disk whose host caches writes makes "
            "commit_sync faster than on real hardware, equally for all engines")


# --------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--reads", type=int, default=1_000_000, help="read_random_cached gets")
    ap.add_argument("--uncached-reads", type=int, default=200_000)
    ap.add_argument("--short-scans", type=int, default=10_000)
    ap.add_argument("--scan-length", type=int, default=100)
    ap.add_argument("--sync-commits", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeats", type=int, default=1, help="runs per engine; the median per figure counts")
    ap.add_argument("--engines", default=",".join(ALL_ENGINES))
    ap.add_argument("--markdown-out", type=Path)
    ap.add_argument("--skip-build", action="store_true", help="use the existing sochdb-bench")
    ap.add_argument("--sochdb-bench", type=Path, default=REPO / ".build/release/sochdb-bench")
    ap.add_argument("--keep", action="store_true", help="keep the database directories")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for the CPUs to go idle")
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ALL_ENGINES)
    if unknown:
        ap.error(f"unknown engines: {', '.join(sorted(unknown))}")
    args.sochdb_bench = args.sochdb_bench.resolve()
    command = command_line(REPO)

    WORK.mkdir(parents=True, exist_ok=True)
    ensure_packages(engines)
    binaries = {e: [str(compile_c(e))] for e in engines if e in C_ENGINES}
    if "sochdb" in engines and build_sochdb(args):
        binaries["sochdb"] = [str(args.sochdb_bench), "kv"]
    results_dir = WORK / "kv" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    sync_note = fsync_probe()
    log(sync_note)
    baseline = busy_cores()
    log(f"cores busy while idle: {baseline:.2f}")

    runs, loads = {e: [] for e in binaries}, []
    for rep in range(args.repeats):
        for e in [x for x in ALL_ENGINES if x in binaries]:
            wait_until_idle(args.wait_idle)
            up = uptime()
            log(f"{e} run {rep + 1}/{args.repeats}: {up}")
            loads.append(f"{e} #{rep + 1}: {load_average()}")
            db_dir = WORK / "kv" / f"{e}-{rep + 1}"
            try:
                res = run_engine(e, binaries[e], db_dir, args)
            except RuntimeError as err:
                log(f"WARNING: {err}; run skipped")
                continue
            finally:
                if not args.keep:
                    shutil.rmtree(db_dir, ignore_errors=True)
            res["driver"]["uptime_before"] = up
            (results_dir / f"{e}-{rep + 1}.json").write_text(json.dumps(res, indent=2) + "\n")
            runs[e].append(res)
    results = {e: median_result(r) for e, r in runs.items() if r}
    text = report(results, args, machine_description(), loads, command, sync_note, baseline)
    emit_report(text, args.markdown_out)


if __name__ == "__main__":
    main()
