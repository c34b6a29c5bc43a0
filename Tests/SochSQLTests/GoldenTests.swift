import Foundation
import Testing
@testable import SochSQL

/// Runs every `Golden/*.sql` script in one session of a fresh database and
/// compares the transcript with `Golden/<name>.expected` (format: Golden/README.md).
/// `SOCHSQL_UPDATE_GOLDEN=1` rewrites the expected files instead.
struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var scripts: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
    }

    @Test func thereAreScripts() {
        #expect(Self.scripts.count >= 6, "found \(Self.scripts) in \(Self.directory.path)")
    }

    @Test(arguments: GoldenTests.scripts)
    func script(_ name: String) throws {
        let source = try String(contentsOf: Self.directory.appendingPathComponent(name + ".sql"), encoding: .utf8)
        let db = try TestDatabase("golden"); defer { db.close() }
        let transcript = Self.transcript(of: source, in: db.engine.makeSession())
        let expectedURL = Self.directory.appendingPathComponent(name + ".expected")
        if ProcessInfo.processInfo.environment["SOCHSQL_UPDATE_GOLDEN"] == "1" {
            try transcript.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        if transcript != expected {
            let a = transcript.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = Array(zip(a, b)).firstIndex { $0.0 != $0.1 } ?? min(a.count, b.count)
            let got = line < a.count ? String(a[line]) : "<end>"
            let want = line < b.count ? String(b[line]) : "<end>"
            Issue.record("\(name): transcript differs at line \(line + 1):\n  got:      \(got)\n  expected: \(want)")
        }
    }

    /// Each statement echoed with `> `, then its rows, row count or error.
    static func transcript(of script: String, in session: SQLSession) -> String {
        var out = ""
        for statement in SQLScriptSplitter.split(script) {
            for line in statement.split(separator: "\n", omittingEmptySubsequences: false) { out += "> \(line)\n" }
            do {
                out += render(try session.execute(statement))
            } catch {
                out += "error \(error.code): \(error)\n"
            }
            out += "\n"
        }
        return out
    }

    static func render(_ result: SQLResult) -> String {
        guard !result.columns.isEmpty else {
            return result.rowsAffected > 0 ? "ok, \(result.rowsAffected) row\(result.rowsAffected == 1 ? "" : "s") affected\n" : "ok\n"
        }
        var out = result.columns.joined(separator: " | ") + "\n"
        for row in result.rows { out += row.map(\.sqlLiteral).joined(separator: " | ") + "\n" }
        out += "(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s"))\n"
        return out
    }
}
