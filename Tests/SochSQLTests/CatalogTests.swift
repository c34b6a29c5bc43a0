import Testing
@testable import SochSQL

/// The catalogue version protocol, the statement cache, and automatic keys.
struct CatalogTests {
    @Test func concurrentDDLConflictsAndRolledBackDDLLeavesNoTrace() throws {
        let db = try TestDatabase(); defer { db.close() }
        let a = db.engine.makeSession(), b = db.engine.makeSession()
        _ = try a.execute("BEGIN")
        _ = try a.execute("CREATE TABLE only_a (x INT)")
        _ = try a.execute("ROLLBACK")
        _ = try b.execute("CREATE TABLE only_b (y INT)")         // reuses no cached catalogue of a's
        #expect(throws: SQLError.unknownTable("only_a")) { try b.execute("SELECT * FROM only_a") }
        #expect(try b.execute("SELECT * FROM only_b").columns == ["y"])

        _ = try a.execute("BEGIN")
        _ = try b.execute("BEGIN")
        _ = try a.execute("CREATE TABLE one (x INT)")
        _ = try b.execute("CREATE TABLE two (x INT)")
        #expect(throws: SQLError.unknownTable("two")) { try a.execute("SELECT * FROM two") }
        _ = try a.execute("COMMIT")
        let error = SQLErrorCapture.capture { try b.execute("COMMIT") }
        if case .transaction(.conflict) = error {} else { Issue.record("two DDL transactions must conflict, got \(String(describing: error))") }
        #expect(try db.rows("SELECT count(*) FROM one") == ["0"])
        #expect(throws: SQLError.unknownTable("two")) { try a.execute("SELECT * FROM two") }
    }

    @Test func dropAndRecreateStartsEmpty() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        try db.run("DROP TABLE t; CREATE TABLE t (id INT PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v)")
        #expect(try db.rows("SELECT * FROM t") == [])
        #expect(try db.rows("SELECT id FROM t WHERE v = 'a'") == [])
        // Nothing of the dropped table's keys is left: one catalogue entry, no rows, no index entries.
        var kinds: [UInt8: Int] = [:]
        try db.storage.scan(prefix: TestDatabase.prefix).forEach { key, _ in kinds[key[2], default: 0] += 1 }
        #expect(kinds[UInt8(ascii: "r")] == nil && kinds[UInt8(ascii: "i")] == nil)
        #expect(kinds[UInt8(ascii: "c")] == 1)
    }

    @Test func statementCacheEvictsTheLeastRecentlyUsed() throws {
        var cache = StatementCache(capacity: 2)
        let parsed = try SQLParser.parse("SELECT 1")
        cache.insert("a", parsed)
        cache.insert("b", parsed)
        _ = cache.lookup("a")
        cache.insert("c", parsed)
        #expect(cache.lookup("a") != nil)
        #expect(cache.lookup("b") == nil)
        #expect(cache.lookup("c") != nil)
    }

    @Test func automaticIntegerKeysSkipTakenKeys() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y'), (4, 'z')")
        try db.run("INSERT INTO t (v) VALUES ('a'); INSERT INTO t (v) VALUES ('b'); INSERT INTO t (v) VALUES ('c')")
        #expect(try db.rows("SELECT id, v FROM t WHERE id > 2 ORDER BY id") == ["3, 'a'", "4, 'z'", "5, 'b'", "6, 'c'"])
        try db.run("DELETE FROM t WHERE id = 6; INSERT INTO t (v) VALUES ('d')")
        #expect(try db.rows("SELECT id FROM t WHERE v = 'd'") == ["7"])
    }

    @Test func alteredSchemaSurvivesReopen() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("""
            CREATE TABLE t (id INT PRIMARY KEY, a TEXT DEFAULT 'x''y', b BLOB DEFAULT X'0102');
            INSERT INTO t (id) VALUES (1);
            ALTER TABLE t ADD COLUMN c REAL NOT NULL DEFAULT 2;
            ALTER TABLE t RENAME COLUMN a TO Alpha;
            ALTER TABLE t RENAME TO u;
            """)
        try db.reopen()
        let result = try db.engine.makeSession().execute("SELECT * FROM u")
        #expect(result.columns == ["id", "Alpha", "b", "c"])
        #expect(result.rows == [[1, "x'y", .blob([1, 2]), 2.0]])
        try db.run("INSERT INTO u (id) VALUES (2)")
        #expect(try db.rows("SELECT c FROM u WHERE id = 2") == ["2.0"])
    }

    @Test func valuesOrderAndDisplay() {
        #expect(SQLValue.compare(.integer(2), .real(2.5)) < 0)
        #expect(SQLValue.compare(.integer(Int64.max), .real(9.223372036854775807e18)) < 0)
        #expect(SQLValue.compare(.boolean(true), .integer(1)) == 0)
        #expect(SQLValue.compare(.null, .integer(.min)) < 0)
        #expect(SQLValue.compare(.real(1e300), .text("")) < 0)
        #expect(SQLValue.compare(.text("z"), .blob([])) < 0)
        #expect(SQLValue.real(1).description == "1.0")
        #expect(SQLValue.real(1e20).description == "1.0e+20")
        #expect(SQLValue.real(0.1).description == "0.1")
        #expect(SQLValue.text("it's").sqlLiteral == "'it''s'")
        let literal: [SQLValue] = [1, 2.5, "x", nil, true]
        #expect(literal == [.integer(1), .real(2.5), .text("x"), .null, .boolean(true)])
        #expect(SQLValue.blob([0, 255]).toonValue == .string("00ff"))
    }
}
