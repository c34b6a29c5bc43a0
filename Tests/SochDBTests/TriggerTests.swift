import Foundation
import Synchronization
import Testing
@testable import SochDB

/// Triggers fired by the engine on SQL INSERT, UPDATE and DELETE: what each
/// event sees, BEFORE rewrites and refusals, AFTER writes in the statement's
/// transaction, ON BATCH, atomicity of a failing statement, re-entrancy and
/// concurrent statements.
final class TriggerTests {
    let dir = NSTemporaryDirectory() + "sochdb-triggers-\(UUID().uuidString)"
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func count(_ db: Database, _ table: String) throws -> Int64 {
        guard case .integer(let n) = try db.executeSQL("SELECT COUNT(*) FROM \(table)").rows[0][0] else { return -1 }
        return n
    }

    /// The SQL error a call throws (fails the test if it throws another or none).
    func sqlError(_ body: () throws -> Void) -> SQLError? {
        do { try body() } catch SochDBError.sql(let e) { return e } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    @Test func beforeInsertRewritesTheRowAndRefusalsWriteNothing() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT NOT NULL)")
        try db.registerTrigger(name: "email_validator", table: "Users", events: [.beforeInsert]) { context in
            #expect(context.event == .beforeInsert && context.operation == .insert && context.old == nil)
            guard case .text(let raw)? = context.row?["email"] else { throw TriggerAbort("email is missing", code: "NO_EMAIL") }
            let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard email.contains("@") else { throw TriggerAbort("Invalid email format", code: "INVALID_EMAIL") }
            try context.row?.set("EMAIL", to: .text(email))
        }
        try db.executeSQL("INSERT INTO users (name, email) VALUES ('Alice', ' ALICE@EXAMPLE.COM ')")
        #expect(try db.executeSQL("SELECT id, email FROM users").rows == [[.integer(1), .text("alice@example.com")]])

        // A refusal in the middle of a multi-row INSERT: none of its rows.
        let refused = sqlError { try db.executeSQL("INSERT INTO users (name, email) VALUES ('Bob', 'bob@x.org'), ('Eve', 'nope')") }
        #expect(refused == .triggerAbort(trigger: "email_validator", message: "Invalid email format", code: "INVALID_EMAIL"))
        #expect(refused?.code == 840)
        #expect(refused?.description == "trigger email_validator aborted the statement: Invalid email format [INVALID_EMAIL]")
        #expect(try count(db, "users") == 1)

        // A rewritten row is checked like any inserted row.
        try db.registerTrigger(name: "bad_type", table: "users", events: [.beforeInsert]) { context in
            try context.row?.set("id", to: .text("not a number"))
        }
        #expect(sqlError { try db.executeSQL("INSERT INTO users (name, email) VALUES ('Carol', 'c@x.org')") }?.code == 810)
        try db.unregisterTrigger(name: "bad_type")
        // An unknown column is refused where the handler sets it.
        try db.registerTrigger(name: "unknown_column", table: "users", events: [.beforeInsert]) { context in
            try context.row?.set("fraud_score", to: .real(1))
        }
        let unknown = sqlError { try db.executeSQL("INSERT INTO users (name, email) VALUES ('Carol', 'c@x.org')") }
        #expect(unknown == .triggerFailed(trigger: "unknown_column", message: "no such column: fraud_score"))
        try db.unregisterTrigger(name: "unknown_column")
        try db.executeSQL("INSERT INTO users (name, email) VALUES ('Carol', 'C@X.ORG')")
        #expect(try count(db, "users") == 2)
        try db.close()
    }

    @Test func eachEventSeesItsRowsInRegistrationOrder() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        let log = Log()
        @Sendable func note(_ s: String) { log.append(s) }
        @Sendable func text(_ row: TriggerRow?) -> String { row.map { "\($0["k"]!)=\($0["v"]!)" } ?? "-" }
        try db.registerTrigger(name: "first", table: "t", events: TriggerEvent.allCases) { c in
            if c.event == .onBatch {
                note("first \(c.event) \(c.operation) " + c.batch.map { text($0.old) + ">" + text($0.new) }.joined(separator: ","))
            } else {
                note("first \(c.event) \(text(c.old))>\(text(c.row))")
            }
        }
        try db.registerTrigger(name: "second", table: "t", events: [.beforeUpdate, .afterUpdate]) { c in
            note("second \(c.event) \(text(c.row))")
            if c.event == .beforeUpdate { try c.row?.set("v", to: .text("second")) }
        }
        #expect(db.triggers.map(\.name) == ["first", "second"])
        #expect(db.triggers[1].events == [.beforeUpdate, .afterUpdate] && db.triggers[1].table == "t")

        try db.executeSQL("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        #expect(log.lines == [
            "first BEFORE INSERT ->1=a", "first BEFORE INSERT ->2=b",
            "first AFTER INSERT ->1=a", "first AFTER INSERT ->2=b",
            "first ON BATCH INSERT ->1=a,->2=b",
        ])
        log.clear()
        try db.executeSQL("UPDATE t SET v = 'z' WHERE k = 2")
        #expect(log.lines == [
            "first BEFORE UPDATE 2=b>2=z", "second BEFORE UPDATE 2=z",
            "first AFTER UPDATE 2=b>2=second", "second AFTER UPDATE 2=second",
            "first ON BATCH UPDATE 2=b>2=second",
        ])
        #expect(try db.executeSQL("SELECT v FROM t WHERE k = 2").rows == [[.text("second")]])
        log.clear()
        try db.executeSQL("DELETE FROM t WHERE k = 1")
        #expect(log.lines == ["first BEFORE DELETE 1=a>-", "first AFTER DELETE 1=a>-", "first ON BATCH DELETE 1=a>-"])
        log.clear()
        // A statement that touches no row fires no row trigger and no batch.
        try db.executeSQL("DELETE FROM t WHERE k = 99")
        try db.executeSQL("INSERT OR IGNORE INTO t VALUES (2, 'dup')")
        #expect(log.lines == ["first BEFORE INSERT ->2=dup"])
        log.clear()
        // OR REPLACE is an INSERT (the replaced row fires no DELETE trigger).
        try db.executeSQL("INSERT OR REPLACE INTO t VALUES (2, 'new')")
        #expect(log.lines == ["first BEFORE INSERT ->2=new", "first AFTER INSERT ->2=new", "first ON BATCH INSERT ->2=new"])

        try db.unregisterTrigger(name: "first")
        #expect(sqlError { try db.unregisterTrigger(name: "first") } == .unknownTrigger("first"))
        #expect(sqlError { try db.registerTrigger(name: "second", table: "x", events: [.afterInsert]) { _ in } } == .triggerExists("second"))
        #expect(sqlError { try db.registerTrigger(name: "none", table: "x", events: []) { _ in } }?.code == 806)
        try db.close()
    }

    @Test func afterUpdateAuditRowsCommitOrRollBackWithTheTransaction() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)")
        try db.executeSQL("CREATE TABLE audit (account INTEGER, old INTEGER, new INTEGER)")
        try db.executeSQL("INSERT INTO accounts VALUES (1, 100), (2, 50)")
        try db.registerTrigger(name: "audit", table: "accounts", events: [.afterUpdate]) { c in
            try c.transaction.execute("INSERT INTO audit VALUES (?, ?, ?)",
                                      parameters: [c.old!["id"]!, c.old!["balance"]!, c.row!["balance"]!])
            try c.transaction.put(Array("audited:\(c.old!["id"]!)".utf8), Array("yes".utf8))
        }
        let txn = db.beginTransaction()
        try txn.execute("UPDATE accounts SET balance = balance - 10")
        #expect(try txn.execute("SELECT COUNT(*) FROM audit").rows == [[.integer(2)]])
        txn.abort()
        #expect(try count(db, "audit") == 0 && db.get(Array("audited:1".utf8)) == nil)

        let committed = db.beginTransaction()
        try committed.execute("UPDATE accounts SET balance = balance + 1 WHERE id = 2")
        try committed.commit()
        #expect(try db.executeSQL("SELECT account, old, new FROM audit").rows == [[.integer(2), .integer(50), .integer(51)]])
        #expect(try db.get(Array("audited:2".utf8)) == Array("yes".utf8))

        // A trigger cannot end the statement's transaction.
        try db.registerTrigger(name: "committer", table: "accounts", events: [.afterUpdate]) { c in try c.transaction.commit() }
        let error = sqlError { try db.executeSQL("UPDATE accounts SET balance = 0 WHERE id = 1") }
        #expect(error?.code == 841 && error?.description.contains("cannot commit") == true)
        #expect(try db.executeSQL("SELECT balance FROM accounts WHERE id = 1").rows == [[.integer(100)]])
        try db.close()
    }

    @Test func aFailureMidStatementUndoesRowsAndTriggerWritesButNotEarlierStatements() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE source (n INTEGER)")
        try db.executeSQL("CREATE TABLE target (n INTEGER PRIMARY KEY)")
        try db.executeSQL("CREATE TABLE log (n INTEGER)")
        let txn = db.beginTransaction()
        for n in 0..<1000 { try txn.execute("INSERT INTO source VALUES (?)", parameters: [.integer(Int64(n))]) }
        try txn.commit()
        try db.registerTrigger(name: "log_each", table: "target", events: [.afterInsert]) { c in
            try c.transaction.execute("INSERT INTO log VALUES (?)", parameters: [c.row!["n"]!])
            if c.row!["n"] == .integer(700) { throw TriggerAbort("seven hundred") }
        }
        let explicit = db.beginTransaction()
        try explicit.execute("INSERT INTO target VALUES (-1)")        // an earlier statement: kept
        #expect(try explicit.execute("SELECT COUNT(*) FROM log").rows == [[.integer(1)]])
        do {
            try explicit.execute("INSERT INTO target SELECT n FROM source")
            Issue.record("the INSERT … SELECT should have failed")
        } catch SochDBError.sql(.triggerAbort(let trigger, let message, nil)) {
            #expect(trigger == "log_each" && message == "seven hundred")
        }
        // The failed statement left nothing: no target rows, none of its 701 log rows.
        #expect(try explicit.execute("SELECT COUNT(*) FROM target").rows == [[.integer(1)]])
        #expect(try explicit.execute("SELECT COUNT(*) FROM log").rows == [[.integer(1)]])
        try explicit.commit()
        #expect(try count(db, "target") == 1 && count(db, "log") == 1)

        // An error other than TriggerAbort fails it the same way.
        struct Broken: Error {}
        try db.unregisterTrigger(name: "log_each")
        try db.registerTrigger(name: "broken", table: "target", events: [.afterInsert]) { c in
            if c.row!["n"] == .integer(500) { throw Broken() }
        }
        #expect(sqlError { try db.executeSQL("INSERT INTO target SELECT n FROM source") } == .triggerFailed(trigger: "broken", message: "Broken()"))
        #expect(try count(db, "target") == 1)
        try db.close()
    }

    @Test func beforeHandlersReadButNeitherWriteNorChangeTheSchema() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
        try db.executeSQL("CREATE TABLE limits (max INTEGER)")
        try db.executeSQL("INSERT INTO limits VALUES (10)")
        try db.registerTrigger(name: "check", table: "t", events: [.beforeInsert]) { c in
            #expect(!c.canWrite)
            let max = try c.transaction.execute("SELECT max FROM limits").rows[0][0]   // reading is fine
            if case .integer(let m) = max, case .integer(let n)? = c.row?["n"], n > m { throw TriggerAbort("over the limit") }
            if c.row?["n"] == .integer(7) { try c.transaction.put(Array("k".utf8), Array("v".utf8)) }
            if c.row?["n"] == .integer(8) { try c.transaction.execute("UPDATE t SET n = 0") }
        }
        try db.executeSQL("INSERT INTO t VALUES (1, 5)")
        #expect(sqlError { try db.executeSQL("INSERT INTO t VALUES (2, 11)") }?.code == 840)
        for n in [7, 8] {
            let error = sqlError { try db.executeSQL("INSERT INTO t VALUES (2, \(n))") }
            #expect(error?.code == 841 && error?.description.contains("a BEFORE handler may read and change its row, not write") == true)
        }
        #expect(try count(db, "t") == 1 && db.get(Array("k".utf8)) == nil)

        try db.unregisterTrigger(name: "check")
        try db.registerTrigger(name: "ddl", table: "t", events: [.afterInsert]) { c in
            try c.transaction.execute("CREATE INDEX t_n ON t(n)")
        }
        let error = sqlError { try db.executeSQL("INSERT INTO t VALUES (3, 1)") }
        #expect(error?.code == 841 && error?.description.contains("cannot change the schema") == true)
        #expect(try count(db, "t") == 1)
        try db.close()
    }

    @Test func triggersOnTriggerWritesNestToALimit() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE chain (n INTEGER)")
        try db.executeSQL("CREATE TABLE sink (n INTEGER)")
        // Each row inserts the next into the same table: a runaway recursion.
        try db.registerTrigger(name: "recurse", table: "chain", events: [.afterInsert]) { c in
            guard case .integer(let n)? = c.row?["n"] else { return }
            try c.transaction.execute("INSERT INTO chain VALUES (?)", parameters: [.integer(n + 1)])
        }
        let error = sqlError { try db.executeSQL("INSERT INTO chain VALUES (0)") }
        #expect(error?.code == 841 && error?.description.contains("deeper than \(SQLEngine.maxTriggerDepth)") == true)
        #expect(try count(db, "chain") == 0)
        try db.unregisterTrigger(name: "recurse")

        // Bounded nesting works: chain → sink, and sink's trigger sees chain's.
        try db.registerTrigger(name: "to_sink", table: "chain", events: [.afterInsert]) { c in
            try c.transaction.execute("INSERT INTO sink VALUES (?)", parameters: [c.row!["n"]!])
        }
        try db.registerTrigger(name: "sink_check", table: "sink", events: [.beforeInsert]) { c in
            if c.row!["n"] == .integer(13) { throw TriggerAbort("unlucky", code: "13") }
        }
        try db.executeSQL("INSERT INTO chain VALUES (1), (2)")
        #expect(try count(db, "sink") == 2)
        // The innermost trigger's verdict reaches the caller unchanged.
        #expect(sqlError { try db.executeSQL("INSERT INTO chain VALUES (13)") } == .triggerAbort(trigger: "sink_check", message: "unlucky", code: "13"))
        #expect(try count(db, "chain") == 2 && count(db, "sink") == 2)
        try db.close()
    }

    @Test func aContextIsClosedOnceItsHandlerReturnsAndCollectionsAreRefused() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE t (n INTEGER)")
        let collection = try db.createCollection("docs", dimension: 2)
        nonisolated(unsafe) var kept: DatabaseTransaction?
        try db.registerTrigger(name: "keeper", table: "t", events: [.afterInsert]) { c in
            kept = c.transaction
            #expect(kept?.isActive == true && kept?.isTriggerScoped == true)
        }
        try db.executeSQL("INSERT INTO t VALUES (1)")
        let late = try #require(kept)
        #expect(!late.isActive)
        #expect(throws: SochDBError.self) { try late.put(Array("k".utf8), Array("v".utf8)) }
        #expect(throws: SochDBError.self) { try late.execute("INSERT INTO t VALUES (2)") }
        #expect(try count(db, "t") == 1)

        try db.unregisterTrigger(name: "keeper")
        try db.registerTrigger(name: "vectors", table: "t", events: [.afterInsert]) { c in
            try collection.upsert(id: "x", vector: [1, 0], in: c.transaction)
        }
        let error = sqlError { try db.executeSQL("INSERT INTO t VALUES (3)") }
        #expect(error?.code == 841 && error?.description.contains("cannot write to collection docs") == true)
        #expect(try count(db, "t") == 1 && collection.count == 0)
        try db.close()
    }

    @Test func concurrentTransactionsEachKeepTheirOwnTriggerWrites() throws {
        let db = try Database.open(dir)
        try db.executeSQL("CREATE TABLE events (id INTEGER PRIMARY KEY, thread INTEGER, n INTEGER)")
        try db.executeSQL("CREATE TABLE audit (thread INTEGER, n INTEGER)")
        let fired = Atomic<Int>(0)
        try db.registerTrigger(name: "audit", table: "events", events: [.afterInsert]) { c in
            fired.add(1, ordering: .relaxed)
            try c.transaction.execute("INSERT INTO audit VALUES (?, ?)", parameters: [c.row!["thread"]!, c.row!["n"]!])
        }
        try db.registerTrigger(name: "odd_refused", table: "events", events: [.beforeInsert]) { c in
            if case .integer(let n)? = c.row?["n"], n % 10 == 9 { throw TriggerAbort("nines are refused") }
        }
        let threads = 4, perThread = 60
        runOnThreads(threads) { t in
            for n in 0..<perThread {
                let txn = db.beginTransaction()
                do {
                    try txn.execute("INSERT INTO events (thread, n) VALUES (?, ?)", parameters: [.integer(Int64(t)), .integer(Int64(n))])
                    try txn.execute("INSERT INTO events (thread, n) VALUES (?, ?)", parameters: [.integer(Int64(t)), .integer(Int64(n + 1000))])
                    if n % 7 == 0 { txn.abort() } else { try txn.commit() }
                } catch {
                    txn.abort()   // a refused nine, or a conflict: nothing of this transaction
                }
            }
        }
        // Every committed event has exactly its audit row, and nothing else does.
        let events = try db.executeSQL("SELECT thread, n FROM events ORDER BY thread, n").rows
        let audit = try db.executeSQL("SELECT thread, n FROM audit ORDER BY thread, n").rows
        #expect(events == audit)
        #expect(!events.isEmpty && events.allSatisfy { if case .integer(let n) = $0[1] { n % 10 != 9 } else { false } })
        #expect(fired.load(ordering: .relaxed) >= events.count)
        try db.close()
    }
}

/// Lines noted by trigger handlers, on any thread.
final class Log: Sendable {
    private let state = Mutex<[String]>([])
    func append(_ line: String) { state.withLock { $0.append(line) } }
    func clear() { state.withLock { $0 = [] } }
    var lines: [String] { state.withLock { $0 } }
}
