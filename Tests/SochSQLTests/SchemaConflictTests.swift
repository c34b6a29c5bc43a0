import Foundation
import Testing
import SochStorage
@testable import SochSQL

/// Row writes and concurrent schema changes: one of the two must fail, or
/// an index could miss a row or point at a deleted one.
struct SchemaConflictTests {
    @Test func aWriteConcurrentWithCreateIndexConflicts() throws {
        let db = try TestDatabase("schema-conflict"); defer { db.close() }
        try db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 5), (2, 6)")
        let writer = db.storage.beginTransaction()
        _ = try db.engine.execute("DELETE FROM t WHERE id = 1", in: writer)
        try db.run("CREATE INDEX tv ON t(v)")                 // commits first, back-filling v=5 → id 1
        #expect(throws: SQLError.self) {
            do { try writer.commit() } catch { throw SQLError.wrap(error) }
        }
        #expect(try db.rows("SELECT id FROM t WHERE v = 5") == ["1"])
        #expect(try db.rows("SELECT id FROM t ORDER BY id") == ["1", "2"])

        let inserter = db.storage.beginTransaction()
        _ = try db.engine.execute("INSERT INTO t VALUES (3, 7)", in: inserter)
        try db.run("DROP INDEX tv")
        #expect(throws: (any Error).self) { try inserter.commit() }

        // The other order: the index back-fill reads its snapshot, a row
        // lands after it, and the schema change must not commit blind to it.
        let ddl = db.storage.beginTransaction()
        _ = try db.engine.execute("CREATE UNIQUE INDEX tv2 ON t(v)", in: ddl)
        try db.run("INSERT INTO t VALUES (4, 5)")             // duplicates v=5 of row 1
        #expect(throws: (any Error).self) { try ddl.commit() }
        #expect(try db.rows("SELECT id FROM t WHERE v = 5 ORDER BY id") == ["1", "4"])

        // Writers that race only each other (no DDL) are unaffected.
        let a = db.storage.beginTransaction(), b = db.storage.beginTransaction()
        _ = try db.engine.execute("INSERT INTO t VALUES (10, 1)", in: a)
        _ = try db.engine.execute("INSERT INTO t VALUES (11, 1)", in: b)
        try a.commit()
        try b.commit()
        #expect(try db.rows("SELECT COUNT(*) FROM t") == ["5"])
    }
}

/// Inputs found by review: NaN, canonically equivalent statement texts.
struct SQLEdgeCaseTests {
    @Test func nanIsNeverStoredOrReturned() throws {
        let db = try TestDatabase("nan"); defer { db.close() }
        try db.run("CREATE TABLE s (x REAL); INSERT INTO s VALUES (1e999), (-1e999)")
        try db.run("CREATE TABLE t (r REAL, n INTEGER); CREATE INDEX tr ON t(r); CREATE TABLE p (r REAL PRIMARY KEY)")
        #expect(try db.rows("SELECT total(x), sum(x), avg(x) FROM s") == ["NULL, NULL, NULL"])
        let session = db.engine.makeSession()
        _ = try session.execute("INSERT INTO t VALUES (?, 1)", parameters: [.real(.nan)])
        try db.run("INSERT INTO t SELECT total(x), 2 FROM s")
        // NaN became NULL: index range plans and full scans agree.
        #expect(try db.rows("SELECT r, n FROM t ORDER BY n") == ["NULL, 1", "NULL, 2"])
        #expect(try db.rows("SELECT COUNT(*) FROM t WHERE r < 0") == ["0"])
        #expect(try db.rows("SELECT COUNT(*) FROM t WHERE r < 0 OR r < 0") == ["0"])
        #expect(try db.rows("SELECT COUNT(*) FROM t WHERE r IS NULL") == ["2"])
        // A primary key refuses it as it refuses NULL.
        #expect(throws: SQLError.notNull(table: "p", column: "r")) {
            try session.execute("INSERT INTO p VALUES (?)", parameters: [.real(.nan)])
        }
    }

    @Test func canonicallyEquivalentStatementsAreNotConfused() throws {
        let db = try TestDatabase("unicode"); defer { db.close() }
        try db.run("CREATE TABLE t (x TEXT PRIMARY KEY)")
        try db.run("INSERT INTO t VALUES ('\u{E9}')")
        try db.run("INSERT INTO t VALUES ('e\u{301}')")           // a different byte string: not a duplicate
        #expect(try db.rows("SELECT COUNT(*) FROM t") == ["2"])
    }
}
