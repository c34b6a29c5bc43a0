"""The Python SDK's benchmarks: the seed's two tables reproduced from Python,
and vector search from Python beside hnswlib's and faiss's own bindings.

    python3 Benchmarks/python_sdk.py scans   [--sizes 10000,100000,1000000] [--repeats 3]
    python3 Benchmarks/python_sdk.py inserts [--dimension 768] [--per-call 2000] [--batch 20000]
    python3 Benchmarks/python_sdk.py search  --dataset Datasets/cache/fashion-mnist-784 \
        [--efs 16,32,64,128] [--threads 2] [--repeats 3] [--peers hnswlib,faiss]

Run it with the package importable (`pip install ./python`, or from the
checkout after `bash scripts/build-native.sh`). Each figure is the median
(scans, inserts) or the best (search q/s) of `--repeats` runs; the peers run
in the same process, on the same data, one after another, with the same M,
efConstruction and threads. Prints a markdown table.

What each table measures
  scans:   a snapshot scan of N keys inside a transaction, iterated to the
           end from Python: `txn.scan` (1000 pairs per call into the
           library), `txn.scan_batched(batch_size=1000)`, and
           `scan_batched(batch_size=1)`: one call per pair, what the seed's
           "regular scan" was upstream.
  inserts: 768-d vectors into a collection: one `upsert` call per vector
           (each its own transaction), one `upsert` of the whole N x D
           array, and the bulk API `bulk_build_index` (sochdb-bulk
           subprocess, index file only, no database).
  search:  batch q/s (all queries in one call, --threads threads) and
           recall@10 over an ef sweep for: a SochDB collection
           (`Collection.search`, ids are strings, metadata off), the
           in-process index (`sochdb.index.HnswIndex`, int labels, the
           Swift engine's batch search through the C ABI), hnswlib
           `knn_query` and faiss `IndexHNSWFlat.search`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def scans(args):
    from sochdb import Database

    print("| items | `txn.scan` | `scan_batched(1000)` | `scan_batched(1)` (one call per pair) | seed: regular / batched |")
    print("|---:|---:|---:|---:|---|")
    seed = {10_000: "15 ms / 2 ms", 100_000: "150 ms / 12 ms", 1_000_000: "1,500 ms / 120 ms"}
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp, Database.open(tmp + "/db", sync_mode="off") as db:
            with db.transaction() as txn:
                for i in range(n):
                    txn.put(f"user:{i:07d}".encode(), f"data_{i}".encode())

            def run(batch):
                def go():
                    txn = db.transaction()
                    it = txn.scan(b"user:", b"user;") if batch is None else txn.scan_batched(b"user:", b"user;", batch)
                    count = sum(1 for _ in it)
                    txn.abort()
                    assert count == n, count
                return go

            regular = median_time(run(None), args.repeats)
            batched = median_time(run(1000), args.repeats)
            single = median_time(run(1), max(1, args.repeats if n <= 100_000 else 1))
        print(f"| {n:,} | {regular * 1e3:,.1f} ms | {batched * 1e3:,.1f} ms | {single * 1e3:,.1f} ms | {seed.get(n, '')} |",
              flush=True)


def inserts(args):
    from sochdb import Database
    from sochdb.bulk import bulk_build_index

    rng = np.random.default_rng(1)
    d = args.dimension
    data = rng.normal(size=(args.batch, d)).astype(np.float32)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with Database.open(tmp + "/db", sync_mode="normal") as db:
            per_call = db.create_collection("per_call", dimension=d)
            n = args.per_call
            t = time.perf_counter()
            for i in range(n):
                per_call.upsert(f"v{i}", data[i])
            rows.append(("one `upsert` per vector", n, n / (time.perf_counter() - t)))
            batched = db.create_collection("batched", dimension=d)
            ids = [f"v{i}" for i in range(args.batch)]
            t = time.perf_counter()
            batched.upsert(ids, data)
            batched.count()
            rows.append(("one `upsert` of the N x D array", args.batch, args.batch / (time.perf_counter() - t)))
        t = time.perf_counter()
        stats = bulk_build_index(data, output=tmp + "/bulk.hnsw", m=16, ef_construction=100, threads=0, quiet=True)
        rows.append(("bulk API `bulk_build_index` (subprocess)", args.batch, args.batch / (time.perf_counter() - t)))
        rows.append(("  (its own timing of the build)", args.batch, stats.rate))
    print(f"| {d}-d vectors | n | vectors/s |")
    print("|---|---:|---:|")
    for name, n, rate in rows:
        print(f"| {name} | {n:,} | {rate:,.0f} |")
    print("\nseed (upstream): Python FFI ~130 vec/s, bulk API ~1,600 vec/s at 768-d")


def recall(found, gt, k):
    return float(np.mean([len(set(f[:k]) & set(g[:k])) / k for f, g in zip(found, gt)]))


def search(args):
    from peers import PEERS
    from sochdb import Database
    from sochdb.index import HnswIndex

    folder = Path(args.dataset)
    meta = json.loads((folder / "meta.json").read_text())
    base = np.load(folder / "base.npy")
    queries = np.load(folder / "queries.npy")
    gt = np.load(folder / "gt.npy")
    if args.max_queries:
        queries, gt = queries[:args.max_queries], gt[:args.max_queries]
    metric, k = meta["metric"], 10
    print(f"dataset {meta.get('name', folder.name)}: {len(base):,} x {base.shape[1]} {metric}, "
          f"{len(queries):,} queries, M={args.m}, efC={args.ef_construction}, threads={args.threads}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        with Database.open(tmp + "/db", sync_mode="off") as db:
            coll = db.create_collection("bench", dimension=base.shape[1], metric=metric, m=args.m,
                                        ef_construction=args.ef_construction)
            t = time.perf_counter()
            coll.upsert([str(i) for i in range(len(base))], base)
            build = time.perf_counter() - t
            rows = []
            for ef in args.efs:
                best, found = 0.0, None
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    res = coll.search(queries, k=k, ef=ef, include_metadata=False)
                    best = max(best, len(queries) / (time.perf_counter() - t))
                    found = [[int(i) for i in r.ids] for r in res]
                rows.append((ef, recall(found, gt, k), best))
            results["sochdb collection"] = (build, rows)
        index = HnswIndex.build(base, tmp + "/x.hnsw", m=args.m, ef_construction=args.ef_construction, metric=metric,
                                threads=args.threads)
        rows = []
        for ef in args.efs:
            best = 0.0
            for _ in range(args.repeats):
                t = time.perf_counter()
                labels, _ = index.search(queries, k=k, ef=ef, threads=args.threads)
                best = max(best, len(queries) / (time.perf_counter() - t))
            rows.append((ef, recall(labels, gt, k), best))
        results["sochdb HnswIndex"] = (index.build_stats["elapsed_seconds"], rows)
        index.close()
    for name in args.peers:
        peer = PEERS[name](metric, base.shape[1], args.m, args.ef_construction)
        idx, build = peer.build(base, args.threads)
        q = peer.prepare_queries(queries)
        rows = []
        for ef in args.efs:
            peer.set_ef(idx, ef)
            best, labels = 0.0, None
            for _ in range(args.repeats):
                t = time.perf_counter()
                labels = peer.search(idx, q, k, args.threads)
                best = max(best, len(queries) / (time.perf_counter() - t))
            rows.append((ef, recall(labels, gt, k), best))
        results[name] = (build, rows)
        del idx
    print("\n| library | build s | " + " | ".join(f"ef {ef}: recall / q/s" for ef in args.efs) + " |")
    print("|---|---:|" + "---:|" * len(args.efs))
    for name, (build, rows) in results.items():
        print(f"| {name} | {build:.1f} | " + " | ".join(f"{r:.4f} / {q:,.0f}" for _, r, q in rows) + " |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scans")
    s.add_argument("--sizes", default="10000,100000,1000000", type=lambda v: [int(x) for x in v.split(",")])
    s.add_argument("--repeats", type=int, default=3)
    s = sub.add_parser("inserts")
    s.add_argument("--dimension", type=int, default=768)
    s.add_argument("--per-call", type=int, default=2000)
    s.add_argument("--batch", type=int, default=20000)
    s = sub.add_parser("search")
    s.add_argument("--dataset", required=True)
    s.add_argument("--efs", default="16,32,64,128", type=lambda v: [int(x) for x in v.split(",")])
    s.add_argument("--threads", type=int, default=os.cpu_count())
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--m", type=int, default=16)
    s.add_argument("--ef-construction", type=int, default=100)
    s.add_argument("--max-queries", type=int, default=0)
    s.add_argument("--peers", default="hnswlib,faiss", type=lambda v: [x for x in v.split(",") if x])
    args = p.parse_args()
    {"scans": scans, "inserts": inserts, "search": search}[args.command](args)


if __name__ == "__main__":
    main()
