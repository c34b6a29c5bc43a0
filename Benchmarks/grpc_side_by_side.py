"""sochdb-grpc-server against hnswlib behind a grpcio server, same proto, same client, in one run.

    python3 Benchmarks/grpc_side_by_side.py [--dataset fashion-mnist-784,glove-50] [--queries 2000]
        [--ef 64] [--k 10] [--clients 1,8,32] [--batch 1000] [--repeats 3] [--markdown-out report.md] [--skip-build] [--sochdb-args FLAGS]

What users would otherwise deploy for remote vector search on one machine is a small gRPC
service around a library; the peer here is hnswlib (M and efConstruction as ours, its own
`knn_query` with all threads for batches) inside a grpcio server (`concurrent.futures`
thread pool of 8) that implements the same `sochdb.v1.VectorService` Search and SearchBatch
from the committed proto. Both servers get the same requests from the same Python client.

Steps:
  1. pip install grpcio grpcio-tools hnswlib if missing; stubs generated from
     proto/sochdb/v1/sochdb.proto into Benchmarks/work/grpc/stubs;
  2. scripts/build-native.sh (release sochdb-bulk and sochdb-grpc-server) unless --skip-build;
  3. per dataset (Datasets/cache/<name>, made by Datasets/prepare.sh): sochdb-bulk build-index
     (M 16, efConstruction 100, 2 threads) and the hnswlib index (same), each server started on
     its own port over its own index;
  4. per mode and repeat, sides interleaved:
       single   one client, one Search call at a time: q/s, p50 and p99 latency;
       clients  C client processes, each one call at a time (Search, then SearchBatch of its
                share in calls of up to --batch): total q/s, and the CPU the clients used;
       batch    SearchBatch calls of --batch queries: q/s;
     plus the in-process baseline (sochdb.index.HnswIndex and hnswlib in this process, no
     network: single queries on one thread, one batch on all threads) to show what the
     transport costs. recall@10 of every mode against gt.npy.
  5. best q/s over the repeats; latency from the best single run; servers' peak RSS (VmHWM).
The client shares the machine's 2 cores with the server: figures are for one machine.
"""
import argparse
import importlib
import importlib.util
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import bench_support  # noqa: E402
from bench_support import command_line, emit_report, fmt, load_average, log, machine_description  # noqa: E402

bench_support.set_log_tag("grpc-side-by-side")
WORK = HERE / "work" / "grpc"
STUBS = WORK / "stubs"
PROTO = REPO / "proto" / "sochdb" / "v1" / "sochdb.proto"
M, EF_CONSTRUCTION = 16, 100


def ensure_packages():
    missing = [p for p, mod in (("grpcio", "grpc"), ("grpcio-tools", "grpc_tools"), ("hnswlib", "hnswlib"))
               if importlib.util.find_spec(mod) is None]
    if missing:
        log(f"pip install {' '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)


def stubs(generate=True):
    """The grpcio stubs of the proto; generated once by the driver (a child
    regenerating them would race the client processes importing them)."""
    STUBS.mkdir(parents=True, exist_ok=True)
    from grpc_tools import protoc
    if generate and protoc.main(["protoc", f"-I{PROTO.parent}", f"--python_out={STUBS}", f"--grpc_python_out={STUBS}", str(PROTO)]) != 0:
        sys.exit("grpc_tools.protoc failed")
    if str(STUBS) not in sys.path:
        sys.path.insert(0, str(STUBS))
    return importlib.import_module("sochdb_pb2"), importlib.import_module("sochdb_pb2_grpc")


# --------------------------------------------------------------------------- the peer server

def serve_hnswlib(index_path: str, dimension: int, space: str, threads: int) -> None:
    """Runs in a child process: hnswlib behind grpcio, the same VectorService; prints its port."""
    import grpc
    import hnswlib
    pb, rpc = stubs(generate=False)
    index = hnswlib.Index(space=space, dim=dimension)
    index.load_index(index_path)

    class Service(rpc.VectorServiceServicer):
        def Search(self, request, context):
            q = np.frombuffer(request.query_vector, dtype="<f4")
            if q.size != dimension:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "dimension")
            index.set_ef(max(request.ef_search or 64, request.k))
            labels, distances = index.knn_query(q, k=request.k, num_threads=1)
            return pb.VectorSearchResponse(neighbors=[pb.Neighbor(id=int(i), distance=float(d))
                                                      for i, d in zip(labels[0], distances[0])])

        def SearchBatch(self, request, context):
            q = np.frombuffer(request.query_vectors, dtype="<f4").reshape(-1, dimension)
            index.set_ef(max(request.ef_search or 64, request.k))
            labels, distances = index.knn_query(q, k=request.k, num_threads=threads)
            return pb.VectorSearchBatchResponse(first_query=0, k=request.k, counts=[request.k] * len(q),
                                                ids=labels.astype(np.int64).ravel().tolist(),
                                                distances=distances.ravel().tolist())

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)])
    rpc.add_VectorServiceServicer_to_server(Service(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(5))
    server.wait_for_termination()


class ServerProcess:
    def __init__(self, cmd, log_path: Path):
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            sys.exit(f"{cmd[0]} did not start: {log_path.read_text()}")
        self.address = line.split()[-1]

    def peak_rss(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


# --------------------------------------------------------------------------- client side

CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]


def recall(found: np.ndarray, gt: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(g[:k])) / k for f, g in zip(found, gt)]))


def run_single(address, queries, k, ef):
    import grpc
    pb, rpc = stubs(generate=False)
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        stub = rpc.VectorServiceStub(channel)
        blobs = [q.tobytes() for q in queries]
        stub.Search(pb.VectorSearchRequest(index_path="index.hnsw", query_vector=blobs[0], k=k, ef_search=ef))  # connect
        found = np.empty((len(queries), k), dtype=np.int64)
        latencies = np.empty(len(queries))
        start = time.perf_counter()
        for i, b in enumerate(blobs):
            t = time.perf_counter()
            r = stub.Search(pb.VectorSearchRequest(index_path="index.hnsw", query_vector=b, k=k, ef_search=ef))
            latencies[i] = time.perf_counter() - t
            found[i] = [n.id for n in r.neighbors]
        wall = time.perf_counter() - start
    return len(queries) / wall, float(np.percentile(latencies, 50) * 1e3), float(np.percentile(latencies, 99) * 1e3), found


def _client_worker(args):
    """One client process: its share of the queries, one call at a time
    (Search, or SearchBatch of `batch` queries when batch > 0)."""
    address, queries, k, ef, batch, barrier_time = args
    import grpc
    pb, rpc = stubs(generate=False)
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        stub = rpc.VectorServiceStub(channel)
        stub.Search(pb.VectorSearchRequest(index_path="index.hnsw", query_vector=queries[0].tobytes(), k=k, ef_search=ef))
        while time.time() < barrier_time:
            time.sleep(0.001)
        if batch:
            for s in range(0, len(queries), batch):
                stub.SearchBatch(pb.VectorSearchBatchRequest(index_path="index.hnsw", query_vectors=queries[s:s + batch].tobytes(),
                                                             k=k, ef_search=ef))
        else:
            for q in queries:
                stub.Search(pb.VectorSearchRequest(index_path="index.hnsw", query_vector=q.tobytes(), k=k, ef_search=ef))
    return time.time(), time.process_time()


def run_clients(address, queries, k, ef, clients, batch=0):
    """q/s of `clients` processes at once, and the CPU seconds they used
    per query (the load generator's share of the 2 cores)."""
    parts = np.array_split(queries, clients)
    with mp.get_context("spawn").Pool(clients) as pool:
        start = time.time() + 2.0
        results = pool.map(_client_worker, [(address, p, k, ef, batch, start) for p in parts])
    wall = max(end for end, _ in results) - start
    return len(queries) / wall, sum(cpu for _, cpu in results) / wall


def run_batch(address, queries, k, ef, batch):
    import grpc
    pb, rpc = stubs(generate=False)
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        stub = rpc.VectorServiceStub(channel)
        found = []
        start = time.perf_counter()
        for s in range(0, len(queries), batch):
            part = queries[s:s + batch]
            r = stub.SearchBatch(pb.VectorSearchBatchRequest(index_path="index.hnsw", query_vectors=part.tobytes(), k=k, ef_search=ef))
            found.append(np.array(r.ids, dtype=np.int64).reshape(len(part), k))
        wall = time.perf_counter() - start
    return len(queries) / wall, np.vstack(found)


def in_process(sochdb_index, hnsw_index, queries, k, ef):
    """Single-query q/s in this process, no network: the floor the servers add to."""
    out = {}
    start = time.perf_counter()
    for q in queries:
        sochdb_index.search(q, k=k, ef=ef)
    out["sochdb"] = len(queries) / (time.perf_counter() - start)
    hnsw_index.set_ef(ef)
    start = time.perf_counter()
    for q in queries:
        hnsw_index.knn_query(q, k=k, num_threads=1)
    out["hnswlib"] = len(queries) / (time.perf_counter() - start)
    start = time.perf_counter()
    sochdb_index.search(queries, k=k, ef=ef, threads=0)
    out["sochdb_batch"] = len(queries) / (time.perf_counter() - start)
    start = time.perf_counter()
    hnsw_index.knn_query(queries, k=k, num_threads=-1)
    out["hnswlib_batch"] = len(queries) / (time.perf_counter() - start)
    return out


# --------------------------------------------------------------------------- driver

def bench_dataset(name, args, binaries):
    import hnswlib
    from sochdb.index import HnswIndex
    folder = REPO / "Datasets" / "cache" / name
    meta = json.loads((folder / "meta.json").read_text())
    base = np.load(folder / "base.npy")
    queries = np.ascontiguousarray(np.load(folder / "queries.npy")[:args.queries])
    gt = np.load(folder / "gt.npy")[:args.queries]
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    ours_dir, peer_path = work / "sochdb", work / "hnswlib.bin"
    ours_dir.mkdir(exist_ok=True)
    space = {"l2": "l2", "cosine": "cosine", "ip": "ip"}[meta["metric"]]
    log(f"{name}: building the SochDB index (sochdb-bulk, 2 threads)")
    subprocess.run([binaries / "sochdb-bulk", "build-index", "--input", folder / "base.npy", "--output", ours_dir / "index.hnsw",
                    "--dimension", str(base.shape[1]), "--max-connections", str(M), "--ef-construction", str(EF_CONSTRUCTION),
                    "--threads", "2", "--metric", meta["metric"]], check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    log(f"{name}: building the hnswlib index (2 threads)")
    peer = hnswlib.Index(space=space, dim=base.shape[1])
    peer.init_index(max_elements=len(base), M=M, ef_construction=EF_CONSTRUCTION, random_seed=100)
    peer.add_items(base, num_threads=2)
    peer.save_index(str(peer_path))
    del base

    servers = {
        "sochdb-grpc-server": ServerProcess([binaries / "sochdb-grpc-server", "--port", "0", "--index-dir", ours_dir,
                                             "--max-message-bytes", str(64 << 20), *args.sochdb_args.split()],
                                            work / "sochdb.log"),
        **{label: ServerProcess([binary, "--port", "0", "--index-dir", ours_dir, "--max-message-bytes", str(64 << 20), *flags.split()],
                                work / f"{label}.log")
           for label, binary, flags in args.variants},
        "hnswlib + grpcio": ServerProcess([sys.executable, __file__, "--serve-hnswlib", str(peer_path), "--dimension",
                                           str(queries.shape[1]), "--space", space], work / "peer.log"),
    }
    rows = {s: {} for s in servers}
    try:
        for repeat in range(args.repeats):
            for side, server in servers.items():
                log(f"{name}: repeat {repeat + 1}/{args.repeats}: {side}")
                r = rows[side]
                qps, p50, p99, found = run_single(server.address, queries, args.k, args.ef)
                if qps > r.get("single", (0,))[0]:
                    r["single"] = (qps, p50, p99, recall(found, gt, args.k))
                for c in args.clients:
                    if c > 1:
                        for mode, batch in (("clients", 0), ("batch_clients", args.batch)):
                            qps, cpu = run_clients(server.address, queries, args.k, args.ef, c, batch)
                            if qps > r.get(f"{mode}_{c}", (0,))[0]:
                                r[f"{mode}_{c}"] = (qps, cpu)
                qps, found = run_batch(server.address, queries, args.k, args.ef, args.batch)
                if qps > r.get("batch", (0,))[0]:
                    r["batch"] = (qps, recall(found, gt, args.k))
        for side, server in servers.items():
            rows[side]["peak_rss"] = server.peak_rss()
    finally:
        for server in servers.values():
            server.stop()
    ours = HnswIndex.open(str(ours_dir / "index.hnsw"))
    local = {"sochdb": 0, "hnswlib": 0, "sochdb_batch": 0, "hnswlib_batch": 0}
    for _ in range(args.repeats):
        for side, qps in in_process(ours, peer, queries, args.k, args.ef).items():
            local[side] = max(local[side], qps)
    return meta, rows, local


def report(results, args) -> str:
    lines = [f"# sochdb-grpc-server vs hnswlib behind grpcio ({time.strftime('%Y-%m-%d')})", "",
             f"Command: `{command_line(REPO)}`", "",
             f"Machine: {machine_description()}; load at the end: {load_average()}.", "",
             f"Each server on its own index of the same data (M {M}, efConstruction {EF_CONSTRUCTION}), "
             f"k {args.k}, ef {args.ef}, the first {args.queries} queries; the same Python grpcio client for both; "
             f"best of {args.repeats} (sides interleaved). Client and server share the machine's 2 cores.", ""]
    clients = [c for c in args.clients if c > 1]
    header = "| dataset | server | single q/s | p50 ms | p99 ms | recall@10 | " + \
             " | ".join(f"{c} clients Search q/s | {c} clients SearchBatch q/s" for c in clients) + \
             f" | 1 client SearchBatch({args.batch}) q/s | batch recall | peak RSS MB |"
    lines += [header, "|" + "---|" * (header.count("|") - 1)]
    for name, (meta, rows, local) in results.items():
        for side, r in rows.items():
            s, b = r["single"], r["batch"]
            cells = [f"{name} ({meta['metric']})", side, fmt(s[0]), fmt(s[1], ".2f"), fmt(s[2], ".2f"), fmt(s[3], ".4f")]
            for c in clients:
                cells += [fmt(r[f"clients_{c}"][0]), fmt(r[f"batch_clients_{c}"][0])]
            cells += [fmt(b[0]), fmt(b[1], ".4f"), fmt(r["peak_rss"] / 1e6)]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "The load generator: CPU seconds per second the client processes used in the concurrent Search runs "
              "(2.0 would be both cores; the rest is what the server had).", "",
              "| dataset | server | " + " | ".join(f"{c} clients" for c in clients) + " |",
              "|---|---|" + "---|" * len(clients)]
    for name, (meta, rows, local) in results.items():
        for side, r in rows.items():
            lines.append(f"| {name} | {side} | " + " | ".join(fmt(r[f'clients_{c}'][1], '.2f') for c in clients) + " |")
    lines += ["", "In process (no server, this Python process): single queries on one thread, and one batch call "
              "on all threads, the ceiling a server approaches.", "",
              "| dataset | SochDB single | hnswlib single | SochDB batch | hnswlib batch |", "|---|---|---|---|---|"]
    for name, (meta, rows, local) in results.items():
        lines.append(f"| {name} | {fmt(local['sochdb'])} | {fmt(local['hnswlib'])} | "
                     f"{fmt(local['sochdb_batch'])} | {fmt(local['hnswlib_batch'])} |")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-hnswlib":
        p = argparse.ArgumentParser()
        p.add_argument("--serve-hnswlib")
        p.add_argument("--dimension", type=int)
        p.add_argument("--space")
        a = p.parse_args()
        serve_hnswlib(a.serve_hnswlib, a.dimension, a.space, threads=os.cpu_count() or 2)
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="fashion-mnist-784,glove-50")
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--ef", type=int, default=64)
    p.add_argument("--clients", default="1,8,32")
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--markdown-out", type=Path)
    p.add_argument("--skip-build", action="store_true")
    p.add_argument("--sochdb-args", default="", help="extra sochdb-grpc-server flags, e.g. \"--default-deadline-ms 0\"")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL=BINARY[ FLAGS]",
                   help="another sochdb-grpc-server build or flag set in the same run, e.g. "
                        "\"no-deadline=.build/native/bin/sochdb-grpc-server --default-deadline-ms 0\" (repeatable)")
    args = p.parse_args()
    args.variants = []
    for v in args.variant:
        label, _, rest = v.partition("=")
        binary, _, flags = rest.partition(" ")
        if not label or not binary:
            p.error(f"--variant {v!r}: expected LABEL=BINARY[ FLAGS]")
        args.variants.append((label, Path(binary), flags))
    args.clients = [int(c) for c in args.clients.split(",")]
    ensure_packages()
    stubs()
    if not args.skip_build:
        subprocess.run(["bash", str(REPO / "scripts" / "build-native.sh")], check=True)
    binaries = REPO / ".build" / "native" / "bin"
    sys.path.insert(0, str(REPO / "python"))
    os.environ.setdefault("SOCHDB_LIB_PATH", str(REPO / ".build" / "native" / "lib"))
    results = {name: bench_dataset(name, args, binaries) for name in args.dataset.split(",")}
    emit_report(report(results, args), args.markdown_out)


if __name__ == "__main__":
    main()
