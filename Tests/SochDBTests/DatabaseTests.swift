import Foundation
import Testing
@testable import SochDB

/// The embedded `Database` API as the seed describes it.
struct DatabaseTests {
    let dir = NSTemporaryDirectory() + "sochdb-database-\(UUID().uuidString)"
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }
    func s(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }

    @Test func keysPathsAndScans() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        try db.put(b("user:1"), b("Alice"))
        try db.put(b("user:2"), b("Bob"))
        try db.put(b("log:1"), b("x"))
        #expect(s(try db.get(b("user:1"))) == "Alice")
        try db.delete(b("user:2"))
        #expect(try db.get(b("user:2")) == nil)

        try db.putPath("users/alice/email", b("alice@example.com"))
        try db.putPath("users/alice/name", b("Alice"))
        try db.putPath("users/alicex/email", b("other"))
        try db.putPath("users", b("root"))
        #expect(s(try db.getPath("users/alice/email")) == "alice@example.com")
        #expect(try db.scanPath("users/alice").map(\.path) == ["users/alice/email", "users/alice/name"])
        #expect(try db.scanPath("users").map(\.path) == ["users", "users/alice/email", "users/alice/name", "users/alicex/email"])
        try db.deletePath("users/alice/name")
        #expect(try db.getPath("users/alice/name") == nil)

        // Application scans never see path keys; path keys never collide with application keys.
        #expect(try db.scan().map { s($0.key)! } == ["log:1", "user:1"])
        #expect(try db.scanPrefix(b("user:")).map { s($0.value)! } == ["Alice"])
        #expect(try db.scan(start: b("m"), end: b("v")).map { s($0.key)! } == ["user:1"])
        let cursor = try db.scanBatched(batchSize: 1)
        #expect(try cursor.next().count == 1)
        #expect(try cursor.next().count == 1)
        #expect(try cursor.next().isEmpty)
        try db.close()
        try db.close()
    }

    @Test func badInputIsATypedErrorWithAStableCode() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        for bad in ["", "a//b", "/a", "a/", "a/\u{0}b"] {
            #expect { try db.putPath(bad, b("v")) } throws: { ($0 as? SochDBError)?.code == 120 }
        }
        #expect { try db.put([0xFF, 1], b("v")) } throws: { ($0 as? SochDBError)?.code == 120 }
        #expect {
            try Database.open(dir)
        } throws: { error in
            guard case .database(.databaseLocked)? = error as? SochDBError else { return false }
            return (error as! SochDBError).code == 311
        }
        try db.close()
        #expect { try db.get(b("k")) } throws: { ($0 as? SochDBError)?.code == 510 }
    }

    @Test func transactionsCommitAbortAndConflict() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        let (_, lsn) = try db.transaction { txn in
            try txn.put(b("key1"), b("value1"))
            try txn.putPath("config/app/theme", b("dark"))
            #expect(s(try txn.getPath("config/app/theme")) == "dark")
        }
        #expect(lsn == 2)
        #expect(s(try db.getPath("config/app/theme")) == "dark")
        struct Oops: Error {}
        #expect(throws: Oops.self) { try db.transaction { txn in try txn.put(b("key1"), b("no")); throw Oops() } }
        #expect(s(try db.get(b("key1"))) == "value1")

        let t1 = db.beginTransaction(), t2 = db.beginTransaction()
        try t1.put(b("k"), b("1")); try t2.put(b("k"), b("2"))
        try t1.commit()
        #expect { try t2.commit() } throws: { error in
            guard case .transaction(.conflict)? = error as? SochDBError else { return false }
            return (error as! SochDBError).code == 600
        }
        #expect { try t2.get(b("k")) } throws: { ($0 as? SochDBError)?.code == 601 }
        try db.close()
    }

    @Test func checkpointAndEveryStatisticOfTheSeed() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(dir)
        for i in 0..<100 { try db.put(b("k\(i)"), b("v\(i)")) }
        try db.transaction { txn in try txn.put(b("t"), b("1")) }
        let lsn = try db.checkpoint()
        #expect(lsn == 101)
        let stats = Dictionary(uniqueKeysWithValues: db.stats().map { ($0.name, $0.value) })
        for name in ["keys_count", "bytes_written", "bytes_read", "memtable_size_bytes", "wal_size_bytes",
                     "last_checkpoint_lsn", "cache_hits", "cache_misses",
                     "transactions_committed", "transactions_aborted", "queries_executed"] {
            #expect(stats[name] != nil, "missing \(name)")
        }
        #expect(stats["last_checkpoint_lsn"] == .integer(101))
        #expect(stats["transactions_committed"] == .integer(1))
        #expect(stats["keys_count"] == .integer(101))
        try db.close()
        let reopened = try Database.open(dir)
        #expect(try reopened.scan().count == 101)
        try reopened.close()
    }
}

struct DatabaseTOONTests {
    @Test func seedExamplesThroughTheDatabaseAPI() throws {
        let records: [[String: TOONValue]] = [["name": "Alice", "email": "alice@example.com"], ["name": "Bob", "email": "bob@example.com"]]
        #expect(try Database.toTOON(table: "users", records: records, fields: ["name", "email"])
                == "users[2]{name,email}:Alice,alice@example.com;Bob,bob@example.com")
        let (table, fields, decoded) = try Database.fromTOON("users[2]{name,email}:Alice,alice@ex.com;Bob,bob@ex.com")
        #expect(table == "users" && fields == ["name", "email"])
        #expect(decoded[1]["email"] == "bob@ex.com")
        #expect(throws: TOONError.self) { try Database.fromTOON("users[3]{name}:a;b") }
    }
}
