"""Run SochDB and peer HNSW libraries side by side on cached datasets; print markdown tables.

    python3 Benchmarks/side_by_side.py --dataset fashion-mnist-784[,glove-50,...] \
        [--libraries sochdb,hnswlib,faiss,usearch] [--threads 2] [--m 16] [--ef-construction 100] \
        [--efs 10,16,24,32,48,64,96,128,256] [--k 10] [--max-single-queries 2000] \
        [--sochdb-bench .build/release/sochdb-bench] [--markdown-out report.md] [--report-only] \
        [--wait-idle 600]

Datasets are looked up in the cache ($SOCHDB_DATA_DIR or Datasets/cache; a folder path works
too); make them with Datasets/prepare.sh. Each library runs in its own subprocess:
  sochdb : <sochdb-bench> run --dataset DIR --m .. --ef-construction .. --threads .. --efs ..
           --k .. --max-single-queries N --json OUT.json     (skipped with a warning if missing)
  peers  : python3 Benchmarks/peers.py --library L --dataset DIR ... --out OUT.json
Every child writes one JSON result (schema in peers.py's docstring) to
Benchmarks/results/<dataset>/<library>.json (--results-dir to change). Its peak_rss_bytes is
replaced by ru_maxrss * 1024 from os.wait4 on that child (the child's own figure is kept as
peak_rss_bytes_self). --report-only rebuilds the tables from existing result files.

Output per dataset: a summary table (build rates, index size, open + first query, peak RSS),
an ef sweep table (recall@k, single-query q/s on 1 thread, batch q/s), and the smallest ef
reaching recall@k >= --target-recall per library with its q/s and the ratio to hnswlib.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "Datasets"))
sys.path.insert(0, str(HERE))
import bench_support  # noqa: E402
from bench_support import (busy_cpu_seconds, command_line, cpu_busy_fraction,  # noqa: E402
                           emit_report, fmt, load_average, log, machine_description,
                           other_load_cores, uptime, wait_child, wait_until_idle)
from common import cache_dir  # noqa: E402

bench_support.set_log_tag("side-by-side")
ALL_LIBRARIES = ("sochdb", "hnswlib", "faiss", "usearch")


# --------------------------------------------------------------------------- running
# pip package and import name of each peer.
PEER_PACKAGES = {"hnswlib": ("hnswlib", "hnswlib"), "faiss": ("faiss-cpu", "faiss"),
                 "usearch": ("usearch", "usearch")}


def ensure_peers(libraries) -> None:
    """Installs the peers that are asked for and not importable (pip, this interpreter)."""
    import importlib.util
    missing = [PEER_PACKAGES[lib][0] for lib in libraries
               if lib in PEER_PACKAGES and importlib.util.find_spec(PEER_PACKAGES[lib][1]) is None]
    if missing:
        log(f"installing {', '.join(missing)} with pip")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)


def resolve_dataset(name: str) -> Path:
    p = Path(name)
    if (p / "meta.json").is_file():
        return p.resolve()
    p = cache_dir() / name
    if not (p / "meta.json").is_file():
        sys.exit(f"dataset {name!r} not found at {p}: run  bash Datasets/prepare.sh {name}")
    return p


def run_child(cmd, env):
    """Run cmd, wait with os.wait4.

    Returns (exit code, peak RSS bytes, wall seconds, other_load) where other_load is the
    average number of cores that *other* processes kept busy meanwhile (machine busy time
    minus the child's own user+system time, over the wall time): a noise indicator."""
    log("$ " + shlex.join(cmd))
    busy0, t0 = busy_cpu_seconds(), time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO)
    usage = wait_child(proc)
    wall = time.perf_counter() - t0
    other = other_load_cores(busy0, wall, usage.ru_utime + usage.ru_stime)
    return proc.returncode, usage.ru_maxrss * 1024, wall, other


def library_command(lib, ds_dir, out, args):
    efs = ",".join(str(e) for e in args.efs)
    if lib == "sochdb":
        return [str(args.sochdb_bench), "run", "--dataset", str(ds_dir), "--m", str(args.m),
                "--ef-construction", str(args.ef_construction), "--threads", str(args.threads),
                "--efs", efs, "--k", str(args.k),
                "--max-single-queries", str(args.max_single_queries), "--repeats", str(args.repeats),
                "--json", str(out)]
    cmd = [sys.executable, str(HERE / "peers.py"), "--library", lib, "--dataset", str(ds_dir),
           "--m", str(args.m), "--ef-construction", str(args.ef_construction),
           "--threads", str(args.threads), "--efs", efs, "--k", str(args.k),
           "--max-single-queries", str(args.max_single_queries), "--repeats", str(args.repeats),
           "--out", str(out)]
    if args.max_queries:
        cmd += ["--max-queries", str(args.max_queries)]
    if args.skip_1t_build:
        cmd.append("--skip-1t-build")
    return cmd


def run_dataset(name, args, env) -> dict:
    ds_dir = resolve_dataset(name)
    out_dir = args.results_dir / ds_dir.name
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for lib in args.libraries:
        out = out_dir / f"{lib}.json"
        if not args.report_only:
            if lib == "sochdb" and not Path(args.sochdb_bench).is_file():
                log(f"WARNING: {args.sochdb_bench} not found (swift build -c release "
                    "--product sochdb-bench); skipping sochdb")
                continue
            if lib == "sochdb" and args.max_queries:
                log("note: --max-queries is not passed to sochdb-bench (it uses all queries)")
            out.unlink(missing_ok=True)
            wait_until_idle(args.wait_idle)
            log(f"{name}: {lib} (load average {load_average()})")
            code, rss, wall, other = run_child(library_command(lib, ds_dir, out, args), env)
            if code != 0 or not out.is_file():
                log(f"WARNING: {lib} failed on {name} (exit code {code}); skipped")
                continue
            if other > 0.1:
                log(f"WARNING: other processes used {other:.2f} cores during the {lib} run; "
                    "its timings are disturbed")
            res = json.loads(out.read_text())
            res["peak_rss_bytes_self"] = res.get("peak_rss_bytes")
            res["peak_rss_bytes"] = rss
            res["wall_seconds"] = wall
            res["other_load_cores"] = other
            out.write_text(json.dumps(res, indent=2) + "\n")
        if out.is_file():
            results[lib] = json.loads(out.read_text())
        elif args.report_only:
            log(f"no result for {lib} on {name} at {out}")
    meta = json.loads((ds_dir / "meta.json").read_text())
    return {"meta": meta, "results": results}


# --------------------------------------------------------------------------- report
def build_rate(res, threads):
    entry = (res.get("build") or {}).get(f"threads_{threads}")
    return entry.get("rate") if entry else None


def smallest_ef(res, target):
    """First sweep point (by ef) with recall >= target, or None."""
    for row in sorted(res.get("search", []), key=lambda r: r["ef"]):
        if row["recall"] >= target:
            return row
    return None


def dataset_report(block, args) -> str:
    meta, results = block["meta"], block["results"]
    t = args.threads
    out = [f"## {meta['name']} ({meta['metric']}, {meta['base_count']:,} × {meta['dimension']}, "
           f"{meta['query_count']:,} queries)", ""]
    if not results:
        return "\n".join(out + ["No results.", ""])
    out += [f"| library | version | build vec/s ({t} threads) | build vec/s (1 thread) | index MB "
            "| open + first query ms | peak RSS MB | other load |",
            "|---|---|--:|--:|--:|--:|--:|--:|"]
    for lib, r in results.items():
        out.append(f"| {lib} | {r.get('version', '?')} | {fmt(build_rate(r, t))} | "
                   f"{fmt(build_rate(r, 1))} | {fmt(r.get('index_size_bytes', 0) / 2**20, '.1f')} | "
                   f"{fmt(r.get('open_first_query_ms'), '.1f')} | "
                   f"{fmt(r.get('peak_rss_bytes', 0) / 2**20, ',.0f')} | "
                   f"{fmt(r.get('other_load_cores'), '.2f')} |")

    libs = list(results)
    sweeps = {lib: {row["ef"]: row for row in results[lib].get("search", [])} for lib in libs}
    efs = sorted({ef for s in sweeps.values() for ef in s})
    out += ["", f"ef sweep: recall@{args.k}, single-query q/s (1 thread, one query per call), "
                f"batch q/s ({t} threads, all queries in one call)", ""]
    out.append("| ef | " + " | ".join(f"{lib} recall | {lib} 1t q/s | {lib} batch q/s"
                                      for lib in libs) + " |")
    out.append("|--:|" + "--:|--:|--:|" * len(libs))
    for ef in efs:
        cells = []
        for lib in libs:
            row = sweeps[lib].get(ef)
            cells += ([fmt(row["recall"], ".4f"), fmt(row["qps_single_1t"]), fmt(row["qps_batch"])]
                      if row else ["–"] * 3)
        out.append(f"| {ef} | " + " | ".join(cells) + " |")

    target = args.target_recall
    ref = smallest_ef(results["hnswlib"], target) if "hnswlib" in results else None
    out += ["", f"Smallest ef reaching recall@{args.k} ≥ {target} (ratio = q/s ÷ hnswlib's q/s at "
                "its own smallest such ef)", "",
            "| library | ef | recall | 1t q/s | × hnswlib | batch q/s | × hnswlib |",
            "|---|--:|--:|--:|--:|--:|--:|"]
    for lib in libs:
        row = smallest_ef(results[lib], target)
        if row is None:
            best = max((r["recall"] for r in results[lib].get("search", [])), default=0)
            out.append(f"| {lib} | not reached (best recall {best:.4f}) | | | | | |")
            continue
        r1 = row["qps_single_1t"] / ref["qps_single_1t"] if ref else None
        rb = row["qps_batch"] / ref["qps_batch"] if ref else None
        out.append(f"| {lib} | {row['ef']} | {row['recall']:.4f} | {fmt(row['qps_single_1t'])} | "
                   f"{fmt(r1, '.2f')} | {fmt(row['qps_batch'])} | {fmt(rb, '.2f')} |")
    return "\n".join(out + [""])


def full_report(blocks, args, machine, load_before, command) -> str:
    versions = {}
    for b in blocks:
        for lib, r in b["results"].items():
            versions.setdefault(lib, r.get("version", "?"))
    head = ["# SochDB side-by-side HNSW benchmark", "",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']} RAM, "
            f"Linux {machine['kernel']}, Python {machine['python']}",
            f"- Load average before start (1/5/15 min): {load_before}",
            "- Libraries: " + (", ".join(f"{k} {v}" for k, v in versions.items()) or "none"),
            f"- Parameters: M={args.m}, ef_construction={args.ef_construction}, "
            f"threads={args.threads}, k={args.k}, single-query loop over the first "
            f"{args.max_single_queries} queries",
            "- Notes: build time = the add/build call only; index MB = saved index file; open + "
            "first query = fresh process, load saved index + one query (warm page cache); peak "
            "RSS = ru_maxrss of the library's benchmark process (includes the loaded dataset); "
            "peers run from Python, so their single-query q/s include the binding's per-call cost; "
            "other load = cores kept busy by other processes during that library's run "
            "(should be ~0; above 0.1 the timings are disturbed).",
            f"- Command: `{command}`", ""]
    return "\n".join(head + [dataset_report(b, args) for b in blocks])


# --------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", required=True, help="dataset name(s), comma separated")
    ap.add_argument("--libraries", default=",".join(ALL_LIBRARIES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--efs", default="10,16,24,32,48,64,96,128,256",
                    type=lambda s: [int(x) for x in s.split(",") if x])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--max-single-queries", type=int, default=2000)
    ap.add_argument("--max-queries", type=int, default=0, help="peers only: first N queries")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per ef, best counts (all libraries)")
    ap.add_argument("--skip-1t-build", action="store_true", help="peers only")
    ap.add_argument("--target-recall", type=float, default=0.95)
    ap.add_argument("--sochdb-bench", type=Path, default=REPO / ".build/release/sochdb-bench")
    ap.add_argument("--results-dir", type=Path, default=HERE / "results")
    ap.add_argument("--markdown-out", type=Path)
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each library, wait up to SECONDS for the CPUs to go idle")
    ap.add_argument("--report-only", action="store_true", help="only re-print existing results")
    args = ap.parse_args()
    args.libraries = [x for x in args.libraries.split(",") if x]
    unknown = set(args.libraries) - set(ALL_LIBRARIES)
    if unknown:
        ap.error(f"unknown libraries: {', '.join(sorted(unknown))}")
    args.sochdb_bench = args.sochdb_bench.resolve()
    command = command_line(REPO)

    load_before = load_average()
    log(f"load average before start: {load_before} (uptime: {uptime()})")
    if not args.report_only:
        busy = cpu_busy_fraction()
        log(f"CPU busy over the last 3 s: {busy:.0%}")
        if busy > 0.15 or float(load_before.split()[0]) > 0.5:
            log("WARNING: the machine is not idle; timings will be noisy (see --wait-idle)")
    if not args.report_only:
        ensure_peers(args.libraries)
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    blocks = [run_dataset(name, args, env) for name in args.dataset.split(",") if name]
    report = full_report(blocks, args, machine_description(), load_before, command)
    emit_report(report, args.markdown_out)


if __name__ == "__main__":
    main()
