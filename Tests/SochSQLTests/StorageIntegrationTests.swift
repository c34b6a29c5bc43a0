import Foundation
import Testing
import SochStorage
@testable import SochSQL

/// The SQL layer over a storage engine that flushes and compacts often, and
/// two SQL engines on one store under different prefixes.
struct StorageIntegrationTests {
    static let small = StorageOptions(memtableSizeBytes: 16 << 10, blockCacheBytes: 64 << 10, level1MaxBytes: 64 << 10,
                                      levelSizeMultiplier: 4, targetFileSizeBytes: 16 << 10, l0CompactionTrigger: 2,
                                      blockSize: 512)

    @Test func tablesAndIndexesAcrossFlushesAndCompactions() throws {
        let db = try TestDatabase("flush", options: Self.small); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, k INT, name TEXT)")
        _ = try session.execute("CREATE INDEX m_k ON m (k)")
        for batch in 0..<30 {
            _ = try session.execute("BEGIN")
            for i in 0..<100 {
                let id = Int64(batch * 100 + i)
                _ = try session.execute("INSERT INTO m VALUES (?, ?, ?)", parameters: [.integer(id), .integer(id % 37), .text("name-\(id)")])
            }
            _ = try session.execute("COMMIT")
        }
        _ = try session.execute("DELETE FROM m WHERE k = 5")
        _ = try session.execute("UPDATE m SET k = 5 WHERE k = 6")
        try db.storage.compactAll()
        #expect(try db.rows("SELECT count(*) FROM m") == ["\(3000 - 81)"])
        #expect(try db.rows("SELECT count(*) FROM m WHERE k = 5") == ["81"])
        #expect(try db.rows("SELECT count(*) FROM m WHERE k = 6") == ["0"])
        #expect(try db.rows("SELECT count(*) FROM m WHERE k BETWEEN 10 AND 12") == ["243"])
        #expect(try db.rows("SELECT name FROM m WHERE id = 2999") == ["'name-2999'"])
        #expect(try db.rows("SELECT count(*) FROM m WHERE id >= 1000 AND id < 1100") == ["97"])   // 1004, 1041, 1078 were deleted
        try db.reopen()
        #expect(try db.rows("SELECT count(*), sum(k) FROM m WHERE k IN (5, 7)") == ["162, 972"])
    }

    @Test func enginesUnderDifferentPrefixesAreIndependent() throws {
        let db = try TestDatabase(); defer { db.close() }
        let other = try SQLEngine(storage: db.storage, keyPrefix: [0xFF, UInt8(ascii: "t")])
        try db.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (1)")
        #expect(throws: SQLError.unknownTable("t")) { try other.makeSession().execute("SELECT * FROM t") }
        _ = try other.makeSession().executeScript("CREATE TABLE t (y TEXT); INSERT INTO t VALUES ('b'), ('c')")
        #expect(try db.rows("SELECT * FROM t") == ["1"])
        #expect(try other.makeSession().execute("SELECT count(*) FROM t").rows == [[.integer(2)]])
        // Keys outside both prefixes are untouched.
        try db.storage.put(Array("app-key".utf8), [1])
        try db.run("DROP TABLE t")
        #expect(try db.storage.get(Array("app-key".utf8)) == [1])
    }

    @Test func closedStorageIsAStorageError() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (x INT)")
        let session = db.engine.makeSession()
        try db.storage.close()
        let error = SQLErrorCapture.capture { try session.execute("INSERT INTO t VALUES (1)") }
        #expect(error?.code == 830, "got \(String(describing: error))")
    }
}
