import Foundation
import Testing
@testable import SochDB

/// SQL through the `Database` API: shared transactions with keys and
/// collections, statistics, errors, persistence and the `sochdb sql` tool.
final class DatabaseSQLTests {
    let dir = NSTemporaryDirectory() + "sochdb-database-sql-\(UUID().uuidString)"
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    @Test func sqlAndKeyValueWritesCommitOrAbortTogether() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE users (id INT PRIMARY KEY, name TEXT)")
        // The seed's example: SQL and KV in one transaction.
        let txn = db.beginTransaction()
        try txn.execute("INSERT INTO users VALUES (1, 'Alice')")
        try txn.put(Array("user:1:metadata".utf8), Array(#"{"verified": true}"#.utf8))
        #expect(try txn.execute("SELECT name FROM users WHERE id = 1").rows == [[.text("Alice")]])
        #expect(try db.executeSQL("SELECT COUNT(*) FROM users").rows == [[.integer(0)]])   // not committed yet
        try txn.commit()
        #expect(try db.executeSQL("SELECT name FROM users").rows == [[.text("Alice")]])
        #expect(try db.get(Array("user:1:metadata".utf8)) != nil)

        let collection = try db.createCollection("docs", dimension: 2)
        let aborted = db.beginTransaction()
        try aborted.execute("INSERT INTO users VALUES (?, ?)", parameters: [2, "Bob"])
        try aborted.put(Array("user:2:metadata".utf8), Array("x".utf8))
        try collection.upsert(id: "2", vector: [1, 0], in: aborted)
        aborted.abort()
        #expect(try db.executeSQL("SELECT COUNT(*) FROM users").rows == [[.integer(1)]])
        #expect(try db.get(Array("user:2:metadata".utf8)) == nil && collection.get("2") == nil)

        // db.transaction { } rolls SQL back when the body throws.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.transaction { t in
                try t.execute("INSERT INTO users VALUES (3, 'Carol')")
                throw Stop()
            }
        }
        #expect(try db.executeSQL("SELECT COUNT(*) FROM users").rows == [[.integer(1)]])
        try db.close()
    }

    @Test func errorsStatisticsToonAndReopen() throws {
        var db = try Database.open(dir)
        let before = try #require(db.stats().first { $0.name == "queries_executed" }?.value)
        #expect(before == .integer(0))
        try db.executeSQL("CREATE TABLE docs (title TEXT NOT NULL, score REAL)")
        try db.executeSQL("INSERT INTO docs VALUES ('a', 1.5), ('b', 0.5)")
        let error = #expect(throws: SochDBError.self) { try db.executeSQL("SELECT title FORM docs") }
        #expect((800..<900).contains(error?.code ?? 0) && "\(error.map { "\($0)" } ?? "")".contains("1:14"), "\(String(describing: error))")
        #expect(throws: SochDBError.self) { try db.executeSQL("INSERT INTO docs VALUES (NULL, 1.0)") }
        let after = try #require(db.stats().first { $0.name == "queries_executed" }?.value)
        #expect(after == .integer(3))     // CREATE, INSERT, the refused INSERT; the unparsable one never ran
        let r = try db.executeSQL("SELECT title, score FROM docs ORDER BY score DESC")
        #expect(try Database.toTOON(table: "docs", records: r.records, fields: ["title", "score"]) == "docs[2]{title,score}:a,1.5;b,0.5")
        try db.close()
        db = try Database.open(dir)
        #expect(try db.executeSQL("SELECT title FROM docs WHERE score < 1").rows == [[.text("b")]])
        try db.close()
    }

    @Test func executeSQLRefusesToLeaveATransactionOpen() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE t (k INTEGER PRIMARY KEY)")
        #expect(throws: SochDBError.self) { try db.executeSQL("BEGIN") }
        #expect(throws: SochDBError.self) { try db.executeSQL("COMMIT") }
        try db.executeSQL("INSERT INTO t VALUES (1)")             // autocommitted, not swallowed by a BEGIN
        #expect(try db.executeSQLScript("BEGIN; INSERT INTO t VALUES (2); COMMIT; SELECT COUNT(*) FROM t").last?.rows == [[.integer(2)]])
        #expect(throws: SochDBError.self) { try db.executeSQLScript("BEGIN; INSERT INTO t VALUES (3)") }
        #expect(try db.executeSQL("SELECT COUNT(*) FROM t").rows == [[.integer(2)]])
        try db.close()
    }

    @Test func sqlTool() throws {
        var (status, out, err) = try runTool("sochdb", ["sql", "--db", dir, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"])
        #expect(status == 0, "\(err)")
        (status, out, err) = try runTool("sochdb", ["sql", "--db", dir],
                                         stdin: "INSERT INTO t VALUES (1, 'one'), (2, 'two'); SELECT * FROM t ORDER BY k;")
        #expect(status == 0 && out == "2 rows affected\nk | v\n--+----\n1 | one\n2 | two\n(2 rows)\n", "\(out)\(err)")
        (status, out, _) = try runTool("sochdb", ["sql", "--db", dir, "--format", "json", "SELECT * FROM t WHERE k = 2"])
        #expect(out == #"[{"k": 2, "v": "two"}]"# + "\n")
        (status, out, _) = try runTool("sochdb", ["sql", "--db", dir, "--format", "toon", "SELECT v FROM t ORDER BY k"])
        #expect(out == "result[2]{v}:one;two\n")
        (status, _, err) = try runTool("sochdb", ["sql", "--db", dir, "SELECT nope FROM t"])
        #expect(status == 64 && err.hasPrefix("error: "), "\(err)")
    }
}
