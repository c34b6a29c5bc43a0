"""In-process HNSW index files (``docs/formats/hnsw.md``) through the C ABI:
the bulk API without a subprocess, for callers used to hnswlib or faiss.

    from sochdb.index import HnswIndex
    index = HnswIndex.build(vectors, "vectors.hnsw", m=16, ef_construction=100, metric="l2")
    labels, distances = index.search(queries, k=10, ef=64)   # two (n, k) numpy arrays
    index = HnswIndex.open("vectors.hnsw")                   # maps the file, no load

The build reads the numpy array in place (a C-contiguous float32 array is
not copied) and uses every core; ``search`` takes one vector or an N x D
array and searches the rows in parallel. Unused result slots hold label -1
and distance +inf.
"""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from ._ffi import byref, c_void_p, check, lib, take_text
from .errors import InvalidArgumentError

__all__ = ["HnswIndex"]


def _floats(array: np.ndarray):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


def _positive(name: str, value: Any, allow_zero: bool = False) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (0 if allow_zero else 1):
        raise InvalidArgumentError(f"{name} must be {'a non-negative' if allow_zero else 'a positive'} int, got {value!r}", 120)
    return int(value)


class HnswIndex:
    """An HNSW index file opened by mapping it. Thread-safe for searches."""

    def __init__(self, handle: c_void_p, path: str) -> None:
        self._handle: Optional[c_void_p] = handle
        self.path = path
        info = self.info()
        self.dimension: int = info["dimension"]
        self.metric: str = info["metric"]

    @classmethod
    def build(cls, vectors: Any, path: str, *, m: int = 16, ef_construction: int = 100, metric: str = "l2",
              threads: int = 0, ids: Optional[Sequence[int]] = None, ordering: str = "none",
              seed: int = 100) -> "HnswIndex":
        """Builds an index over the rows of ``vectors`` (N x D), saves it
        atomically to ``path`` and opens it. ``ids`` are int64 labels
        (default 0..N-1); the build statistics are in ``build_stats``."""
        array = np.asarray(vectors, dtype=np.float32)
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            raise InvalidArgumentError(f"vectors must be a non-empty N x D array, got shape {array.shape}", 120)
        array = np.ascontiguousarray(array)
        options: Dict[str, Any] = {"m": _positive("m", m), "ef_construction": _positive("ef_construction", ef_construction),
                                   "threads": _positive("threads", threads, allow_zero=True), "metric": metric,
                                   "ordering": ordering, "seed": int(seed)}
        if ids is not None:
            options["ids"] = [int(i) for i in ids]
        path = os.fspath(path)
        stats = c_void_p()
        check(lib().sochdb_index_build(_floats(array), array.shape[0], array.shape[1], path.encode("utf-8"),
                                       json.dumps(options).encode("utf-8"), byref(stats)))
        index = cls.open(path)
        index.build_stats = json.loads(take_text(stats))
        return index

    @classmethod
    def open(cls, path: str) -> "HnswIndex":
        """Opens an index file (NotFoundError if missing, DatabaseError if corrupt)."""
        path = os.fspath(path)
        handle = c_void_p()
        check(lib().sochdb_index_open(path.encode("utf-8"), byref(handle)))
        return cls(handle, path)

    def search(self, queries: Any, k: int = 10, ef: Optional[int] = None, threads: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        """``(labels, distances)``: two (n, k) arrays (int64, float32), nearest
        first; one vector gives (k,) arrays. ``ef`` defaults to max(64, k)."""
        single = np.ndim(queries) == 1
        array = np.ascontiguousarray(np.asarray(queries, dtype=np.float32).reshape(1, -1) if single
                                     else np.asarray(queries, dtype=np.float32))
        if array.ndim != 2 or array.shape[0] == 0:
            raise InvalidArgumentError(f"queries must be one vector or an N x D array, got shape {array.shape}", 120)
        k = _positive("k", k)
        ef = 0 if ef is None else _positive("ef", ef)
        n = array.shape[0]
        labels = np.empty((n, k), dtype=np.int64)
        distances = np.empty((n, k), dtype=np.float32)
        check(lib().sochdb_index_search(self._live(), _floats(array), n, array.shape[1], k, ef,
                                        _positive("threads", threads, allow_zero=True),
                                        labels.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), _floats(distances)))
        return (labels[0], distances[0]) if single else (labels, distances)

    def info(self) -> Dict[str, Any]:
        """dimension, count, m, ef_construction, metric, entry_point, max_level, file_size_bytes, ..."""
        text = c_void_p()
        check(lib().sochdb_index_info(self._live(), byref(text)))
        return json.loads(take_text(text))

    def __len__(self) -> int:
        return int(self.info()["count"])

    def _live(self) -> c_void_p:
        if self._handle is None:
            raise InvalidArgumentError("the index is closed", 120)
        return self._handle

    def close(self) -> None:
        """Unmaps the file (idempotent). Do not close while another thread searches."""
        handle, self._handle = self._handle, None
        if handle is not None:
            lib().sochdb_index_close(handle)

    def __enter__(self) -> "HnswIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<sochdb.HnswIndex {self.path!r} dimension={self.dimension} metric={self.metric}>"
