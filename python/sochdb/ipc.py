"""The IPC client: talk to a ``sochdb-server`` over its Unix domain socket.

``sochdb-server`` serves one database directory to other processes; this
module is its client, written in pure Python (no native library needed).
It speaks the binary protocol of ``docs/protocol/ipc.md`` (version 1)::

    from sochdb.ipc import IpcClient

    with IpcClient.connect("./my_database/sochdb.sock", timeout=30.0) as client:
        client.put(b"key", b"value")
        value = client.get(b"key")                 # b"value", or None
        client.put_path(["users", "alice", "email"], b"alice@example.com")
        rows = client.scan("users/")               # [{"key": ..., "value": ...}]
        toon = client.query("users/").limit(10).select(["name"]).execute()
        latency = client.ping()                    # seconds

Errors are the classes of :mod:`sochdb.errors`. The server's ERROR replies
become the class :func:`sochdb.errors.error_for_code` gives for their code
(the code is the exception's ``code``); a lost or unreachable server is
:class:`~sochdb.errors.ConnectionError` (code 700); a malformed reply is
:class:`~sochdb.errors.ProtocolError` (701); an argument of the wrong type
(``str`` where ``bytes`` is expected) is :class:`TypeError`, raised before
anything is sent.

Thread-safety: one :class:`IpcClient` may be shared by threads. A lock
serialises its requests (one request, one pipelined batch or one scan
stream on the wire at a time), so for parallelism open one client per
thread. A transaction belongs to the *connection*: while one is open, the
requests of every thread sharing the client run inside it. Do not share a
client across ``fork()``; connect in the child.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import struct
import threading
import time
from contextlib import contextmanager
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from .errors import (
    ConnectionError,
    InvalidArgumentError,
    ProtocolError,
    SochDBError,
    error_for_code,
)

__all__ = [
    "IpcClient",
    "Query",
    "ScanIterator",
    "SQLResult",
    "IpcCollection",
    "DEFAULT_MAX_REPLY_BYTES",
    "PROTOCOL_VERSION",
]

#: The protocol version of ``docs/protocol/ipc.md`` this module speaks.
PROTOCOL_VERSION = 1

#: The largest reply frame accepted by default (the Swift client's
#: ``maxReplyBytes``). The server caps *request* frames at 16 MiB by
#: default; its replies have no cap, so a larger GET value or QUERY result
#: needs ``IpcClient.connect(..., max_reply_bytes=...)``.
DEFAULT_MAX_REPLY_BYTES = 64 << 20

# Request opcodes (docs/protocol/ipc.md, "Requests").
_PUT = 0x01
_GET = 0x02
_DELETE = 0x03
_BEGIN_TXN = 0x04
_COMMIT_TXN = 0x05
_ABORT_TXN = 0x06
_QUERY = 0x07
_CREATE_TABLE = 0x08
_PUT_PATH = 0x09
_GET_PATH = 0x0A
_SCAN = 0x0B
_CHECKPOINT = 0x0C
_STATS = 0x0D
_PING = 0x0E
_EXECUTE_SQL = 0x0F
_DELETE_PATH = 0x10
_COLLECTION_CREATE = 0x20
_COLLECTION_UPSERT = 0x21
_COLLECTION_GET = 0x22
_COLLECTION_DELETE = 0x23
_COLLECTION_SEARCH = 0x24
_COLLECTION_INFO = 0x25
_COLLECTION_LIST = 0x26
_COLLECTION_DROP = 0x27

# Response opcodes (docs/protocol/ipc.md, "Responses").
_OK = 0x80
_ERROR = 0x81
_VALUE = 0x82
_TXN_ID = 0x83
_SCAN_BATCH = 0x84
_END_STREAM = 0x85
_STATS_RESP = 0x86
_PONG = 0x87
_NOT_FOUND = 0x88
_SEARCH_RESULTS = 0x89

_REQUEST_NAMES = {
    _PUT: "PUT", _GET: "GET", _DELETE: "DELETE", _BEGIN_TXN: "BEGIN_TXN",
    _COMMIT_TXN: "COMMIT_TXN", _ABORT_TXN: "ABORT_TXN", _QUERY: "QUERY",
    _CREATE_TABLE: "CREATE_TABLE", _PUT_PATH: "PUT_PATH", _GET_PATH: "GET_PATH",
    _SCAN: "SCAN", _CHECKPOINT: "CHECKPOINT", _STATS: "STATS", _PING: "PING",
    _EXECUTE_SQL: "EXECUTE_SQL", _DELETE_PATH: "DELETE_PATH",
    _COLLECTION_CREATE: "COLLECTION_CREATE", _COLLECTION_UPSERT: "COLLECTION_UPSERT",
    _COLLECTION_GET: "COLLECTION_GET", _COLLECTION_DELETE: "COLLECTION_DELETE",
    _COLLECTION_SEARCH: "COLLECTION_SEARCH", _COLLECTION_INFO: "COLLECTION_INFO",
    _COLLECTION_LIST: "COLLECTION_LIST", _COLLECTION_DROP: "COLLECTION_DROP",
}
_RESPONSE_NAMES = {
    _OK: "OK", _ERROR: "ERROR", _VALUE: "VALUE", _TXN_ID: "TXN_ID",
    _SCAN_BATCH: "SCAN_BATCH", _END_STREAM: "END_STREAM", _STATS_RESP: "STATS_RESP",
    _PONG: "PONG", _NOT_FOUND: "NOT_FOUND", _SEARCH_RESULTS: "SEARCH_RESULTS",
}

_HEADER = struct.Struct("<BI")
_HEADER_SIZE = 5
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_I32 = struct.Struct("<i")
_F32 = struct.Struct("<f")
_ERROR_CODE = _I32

_MAX_U16 = 0xFFFF
_MAX_U32 = 0xFFFFFFFF
_MAX_U64 = 0xFFFFFFFFFFFFFFFF

# Frames this many pipelined requests at a time (the server commits a run
# of up to 256 consecutive PUT/DELETE frames as one batch) ...
_PIPELINE_FRAMES = 256
# ... or this many request bytes, whichever comes first.
_PIPELINE_BYTES = 1 << 20

# get_many() plans each pipelined group to get about this many reply bytes.
_GET_MANY_REPLY_BUDGET = 8 << 20

# Reads of at least this size go straight into the result buffer.
_DIRECT_READ = 256 << 10
_RECV_CHUNK = 64 << 10

_SEND_FLAGS = getattr(socket, "MSG_NOSIGNAL", 0)

BytesLike = Union[bytes, bytearray, memoryview]
PathArg = Union[str, Sequence[str]]


# --------------------------------------------------------------------------
# Argument checks and field encoders (docs/protocol/ipc.md, "Field notation")
# --------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return type(value).__name__


def _as_bytes(name: str, value: Any) -> bytes:
    """``value`` as ``bytes``; ``str`` and every non-bytes-like type are a TypeError."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    hint = f" (encode it first, e.g. {name}.encode())" if isinstance(value, str) else ""
    raise TypeError(f"{name} must be bytes, not {_type_name(value)}{hint}")


def _as_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {_type_name(value)}")
    return value


def _utf8(name: str, value: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError(f"{name} is not encodable as UTF-8: {e}", 120) from None


def _as_uint(name: str, value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, not {_type_name(value)}")
    if value < 0 or value > maximum:
        raise InvalidArgumentError(f"{name} must be in 0...{maximum}, not {value}", 120)
    return value


def _blob(b: bytes, name: str) -> bytes:
    if len(b) > _MAX_U32:
        raise InvalidArgumentError(f"{name} is {len(b)} bytes; a blob holds at most {_MAX_U32}", 110)
    return _U32.pack(len(b)) + b


def _short(name: str, value: Any) -> bytes:
    raw = _utf8(name, _as_str(name, value))
    if len(raw) > _MAX_U16:
        raise InvalidArgumentError(f"{name} is {len(raw)} bytes of UTF-8; at most {_MAX_U16} fit its u16 length", 120)
    return _U16.pack(len(raw)) + raw


def _text(name: str, value: str) -> bytes:
    return _blob(_utf8(name, value), name)


def _segments(path: Any) -> bytes:
    """A path's ``segments`` field: a list of segments, or a ``/``-separated str."""
    if isinstance(path, str):
        parts: List[str] = path.split("/")
    elif isinstance(path, (list, tuple)):
        parts = list(path)
    elif isinstance(path, (bytes, bytearray, memoryview)):
        raise TypeError("path must be a list of str segments (or a '/'-separated str), not bytes")
    else:
        raise TypeError(f"path must be a list of str segments, not {_type_name(path)}")
    if len(parts) > _MAX_U16:
        raise InvalidArgumentError(f"a path has at most {_MAX_U16} segments, not {len(parts)}", 120)
    out = [_U16.pack(len(parts))]
    for i, seg in enumerate(parts):
        if not isinstance(seg, str):
            raise TypeError(f"path segment {i} must be str, not {_type_name(seg)}")
        out.append(_short("path segment", seg))
    return b"".join(out)


def _vector(name: str, vector: Any) -> Tuple[int, bytes]:
    """(dimension, the little-endian f32 bytes) of a vector: a sequence of
    numbers or a one-dimensional numpy array (numpy itself is not needed)."""
    if isinstance(vector, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be a sequence of floats, not {_type_name(vector)}")
    if hasattr(vector, "astype") and hasattr(vector, "ndim"):   # a numpy array
        if vector.ndim != 1:
            raise InvalidArgumentError(f"{name} must be one-dimensional, not {vector.ndim}-dimensional", 100)
        arr = vector.astype("<f4", copy=False)
        return int(arr.shape[0]), arr.tobytes()
    try:
        values = list(vector)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of floats, not {_type_name(vector)}") from None
    try:
        return len(values), struct.pack(f"<{len(values)}f", *values)
    except OverflowError:
        raise InvalidArgumentError(f"{name} has a component outside the float32 range", 102) from None
    except struct.error:
        bad = next((v for v in values if isinstance(v, bool) or not isinstance(v, (int, float))), None)
        raise TypeError(f"{name} must hold numbers, not {_type_name(bad)}") from None


def _json_object(name: str, value: Any, allow_str: bool = False) -> str:
    """JSON text of a dict (``""`` for None), for metadata and filters."""
    if value is None:
        return ""
    if allow_str and isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict{' or JSON text' if allow_str else ''} or None, not {_type_name(value)}")
    try:
        return json.dumps(dict(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(f"{name} is not representable as JSON: {e}", 120) from None


def _sql_parameter(i: int, v: Any) -> Any:
    """One EXECUTE_SQL parameter as the JSON value the server binds."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        if not -(1 << 63) <= v < (1 << 63):
            raise InvalidArgumentError(f"SQL parameter {i}: {v} does not fit a 64-bit INTEGER", 120)
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InvalidArgumentError(f"SQL parameter {i}: {v} is not a finite REAL", 120)
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$blob": bytes(v).hex()}
    raise TypeError(f"SQL parameter {i} must be None, bool, int, float, str or bytes, not {_type_name(v)}")


def _frame(opcode: int, payload: bytes = b"") -> bytes:
    if len(payload) > _MAX_U32:
        raise InvalidArgumentError(f"request payload of {len(payload)} bytes does not fit a frame", 110)
    return _HEADER.pack(opcode, len(payload)) + payload


# --------------------------------------------------------------------------
# Reply decoding
# --------------------------------------------------------------------------


class _Reader:
    """Reads a reply payload's fields; every length is checked against the
    bytes left before anything is sliced or allocated."""

    __slots__ = ("_buf", "_pos", "_what")

    def __init__(self, payload: bytes, what: str) -> None:
        self._buf = memoryview(payload)
        self._pos = 0
        self._what = what

    @property
    def remaining(self) -> int:
        return len(self._buf) - self._pos

    def _bad(self, message: str) -> ProtocolError:
        return ProtocolError(f"malformed {self._what} reply: {message}", 701)

    def _take(self, n: int, field: str) -> memoryview:
        if n > self.remaining:
            raise self._bad(f"{field} needs {n} bytes, {self.remaining} left")
        start = self._pos
        self._pos += n
        return self._buf[start:self._pos]

    def u16(self, field: str) -> int:
        return _U16.unpack(self._take(2, field))[0]

    def u32(self, field: str) -> int:
        return _U32.unpack(self._take(4, field))[0]

    def u64(self, field: str) -> int:
        return _U64.unpack(self._take(8, field))[0]

    def i32(self, field: str) -> int:
        return _I32.unpack(self._take(4, field))[0]

    def f32(self, field: str) -> float:
        return _F32.unpack(self._take(4, field))[0]

    def blob(self, field: str) -> bytes:
        return bytes(self._take(self.u32(field + " length"), field))

    def _decode(self, raw: memoryview, field: str) -> str:
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError:
            raise self._bad(f"{field} is not UTF-8") from None

    def text(self, field: str) -> str:
        return self._decode(self._take(self.u32(field + " length"), field), field)

    def short(self, field: str) -> str:
        return self._decode(self._take(self.u16(field + " length"), field), field)

    def rest_text(self, field: str) -> str:
        return self._decode(self._take(self.remaining, field), field)

    def count(self, field: str, min_item_bytes: int) -> int:
        n = self.u32(field)
        if n > self.remaining // max(min_item_bytes, 1):
            raise self._bad(f"{field} {n} cannot fit in the {self.remaining} bytes left")
        return n

    def floats(self, n: int, field: str) -> List[float]:
        return list(struct.unpack(f"<{n}f", self._take(4 * n, field)))

    def finish(self) -> None:
        if self.remaining:
            raise self._bad(f"{self.remaining} trailing bytes")


def _server_error(payload: bytes) -> SochDBError:
    """The exception of an ERROR reply (``i32 code``, then the UTF-8 message)."""
    if len(payload) < 4:
        return ProtocolError(f"malformed ERROR reply: {len(payload)} bytes, the code needs 4", 701)
    code = _ERROR_CODE.unpack_from(payload)[0]
    message = bytes(payload[4:]).decode("utf-8", errors="replace")
    return error_for_code(code, message or f"server error {code}")


# --------------------------------------------------------------------------
# TOON decoding (docs/formats/toon.md), for Query.to_list() and SQL TOON
# --------------------------------------------------------------------------

_TOON_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_TOON_INT = re.compile(r"-?[0-9]+\Z")
_TOON_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
_TOON_MAX_DEPTH = 128
_TOON_TOP_STOP = frozenset(',;"\\')
_TOON_NESTED_STOP = frozenset(',;"\\]}:')
_TOON_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def _toon_control(c: str) -> bool:
    o = ord(c)
    return o <= 0x1F or 0x7F <= o <= 0x9F or o in (0x2028, 0x2029)


class _ToonParser:
    """A strict decoder of one TOON table (the grammar of docs/formats/toon.md)."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)

    def fail(self, message: str) -> ValueError:
        return ValueError(f"invalid TOON at offset {self.i}: {message}")

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def expect(self, c: str) -> None:
        if self.peek() != c:
            raise self.fail(f"expected {c!r}, found {self.peek()!r}" if self.i < self.n else f"expected {c!r}, found the end")
        self.i += 1

    def name(self) -> str:
        m = _TOON_NAME.match(self.s, self.i)
        if not m:
            raise self.fail("expected a name")
        self.i = m.end()
        return m.group(0)

    def table(self) -> Tuple[str, List[str], List[Dict[str, Any]]]:
        name = self.name()
        self.expect("[")
        start = self.i
        while self.i < self.n and self.s[self.i].isascii() and self.s[self.i].isdigit():
            self.i += 1
        if start == self.i:
            raise self.fail("expected the record count")
        count = int(self.s[start:self.i])
        self.expect("]")
        self.expect("{")
        fields: List[str] = []
        if self.peek() != "}":
            fields.append(self.name())
            while self.peek() == ",":
                self.i += 1
                fields.append(self.name())
        if len(set(fields)) != len(fields):
            raise self.fail("duplicate field names")
        self.expect("}")
        self.expect(":")
        records: List[Dict[str, Any]] = []
        for r in range(count):
            if r:
                self.expect(";")
            rec: Dict[str, Any] = {}
            for k, f in enumerate(fields):
                if k:
                    self.expect(",")
                rec[f] = self.value(False, 0)
            records.append(rec)
        if self.i != self.n:
            raise self.fail("trailing characters")
        return name, fields, records

    def value(self, nested: bool, depth: int) -> Any:
        c = self.peek()
        if c == '"':
            return self.quoted()
        if c == "[":
            return self.list(depth + 1)
        if c == "{":
            return self.object(depth + 1)
        return self.typed(self.bare(nested))

    def bare(self, nested: bool) -> str:
        stop = _TOON_NESTED_STOP if nested else _TOON_TOP_STOP
        start = self.i
        s, n = self.s, self.n
        while self.i < n and s[self.i] not in stop and not _toon_control(s[self.i]):
            self.i += 1
        if start == self.i:
            raise self.fail("expected a value" if self.i < n else "unexpected end")
        return s[start:self.i]

    def typed(self, tok: str) -> Any:
        if tok == "null":
            return None
        if tok == "true":
            return True
        if tok == "false":
            return False
        if _TOON_INT.match(tok):
            v = int(tok)
            if not -(1 << 63) <= v < (1 << 63):
                raise self.fail(f"integer {tok} out of range")
            return v
        if _TOON_FLOAT.match(tok):
            f = float(tok)
            if math.isinf(f):
                raise self.fail(f"number {tok} out of range")
            return f
        return tok

    def list(self, depth: int) -> List[Any]:
        if depth > _TOON_MAX_DEPTH:
            raise self.fail("nesting too deep")
        self.expect("[")
        items: List[Any] = []
        if self.peek() == "]":
            self.i += 1
            return items
        while True:
            items.append(self.value(True, depth))
            if self.peek() == ",":
                self.i += 1
            else:
                self.expect("]")
                return items

    def object(self, depth: int) -> Dict[str, Any]:
        if depth > _TOON_MAX_DEPTH:
            raise self.fail("nesting too deep")
        self.expect("{")
        obj: Dict[str, Any] = {}
        if self.peek() == "}":
            self.i += 1
            return obj
        while True:
            key = self.quoted() if self.peek() == '"' else self.bare(True)
            self.expect(":")
            obj[key] = self.value(True, depth)
            if self.peek() == ",":
                self.i += 1
            else:
                self.expect("}")
                return obj

    def quoted(self) -> str:
        opening = self.i
        self.i += 1
        out: List[str] = []
        s, n = self.s, self.n
        while True:
            if self.i >= n:
                self.i = opening
                raise self.fail("unterminated string")
            c = s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                out.append(self.escape())
            elif _toon_control(c):
                raise self.fail("raw control character in a string")
            else:
                out.append(c)
                self.i += 1

    def hex4(self) -> int:
        h = self.s[self.i:self.i + 4]
        if len(h) != 4 or any(ch not in "0123456789abcdefABCDEF" for ch in h):
            raise self.fail("invalid \\u escape")
        self.i += 4
        return int(h, 16)

    def escape(self) -> str:
        self.i += 1   # the backslash
        c = self.peek()
        if c in _TOON_ESCAPES:
            self.i += 1
            return _TOON_ESCAPES[c]
        if c != "u":
            raise self.fail("invalid escape")
        self.i += 1
        unit = self.hex4()
        if 0xDC00 <= unit <= 0xDFFF:
            raise self.fail("lone low surrogate")
        if 0xD800 <= unit <= 0xDBFF:
            if self.s[self.i:self.i + 2] != "\\u":
                raise self.fail("high surrogate without its low half")
            self.i += 2
            low = self.hex4()
            if not 0xDC00 <= low <= 0xDFFF:
                raise self.fail("high surrogate without its low half")
            return chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        return chr(unit)


def _parse_toon(text: str) -> Tuple[str, List[str], List[Dict[str, Any]]]:
    """(table name, fields, records) of a TOON table; ValueError if malformed."""
    return _ToonParser(text).table()


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


class SQLResult(List[Dict[str, Any]]):
    """The result of :meth:`IpcClient.execute_sql`: a list of rows, each a
    ``dict`` from column name to value, plus the statement's metadata.

    Attributes:
        columns: the column names, in the statement's order.
        raw_rows: the rows as lists, in column order (keeps every column
            when two share a name, which the dicts cannot).
        rows_affected: rows inserted, updated or deleted (0 for SELECT).

    Values are ``None``, ``int``, ``float``, ``str`` or ``bool``; BLOB
    values arrive as lowercase hex ``str`` (the protocol's JSON form), so
    decode them with ``bytes.fromhex`` when you know a column is a BLOB.
    """

    def __init__(self, columns: List[str], rows: List[List[Any]], rows_affected: int) -> None:
        super().__init__(dict(zip(columns, row)) for row in rows)
        self.columns = columns
        self.raw_rows = rows
        self.rows_affected = rows_affected

    def __repr__(self) -> str:
        return f"SQLResult(columns={self.columns!r}, rows={list.__repr__(self)}, rows_affected={self.rows_affected})"


# --------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------


class IpcClient:
    """A connection to ``sochdb-server`` over its Unix domain socket.

    Create one with :meth:`IpcClient.connect`; close it with :meth:`close`
    or use it as a context manager. Keys and values are ``bytes`` (an empty
    value is allowed and differs from a missing key: :meth:`get` returns
    ``b""`` for one and ``None`` for the other).

    Thread-safe: requests from several threads are serialised by a lock
    (one request, pipelined batch or scan stream on the wire at a time).
    The server's transaction belongs to the connection, so while one is
    open every thread's requests through this client run inside it; give
    each thread that uses transactions its own client.
    """

    def __init__(self, sock: socket.socket, path: str, timeout: Optional[float], max_reply_bytes: int) -> None:
        """Wraps a connected socket; use :meth:`IpcClient.connect` instead."""
        self._sock: Optional[socket.socket] = sock
        self._path = path
        self._timeout = timeout
        self._max_reply_bytes = max_reply_bytes
        self._lock = threading.Lock()
        self._rbuf = bytearray()
        self._closed = False
        self._broken: Optional[str] = None
        self._pid = os.getpid()
        self._stream_thread: Optional[int] = None

    # ----------------------------------------------------------------- setup

    @classmethod
    def connect(cls, path: Union[str, "os.PathLike[str]"], timeout: Optional[float] = 30.0, *,
                max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES) -> "IpcClient":
        """Connects to the server listening on the Unix socket at ``path``
        (``sochdb-server`` creates ``<db>/sochdb.sock`` unless given
        ``--socket``) and checks it answers a PING.

        Args:
            path: the socket file.
            timeout: seconds that connecting, each send and each wait for
                reply bytes may take (``None`` or ``0``: wait forever).
                A time-out closes the connection (the reply could not be
                framed any more).
            max_reply_bytes: reply frames declaring a larger payload are
                refused (ProtocolError) before anything is allocated.

        Raises:
            ConnectionError: no socket at ``path``, nobody listening
                (a stale socket file), permission denied, a path over 107
                bytes, a time-out, or the server closed the connection.
            ProtocolError: the server refused the connection (code 702,
                ``--max-clients`` reached) or does not speak this protocol.
        """
        path_str = os.fspath(path)
        if isinstance(path_str, bytes):
            raise TypeError("path must be str or os.PathLike[str], not bytes")
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
                raise TypeError(f"timeout must be a number of seconds or None, not {_type_name(timeout)}")
            if timeout < 0 or math.isnan(timeout):
                raise ValueError(f"timeout must be >= 0, not {timeout}")
            timeout = None if timeout == 0 else float(timeout)
        if isinstance(max_reply_bytes, bool) or not isinstance(max_reply_bytes, int) or max_reply_bytes < 64:
            raise ValueError("max_reply_bytes must be an int >= 64")
        client = cls(cls._open_socket(path_str, timeout), path_str, timeout, max_reply_bytes)
        try:
            client.ping()
        except BaseException:
            client.close()
            raise
        return client

    @staticmethod
    def _open_socket(path: str, timeout: Optional[float]) -> socket.socket:
        if len(path.encode("utf-8", "surrogateescape")) > 107:
            raise ConnectionError(f"cannot connect to {path}: a Unix socket path is at most 107 bytes", 700)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(path)
        except BaseException as e:
            sock.close()
            if isinstance(e, FileNotFoundError):
                why = "no such socket (is sochdb-server running? start it with: sochdb-server --db <dir>)"
            elif isinstance(e, ConnectionRefusedError):
                why = "connection refused (nobody is listening: a stale socket file, or not a socket)"
            elif isinstance(e, PermissionError):
                why = "permission denied (the server's socket is mode 0600: run as the server's user)"
            elif isinstance(e, socket.timeout):
                why = f"timed out after {timeout} s"
            elif isinstance(e, OSError):
                why = e.strerror or str(e)
            else:
                raise
            raise ConnectionError(f"cannot connect to {path}: {why}", 700) from None
        return sock

    def reconnect(self) -> None:
        """Closes this connection (if open) and connects again to the same
        socket with the same settings. The old connection's transaction, if
        any, was aborted by the server when the connection ended."""
        self._check_not_streaming()
        with self._lock:
            self._drop_socket()
            self._sock = self._open_socket(self._path, self._timeout)
            self._closed = False
            self._broken = None
            self._pid = os.getpid()
        self.ping()

    def close(self) -> None:
        """Closes the connection (idempotent). The server aborts the
        connection's open transaction. Safe to call from another thread:
        a request waiting for its reply fails with ConnectionError."""
        self._closed = True
        sock = self._sock
        if sock is None:
            return
        if self._pid != os.getpid():
            # Inherited through fork: the parent still uses the connection,
            # so only this process's descriptor is closed (no shutdown).
            self._sock = None
            sock.close()
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)   # wakes a thread blocked on the socket
        except OSError:
            pass
        # The thread holding the lock (if any) closes the socket when its
        # next I/O fails; otherwise close it now.
        if self._lock.acquire(blocking=False):
            try:
                self._drop_socket()
            finally:
                self._lock.release()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called or the connection was lost."""
        return self._closed or self._sock is None

    @property
    def path(self) -> str:
        """The socket path this client connected to."""
        return self._path

    def __enter__(self) -> "IpcClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<IpcClient {self._path!r} {state}>"

    # ------------------------------------------------------------- transport

    def _drop_socket(self) -> None:
        sock, self._sock = self._sock, None
        self._rbuf = bytearray()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _fail(self, message: str) -> ConnectionError:
        """Closes the socket (the stream cannot be resynchronised) and returns the error."""
        self._broken = message
        self._drop_socket()
        return ConnectionError(message, 700)

    def _usable_socket(self) -> socket.socket:
        """The socket, or ConnectionError if closed, lost or inherited by fork (lock held)."""
        if self._closed:
            self._drop_socket()
            raise ConnectionError("the client is closed", 700)
        if self._pid != os.getpid():
            raise ConnectionError("this client was connected in another process (fork); connect again in this one", 700)
        if self._sock is None:
            raise ConnectionError(f"the connection was lost ({self._broken}); call reconnect()", 700)
        return self._sock

    def _check_not_streaming(self) -> None:
        if self._stream_thread == threading.get_ident():
            raise RuntimeError("this thread is iterating a scan_iter() of this client: "
                               "finish or close the iterator before sending other requests")

    def _send(self, data: bytes) -> None:
        """Sends whole frames (lock held)."""
        sock = self._usable_socket()
        try:
            sock.sendall(data, _SEND_FLAGS)
        except socket.timeout:
            raise self._fail(f"timed out after {self._timeout} s sending to the server") from None
        except OSError as e:
            # The server may have closed after sending a last ERROR (702:
            # too many clients, an oversized frame): report that if so.
            last = self._salvage_error()
            if last is not None:
                self._drop_socket()
                raise last from None
            raise self._fail("the server closed the connection (it shut down, or closed this connection after "
                             f"its idle time-out, --timeout-ms) [{e.strerror or e}]") from None

    def _salvage_error(self) -> Optional[SochDBError]:
        """An ERROR frame already buffered on a socket the server closed, if any."""
        sock = self._sock
        if sock is None:
            return None
        try:
            sock.settimeout(0.2)
            while len(self._rbuf) < _HEADER_SIZE + 4:
                chunk = sock.recv(_RECV_CHUNK)
                if not chunk:
                    break
                self._rbuf += chunk
            if len(self._rbuf) >= _HEADER_SIZE and self._rbuf[0] == _ERROR:
                n = _U32.unpack_from(self._rbuf, 1)[0]
                while len(self._rbuf) < _HEADER_SIZE + n and n <= 1 << 20:
                    chunk = sock.recv(_RECV_CHUNK)
                    if not chunk:
                        break
                    self._rbuf += chunk
                if len(self._rbuf) >= _HEADER_SIZE + n:
                    return _server_error(bytes(self._rbuf[_HEADER_SIZE:_HEADER_SIZE + n]))
        except OSError:
            pass
        return None

    def _recv(self, sock: socket.socket, n: int) -> bytes:
        try:
            chunk = sock.recv(n)
        except socket.timeout:
            raise self._fail(f"timed out after {self._timeout} s waiting for the server's reply") from None
        except OSError as e:
            if self._closed:
                raise self._fail("the client was closed") from None
            raise self._fail(f"the connection to the server was lost ({e.strerror or e})") from None
        if not chunk:
            if self._closed:
                raise self._fail("the client was closed")
            raise self._fail("the server closed the connection (it shut down, or closed this connection "
                             "after its idle time-out, --timeout-ms)")
        return chunk

    def _read_exact(self, n: int) -> bytes:
        sock = self._usable_socket()
        buf = self._rbuf
        if n >= _DIRECT_READ and len(buf) < n:
            out = bytearray(n)
            got = len(buf)
            out[:got] = buf
            del buf[:]
            view = memoryview(out)
            while got < n:
                try:
                    k = sock.recv_into(view[got:], n - got)
                except socket.timeout:
                    raise self._fail(f"timed out after {self._timeout} s waiting for the server's reply") from None
                except OSError as e:
                    raise self._fail(f"the connection to the server was lost ({e.strerror or e})") from None
                if k == 0:
                    raise self._fail("the server closed the connection in the middle of a reply")
                got += k
            return bytes(out)
        while len(buf) < n:
            buf += self._recv(sock, max(_RECV_CHUNK, n - len(buf)))
        out_bytes = bytes(buf[:n])
        del buf[:n]
        return out_bytes

    def _read_frame(self) -> Tuple[int, bytes]:
        """One reply frame: (opcode, payload), the length checked before allocating (lock held)."""
        op, n = _HEADER.unpack(self._read_exact(_HEADER_SIZE))
        if n > self._max_reply_bytes:
            self._drop_socket()
            self._broken = "a reply over max_reply_bytes"
            raise ProtocolError(f"the server's reply declares {n} payload bytes; this client accepts at most "
                                f"{self._max_reply_bytes} (IpcClient.connect(..., max_reply_bytes=...))", 701)
        if op not in _RESPONSE_NAMES:
            self._drop_socket()
            self._broken = "an unknown reply opcode"
            raise ProtocolError(f"the server sent unknown reply opcode 0x{op:02X}", 701)
        return op, self._read_exact(n)

    def _raise_if_error(self, op: int, payload: bytes) -> None:
        if op == _ERROR:
            err = _server_error(payload)
            if err.code == 702:          # the server closes the connection after it
                self._broken = str(err)
                self._drop_socket()
            raise err

    def _roundtrip(self, frame: bytes) -> Tuple[int, bytes]:
        self._check_not_streaming()
        with self._lock:
            self._send(frame)
            op, payload = self._read_frame()
            self._raise_if_error(op, payload)
        return op, payload

    def _request(self, opcode: int, payload: bytes, expected: Tuple[int, ...]) -> Tuple[int, _Reader]:
        """Sends one request; the reply's opcode (one of ``expected``) and a reader of its payload."""
        op, body = self._roundtrip(_frame(opcode, payload))
        if op not in expected:
            raise self._unexpected(op, opcode)
        return op, _Reader(body, _RESPONSE_NAMES[op])

    @staticmethod
    def _unexpected(op: int, request: int) -> ProtocolError:
        return ProtocolError(f"unexpected reply {_RESPONSE_NAMES.get(op, hex(op))} to {_REQUEST_NAMES.get(request, hex(request))}", 701)

    def _ok(self, opcode: int, payload: bytes = b"") -> None:
        _, r = self._request(opcode, payload, (_OK,))
        r.finish()

    def _value(self, opcode: int, payload: bytes) -> Optional[bytes]:
        op, r = self._request(opcode, payload, (_VALUE, _NOT_FOUND))
        if op == _NOT_FOUND:
            r.finish()
            return None
        v = r.blob("value")
        r.finish()
        return v

    def _text_value(self, opcode: int, payload: bytes, what: str) -> str:
        _, r = self._request(opcode, payload, (_VALUE,))
        raw = r.blob("value")
        r.finish()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(f"the {what} reply is not UTF-8", 701) from None

    def _json_value(self, opcode: int, payload: bytes, what: str) -> Any:
        text = self._text_value(opcode, payload, what)
        try:
            return json.loads(text)
        except ValueError:
            raise ProtocolError(f"the {what} reply is not JSON", 701) from None

    def _pipeline_chunk(self, chunk: List[bytes], request: int, expected: Tuple[int, ...]) -> List[Tuple[int, bytes]]:
        """Sends frames in one write, then reads one reply per frame; raises
        the first ERROR (or unexpected reply) after all replies are read."""
        if not chunk:
            return []
        replies: List[Tuple[int, bytes]] = []
        first_error: Optional[SochDBError] = None
        with self._lock:
            self._send(b"".join(chunk))
            for _ in range(len(chunk)):
                op, payload = self._read_frame()
                if op == _ERROR:
                    err = _server_error(payload)
                    if err.code == 702:
                        self._broken = str(err)
                        self._drop_socket()
                        raise err
                    first_error = first_error or err
                elif op not in expected:
                    first_error = first_error or self._unexpected(op, request)
                replies.append((op, payload))
        if first_error is not None:
            raise first_error
        return replies

    def _pipeline(self, frames: Iterable[bytes], request: int, expected: Tuple[int, ...]) -> List[Tuple[int, bytes]]:
        """Sends frames in chunks (up to 256 frames or 1 MiB) without waiting
        for replies in between (pipelining); the first ERROR of a chunk is
        raised after its replies are read, and later chunks are not sent."""
        self._check_not_streaming()
        replies: List[Tuple[int, bytes]] = []
        chunk: List[bytes] = []
        size = 0
        for f in frames:
            chunk.append(f)
            size += len(f)
            if len(chunk) >= _PIPELINE_FRAMES or size >= _PIPELINE_BYTES:
                replies += self._pipeline_chunk(chunk, request, expected)
                chunk, size = [], 0
        replies += self._pipeline_chunk(chunk, request, expected)
        return replies

    # ------------------------------------------------------------ keys/paths

    def ping(self) -> float:
        """Sends PING and returns the round-trip time in seconds."""
        start = time.perf_counter()
        _, r = self._request(_PING, b"", (_PONG,))
        elapsed = time.perf_counter() - start
        r.u64("timestamp")   # the server's clock, ns since the epoch
        r.finish()
        return elapsed

    def put(self, key: BytesLike, value: BytesLike) -> None:
        """Stores ``value`` under ``key`` (both bytes; the value may be empty).

        Keys starting with byte 0xFF are reserved (InvalidArgumentError 120);
        keys over 1 MiB are refused (110). A request frame over the server's
        ``--max-frame-bytes`` (16 MiB by default) is refused with
        ProtocolError 702 and the server closes the connection.
        """
        k, v = _as_bytes("key", key), _as_bytes("value", value)
        self._ok(_PUT, _blob(k, "key") + _blob(v, "value"))

    def get(self, key: BytesLike) -> Optional[bytes]:
        """The value under ``key``, or ``None`` if there is none (an empty stored value is ``b""``)."""
        return self._value(_GET, _blob(_as_bytes("key", key), "key"))

    def delete(self, key: BytesLike) -> None:
        """Deletes ``key`` (no error if it does not exist)."""
        self._ok(_DELETE, _blob(_as_bytes("key", key), "key"))

    def put_many(self, items: Union[Mapping[BytesLike, BytesLike], Iterable[Tuple[BytesLike, BytesLike]]]) -> int:
        """Stores many pairs, pipelining the PUTs (no round trip per pair):
        far faster than a loop of :meth:`put`. Returns the number of pairs.

        Outside a transaction the server commits each run of pipelined PUTs
        (up to 256) as one batch, but the whole call is *not* atomic: if a
        pair is refused, the error is raised after the replies of its chunk
        are read, pairs of earlier chunks (and the other pairs of its chunk)
        are stored, and later chunks are not sent. Use a transaction for
        all-or-nothing.
        """
        pairs = items.items() if isinstance(items, Mapping) else items

        def frames() -> Iterator[bytes]:
            for i, pair in enumerate(pairs):
                try:
                    key, value = pair
                except (TypeError, ValueError):
                    raise TypeError(f"item {i} must be a (key, value) pair") from None
                yield _frame(_PUT, _blob(_as_bytes("key", key), "key") + _blob(_as_bytes("value", value), "value"))

        return len(self._pipeline(frames(), _PUT, (_OK,)))

    def get_many(self, keys: Iterable[BytesLike]) -> List[Optional[bytes]]:
        """The values of many keys (``None`` where missing), in order, with
        the GETs pipelined.

        The server cuts off a connection whose replies to one read pass its
        ``--max-output-bytes`` (32 MiB by default), so the GETs go in groups
        sized from the values seen so far (about 8 MiB of replies a group,
        starting with 2 keys).
        """
        frames = [_frame(_GET, _blob(_as_bytes("key", k), "key")) for k in keys]
        self._check_not_streaming()
        out: List[Optional[bytes]] = []
        i, n = 0, 2
        while i < len(frames):
            chunk = [frames[i]]
            size = len(frames[i])
            i += 1
            while i < len(frames) and len(chunk) < n and size < _PIPELINE_BYTES:
                chunk.append(frames[i])
                size += len(frames[i])
                i += 1
            largest = 0
            for op, payload in self._pipeline_chunk(chunk, _GET, (_VALUE, _NOT_FOUND)):
                largest = max(largest, len(payload))
                r = _Reader(payload, _RESPONSE_NAMES[op])
                out.append(None if op == _NOT_FOUND else r.blob("value"))
                r.finish()
            n = max(1, min(2 * n, _PIPELINE_FRAMES, _GET_MANY_REPLY_BUDGET // max(largest, 1)))
        return out

    def delete_many(self, keys: Iterable[BytesLike]) -> int:
        """Deletes many keys with the DELETEs pipelined (not atomic, as :meth:`put_many`). Returns the count."""
        frames = [_frame(_DELETE, _blob(_as_bytes("key", k), "key")) for k in keys]
        return len(self._pipeline(frames, _DELETE, (_OK,)))

    def put_path(self, path: PathArg, value: BytesLike) -> None:
        """Stores ``value`` at a hierarchical path given as segments
        (``["users", "alice", "email"]``) or as one ``/``-separated str.

        Paths live apart from the keys of :meth:`put`/:meth:`scan`. A path
        with no segment, an empty segment or a segment containing ``/`` or
        NUL is refused (InvalidArgumentError 120).
        """
        self._ok(_PUT_PATH, _segments(path) + _blob(_as_bytes("value", value), "value"))

    def get_path(self, path: PathArg) -> Optional[bytes]:
        """The value at a path (see :meth:`put_path`), or ``None``."""
        return self._value(_GET_PATH, _segments(path))

    def delete_path(self, path: PathArg) -> None:
        """Deletes the value at a path (no error if there is none)."""
        self._ok(_DELETE_PATH, _segments(path))

    # ---------------------------------------------------------- scan / query

    @staticmethod
    def _scan_frame(prefix: Union[str, BytesLike], batch_size: int) -> bytes:
        if isinstance(prefix, str):
            p = _utf8("prefix", prefix)
        elif isinstance(prefix, (bytes, bytearray, memoryview)):
            p = bytes(prefix)
        else:
            raise TypeError(f"prefix must be str or bytes, not {_type_name(prefix)}")
        size = _as_uint("batch_size", batch_size, _MAX_U32)
        payload = _blob(p, "prefix") + (_U32.pack(size) if size else b"")
        return _frame(_SCAN, payload)

    def scan(self, prefix: Union[str, BytesLike] = "", batch_size: int = 0) -> List[Dict[str, bytes]]:
        """Every pair whose key starts with ``prefix`` (str, encoded as UTF-8,
        or bytes; empty: all keys), in key order, as
        ``[{"key": b"...", "value": b"..."}, ...]``.

        The server streams the result in batches (``batch_size`` pairs at
        most, capped at 1024; 0: the server's default); this method collects
        them all. For large results iterate with :meth:`scan_iter`.
        Reserved keys (byte 0xFF first) are never returned.
        """
        return [{"key": k, "value": v} for k, v in self.scan_iter(prefix, batch_size)]

    def scan_iter(self, prefix: Union[str, BytesLike] = "", batch_size: int = 0) -> "ScanIterator":
        """Iterates ``(key, value)`` pairs under ``prefix`` in key order as
        the server streams them, holding one batch in memory::

            with client.scan_iter(b"log:") as it:
                for key, value in it:
                    ...

        The connection is busy until the stream ends: other threads' calls
        on this client wait, and the iterating thread may not send other
        requests (RuntimeError). Leaving the loop early is fine: closing the
        iterator (``with``, ``close()``, or garbage collection) reads and
        discards the rest of the stream so the connection stays usable.
        """
        return ScanIterator(self, self._scan_frame(prefix, batch_size))

    def query(self, prefix: str) -> "Query":
        """A fluent query of the values under a key prefix, run by the server
        and returned as a TOON table::

            client.query("users/").limit(10).offset(0).select(["name", "email"]).execute()
            # 'users[2]{name,email}:Alice,a@x.org;Bob,b@x.org'
            client.query("users/").limit(10).to_list()
            # [{'name': 'Alice', 'email': 'a@x.org'}, ...]

        A value that is a JSON object becomes a record of its fields; any
        other value becomes ``{key, value}`` as text (hex if not UTF-8).
        """
        return Query(self, prefix)

    def _run_query(self, params: Dict[str, Any]) -> str:
        text = json.dumps(params, ensure_ascii=False, separators=(",", ":"))
        return self._text_value(_QUERY, _utf8("query", text), "QUERY")

    # --------------------------------------------------------- transactions

    def begin_transaction(self) -> int:
        """Begins the connection's transaction and returns its id.

        Until :meth:`commit` or :meth:`abort`, every PUT, GET, DELETE, path
        request, scan, query, SQL statement and collection upsert/get/delete
        of this connection runs inside it (snapshot reads plus its own
        writes; writes buffered until commit). A connection has at most one
        open transaction: a second BEGIN is InvalidArgumentError (120).
        """
        _, r = self._request(_BEGIN_TXN, b"", (_TXN_ID,))
        txn = r.u64("txn_id")
        r.finish()
        return txn

    def commit(self, txn_id: int) -> int:
        """Commits the open transaction ``txn_id`` atomically and returns the
        commit's LSN (a read-only transaction returns its snapshot's).

        Raises TransactionError (600) on a write-write conflict; the
        transaction is over either way, so begin a new one and retry.
        An id that is not the connection's open transaction is
        InvalidArgumentError (120) and leaves the open one open.
        """
        _, r = self._request(_COMMIT_TXN, _U64.pack(_as_uint("txn_id", txn_id, _MAX_U64)), (_TXN_ID,))
        lsn = r.u64("lsn")
        r.finish()
        return lsn

    def abort(self, txn_id: int) -> None:
        """Discards the open transaction ``txn_id`` and its writes."""
        self._ok(_ABORT_TXN, _U64.pack(_as_uint("txn_id", txn_id, _MAX_U64)))

    @contextmanager
    def transaction(self) -> Iterator[int]:
        """A transaction as a context manager: commits when the block ends,
        aborts if it raises. Yields the transaction id::

            with client.transaction():
                client.put(b"a", b"1")
                client.put(b"b", b"2")
        """
        txn = self.begin_transaction()
        try:
            yield txn
        except BaseException:
            try:
                self.abort(txn)
            except SochDBError:
                pass
            raise
        self.commit(txn)

    # ------------------------------------------------------ admin and stats

    def checkpoint(self) -> None:
        """Flushes the memtable to tables, records the LSN, recycles the WAL
        and saves the collections' graphs. The protocol's reply is a plain
        OK, so unlike the embedded ``Database.checkpoint()`` no LSN is
        returned (``stats()`` has the engine's counters)."""
        self._ok(_CHECKPOINT)

    def stats(self) -> Dict[str, Any]:
        """The engine's statistics (``keys_count``, ``bytes_written``,
        ``tables_per_level``, ...) and the server's counters
        (``connections_total``, ``connections_active``, ``requests_total``,
        ``requests_error``, ``bytes_sent``, ``uptime_secs``,
        ``active_transactions``, ...) as a dict."""
        _, r = self._request(_STATS, b"", (_STATS_RESP,))
        text = r.rest_text("stats")
        try:
            stats = json.loads(text)
        except ValueError:
            raise ProtocolError("the STATS reply is not JSON", 701) from None
        if not isinstance(stats, dict):
            raise ProtocolError("the STATS reply is not a JSON object", 701)
        return stats

    # ------------------------------------------------------------------ SQL

    @staticmethod
    def _sql_payload(sql: str, params: Optional[Sequence[Any]], fmt: int) -> bytes:
        _as_str("sql", sql)
        if params is None:
            ptext = ""
        else:
            if isinstance(params, (str, bytes, bytearray, Mapping)) or not isinstance(params, (list, tuple)):
                raise TypeError(f"params must be a list or tuple, not {_type_name(params)}")
            ptext = json.dumps([_sql_parameter(i, p) for i, p in enumerate(params)],
                               ensure_ascii=False, allow_nan=False, separators=(",", ":")) if params else ""
        return bytes([fmt]) + _text("sql", sql) + _text("parameters", ptext)

    def execute_sql(self, sql: str, params: Optional[Sequence[Any]] = None) -> SQLResult:
        """Runs one SQL statement (the dialect of ``docs/sql.md``) with ``?``
        placeholders bound from ``params`` (None, bool, int, float, str,
        bytes) and returns its rows as a list of dicts (:class:`SQLResult`,
        which also has ``columns`` and ``rows_affected``)::

            client.execute_sql("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
            client.execute_sql("INSERT INTO users VALUES (?, ?)", [1, "Alice"])
            client.execute_sql("SELECT * FROM users")   # [{'id': 1, 'name': 'Alice'}]

        Inside an open transaction the statement joins it; otherwise it
        commits on its own. SQL ``BEGIN``/``COMMIT``/``ROLLBACK`` are refused
        (TransactionError 820): use :meth:`begin_transaction`.
        """
        doc = self._json_value(_EXECUTE_SQL, self._sql_payload(sql, params, 0), "EXECUTE_SQL")
        try:
            columns = doc["columns"]
            rows = doc["rows"]
            affected = doc["rows_affected"]
            ok = (isinstance(columns, list) and all(isinstance(c, str) for c in columns)
                  and isinstance(rows, list) and all(isinstance(r, list) and len(r) == len(columns) for r in rows)
                  and isinstance(affected, int))
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise ProtocolError("the EXECUTE_SQL reply is not {columns, rows, rows_affected}", 701)
        return SQLResult(columns, rows, affected)

    #: An alias of :meth:`execute_sql`, as the embedded ``Database.execute``.
    execute = execute_sql

    def execute_sql_toon(self, sql: str, params: Optional[Sequence[Any]] = None) -> str:
        """As :meth:`execute_sql`, but the rows come back as a TOON table
        named ``result`` (``result[2]{id,name}:1,Alice;2,Bob``), the compact
        form to hand to an LLM. It does not carry ``rows_affected``."""
        return self._text_value(_EXECUTE_SQL, self._sql_payload(sql, params, 1), "EXECUTE_SQL")

    # ---------------------------------------------------------- collections

    def create_collection(self, name: str, dimension: int, metric: str = "l2", *,
                          m: int = 16, ef_construction: int = 100) -> "IpcCollection":
        """Creates a vector collection and returns its handle.

        ``metric`` is ``"l2"``, ``"ip"`` or ``"cosine"`` (also
        ``"euclidean"``, ``"inner_product"``, ``"dot"``, ``"cos"``); ``m``
        and ``ef_construction`` are the HNSW parameters. A taken name is
        AlreadyExistsError (122); a bad parameter InvalidArgumentError.
        """
        payload = (_short("name", name) + _U32.pack(_as_uint("dimension", dimension, _MAX_U32))
                   + _short("metric", metric) + _U16.pack(_as_uint("m", m, _MAX_U16))
                   + _U16.pack(_as_uint("ef_construction", ef_construction, _MAX_U16)))
        self._ok(_COLLECTION_CREATE, payload)
        return IpcCollection(self, name)

    def collection(self, name: str) -> "IpcCollection":
        """A handle on an existing collection (no request is sent; using a
        collection that does not exist raises NotFoundError, 121)."""
        return IpcCollection(self, _as_str("name", name))

    def list_collections(self) -> List[str]:
        """The collections' names, in byte order."""
        names = self._json_value(_COLLECTION_LIST, b"", "COLLECTION_LIST")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ProtocolError("the COLLECTION_LIST reply is not a JSON array of names", 701)
        return names

    def collection_info(self, name: str) -> Dict[str, Any]:
        """A collection's configuration and counts: ``count``, ``dimension``,
        ``ef_construction``, ``graph_nodes``, ``m``, ``metric``, ``name``,
        ``rebuilds``, ``tombstones``."""
        info = self._json_value(_COLLECTION_INFO, _short("name", name), "COLLECTION_INFO")
        if not isinstance(info, dict):
            raise ProtocolError("the COLLECTION_INFO reply is not a JSON object", 701)
        return info

    def drop_collection(self, name: str) -> None:
        """Deletes a collection and all its data."""
        self._ok(_COLLECTION_DROP, _short("name", name))

    def _upsert(self, name: str, records: Iterable[Any]) -> int:
        body: List[bytes] = []
        dim: Optional[int] = None
        count = 0
        for i, rec in enumerate(records):
            if isinstance(rec, Mapping):
                try:
                    rid, vec, meta = rec["id"], rec["vector"], rec.get("metadata")
                except KeyError as e:
                    raise TypeError(f"record {i} lacks {e.args[0]!r}") from None
            elif isinstance(rec, (tuple, list)) and len(rec) in (2, 3):
                rid, vec = rec[0], rec[1]
                meta = rec[2] if len(rec) == 3 else None
            else:
                raise TypeError(f"record {i} must be (id, vector[, metadata]) or a dict with id, vector, metadata")
            d, floats = _vector(f"record {i} vector", vec)
            if dim is None:
                dim = d
            elif d != dim:
                raise InvalidArgumentError(f"record {i} has dimension {d}; every vector of one upsert must have {dim}", 101)
            body.append(_short("id", rid) + _text("metadata", _json_object("metadata", meta)) + floats)
            count += 1
        if dim is None:
            return 0
        self._ok(_COLLECTION_UPSERT, _short("collection", name) + _U32.pack(dim) + _U32.pack(count) + b"".join(body))
        return count

    def _get_vector(self, name: str, rid: str) -> Optional[Dict[str, Any]]:
        value = self._value(_COLLECTION_GET, _short("collection", name) + _short("id", rid))
        if value is None:
            return None
        r = _Reader(value, "COLLECTION_GET")
        dim = r.count("dimension", 4)
        vec = r.floats(dim, "vector")
        meta = r.text("metadata")
        r.finish()
        return {"id": rid, "vector": vec, "metadata": self._metadata(meta)}

    def _delete_vector(self, name: str, rid: str) -> bool:
        op, r = self._request(_COLLECTION_DELETE, _short("collection", name) + _short("id", rid), (_OK, _NOT_FOUND))
        r.finish()
        return op == _OK

    def _search(self, name: str, vector: Any, k: int, ef: Optional[int], filter: Any) -> List[Dict[str, Any]]:
        dim, floats = _vector("vector", vector)
        payload = (_short("collection", name) + _U32.pack(_as_uint("k", k, _MAX_U32))
                   + _U32.pack(0 if ef is None else _as_uint("ef", ef, _MAX_U32))
                   + _text("filter", _json_object("filter", filter, allow_str=True))
                   + _U32.pack(dim) + floats)
        _, r = self._request(_COLLECTION_SEARCH, payload, (_SEARCH_RESULTS,))
        n = r.count("hit count", 10)
        hits = []
        for _ in range(n):
            rid = r.short("id")
            distance = r.f32("distance")
            meta = r.text("metadata")
            hits.append({"id": rid, "distance": distance, "metadata": self._metadata(meta)})
        r.finish()
        return hits

    @staticmethod
    def _metadata(text: str) -> Dict[str, Any]:
        if not text:
            return {}
        try:
            meta = json.loads(text)
        except ValueError:
            meta = None
        if not isinstance(meta, dict):
            raise ProtocolError("metadata in a reply is not a JSON object", 701)
        return meta


class ScanIterator:
    """The pairs of a SCAN as the server streams them (see
    :meth:`IpcClient.scan_iter`); yields ``(key, value)`` tuples of bytes.

    Holds the client's lock from creation until the stream ends or the
    iterator is closed. ``count`` is the number of pairs read so far.
    """

    def __init__(self, client: IpcClient, frame: bytes) -> None:
        client._check_not_streaming()
        self._client: Optional[IpcClient] = None
        self._pending: List[Tuple[bytes, bytes]] = []
        self._received = 0
        self.count = 0
        client._lock.acquire()
        try:
            client._send(frame)
        except BaseException:
            client._lock.release()
            raise
        self._client = client
        client._stream_thread = threading.get_ident()

    def __iter__(self) -> "ScanIterator":
        return self

    def __next__(self) -> Tuple[bytes, bytes]:
        while not self._pending:
            if self._client is None:
                raise StopIteration
            self._read()
        self.count += 1
        return self._pending.pop()

    def _release(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client._stream_thread = None
            client._lock.release()

    def _read(self) -> None:
        """Reads the next frame of the stream (the lock is held)."""
        client = self._client
        assert client is not None
        try:
            op, payload = client._read_frame()
            if op == _SCAN_BATCH:
                r = _Reader(payload, "SCAN_BATCH")
                n = r.count("pair count", 8)
                batch = [(r.blob("key"), r.blob("value")) for _ in range(n)]
                r.finish()
                batch.reverse()
                self._pending = batch
                self._received += n
            elif op == _END_STREAM:
                r = _Reader(payload, "END_STREAM")
                total = r.u64("total")
                r.finish()
                received = self._received
                if total != received:
                    client._drop_socket()
                    client._broken = "a scan stream that lost pairs"
                    raise ProtocolError(f"END_STREAM counts {total} pairs but the batches held {received}", 701)
                self._release()
            elif op == _ERROR:
                client._raise_if_error(op, payload)
            else:
                client._drop_socket()
                client._broken = "an unexpected frame in a scan stream"
                raise client._unexpected(op, _SCAN)
        except BaseException:
            self._release()
            raise

    def close(self) -> None:
        """Ends the iteration, reading and discarding the rest of the stream
        so that the connection can serve the next request (idempotent)."""
        client = self._client
        if client is None:
            return
        try:
            while self._client is not None:
                self._pending = []
                self._read()
        except SochDBError:
            pass
        finally:
            self._pending = []
            self._release()

    def __enter__(self) -> "ScanIterator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Query:
    """A fluent query of the values under a key prefix (the QUERY request).

    Each modifier returns a new query, so a query can be reused::

        base = client.query("users/").select(["name", "email"])
        page1 = base.limit(10).execute()
        page2 = base.limit(10).offset(10).execute()

    ``execute()`` returns the server's TOON text; ``to_list()`` parses it
    into dicts (ints, floats, str, bool, None, lists and dicts).
    """

    __slots__ = ("_client", "_prefix", "_limit", "_offset", "_columns")

    def __init__(self, client: IpcClient, prefix: str, limit: Optional[int] = None,
                 offset: Optional[int] = None, columns: Optional[List[str]] = None) -> None:
        self._client = client
        self._prefix = _as_str("prefix", prefix)
        self._limit = limit
        self._offset = offset
        self._columns = columns

    def _with(self, **changes: Any) -> "Query":
        fields = {"limit": self._limit, "offset": self._offset, "columns": self._columns}
        fields.update(changes)
        return Query(self._client, self._prefix, **fields)

    def limit(self, n: int) -> "Query":
        """At most ``n`` records (0: no limit)."""
        return self._with(limit=_as_uint("limit", n, (1 << 63) - 1))

    def offset(self, n: int) -> "Query":
        """Skip the first ``n`` records."""
        return self._with(offset=_as_uint("offset", n, (1 << 63) - 1))

    def select(self, columns: Sequence[str]) -> "Query":
        """Only these fields, in this order (TOON names: ``[A-Za-z_][A-Za-z0-9_.-]*``).
        Without it the fields are every record's, sorted."""
        if isinstance(columns, str) or not isinstance(columns, (list, tuple)):
            raise TypeError(f"columns must be a list of str, not {_type_name(columns)}")
        for c in columns:
            _as_str("column", c)
        return self._with(columns=list(columns))

    @property
    def parameters(self) -> Dict[str, Any]:
        """The QUERY request's JSON object, as sent."""
        p: Dict[str, Any] = {"prefix": self._prefix}
        if self._limit is not None:
            p["limit"] = self._limit
        if self._offset is not None:
            p["offset"] = self._offset
        if self._columns is not None:
            p["columns"] = list(self._columns)
        return p

    def execute(self) -> str:
        """Runs the query; the result as a TOON table (``users[2]{name,email}:...``),
        named after the prefix (``users/`` → ``users``, ``logs/2024/`` → ``logs_2024``)."""
        return self._client._run_query(self.parameters)

    def to_list(self) -> List[Dict[str, Any]]:
        """Runs the query; the records as a list of dicts (a record lacking a field has None there)."""
        text = self.execute()
        try:
            return _parse_toon(text)[2]
        except ValueError as e:
            raise ProtocolError(f"the QUERY reply is not TOON: {e}", 701) from None

    def __repr__(self) -> str:
        return f"Query({self.parameters!r})"


class IpcCollection:
    """A vector collection on the server (see :meth:`IpcClient.create_collection`).

    Upserts, gets and deletes join the connection's open transaction, if
    any; search, info and drop act on committed state.
    """

    __slots__ = ("_client", "_name")

    def __init__(self, client: IpcClient, name: str) -> None:
        self._client = client
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def upsert(self, id: str, vector: Sequence[float], metadata: Optional[Mapping[str, Any]] = None) -> None:
        """Inserts or replaces one record (``metadata``: a JSON-able dict)."""
        self._client._upsert(self._name, [(id, vector, metadata)])

    def upsert_many(self, records: Iterable[Any]) -> int:
        """Inserts or replaces many records in one request (one commit, or
        the open transaction). Each record is ``(id, vector)``,
        ``(id, vector, metadata)`` or ``{"id", "vector", "metadata"}``; all
        vectors must have the same length. Returns the count. The request
        must fit the server's frame cap (16 MiB by default)."""
        return self._client._upsert(self._name, records)

    def get(self, id: str) -> Optional[Dict[str, Any]]:
        """``{"id", "vector", "metadata"}`` of a record, or None."""
        return self._client._get_vector(self._name, id)

    def delete(self, id: str) -> bool:
        """Deletes a record; False if there was none."""
        return self._client._delete_vector(self._name, id)

    def search(self, vector: Sequence[float], k: int = 10, *, ef: Optional[int] = None,
               filter: Union[None, str, Mapping[str, Any]] = None) -> List[Dict[str, Any]]:
        """The ``k`` nearest records, nearest first, as
        ``{"id", "distance", "metadata"}`` dicts. ``filter`` is the JSON
        filter language of ``docs/filters.md`` (a dict or JSON text);
        ``ef`` the search breadth (None: the collection's default)."""
        return self._client._search(self._name, vector, k, ef, filter)

    def info(self) -> Dict[str, Any]:
        """See :meth:`IpcClient.collection_info`."""
        return self._client.collection_info(self._name)

    def drop(self) -> None:
        """Deletes the collection and all its data."""
        self._client.drop_collection(self._name)

    def __repr__(self) -> str:
        return f"IpcCollection({self._name!r})"
