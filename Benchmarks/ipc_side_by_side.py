"""sochdb-server against Redis over Unix sockets, GET and SET, in one run; print a markdown table.

    python3 Benchmarks/ipc_side_by_side.py [--requests 200000] [--clients 1,8,32] [--pipelines 1,16]
        [--repeats 3] [--value-size 100] [--keyspace 100000] [--markdown-out report.md] [--skip-build]

Steps:
  1. apt-get install -y redis-server redis-tools if redis-server or redis-benchmark is missing;
  2. swift build -c release --product sochdb-server --product sochdb-bench (unless --skip-build);
  3. starts, in Benchmarks/work/ipc/ (fresh each run), three servers on Unix sockets:
     Redis with `appendonly yes`, `appendfsync everysec` (the durability closest to SochDB's
     `normal` sync mode: the WAL is written at commit and fsynced in the background), Redis
     in memory only (no AOF, no RDB; for reference), and sochdb-server --sync-mode normal;
  4. per row (op × clients × pipeline) and repeat, interleaved: redis-benchmark -s SOCK -t OP
     -n N -c C -P P -d 100 -r KEYSPACE --csv, then `sochdb-bench ipc` with the same figures.
     Both load generators are one thread driving every connection with poll/epoll, keys are
     `key:` + 12 digits (16 bytes), values 100 bytes; SET runs before GET so GETs hit.
  5. for each side the best ops/s over the repeats and that run's p50 and p99.
"""
import argparse
import csv
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import bench_support  # noqa: E402
from bench_support import command_line, emit_report, fmt, load_average, log, machine_description  # noqa: E402

bench_support.set_log_tag("ipc-side-by-side")
WORK = HERE / "work" / "ipc"


def ensure_redis():
    if shutil.which("redis-server") and shutil.which("redis-benchmark"):
        return
    log("installing redis-server redis-tools with apt-get")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server", "redis-tools"], check=True)


def wait_for_socket(path: Path, proc: subprocess.Popen):
    for _ in range(500):
        if path.exists():
            return
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        time.sleep(0.02)
    sys.exit(f"no socket at {path}")


def start_redis(name: str, durable: bool) -> tuple:
    d = WORK / name
    d.mkdir(parents=True)
    sock = d / "redis.sock"
    args = ["redis-server", "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "600",
            "--dir", str(d), "--save", "", "--daemonize", "no", "--loglevel", "warning"]
    args += ["--appendonly", "yes", "--appendfsync", "everysec"] if durable else ["--appendonly", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    wait_for_socket(sock, proc)
    return proc, sock


def start_sochdb() -> tuple:
    d = WORK / "sochdb"
    proc = subprocess.Popen([str(REPO / ".build/release/sochdb-server"), "--db", str(d), "--sync-mode", "normal",
                             "--max-clients", "200", "--log-level", "error"])
    sock = d / "sochdb.sock"
    wait_for_socket(sock, proc)
    time.sleep(0.2)
    return proc, sock


def run_redis(sock: Path, op: str, a) -> dict:
    out = subprocess.run(["redis-benchmark", "-s", str(sock), "-t", op, "-n", str(a.requests), "-c", str(a.c),
                          "-P", str(a.p), "-d", str(a.value_size), "-r", str(a.keyspace), "--csv"],
                         capture_output=True, text=True, check=True).stdout
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["test"].upper() == op.upper())
    return {"ops": float(row["rps"]), "p50": float(row["p50_latency_ms"]) * 1000, "p99": float(row["p99_latency_ms"]) * 1000}


def run_sochdb(sock: Path, op: str, a) -> dict:
    out = subprocess.run([str(REPO / ".build/release/sochdb-bench"), "ipc", "--socket", str(sock), "--op",
                          "set" if op == "set" else "get", "--clients", str(a.c), "--pipeline", str(a.p),
                          "--requests", str(a.requests), "--value-size", str(a.value_size),
                          "--keyspace", str(a.keyspace), "--json"], capture_output=True, text=True, check=True).stdout
    j = json.loads(out.strip().splitlines()[-1])
    if j["errors"]:
        sys.exit(f"sochdb-bench ipc saw {j['errors']} ERROR replies")
    return {"ops": float(j["ops_per_sec"]), "p50": float(j["p50_us"]), "p99": float(j["p99_us"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--keyspace", type=int, default=100_000)
    ap.add_argument("--markdown-out", type=Path)
    ap.add_argument("--skip-build", action="store_true")
    a = ap.parse_args()
    ensure_redis()
    if not a.skip_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "sochdb-server"], cwd=REPO, check=True)
        subprocess.run(["swift", "build", "-c", "release", "--product", "sochdb-bench"], cwd=REPO, check=True)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    load_before = load_average()
    servers = {"redis-aof": start_redis("redis-aof", True), "redis-mem": start_redis("redis-mem", False),
               "sochdb": start_sochdb()}
    runners = {"redis-aof": run_redis, "redis-mem": run_redis, "sochdb": run_sochdb}
    results = []
    try:
        for op in ["set", "get"]:
            for p in [int(x) for x in a.pipelines.split(",")]:
                for c in [int(x) for x in a.clients.split(",")]:
                    a.c, a.p = c, p
                    best = {}
                    for rep in range(a.repeats):
                        for name, (_, sock) in servers.items():
                            r = runners[name](sock, op, a)
                            log(f"{op} c={c} P={p} rep {rep + 1} {name}: {r['ops']:,.0f} ops/s p50 {r['p50']:.0f} µs p99 {r['p99']:.0f} µs")
                            if name not in best or r["ops"] > best[name]["ops"]:
                                best[name] = r
                    results.append((op, c, p, best))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    m = machine_description()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    lines = [f"# sochdb-server vs Redis over Unix sockets ({time.strftime('%Y-%m-%d')})", "",
             f"Command: `{command_line(REPO)}`  ",
             f"Commit {commit}; {m['cpu']}, {m['cores']} cores, {m['memory']}, kernel {m['kernel']}; "
             f"{subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]}; "
             f"load before {load_before}, after {load_average()}.  ",
             f"{a.requests:,} requests per run, 16-byte keys from a keyspace of {a.keyspace:,}, {a.value_size}-byte values; "
             f"best ops/s of {a.repeats} interleaved runs per side, with that run's latencies. "
             "Redis AOF: `appendonly yes`, `appendfsync everysec`; Redis mem: no persistence; "
             "SochDB: `sochdb-server --sync-mode normal`.", "",
             "| op | clients | pipeline | SochDB ops/s | Redis AOF ops/s | ratio | Redis mem ops/s | SochDB p50 / p99 µs | Redis AOF p50 / p99 µs | p99 ratio |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for op, c, p, b in results:
        s, r, mem = b["sochdb"], b["redis-aof"], b["redis-mem"]
        lines.append(f"| {op.upper()} | {c} | {p} | {fmt(s['ops'])} | {fmt(r['ops'])} | {s['ops'] / r['ops']:.2f}× | "
                     f"{fmt(mem['ops'])} | {s['p50']:.0f} / {s['p99']:.0f} | {r['p50']:.0f} / {r['p99']:.0f} | "
                     f"{s['p99'] / max(r['p99'], 1):.2f}× |")
    emit_report("\n".join(lines) + "\n", a.markdown_out)


if __name__ == "__main__":
    main()
