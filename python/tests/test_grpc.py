"""Tests of sochdb-grpc-server from Python, through grpcio.

The stubs are generated here, from the committed ``proto/sochdb/v1/sochdb.proto``,
by ``grpcio-tools`` (as a user would), into a temporary folder. The server
binary is found by ``sochdb._paths.find_binary("sochdb-grpc-server")``; the
tests skip when it or grpcio is missing (scripts/test.sh installs both, and
conftest.py then insists the installed package bundles the binary).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest

# (conftest.py puts the package on sys.path, or checks the installed one is used)

from sochdb._paths import find_binary  # noqa: E402
from sochdb.bulk import bulk_build_index, bulk_query_index  # noqa: E402

grpc = pytest.importorskip("grpc")
grpc_tools = pytest.importorskip("grpc_tools")

SERVER_BINARY = find_binary("sochdb-grpc-server")
needs_server = pytest.mark.skipif(SERVER_BINARY is None, reason="sochdb-grpc-server is not built")
REPO = Path(__file__).resolve().parents[2]
PROTO = REPO / "proto" / "sochdb" / "v1" / "sochdb.proto"


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    """sochdb_pb2 and sochdb_pb2_grpc, generated from the committed .proto."""
    from grpc_tools import protoc

    out = tmp_path_factory.mktemp("stubs")
    args = ["protoc", f"-I{PROTO.parent}", f"--python_out={out}", f"--grpc_python_out={out}", str(PROTO)]
    assert protoc.main(args) == 0, "grpc_tools.protoc failed"
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("sochdb_pb2"), importlib.import_module("sochdb_pb2_grpc")
    finally:
        sys.path.remove(str(out))


class GrpcServer:
    """One sochdb-grpc-server process on a free port (stopped with SIGTERM; it must exit 0)."""

    def __init__(self, folder: Path, *extra: str) -> None:
        self.folder = folder
        self.log = folder / "grpc-server.log"
        self._log = open(self.log, "wb")
        cmd = [str(SERVER_BINARY), "--port", "0", "--index-dir", str(folder), "--db", str(folder / "db"), *extra]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log)
        line = self._first_line(timeout=90)
        assert line.startswith("listening on "), line
        self.port = int(line.rsplit(":", 1)[1])
        self.address = f"localhost:{self.port}"

    def _first_line(self, timeout: float) -> str:
        got: List[str] = []
        reader = threading.Thread(target=lambda: got.append(self.proc.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not got or not got[0]:
            self.proc.kill()
            pytest.fail(f"sochdb-grpc-server did not start: {self.log.read_text()}")
        return got[0].strip()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail("sochdb-grpc-server did not stop on SIGTERM")
        self._log.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A 2,000 × 32 index (built by sochdb-bulk, as the seed does) and a server over its folder."""
    folder = tmp_path_factory.mktemp("grpc")
    rng = np.random.default_rng(5)
    data = rng.standard_normal((2000, 32)).astype(np.float32)
    bulk_build_index(data, str(folder / "index.hnsw"), quiet=True, threads=1)
    server = GrpcServer(folder)
    yield server, data
    assert server.stop() == 0, server.log.read_text()


def code_of(excinfo) -> "grpc.StatusCode":
    return excinfo.value.code()


SEED_EXAMPLE = '''
import grpc
from sochdb_pb2 import VectorSearchRequest
from sochdb_pb2_grpc import VectorServiceStub
channel = grpc.insecure_channel('localhost:50051')
stub = VectorServiceStub(channel)
request = VectorSearchRequest(
index_path="index.hnsw",
query_vector=query_vec.tobytes(),
k=10,
ef_search=64
)
response = stub.Search(request)
for neighbor in response.neighbors:
    print(f"ID: {neighbor.id}, Distance: {neighbor.distance}")
'''


@needs_server
def test_seed_example_equals_bulk_query(stubs, served, capsys):
    server, data = served
    query_vec = np.random.default_rng(1).standard_normal(32).astype(np.float32)
    # The seed's block as written, pointed at the port the test's server got.
    ns = {"query_vec": query_vec}
    exec(compile(SEED_EXAMPLE.replace("localhost:50051", server.address), "<seed grpc>", "exec"), ns)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and all(line.startswith("ID: ") for line in lines), lines
    got = [(n.id, n.distance) for n in ns["response"].neighbors]
    want = [(n.id, n.distance) for n in bulk_query_index(str(server.folder / "index.hnsw"), query_vec, k=10, ef_search=64)]
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([d for _, d in got], [d for _, d in want], rtol=1e-6)
    ns["channel"].close()


@needs_server
def test_batch_stream_and_info_equal_bulk_query(stubs, served):
    pb, rpc = stubs
    server, data = served
    queries = np.random.default_rng(2).standard_normal((40, 32)).astype(np.float32)
    want = bulk_query_index(str(server.folder / "index.hnsw"), queries, k=5, ef_search=64)
    with grpc.insecure_channel(server.address) as channel:
        stub = rpc.VectorServiceStub(channel)
        batch = stub.SearchBatch(pb.VectorSearchBatchRequest(
            index_path="index.hnsw", query_vectors=queries.astype("<f4").tobytes(), k=5, ef_search=64))
        assert list(batch.counts) == [5] * 40
        ids = np.array(batch.ids).reshape(40, 5)
        assert ids.tolist() == [[n.id for n in row] for row in want]
        chunks = list(stub.SearchStream(pb.VectorSearchBatchRequest(
            index_path="index.hnsw", query_vectors=queries.tobytes(), k=5, ef_search=64, chunk_queries=16)))
        assert [c.first_query for c in chunks] == [0, 16, 32]
        assert sum((list(c.ids) for c in chunks), []) == list(batch.ids)
        info = stub.Info(pb.IndexInfoRequest(index_path="index.hnsw"))
        assert (info.dimension, info.vectors, info.metric, info.max_connections) == (32, 2000, "l2", 16)
        assert info.HasField("entry_point")


@needs_server
def test_bad_requests(stubs, served):
    pb, rpc = stubs
    server, data = served
    q = data[0].tobytes()
    outside = server.folder.parent / "outside.hnsw"
    with grpc.insecure_channel(server.address) as channel:
        stub = rpc.VectorServiceStub(channel)

        def status(**fields) -> "grpc.StatusCode":
            request = dict(index_path="index.hnsw", query_vector=q, k=10, ef_search=64)
            request.update(fields)
            with pytest.raises(grpc.RpcError) as e:
                stub.Search(pb.VectorSearchRequest(**request))
            return code_of(e)

        bad_nan = data[0].copy()
        bad_nan[3] = np.nan
        assert status(query_vector=q + b"\x00\x01") == grpc.StatusCode.INVALID_ARGUMENT
        assert status(query_vector=q[:-4]) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(query_vector=data[0].astype(np.float64).tobytes()) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(query_vector=bad_nan.tobytes()) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(k=0) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(k=10_001) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(ef_search=100_001) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(index_path="../outside.hnsw") == grpc.StatusCode.INVALID_ARGUMENT
        assert status(index_path=str(outside)) == grpc.StatusCode.INVALID_ARGUMENT
        assert status(index_path="/etc/passwd") == grpc.StatusCode.INVALID_ARGUMENT
        assert status(index_path="missing.hnsw") == grpc.StatusCode.NOT_FOUND
        whole = (server.folder / "index.hnsw").read_bytes()
        (server.folder / "corrupt.hnsw").write_bytes(whole[: len(whole) // 3])
        assert status(index_path="corrupt.hnsw") == grpc.StatusCode.DATA_LOSS
        # Deadlines: a client's own deadline is honoured.
        many = np.random.default_rng(3).standard_normal((20_000, 32)).astype(np.float32)
        with pytest.raises(grpc.RpcError) as e:
            stub.SearchBatch(pb.VectorSearchBatchRequest(index_path="index.hnsw", query_vectors=many.tobytes(),
                                                         k=100, ef_search=2000), timeout=0.05)
        assert code_of(e) == grpc.StatusCode.DEADLINE_EXCEEDED
        # ...and the server is still up.
        assert len(stub.Search(pb.VectorSearchRequest(index_path="index.hnsw", query_vector=q, k=3)).neighbors) == 3


@needs_server
def test_collections_over_grpc(stubs, served):
    pb, rpc = stubs
    server, _ = served
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((500, 16)).astype(np.float32)
    with grpc.insecure_channel(server.address) as channel:
        stub = rpc.CollectionServiceStub(channel)
        info = stub.CreateCollection(pb.CreateCollectionRequest(name="docs", dimension=16, metric="cosine"))
        assert (info.name, info.dimension, info.metric) == ("docs", 16, "cosine")

        def batches():
            for start in range(0, 500, 100):
                rows = range(start, start + 100)
                yield pb.UpsertRequest(collection="docs", ids=[f"d{i}" for i in rows],
                                       vectors=vectors[start:start + 100].tobytes(),
                                       metadata_json=[json.dumps({"topic": "even" if i % 2 == 0 else "odd", "i": i}) for i in rows])

        written = stub.Upsert(batches())
        assert written.upserted == 500
        assert "docs" in stub.ListCollections(pb.ListCollectionsRequest()).names
        hits = stub.Search(pb.CollectionSearchRequest(collection="docs", query_vector=vectors[7].tobytes(), k=5,
                                                      filter_json='{"topic": "odd"}')).hits
        assert hits[0].id == "d7" and len(hits) == 5
        assert all(json.loads(h.metadata_json)["topic"] == "odd" for h in hits)
        record = stub.Get(pb.GetRequest(collection="docs", id="d7"))
        stored = np.frombuffer(record.vector, dtype="<f4")
        assert np.array_equal(stored, vectors[7])
        assert json.loads(record.metadata_json) == {"topic": "odd", "i": 7}
        with pytest.raises(grpc.RpcError) as e:
            stub.Get(pb.GetRequest(collection="docs", id="nope"))
        assert code_of(e) == grpc.StatusCode.NOT_FOUND
        assert stub.Delete(pb.DeleteRequest(collection="docs", id="d7")).existed
        assert not stub.Delete(pb.DeleteRequest(collection="docs", id="d7")).existed
        # A bad batch fails the stream and says how many records committed before it.
        def bad():
            yield pb.UpsertRequest(collection="docs", ids=["n1"], vectors=vectors[0].tobytes())
            yield pb.UpsertRequest(collection="docs", ids=["n2"], vectors=vectors[0].tobytes()[:12])
        with pytest.raises(grpc.RpcError) as e:
            stub.Upsert(bad())
        assert code_of(e) == grpc.StatusCode.INVALID_ARGUMENT
        assert dict(e.value.trailing_metadata()).get("sochdb-committed") == "1"
        assert stub.GetCollectionInfo(pb.CollectionRequest(name="docs")).count == 500
        stub.DropCollection(pb.CollectionRequest(name="docs"))
        with pytest.raises(grpc.RpcError) as e:
            stub.GetCollectionInfo(pb.CollectionRequest(name="docs"))
        assert code_of(e) == grpc.StatusCode.NOT_FOUND


@needs_server
def test_concurrent_clients(stubs, served):
    pb, rpc = stubs
    server, data = served
    queries = np.random.default_rng(6).standard_normal((64, 32)).astype(np.float32)
    want = [[n.id for n in row] for row in bulk_query_index(str(server.folder / "index.hnsw"), queries, k=10, ef_search=64)]
    errors: List[BaseException] = []

    def client(worker: int) -> None:
        try:
            with grpc.insecure_channel(server.address) as channel:
                stub = rpc.VectorServiceStub(channel)
                for i in range(worker, 64, 4):
                    r = stub.Search(pb.VectorSearchRequest(index_path="index.hnsw", query_vector=queries[i].tobytes(),
                                                           k=10, ef_search=64))
                    assert [n.id for n in r.neighbors] == want[i]
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@needs_server
def test_health_and_reflection(served):
    health_pb2 = pytest.importorskip("grpc_health.v1.health_pb2")
    health_pb2_grpc = pytest.importorskip("grpc_health.v1.health_pb2_grpc")
    reflection = pytest.importorskip("grpc_reflection.v1alpha.proto_reflection_descriptor_database")
    server, _ = served
    with grpc.insecure_channel(server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "sochdb.v1.VectorService", "sochdb.v1.CollectionService"):
            assert health.Check(health_pb2.HealthCheckRequest(service=service)).status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as e:
            health.Check(health_pb2.HealthCheckRequest(service="no.Such"))
        assert code_of(e) == grpc.StatusCode.NOT_FOUND
        # What grpcurl does: list the services, then fetch a method's descriptor.
        db = reflection.ProtoReflectionDescriptorDatabase(channel)
        services = set(db.get_services())
        assert {"sochdb.v1.VectorService", "sochdb.v1.CollectionService", "grpc.health.v1.Health"} <= services
        from google.protobuf.descriptor_pool import DescriptorPool
        pool = DescriptorPool(db)
        method = pool.FindMethodByName("sochdb.v1.VectorService.Search")
        assert method.input_type.full_name == "sochdb.v1.VectorSearchRequest"
        assert [f.name for f in method.input_type.fields] == ["index_path", "query_vector", "k", "ef_search"]


@needs_server
def test_graceful_shutdown_checkpoints(stubs, tmp_path):
    pb, rpc = stubs
    server = GrpcServer(tmp_path)
    with grpc.insecure_channel(server.address) as channel:
        stub = rpc.CollectionServiceStub(channel)
        stub.CreateCollection(pb.CreateCollectionRequest(name="kept", dimension=4))
        stub.Upsert(iter([pb.UpsertRequest(collection="kept", ids=["a", "b"],
                                           vectors=np.eye(2, 4, dtype=np.float32).tobytes())]))
    assert server.stop() == 0, server.log.read_text()
    # The database is closed and can be opened by another process now.
    again = GrpcServer(tmp_path)
    with grpc.insecure_channel(again.address) as channel:
        stub = rpc.CollectionServiceStub(channel)
        assert stub.GetCollectionInfo(pb.CollectionRequest(name="kept")).count == 2
    assert again.stop() == 0
