"""The embedded Database and Transaction beyond the seed's examples: bad
arguments raise the documented exceptions and store nothing, a database
opened twice, non-UTF-8 bytes, large values, SQL values, threads."""

import os
import subprocess
import sys
import threading

import pytest

from sochdb import Database
from sochdb.errors import (
    AlreadyExistsError,
    DatabaseError,
    InvalidArgumentError,
    SochDBError,
    TransactionError,
)


@pytest.fixture
def db(tmp_path):
    with Database.open(str(tmp_path / "db")) as d:
        yield d


def keys(db):
    return [k for k, _ in db.scan()]


def test_wrong_types_raise_type_error_and_store_nothing(db):
    for call in (lambda: db.put("key", b"v"), lambda: db.put(b"k", "value"), lambda: db.get(1),
                 lambda: db.delete(None), lambda: db.put_path(b"a/b", b"v"), lambda: db.get_path(["a", "b"]),
                 lambda: db.execute_sql(b"SELECT 1"), lambda: db.scan("a", "b")):
        with pytest.raises(TypeError):
            call()
    assert keys(db) == []


def test_refused_keys_and_paths_raise_invalid_argument_with_codes(db):
    written = db.stats()["bytes_written"]
    cases = [
        (lambda: db.put(b"\xffreserved", b"v"), 120),
        (lambda: db.put(b"k" * (1 << 20 + 1), b"v"), None),
        (lambda: db.put_path("a//b", b"v"), 120),
        (lambda: db.put_path("", b"v"), 120),
        (lambda: db.put_path("a/\x00/b", b"v"), 120),
    ]
    for call, code in cases:
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert isinstance(e.value, ValueError) and isinstance(e.value, SochDBError)
        assert e.value.code is not None and 100 <= e.value.code < 200
        if code is not None:
            assert e.value.code == code
        assert str(e.value)
    assert keys(db) == []
    assert db.stats()["bytes_written"] == written


def test_a_database_opened_twice_is_refused(tmp_path):
    path = str(tmp_path / "db")
    with Database.open(path) as db:
        db.put(b"k", b"v")
        with pytest.raises(DatabaseError) as e:
            Database.open(path)
        assert e.value.code == 311
        # From another process, too.
        child = subprocess.run([sys.executable, "-c", (
            "import sys; from sochdb import Database; from sochdb.errors import DatabaseError\n"
            f"try:\n    Database.open({path!r})\nexcept DatabaseError as e:\n    sys.exit(0 if e.code == 311 else 1)\n"
            "sys.exit(2)")], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        assert child.returncode == 0
        assert db.get(b"k") == b"v"


def test_bad_open_options(tmp_path):
    with pytest.raises(InvalidArgumentError):
        Database.open(str(tmp_path / "db"), sync_mode="sometimes")
    with pytest.raises(TypeError):
        Database.open(42)
    with Database.open(tmp_path / "db2", sync_mode="full", wal_recovery="salvage") as db:
        db.put(b"k", b"v")


def test_non_utf8_bytes_in_keys_and_values(db):
    pairs = {bytes([0, 1, 2, 0x80, 0xfe]): bytes(range(256)), b"\xc3\x28": b"\x00" * 10, b"\x00": b""}
    for k, v in pairs.items():
        db.put(k, v)
    assert {k: db.get(k) for k in pairs} == pairs
    assert dict(db.scan()) == pairs
    with db.transaction() as txn:
        txn.put(b"\xfe\xfe", b"\xff")
        assert txn.get(b"\xfe\xfe") == b"\xff"
    assert db.get(b"\xfe\xfe") == b"\xff"
    db.put(b"", b"empty key")  # the empty key is a key like any other
    assert db.get(b"") == b"empty key"


def test_large_values_round_trip(db):
    big = os.urandom(8 << 20)
    db.put(b"big", big)
    assert db.get(b"big") == big
    assert list(db.scan_prefix(b"big")) == [(b"big", big)]
    db.checkpoint()
    assert db.get(b"big") == big


def test_bytearray_and_memoryview_are_accepted(db):
    db.put(bytearray(b"k"), memoryview(b"v"))
    assert db.get(memoryview(b"k")) == b"v"


def test_transaction_after_commit_and_abort(db):
    txn = db.transaction()
    txn.put(b"a", b"1")
    lsn = txn.commit()
    assert lsn > 0
    for call in (lambda: txn.put(b"b", b"2"), lambda: txn.get(b"a"), lambda: txn.commit(), lambda: txn.abort(),
                 lambda: list(txn.scan()), lambda: txn.execute("SELECT 1")):
        with pytest.raises(TransactionError) as e:
            call()
        assert e.value.code == 601
    txn = db.transaction()
    txn.abort()
    with pytest.raises(TransactionError):
        txn.put(b"c", b"3")
    assert keys(db) == [b"a"]


def test_conflict_is_transaction_error_600_and_writes_nothing(db):
    t1, t2 = db.transaction(), db.transaction()
    t1.put(b"x", b"1")
    t2.put(b"x", b"2")
    t2.put(b"y", b"2")
    t1.commit()
    with pytest.raises(TransactionError) as e:
        t2.commit()
    assert e.value.code == 600
    assert db.get(b"x") == b"1" and db.get(b"y") is None


def test_snapshot_isolation_and_own_writes_in_scans(db):
    db.put(b"k1", b"old")
    txn = db.transaction()
    db.put(b"k1", b"new")
    db.put(b"k2", b"other")
    txn.put(b"k3", b"mine")
    txn.delete(b"k1")
    assert txn.get(b"k1") is None and txn.get(b"k2") is None
    assert list(txn.scan()) == [(b"k3", b"mine")]
    txn.abort()


def test_scan_bounds_prefixes_and_batches(db):
    for i in range(3000):
        db.put(f"item:{i:04d}".encode(), str(i).encode())
    db.put(b"\xfe\xff\xff", b"edge")
    db.put(b"\xff\xff" if False else b"item;", b"after")
    got = list(db.scan_prefix(b"item:"))
    assert len(got) == 3000 and got[0] == (b"item:0000", b"0") and got[-1] == (b"item:2999", b"2999")
    assert [k for k, _ in db.scan(b"item:2998")][:3] == [b"item:2998", b"item:2999", b"item;"]
    assert list(db.scan_prefix(b"\xfe\xff")) == [(b"\xfe\xff\xff", b"edge")]
    txn = db.transaction()
    for size in (1, 7, 1000, 5000):
        assert list(txn.scan_batched(b"item:", b"item;", batch_size=size)) == got
    for bad in (0, -1, 1_000_001, 2.5, True):
        with pytest.raises(ValueError):
            list(txn.scan_batched(b"item:", b"item;", batch_size=bad))
    txn.abort()
    # A scan abandoned half-way releases its snapshot.
    it = db.scan()
    next(it)
    del it


def test_sql_values_params_and_errors(db):
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, raw BLOB, ok BOOLEAN)")
    r = db.execute("INSERT INTO t (name, score, raw, ok) VALUES (?, ?, ?, ?)", ["a'b", 1.5, b"\x00\xff", True])
    assert r.rows_affected == 1 and r.columns == []
    db.execute("INSERT INTO t (name, score, raw, ok) VALUES (?, ?, ?, ?)", [None, -2, bytearray(b"x"), False])
    rows = db.execute("SELECT id, name, score, raw, ok FROM t ORDER BY id")
    assert rows.columns == ["id", "name", "score", "raw", "ok"]
    assert [dict(row) for row in rows] == [
        {"id": 1, "name": "a'b", "score": 1.5, "raw": b"\x00\xff", "ok": True},
        {"id": 2, "name": None, "score": -2.0, "raw": b"x", "ok": False},
    ]
    assert rows[0][1] == "a'b" and rows[0]["id"] == 1 and len(rows[0]) == 5
    assert db.execute_toon("SELECT id, name FROM t WHERE id = 1") == "result[1]{id,name}:1,a'b"
    with pytest.raises(InvalidArgumentError) as e:
        db.execute("SELEC * FROM t")
    assert e.value.code == 800 and "1:1" in str(e.value) or e.value.code == 800
    with pytest.raises(InvalidArgumentError) as e:
        db.execute("SELECT * FROM missing")
    assert e.value.code == 801
    with pytest.raises(InvalidArgumentError):
        db.execute("INSERT INTO t (id) VALUES (1)")  # primary key taken
    with pytest.raises(TypeError):
        db.execute("SELECT ?", [object()])
    with pytest.raises(AlreadyExistsError if False else InvalidArgumentError):
        db.execute("CREATE TABLE t (x INT)")
    assert db.stats()["queries_executed"] >= 6


def test_toon_errors_and_types():
    assert Database.to_toon("t", [{"a": 1, "b": None}, {"a": 2.5, "b": True}]) == "t[2]{a,b}:1,null;2.5,true"
    table, fields, records = Database.from_toon("t[2]{a,b}:1,null;2.5,true")
    assert (table, fields, records) == ("t", ["a", "b"], [{"a": 1, "b": None}, {"a": 2.5, "b": True}])
    for bad in ("t[2]{a}:1", "t{a}:1", "", "t[1]{a,a}:1,2"):
        with pytest.raises(InvalidArgumentError) as e:
            Database.from_toon(bad)
        assert 130 <= e.value.code <= 143
    with pytest.raises(InvalidArgumentError):
        Database.to_toon("t", [{"a": float("nan")}])
    with pytest.raises(TypeError):
        Database.to_toon("t", [{"a": object()}])
    with pytest.raises(TypeError):
        Database.to_toon("t", {"a": 1})


def test_concurrent_threads_share_one_database(db):
    errors = []

    def writer(n):
        try:
            for i in range(500):
                db.put(f"t{n}:{i:03d}".encode(), b"v")
                with db.transaction() as txn:
                    txn.put(f"x{n}:{i:03d}".encode(), b"w")
                assert db.get(f"t{n}:{i:03d}".encode()) == b"v"
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(keys(db)) == 4000
    stats = db.stats()
    assert stats["transactions_committed"] == 2000


def test_closed_database_raises_and_reopens(tmp_path):
    path = str(tmp_path / "db")
    db = Database.open(path)
    txn = db.transaction()
    db.put(b"k", b"v")
    db.close()
    db.close()  # idempotent
    with pytest.raises(DatabaseError) as e:
        db.put(b"k", b"v")
    assert e.value.code == 510
    with pytest.raises(SochDBError):
        txn.put(b"a", b"b")
        txn.commit()
    with Database.open(path) as again:
        assert again.get(b"k") == b"v"


def test_data_survives_reopen_without_checkpoint(tmp_path):
    path = str(tmp_path / "db")
    with Database.open(path, sync_mode="full") as db:
        for i in range(100):
            db.put(f"k{i}".encode(), f"v{i}".encode())
        db.put_path("a/b/c", b"path")
    with Database.open(path) as db:
        assert db.get(b"k99") == b"v99" and db.get_path("a/b/c") == b"path"


def test_transaction_scans_stream_and_merge_own_writes(db):
    with db.transaction() as txn:
        for i in range(5000):
            txn.put(f"k{i:05d}".encode(), b"base")
    txn = db.transaction()
    txn.delete(b"k00000")
    txn.put(b"k00001", b"mine")
    txn.put(b"k02500x", b"inserted")
    for i in range(1000, 2000):
        txn.delete(f"k{i:05d}".encode())  # a whole batch of the snapshot hidden
    it = txn.scan_batched(b"k", b"l", batch_size=1000)
    txn.put(b"k99999", b"after the scan opened")
    got = list(it)
    assert len(got) == 5000 - 1 - 1000 + 1
    assert got[0] == (b"k00001", b"mine") and (b"k02500x", b"inserted") in got
    assert all(k != b"k99999" for k, _ in got) and [k for k, _ in got] == sorted(k for k, _ in got)
    assert list(txn.scan_prefix(b"k99999")) == [(b"k99999", b"after the scan opened")]
    txn.abort()
