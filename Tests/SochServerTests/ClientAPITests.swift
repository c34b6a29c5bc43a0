import Foundation
import Testing
import SochClient
import SochDB
import SochWire

/// The Swift IpcClient against an in-process server: every call of the API.
@Suite(.serialized) struct ClientAPITests {
    @Test func keysPathsAndMissingVersusEmpty() throws {
        let s = try TestServer()
        defer { s.stop() }
        let c = try s.client()
        #expect(try c.ping() < 5)
        try c.put(bytes("key"), bytes("value"))
        try c.put(bytes("empty"), [])
        #expect(try c.get(bytes("key")) == bytes("value"))
        #expect(try c.get(bytes("empty")) == [])          // an empty value…
        #expect(try c.get(bytes("absent")) == nil)        // …is not a missing key
        try c.delete(bytes("key"))
        #expect(try c.get(bytes("key")) == nil)
        try c.putPath(["users", "alice", "email"], bytes("alice@example.com"))
        #expect(try c.getPath(["users", "alice", "email"]) == bytes("alice@example.com"))
        #expect(try c.getPath(["users", "bob"]) == nil)
        try c.deletePath(["users", "alice", "email"])
        #expect(try c.getPath(["users", "alice", "email"]) == nil)
        // Bad input is a typed error and the connection stays usable.
        #expect(throws: SochDBError.invalidArgument("path segment \"a/b\" contains '/'")) { try c.putPath(["a/b"], []) }
        #expect(throws: SochDBError.self) { try c.put([0xFF, 1], []) }
        #expect(throws: SochDBError.self) { try c.putPath([String(repeating: "x", count: 70_000)], []) }   // refused before sending
        // A pipelined run of writes commits as one batch; a bad key in it fails alone.
        let replies = try c.pipeline([.put(key: bytes("p1"), value: bytes("1")), .put(key: [0xFF], value: []),
                                      .put(key: bytes("p2"), value: bytes("2")), .delete(key: bytes("p1"))])
        #expect(replies.map(\.opcode) == [.ok, .error, .ok, .ok])
        #expect(try c.get(bytes("p1")) == nil && c.get(bytes("p2")) == bytes("2"))
        #expect(try c.ping() >= 0)
    }

    @Test func scanStreamsInBatchesAndQueryReturnsTOON() throws {
        let s = try TestServer { $0.scanBatchPairs = 100 }
        defer { s.stop() }
        let c = try s.client()
        let n = 2_500
        _ = try c.pipeline((0..<n).map { .put(key: bytes(String(format: "log:%05d", $0)), value: bytes("entry_\($0)")) })
        try c.put(bytes("other"), bytes("x"))
        var batches = 0
        var keys: [[UInt8]] = []
        let total = try c.scan(prefix: bytes("log:"), batchSize: 64) { (b: [KeyValue]) throws(SochDBError) in
            batches += 1
            #expect(b.count <= 64)
            keys.append(contentsOf: b.map(\.key))
        }
        #expect(total == UInt64(n) && keys.count == n && batches >= n / 64)
        #expect(keys == (0..<n).map { bytes(String(format: "log:%05d", $0)) })
        #expect(try c.scan("log:").count == n)
        #expect(try c.scan("nothing:").isEmpty)

        try c.put(bytes("users/1"), bytes(#"{"name":"Alice","email":"a@x.org","age":30}"#))
        try c.put(bytes("users/2"), bytes(#"{"name":"Bob","email":"b@x.org","age":25}"#))
        try c.put(bytes("users/3"), bytes(#"{"name":"Carol","email":"c@x.org","age":41}"#))
        #expect(try c.query("users/").limit(2).offset(1).select(["name", "email"]).execute()
                == "users[2]{name,email}:Bob,b@x.org;Carol,c@x.org")
        let list = try c.query("users/").limit(10).toList()
        #expect(list.count == 3 && list[0]["age"] == .int(30))
    }

    @Test func sqlStatsCheckpointAndCollections() throws {
        let s = try TestServer()
        defer { s.stop() }
        let c = try s.client()
        _ = try c.executeSQL("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        #expect(try c.executeSQL("INSERT INTO users VALUES (?, ?), (2, 'Bob')", parameters: [1, "Alice"]).rowsAffected == 2)
        let r = try c.executeSQL("SELECT id, name FROM users ORDER BY id")
        #expect(r.columns == ["id", "name"] && r.rows == [[.integer(1), .text("Alice")], [.integer(2), .text("Bob")]])
        #expect(try c.executeSQLTOON("SELECT name FROM users WHERE id = 2") == "result[1]{name}:Bob")
        #expect(throws: SochDBError.remote(code: 813, message: "PRIMARY KEY constraint failed: duplicate key in table users")) {
            try c.executeSQL("INSERT INTO users VALUES (1, 'Again')")
        }
        try c.checkpoint()
        let stats = try c.stats()
        for name in ["keys_count", "memtable_size_bytes", "wal_size_bytes", "last_checkpoint_lsn", "queries_executed",
                     "connections_active", "requests_total", "bytes_received", "active_transactions"] {
            #expect(stats[name] != nil, "stats lacks \(name)")
        }
        #expect(stats["connections_active"] == .int(1))

        try c.createCollection("docs", dimension: 3, metric: .cosine)
        #expect(throws: SochDBError.alreadyExists("collection \"docs\"")) { try c.createCollection("docs", dimension: 3) }
        try c.upsert(collection: "docs", [CollectionRecord(id: "a", vector: [1, 0, 0], metadata: ["lang": "en"]),
                                          CollectionRecord(id: "b", vector: [0, 1, 0], metadata: ["lang": "fr"]),
                                          CollectionRecord(id: "c", vector: [0.9, 0.1, 0], metadata: ["lang": "fr"])])
        let hits = try c.search(collection: "docs", vector: [1, 0, 0], k: 2)
        #expect(hits.map(\.id) == ["a", "c"] && hits[0].metadata["lang"] == "en")
        #expect(try c.search(collection: "docs", vector: [1, 0, 0], k: 2, filter: #"{"lang": "fr"}"#).map(\.id) == ["c", "b"])
        #expect(try c.getVector(collection: "docs", id: "b")?.metadata == ["lang": "fr"])
        #expect(try c.getVector(collection: "docs", id: "zzz") == nil)
        #expect(try c.deleteVector(collection: "docs", id: "b"))
        #expect(try !c.deleteVector(collection: "docs", id: "b"))
        #expect(try c.collectionInfo("docs")["count"] == .int(2))
        #expect(try c.listCollections() == ["docs"])
        #expect(throws: SochDBError.self) { try c.search(collection: "docs", vector: [1, 0], k: 2) }   // wrong dimension
        #expect(throws: SochDBError.notFound("collection \"nope\"")) { try c.search(collection: "nope", vector: [1, 0, 0]) }
        try c.dropCollection("docs")
        #expect(try c.listCollections().isEmpty)
    }

    @Test func transactionsOverTheWire() throws {
        let s = try TestServer()
        defer { s.stop() }
        let a = try s.client(), b = try s.client()
        try b.put(bytes("k"), bytes("old"))
        let txn = try a.beginTransaction()
        #expect(throws: SochDBError.self) { _ = try a.beginTransaction() }   // one per connection
        try a.put(bytes("mine"), bytes("1"))
        #expect(try a.get(bytes("mine")) == bytes("1"))          // own writes
        #expect(try b.get(bytes("mine")) == nil)                 // invisible outside
        try b.put(bytes("k"), bytes("new"))
        #expect(try a.get(bytes("k")) == bytes("old"))           // snapshot
        #expect(try a.scan("k").map(\.value) == [bytes("old")])
        #expect(throws: SochDBError.self) { try b.commit(txn) }  // not b's
        let lsn = try a.commit(txn)
        #expect(lsn > 0)
        #expect(try b.get(bytes("mine")) == bytes("1"))

        // First committer wins; the loser gets the conflict code.
        let t2 = try a.beginTransaction()
        try a.put(bytes("k"), bytes("from a"))
        try b.put(bytes("k"), bytes("from b"))
        let conflict = #expect(throws: SochDBError.self) { try a.commit(t2) }
        #expect(conflict?.code == 600)
        #expect(try a.get(bytes("k")) == bytes("from b"))        // the transaction is gone; a reads live data

        // Abort drops the writes; SQL joins the transaction.
        _ = try a.executeSQL("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        let t3 = try a.beginTransaction()
        _ = try a.executeSQL("INSERT INTO t VALUES (1)")
        try a.put(bytes("aborted"), bytes("x"))
        try a.abort(t3)
        #expect(try a.get(bytes("aborted")) == nil)
        #expect(try a.executeSQL("SELECT COUNT(*) FROM t").rows == [[.integer(0)]])
    }

    @Test func disconnectAbortsTheOpenTransaction() throws {
        let s = try TestServer()
        defer { s.stop() }
        let a = try s.client(), b = try s.client()
        _ = try a.beginTransaction()
        try a.put(bytes("k"), bytes("uncommitted"))
        #expect(try b.stats()["active_transactions"] == .int(1))
        a.close()
        var active: MetadataValue? = .int(1)
        for _ in 0..<200 where active != .int(0) { usleep(10_000); active = try b.stats()["active_transactions"] }
        #expect(active == .int(0))
        #expect(try b.get(bytes("k")) == nil)
        try b.put(bytes("k"), bytes("fine"))                    // no conflict with the aborted one
    }

    @Test func unknownOpcodesAndBadPayloadsKeepTheConnection() throws {
        let s = try TestServer()
        defer { s.stop() }
        let raw = try RawConnection(s.socketPath)
        raw.send([0x55, 0, 0, 0, 0])
        #expect({ if case .error(701, _)? = raw.readFrame() { true } else { false } }())
        raw.send([0x02, 2, 0, 0, 0, 9, 9])                        // GET whose key length overruns
        #expect({ if case .error(701, _)? = raw.readFrame() { true } else { false } }())
        raw.send(Request.commitTxn(id: 99).encodeFrame())        // not this connection's
        #expect({ if case .error(120, _)? = raw.readFrame() { true } else { false } }())
        raw.send(Request.ping.encodeFrame())
        #expect({ if case .pong? = raw.readFrame() { true } else { false } }())
        let c = try s.client()
        #expect(try c.scan("").isEmpty)                           // nothing was written
    }

    @Test func repliesAfterAPoolRequestAreFlushedWithoutMoreInput() throws {
        // A quick request queued behind a scan or an SQL statement gets its
        // reply although the client sends nothing more (a flush is due when
        // the pool request completes, not only when a read ends).
        let s = try TestServer()
        defer { s.stop() }
        let raw = try RawConnection(s.socketPath)
        raw.send(Request.scan(prefix: [], batchSize: 0).encodeFrame() + Request.ping.encodeFrame()
                 + Request.executeSQL(sql: "SELECT 1", format: .json, parametersJSON: "").encodeFrame() + Request.ping.encodeFrame())
        var pongs = 0
        while pongs < 2, let r = raw.readFrame() { if case .pong = r { pongs += 1 } }
        #expect(pongs == 2)
    }
}
