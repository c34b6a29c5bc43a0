// `sochdb sql`: run SQL against a database (docs/sql.md).
import ArgumentParser
import Foundation
import SochDB

struct SQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run SQL: one statement from the argument, several (separated by ';') from stdin, or an interactive prompt.",
        discussion: """
        --format table prints aligned columns (and `N rows affected` for writes), toon one TOON \
        line per result, json one JSON array of row objects per statement. A failing statement \
        prints `error: …` on stderr; from stdin the run stops there (exit status 64). BEGIN … \
        COMMIT spans statements within one run.
        """)
    @Option(help: "The database directory (created if missing).") var db: String
    @Option(help: "WAL sync mode: off, normal or full.") var sync: String = "normal"
    @Option(help: "table, toon or json.") var format: String = "table"
    @Argument(help: "The statement (omit to read stdin or prompt).") var statement: String?

    func validate() throws {
        guard ["table", "toon", "json"].contains(format) else { throw ValidationError("--format must be table, toon or json") }
    }

    func run() throws {
        var failed = false
        try withCollectionDatabase(db, sync: sync) { database in
            let session = database.sqlSession()
            if let statement {
                failed = !runStatements(statement, session)
            } else if isatty(STDIN_FILENO) != 0 {
                prompt(session)
            } else {
                let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                failed = !runStatements(text, session)
            }
            if session.inTransaction {
                FileHandle.standardError.write(Data("error: BEGIN without COMMIT: the transaction was rolled back\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(64) }
    }

    /// Runs every statement of `text`; false on the first failure.
    private func runStatements(_ text: String, _ session: SQLSession) -> Bool {
        do {
            for result in try session.executeScript(text) { print(render(result), terminator: "") }
            return true
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return false
        }
    }

    /// `sochdb> ` prompts; a statement runs once a line ends with `;`.
    private func prompt(_ session: SQLSession) {
        var pending = ""
        while true {
            FileHandle.standardOutput.write(Data((pending.isEmpty ? "sochdb> " : "   ...> ").utf8))
            guard let line = readLine() else { break }
            pending += (pending.isEmpty ? "" : "\n") + line
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                _ = runStatements(pending, session)
                pending = ""
            }
        }
        if !pending.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { _ = runStatements(pending, session) }
    }

    private func render(_ r: SQLResult) -> String {
        switch format {
        case "json":
            let rows = r.rows.map { row in
                "{" + zip(r.columns, row).map { "\(jsonString($0)): \(jsonValue($1))" }.joined(separator: ", ") + "}"
            }
            return "[" + rows.joined(separator: ", ") + "]\n"
        case "toon":
            if r.columns.isEmpty { return "\(r.rowsAffected) rows affected\n" }
            return ((try? r.toTOON(table: "result")) ?? "") + "\n"
        default:
            if r.columns.isEmpty { return r.rowsAffected > 0 ? "\(r.rowsAffected) rows affected\n" : "ok\n" }
            let cells = [r.columns] + r.rows.map { $0.map(tableCell) }
            let widths = r.columns.indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
            func line(_ row: [String]) -> String {
                zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ")
                    .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            var out = line(r.columns) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n"
            for row in cells.dropFirst() { out += line(row) + "\n" }
            return out + "(\(r.rows.count) row\(r.rows.count == 1 ? "" : "s"))\n"
        }
    }
}

private func tableCell(_ v: SQLValue) -> String {
    switch v {
    case .null: return "NULL"
    case .text(let s): return s
    default: return v.sqlLiteral
    }
}

private func jsonString(_ s: String) -> String { json(.string(s)) }

private func jsonValue(_ v: SQLValue) -> String {
    switch v {
    case .null: return "null"
    case .integer(let i): return "\(i)"
    case .real(let d): return d.isFinite ? "\(d)" : "null"
    case .text(let s): return jsonString(s)
    case .boolean(let b): return b ? "true" : "false"
    case .blob(let b): return jsonString(b.map { String(format: "%02x", $0) }.joined())
    }
}
