"""SQL side by side: SochDB's SQL layer and SQLite on the same rows and statements.

    python3 Benchmarks/sql_side_by_side.py [--rows 200000] [--lookups 200000] [--batch 1000]
        [--repeats 3] [--skip-build] [--markdown-out Benchmarks/sql-results-DATE.md]

Builds `sochdb-bench` (release) and Benchmarks/sql/sqlbench_sqlite.c (gcc -O2 -march=native,
-lsqlite3), then runs each --repeats times, alternating, and reports the median of each
figure. The workload (both programs' headers): a table items(id INTEGER PRIMARY KEY, name TEXT
NOT NULL, category INTEGER, price REAL) with an index on name; --rows parameterised INSERTs in
transactions of --batch rows; --lookups point selects by primary key and as many by the
indexed name, random ids from SplitMix64. SQLite: WAL, synchronous=NORMAL, statements prepared
once; SochDB: sync mode normal, statements by text through one SQLSession (its statement cache
plays the part of prepare).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import bench_support  # noqa: E402
from bench_support import command_line, emit_report, fmt, log, machine_description  # noqa: E402

bench_support.set_log_tag("sql-side-by-side")
FIGURES = [("insert_rows_per_s", "inserts rows/s"), ("pk_selects_per_s", "primary-key point selects/s"),
           ("index_selects_per_s", "indexed point selects/s (secondary index on name)")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--lookups", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--markdown-out", type=Path)
    args = ap.parse_args()
    work = REPO / "Benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    sqlite_bin = work / "sqlbench_sqlite"
    if not args.skip_build:
        log("building sochdb-bench (release) and sqlbench_sqlite")
        subprocess.run(["swift", "build", "-c", "release", "--product", "sochdb-bench"], cwd=REPO, check=True)
        subprocess.run(["gcc", "-O2", "-march=native", "-Wall", "-o", str(sqlite_bin),
                        str(HERE / "sql" / "sqlbench_sqlite.c"), "-lsqlite3"], check=True)
    common = ["--rows", str(args.rows), "--lookups", str(args.lookups), "--batch", str(args.batch)]
    runs = {"sochdb": [], "sqlite": []}
    for r in range(args.repeats):
        for engine in ("sochdb", "sqlite"):
            with tempfile.TemporaryDirectory(prefix=f"sqlbench-{engine}-") as d:
                cmd = ([str(REPO / ".build/release/sochdb-bench"), "sql", "--dir", d + "/db"] if engine == "sochdb"
                       else [str(sqlite_bin), "--dir", d]) + common
                out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                runs[engine].append(json.loads(out.strip().splitlines()[-1]))
                log(f"run {r + 1} {engine}: {runs[engine][-1]}")
    med = {e: {k: statistics.median(x[k] for x in runs[e]) for k, _ in FIGURES} for e in runs}
    m = machine_description()
    lines = [f"# SQL side by side: SochDB vs {runs['sqlite'][0]['engine']}", "",
             f"Command: `{command_line(REPO)}`", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']}. "
             f"{args.rows:,} rows, {args.lookups:,} lookups of each kind, {args.batch} rows per transaction; "
             f"median of {args.repeats} alternating runs.", "",
             "| row | SochDB | SQLite | SochDB / SQLite |", "|---|--:|--:|--:|"]
    for key, label in FIGURES:
        a, b = med["sochdb"][key], med["sqlite"][key]
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {a / b:.2f}× |")
    lines += ["", "Every run: " + "; ".join(f"{e} " + ", ".join(fmt(x[k]) for x in runs[e] for k, _ in FIGURES[:1])
                                          + " inserts/s" for e in runs)]
    emit_report("\n".join(lines) + "\n", args.markdown_out)


if __name__ == "__main__":
    main()
