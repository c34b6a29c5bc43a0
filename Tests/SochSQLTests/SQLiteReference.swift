import Foundation
@testable import SochSQL

/// A value as the differential test compares it: SochSQL booleans become
/// integers 0/1 (SQLite has no boolean type).
enum ComparableCell: Equatable, CustomStringConvertible {
    case null, integer(Int64), real(Double), text(String), blob([UInt8])

    init(_ v: SQLValue) {
        switch v {
        case .null: self = .null
        case .integer(let i): self = .integer(i)
        case .real(let d): self = .real(d)
        case .text(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        case .boolean(let b): self = .integer(b ? 1 : 0)
        }
    }

    var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .real(let d): return "\(d)r"
        case .text(let s): return "'\(s)'"
        case .blob(let b): return "X'\(SQLValue.hex(b))'"
        }
    }

    /// A sort key that ignores tiny real differences (9 significant digits).
    var sortKey: String {
        switch self {
        case .real(let d): return "n" + String(format: "%.9g", d)
        case .integer(let i): return "n" + String(format: "%.9g", Double(i))
        default: return description
        }
    }

    /// Equality with a relative tolerance for reals; an integer never
    /// equals a real (result types must agree).
    func matches(_ other: ComparableCell) -> Bool {
        switch (self, other) {
        case let (.real(a), .real(b)):
            if a == b { return true }
            return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)
        default: return self == other
        }
    }
}

/// Runs SQL scripts through the `sqlite3` command-line shell.
enum SQLiteReference {
    static let path = "/usr/bin/sqlite3"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }
    static let marker = "#END-OF-QUERY#"

    /// Runs `setup` then each query, returning each query's rows (in
    /// `.mode quote`). One sqlite3 process for everything.
    static func run(setup: [String], queries: [String], allowErrors: Bool = false) throws -> [[[ComparableCell]]] {
        var script = ".mode quote\n.headers off\n"
        for s in setup { script += s + ";\n" }
        for q in queries { script += q + ";\n.print \(marker)\n" }
        let dir = NSTemporaryDirectory() + "sochsql-ref-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scriptPath = dir + "/script.sql", outPath = dir + "/out.txt", errPath = dir + "/err.txt"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [":memory:"]
        process.standardInput = FileHandle(forReadingAtPath: scriptPath)
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        process.waitUntilExit()
        let errors = try String(contentsOfFile: errPath, encoding: .utf8)
        if !errors.isEmpty && !allowErrors { throw ReferenceError(message: "sqlite3 reported: \(errors.prefix(2000))") }
        let output = try String(contentsOfFile: outPath, encoding: .utf8)
        var results: [[[ComparableCell]]] = []
        var current: [[ComparableCell]] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == marker {
                results.append(current)
                current = []
            } else if !line.isEmpty {
                current.append(parseRow(String(line)))
            }
        }
        return results
    }

    struct ReferenceError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// One `.mode quote` line: values separated by commas, text in single
    /// quotes with '' escapes, blobs as X'..', NULL, numbers.
    static func parseRow(_ line: String) -> [ComparableCell] {
        var cells: [ComparableCell] = []
        let chars = Array(line)
        var i = 0
        while i <= chars.count {
            if i < chars.count && chars[i] == "'" {
                var text = ""
                i += 1
                while i < chars.count {
                    if chars[i] == "'" {
                        if i + 1 < chars.count && chars[i + 1] == "'" { text.append("'"); i += 2; continue }
                        i += 1
                        break
                    }
                    text.append(chars[i]); i += 1
                }
                cells.append(.text(text))
            } else {
                var token = ""
                while i < chars.count && chars[i] != "," { token.append(chars[i]); i += 1 }
                cells.append(cell(token))
            }
            i += 1   // the comma
        }
        return cells
    }

    private static func cell(_ token: String) -> ComparableCell {
        if token == "NULL" { return .null }
        if token.hasPrefix("X'") {
            let hex = Array(token.dropFirst(2).dropLast().utf8)
            var bytes: [UInt8] = []
            var j = 0
            while j + 1 < hex.count { bytes.append(UInt8(String(decoding: hex[j...j + 1], as: UTF8.self), radix: 16)!); j += 2 }
            return .blob(bytes)
        }
        if let i = Int64(token) { return .integer(i) }
        if token == "Inf" { return .real(.infinity) }
        if token == "-Inf" { return .real(-.infinity) }
        return .real(Double(token) ?? .nan)
    }
}
