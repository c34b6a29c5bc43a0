"""Tests of sochdb.bulk: the seed README's "Bulk API" blocks, recall, and argument checking.

The tests that run ``sochdb-bulk`` skip when the binary is not built
(``swift build --product sochdb-bulk``); the argument checks run regardless.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# (conftest.py puts the package on sys.path, or checks the installed one is used)

import sochdb._paths as _paths  # noqa: E402
import sochdb.bulk as bulk  # noqa: E402
from sochdb.bulk import (  # noqa: E402
    BulkBuildStats,
    BulkCommandError,
    BulkInvalidArgumentError,
    Neighbor,
    bulk_build_index,
    bulk_info,
    bulk_query_index,
    convert_embeddings_to_raw,
    get_sochdb_bulk_path,
)
from sochdb.errors import DatabaseError, InvalidArgumentError, NotFoundError  # noqa: E402


def _binary_available() -> bool:
    try:
        get_sochdb_bulk_path()
        return True
    except NotFoundError:
        return False


needs_binary = pytest.mark.skipif(not _binary_available(), reason="sochdb-bulk is not built")


@pytest.fixture
def no_spawn(monkeypatch):
    """Fails the test if anything tries to run a program."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"spawned {args[0] if args else kwargs}")
    monkeypatch.setattr(bulk.subprocess, "Popen", refuse)


def brute_force(data: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    d = ((queries[:, None, :].astype(np.float64) - data[None, :, :]) ** 2).sum(-1)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    rng = np.random.default_rng(7)
    data = rng.standard_normal((2000, 32)).astype(np.float32)
    path = tmp_path_factory.mktemp("bulk") / "small.hnsw"
    # One thread: the build is deterministic, so the recall checks are too.
    stats = bulk_build_index(data, str(path), quiet=True, threads=1)
    return data, path, stats


# --------------------------------------------------------------------------
# The seed's blocks, as written, run in a temporary working folder.

SEED_BUILD = '''
from sochdb.bulk import bulk_build_index
import numpy as np
# Your embeddings (N × D)
embeddings = np.random.randn(10000, 768).astype(np.float32)
# Build HNSW index
stats = bulk_build_index(
    embeddings,
    output="my_index.hnsw",
    m=16, # HNSW max connections
    ef_construction=100, # Construction search depth
    threads=0, # 0 = auto
    quiet=False, # Show progress
)
print(f"Built {stats.vectors} vectors at {stats.rate:.0f} vec/s")
'''

SEED_QUERY = '''
from sochdb.bulk import bulk_query_index
import numpy as np
# Single query
query = np.random.randn(768).astype(np.float32)
results = bulk_query_index(
    index="my_index.hnsw",
    query=query,
    k=10,
    ef_search=64,
)
for neighbor in results:
    print(f"ID: {neighbor.id}, Distance: {neighbor.distance:.4f}")
'''

SEED_PATH = '''
from sochdb.bulk import get_sochdb_bulk_path
# Returns path to bundled or installed binary
path = get_sochdb_bulk_path()
print(f"Using binary: {path}")
'''


@needs_binary
def test_seed_build_and_query(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(SEED_BUILD, "<seed build>", "exec"), ns)
    captured = capsys.readouterr()
    assert re.fullmatch(r"Built 10000 vectors at \d+ vec/s\n", captured.out), captured.out
    # quiet=False: the program's progress reached our stderr.
    assert "10000/10000" in captured.err
    stats = ns["stats"]
    assert isinstance(stats, BulkBuildStats)
    assert (stats.vectors, stats.dimension) == (10000, 768)
    assert stats.elapsed_seconds > 0 and stats.rate > 0
    assert stats.index_size_bytes == (tmp_path / "my_index.hnsw").stat().st_size

    exec(compile(SEED_QUERY, "<seed query>", "exec"), ns)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert all(re.fullmatch(r"ID: \d+, Distance: \d+\.\d{4}", line) for line in lines), lines
    distances = [n.distance for n in ns["results"]]
    assert distances == sorted(distances)
    # Each distance is the squared L2 distance to that id's vector. (Which ids
    # come back is approximate: random 768-D Gaussians are the hardest case
    # for HNSW, so exact top-1 agreement is not asserted here; recall is
    # measured on the seeded set below.)
    ids = [n.id for n in ns["results"]]
    assert len(set(ids)) == 10 and all(0 <= i < 10000 for i in ids)
    exact = ((ns["embeddings"][ids].astype(np.float64) - ns["query"]) ** 2).sum(1)
    np.testing.assert_allclose(distances, exact, rtol=1e-3)


@needs_binary
def test_seed_binary_path(capsys):
    ns: dict = {}
    exec(compile(SEED_PATH, "<seed path>", "exec"), ns)
    out = capsys.readouterr().out
    assert out == f"Using binary: {ns['path']}\n"
    assert os.access(ns["path"], os.X_OK) and Path(ns["path"]).name == "sochdb-bulk"


# --------------------------------------------------------------------------
# Results


@needs_binary
def test_build_stats(small_index):
    data, path, stats = small_index
    assert (stats.vectors, stats.dimension) == (2000, 32)
    assert stats.index_size_bytes == path.stat().st_size
    assert stats.rate == pytest.approx(stats.vectors / stats.elapsed_seconds, rel=0.05)


@needs_binary
def test_self_query_returns_itself_first(small_index):
    data, path, _ = small_index
    for i in (0, 1, 999, 1999):
        hits = bulk_query_index(str(path), data[i], k=5)
        assert isinstance(hits, list) and len(hits) == 5
        assert all(isinstance(h, Neighbor) for h in hits)
        assert hits[0].id == i and hits[0].distance == pytest.approx(0.0, abs=1e-4)
    batch = bulk_query_index(path, data, k=1)
    assert [row[0].id for row in batch] == list(range(2000))


@needs_binary
def test_recall_at_10_against_brute_force(small_index):
    data, path, _ = small_index
    rng = np.random.default_rng(11)
    queries = rng.standard_normal((100, 32)).astype(np.float32)
    truth = brute_force(data, queries, 10)
    results = bulk_query_index(path, queries, k=10, ef_search=64)
    assert len(results) == 100 and all(len(r) == 10 for r in results)
    hits = sum(len({n.id for n in r} & set(t.tolist())) for r, t in zip(results, truth))
    recall = hits / (100 * 10)
    assert recall >= 0.9, recall
    # Distances are squared L2, nearest first.
    for q, row in zip(queries[:5], results[:5]):
        ids = [n.id for n in row]
        exact = ((data[ids] - q) ** 2).sum(1)
        np.testing.assert_allclose([n.distance for n in row], exact, rtol=1e-4)
        assert [n.distance for n in row] == sorted(n.distance for n in row)


@needs_binary
def test_neighbor_unpacks(small_index):
    data, path, _ = small_index
    nid, dist = bulk_query_index(path, data[5].tolist(), k=1)[0]
    assert (nid, dist) == (5, 0.0)


@needs_binary
def test_k_larger_than_the_index(tmp_path):
    data = np.arange(15, dtype=np.float32).reshape(5, 3)
    bulk_build_index(data, tmp_path / "five.hnsw", quiet=True)
    hits = bulk_query_index(tmp_path / "five.hnsw", np.zeros(3), k=10)
    assert [h.id for h in hits] == [0, 1, 2, 3, 4]
    batch = bulk_query_index(tmp_path / "five.hnsw", np.zeros((2, 3)), k=10, ef_search=1)
    assert [[h.id for h in row] for row in batch] == [[0, 1, 2, 3, 4]] * 2


@needs_binary
def test_external_ids_and_cosine(tmp_path):
    rng = np.random.default_rng(3)
    data = rng.standard_normal((300, 16)).astype(np.float32)
    ids = np.arange(300, dtype=np.int64) * 10 + 1_000_000_000_000
    bulk_build_index(data, tmp_path / "c.hnsw", metric="cosine", ids=ids, quiet=True, m=8, seed=5, threads=1)
    info = bulk_info(tmp_path / "c.hnsw")
    assert (info["metric"], info["m"]) == ("cosine", 8)
    hits = bulk_query_index(tmp_path / "c.hnsw", data[42] * 3.0, k=3)  # scale does not matter for cosine
    assert hits[0].id == ids[42]
    assert hits[0].distance == pytest.approx(0.0, abs=1e-5)
    unit = data / np.linalg.norm(data, axis=1, keepdims=True)
    expected = 1 - unit[(np.array([h.id for h in hits]) - ids[0]) // 10] @ unit[42]
    np.testing.assert_allclose([h.distance for h in hits], expected, atol=1e-5)


@needs_binary
def test_bulk_info(small_index):
    data, path, stats = small_index
    info = bulk_info(path)
    assert info["dimension"] == 32
    assert info["vectors"] == info["count"] == 2000
    assert info["m"] == 16 and info["ef_construction"] == 100
    assert info["metric"] == "l2"
    assert info["deleted_count"] == 0
    assert isinstance(info["entry_point"], int) and 0 <= info["entry_point"] < 2000
    assert sum(info["level_histogram"]) == 2000
    assert info["max_level"] == len(info["level_histogram"]) - 1
    assert info["file_size_bytes"] == stats.index_size_bytes
    assert info["format_version"] == 1
    assert bulk_info(str(path), verify=True)["vectors"] == 2000


@needs_binary
def test_build_parameters_reach_the_index(tmp_path):
    data = np.random.default_rng(0).standard_normal((50, 4))  # float64: converted
    stats = bulk_build_index(data, tmp_path / "p.hnsw", m=4, ef_construction=20, threads=1, quiet=True,
                             ordering="kmeans", construction="incremental")
    info = bulk_info(tmp_path / "p.hnsw")
    assert (info["m"], info["ef_construction"], info["vectors"], stats.vectors) == (4, 20, 50, 50)
    assert bulk_query_index(tmp_path / "p.hnsw", data[7], k=1)[0].id == 7


@needs_binary
def test_quiet_prints_nothing(tmp_path, capfd):
    bulk_build_index(np.ones((20, 4), dtype=np.float32) * np.arange(20)[:, None], tmp_path / "q.hnsw", quiet=True)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


@needs_binary
def test_fortran_order_and_lists_are_accepted(tmp_path):
    data = np.asfortranarray(np.random.default_rng(1).standard_normal((40, 6)).astype(np.float32))
    bulk_build_index(data, tmp_path / "f.hnsw", quiet=True)
    assert bulk_query_index(tmp_path / "f.hnsw", data[3], k=1)[0].id == 3
    rows = data.tolist()
    bulk_build_index(rows, tmp_path / "l.hnsw", quiet=True)
    assert bulk_query_index(tmp_path / "l.hnsw", rows[9], k=1)[0].id == 9


@needs_binary
def test_convert_embeddings_to_raw_is_what_the_cli_reads(tmp_path):
    data = np.random.default_rng(2).standard_normal((64, 12)).astype(np.float32)
    raw = tmp_path / "v.raw"
    convert_embeddings_to_raw(data, raw)
    assert raw.stat().st_size == data.nbytes
    np.testing.assert_array_equal(np.fromfile(raw, dtype="<f4").reshape(64, 12), data)
    # sochdb-bulk builds from it with --dimension, and from the .npy of the same data.
    subprocess.run([get_sochdb_bulk_path(), "build-index", "--input", str(raw), "--output", str(tmp_path / "r.hnsw"),
                    "--dimension", "12", "--quiet"], check=True, capture_output=True)
    assert bulk_info(tmp_path / "r.hnsw")["vectors"] == 64
    assert bulk_query_index(tmp_path / "r.hnsw", data[10], k=1)[0].id == 10
    # One vector, and float64 input.
    convert_embeddings_to_raw(data[0].astype(np.float64), tmp_path / "one.raw")
    np.testing.assert_array_equal(np.fromfile(tmp_path / "one.raw", dtype="<f4"), data[0])


def test_c_contiguous_float32_is_not_copied():
    a = np.zeros((10, 4), dtype=np.float32)
    assert np.shares_memory(bulk._as_vectors(a, "x"), a)
    b = np.zeros((10, 4), dtype=np.float64)
    converted = bulk._as_vectors(b, "x")
    assert converted.dtype == np.dtype("<f4") and converted.flags.c_contiguous


# --------------------------------------------------------------------------
# Failures of sochdb-bulk itself


@needs_binary
def test_wrong_query_dimension(small_index):
    _, path, _ = small_index
    with pytest.raises(BulkInvalidArgumentError) as info:
        bulk_query_index(path, np.zeros(31, dtype=np.float32))
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, InvalidArgumentError) and isinstance(e, DatabaseError)
    assert e.returncode == 1
    assert "dimension mismatch: expected 32, got 31" in e.stderr
    assert "dimension mismatch" in str(e)


@needs_binary
def test_corrupt_index(tmp_path):
    junk = tmp_path / "junk.hnsw"
    junk.write_bytes(b"not an index" * 20)
    with pytest.raises(BulkCommandError) as info:
        bulk_info(junk)
    assert info.value.returncode == 2 and "bad magic" in str(info.value)
    assert not isinstance(info.value, ValueError)
    with pytest.raises(DatabaseError, match="corrupt file"):
        bulk_query_index(junk, np.zeros(4))


@needs_binary
def test_missing_output_folder(tmp_path):
    out = tmp_path / "no" / "such" / "folder" / "x.hnsw"
    with pytest.raises(BulkCommandError) as info:
        bulk_build_index(np.ones((3, 2), dtype=np.float32), out, quiet=True)
    assert info.value.returncode == 3 and "no such file" in info.value.stderr
    assert not out.parent.exists()


@needs_binary
def test_failed_build_leaves_no_partial_file_and_no_temp_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    bulk_build_index(np.ones((3, 2), dtype=np.float32) * np.arange(3)[:, None], tmp_path / "ok.hnsw", quiet=True)
    with pytest.raises(BulkCommandError):
        bulk_build_index(np.ones((3, 2), dtype=np.float32), tmp_path / "missing" / "x.hnsw", quiet=True)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.hnsw", "tmp"]


def test_missing_index_is_not_found_before_spawning(tmp_path, no_spawn):
    with pytest.raises(NotFoundError, match="no such index file"):
        bulk_query_index(tmp_path / "nope.hnsw", np.zeros(4))
    with pytest.raises(NotFoundError):
        bulk_info(str(tmp_path / "nope.hnsw"))
    with pytest.raises(InvalidArgumentError, match="is a folder"):
        bulk_info(tmp_path)


# --------------------------------------------------------------------------
# Bad arguments: refused before anything runs


BAD_EMBEDDINGS = [
    ("1-D", np.zeros(4, dtype=np.float32), "must be 2-D"),
    ("3-D", np.zeros((2, 2, 2), dtype=np.float32), "must be 2-D"),
    ("scalar", 3.0, "must be 2-D"),
    ("no rows", np.zeros((0, 4), dtype=np.float32), "is empty"),
    ("no columns", np.zeros((4, 0), dtype=np.float32), "is empty"),
    ("empty list", [], "must be 2-D"),
    ("nan", np.array([[0, 1], [np.nan, 2]], dtype=np.float32), r"non-finite value \(nan\) at row 1, component 0"),
    ("inf", np.array([[0, 1], [2, np.inf]]), r"non-finite value \(inf\) at row 1, component 1"),
    ("float64 overflow", np.array([[0.0, 1e300]]), "non-finite value"),
    ("strings", np.array([["a", "b"]]), "convertible to float32"),
    ("complex", np.ones((2, 2), dtype=np.complex64), "not complex"),
    ("objects", np.array([[object(), object()]]), "convertible to float32"),
    ("ragged", [[1.0, 2.0], [3.0]], "array of numbers"),
    ("a path", "vectors.npy", "not a str"),
]


@pytest.mark.parametrize("label,value,message", BAD_EMBEDDINGS, ids=[b[0] for b in BAD_EMBEDDINGS])
def test_bad_embeddings(tmp_path, no_spawn, label, value, message):
    with pytest.raises(InvalidArgumentError, match=message) as info:
        bulk_build_index(value, tmp_path / "x.hnsw")
    assert isinstance(info.value, ValueError)
    assert not (tmp_path / "x.hnsw").exists()


def test_nan_far_into_a_large_array(tmp_path, no_spawn):
    a = np.zeros((300_000, 16), dtype=np.float32)  # more than one finiteness block
    a[250_123, 7] = np.nan
    with pytest.raises(InvalidArgumentError, match="row 250123, component 7"):
        bulk_build_index(a, tmp_path / "x.hnsw")


GOOD = np.ones((4, 3), dtype=np.float32)
BAD_BUILD_OPTIONS = [
    ({"m": 1}, "m must be between 2 and 255"),
    ({"m": 256}, "m must be between 2 and 255"),
    ({"m": 16.0}, "m must be an integer"),
    ({"ef_construction": 0}, "ef_construction must be"),
    ({"threads": -1}, "threads must be >= 0"),
    ({"threads": True}, "threads must be an integer"),
    ({"seed": -1}, "seed must be"),
    ({"metric": "hamming"}, "metric must be one of l2, cosine, ip"),
    ({"ordering": "sorted"}, "ordering must be one of"),
    ({"construction": "fast"}, "construction must be one of"),
    ({"ids": [1, 2, 3]}, "ids must be a 1-D integer array of 4 ids"),
    ({"ids": [1.0, 2.0, 3.0, 4.0]}, "ids must be a 1-D integer array"),
    ({"ids": [1, 2, 2, 3]}, "ids must be unique"),
    ({"ids": np.array([1, 2, 3, 2**63], dtype=np.uint64)}, "ids must fit in int64"),
]


@pytest.mark.parametrize("options,message", BAD_BUILD_OPTIONS, ids=[str(o[0]) for o in BAD_BUILD_OPTIONS])
def test_bad_build_options(tmp_path, no_spawn, options, message):
    with pytest.raises(InvalidArgumentError, match=message):
        bulk_build_index(GOOD, tmp_path / "x.hnsw", **options)


def test_empty_output_path(no_spawn):
    with pytest.raises(InvalidArgumentError, match="output"):
        bulk_build_index(GOOD, "")


BAD_QUERIES = [
    ({"query": np.zeros((2, 2, 3))}, "must be 1-D or 2-D"),
    ({"query": np.zeros(0)}, "is empty"),
    ({"query": np.array([1.0, np.nan, 0.0])}, r"non-finite value \(nan\) at component 1"),
    ({"query": np.array([[1.0, 2.0, 3.0], [1.0, 2.0, -np.inf]])}, "row 1, component 2"),
    ({"query": ["a", "b", "c"]}, "convertible to float32"),
    ({"query": np.zeros(3), "k": 0}, "k must be >= 1"),
    ({"query": np.zeros(3), "k": -3}, "k must be >= 1"),
    ({"query": np.zeros(3), "k": 2.5}, "k must be an integer"),
    ({"query": np.zeros(3), "k": True}, "k must be an integer"),
    ({"query": np.zeros(3), "ef_search": 0}, "ef_search must be >= 1"),
    ({"query": np.zeros(3), "threads": -1}, "threads must be >= 0"),
]


@pytest.mark.parametrize("args,message", BAD_QUERIES, ids=[str(i) for i in range(len(BAD_QUERIES))])
def test_bad_queries(tmp_path, no_spawn, args, message):
    index = tmp_path / "exists.hnsw"
    index.write_bytes(b"x")  # existence is all that is checked before running
    with pytest.raises(InvalidArgumentError, match=message):
        bulk_query_index(index, **args)


def test_bad_raw_conversion(tmp_path):
    for value in (np.zeros((2, 2, 2)), np.zeros((0, 3)), np.array([[np.nan]])):
        with pytest.raises(InvalidArgumentError):
            convert_embeddings_to_raw(value, tmp_path / "x.raw")
    assert not (tmp_path / "x.raw").exists()


# --------------------------------------------------------------------------
# Finding the binary


def test_binary_not_found_names_the_places_searched(monkeypatch, tmp_path, no_spawn):
    monkeypatch.delenv("SOCHDB_BULK_PATH", raising=False)
    monkeypatch.setenv("SOCHDB_BIN_PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(_paths, "find_binary", lambda name: None)
    with pytest.raises(NotFoundError) as info:
        get_sochdb_bulk_path()
    message = str(info.value)
    assert "sochdb-bulk executable not found" in message
    assert f"{tmp_path / 'bin'}" in message
    assert str(Path(_paths.__file__).resolve().parent / "_bin") in message
    assert "PATH" in message and ".build/release/sochdb-bulk" in message and ".build/debug/sochdb-bulk" in message
    assert isinstance(info.value, DatabaseError)
    # The API functions report the same error before running anything.
    with pytest.raises(NotFoundError, match="sochdb-bulk executable not found"):
        bulk_build_index(GOOD, tmp_path / "x.hnsw")


def test_sochdb_bulk_path_override(monkeypatch, tmp_path):
    fake = tmp_path / "my-sochdb-bulk"
    fake.write_text("#!/bin/sh\necho '{\"stats\": {\"vectors\": 4, \"dimension\": 3, \"elapsed_seconds\": 0.5, "
                    "\"rate\": 8.0, \"index_size_bytes\": 100}}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SOCHDB_BULK_PATH", str(fake))
    assert get_sochdb_bulk_path() == str(fake.resolve())
    assert bulk_build_index(GOOD, tmp_path / "x.hnsw", quiet=True) == BulkBuildStats(4, 3, 0.5, 8.0, 100)
    monkeypatch.setenv("SOCHDB_BULK_PATH", str(tmp_path / "absent"))
    with pytest.raises(NotFoundError, match="SOCHDB_BULK_PATH=.*absent is not an executable"):
        get_sochdb_bulk_path()


def test_output_that_is_not_json(monkeypatch, tmp_path):
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\necho 'Vectors: 4'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SOCHDB_BULK_PATH", str(fake))
    with pytest.raises(DatabaseError, match="printed no JSON object"):
        bulk_build_index(GOOD, tmp_path / "x.hnsw", quiet=True)


def test_killed_by_a_signal(monkeypatch, tmp_path):
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\necho 'dying' >&2\nkill -9 $$\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SOCHDB_BULK_PATH", str(fake))
    with pytest.raises(BulkCommandError, match=r"failed \(signal 9\): dying") as info:
        bulk_build_index(GOOD, tmp_path / "x.hnsw", quiet=True)
    assert info.value.returncode == -9 and info.value.command[0] == str(fake.resolve())


# --------------------------------------------------------------------------
# Progress forwarding


class _FakeStderr:
    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


PROGRESS = ("Building x.npy: 2000 × 32, l2, M=16, efConstruction=100\n"
            "[###---] 1000/2000  9841 vec/s  ETA 0s\n"
            "[######] 2000/2000  11101 vec/s  ETA 0s\n"
            "\n").encode()


@pytest.mark.parametrize("split", [1, 7, len(PROGRESS)])
def test_progress_lines_pass_through_when_not_a_terminal(monkeypatch, split):
    fake = _FakeStderr(tty=False)
    monkeypatch.setattr(sys, "stderr", fake)
    forwarder = bulk._StderrForwarder()
    for i in range(0, len(PROGRESS), split):  # chunks may split lines and UTF-8 characters
        forwarder.feed(PROGRESS[i:i + split])
    forwarder.close()
    assert fake.text == PROGRESS.decode()


def test_progress_is_redrawn_in_place_on_a_terminal(monkeypatch):
    fake = _FakeStderr(tty=True)
    monkeypatch.setattr(sys, "stderr", fake)
    forwarder = bulk._StderrForwarder()
    forwarder.feed(PROGRESS)
    forwarder.close()
    assert fake.text == ("Building x.npy: 2000 × 32, l2, M=16, efConstruction=100\n"
                         "\r[###---] 1000/2000  9841 vec/s  ETA 0s\x1b[K"
                         "\r[######] 2000/2000  11101 vec/s  ETA 0s\x1b[K\n")
    fake.text = ""
    forwarder = bulk._StderrForwarder()
    forwarder.feed(b"[#---] 1/4  1 vec/s  ETA 0s\nerror: boom\n")
    forwarder.close()
    assert fake.text == "\r[#---] 1/4  1 vec/s  ETA 0s\x1b[K\nerror: boom\n"


@needs_binary
def test_error_message_is_the_error_line_without_progress(tmp_path, capsys):
    with pytest.raises(BulkCommandError) as info:
        bulk_build_index(np.ones((3, 2), dtype=np.float32) * np.arange(3)[:, None],
                         tmp_path / "missing" / "x.hnsw", quiet=False)
    e = info.value
    assert "Building" in e.stderr and "3/3" in e.stderr  # the whole stderr is kept...
    assert str(e).startswith("sochdb-bulk build-index failed (exit 3): error: ")
    assert "Building" not in str(e) and "\n" not in str(e)  # ...the message is the error line
    assert "3/3" in capsys.readouterr().err  # and the progress was shown
