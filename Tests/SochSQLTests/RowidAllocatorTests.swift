import Foundation
import Synchronization
import Testing
import SochStorage
@testable import SochSQL

/// Hidden rowids and automatic INTEGER PRIMARY KEY values: no conflicts
/// between concurrent inserts, and no value handed out twice across blocks,
/// reopens and the legacy counter format.
struct RowidAllocatorTests {
    /// `INSERT INTO <table> VALUES (0), (1), …` with `count` rows.
    private func insertValues(_ table: String, _ count: Int, from start: Int = 0) -> String {
        "INSERT INTO \(table) VALUES " + (start..<start + count).map { "(\($0))" }.joined(separator: ", ")
    }

    @Test func concurrentInsertTransactionsIntoOneTableNeverConflict() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE log (w INT, i INT); CREATE TABLE keyed (id INTEGER PRIMARY KEY, w INT)")
        let engine = db.engine
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for w in 0..<4 {
            group.enter()
            Thread {
                for i in 0..<50 {
                    // No retry: a conflict on a shared counter would fail the commit.
                    let transaction = engine.storage.beginTransaction()
                    do {
                        _ = try engine.execute("INSERT INTO log VALUES (?, ?)", parameters: [.integer(Int64(w)), .integer(Int64(i))], in: transaction)
                        _ = try engine.execute("INSERT INTO keyed (w) VALUES (?)", parameters: [.integer(Int64(w))], in: transaction)
                        try transaction.commit()
                    } catch {
                        transaction.abort()
                        failures.withLock { $0.append("\(error)") }
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(failures.withLock { $0 } == [])
        #expect(try db.rows("SELECT count(*), count(DISTINCT rowid) FROM log") == ["200, 200"])
        #expect(try db.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM keyed") == ["200, 200, 1, 200"])
    }

    @Test func rowidsStayAboveEveryRowAcrossBlocksAndReopens() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (x INT)")
        try db.run(insertValues("t", 600))                       // one statement wider than a block
        try db.run(insertValues("t", 10, from: 600))
        #expect(try db.rows("SELECT min(rowid), max(rowid), count(DISTINCT rowid) FROM t") == ["1, 610, 610"])
        try db.reopen()
        try db.run("INSERT INTO t VALUES (610)")
        #expect(try db.rows("SELECT rowid FROM t WHERE x = 610") == ["611"])
        // Rolled back values are skipped in this process…
        let session = db.engine.makeSession()
        _ = try session.execute("BEGIN")
        _ = try session.execute("INSERT INTO t VALUES (-1)")
        _ = try session.execute("ROLLBACK")
        try db.run("INSERT INTO t VALUES (611)")
        #expect(try db.rows("SELECT rowid FROM t WHERE x = 611") == ["613"])
        // …and after a reopen the next value is above the largest row, even
        // when the rows at the top of the block were deleted.
        try db.run("DELETE FROM t WHERE rowid > 600")
        try db.storage.flushMemtable()
        try db.reopen()
        try db.run("INSERT INTO t VALUES (700)")
        #expect(try db.rows("SELECT rowid FROM t WHERE x = 700") == ["601"])
        try db.run("DELETE FROM t")
        try db.reopen()
        try db.run("INSERT INTO t VALUES (701)")
        #expect(try db.rows("SELECT rowid FROM t") == ["1"])    // an emptied table starts over, as in SQLite
    }

    @Test func automaticIntegerKeysSkipExplicitOnes() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)")
        try db.run("INSERT INTO k VALUES (NULL, 'a'), (3, 'b'), (NULL, 'c'), (NULL, 'd'), (NULL, 'e')")
        #expect(try db.rows("SELECT id, v FROM k ORDER BY id") == ["1, 'a'", "2, 'c'", "3, 'b'", "4, 'd'", "5, 'e'"])
        try db.run("INSERT INTO k VALUES (1000, 'far')")          // above the block
        try db.reopen()
        try db.run("INSERT INTO k VALUES (NULL, 'f')")
        #expect(try db.rows("SELECT id FROM k WHERE v = 'f'") == ["6"])
    }

    @Test func theLegacyCounterIsTheLastValueHandedOut() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (1)")
        // The first table gets id 1; write its counter in the 8-byte format.
        var legacy: [UInt8] = []
        OrderedKeyEncoding.appendBigEndian(UInt64(41), to: &legacy)
        try db.storage.put(SQLKeys(prefix: TestDatabase.prefix).rowidCounter(1), legacy)
        try db.reopen()
        try db.run("INSERT INTO t VALUES (2)")
        #expect(try db.rows("SELECT rowid FROM t WHERE x = 2") == ["42"])
    }

    @Test func aCorruptCounterIsATypedError() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (x INT)")
        try db.storage.put(SQLKeys(prefix: TestDatabase.prefix).rowidCounter(1), [1, 2, 3])
        #expect(throws: SQLError.self) { try db.run("INSERT INTO t VALUES (1)") }
        #expect(try db.rows("SELECT count(*) FROM t") == ["0"])
    }
}
