// Fuzz target: SQL text through the lexer, parser, planner and executor of
// SochSQL on a scratch database (a few small tables and indexes, created
// once per process). Each input is split into at most 8 statements that
// run in one transaction, aborted at the end, so every input sees the same
// data. Checks beyond "no crash": errors are SQLError values (anything
// else is a bug); a SELECT that succeeds returns the same rows when run
// again in the same transaction (no hidden state, no nondeterminism), a
// statement that fails leaves the transaction usable, and a query or write
// that parses prints as SQL that parses back to the same tree.
import FuzzSupport
import Foundation
import SochStorage
@testable import SochSQL

private let engine: SQLEngine = {
    let directory = scratchDirectory("sql")
    let storage = try! StorageEngine.open(path: directory, options: StorageOptions())
    let engine = try! SQLEngine(storage: storage, keyPrefix: [0xFF, UInt8(ascii: "s")])
    let session = engine.makeSession()
    _ = try! session.executeScript("""
        CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB, ok BOOLEAN);
        CREATE INDEX t_name ON t (name);
        CREATE UNIQUE INDEX t_score ON t (score);
        CREATE TABLE u (a INT, b TEXT);
        CREATE INDEX u_ab ON u (a, b);
        INSERT INTO t VALUES (1, 'a', 1.5, x'00ff', TRUE), (2, 'b', NULL, NULL, FALSE), (3, 'c', -2.0, x'', NULL);
        INSERT INTO t (name, score) VALUES ('d', 4.25), ('e', 9e300), ('', 0.0);
        INSERT INTO u VALUES (1, 'x'), (1, 'y'), (2, NULL), (NULL, 'z'), (-9223372036854775808, 'min'), (9223372036854775807, 'max');
        """)
    return engine
}()

@_cdecl("fuzz_sql_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzSQL(inputBytes(data), size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let transaction = engine.storage.beginTransaction()
    defer { transaction.abort() }
    for statement in SQLScriptSplitter.split(text).prefix(8) {
        checkPrintsAndReparses(statement)
        do {
            let first = try engine.execute(statement, in: transaction)
            if statement.drop(while: { $0.isWhitespace }).uppercased().hasPrefix("SELECT") {
                let second = try engine.execute(statement, in: transaction)
                require(first.isIdentical(to: second), "a repeated query changed its result: \(statement.debugDescription)")
            }
        } catch {
            // SQLError is the only error the engine throws (typed throws);
            // the transaction must still be usable after it.
            require(transaction.isActive, "a failed statement ended the transaction: \(statement.debugDescription)")
        }
    }
    return 0
}

extension SQLResult {
    /// Same columns and rows, comparing reals by bit pattern (NaN included).
    func isIdentical(to other: SQLResult) -> Bool {
        columns == other.columns && rowsAffected == other.rowsAffected && rows.count == other.rows.count
            && zip(rows, other.rows).allSatisfy { a, b in
                a.count == b.count && zip(a, b).allSatisfy { x, y in
                    if case .real(let p) = x, case .real(let q) = y { return p.bitPattern == q.bitPattern }
                    return x == y
                }
            }
    }
}

/// A parsed statement's printed SQL (SQLStatement.sql) parses to the same
/// tree. Skipped for DDL (not printed), statements with parameters (they
/// print as `?` and may renumber) and trees whose fully parenthesised text
/// would pass the parser's nesting limit.
private func checkPrintsAndReparses(_ statement: String) {
    guard let parsed = try? SQLParser.parse(statement), parsed.parameterCount == 0,
          let printed = parsed.statement.sql else { return }
    var depth = 0, deepest = 0
    for c in printed.utf8 {
        if c == UInt8(ascii: "(") { depth += 1; deepest = max(deepest, depth) } else if c == UInt8(ascii: ")") { depth -= 1 }
    }
    guard deepest < SQLParser.maxNesting / 2 else { return }
    do {
        let again = try SQLParser.parse(printed)
        require(again.statement == parsed.statement,
                     "printed SQL parses to another tree:\n\(statement.debugDescription)\n\(printed.debugDescription)")
    } catch {
        fatalError("printed SQL does not parse (\(error)):\n\(statement.debugDescription)\n\(printed.debugDescription)")
    }
}
