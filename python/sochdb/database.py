"""The embedded database: ``Database``, ``Transaction`` and SQL results.

``Database.open(path)`` opens (or creates) a database directory in this
process through libsochdb's C ABI; nothing crosses a process boundary. Keys
and values are bytes; paths are ``/``-separated strings. Every method is
thread-safe on a ``Database``; a ``Transaction`` is meant for one thread at
a time (concurrent calls on one are serialised, not parallel).

Errors are the classes of :mod:`sochdb.errors`, each with the stable
``code`` of ``docs/errors.md``; passing the wrong Python type (``str`` for a
key) raises ``TypeError`` before anything is sent.
"""

from __future__ import annotations

import json
import struct
from itertools import accumulate, islice
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from ._ffi import byref, c_int32, c_size_t, c_uint64, c_void_p, check, lib, take_bytes, take_text
from .errors import DatabaseError, TransactionError

BytesLike = Union[bytes, bytearray, memoryview]

__all__ = ["Database", "Transaction", "SQLQueryResult", "Row"]

def _key(value: Any, what: str = "key") -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes, not {type(value).__name__}")


def _path(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"path must be str, not {type(value).__name__}")
    return value.encode("utf-8")


def _sql(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"query must be str, not {type(value).__name__}")
    return value.encode("utf-8")


def _param(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # numpy scalars: int64, float32, bool_
        return _param(value.item())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$blob": bytes(value).hex()}
    raise TypeError(f"SQL parameter of type {type(value).__name__} is not supported "
                    "(None, bool, int, float, str, bytes)")


def _params_json(params: Optional[Sequence[Any]]) -> Optional[bytes]:
    if params is None:
        return None
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise TypeError("params must be a sequence of values")
    return json.dumps([_param(p) for p in params]).encode("utf-8")


def _sql_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1 and "$blob" in value:
        return bytes.fromhex(value["$blob"])
    return value


def _unpack(buffer: bytes, count: int) -> List[Tuple[bytes, bytes]]:
    """The pairs of one packed scan batch (include/sochdb.h: ``count`` pairs
    of u32 LE lengths, then the keys and values back to back). Every step is
    a C-level builtin (unpack, accumulate, map, zip): no bytecode per pair."""
    lengths = struct.unpack_from(f"<{2 * count}I", buffer)
    offsets = list(accumulate(lengths, initial=8 * count))
    pieces = iter(map(buffer.__getitem__, map(slice, offsets, islice(offsets, 1, None))))
    return list(zip(pieces, pieces))


class Row(Mapping):
    """One SQL result row: a read-only mapping from column name to value
    (``dict(row)``, ``row["name"]``), also indexable by position (``row[0]``)."""

    __slots__ = ("_columns", "_values", "_index")

    def __init__(self, columns: List[str], values: List[Any], index: Dict[str, int]) -> None:
        self._columns = columns
        self._values = values
        self._index = index

    def __getitem__(self, key: Union[str, int]) -> Any:
        if isinstance(key, int):
            return self._values[key]
        return self._values[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def values_list(self) -> List[Any]:
        """The values in column order."""
        return list(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"


class SQLQueryResult(Sequence):
    """The result of one SQL statement: a sequence of :class:`Row`, plus
    ``columns`` and ``rows_affected`` (rows inserted, updated or deleted)."""

    def __init__(self, columns: List[str], rows: List[List[Any]], rows_affected: int) -> None:
        self.columns = columns
        self.rows_affected = rows_affected
        index = {name: i for i, name in enumerate(columns)}  # a later duplicate wins
        self._rows = [Row(columns, [_sql_value(v) for v in r], index) for r in rows]

    @classmethod
    def _from_json(cls, text: str) -> "SQLQueryResult":
        doc = json.loads(text)
        return cls(doc["columns"], doc["rows"], doc["rows_affected"])

    def __getitem__(self, i):  # type: ignore[override]
        return self._rows[i]

    def __len__(self) -> int:
        return len(self._rows)

    def to_dicts(self) -> List[Dict[str, Any]]:
        """Every row as a dict."""
        return [dict(r) for r in self._rows]

    def __repr__(self) -> str:
        return f"SQLQueryResult(columns={self.columns!r}, rows={len(self._rows)}, rows_affected={self.rows_affected})"


class _Scan:
    """Iterates a library scan handle batch by batch; frees it at the end."""

    def __init__(self, handle: c_void_p, batch_size: int) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= 1_000_000:
            lib().sochdb_scan_close(handle)
            raise ValueError(f"batch_size must be an int in 1..1000000, got {batch_size!r}")
        self._handle: Optional[c_void_p] = handle
        self._batch_size = batch_size

    def __iter__(self) -> Iterator[Tuple[bytes, bytes]]:
        try:
            while self._handle is not None:
                buffer, length, count = c_void_p(), c_size_t(), c_size_t()
                check(lib().sochdb_scan_next(self._handle, self._batch_size, byref(buffer), byref(length),
                                             byref(count)))
                if count.value == 0:
                    break
                yield from _unpack(take_bytes(buffer, length.value), count.value)
        finally:
            self.close()

    def close(self) -> None:
        if self._handle is not None:
            lib().sochdb_scan_close(self._handle)
            self._handle = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


def _bounds(start: Optional[BytesLike], end: Optional[BytesLike]) -> Tuple[Optional[bytes], int, Optional[bytes], int]:
    s = None if start is None else _key(start, "start")
    e = None if end is None else _key(end, "end")
    return s, len(s or b""), e, len(e or b"")


def _prefix_end(prefix: bytes) -> Optional[bytes]:
    """The smallest key greater than every key starting with ``prefix`` (None: no bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


def _read(fn, *args) -> Optional[bytes]:
    value, length, found = c_void_p(), c_size_t(), c_int32()
    check(fn(*args, byref(value), byref(length), byref(found)))
    if not found.value:
        return None
    return take_bytes(value, length.value)


class Transaction:
    """A snapshot-isolated transaction (``db.transaction()``).

    Reads see the snapshot taken at begin plus this transaction's own
    writes. ``commit()`` returns the commit's LSN, or raises
    :class:`TransactionError` (code 600) if another commit wrote one of its
    keys first; after commit or abort every call raises ``TransactionError``
    (code 601). As a context manager it commits on success and aborts on an
    exception. A transaction that is garbage-collected while open aborts.
    """

    def __init__(self, db: "Database") -> None:
        handle = c_void_p()
        check(lib().sochdb_txn_begin(db._live(), byref(handle)))
        self._db = db  # keeps the database handle alive
        self._handle: Optional[c_void_p] = handle
        self._id = int(lib().sochdb_txn_id(handle))
        self._finished = False

    @property
    def id(self) -> int:
        """The transaction's id."""
        return self._id

    @classmethod
    def _adopt(cls, db: "Database", handle: c_void_p) -> "Transaction":
        """A Transaction over a handle the library made (a trigger's view of
        its statement's transaction, ``sochdb_trigger_call_txn``)."""
        txn = cls.__new__(cls)
        txn._db = db
        txn._handle = handle
        txn._id = int(lib().sochdb_txn_id(handle))
        txn._finished = False
        return txn

    def _live(self) -> c_void_p:
        if self._finished or self._handle is None:
            raise TransactionError(f"transaction {self._id} is already finished", 601)
        return self._handle

    def put(self, key: bytes, value: bytes) -> None:
        """Stages ``value`` at ``key``."""
        k, v = _key(key), _key(value, "value")
        check(lib().sochdb_txn_put(self._live(), k, len(k), v, len(v)))

    def get(self, key: bytes) -> Optional[bytes]:
        """The value at ``key`` in this transaction's view, or None."""
        k = _key(key)
        return _read(lib().sochdb_txn_get, self._live(), k, len(k))

    def delete(self, key: bytes) -> None:
        """Stages the deletion of ``key``."""
        k = _key(key)
        check(lib().sochdb_txn_delete(self._live(), k, len(k)))

    def put_path(self, path: str, value: bytes) -> None:
        """Stages ``value`` at a hierarchical path (``"users/alice/email"``)."""
        p, v = _path(path), _key(value, "value")
        check(lib().sochdb_txn_put_path(self._live(), p, v, len(v)))

    def get_path(self, path: str) -> Optional[bytes]:
        """The value at ``path`` in this transaction's view, or None."""
        return _read(lib().sochdb_txn_get_path, self._live(), _path(path))

    def delete_path(self, path: str) -> None:
        """Stages the deletion of ``path``."""
        check(lib().sochdb_txn_delete_path(self._live(), _path(path)))

    def scan_batched(self, start: Optional[bytes] = None, end: Optional[bytes] = None,
                     batch_size: int = 1000) -> Iterator[Tuple[bytes, bytes]]:
        """``(key, value)`` pairs in ``[start, end)`` in key order, fetched
        ``batch_size`` pairs per call into the library."""
        s, sl, e, el = _bounds(start, end)
        handle = c_void_p()
        check(lib().sochdb_txn_scan_open(self._live(), s, sl, e, el, byref(handle)))
        return iter(_Scan(handle, batch_size))

    def scan(self, start: Optional[bytes] = None, end: Optional[bytes] = None) -> Iterator[Tuple[bytes, bytes]]:
        """``(key, value)`` pairs in ``[start, end)`` (None: unbounded), with
        this transaction's own writes applied, taken when the scan starts.
        Fetched in batches of 1000 pairs per library call (the seed's
        upstream crossed once per pair; ``scan_batched`` picks the size)."""
        return self.scan_batched(start, end, batch_size=1000)

    def scan_prefix(self, prefix: bytes) -> Iterator[Tuple[bytes, bytes]]:
        """Pairs whose key starts with ``prefix``."""
        p = _key(prefix, "prefix")
        return self.scan_batched(p, _prefix_end(p))

    def execute(self, sql: str, params: Optional[Sequence[Any]] = None) -> SQLQueryResult:
        """Runs one SQL statement inside this transaction (its writes commit
        or abort with the transaction's key-value writes)."""
        text, length = c_void_p(), c_size_t()
        check(lib().sochdb_txn_execute(self._live(), _sql(sql), _params_json(params), 0, byref(text), byref(length)))
        return SQLQueryResult._from_json(take_text(text))

    def commit(self) -> int:
        """Commits and returns the LSN; the transaction is finished either way."""
        handle = self._live()
        lsn = c_uint64()
        try:
            check(lib().sochdb_txn_commit(handle, byref(lsn)))
        finally:
            self._finish()
        return int(lsn.value)

    def abort(self) -> None:
        """Discards every staged write."""
        handle = self._live()
        try:
            check(lib().sochdb_txn_abort(handle))
        finally:
            self._finish()

    def _finish(self) -> None:
        self._finished = True
        handle, self._handle = self._handle, None
        if handle is not None:
            lib().sochdb_txn_free(handle)

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._finished:
            return
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def __del__(self) -> None:
        try:
            if self._handle is not None:
                lib().sochdb_txn_free(self._handle)  # aborts if open
                self._handle = None
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "finished" if self._finished else "open"
        return f"<sochdb.Transaction id={self._id} {state}>"


class Database:
    """An embedded SochDB database (a directory), opened in this process.

    Use ``Database.open(path)``, preferably as a context manager. A second
    open of the same directory (from this or another process) raises
    :class:`DatabaseError` with code 311: share a database between processes
    through ``sochdb-server`` and :class:`sochdb.IpcClient`.
    """

    def __init__(self, handle: c_void_p, path: str) -> None:
        self._handle: Optional[c_void_p] = handle
        self._closed = False
        self.path = path
        self._plugins = None

    @classmethod
    def open(cls, path: str, *, sync_mode: Optional[str] = None, memtable_size_bytes: Optional[int] = None,
             cache_size_bytes: Optional[int] = None, wal_recovery: Optional[str] = None) -> "Database":
        """Opens (creating if missing) the database in directory ``path``.

        ``sync_mode`` is ``"off"``, ``"normal"`` (default: fsync in the
        background, group commit) or ``"full"`` (fsync before every commit
        returns); ``wal_recovery`` ``"strict"`` (default) or ``"salvage"``.
        """
        import os

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be str or os.PathLike, not {type(path).__name__}")
        path = os.fspath(path)
        options = {k: v for k, v in {
            "sync_mode": sync_mode, "memtable_size_bytes": memtable_size_bytes,
            "cache_size_bytes": cache_size_bytes, "wal_recovery": wal_recovery,
        }.items() if v is not None}
        handle = c_void_p()
        check(lib().sochdb_open(path.encode("utf-8"), json.dumps(options).encode() if options else None,
                                byref(handle)))
        return cls(handle, path)

    def _live(self) -> c_void_p:
        if self._closed or self._handle is None:
            raise DatabaseError(f"database {self.path} is closed", 510)
        return self._handle

    def close(self) -> None:
        """Flushes and closes the database (idempotent). Open transactions
        fail afterwards; the directory is released for another open."""
        if self._closed:
            return
        self._closed = True
        if self._handle is not None:
            check(lib().sochdb_db_close(self._handle))

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            handle, self._handle = self._handle, None
            if handle is not None:
                lib().sochdb_db_free(handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<sochdb.Database {self.path!r}{' closed' if self._closed else ''}>"

    # -- keys ---------------------------------------------------------------

    def put(self, key: bytes, value: bytes) -> int:
        """Stores ``value`` at ``key`` (an auto-committed write); returns the LSN."""
        k, v = _key(key), _key(value, "value")
        lsn = c_uint64()
        check(lib().sochdb_put(self._live(), k, len(k), v, len(v), byref(lsn)))
        return int(lsn.value)

    def get(self, key: bytes) -> Optional[bytes]:
        """The value at ``key``, or None."""
        k = _key(key)
        return _read(lib().sochdb_get, self._live(), k, len(k))

    def delete(self, key: bytes) -> int:
        """Deletes ``key`` (a missing key is not an error); returns the LSN."""
        k = _key(key)
        lsn = c_uint64()
        check(lib().sochdb_delete(self._live(), k, len(k), byref(lsn)))
        return int(lsn.value)

    def put_path(self, path: str, value: bytes) -> int:
        """Stores ``value`` at a hierarchical path (``"users/alice/email"``)."""
        v = _key(value, "value")
        lsn = c_uint64()
        check(lib().sochdb_put_path(self._live(), _path(path), v, len(v), byref(lsn)))
        return int(lsn.value)

    def get_path(self, path: str) -> Optional[bytes]:
        """The value at ``path``, or None."""
        return _read(lib().sochdb_get_path, self._live(), _path(path))

    def delete_path(self, path: str) -> int:
        """Deletes the value at ``path``."""
        lsn = c_uint64()
        check(lib().sochdb_delete_path(self._live(), _path(path), byref(lsn)))
        return int(lsn.value)

    # -- scans --------------------------------------------------------------

    def scan_batched(self, start: Optional[bytes] = None, end: Optional[bytes] = None,
                     batch_size: int = 1000) -> Iterator[Tuple[bytes, bytes]]:
        """``(key, value)`` pairs in ``[start, end)`` at a snapshot taken now,
        in key order, ``batch_size`` pairs per call into the library."""
        s, sl, e, el = _bounds(start, end)
        handle = c_void_p()
        check(lib().sochdb_scan_open(self._live(), s, sl, e, el, byref(handle)))
        return iter(_Scan(handle, batch_size))

    def scan(self, start: Optional[bytes] = None, end: Optional[bytes] = None) -> Iterator[Tuple[bytes, bytes]]:
        """``(key, value)`` pairs in ``[start, end)`` (None: unbounded) at a
        snapshot taken now, in key order, fetched in batches of 1000."""
        return self.scan_batched(start, end, batch_size=1000)

    def scan_prefix(self, prefix: bytes) -> Iterator[Tuple[bytes, bytes]]:
        """Pairs whose key starts with ``prefix``."""
        p = _key(prefix, "prefix")
        return self.scan_batched(p, _prefix_end(p))

    # -- transactions, SQL, maintenance --------------------------------------

    def transaction(self) -> Transaction:
        """Begins a transaction (a context manager: commits on success, aborts on an exception)."""
        return Transaction(self)

    def execute_sql(self, query: str, params: Optional[Sequence[Any]] = None) -> SQLQueryResult:
        """Runs one SQL statement (docs/sql.md) as its own transaction;
        ``params`` fill its ``?`` placeholders."""
        text, length = c_void_p(), c_size_t()
        check(lib().sochdb_execute(self._live(), _sql(query), _params_json(params), 0, byref(text), byref(length)))
        return SQLQueryResult._from_json(take_text(text))

    def execute(self, query: str, params: Optional[Sequence[Any]] = None) -> SQLQueryResult:
        """Alias of :meth:`execute_sql`."""
        return self.execute_sql(query, params)

    def execute_toon(self, query: str, params: Optional[Sequence[Any]] = None) -> str:
        """Runs one SQL statement and returns its rows as a TOON table (``result[N]{...}:...``)."""
        text, length = c_void_p(), c_size_t()
        check(lib().sochdb_execute(self._live(), _sql(query), _params_json(params), 1, byref(text), byref(length)))
        return take_text(text)

    # -- triggers -----------------------------------------------------------

    @property
    def plugins(self):
        """This database's :class:`~sochdb.plugins.PluginRegistry`: the
        engine fires its plugins' triggers on SQL INSERT, UPDATE and DELETE
        (see :mod:`sochdb.plugins` and docs/triggers.md). Plugins live as
        long as this open database; they are not stored in it."""
        if self._plugins is None:
            from ._triggers import DatabasePlugins

            self._plugins = DatabasePlugins(self)
        return self._plugins

    def register_plugin(self, plugin) -> None:
        """``db.plugins.register(plugin)``: check, load and bind ``plugin``
        so that the engine fires its triggers."""
        self.plugins.register(plugin)

    def unregister_plugin(self, name: str) -> None:
        """``db.plugins.unregister(name)``: statements from now on no longer fire it."""
        self.plugins.unregister(name)

    def triggers(self) -> List[Dict[str, Any]]:
        """Every trigger the engine fires, in order: ``{"name", "table",
        "events"}`` (a plugin bound to a table is ``plugin:<name>:<table>``)."""
        out = c_void_p()
        length = c_size_t()
        check(lib().sochdb_trigger_list(self._live(), byref(out), byref(length)))
        return json.loads(take_text(out))

    def _trigger_transaction(self, call: int) -> Transaction:
        handle = c_void_p()
        check(lib().sochdb_trigger_call_txn(call, byref(handle)))
        return Transaction._adopt(self, handle)

    def checkpoint(self) -> int:
        """Flushes everything to disk and returns the checkpoint's LSN."""
        lsn = c_uint64()
        check(lib().sochdb_checkpoint(self._live(), byref(lsn)))
        return int(lsn.value)

    def stats(self) -> Dict[str, Any]:
        """Runtime statistics: keys_count, bytes_written, bytes_read,
        transactions_committed, transactions_aborted, queries_executed,
        cache_hits, cache_misses, last_checkpoint_lsn, ..."""
        text = c_void_p()
        check(lib().sochdb_stats_json(self._live(), byref(text)))
        return json.loads(take_text(text))

    # -- collections ----------------------------------------------------------

    def create_collection(self, name: str, dimension: int, metric: str = "l2", *, m: int = 16,
                          ef_construction: int = 100):
        """Creates a vector collection (``metric``: ``"l2"``, ``"cosine"``
        or ``"ip"``); raises AlreadyExistsError if the name is taken."""
        from .collection import Collection

        return Collection._create(self, name, dimension, metric, m, ef_construction)

    def collection(self, name: str):
        """The existing collection ``name`` (NotFoundError if there is none)."""
        from .collection import Collection

        return Collection._open(self, name)

    get_collection = collection

    def list_collections(self) -> List[str]:
        """The collections' names."""
        text = c_void_p()
        check(lib().sochdb_collection_list(self._live(), byref(text)))
        return json.loads(take_text(text))

    def drop_collection(self, name: str) -> None:
        """Deletes a collection and everything in it."""
        if not isinstance(name, str):
            raise TypeError(f"name must be str, not {type(name).__name__}")
        check(lib().sochdb_collection_drop(self._live(), name.encode("utf-8")))

    # -- TOON -----------------------------------------------------------------

    @staticmethod
    def to_toon(table: str, records: Sequence[Mapping[str, Any]], fields: Optional[Sequence[str]] = None) -> str:
        """Records as one TOON table: ``users[2]{name,email}:Alice,a@x;Bob,b@x``.

        ``fields`` selects and orders the columns; by default every key, in
        the order keys first appear in the records."""
        from .toon import to_toon

        return to_toon(table, records, fields)

    @staticmethod
    def from_toon(toon_str: str) -> Tuple[str, List[str], List[Dict[str, Any]]]:
        """``(table, fields, records)`` of a TOON table."""
        from .toon import from_toon

        return from_toon(toon_str)
