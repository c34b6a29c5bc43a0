import Foundation
import Synchronization
import Testing
import SochStorage
@testable import SochSQL

/// Transactions, atomicity, persistence, indexes, parameters and errors
/// through the public API.
struct EngineTests {
    @Test func failingMultiRowInsertLeavesNothing() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v); INSERT INTO t VALUES (1, 'a')")
        let session = db.engine.makeSession()
        #expect(throws: SQLError.uniqueViolation(table: "t", constraint: "PRIMARY KEY")) {
            try session.execute("INSERT INTO t VALUES (2, 'b'), (3, 'c'), (1, 'dup')")
        }
        #expect(try db.rows("SELECT id FROM t ORDER BY id") == ["1"])
        #expect(try db.rows("SELECT id FROM t WHERE v = 'b'") == [])      // no stray index entry
        // Nothing under the prefix but the one row, its index entry and the catalogue.
        let keys = try db.storage.scan(prefix: TestDatabase.prefix + [UInt8(ascii: "i")])
        var count = 0
        try keys.forEach { _, _ in count += 1 }
        #expect(count == 1)
    }

    @Test func failedStatementInsideTransactionKeepsEarlierWrites() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.executeScript("CREATE TABLE t (id INT PRIMARY KEY); BEGIN; INSERT INTO t VALUES (1)")
        #expect(session.inTransaction)
        #expect(throws: SQLError.self) { try session.execute("INSERT INTO t VALUES (2), (1)") }
        #expect(session.inTransaction)
        #expect(try session.execute("SELECT count(*) FROM t").rows == [[.integer(1)]])
        #expect(try db.rows("SELECT count(*) FROM t") == ["0"])             // not committed yet
        _ = try session.execute("COMMIT")
        #expect(!session.inTransaction)
        #expect(try db.rows("SELECT id FROM t") == ["1"])
    }

    @Test func rollbackDiscardsWritesAndDDL() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.executeScript("""
            CREATE TABLE keep (x INT);
            BEGIN;
            INSERT INTO keep VALUES (1);
            CREATE TABLE gone (y INT);
            INSERT INTO gone VALUES (2);
            CREATE INDEX keep_x ON keep (x);
            """)
        #expect(try session.execute("SELECT y FROM gone").rows == [[.integer(2)]])   // sees its own DDL
        #expect(throws: SQLError.unknownTable("gone")) { try db.engine.makeSession().execute("SELECT * FROM gone") }
        _ = try session.execute("ROLLBACK")
        #expect(throws: SQLError.unknownTable("gone")) { try session.execute("SELECT * FROM gone") }
        #expect(try db.rows("SELECT count(*) FROM keep") == ["0"])
        #expect(try db.rows("EXPLAIN SELECT * FROM keep WHERE x = 1") == ["'SCAN keep'"])
        _ = try session.execute("CREATE INDEX keep_x ON keep (x)")   // the name is free again
    }

    @Test func executeInCallersTransaction() throws {
        let db = try TestDatabase(); defer { db.close() }
        let txn = db.storage.beginTransaction()
        _ = try db.engine.execute("CREATE TABLE t (a INT)", in: txn)
        #expect(try db.engine.execute("INSERT INTO t VALUES (?), (?)", parameters: [.integer(1), .integer(2)], in: txn).rowsAffected == 2)
        #expect(throws: SQLError.self) { try db.engine.execute("INSERT INTO t VALUES ('x')", in: txn) }
        #expect(throws: SQLError.transactionState("BEGIN, COMMIT and ROLLBACK are not allowed in a caller-managed transaction")) {
            try db.engine.execute("COMMIT", in: txn)
        }
        #expect(try db.engine.execute("SELECT sum(a) FROM t", in: txn).rows == [[.integer(3)]])
        try txn.commit()
        #expect(try db.rows("SELECT a FROM t ORDER BY a") == ["1", "2"])
        #expect(throws: SQLError.transaction(.finished(id: txn.id))) { try db.engine.execute("SELECT 1", in: txn) }
        #expect(db.engine.statementsExecuted >= 7)
    }

    @Test func catalogueAndRowsSurviveReopen() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
            CREATE INDEX t_name ON t (name);
            CREATE TABLE log (msg TEXT);
            INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL);
            INSERT INTO log VALUES ('x'), ('y');
            """)
        try db.reopen()
        #expect(try db.rows("SELECT * FROM t ORDER BY id") == ["1, 'a', 1.5", "2, 'b', NULL"])
        #expect(try db.rows("EXPLAIN SELECT id FROM t WHERE name = 'b'") == ["'SEARCH t USING INDEX t_name (name=?)'"])
        #expect(try db.rows("SELECT id FROM t WHERE name = 'b'") == ["2"])
        try db.run("INSERT INTO log VALUES ('z')")          // the rowid counter survived too
        #expect(try db.rows("SELECT rowid, msg FROM log ORDER BY rowid") == ["1, 'x'", "2, 'y'", "3, 'z'"])
        #expect(throws: SQLError.notNull(table: "t", column: "name")) { try db.run("INSERT INTO t (id) VALUES (3)") }
        try db.storage.flushMemtable()
        try db.reopen()
        #expect(try db.rows("SELECT count(*) FROM log") == ["3"])
    }

    @Test func indexBackfillAndUse() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, grp INT, tag TEXT)")
        _ = try session.execute("BEGIN")
        for i in 0..<500 {
            _ = try session.execute("INSERT INTO big VALUES (?, ?, ?)", parameters: [.integer(Int64(i)), .integer(Int64(i % 10)), .text("t\(i % 7)")])
        }
        _ = try session.execute("COMMIT")
        let scan = try db.rows("SELECT id FROM big WHERE grp = 3 AND tag = 't2' ORDER BY id")
        #expect(try db.rows("EXPLAIN SELECT id FROM big WHERE grp = 3") == ["'SCAN big'"])
        _ = try session.execute("CREATE INDEX big_grp ON big (grp)")
        _ = try session.execute("CREATE INDEX big_tag_grp ON big (tag, grp)")
        #expect(try db.rows("EXPLAIN SELECT id FROM big WHERE grp = 3")[0].contains("USING INDEX big_grp"))
        #expect(try db.rows("EXPLAIN SELECT id FROM big WHERE grp = 3 AND tag = 't2'")[0].contains("USING INDEX big_tag_grp (tag=? AND grp=?)"))
        #expect(try db.rows("EXPLAIN SELECT id FROM big WHERE grp BETWEEN 2 AND 4")[0].contains("USING INDEX big_grp (grp>=? AND grp<=?)"))
        #expect(try db.rows("EXPLAIN SELECT id FROM big WHERE id = ?", [.integer(4)]) == ["'SEARCH big USING PRIMARY KEY (id=?)'"])
        #expect(try db.rows("SELECT id FROM big WHERE grp = 3 AND tag = 't2' ORDER BY id") == scan)
        #expect(try db.rows("SELECT count(*) FROM big WHERE grp BETWEEN 2 AND 4") == ["150"])
        #expect(try db.rows("SELECT count(*) FROM big WHERE grp IN (1, 9, 1)") == ["100"])
        #expect(try db.rows("SELECT count(*) FROM big WHERE grp > 7.5") == ["100"])
        #expect(try db.rows("SELECT tag FROM big WHERE id = 15") == ["'t1'"])
    }

    @Test func parameterBinding() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, r REAL, b BLOB, f BOOLEAN)")
        _ = try session.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                                parameters: [.integer(1), .text("it's"), .integer(2), .blob([0, 1]), .boolean(true)])
        #expect(try session.execute("SELECT * FROM t WHERE id = ? AND name = ?", parameters: [.integer(1), .text("it's")]).rows
                == [[.integer(1), .text("it's"), .real(2), .blob([0, 1]), .boolean(true)]])
        #expect(try session.execute("SELECT ? + ?, ? || ?", parameters: [.integer(1), .real(0.5), .text("a"), .null]).rows
                == [[.real(1.5), .null]])
        #expect(throws: SQLError.parameterCount(expected: 2, got: 1)) {
            try session.execute("SELECT * FROM t WHERE id = ? AND name = ?", parameters: [.integer(1)])
        }
        #expect(throws: SQLError.parameterCount(expected: 0, got: 1)) { try session.execute("SELECT 1", parameters: [.integer(1)]) }
        #expect(throws: SQLError.typeMismatch(column: "name", expected: "TEXT", got: "INTEGER")) {
            try session.execute("UPDATE t SET name = ? WHERE id = 1", parameters: [.integer(5)])
        }
        let limited = try session.execute("SELECT id FROM t ORDER BY id LIMIT ?", parameters: [.integer(0)])
        #expect(limited.rows.isEmpty && limited.columns == ["id"])
    }

    @Test func syntaxErrorPositions() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        func syntaxError(_ sql: String) -> (String, Int, String)? {
            do { _ = try session.execute(sql) } catch {
                if case let .syntax(message, position, expected) = error { return (message, position, expected) }
            }
            return nil
        }
        let e1 = syntaxError("SELECT a FORM t")
        #expect(e1?.0 == "expected FROM, found 'FORM' at 1:10")
        #expect(e1?.1 == 9)
        #expect(e1?.2 == "FROM")
        let e2 = syntaxError("SELECT 1,\n  2 +\n  FROM t")
        #expect(e2?.0 == "expected an expression, found 'FROM' at 3:3")
        #expect(e2?.1 == 18)
        let e3 = syntaxError("SELECT 'é' || 'x' FROM 1")   // é: two bytes, one column
        #expect(e3?.1 == 24)
        #expect(e3?.0 == "expected table name, found '1' at 1:24")
        #expect(syntaxError("CREATE TABLE t (a INT") != nil)
        let error = try #require(SQLErrorCapture.capture { try session.execute("SELEC 1") })
        #expect(error.code == 800)
        #expect(error.description == "syntax error: expected a statement, found 'SELEC' at 1:1")
    }

    @Test func overlyDeepExpressionsAreSyntaxErrorsNotCrashes() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        let parens = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(SQLErrorCapture.capture { try session.execute("SELECT \(parens)") }?.code == 800)
        let negations = String(repeating: "- ", count: 5000) + "1"
        #expect(SQLErrorCapture.capture { try session.execute("SELECT \(negations)") }?.code == 800)
        let chain = Array(repeating: "1", count: 3000).joined(separator: " + ")
        #expect(SQLErrorCapture.capture { try session.execute("SELECT \(chain)") }?.code == 800)
        let fine = Array(repeating: "1", count: 500).joined(separator: " + ")
        #expect(try session.execute("SELECT \(fine)").rows == [[.integer(500)]])
        let list = (0..<5000).map(String.init).joined(separator: ", ")
        #expect(try session.execute("SELECT 4999 IN (\(list))").rows == [[.boolean(true)]])
    }

    /// The chains of issue 19 (SIGSEGV before: the parser built the whole
    /// chain, then released it recursively) and trees at and one past the
    /// limits. The refusals run on a 512 KiB thread: refusing must not
    /// need a deep stack.
    @Test func longFlatChainsAreRefusedAtTheLimitWithoutDeepRecursion() throws {
        let db = try TestDatabase(); defer { db.close() }
        let engine = db.engine
        func onThread(stack: Int, _ body: @escaping @Sendable () -> Void) {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread { body(); done.signal() }
            thread.stackSize = stack
            thread.start()
            done.wait()
        }
        let results = Mutex<[String: Int32?]>([:])
        func run(_ cases: [(String, String)], stack: Int) {
            onThread(stack: stack) {
                let session = engine.makeSession()
                for (name, sql) in cases {
                    let code = SQLErrorCapture.capture { try session.execute(sql) }?.code
                    results.withLock { $0[name] = code }
                }
            }
        }
        run([
            ("and100k", "SELECT " + Array(repeating: "1", count: 100_000).joined(separator: " AND ")),
            ("plus200k", "SELECT " + Array(repeating: "1", count: 200_000).joined(separator: " + ")),
            ("plus1001", "SELECT " + Array(repeating: "1", count: 1001).joined(separator: " + ")),
            ("terms", "SELECT 1 IN (" + Array(repeating: "1", count: SQLParser.maxTerms).joined(separator: ",") + ")"),
            // A subquery is a level above its tallest expression: 600 + 600.
            ("subquery", "SELECT (SELECT " + Array(repeating: "1", count: 600).joined(separator: " + ") + ") + "
                + Array(repeating: "1", count: 600).joined(separator: " + ")),
        ], stack: 512 << 10)
        // Evaluating a tree at the limit recurses once per level: more than
        // 512 KiB of stack in a debug build (it overflows there), so run it
        // on a thread's default 8 MiB.
        run([
            ("plus1000", "SELECT " + Array(repeating: "1", count: 1000).joined(separator: " + ")),
            ("mixed", "SELECT " + Array(repeating: "1 * 1", count: 600).joined(separator: " + ")),
        ], stack: 8 << 20)
        let codes = results.withLock { $0 }
        #expect(codes["and100k"] == 800)
        #expect(codes["plus200k"] == 800)
        #expect(codes["plus1000"] == .some(nil))           // 1000 levels: the limit itself
        #expect(codes["plus1001"] == 800)
        #expect(codes["mixed"] == .some(nil))              // 600 additions of products: 601 levels
        #expect(codes["terms"] == 800)                      // one term over maxTerms
        #expect(codes["subquery"] == 800)
        let message = SQLErrorCapture.capture {
            try engine.makeSession().execute("SELECT " + Array(repeating: "1", count: 1001).joined(separator: " OR "))
        }.map { "\($0)" } ?? ""
        #expect(message.contains("1000 levels"))
    }

    @Test func resultsConvertToRecordsAndTOON() throws {
        let db = try TestDatabase(); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.executeScript("CREATE TABLE u (id INT PRIMARY KEY, name TEXT, ok BOOLEAN); INSERT INTO u VALUES (1, 'Alice', TRUE), (2, NULL, FALSE)")
        let result = try session.execute("SELECT id, name, ok FROM u ORDER BY id")
        #expect(result.records[0] == ["id": .integer(1), "name": .text("Alice"), "ok": .boolean(true)])
        #expect(try result.toTOON(table: "users") == "users[2]{id,name,ok}:1,Alice,true;2,null,false")
        let counted = try session.execute("SELECT count(*), count(*) FROM u")
        #expect(try counted.toTOON(table: "c") == "c[1]{count___,count____2}:2,2")
    }

    @Test func sessionsConflictAndStatementCounter() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE c (id INT PRIMARY KEY, n INT); INSERT INTO c VALUES (1, 0)")
        let a = db.engine.makeSession(), b = db.engine.makeSession()
        _ = try a.execute("BEGIN")
        _ = try b.execute("BEGIN")
        _ = try a.execute("UPDATE c SET n = n + 1 WHERE id = 1")
        _ = try b.execute("UPDATE c SET n = n + 10 WHERE id = 1")
        _ = try a.execute("COMMIT")
        let error = SQLErrorCapture.capture { try b.execute("COMMIT") }
        if case .transaction(.conflict) = error {} else { Issue.record("expected a conflict, got \(String(describing: error))") }
        #expect(!b.inTransaction)
        #expect(try db.rows("SELECT n FROM c") == ["1"])
        let before = db.engine.statementsExecuted
        _ = try a.execute("SELECT 1")
        _ = try a.executeScript("SELECT 1; SELECT 2;")
        #expect(db.engine.statementsExecuted == before + 3)
    }

    @Test func concurrentSessionsOnThreads() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (id INT PRIMARY KEY, w INT)")
        let engine = db.engine
        let group = DispatchGroup()
        for w in 0..<4 {
            group.enter()
            Thread {
                let session = engine.makeSession()
                for i in 0..<50 { _ = try? session.execute("INSERT INTO t VALUES (?, ?)", parameters: [.integer(Int64(w * 1000 + i)), .integer(Int64(w))]) }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(try db.rows("SELECT count(*), count(DISTINCT w) FROM t") == ["200, 4"])
    }

    @Test func concurrentAutocommitInsertsIntoARowidTableAllLand() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE log (w INT, i INT)")
        let engine = db.engine
        let failures = Mutex(0)
        let group = DispatchGroup()
        for w in 0..<4 {
            group.enter()
            Thread {
                let session = engine.makeSession()
                for i in 0..<50 {
                    do { _ = try session.execute("INSERT INTO log VALUES (?, ?)", parameters: [.integer(Int64(w)), .integer(Int64(i))]) } catch {
                        failures.withLock { $0 += 1 }
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(failures.withLock { $0 } == 0)
        #expect(try db.rows("SELECT count(*), count(DISTINCT rowid) FROM log") == ["200, 200"])
    }

    @Test func droppingASessionAbortsItsTransaction() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (x INT)")
        do {
            let session = db.engine.makeSession()
            _ = try session.executeScript("BEGIN; INSERT INTO t VALUES (1)")
            #expect(session.inTransaction)
        }
        #expect(try db.rows("SELECT count(*) FROM t") == ["0"])
        try db.run("INSERT INTO t VALUES (2)")          // nothing is left holding the table
        #expect(try db.rows("SELECT x FROM t") == ["2"])
    }

    @Test func scriptSplitting() {
        #expect(SQLScriptSplitter.split("SELECT ';'; -- a ; comment\nSELECT \"a;b\" /* ; */ ;;  ; SELECT 3") ==
                ["SELECT ';'", "-- a ; comment\nSELECT \"a;b\" /* ; */", "SELECT 3"])
        #expect(SQLScriptSplitter.split("  -- only a comment\n ; ") == [])
    }
}

/// Runs `body` and returns the SQLError it threw, if any.
enum SQLErrorCapture {
    static func capture(_ body: () throws -> SQLResult) -> SQLError? {
        do { _ = try body(); return nil } catch { return error as? SQLError }
    }
}
