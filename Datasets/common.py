"""Shared helpers for the SochDB dataset scripts (fashion_mnist.py, glove.py, synthetic.py).

Not meant to be run directly; import it:

    from common import cache_dir, is_complete, write_dataset

What lives here:
  * cache directory resolution ($SOCHDB_DATA_DIR, else <repo>/Datasets/cache),
  * .npy writing (numpy format v1.0, C order, written atomically via rename),
  * exact ground truth (flat BLAS search + float64 re-rank, see exact_ground_truth),
  * the meta.json writer and the "is this dataset folder complete?" check.

Distance conventions (identical to SochDB's):
  l2     = squared Euclidean distance
  cosine = 1 - cos(a, b), computed on L2-normalised vectors (zero vectors stay zero)
  ip     = 1 - a.b
"""
import json
import os
import time
from pathlib import Path

import numpy as np

METRICS = ("l2", "cosine", "ip")
DATA_FILES = ("base.npy", "queries.npy", "gt.npy", "gt_distances.npy", "meta.json")
GT_K = 100


def cache_dir() -> Path:
    """Root of the dataset cache: $SOCHDB_DATA_DIR or <repo>/Datasets/cache."""
    env = os.environ.get("SOCHDB_DATA_DIR")
    return Path(env).expanduser().resolve() if env else Path(__file__).resolve().parent / "cache"


def dataset_dir(name: str) -> Path:
    return cache_dir() / name


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def is_complete(folder: Path) -> bool:
    """True when every file exists and the shapes agree with meta.json.

    meta.json is written last, so an interrupted run never looks complete.
    Arrays are opened with mmap, so this check is cheap even for big datasets.
    """
    try:
        if not all((folder / f).is_file() for f in DATA_FILES):
            return False
        meta = json.loads((folder / "meta.json").read_text())
        n, q, d = meta["base_count"], meta["query_count"], meta["dimension"]
        expect = {"base.npy": ((n, d), np.float32), "queries.npy": ((q, d), np.float32),
                  "gt.npy": ((q, GT_K), np.int32), "gt_distances.npy": ((q, GT_K), np.float32)}
        for fname, (shape, dtype) in expect.items():
            a = np.load(folder / fname, mmap_mode="r")
            if a.shape != shape or a.dtype != dtype:
                return False
        return True
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return False


def save_npy(path: Path, array: np.ndarray) -> None:
    """Write `array` as .npy format version 1.0 (C order), atomically."""
    array = np.ascontiguousarray(array)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.lib.format.write_array(f, array, version=(1, 0), allow_pickle=False)
    os.replace(tmp, path)


def _normalise(x: np.ndarray, dtype) -> np.ndarray:
    """Row-wise L2 normalisation in `dtype`; all-zero rows stay zero."""
    x = np.asarray(x, dtype=dtype)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms == 0] = 1
    return x / norms[:, None]


def _exact_distances(q64: np.ndarray, base_rows64: np.ndarray, metric: str) -> np.ndarray:
    """float64 distances between queries (B, D) and their candidates (B, C, D).

    For cosine both inputs must already be normalised (in float64)."""
    if metric == "l2":
        diff = base_rows64 - q64[:, None, :]
        return np.einsum("bcd,bcd->bc", diff, diff)
    return 1.0 - np.einsum("bcd,bd->bc", base_rows64, q64)  # cosine (normalised) and ip


def exact_ground_truth(base: np.ndarray, queries: np.ndarray, metric: str, k: int = GT_K,
                       candidates: int = 128, block: int = 0, mem_budget: int = 512 << 20):
    """Exact top-k neighbours of every query, nearest first.

    1. Blocks of queries are scored against all of `base` with one float32 BLAS matmul
       (l2: ||y||^2 - 2 x.y, the per-query constant ||x||^2 does not change the order;
       cosine/ip: -x.y on normalised/raw vectors).
    2. argpartition keeps the best `candidates` (> k) per query; the slack absorbs the
       float32 rounding of step 1.
    3. The candidates are re-scored exactly in float64 and sorted by (distance, index),
       so ties go to the smaller row index; the first k are kept.

    `block` = queries per block (0: as many as fit `mem_budget` bytes of float32 scores,
    at most 500). Returns (indices int32 (Q,k), distances float32 (Q,k)).
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    n, q = base.shape[0], queries.shape[0]
    k = min(k, n)
    candidates = min(max(candidates, k), n)
    if block <= 0:
        block = int(max(1, min(500, mem_budget // (4 * n))))

    # float32 copies used for the BLAS pass, float64 copies for the exact pass.
    if metric == "cosine":
        base32, query32 = _normalise(base, np.float32), _normalise(queries, np.float32)
    else:
        base32 = np.ascontiguousarray(base, dtype=np.float32)
        query32 = np.ascontiguousarray(queries, dtype=np.float32)
    base_sq = np.einsum("ij,ij->i", base32, base32) if metric == "l2" else None

    gt = np.empty((q, k), dtype=np.int32)
    gt_dist = np.empty((q, k), dtype=np.float32)
    rerank_rows = max(1, (64 << 20) // (candidates * base.shape[1] * 8))  # ~64 MB of float64
    t0 = time.perf_counter()
    for start in range(0, q, block):
        stop = min(q, start + block)
        scores = query32[start:stop] @ base32.T            # (B, N) float32
        if metric == "l2":
            scores *= -2.0
            scores += base_sq[None, :]
        else:
            np.negative(scores, out=scores)
        cand = np.argpartition(scores, candidates - 1, axis=1)[:, :candidates]
        del scores
        for s in range(start, stop, rerank_rows):
            e = min(stop, s + rerank_rows)
            c = cand[s - start:e - start]
            rows = np.asarray(base[c.ravel()], dtype=np.float64).reshape(c.shape[0], candidates, -1)
            qs = np.asarray(queries[s:e], dtype=np.float64)
            if metric == "cosine":
                rows = _normalise(rows.reshape(-1, rows.shape[2]), np.float64).reshape(rows.shape)
                qs = _normalise(qs, np.float64)
            d = _exact_distances(qs, rows, metric)
            if metric == "l2":
                np.maximum(d, 0.0, out=d)
            order = np.lexsort((c, d), axis=-1)[:, :k]        # by distance, then by index
            gt[s:e] = np.take_along_axis(c, order, axis=1)
            gt_dist[s:e] = np.take_along_axis(d, order, axis=1)
        if stop == q or (start // block) % 5 == 4:
            log(f"  ground truth {stop}/{q} queries ({time.perf_counter() - t0:.1f}s)")
    return gt, gt_dist


def verify_ground_truth(base, queries, metric, gt, gt_dist, sample: int = 16, seed: int = 0):
    """Spot-check `sample` random queries against a full float64 brute force.

    Raises AssertionError when the stored neighbours are not the exact top-k."""
    rng = np.random.default_rng(seed)
    k = gt.shape[1]
    picks = rng.choice(queries.shape[0], size=min(sample, queries.shape[0]), replace=False)
    base64 = _normalise(base, np.float64) if metric == "cosine" else np.asarray(base, np.float64)
    for i in picks:
        qv = np.asarray(queries[i], np.float64)
        if metric == "l2":
            diff = base64 - qv
            d = np.einsum("ij,ij->i", diff, diff)
        else:
            if metric == "cosine":
                qv = _normalise(qv[None, :], np.float64)[0]
            d = 1.0 - base64 @ qv
        order = np.lexsort((np.arange(d.size), d))[:k]
        # Same distances everywhere; same ids except where exact ties make the order free.
        assert np.allclose(d[order], gt_dist[i], rtol=1e-5, atol=1e-5), f"query {i}: distances differ"
        same = np.mean(order == gt[i])
        assert same >= 0.98, f"query {i}: only {same:.2f} of ids agree"
    log(f"  verified {len(picks)} random queries against a float64 brute force")


def write_dataset(folder: Path, name: str, metric: str, base: np.ndarray, queries: np.ndarray,
                  source: str, seed=None, extra_meta=None, verify: bool = True) -> dict:
    """Compute ground truth and write the whole dataset folder (meta.json last)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").unlink(missing_ok=True)  # folder is incomplete until the end
    base = np.ascontiguousarray(base, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    log(f"{name}: base {base.shape}, queries {queries.shape}, metric {metric}")
    save_npy(folder / "base.npy", base)
    save_npy(folder / "queries.npy", queries)
    t0 = time.perf_counter()
    gt, gt_dist = exact_ground_truth(base, queries, metric)
    log(f"{name}: ground truth took {time.perf_counter() - t0:.1f}s")
    if verify:
        verify_ground_truth(base, queries, metric, gt, gt_dist)
    save_npy(folder / "gt.npy", gt)
    save_npy(folder / "gt_distances.npy", gt_dist)
    meta = {"name": name, "metric": metric, "dimension": int(base.shape[1]),
            "base_count": int(base.shape[0]), "query_count": int(queries.shape[0]),
            "source": source}
    if seed is not None:
        meta["seed"] = seed
    meta.update(extra_meta or {})
    tmp = folder / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, folder / "meta.json")
    log(f"{name}: written to {folder}")
    return meta


def load_dataset(folder: Path, mmap: bool = False):
    """Return (meta, base, queries, gt, gt_distances) of a dataset folder."""
    mode = "r" if mmap else None
    meta = json.loads((folder / "meta.json").read_text())
    arrays = [np.load(folder / f, mmap_mode=mode) for f in DATA_FILES[:4]]
    return (meta, *arrays)
