import Foundation
import Testing
@testable import SochSQL

/// `SQLStatement.sql` (the SQL fuzz target's round-trip oracle) prints
/// every query and write of the golden scripts, and a set of edge cases,
/// as text that parses back to the same tree.
struct PrintingTests {
    private func roundTrips(_ statement: String) throws -> Bool? {
        guard let parsed = try? SQLParser.parse(statement), parsed.parameterCount == 0,
              let printed = parsed.statement.sql else { return nil }
        let again = try SQLParser.parse(printed)
        if again.statement != parsed.statement { Issue.record("\(statement)\n  printed as \(printed)") }
        return again.statement == parsed.statement
    }

    @Test func goldenStatementsRoundTrip() throws {
        var checked = 0
        for name in GoldenTests.scripts {
            let text = try String(contentsOf: GoldenTests.directory.appendingPathComponent(name + ".sql"), encoding: .utf8)
            for statement in SQLScriptSplitter.split(text) where try roundTrips(statement) != nil { checked += 1 }
        }
        #expect(checked > 100)
    }

    @Test func edgeCasesRoundTrip() throws {
        let cases = [
            "SELECT - -9223372036854775808, -9223372036854775808, 1 - -1, -0.0, 1e999, -1e999, 9223372036854775808",
            "SELECT 'it''s', x'00ff', NULL, TRUE, FALSE, 1.5e-300, 5e-324, 123456789012345678901234567890",
            "SELECT a AS \"Odd \"\" Name\", b 'str alias', c -- comment\n FROM t AS q WHERE NOT a IS NOT NULL",
            "SELECT * FROM t WHERE a NOT IN (1, 2) AND b NOT BETWEEN 1 AND 2 OR c NOT LIKE 'x%' ESCAPE '!'",
            "SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE a WHEN 1 THEN 'x' END, CAST(a AS TEXT)",
            "SELECT count(*), count(DISTINCT a), max(a, b) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY a DESC NULLS FIRST, b LIMIT 5, 10",
            "SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE EXISTS (SELECT 1)) AND (SELECT max(b) FROM u) > 1",
            "INSERT OR REPLACE INTO t (a, b) VALUES (1, 'x'), (-2, NULL)",
            "REPLACE INTO t SELECT * FROM u",
            "UPDATE t SET a = a + 1, \"select\" = ~b WHERE rowid = 3",
            "DELETE FROM t WHERE a || b = 'xy'",
            "EXPLAIN SELECT a FROM t WHERE a = 1",
        ]
        for statement in cases { #expect(try roundTrips(statement) == true, "\(statement)") }
    }
}
