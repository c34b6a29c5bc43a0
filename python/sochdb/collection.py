"""Vector collections: named sets of vectors with metadata, searched by an
HNSW graph inside the database (``db.create_collection``).

Whole batches cross into the library in one call: ``upsert`` takes an
N x D numpy array (read in place when it is C-contiguous float32) and
``search`` takes one query or an N x D array, searched in parallel on every
core, and returns numpy distances. Filters are dicts in the syntax of
``docs/filters.md`` (``{"label": "Sandal"}``, ``{"year": {"$gte": 2020}}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from ._ffi import byref, c_int32, c_uint64, c_void_p, check, lib, take_text
from .errors import InvalidArgumentError

__all__ = ["Collection", "SearchResult", "Record"]

import ctypes


@dataclass
class SearchResult:
    """The hits of one query, nearest first."""

    ids: List[str]
    distances: np.ndarray
    metadatas: List[Dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self):
        """``(id, distance, metadata)`` triples."""
        metas = self.metadatas or [{}] * len(self.ids)
        return iter(zip(self.ids, (float(d) for d in self.distances), metas))


@dataclass
class Record:
    """One stored record."""

    id: str
    vector: np.ndarray
    metadata: Dict[str, Any]


def _matrix(vectors: Any, dimension: int, what: str) -> np.ndarray:
    """A C-contiguous float32 (n, dimension) array: the caller's own when it already is one."""
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(f"{what} must be numbers: {e}", 120) from None
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2:
        raise InvalidArgumentError(f"{what} must be one vector or an N x D array, got shape {array.shape}", 120)
    if array.shape[1] != dimension:
        raise InvalidArgumentError(f"{what} have dimension {array.shape[1]}, the collection {dimension}", 101)
    return np.ascontiguousarray(array)


def _floats(array: np.ndarray):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


class Collection:
    """A vector collection of a :class:`sochdb.Database`. Thread-safe."""

    def __init__(self, db, handle: c_void_p, name: str) -> None:
        self._db = db  # keeps the database handle alive
        self._handle = handle
        self.name = name
        info = self.info()
        self.dimension: int = info["dimension"]
        self.metric: str = info["metric"]

    @classmethod
    def _create(cls, db, name: str, dimension: int, metric: str, m: int, ef_construction: int) -> "Collection":
        if not isinstance(name, str):
            raise TypeError(f"name must be str, not {type(name).__name__}")
        for label, value in (("dimension", dimension), ("m", m), ("ef_construction", ef_construction)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidArgumentError(f"{label} must be a positive int, got {value!r}", 120)
        if not isinstance(metric, str):
            raise TypeError(f"metric must be str, not {type(metric).__name__}")
        handle = c_void_p()
        check(lib().sochdb_collection_create(db._live(), name.encode("utf-8"), dimension, metric.encode("utf-8"),
                                             m, ef_construction, byref(handle)))
        return cls(db, handle, name)

    @classmethod
    def _open(cls, db, name: str) -> "Collection":
        if not isinstance(name, str):
            raise TypeError(f"name must be str, not {type(name).__name__}")
        handle = c_void_p()
        check(lib().sochdb_collection_open(db._live(), name.encode("utf-8"), byref(handle)))
        return cls(db, handle, name)

    def _live(self) -> c_void_p:
        self._db._live()  # a closed database fails with 510 before the call
        return self._handle

    def upsert(self, ids: Union[str, Sequence[Any]], vectors: Any,
               metadatas: Optional[Union[Mapping[str, Any], Sequence[Optional[Mapping[str, Any]]]]] = None) -> int:
        """Inserts or replaces records in one transaction; returns the LSN.

        ``ids`` are strings (ints are turned into their decimal text), one
        per row of ``vectors`` (an N x D array, or one vector with one id);
        ``metadatas`` one dict per id (or None). Every record is checked
        before any is written: a bad one stores nothing."""
        if isinstance(ids, (str, int)):
            ids = [ids]
            if metadatas is not None and isinstance(metadatas, Mapping):
                metadatas = [metadatas]
        ids = [_id_text(i) for i in ids]
        matrix = _matrix(vectors, self.dimension, "vectors")
        if matrix.shape[0] != len(ids):
            raise InvalidArgumentError(f"{len(ids)} ids for {matrix.shape[0]} vectors", 120)
        meta_json = None
        if metadatas is not None:
            if isinstance(metadatas, Mapping) or len(metadatas) != len(ids):
                raise InvalidArgumentError("metadatas must be a list with one dict (or None) per id", 120)
            try:
                meta_json = json.dumps(list(metadatas), allow_nan=False).encode("utf-8")
            except (TypeError, ValueError) as e:
                raise InvalidArgumentError(f"metadata is not JSON-serialisable: {e}", 120) from None
        encoded = [i.encode("utf-8") for i in ids]
        offsets = (c_uint64 * (len(ids) + 1))(0, *accumulate(len(e) for e in encoded))
        lsn = c_uint64()
        check(lib().sochdb_collection_upsert(self._live(), len(ids), b"".join(encoded), offsets, _floats(matrix),
                                             self.dimension, meta_json, byref(lsn)))
        return int(lsn.value)

    def search(self, queries: Any, k: int = 10, ef: Optional[int] = None, filter: Optional[Mapping[str, Any]] = None,
               include_metadata: bool = True) -> Union[SearchResult, List[SearchResult]]:
        """The ``k`` nearest records to each query that pass ``filter``.

        One vector gives one :class:`SearchResult`; an N x D array gives a
        list of N, searched in parallel. ``ef`` (default max(64, k)) trades
        speed for recall."""
        single = np.ndim(queries) == 1
        matrix = _matrix(queries, self.dimension, "queries")
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise InvalidArgumentError(f"k must be a positive int, got {k!r}", 120)
        if ef is not None and (not isinstance(ef, int) or isinstance(ef, bool) or ef < 1):
            raise InvalidArgumentError(f"ef must be a positive int, got {ef!r}", 120)
        filter_json = None
        if filter is not None:
            if not isinstance(filter, Mapping):
                raise TypeError("filter must be a dict")
            filter_json = json.dumps(filter).encode("utf-8")
        n = matrix.shape[0]
        distances = np.empty((n, k), dtype=np.float32)
        counts = np.empty(n, dtype=np.uint32)
        text = c_void_p()
        check(lib().sochdb_collection_search(self._live(), _floats(matrix), n, self.dimension, k, ef or 0,
                                             filter_json, 1 if include_metadata else 0, _floats(distances),
                                             counts.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)), byref(text)))
        doc = json.loads(take_text(text))
        metas = doc.get("metadata") or [[] for _ in range(n)]
        results = [SearchResult(doc["ids"][i], distances[i, :counts[i]], metas[i]) for i in range(n)]
        return results[0] if single else results

    def get(self, id: str) -> Optional[Record]:
        """The record ``id``, or None."""
        key = _id_bytes(id)
        vector = np.empty(self.dimension, dtype=np.float32)
        meta, found = c_void_p(), c_int32()
        check(lib().sochdb_collection_get(self._live(), key, len(key), _floats(vector), self.dimension,
                                          byref(meta), byref(found)))
        if not found.value:
            return None
        return Record(id, vector, json.loads(take_text(meta)))

    def delete(self, id: str) -> bool:
        """Deletes the record ``id``; True if it existed."""
        key = _id_bytes(id)
        deleted = c_int32()
        check(lib().sochdb_collection_delete(self._live(), key, len(key), byref(deleted)))
        return bool(deleted.value)

    def count(self) -> int:
        """Number of live records."""
        out = c_uint64()
        check(lib().sochdb_collection_count(self._live(), byref(out)))
        return int(out.value)

    def __len__(self) -> int:
        return self.count()

    def info(self) -> Dict[str, Any]:
        """name, dimension, metric, m, ef_construction, count, graph_nodes, tombstones, rebuilds."""
        text = c_void_p()
        check(lib().sochdb_collection_info(self._live(), byref(text)))
        return json.loads(take_text(text))

    def __del__(self) -> None:
        try:
            handle, self._handle = self._handle, None
            if handle is not None:
                lib().sochdb_collection_release(handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<sochdb.Collection {self.name!r} dimension={self.dimension} metric={self.metric}>"


def _id_text(value: Any) -> str:
    """An id as text: a str as is, an int as its decimal digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"ids must be str (or int), not {type(value).__name__}")


def _id_bytes(value: Any) -> bytes:
    return _id_text(value).encode("utf-8")
