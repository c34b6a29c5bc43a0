"""Bulk vector operations through the native ``sochdb-bulk`` program.

Building an HNSW index vector by vector through the FFI pays a Python round
trip per vector. The bulk API instead writes the whole array to a file once
(an ``.npy`` in a temporary folder: NumPy writes a C-contiguous float32 array
straight from its buffer, with no copy) and runs ``sochdb-bulk``, which maps
that file and builds with all cores. Results come back as the program's JSON
output (``--json``).

Functions
---------
``bulk_build_index(embeddings, output, ...)``
    build an index file from an N x D array
``bulk_query_index(index, query, k, ...)``
    the k nearest neighbours of one vector or of a batch
``bulk_info(index)``
    the index file's metadata
``convert_embeddings_to_raw(embeddings, path)``
    write vectors as raw little-endian float32
``get_sochdb_bulk_path()``
    the ``sochdb-bulk`` executable in use

Errors
------
Arguments are checked before anything is written or run: an array that is
not 2-D (1-D or 2-D for queries), empty, not convertible to float32, or that
holds NaN or infinity, ``k < 1``, ``m < 2``... raise
:class:`~sochdb.errors.InvalidArgumentError` (also a ``ValueError``). A
missing index file raises :class:`~sochdb.errors.NotFoundError`. When
``sochdb-bulk`` itself fails, :class:`BulkCommandError` (a
:class:`~sochdb.errors.DatabaseError`) carries its exit status and stderr;
the program's exit status 1 (bad input, e.g. a query of the wrong dimension)
and 64 (bad command line) raise :class:`BulkInvalidArgumentError`, which is
both a ``BulkCommandError`` and an ``InvalidArgumentError``. A missing
binary raises :class:`~sochdb.errors.NotFoundError` naming every place
searched.

Finding the binary
------------------
``SOCHDB_BULK_PATH`` (the executable itself) if set; else, in the order of
``sochdb._paths.find_binary``: bundled ``sochdb/_bin/<platform>/sochdb-bulk``,
``$SOCHDB_BIN_PATH/sochdb-bulk``, ``PATH``, then the SwiftPM build folders of
the checkout (``.build/release``, ``.build/debug``).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _paths
from .errors import DatabaseError, InvalidArgumentError, NotFoundError

__all__ = [
    "BulkBuildStats",
    "Neighbor",
    "BulkCommandError",
    "BulkInvalidArgumentError",
    "bulk_build_index",
    "bulk_query_index",
    "bulk_info",
    "convert_embeddings_to_raw",
    "get_sochdb_bulk_path",
]

PathLike = Union[str, "os.PathLike[str]"]

_METRICS = ("l2", "cosine", "ip")
_ORDERINGS = ("none", "random_projection", "kmeans")
_CONSTRUCTIONS = ("automatic", "batched", "incremental")
_STDERR_KEEP = 64 * 1024  # bytes of the program's stderr kept for error messages


@dataclass
class BulkBuildStats:
    """What :func:`bulk_build_index` reports."""

    vectors: int  # Total vectors indexed
    dimension: int  # Vector dimension
    elapsed_seconds: float
    rate: float  # vec/s
    index_size_bytes: int


class Neighbor(NamedTuple):
    """One search result: the vector's id and its distance (smaller is nearer).

    The distance is the index's metric: squared L2, ``1 - cos`` or
    ``1 - dot``. A ``Neighbor`` unpacks as ``id, distance``.
    """

    id: int
    distance: float


class BulkCommandError(DatabaseError):
    """``sochdb-bulk`` exited with a failure.

    ``returncode`` is its exit status (1 bad input, 2 corrupt file, 3 I/O or
    missing file, 64 bad command line), ``stderr`` what it printed there,
    ``command`` the argument list run.
    """

    def __init__(self, message: str, returncode: int, stderr: str, command: Sequence[str]) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.command = list(command)


class BulkInvalidArgumentError(BulkCommandError, InvalidArgumentError):
    """``sochdb-bulk`` refused its input (exit status 1 or 64); also a ``ValueError``."""


# --------------------------------------------------------------------------
# Finding and running the binary


def _search_places() -> List[str]:
    name = "sochdb-bulk"
    places = [f"$SOCHDB_BULK_PATH ({os.environ.get('SOCHDB_BULK_PATH') or 'not set'})"]
    places.append(str(_paths._PACKAGE_DIR / "_bin" / _paths.platform_tag() / name))
    override = os.environ.get("SOCHDB_BIN_PATH")
    places.append(f"$SOCHDB_BIN_PATH/{name} ({override or 'not set'})")
    places.append(f"{name} on PATH ({os.environ.get('PATH', '')})")
    places += [str(folder / name) for folder in _paths._build_folders()]
    return places


def get_sochdb_bulk_path() -> str:
    """The path of the ``sochdb-bulk`` executable this module runs.

    Looks at ``SOCHDB_BULK_PATH`` (the executable's own path) first, then the
    bundled binary, ``$SOCHDB_BIN_PATH``, ``PATH`` and the checkout's
    ``.build/release`` and ``.build/debug``.

    Raises:
        NotFoundError: no executable was found (the message lists every
            place searched), or ``SOCHDB_BULK_PATH`` names a file that is not
            an executable.
    """
    explicit = os.environ.get("SOCHDB_BULK_PATH")
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return str(Path(explicit).resolve())
        raise NotFoundError(f"SOCHDB_BULK_PATH={explicit} is not an executable file")
    found = _paths.find_binary("sochdb-bulk")
    if found is not None:
        return str(found)
    places = "\n  ".join(_search_places())
    raise NotFoundError(
        "sochdb-bulk executable not found; searched:\n  " + places +
        "\nBuild it with `swift build -c release --product sochdb-bulk` in the SochDB checkout, "
        "or set SOCHDB_BULK_PATH to its path.")


_PROGRESS_LINE = re.compile(r"^\[[#\-]*\] \d+/\d+")


class _StderrForwarder:
    """Copies the program's stderr to ``sys.stderr`` as it arrives.

    ``sochdb-bulk`` draws its progress bar in place only when its own stderr
    is a terminal; here it is a pipe, so it prints one line per update. When
    ``sys.stderr`` is a terminal, those lines are redrawn in place (``\\r``)
    again; anywhere else (a log file, a notebook) they are passed on as lines.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""
        self._open_bar = False
        try:
            self._tty = sys.stderr.isatty()
        except (AttributeError, ValueError, OSError):
            self._tty = False

    def feed(self, chunk: bytes) -> None:
        text = self._partial + self._decoder.decode(chunk)
        *lines, self._partial = text.split("\n")
        self._write("".join(self._render(line) for line in lines))

    def close(self) -> None:
        tail = self._partial + self._decoder.decode(b"", final=True)
        out = self._render(tail) if tail else ""
        if self._open_bar:
            out += "\n"
            self._open_bar = False
        self._write(out)

    def _render(self, line: str) -> str:
        if self._tty and _PROGRESS_LINE.match(line):
            self._open_bar = True
            return "\r" + line + "\x1b[K"
        if self._open_bar:
            self._open_bar = False
            return ("\n" if line else "") + line + "\n"
        return line + "\n"

    @staticmethod
    def _write(text: str) -> None:
        if not text:
            return
        try:
            sys.stderr.write(text)
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed or odd sys.stderr must not stop the run
            pass


def _run(binary: str, args: Sequence[str], *, forward_stderr: bool) -> str:
    """Run ``sochdb-bulk args``; return its stdout. Raise BulkCommandError on failure.

    stderr is always collected (its last 64 KiB go into the error) and, when
    ``forward_stderr``, copied to ``sys.stderr`` as it arrives, so a progress
    bar shows live in a terminal or a notebook.
    """
    command = [binary, *args]
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as e:
        raise DatabaseError(f"cannot run {command[0]}: {e}") from e
    kept = bytearray()

    forward = _StderrForwarder() if forward_stderr else None

    def pump(stream: IO[bytes]) -> None:
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                break
            kept.extend(chunk)
            if len(kept) > 2 * _STDERR_KEEP:
                del kept[:-_STDERR_KEEP]
            if forward is not None:
                forward.feed(chunk)
        if forward is not None:
            forward.close()

    reader = threading.Thread(target=pump, args=(proc.stderr,), name="sochdb-bulk-stderr", daemon=True)
    reader.start()
    try:
        out = proc.stdout.read()  # type: ignore[union-attr]
        returncode = proc.wait()
    except BaseException:  # KeyboardInterrupt included: do not leave the build running
        proc.kill()
        proc.wait()
        raise
    finally:
        reader.join()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    if returncode != 0:
        err = bytes(kept[-_STDERR_KEEP:]).decode("utf-8", errors="replace").strip()
        subcommand = args[0] if args else ""
        status = f"signal {-returncode}" if returncode < 0 else f"exit {returncode}"
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("error:", "Error:"))]
        summary = "\n".join(errors or lines[-10:]) or "(no message)"
        message = f"sochdb-bulk {subcommand} failed ({status}): {summary}"
        cls = BulkInvalidArgumentError if returncode in (1, 64) else BulkCommandError
        raise cls(message, returncode, err, command)
    return out.decode("utf-8", errors="replace")


def _json_output(text: str, what: str) -> Dict[str, Any]:
    """The JSON object sochdb-bulk printed (the whole stdout, or its last line that is one)."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
        for line in reversed(text.splitlines()):
            if line.lstrip().startswith("{"):
                try:
                    value = json.loads(line)
                    break
                except ValueError:
                    continue
    if not isinstance(value, dict):
        raise DatabaseError(f"sochdb-bulk {what} printed no JSON object; its output was: {text[:500]!r}")
    return value


# --------------------------------------------------------------------------
# Validation


def _as_vectors(value: Any, what: str, *, allow_1d: bool = False) -> np.ndarray:
    """``value`` as a C-contiguous little-endian float32 array of finite numbers.

    No copy when it already is one.
    """
    if isinstance(value, (str, bytes, os.PathLike)):
        raise InvalidArgumentError(f"{what} must be a numpy array of vectors, not a {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as e:  # ragged nested lists, mostly
        raise InvalidArgumentError(f"{what} must be an array of numbers: {e}") from e
    if arr.dtype.kind == "c":
        raise InvalidArgumentError(f"{what} must be real numbers, not complex ({arr.dtype})")
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError(f"{what} must be convertible to float32, not an array of dtype {arr.dtype}")
    dims = "1-D or 2-D" if allow_1d else "2-D (vectors x dimension)"
    if arr.ndim not in ((1, 2) if allow_1d else (2,)):
        raise InvalidArgumentError(f"{what} must be {dims}, got shape {arr.shape}")
    if arr.size == 0:
        raise InvalidArgumentError(f"{what} is empty (shape {arr.shape})")
    with np.errstate(over="ignore", invalid="ignore"):  # float64 beyond float32 becomes inf: caught below
        arr = np.ascontiguousarray(arr, dtype="<f4")
    _check_finite(arr, what)
    return arr


def _check_finite(arr: np.ndarray, what: str) -> None:
    rows = arr.reshape(-1, arr.shape[-1])
    step = max(1, (1 << 22) // rows.shape[1])  # ~4M values at a time: bounded temporary memory
    for start in range(0, rows.shape[0], step):
        block = rows[start:start + step]
        ok = np.isfinite(block)
        if not ok.all():
            r, c = np.argwhere(~ok)[0]
            where = f"row {start + r}, component {c}" if arr.ndim == 2 else f"component {c}"
            raise InvalidArgumentError(f"{what} holds a non-finite value ({block[r, c]}) at {where}")


def _check_int(name: str, value: Any, minimum: int, maximum: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgumentError(f"{name} must be an integer, not {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise InvalidArgumentError(f"{name} must be {bound}, got {value}")
    return value


def _check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _existing_index(index: PathLike) -> str:
    path = os.fspath(index)
    if not os.path.exists(path):
        raise NotFoundError(f"{path}: no such index file")
    if os.path.isdir(path):
        raise InvalidArgumentError(f"{path} is a folder, not an index file")
    return path


def _temp_dir(temp_dir: Optional[PathLike]) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="sochdb-bulk-", dir=os.fspath(temp_dir) if temp_dir else None)


# --------------------------------------------------------------------------
# The API


def bulk_build_index(
    embeddings: Any,
    output: PathLike,
    m: int = 16,
    ef_construction: int = 100,
    threads: int = 0,
    quiet: bool = False,
    *,
    metric: str = "l2",
    ids: Optional[Any] = None,
    ordering: str = "none",
    construction: str = "automatic",
    seed: int = 100,
    temp_dir: Optional[PathLike] = None,
) -> BulkBuildStats:
    """Build an HNSW index over ``embeddings`` and save it to ``output``.

    The vectors are written once to an ``.npy`` file in a temporary folder
    (no in-memory copy when the array is already C-contiguous float32) and
    ``sochdb-bulk build-index`` builds the index from it. ``output`` is
    written atomically: a failed build leaves no partial file.

    Args:
        embeddings: N x D array (or nested sequence) of finite numbers,
            convertible to float32; N >= 1.
        output: the index file to write (replaced if it exists).
        m: HNSW links per node (level 0 keeps 2*m); 2..255.
        ef_construction: candidate list size while inserting (>= 1).
        threads: build threads; 0 uses every core.
        quiet: False lets the program's progress bar through to
            ``sys.stderr``; True silences it.
        metric: ``"l2"`` (squared Euclidean), ``"cosine"`` or ``"ip"``.
        ids: optional N integer ids returned by searches instead of row
            numbers (unique, int64).
        ordering: ``"none"``, ``"random_projection"`` or ``"kmeans"``:
            reorder the vectors for memory locality before building.
        construction: ``"automatic"``, ``"batched"`` or ``"incremental"``.
        seed: seed of the level draws and of the ordering.
        temp_dir: where to write the temporary vector file (default: the
            system's temporary folder); it needs room for N*D*4 bytes.

    Returns:
        the build's :class:`BulkBuildStats`.

    Raises:
        InvalidArgumentError: a bad argument (nothing was run).
        BulkCommandError: ``sochdb-bulk`` failed (e.g. ``output``'s folder
            does not exist); its stderr is in the message.
        NotFoundError: ``sochdb-bulk`` is not installed.
    """
    vectors = _as_vectors(embeddings, "embeddings")
    out_path = os.fspath(output)
    if not out_path:
        raise InvalidArgumentError("output must be a file path")
    m = _check_int("m", m, 2, 255)
    ef_construction = _check_int("ef_construction", ef_construction, 1, 100_000)
    threads = _check_int("threads", threads, 0)
    seed = _check_int("seed", seed, 0, 2**64 - 1)
    metric = _check_choice("metric", metric, _METRICS)
    ordering = _check_choice("ordering", ordering, _ORDERINGS)
    construction = _check_choice("construction", construction, _CONSTRUCTIONS)
    id_array = None
    if ids is not None:
        try:
            given = np.asarray(ids)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(f"ids must be an array of integers: {e}") from e
        if given.dtype.kind not in "iu" or given.ndim != 1 or len(given) != len(vectors):
            raise InvalidArgumentError(
                f"ids must be a 1-D integer array of {len(vectors)} ids, got {given.dtype} of shape {given.shape}")
        if given.dtype.kind == "u" and given.size and given.max() > np.iinfo(np.int64).max:
            raise InvalidArgumentError("ids must fit in int64")
        id_array = np.ascontiguousarray(given, dtype="<i8")
        if len(np.unique(id_array)) != len(id_array):
            raise InvalidArgumentError("ids must be unique")
    binary = get_sochdb_bulk_path()
    with _temp_dir(temp_dir) as tmp:
        vector_file = os.path.join(tmp, "embeddings.npy")
        np.save(vector_file, vectors, allow_pickle=False)
        args = ["build-index", "--input", vector_file, "--output", out_path,
                "--dimension", str(vectors.shape[1]), "--max-connections", str(m),
                "--ef-construction", str(ef_construction), "--threads", str(threads),
                "--metric", metric, "--ordering", ordering, "--construction", construction,
                "--seed", str(seed), "--json"]
        if id_array is not None:
            id_file = os.path.join(tmp, "ids.npy")
            np.save(id_file, id_array, allow_pickle=False)
            args += ["--ids", id_file]
        if quiet:
            args.append("--quiet")
        report = _json_output(_run(binary, args, forward_stderr=not quiet), "build-index")
    stats = report.get("stats", report)
    try:
        return BulkBuildStats(
            vectors=int(stats["vectors"]),
            dimension=int(stats["dimension"]),
            elapsed_seconds=float(stats["elapsed_seconds"]),
            rate=float(stats["rate"]),
            index_size_bytes=int(stats["index_size_bytes"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DatabaseError(f"sochdb-bulk build-index printed unexpected statistics {report!r}") from e


def bulk_query_index(
    index: PathLike,
    query: Any,
    k: int = 10,
    ef_search: int = 64,
    *,
    threads: int = 0,
    temp_dir: Optional[PathLike] = None,
) -> Union[List[Neighbor], List[List[Neighbor]]]:
    """The ``k`` nearest neighbours in the index file ``index``, nearest first.

    Args:
        index: an index file written by :func:`bulk_build_index`.
        query: one vector (1-D, length D) or a batch (2-D, Q x D) of finite
            numbers convertible to float32.
        k: neighbours wanted per query (>= 1). Fewer come back when the index
            holds fewer than ``k`` vectors.
        ef_search: the search's candidate list size; raised to ``k`` if
            smaller. Larger is slower and more accurate.
        threads: search threads for a batch; 0 uses every core.
        temp_dir: where to write the temporary query file.

    Returns:
        for a 1-D ``query``, a list of :class:`Neighbor`; for a 2-D one, one
        such list per query row.

    Raises:
        InvalidArgumentError: a bad argument (nothing was run).
        NotFoundError: ``index`` does not exist.
        BulkInvalidArgumentError: the query's dimension is not the index's.
        BulkCommandError: the index file is corrupt or cannot be read.
    """
    path = _existing_index(index)
    vectors = _as_vectors(query, "query", allow_1d=True)
    k = _check_int("k", k, 1)
    ef_search = _check_int("ef_search", ef_search, 1)
    threads = _check_int("threads", threads, 0)
    single = vectors.ndim == 1
    binary = get_sochdb_bulk_path()
    with _temp_dir(temp_dir) as tmp:
        query_file = os.path.join(tmp, "query.npy")
        np.save(query_file, vectors, allow_pickle=False)
        args = ["query", "--index", path, "--query", query_file, "--k", str(k),
                "--ef", str(max(ef_search, k)), "--threads", str(threads), "--json"]
        report = _json_output(_run(binary, args, forward_stderr=False), "query")
    rows = report.get("results")
    expected = 1 if single else vectors.shape[0]
    if not isinstance(rows, list) or len(rows) != expected:
        raise DatabaseError(f"sochdb-bulk query returned {type(rows).__name__} results for {expected} queries")
    results = [[Neighbor(int(hit["id"]), float(hit["distance"])) for hit in row] for row in rows]
    return results[0] if single else results


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def bulk_info(index: PathLike, *, verify: bool = False) -> Dict[str, Any]:
    """The metadata of the index file ``index``.

    Keys: ``dimension``, ``vectors`` (nodes, deleted ones included; also
    under ``count``), ``deleted_count``, ``m`` (max connections),
    ``ef_construction``, ``metric`` (``"l2"``, ``"cosine"``, ``"ip"``),
    ``entry_point`` (id of the entry node, None when empty), ``max_level``,
    ``level_histogram`` (nodes per top level), ``file_size_bytes``,
    ``memory_bytes``, ``format_version``.

    Args:
        verify: also check every section checksum and the graph's structure
            (reads the whole file); a damaged file raises
            :class:`BulkCommandError`.

    Raises:
        NotFoundError: ``index`` does not exist.
        BulkCommandError: not an index file, or damaged.
    """
    path = _existing_index(index)
    args = ["info", "--index", path, "--json"]
    if verify:
        args.append("--verify")
    raw = _json_output(_run(get_sochdb_bulk_path(), args, forward_stderr=False), "info")
    info = {_CAMEL.sub("_", key).lower(): value for key, value in raw.items()}
    info.setdefault("entry_point", None)
    if "count" in info:
        info["vectors"] = info["count"]
    return info


def convert_embeddings_to_raw(embeddings: Any, path: PathLike) -> None:
    """Write ``embeddings`` to ``path`` as raw little-endian float32 rows (no header).

    That is the raw format ``sochdb-bulk`` reads with ``--dimension D``
    (``build-index --input``, ``query --query``). ``embeddings`` is an N x D
    array (or one vector) of finite numbers; it is written straight from its
    buffer when it is already C-contiguous float32. The file is replaced if
    it exists.

    Raises:
        InvalidArgumentError: not a 1-D or 2-D array of finite numbers, or empty.
        OSError: the file cannot be written.
    """
    vectors = _as_vectors(embeddings, "embeddings", allow_1d=True)
    with open(os.fspath(path), "wb") as f:
        vectors.tofile(f)
