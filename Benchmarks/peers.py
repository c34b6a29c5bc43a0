"""Benchmark one peer HNSW library (hnswlib, faiss or usearch) on one SochDB dataset folder.

    python3 Benchmarks/peers.py --library hnswlib --dataset Datasets/cache/fashion-mnist-784 \
        --m 16 --ef-construction 100 --threads 2 --efs 10,16,24,32,48,64,96,128,256 --k 10 \
        --out /tmp/hnswlib.json [--max-queries N] [--max-single-queries 2000] [--skip-1t-build]

Result JSON (the schema sochdb-bench emits too; extra keys are informational):
  {"library", "version", "dataset", "metric", "m", "ef_construction", "threads",
   "build": {"threads_<T>": {"seconds", "rate"}, "threads_1": {...} | null},
   "index_size_bytes", "search": [{"ef", "recall", "qps_single_1t", "qps_batch"}, ...],
   "open_first_query_ms", "peak_rss_bytes", + k, base_count, query_count, ...}

What it measures (same parameters for every library):
  * build: the add/build call alone, timed with `--threads` threads and again with 1 thread
    (the 1-thread index is built first and freed; the `--threads` one is kept and searched);
  * index_size_bytes: size of the index file saved by the library's own save call;
  * search sweep, per ef: recall@k vs gt[:, :k] over all queries used (from the batch run),
    qps_batch = all queries in one call on `--threads` threads, qps_single_1t = one query per
    call on 1 thread over the first `--max-single-queries` queries (includes the few us of
    Python binding overhead per call);
  * open_first_query_ms: median over `--open-runs` fresh processes (this script in
    `--open-probe` mode) of load saved index + answer one query (warm page cache);
  * peak_rss_bytes: this process's ru_maxrss (side_by_side.py replaces it by the figure that
    os.wait4 reports for the process).

Open-probe mode (what the main mode spawns):
    python3 Benchmarks/peers.py --open-probe INDEXFILE --library L --dataset DIR [--open-ef 64]
prints one JSON line {"open_first_query_ms": ..., "load_ms": ..., "first_result": [...]}.

Library settings: hnswlib Index(space l2|cosine|ip), init_index(M, ef_construction), set_ef;
faiss IndexHNSWFlat(d, M[, METRIC_INNER_PRODUCT]) with hnsw.efConstruction / hnsw.efSearch and
omp_set_num_threads (cosine: vectors L2-normalised + inner product; normalising the base is
inside the timed build); usearch Index(ndim, metric l2sq|cos|ip, dtype f32, connectivity=M,
expansion_add=efC, expansion_search=ef) with `threads=` on add/search.
"""
import argparse
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# OpenMP threads (faiss) must not spin between parallel regions: set before faiss loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

LIBRARIES = ("hnswlib", "faiss", "usearch")


# --------------------------------------------------------------------------- adapters
class Peer:
    """Uniform wrapper: build / save / load / set_ef / search for one library."""
    file_suffix = ".bin"

    def __init__(self, metric: str, dim: int, m: int, ef_construction: int):
        self.metric, self.dim, self.m, self.efc = metric, dim, m, ef_construction

    def prepare_queries(self, q):  # library-specific query preprocessing (outside timings)
        return np.ascontiguousarray(q, dtype=np.float32)


class HnswlibPeer(Peer):
    name = "hnswlib"

    def __init__(self, *a):
        super().__init__(*a)
        import hnswlib
        self.lib = hnswlib
        self.space = {"l2": "l2", "cosine": "cosine", "ip": "ip"}[self.metric]

    @staticmethod
    def version():
        from importlib.metadata import version
        return version("hnswlib")

    def build(self, base, threads):
        idx = self.lib.Index(space=self.space, dim=self.dim)
        idx.init_index(max_elements=len(base), ef_construction=self.efc, M=self.m, random_seed=100)
        idx.set_num_threads(threads)
        t0 = time.perf_counter()
        idx.add_items(base, np.arange(len(base)), num_threads=threads)
        return idx, time.perf_counter() - t0

    def save(self, idx, path):
        idx.save_index(str(path))

    def load(self, path):
        idx = self.lib.Index(space=self.space, dim=self.dim)
        idx.load_index(str(path))
        return idx

    def set_ef(self, idx, ef):
        idx.set_ef(ef)

    def search(self, idx, q, k, threads):
        return idx.knn_query(q, k=k, num_threads=threads)[0]

    def search_one(self, idx, v, k):
        return idx.knn_query(v, k=k, num_threads=1)[0][0]


class FaissPeer(Peer):
    name = "faiss"

    def __init__(self, *a):
        super().__init__(*a)
        import faiss
        self.lib = faiss

    @staticmethod
    def version():
        import faiss
        return faiss.__version__

    def _normalise(self, x):
        x = np.array(x, dtype=np.float32, order="C", copy=True)
        self.lib.normalize_L2(x)
        return x

    def prepare_queries(self, q):
        return self._normalise(q) if self.metric == "cosine" else super().prepare_queries(q)

    def build(self, base, threads):
        f = self.lib
        f.omp_set_num_threads(threads)
        metric = f.METRIC_L2 if self.metric == "l2" else f.METRIC_INNER_PRODUCT
        idx = f.IndexHNSWFlat(self.dim, self.m, metric)
        idx.hnsw.efConstruction = self.efc
        t0 = time.perf_counter()
        idx.add(self._normalise(base) if self.metric == "cosine" else base)
        return idx, time.perf_counter() - t0

    def save(self, idx, path):
        self.lib.write_index(idx, str(path))

    def load(self, path):
        return self.lib.read_index(str(path))

    def set_ef(self, idx, ef):
        idx.hnsw.efSearch = ef

    def search(self, idx, q, k, threads):
        self.lib.omp_set_num_threads(threads)
        return idx.search(q, k)[1]

    def search_one(self, idx, v, k):  # caller sets 1 OpenMP thread once, before the loop
        return idx.search(v[None, :], k)[1][0]

    def single_thread_mode(self):
        self.lib.omp_set_num_threads(1)


class UsearchPeer(Peer):
    name = "usearch"

    def __init__(self, *a):
        super().__init__(*a)
        from usearch.index import Index
        self.Index = Index
        self.kind = {"l2": "l2sq", "cosine": "cos", "ip": "ip"}[self.metric]

    @staticmethod
    def version():
        import usearch
        return usearch.__version__

    def build(self, base, threads):
        idx = self.Index(ndim=self.dim, metric=self.kind, dtype="f32", connectivity=self.m,
                         expansion_add=self.efc, expansion_search=64)
        keys = np.arange(len(base), dtype=np.uint64)
        t0 = time.perf_counter()
        idx.add(keys, base, threads=threads)
        return idx, time.perf_counter() - t0

    def save(self, idx, path):
        idx.save(str(path))

    def load(self, path):
        return self.Index.restore(str(path))

    def set_ef(self, idx, ef):
        idx.expansion_search = ef

    def search(self, idx, q, k, threads):
        return idx.search(q, k, threads=threads).keys

    def search_one(self, idx, v, k):
        return idx.search(v, k, threads=1).keys


PEERS = {p.name: p for p in (HnswlibPeer, FaissPeer, UsearchPeer)}


# --------------------------------------------------------------------------- helpers
def load_meta(dataset: Path) -> dict:
    return json.loads((dataset / "meta.json").read_text())


def recall_at_k(found: np.ndarray, gt: np.ndarray, k: int) -> float:
    """Mean |found[:k] & gt[:k]| / k; ids that are not found (-1, sentinels) never match."""
    found = np.asarray(found).astype(np.int64)[:, :k]
    truth = gt[:, :k].astype(np.int64)
    hits = (found[:, :, None] == truth[:, None, :]).any(axis=2).sum()
    return float(hits) / (truth.shape[0] * k)


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def log(msg: str) -> None:
    print(f"[peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- modes
def open_probe(args) -> None:
    """Fresh process: time load of the saved index + one query; print one JSON line."""
    meta = load_meta(args.dataset)
    peer = PEERS[args.library](meta["metric"], meta["dimension"], args.m, args.ef_construction)
    query = peer.prepare_queries(np.load(args.dataset / "queries.npy", mmap_mode="r")[:1])[0]
    if hasattr(peer, "single_thread_mode"):
        peer.single_thread_mode()
    t0 = time.perf_counter()
    idx = peer.load(Path(args.open_probe))
    t1 = time.perf_counter()
    peer.set_ef(idx, args.open_ef)
    found = peer.search_one(idx, query, args.k)
    t2 = time.perf_counter()
    print(json.dumps({"open_first_query_ms": (t2 - t0) * 1e3, "load_ms": (t1 - t0) * 1e3,
                      "first_result": [int(x) for x in found]}))


def run_open_probes(args, index_path: Path) -> list:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--open-probe", str(index_path),
           "--library", args.library, "--dataset", str(args.dataset), "--k", str(args.k),
           "--open-ef", str(args.open_ef), "--m", str(args.m),
           "--ef-construction", str(args.ef_construction)]
    times = []
    for _ in range(args.open_runs):
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        times.append(json.loads(out.strip().splitlines()[-1])["open_first_query_ms"])
    return times


def benchmark(args) -> dict:
    meta = load_meta(args.dataset)
    peer = PEERS[args.library](meta["metric"], meta["dimension"], args.m, args.ef_construction)
    base = np.ascontiguousarray(np.load(args.dataset / "base.npy"), dtype=np.float32)
    queries = np.load(args.dataset / "queries.npy")
    gt = np.load(args.dataset / "gt.npy")
    if args.max_queries:
        queries, gt = queries[:args.max_queries], gt[:args.max_queries]
    queries = peer.prepare_queries(queries)
    n = len(base)
    log(f"{args.library} {peer.version()} on {meta['name']}: n={n} d={meta['dimension']} "
        f"q={len(queries)} metric={meta['metric']}")

    build = {}
    if args.threads != 1 and not args.skip_1t_build:
        idx, secs = peer.build(base, 1)
        build["threads_1"] = {"seconds": secs, "rate": n / secs}
        log(f"build 1 thread: {secs:.2f}s ({n / secs:,.0f} vec/s)")
        del idx
        gc.collect()
    idx, secs = peer.build(base, args.threads)
    build[f"threads_{args.threads}"] = {"seconds": secs, "rate": n / secs}
    log(f"build {args.threads} threads: {secs:.2f}s ({n / secs:,.0f} vec/s)")
    build.setdefault("threads_1", None)

    tmp = Path(tempfile.mkdtemp(prefix=f"peers-{args.library}-", dir=args.tmp_dir))
    try:
        index_path = tmp / f"index{peer.file_suffix}"
        peer.save(idx, index_path)
        index_size = index_path.stat().st_size

        sweep = []
        singles = queries[:args.max_single_queries]
        for ef in args.efs:
            peer.set_ef(idx, ef)
            best_batch = 0.0
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                found = peer.search(idx, queries, args.k, args.threads)
                best_batch = max(best_batch, len(queries) / (time.perf_counter() - t0))
            recall = recall_at_k(found, gt, args.k)
            if hasattr(peer, "single_thread_mode"):
                peer.single_thread_mode()
            best_single = 0.0
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                for v in singles:
                    peer.search_one(idx, v, args.k)
                best_single = max(best_single, len(singles) / (time.perf_counter() - t0))
            sweep.append({"ef": ef, "recall": recall, "qps_single_1t": best_single,
                          "qps_batch": best_batch})
            log(f"ef={ef:4d} recall@{args.k}={recall:.4f} single_1t={best_single:9.0f} q/s "
                f"batch={best_batch:9.0f} q/s")

        del idx
        gc.collect()
        open_times = run_open_probes(args, index_path) if args.open_runs > 0 else []
    finally:
        if not args.keep_index:
            shutil.rmtree(tmp, ignore_errors=True)
    open_ms = float(np.median(open_times)) if open_times else None
    log(f"index {index_size / 2**20:.1f} MB, open+first query {open_ms} ms, "
        f"peak RSS {peak_rss_bytes() / 2**20:.0f} MB")

    return {"library": args.library, "version": peer.version(), "dataset": meta["name"],
            "metric": meta["metric"], "m": args.m, "ef_construction": args.ef_construction,
            "threads": args.threads, "k": args.k, "build": build, "index_size_bytes": index_size,
            "search": sweep, "open_first_query_ms": open_ms, "open_first_query_runs_ms": open_times,
            "peak_rss_bytes": peak_rss_bytes(), "base_count": n, "query_count": len(queries),
            "single_query_count": len(singles), "python": platform.python_version(),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", choices=LIBRARIES, required=True)
    ap.add_argument("--dataset", type=Path, required=True, help="dataset folder (with meta.json)")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--efs", default="10,16,24,32,48,64,96,128,256",
                    type=lambda s: [int(x) for x in s.split(",") if x])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out", type=Path, help="result JSON (default: stdout)")
    ap.add_argument("--max-queries", type=int, default=0, help="use only the first N queries")
    ap.add_argument("--max-single-queries", type=int, default=2000,
                    help="queries used for the one-query-per-call 1-thread loop")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per ef (best is kept)")
    ap.add_argument("--skip-1t-build", action="store_true", help="skip the 1-thread build timing")
    ap.add_argument("--open-runs", type=int, default=3, help="fresh-process open probes (median)")
    ap.add_argument("--open-ef", type=int, default=64, help="ef for the open probe's query")
    ap.add_argument("--open-probe", metavar="INDEXFILE", help="probe mode: load INDEXFILE + 1 query")
    ap.add_argument("--tmp-dir", help="where to save the index (default: system temp dir)")
    ap.add_argument("--keep-index", action="store_true", help="do not delete the saved index")
    return ap.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.open_probe:
        open_probe(args)
        return
    result = benchmark(args)
    text = json.dumps(result, indent=2) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        log(f"wrote {args.out}")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
