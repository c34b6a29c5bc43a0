"""Tests of the pure-Python IPC client (sochdb.ipc) against a real sochdb-server.

Run: cd python && python3 -m pytest tests/test_ipc.py -q

The server binary is found by sochdb._paths.find_binary("sochdb-server")
(the SwiftPM build folder during development); tests that need it are
skipped when it is missing. A few tests use a scripted fake server to feed
the client malformed or hostile replies.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path
from typing import List, Optional

import pytest

# (conftest.py puts the package on sys.path, or checks the installed one is used)

from sochdb import errors  # noqa: E402
from sochdb._paths import find_binary  # noqa: E402
from sochdb.errors import (  # noqa: E402
    AlreadyExistsError,
    ConnectionError,
    DatabaseError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    SochDBError,
    TransactionError,
)
from sochdb.ipc import IpcClient, IpcCollection, Query, SQLResult, _parse_toon  # noqa: E402

SERVER_BINARY = find_binary("sochdb-server")

# The seed's examples import it from the package.
SEED_IMPORT = "from sochdb import IpcClient"


# ---------------------------------------------------------------------------
# A real server
# ---------------------------------------------------------------------------


class Server:
    """One sochdb-server process (stopped with SIGTERM; it must exit 0)."""

    def __init__(self, db: Path, socket_path: Optional[Path], extra: List[str]) -> None:
        self.db = db
        self.socket = socket_path if socket_path is not None else db / "sochdb.sock"
        self.log = db.parent / f"{db.name}.server.log"
        cmd = [str(SERVER_BINARY), "--db", str(db), "--log-level", "warn", *extra]
        if socket_path is not None:
            cmd += ["--socket", str(socket_path)]
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"sochdb-server exited with {self.proc.returncode}: {self.log.read_text()}")
            if self.socket.exists():
                probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    probe.connect(str(self.socket))
                    return
                except OSError:
                    pass
                finally:
                    probe.close()
            time.sleep(0.02)
        self.proc.kill()
        pytest.fail("sochdb-server did not start listening within 90 s")

    def stop(self) -> int:
        """SIGTERM, wait, return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail("sochdb-server did not stop within 60 s of SIGTERM")
        self._log_file.close()
        return self.proc.returncode


def _require_server() -> None:
    if SERVER_BINARY is None:
        pytest.skip("sochdb-server is not built (swift build --product sochdb-server)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server shared by the module's tests (each test uses its own key prefix)."""
    _require_server()
    root = tmp_path_factory.mktemp("ipc")
    s = Server(root / "db", root / "s.sock", [])
    yield s
    assert s.stop() == 0, s.log.read_text()
    assert not s.socket.exists(), "the server should remove its socket file"


@pytest.fixture
def start_server(tmp_path):
    """Starts servers for one test (own database, options); stops them after, exit code 0."""
    _require_server()
    started: List[Server] = []

    def start(*extra: str, db_name: str = "db", socket_name: Optional[str] = "s.sock") -> Server:
        s = Server(tmp_path / db_name, tmp_path / socket_name if socket_name else None, list(extra))
        started.append(s)
        return s

    yield start
    for s in started:
        code = s.stop()
        assert code == 0, f"exit code {code}: {s.log.read_text()}"


@pytest.fixture
def client(server):
    c = IpcClient.connect(str(server.socket), timeout=30.0)
    yield c
    c.close()


@pytest.fixture
def prefix(request) -> str:
    """A key prefix unique to the test (the module's server is shared)."""
    return f"{request.node.name}/"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # the same sochdb as this process
    return env


def _run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=str(cwd), env=_env(),
                          capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------------
# The seed README's IPC code blocks, as written (paths in the temp folder)
# ---------------------------------------------------------------------------


def test_package_exports_ipc_client():
    """The seed imports `from sochdb import IpcClient` and `from sochdb import Query`."""
    try:
        from sochdb import IpcClient as A, Query as B  # noqa: F401
    except ImportError:
        pytest.skip("sochdb/__init__.py does not export IpcClient and Query yet")
    assert A is IpcClient and B is Query


def test_seed_ipc_client_mode(start_server):
    s = start_server(socket_name="sochdb.sock")   # the seed's /tmp/sochdb.sock
    client = IpcClient.connect(str(s.socket), timeout=30.0)
    # Ping (returns latency in seconds)
    latency = client.ping()
    assert isinstance(latency, float) and 0 < latency < 5
    # Put/Get/Delete - same as embedded
    client.put(b"key", b"value")
    value = client.get(b"key")
    assert value == b"value"
    client.delete(b"key")
    assert client.get(b"key") is None
    # Note: IPC uses list of path segments
    client.put_path(["users", "alice", "email"], b"alice@example.com")
    email = client.get_path(["users", "alice", "email"])
    assert email == b"alice@example.com"
    # Begin transaction
    txn_id = client.begin_transaction()
    assert isinstance(txn_id, int)
    # Commit or abort
    commit_ts = client.commit(txn_id)
    assert isinstance(commit_ts, int)
    txn_id = client.begin_transaction()
    client.abort(txn_id)

    client.put(b"users/1", json.dumps({"name": "Alice", "email": "alice@example.com", "age": 30}).encode())
    client.put(b"users/2", json.dumps({"name": "Bob", "email": "bob@example.com", "age": 25}).encode())
    # Fluent query interface
    results = client.query("users/") \
        .limit(10) \
        .offset(0) \
        .select(["name", "email"]) \
        .execute()  # Returns TOON string
    assert results == "users[2]{name,email}:Alice,alice@example.com;Bob,bob@example.com"
    # Parse to list of dicts
    results_list = client.query("users/") \
        .limit(10) \
        .to_list()
    assert results_list == [
        {"age": 30, "email": "alice@example.com", "name": "Alice"},
        {"age": 25, "email": "bob@example.com", "name": "Bob"},
    ]
    # Scan with prefix
    results = client.scan("users/")
    # Returns: [{"key": b"users/1", "value": b"..."}, ...]
    assert [r["key"] for r in results] == [b"users/1", b"users/2"]
    assert json.loads(results[0]["value"])["name"] == "Alice"
    client.close()


def test_seed_ipc_server_usage(start_server, tmp_path, monkeypatch, capsys):
    start_server(db_name="my_database", socket_name=None)   # default socket: <db>/sochdb.sock
    monkeypatch.chdir(tmp_path)
    # Connect to server
    client = IpcClient.connect("./my_database/sochdb.sock", timeout=30.0)
    # Use like embedded database
    client.put(b"key", b"value")
    value = client.get(b"key")
    assert value == b"value"
    # Check latency
    latency = client.ping()
    print(f"Round-trip latency: {latency*1000:.2f}ms")
    # Clean up
    client.close()
    assert "Round-trip latency: " in capsys.readouterr().out
    with pytest.raises(ConnectionError):
        client.get(b"key")


def test_seed_two_processes_writer_then_reader(start_server, tmp_path):
    start_server(db_name="shared_db", socket_name=None)
    writer = SEED_IMPORT + textwrap.dedent("""
        client = IpcClient.connect("./shared_db/sochdb.sock")
        for i in range(1000):
            client.put(f"log:{i}".encode(), f"entry_{i}".encode())
        client.close()
    """)
    reader = SEED_IMPORT + textwrap.dedent("""
        client = IpcClient.connect("./shared_db/sochdb.sock")
        results = client.scan("log:")
        print(f"Found {len(results)} log entries")
        client.close()
    """)
    w = _run_python(writer, tmp_path)
    assert w.returncode == 0, w.stderr
    r = _run_python(reader, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Found 1000 log entries"
    # And from this process, while the others are gone.
    with IpcClient.connect(str(tmp_path / "shared_db" / "sochdb.sock")) as c:
        entries = c.scan("log:")
        assert len(entries) == 1000
        assert {"key": b"log:999", "value": b"entry_999"} in entries


def test_writers_in_parallel_processes(start_server, tmp_path):
    s = start_server()
    code = SEED_IMPORT + textwrap.dedent(f"""
        import sys
        n = int(sys.argv[1])
        with IpcClient.connect({str(s.socket)!r}) as client:
            client.put_many((f"p{{n}}/{{i:04}}".encode(), bytes([n]) * i) for i in range(500))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)], env=_env(), cwd=str(tmp_path)) for n in range(4)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    with IpcClient.connect(str(s.socket)) as c:
        for n in range(4):
            pairs = c.scan(f"p{n}/")
            assert len(pairs) == 500
            assert pairs[7] == {"key": f"p{n}/0007".encode(), "value": bytes([n]) * 7}


# ---------------------------------------------------------------------------
# Connection
# ---------------------------------------------------------------------------


def test_ping_and_context_manager(server):
    with IpcClient.connect(server.socket) as c:      # a Path works too
        samples = [c.ping() for _ in range(20)]
        assert all(isinstance(x, float) and 0 < x < 5 for x in samples)
        assert not c.closed
        assert "open" in repr(c)
    assert c.closed
    c.close()   # idempotent
    with pytest.raises(ConnectionError) as e:
        c.ping()
    assert e.value.code == 700


def test_connect_to_missing_socket(tmp_path):
    with pytest.raises(ConnectionError) as e:
        IpcClient.connect(str(tmp_path / "nobody.sock"), timeout=2)
    assert e.value.code == 700
    assert "nobody.sock" in str(e.value) and "sochdb-server" in str(e.value)


def test_connect_to_stale_socket_and_plain_file(tmp_path):
    stale = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()   # the file stays, nobody listens
    with pytest.raises(ConnectionError, match="refused"):
        IpcClient.connect(str(stale))
    plain = tmp_path / "plain"
    plain.write_text("not a socket")
    with pytest.raises(ConnectionError):
        IpcClient.connect(str(plain))
    with pytest.raises(ConnectionError, match="107"):
        IpcClient.connect("/tmp/" + "x" * 120 + ".sock")


def test_connect_argument_types(tmp_path):
    with pytest.raises(TypeError):
        IpcClient.connect(str(tmp_path / "s"), timeout="1")
    with pytest.raises(ValueError):
        IpcClient.connect(str(tmp_path / "s"), timeout=-1)


def test_too_many_clients(start_server):
    s = start_server("--max-clients", "1")
    # The readiness probe's connection counts until the server has seen it
    # close (asynchronously), so the first client may need a retry.
    deadline = time.monotonic() + 10
    while True:
        try:
            first = IpcClient.connect(str(s.socket))
            break
        except ProtocolError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    with first:
        with pytest.raises(ProtocolError) as e:
            IpcClient.connect(str(s.socket))
        assert e.value.code == 702 and "too many clients" in str(e.value)
        assert first.ping() > 0
        assert first.stats()["connections_rejected"] >= 1


def test_idle_timeout_and_reconnect(start_server):
    s = start_server("--timeout-ms", "300")
    c = IpcClient.connect(str(s.socket))
    c.put(b"k", b"v")
    time.sleep(1.2)   # the server closes after 300 ms (checked every 75 ms)
    with pytest.raises(ConnectionError) as e:
        c.get(b"k")
    assert e.value.code == 700 and "time-out" in str(e.value)
    assert c.closed
    with pytest.raises(ConnectionError, match="reconnect"):
        c.get(b"k")
    c.reconnect()
    assert c.get(b"k") == b"v"
    c.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_cannot_use_the_parents_client(client):
    pid = os.fork()
    if pid == 0:   # the child: must refuse, and closing must not break the parent
        code = 1
        try:
            client.ping()
        except ConnectionError:
            code = 0
        except BaseException:
            code = 2
        client.close()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert client.ping() > 0


def test_server_shutdown_is_a_connection_error(start_server):
    s = start_server()
    c = IpcClient.connect(str(s.socket))
    c.put(b"k", b"v")
    assert s.stop() == 0
    assert not s.socket.exists()
    with pytest.raises(ConnectionError):
        c.ping()
    c.close()


# ---------------------------------------------------------------------------
# Keys and values
# ---------------------------------------------------------------------------


def test_put_get_delete(client, prefix):
    k = (prefix + "a").encode()
    assert client.get(k) is None
    client.put(k, b"1")
    assert client.get(k) == b"1"
    client.put(k, bytearray(b"2"))            # bytes-like values are fine
    assert client.get(memoryview(k)) == b"2"
    client.delete(k)
    assert client.get(k) is None
    client.delete(k)                           # deleting a missing key is OK


def test_empty_value_is_not_missing(client, prefix):
    k = (prefix + "empty").encode()
    client.put(k, b"")
    assert client.get(k) == b""
    assert client.get(k + b"-missing") is None


def test_non_utf8_keys_and_values(client):
    key = b"\x80\x81bin\x00\xfe\xfd"
    value = bytes(range(256)) * 3
    client.put(key, value)
    assert client.get(key) == value
    assert client.scan(b"\x80\x81") == [{"key": key, "value": value}]
    items = list(client.scan_iter(b"\x80\x81bin\x00"))
    assert items == [(key, value)]
    client.put_path(["bin", "caf\u00e9", "\U0001F600"], b"\xff\x00")
    assert client.get_path(["bin", "caf\u00e9", "\U0001F600"]) == b"\xff\x00"
    # QUERY shows non-UTF-8 keys and values as hex.
    client.put(b"hexq/\xfe", b"\xff\x00")
    assert client.query("hexq/").to_list() == [{"key": b"hexq/\xfe".hex(), "value": "ff00"}]


def test_large_values(client, prefix):
    big = os.urandom(4 << 20)
    k = (prefix + "4mib").encode()
    client.put(k, big)
    assert client.get(k) == big
    assert client.scan(prefix + "4mib") == [{"key": k, "value": big}]
    huge = os.urandom(15 << 20)                 # under the 16 MiB frame cap
    client.put(k, huge)
    assert client.get(k) == huge
    client.delete(k)


def test_scan_of_large_values_comes_in_several_batches(client, prefix):
    values = {f"{prefix}{i:02}".encode(): os.urandom(300 << 10) for i in range(12)}
    client.put_many(values.items())
    with client.scan_iter(prefix) as it:
        got = dict(it)
    assert got == values and it.count == 12


def test_reserved_and_oversized_keys(client):
    with pytest.raises(InvalidArgumentError) as e:
        client.put(b"\xffsecret", b"x")
    assert e.value.code == 120 and isinstance(e.value, ValueError)
    with pytest.raises(InvalidArgumentError) as e:
        client.put(b"k" * ((1 << 20) + 1), b"x")
    assert e.value.code == 110
    with pytest.raises(InvalidArgumentError):
        client.scan(b"\xff")
    assert client.ping() > 0     # the connection survives errors


def test_frame_over_the_server_cap_closes_the_connection(start_server):
    s = start_server("--max-frame-bytes", "1048576")
    c = IpcClient.connect(str(s.socket))
    c.put(b"before", b"1")
    with pytest.raises(ProtocolError) as e:
        c.put(b"big", b"x" * (2 << 20))
    assert e.value.code == 702 and "limit" in str(e.value)
    assert c.closed
    c.reconnect()
    assert c.get(b"before") == b"1" and c.get(b"big") is None
    c.close()


def test_argument_types_raise_type_error(client):
    for call in (
        lambda: client.put("key", b"v"),
        lambda: client.put(b"key", "v"),
        lambda: client.get("key"),
        lambda: client.get(1),
        lambda: client.delete(None),
        lambda: client.put_path([b"a"], b"v"),
        lambda: client.put_path(["a"], "v"),
        lambda: client.get_path(b"a/b"),
        lambda: client.scan(1),
        lambda: client.commit("1"),
        lambda: client.abort(True),
        lambda: client.query(b"users/"),
        lambda: client.query("u/").select("name"),
        lambda: client.query("u/").limit("3"),
        lambda: client.execute_sql(b"SELECT 1"),
        lambda: client.execute_sql("SELECT ?", [object()]),
        lambda: client.execute_sql("SELECT ?", "x"),
        lambda: client.put_many([b"just-a-key"]),
        lambda: client.create_collection(b"c", 3),
        lambda: client.collection("c").upsert("a", "abc"),
    ):
        with pytest.raises(TypeError):
            call()
    assert client.ping() > 0


def test_put_get_delete_many(client, prefix):
    pairs = [(f"{prefix}{i:05}".encode(), f"v{i}".encode()) for i in range(3000)]
    assert client.put_many(pairs) == 3000
    assert client.put_many({(prefix + "dict").encode(): b"d"}) == 1
    keys = [k for k, _ in pairs[:700]] + [b"missing/" + prefix.encode()]
    got = client.get_many(keys)
    assert got[:700] == [v for _, v in pairs[:700]] and got[700] is None
    assert len(client.scan(prefix)) == 3001
    assert client.delete_many(k for k, _ in pairs) == 3000
    assert client.scan(prefix) == [{"key": (prefix + "dict").encode(), "value": b"d"}]


def test_get_many_of_large_values(client, prefix):
    # 40 MiB of replies: more than the server's --max-output-bytes (32 MiB)
    # if they were all pipelined at once.
    values = [os.urandom(4 << 20) for _ in range(10)]
    keys = [f"{prefix}{i}".encode() for i in range(10)]
    client.put_many(zip(keys, values))
    assert client.get_many(keys + [b"nope"]) == values + [None]
    client.delete_many(keys)


def test_put_many_with_a_refused_pair(client, prefix):
    p = prefix.encode()
    with pytest.raises(InvalidArgumentError) as e:
        client.put_many([(p + b"1", b"a"), (b"\xffbad", b"b"), (p + b"3", b"c")])
    assert e.value.code == 120
    # The others of the pipelined run still ran, each alone; the stream is in step.
    assert client.get_many([p + b"1", p + b"3"]) == [b"a", b"c"]


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------


def test_paths_as_lists(client, prefix):
    root = prefix.rstrip("/")
    client.put_path([root, "alice", "email"], b"alice@example.com")
    client.put_path([root, "alice", "name"], b"Alice")
    assert client.get_path([root, "alice", "email"]) == b"alice@example.com"
    assert client.get_path((root, "alice", "name")) == b"Alice"      # tuples too
    assert client.get_path(f"{root}/alice/name") == b"Alice"          # and a /-separated str
    assert client.get_path([root, "bob", "email"]) is None
    # Paths live apart from the keys of PUT/GET/SCAN.
    assert client.get(f"{root}/alice/email".encode()) is None
    assert client.scan(prefix) == []
    client.delete_path([root, "alice", "email"])
    assert client.get_path([root, "alice", "email"]) is None
    client.delete_path([root, "nobody"])


@pytest.mark.parametrize("bad", [[], ["a", ""], ["a/b"], ["a\x00b"], "a//b"])
def test_bad_paths_are_refused(client, bad):
    with pytest.raises(InvalidArgumentError) as e:
        client.put_path(bad, b"x")
    assert e.value.code == 120


# ---------------------------------------------------------------------------
# Scans
# ---------------------------------------------------------------------------


def test_scan_order_prefixes_and_batches(client, prefix):
    keys = [f"{prefix}{i:04}".encode() for i in range(2500)]
    client.put_many((k, k[::-1]) for k in reversed(keys))
    out = client.scan(prefix)
    assert [r["key"] for r in out] == keys
    assert out[3]["value"] == keys[3][::-1]
    assert [r["key"] for r in client.scan(prefix + "001")] == keys[10:20]
    assert [r["key"] for r in client.scan((prefix + "249").encode(), batch_size=3)] == keys[2490:]
    with client.scan_iter(prefix, batch_size=7) as it:
        assert sum(1 for _ in it) == 2500
    assert client.scan(prefix + "zzz") == []


def test_scan_of_everything(start_server):
    s = start_server()
    with IpcClient.connect(str(s.socket)) as c:
        assert c.scan() == [] and c.scan("") == []
        c.put(b"b", b"2")
        c.put(b"a", b"1")
        c.put_path(["p"], b"hidden")        # reserved keys never appear
        assert c.scan() == [{"key": b"a", "value": b"1"}, {"key": b"b", "value": b"2"}]


def test_scan_iter_closed_early_keeps_the_connection_usable(client, prefix):
    client.put_many((f"{prefix}{i:04}".encode(), b"x" * 100) for i in range(3000))
    it = client.scan_iter(prefix, batch_size=10)
    assert next(it)[0] == f"{prefix}0000".encode()
    with pytest.raises(RuntimeError):
        client.get(b"anything")          # this thread is mid-stream
    it.close()
    assert client.ping() > 0
    for key, _ in client.scan_iter(prefix):  # break: the iterator is dropped and drained
        break
    assert client.get(f"{prefix}2999".encode()) == b"x" * 100


def test_scan_error_frame(client):
    with pytest.raises(InvalidArgumentError):
        list(client.scan_iter(b"\xffp"))
    assert client.ping() > 0


# ---------------------------------------------------------------------------
# QUERY
# ---------------------------------------------------------------------------


def test_query_toon_and_to_list(client):
    client.put(b"qusers/1", b'{"name": "Alice", "email": "a@x.org"}')
    client.put(b"qusers/2", b'{"name": "Bob", "email": "b@x.org", "tags": ["x", "y, z"], "score": 2.5}')
    client.put(b"qusers/3", b"plain text")
    assert client.query("qusers/").limit(2).select(["email", "name"]).execute() == \
        "qusers[2]{email,name}:a@x.org,Alice;b@x.org,Bob"
    assert client.query("qusers/").to_list() == [
        {"email": "a@x.org", "key": None, "name": "Alice", "score": None, "tags": None, "value": None},
        {"email": "b@x.org", "key": None, "name": "Bob", "score": 2.5, "tags": ["x", "y, z"], "value": None},
        {"email": None, "key": "qusers/3", "name": None, "score": None, "tags": None, "value": "plain text"},
    ]
    assert client.query("qusers/").offset(1).limit(1).select(["name"]).to_list() == [{"name": "Bob"}]
    assert client.query("qusers/").limit(0).select(["name"]).execute().startswith("qusers[3]")
    assert client.query("qusers/").offset(10).select(["name"]).execute() == "qusers[0]{name}:"


def test_query_is_immutable_and_shows_its_parameters(client):
    base = client.query("qx/")
    q = base.limit(5).offset(2).select(["a", "b"])
    assert isinstance(q, Query)
    assert base.parameters == {"prefix": "qx/"}
    assert q.parameters == {"prefix": "qx/", "limit": 5, "offset": 2, "columns": ["a", "b"]}
    assert "qx/" in repr(q)


def test_query_table_names(client):
    client.put(b"logs/2024/1", b'{"m": 1}')
    client.put(b"9x1", b'{"m": 2}')
    assert client.query("logs/2024/").execute() == "logs_2024[1]{m}:1"
    assert client.query("9x").execute() == "_9x[1]{m}:2"


def test_query_errors(client):
    with pytest.raises(InvalidArgumentError) as e:
        client.query("qusers/").select(["not a name"]).execute()
    assert e.value.code == 120
    with pytest.raises(ValueError):
        client.query("qusers/").limit(-1)      # refused before sending
    with pytest.raises(ValueError):
        client.query("qusers/").offset(-5)


def test_query_inside_a_transaction_sees_its_writes(client, prefix):
    txn = client.begin_transaction()
    client.put((prefix + "1").encode(), b'{"v": 1}')
    assert client.query(prefix).to_list() == [{"v": 1}]
    client.abort(txn)
    assert client.query(prefix).to_list() == []


# ---------------------------------------------------------------------------
# Transactions
# ---------------------------------------------------------------------------


def test_transactions_commit_and_abort(server, client, prefix):
    a, b = (prefix + "a").encode(), (prefix + "b").encode()
    with IpcClient.connect(str(server.socket)) as other:
        txn = client.begin_transaction()
        assert isinstance(txn, int)
        client.put(a, b"1")
        client.put(b, b"2")
        assert client.get(a) == b"1"                 # own writes
        assert other.get(a) is None                  # not visible outside before commit
        assert [r["key"] for r in client.scan(prefix)] == [a, b]
        lsn = client.commit(txn)
        assert isinstance(lsn, int) and lsn > 0
        assert other.get(a) == b"1" and other.get(b) == b"2"

        txn2 = client.begin_transaction()
        assert txn2 != txn
        client.delete(a)
        client.put(b, b"changed")
        client.abort(txn2)
        assert client.get(a) == b"1" and client.get(b) == b"2"

        txn3 = client.begin_transaction()
        client.put(a, b"3")
        lsn3 = client.commit(txn3)
        assert lsn3 > lsn
        ro = client.begin_transaction()
        assert isinstance(client.commit(ro), int)    # read-only: its snapshot's LSN


def test_transaction_context_manager(client, prefix):
    k = (prefix + "k").encode()
    with client.transaction() as txn:
        assert isinstance(txn, int)
        client.put(k, b"1")
    assert client.get(k) == b"1"
    with pytest.raises(ZeroDivisionError):
        with client.transaction():
            client.put(k, b"2")
            1 / 0
    assert client.get(k) == b"1"


def test_transaction_errors(client):
    txn = client.begin_transaction()
    with pytest.raises(InvalidArgumentError) as e:
        client.begin_transaction()                    # one per connection
    assert e.value.code == 120
    with pytest.raises(InvalidArgumentError) as e:
        client.commit(txn + 12345)                    # not this connection's
    assert e.value.code == 120
    client.abort(txn)                                 # still open: abort works
    with pytest.raises(InvalidArgumentError):
        client.commit(txn)                            # finished
    with pytest.raises(InvalidArgumentError):
        client.commit(-1)


def test_write_conflict_is_a_transaction_error(server, client, prefix):
    k = (prefix + "contended").encode()
    with IpcClient.connect(str(server.socket)) as other:
        t1 = client.begin_transaction()
        t2 = other.begin_transaction()
        client.put(k, b"first")
        other.put(k, b"second")
        client.commit(t1)
        with pytest.raises(TransactionError) as e:
            other.commit(t2)
        assert e.value.code == 600
        t3 = other.begin_transaction()                # finished either way: begin again
        other.put(k, b"retry")
        other.commit(t3)
    assert client.get(k) == b"retry"


def test_disconnect_aborts_the_transaction(server, client, prefix):
    k = (prefix + "k").encode()
    baseline = client.stats()["active_transactions"]
    c = IpcClient.connect(str(server.socket))
    c.begin_transaction()
    c.put(k, b"uncommitted")
    assert client.stats()["active_transactions"] == baseline + 1
    c.close()
    deadline = time.monotonic() + 10
    while client.stats()["active_transactions"] != baseline and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.stats()["active_transactions"] == baseline
    assert client.get(k) is None


# ---------------------------------------------------------------------------
# Checkpoint, stats, raw protocol
# ---------------------------------------------------------------------------


def test_checkpoint_and_stats(client, prefix):
    client.put((prefix + "k").encode(), b"v")
    assert client.checkpoint() is None     # the protocol's reply is a plain OK
    stats = client.stats()
    documented = {
        "keys_count", "bytes_written", "tables_per_level", "bytes_per_level", "queries_executed",
        "connections_total", "connections_active", "connections_rejected", "requests_total",
        "requests_success", "requests_error", "bytes_received", "bytes_sent", "uptime_secs",
        "active_transactions",
    }
    assert documented <= set(stats), documented - set(stats)
    assert stats["connections_active"] >= 1
    assert isinstance(stats["tables_per_level"], list)
    before = client.stats()["requests_total"]
    with pytest.raises(TypeError):
        client.put("not bytes", b"v")            # nothing is sent
    assert client.stats()["requests_total"] == before + 1


def test_protocol_bytes_of_the_docs_worked_example(server):
    """The exact frames of docs/protocol/ipc.md's "Worked example"."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(str(server.socket))

    def reply(n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = s.recv(n - len(out))
            assert chunk
            out += chunk
        return out

    try:
        s.sendall(bytes.fromhex("02 05 00 00 00 01 00 00 00 6B"))            # GET k (missing)
        assert reply(5) == bytes.fromhex("88 00 00 00 00")
        s.sendall(bytes.fromhex("01 0A 00 00 00 01 00 00 00 6B 01 00 00 00 76"))   # PUT k v
        assert reply(5) == bytes.fromhex("80 00 00 00 00")
        s.sendall(bytes.fromhex("02 05 00 00 00 01 00 00 00 6B"))
        assert reply(10) == bytes.fromhex("82 05 00 00 00 01 00 00 00 76")
        s.sendall(bytes.fromhex("55 00 00 00 00"))                           # unknown opcode
        assert reply(44) == (bytes.fromhex("81 27 00 00 00 BD 02 00 00")
                             + b"protocol error: unknown opcode 0x55")
        s.sendall(bytes.fromhex("0E 00 00 00 00"))                           # still open: PING
        pong = reply(13)
        assert pong[:5] == bytes.fromhex("87 08 00 00 00")
        ns = struct.unpack("<Q", pong[5:])[0]
        assert abs(ns / 1e9 - time.time()) < 60
    finally:
        s.close()


def test_server_errors_become_exceptions_with_codes(client):
    # CREATE_TABLE (not exposed by the client) is always 120.
    with pytest.raises(InvalidArgumentError) as e:
        client._request(0x08, b"", (0x80,))
    assert e.value.code == 120 and "EXECUTE_SQL" in str(e.value)
    # An unknown opcode and trailing bytes are 701: ProtocolError, connection usable.
    with pytest.raises(ProtocolError) as e:
        client._request(0x55, b"", (0x80,))
    assert e.value.code == 701 and "unknown opcode 0x55" in str(e.value)
    with pytest.raises(ProtocolError) as e:
        client._request(0x0E, b"extra", (0x87,))
    assert e.value.code == 701
    assert client.ping() > 0
    assert isinstance(errors.error_for_code(600, "x"), TransactionError)


# ---------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------


def test_execute_sql(client):
    client.execute_sql("CREATE TABLE ipc_people (id INTEGER PRIMARY KEY, name TEXT, score REAL, "
                       "ok BOOLEAN, data BLOB)")
    r = client.execute_sql("INSERT INTO ipc_people VALUES (?, ?, ?, ?, ?)", [1, "Alice", 2.5, True, b"\x00\xff"])
    assert isinstance(r, SQLResult) and r.rows_affected == 1 and r == []
    client.execute("INSERT INTO ipc_people VALUES (?, ?, ?, ?, ?)", (2, None, None, False, None))
    rows = client.execute_sql("SELECT id, name, score, ok, data FROM ipc_people ORDER BY id")
    assert rows.columns == ["id", "name", "score", "ok", "data"]
    assert rows == [
        {"id": 1, "name": "Alice", "score": 2.5, "ok": True, "data": "00ff"},
        {"id": 2, "name": None, "score": None, "ok": False, "data": None},
    ]
    assert rows.raw_rows[0] == [1, "Alice", 2.5, True, "00ff"]
    assert [dict(row) for row in rows][0]["name"] == "Alice"      # the seed's idiom
    toon = client.execute_sql_toon("SELECT id, name FROM ipc_people WHERE id = ?", [1])
    assert toon == "result[1]{id,name}:1,Alice"
    assert _parse_toon(toon)[2] == [{"id": 1, "name": "Alice"}]
    upd = client.execute_sql("UPDATE ipc_people SET score = ? WHERE id >= ?", [1.0, 1])
    assert upd.rows_affected == 2


def test_sql_errors(client):
    with pytest.raises(InvalidArgumentError) as e:
        client.execute_sql("SELEC nothing")
    assert e.value.code == 800
    client.execute_sql("CREATE TABLE ipc_pk (id INTEGER PRIMARY KEY)")
    client.execute_sql("INSERT INTO ipc_pk VALUES (1)")
    with pytest.raises(DatabaseError) as e:
        client.execute_sql("INSERT INTO ipc_pk VALUES (1)")
    assert e.value.code == 813
    with pytest.raises(TransactionError) as e:
        client.execute_sql("BEGIN")
    assert e.value.code == 820
    with pytest.raises(InvalidArgumentError):
        client.execute_sql("SELECT ?", [float("nan")])
    with pytest.raises(InvalidArgumentError):
        client.execute_sql("SELECT ?", [1 << 64])


def test_sql_and_keys_in_one_transaction(client, prefix):
    client.execute_sql("CREATE TABLE ipc_tx (id INTEGER PRIMARY KEY, name TEXT)")
    k = (prefix + "meta").encode()
    txn = client.begin_transaction()
    client.execute_sql("INSERT INTO ipc_tx VALUES (1, 'Alice')")
    client.put(k, b'{"verified": true}')
    client.abort(txn)
    assert client.execute_sql("SELECT * FROM ipc_tx") == [] and client.get(k) is None
    with client.transaction():
        client.execute_sql("INSERT INTO ipc_tx VALUES (1, 'Alice')")
        client.put(k, b'{"verified": true}')
    assert len(client.execute_sql("SELECT * FROM ipc_tx")) == 1 and client.get(k) is not None


# ---------------------------------------------------------------------------
# Collections
# ---------------------------------------------------------------------------


def test_collections(client):
    col = client.create_collection("ipc_docs", 3, "cosine", m=8, ef_construction=50)
    assert isinstance(col, IpcCollection) and col.name == "ipc_docs"
    col.upsert("a", [1.0, 0.0, 0.0], {"lang": "en", "year": 2021})
    assert col.upsert_many([
        ("b", (0.0, 1.0, 0.0)),
        ("c", [0.9, 0.1, 0.0], {"lang": "fr", "year": 2019}),
        {"id": "d", "vector": [0.7, 0.7, 0.0], "metadata": {"lang": "en", "year": 2024}},
    ]) == 3
    hits = col.search([1.0, 0.05, 0.0], k=2)
    assert [h["id"] for h in hits] == ["a", "c"]
    assert hits[0]["distance"] < hits[1]["distance"] and hits[0]["metadata"] == {"lang": "en", "year": 2021}
    en = col.search([1.0, 0.0, 0.0], k=10, filter={"lang": "en", "year": {"$gte": 2022}})
    assert [h["id"] for h in en] == ["d"]
    assert [h["id"] for h in col.search([1, 0, 0], k=1, ef=64, filter='{"lang": "fr"}')] == ["c"]
    rec = col.get("c")
    assert rec["id"] == "c" and rec["metadata"] == {"lang": "fr", "year": 2019}
    assert rec["vector"] == pytest.approx([0.9, 0.1, 0.0], abs=1e-6)
    assert col.get("zz") is None
    assert col.delete("b") is True and col.delete("b") is False
    info = col.info()
    assert info["name"] == "ipc_docs" and info["dimension"] == 3 and info["metric"] == "cosine"
    assert info["count"] == 3 and info["m"] == 8
    assert "ipc_docs" in client.list_collections()
    col.drop()
    assert "ipc_docs" not in client.list_collections()


def test_collection_errors(client):
    client.create_collection("ipc_err", 2)
    with pytest.raises(AlreadyExistsError) as e:
        client.create_collection("ipc_err", 2)
    assert e.value.code == 122
    with pytest.raises(NotFoundError) as e:
        client.collection("ipc_nope").get("x")
    assert e.value.code == 121
    with pytest.raises(InvalidArgumentError) as e:
        client.collection("ipc_err").upsert("a", [1.0, 2.0, 3.0])
    assert e.value.code == 101
    with pytest.raises(InvalidArgumentError) as e:
        client.collection("ipc_err").upsert_many([("a", [1.0, 2.0]), ("b", [1.0])])   # refused client-side
    assert e.value.code == 101
    with pytest.raises(InvalidArgumentError) as e:
        client.create_collection("ipc_bad", 2, "manhattan")
    assert e.value.code == 120
    with pytest.raises(InvalidArgumentError):
        client.collection("ipc_err").search([1.0, 0.0], k=0)
    client.drop_collection("ipc_err")


def test_collection_writes_join_the_transaction(client):
    col = client.create_collection("ipc_txn", 2)
    txn = client.begin_transaction()
    col.upsert("a", [1.0, 0.0])
    assert col.get("a") is not None
    client.abort(txn)
    assert col.get("a") is None
    col.drop()


# ---------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------


def test_one_client_shared_by_threads(client, prefix):
    failures: List[BaseException] = []

    def writer(t: int) -> None:
        try:
            for i in range(150):
                k = f"{prefix}{t}/{i:03}".encode()
                v = os.urandom((t * 37 + i) % 2000)
                client.put(k, v)
                assert client.get(k) == v
                if i % 50 == 0:
                    assert client.ping() > 0
                    client.get_many([k, k])
        except BaseException as e:   # noqa: BLE001 - reported below
            failures.append(e)

    def scanner() -> None:
        try:
            for _ in range(20):
                for key, _ in client.scan_iter(prefix):
                    assert key.startswith(prefix.encode())
                client.query(prefix).limit(5).execute()
        except BaseException as e:   # noqa: BLE001
            failures.append(e)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)] + [threading.Thread(target=scanner)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not failures, failures[0]
    assert len(client.scan(prefix)) == 8 * 150


def test_clients_per_thread(server, prefix):
    def work(t: int) -> int:
        with IpcClient.connect(str(server.socket)) as c:
            with c.transaction():
                for i in range(100):
                    c.put(f"{prefix}{t}/{i}".encode(), b"x")
            return len(c.scan(f"{prefix}{t}/"))

    results: List[int] = []
    threads = [threading.Thread(target=lambda t=t: results.append(work(t))) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert results == [100] * 6


# ---------------------------------------------------------------------------
# A scripted fake server: malformed and hostile replies
# ---------------------------------------------------------------------------

HANG = object()
PONG = bytes([0x87]) + struct.pack("<I", 8) + struct.pack("<Q", 1)


class FakeServer:
    """Accepts one connection; answers the client's handshake PING with
    PONG, then each later request with the next scripted reply: bytes,
    (bytes,) to send them and close, HANG to wait, None to close.
    Records every request."""

    def __init__(self, path: Path, replies: list, handshake: bytes = PONG) -> None:
        self.path = str(path)
        self.replies = list(replies)
        self.handshake = handshake
        self.received: list = []
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _exact(conn: socket.socket, n: int) -> Optional[bytes]:
        out = b""
        while len(out) < n:
            chunk = conn.recv(n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def _run(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        try:
            while True:
                header = self._exact(conn, 5)
                if header is None:
                    return
                op, n = struct.unpack("<BI", header)
                payload = self._exact(conn, n) if n else b""
                self.received.append((op, payload))
                if len(self.received) == 1 and self.handshake is not None:
                    conn.sendall(self.handshake)
                    continue
                if not self.replies:
                    return
                r = self.replies.pop(0)
                if r is None:
                    return
                if r is HANG:
                    self.stop.wait(30)
                    return
                if isinstance(r, tuple):
                    conn.sendall(r[0])
                    return
                conn.sendall(r)
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.fixture
def fake(tmp_path):
    made: List[FakeServer] = []

    def make(replies: list, handshake: bytes = PONG) -> FakeServer:
        f = FakeServer(tmp_path / f"fake{len(made)}.sock", replies, handshake)
        made.append(f)
        return f

    yield make
    for f in made:
        f.close()


def _frame(op: int, payload: bytes) -> bytes:
    return struct.pack("<BI", op, len(payload)) + payload


def test_huge_declared_reply_is_refused_before_allocating(fake):
    f = fake([bytes([0x82]) + struct.pack("<I", 0xFFFFFFFF)])
    c = IpcClient.connect(f.path, timeout=5)
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError) as e:
            c.get(b"k")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert e.value.code == 701 and "max_reply_bytes" in str(e.value)
    assert peak < 1 << 20
    assert c.closed


def test_max_reply_bytes_is_configurable(server, prefix):
    k = (prefix + "k").encode()
    with IpcClient.connect(str(server.socket)) as c:
        c.put(k, b"x" * 4096)
    with IpcClient.connect(str(server.socket), max_reply_bytes=1024) as c:
        assert c.get(k[:-1] + b"missing") is None
        with pytest.raises(ProtocolError):
            c.get(k)
        assert c.closed


@pytest.mark.parametrize("reply, request_name", [
    (_frame(0x82, struct.pack("<I", 1000) + b"short"), "get"),           # blob longer than the payload
    (_frame(0x82, struct.pack("<I", 1) + b"ab"), "get"),                 # trailing bytes
    (_frame(0x84, struct.pack("<I", 0xFFFFFFFF)), "scan"),               # pair count the payload cannot hold
    (_frame(0x85, struct.pack("<Q", 5)), "scan"),                        # END_STREAM counting pairs never sent
    (_frame(0x99, b""), "get"),                                          # unknown reply opcode
    (_frame(0x81, b"\x01\x02"), "get"),                                  # ERROR too short for its code
    (_frame(0x80, b"x"), "put"),                                         # OK with a payload
    (_frame(0x82, struct.pack("<I", 1) + b"v"), "put"),                  # the wrong reply for the request
    (_frame(0x86, b"[1, 2]"), "stats"),                                  # STATS not an object
    (_frame(0x86, b"\xff\xfe"), "stats"),                                # STATS not UTF-8
    (_frame(0x82, struct.pack("<I", 3) + b"a[{"), "query"),              # QUERY reply not TOON
])
def test_malformed_replies_are_protocol_errors(fake, reply, request_name):
    f = fake([reply])
    c = IpcClient.connect(f.path, timeout=5)
    call = {
        "get": lambda: c.get(b"k"),
        "put": lambda: c.put(b"k", b"v"),
        "scan": lambda: c.scan("p"),
        "stats": lambda: c.stats(),
        "query": lambda: c.query("p").to_list(),
    }[request_name]
    with pytest.raises(ProtocolError) as e:
        call()
    assert e.value.code == 701
    c.close()


def test_server_error_frame_codes_map_to_classes(fake):
    def err(code: int, msg: str) -> bytes:
        return _frame(0x81, struct.pack("<i", code) + msg.encode())

    f = fake([err(600, "conflict"), err(121, "not found: c"), err(122, "exists"), err(210, "corrupt"),
              err(701, "protocol"), err(813, "unique"), err(799, "internal"), err(510, "closed")])
    c = IpcClient.connect(f.path, timeout=5)
    expected = [(TransactionError, 600), (NotFoundError, 121), (AlreadyExistsError, 122), (DatabaseError, 210),
                (ProtocolError, 701), (InvalidArgumentError, 813), (DatabaseError, 799), (DatabaseError, 510)]
    for cls, code in expected:
        with pytest.raises(cls) as e:
            c.get(b"k")
        assert e.value.code == code and isinstance(e.value, SochDBError)
    c.close()


def test_eof_in_the_middle_of_a_reply(fake):
    f = fake([(bytes([0x82, 10, 0, 0]),)])        # half a header, then close
    c = IpcClient.connect(f.path, timeout=5)
    with pytest.raises(ConnectionError) as e:
        c.get(b"k")
    assert e.value.code == 700
    assert c.closed


def test_reply_time_out(fake):
    f = fake([HANG])
    c = IpcClient.connect(f.path, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(ConnectionError, match="timed out"):
        c.get(b"k")
    assert time.monotonic() - start < 5
    assert c.closed


def test_close_from_another_thread_wakes_a_waiting_call(fake):
    f = fake([HANG])
    c = IpcClient.connect(f.path, timeout=30)
    outcome: list = []

    def call() -> None:
        try:
            c.get(b"k")
            outcome.append("returned")
        except BaseException as e:   # noqa: BLE001
            outcome.append(e)

    th = threading.Thread(target=call)
    th.start()
    time.sleep(0.3)
    c.close()
    th.join(timeout=5)
    assert not th.is_alive()
    assert isinstance(outcome[0], ConnectionError)


def test_not_a_sochdb_server(fake):
    f = fake([], handshake=b"HTTP/1.1 400 Bad Request\r\n\r\n")
    with pytest.raises(ProtocolError):
        IpcClient.connect(f.path, timeout=5)


def test_type_errors_send_nothing(fake):
    f = fake([PONG])
    c = IpcClient.connect(f.path, timeout=5)
    with pytest.raises(TypeError):
        c.put("key", b"v")
    with pytest.raises(TypeError):
        c.put_path(["a", 1], b"v")
    assert c.ping() > 0
    assert [op for op, _ in f.received] == [0x0E, 0x0E]
    c.close()


def test_request_bytes_match_the_spec(fake):
    """The client's frames, byte for byte (docs/protocol/ipc.md payload tables)."""
    ok = _frame(0x80, b"")
    f = fake([ok, ok, _frame(0x83, struct.pack("<Q", 7)), ok,
              _frame(0x85, struct.pack("<Q", 0)), _frame(0x82, struct.pack("<I", 2) + b"t[")])
    c = IpcClient.connect(f.path, timeout=5)
    c.put(b"k", b"v")
    c.put_path(["users", "al"], b"x")
    c.commit(7)
    c.abort(7)
    assert c.scan("p", batch_size=3) == []
    with pytest.raises(ProtocolError):
        c.query("u/").limit(2).select(["a"]).to_list()
    got = f.received[1:]
    assert got[0] == (0x01, bytes.fromhex("01 00 00 00 6B 01 00 00 00 76"))
    assert got[1] == (0x09, bytes.fromhex("02 00 05 00") + b"users" + bytes.fromhex("02 00") + b"al"
                      + bytes.fromhex("01 00 00 00") + b"x")
    assert got[2] == (0x05, struct.pack("<Q", 7))
    assert got[3] == (0x06, struct.pack("<Q", 7))
    assert got[4] == (0x0B, struct.pack("<I", 1) + b"p" + struct.pack("<I", 3))
    assert got[5][0] == 0x07 and json.loads(got[5][1]) == {"prefix": "u/", "limit": 2, "columns": ["a"]}
    c.close()


# ---------------------------------------------------------------------------
# The TOON decoder behind Query.to_list() (docs/formats/toon.md examples)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, name, fields, records", [
    ("users[2]{id,name,email,age}:1,Alice,alice@example.com,30;2,Bob,bob@example.com,25",
     "users", ["id", "name", "email", "age"],
     [{"id": 1, "name": "Alice", "email": "alice@example.com", "age": 30},
      {"id": 2, "name": "Bob", "email": "bob@example.com", "age": 25}]),
    ('t[3]{a,b}:1,null;"",x;"null",null', "t", ["a", "b"],
     [{"a": 1, "b": None}, {"a": "", "b": "x"}, {"a": "null", "b": None}]),
    ("n[3]{i,d}:0,1.0;-1,-0.0;9223372036854775807,1e+300", "n", ["i", "d"],
     [{"i": 0, "d": 1.0}, {"i": -1, "d": -0.0}, {"i": 9223372036854775807, "d": 1e300}]),
    ('docs[2]{id,tags,meta}:1,[a,b c,1,2.5,true,null],{z:1,k:{x:y}};2,[],{"1":one,"a:b":"c]d"}',
     "docs", ["id", "tags", "meta"],
     [{"id": 1, "tags": ["a", "b c", 1, 2.5, True, None], "meta": {"z": 1, "k": {"x": "y"}}},
      {"id": 2, "tags": [], "meta": {"1": "one", "a:b": "c]d"}}]),
    ('p[1]{id,description}:3,"Finish home bag, with use a office ships perfect life."', "p",
     ["id", "description"], [{"id": 3, "description": "Finish home bag, with use a office ships perfect life."}]),
    ("users[0]{id,name}:", "users", ["id", "name"], []),
    ("t[3]{}:;;", "t", [], [{}, {}, {}]),
    ("t[1]{}:", "t", [], [{}]),
    ('e[1]{s,u,w}:"a\\nb\\t\\"q\\"\\\\ \\u00e9\\uD83D\\uDE00",http://x:1/a[1],1e', "e", ["s", "u", "w"],
     [{"s": 'a\nb\t"q"\\ \u00e9\U0001F600', "u": "http://x:1/a[1]", "w": "1e"}]),
])
def test_toon_decoder(text, name, fields, records):
    got = _parse_toon(text)
    assert got == (name, fields, records)
    if records and "d" in records[0]:
        assert str(got[2][1]["d"]) == "-0.0"


@pytest.mark.parametrize("text", [
    "users{id}:1", "t[1]{a}:[1,2", "t[1]{1d}:1", "t[1]{id,id}:1,2", "t[x]{a}:", 't[1]{a}:"abc',
    't[1]{a}:"a\\qb"', "t[1]{a}:99999999999999999999", "t[3]{a}:1;2", "t[1]{a}:1;2", "t[2]{a,b}:1;3,4",
    "t[1]{a,b}:1,2,3", 't[1]{a}:"x"y', "t[1]{a}:" + "[" * 129 + "]" * 129, "t[1]{a}:", 't[1]{a}:"\\uDE00"',
    "t[1]{a}:1e999", "t[1]{a}:a\x01b",
])
def test_toon_decoder_refuses_malformed_text(text):
    with pytest.raises(ValueError):
        _parse_toon(text)
