// `sochdb-bench triggers`: what a trigger costs an SQL INSERT. The same
// rows (the items table of `sochdb-bench sql`) are inserted with no
// trigger, a no-op BEFORE INSERT, a no-op AFTER INSERT, a BEFORE INSERT
// that rewrites a column and an AFTER INSERT that writes an audit row
// through the statement's transaction. Run by Benchmarks/triggers.py; prints
// one JSON object per mode.
import ArgumentParser
import Foundation
import SochDB

struct TriggerBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "triggers", abstract: "SQL inserts per second with and without triggers.")
    @Option var dir: String
    @Option var rows = 100_000
    @Option(help: "Rows per transaction.") var batch = 1_000
    @Option(help: "Comma-separated modes: none, before-noop, after-noop, before-rewrite, after-audit.")
    var modes = "none,before-noop,after-noop,before-rewrite,after-audit"

    func run() throws {
        for mode in modes.split(separator: ",").map(String.init) {
            let path = dir + "/" + mode
            try? FileManager.default.removeItem(atPath: path)
            let db = try Database.open(path, options: Database.Options(syncMode: .normal))
            try db.executeSQL("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER, price REAL)")
            try db.executeSQL("CREATE TABLE audit (id INTEGER, name TEXT)")
            switch mode {
            case "none": break
            case "before-noop": try db.registerTrigger(name: "noop", table: "items", events: [.beforeInsert]) { _ in }
            case "after-noop": try db.registerTrigger(name: "noop", table: "items", events: [.afterInsert]) { _ in }
            case "before-rewrite":
                try db.registerTrigger(name: "rewrite", table: "items", events: [.beforeInsert]) { c in
                    if case .text(let name)? = c.row?["name"] { try c.row?.set("name", to: .text(name.uppercased())) }
                }
            case "after-audit":
                try db.registerTrigger(name: "audit", table: "items", events: [.afterInsert]) { c in
                    try c.transaction.execute("INSERT INTO audit VALUES (?, ?)", parameters: [c.row!["id"]!, c.row!["name"]!])
                }
            default: throw ValidationError("unknown mode \(mode)")
            }
            let session = db.sqlSession()
            let insert = "INSERT INTO items (id, name, category, price) VALUES (?, ?, ?, ?)"
            let (_, seconds) = try timed {
                for i in 1...rows {
                    if (i - 1) % batch == 0 { _ = try session.execute("BEGIN") }
                    _ = try session.execute(insert, parameters: [.integer(Int64(i)), .text("item-\(i)"),
                                                                 .integer(Int64(i % 100)), .real(Double(i % 1000) / 10)])
                    if i % batch == 0 || i == rows { _ = try session.execute("COMMIT") }
                }
            }
            let stored = try db.executeSQL("SELECT COUNT(*) FROM items").rows[0][0]
            guard stored == .integer(Int64(rows)) else { throw ValidationError("\(mode): expected \(rows) rows, found \(stored)") }
            if mode == "after-audit" {
                guard try db.executeSQL("SELECT COUNT(*) FROM audit").rows[0][0] == .integer(Int64(rows)) else {
                    throw ValidationError("after-audit: audit rows missing")
                }
            }
            try db.close()
            try? FileManager.default.removeItem(atPath: path)
            print(#"{"engine": "sochdb-swift", "mode": "\#(mode)", "rows": \#(rows), "insert_rows_per_s": \#(Int((Double(rows) / seconds).rounded()))}"#)
        }
    }
}
