import Foundation
import Testing
@testable import SochSQL

/// Runs thousands of random SELECTs on SochSQL and on SQLite (the sqlite3
/// shell) over the same random data, with and without secondary indexes,
/// and requires identical results (order-insensitive unless the query's
/// ORDER BY is total; reals within a relative 1e-9).
struct DifferentialTests {
    static let queryCount = 2500
    static let rowCount = 300

    @Test(.enabled(if: SQLiteReference.isAvailable, "needs /usr/bin/sqlite3 (Debian package sqlite3)"))
    func randomQueriesMatchSQLite() throws {
        var generator = QueryGenerator(seed: Self.seed(default: 20261201))
        let data = generator.data(rows: Self.rowCount)
        let queries = (0..<Self.queryCount).map { _ in generator.query() }
        let expected = try SQLiteReference.run(setup: QueryGenerator.tableSchemas + data, queries: queries.map(\.sql))
        try #require(expected.count == queries.count, "sqlite3 answered \(expected.count) of \(queries.count) queries")
        // The generator must produce queries that return rows, or the comparison proves little.
        let nonEmpty = expected.filter { !$0.isEmpty }.count
        #expect(nonEmpty > Self.queryCount / 2, "only \(nonEmpty) of \(Self.queryCount) queries return rows")
        let clock = ContinuousClock()
        for withIndexes in [false, true] {
            let db = try TestDatabase("diff"); defer { db.close() }
            try db.run((QueryGenerator.tableSchemas + data + (withIndexes ? QueryGenerator.indexes : [])).joined(separator: ";\n"))
            let session = db.engine.makeSession()
            let started = clock.now
            var failures: [String] = []
            for (i, query) in queries.enumerated() {
                let actual: [[ComparableCell]]
                do {
                    actual = try session.execute(query.sql).rows.map { $0.map(ComparableCell.init) }
                } catch {
                    failures.append("\(query.sql)\n  SochSQL error: \(error)\n  SQLite: \(expected[i])")
                    continue
                }
                if !Self.same(actual, expected[i], ordered: query.ordered) {
                    failures.append("\(query.sql)\n  SochSQL: \(actual)\n  SQLite:  \(expected[i])")
                }
            }
            print("differential: \(queries.count) queries, indexes \(withIndexes), \(nonEmpty) non-empty in SQLite, \(failures.count) mismatches, \(clock.now - started)")
            #expect(failures.isEmpty, "indexes \(withIndexes): \(failures.count) of \(queries.count) queries differ; first:\n\(failures.prefix(8).joined(separator: "\n"))")
        }
    }

    /// Random writes, each followed by reads of every row and through the
    /// indexes, so stale or missing index entries and partial statements show.
    @Test(.enabled(if: SQLiteReference.isAvailable, "needs /usr/bin/sqlite3 (Debian package sqlite3)"))
    func randomWritesMatchSQLite() throws {
        var generator = QueryGenerator(seed: Self.seed(default: 77))
        let data = generator.data(rows: 150)
        var statements: [String] = []
        var ordered: [Bool] = []
        for _ in 0..<Self.writeCount {
            statements.append(generator.write())
            ordered.append(false)
            for check in generator.checks() { statements.append(check); ordered.append(true) }
        }
        // SQLite answers each statement, writes with no rows; failed writes report on stderr.
        let expected = try SQLiteReference.run(setup: QueryGenerator.tableSchemas + data + QueryGenerator.indexes,
                                               queries: statements, allowErrors: true)
        try #require(expected.count == statements.count)
        let db = try TestDatabase("diff-writes"); defer { db.close() }
        try db.run((QueryGenerator.tableSchemas + data + QueryGenerator.indexes).joined(separator: ";\n"))
        let session = db.engine.makeSession()
        var failures: [String] = []
        var lastWrite = ""
        var rowsCompared = 0, failedWrites = 0
        for (i, sql) in statements.enumerated() {
            let actual: [[ComparableCell]]
            do {
                actual = try session.execute(sql).rows.map { $0.map(ComparableCell.init) }
            } catch {
                actual = []
                failedWrites += 1
                if case .uniqueViolation = error {} else { failures.append("\(sql)\n  SochSQL error: \(error)") }
            }
            if !ordered[i] { lastWrite = sql; continue }
            rowsCompared += expected[i].count
            if !Self.same(actual, expected[i], ordered: true) {
                failures.append("after \(lastWrite)\n  \(sql)\n  SochSQL: \(actual.prefix(10))…\n  SQLite:  \(expected[i].prefix(10))…")
                break
            }
        }
        print("differential writes: \(Self.writeCount) writes (\(failedWrites) rejected as duplicates), \(statements.count - Self.writeCount) checks over \(rowsCompared) rows, \(failures.count) mismatches")
        #expect(rowsCompared > Self.writeCount * 100)
        #expect(failures.isEmpty, "\(failures.prefix(3).joined(separator: "\n"))")
    }

    static let writeCount = 300

    /// The seed: `SOCHSQL_DIFF_SEED` when set (to explore), else the fixed default.
    static func seed(default value: UInt64) -> UInt64 {
        ProcessInfo.processInfo.environment["SOCHSQL_DIFF_SEED"].flatMap { UInt64($0) } ?? value
    }

    static func same(_ a: [[ComparableCell]], _ b: [[ComparableCell]], ordered: Bool) -> Bool {
        guard a.count == b.count else { return false }
        let key: ([ComparableCell]) -> String = { $0.map(\.sortKey).joined(separator: "|") }
        let x = ordered ? a : a.sorted { key($0) < key($1) }
        let y = ordered ? b : b.sorted { key($0) < key($1) }
        for (r1, r2) in zip(x, y) {
            guard r1.count == r2.count else { return false }
            for (c1, c2) in zip(r1, r2) where !c1.matches(c2) { return false }
        }
        return true
    }
}
