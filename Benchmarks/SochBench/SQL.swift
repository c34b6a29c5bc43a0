// `sochdb-bench sql`: the SQL workload of Benchmarks/sql_side_by_side.py on
// SochDB; the twin of Benchmarks/sql/sqlbench_sqlite.c (same schema, rows,
// statements and random ids: change both together). Prints one JSON object.
import ArgumentParser
import Foundation
import SochDB

struct SQLBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sql", abstract: "SQL inserts and point selects (vs sqlbench_sqlite).")
    @Option var dir: String
    @Option var rows = 200_000
    @Option var batch = 1_000
    @Option var lookups = 200_000
    @Option var seed: UInt64 = 7

    func run() throws {
        try? FileManager.default.removeItem(atPath: dir)
        let db = try Database.open(dir, options: Database.Options(syncMode: .normal))
        let session = db.sqlSession()
        _ = try session.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER, price REAL)")
        _ = try session.execute("CREATE INDEX items_name ON items(name)")
        let insert = "INSERT INTO items (id, name, category, price) VALUES (?, ?, ?, ?)"
        let (_, insertSeconds) = try timed {
            for i in 1...rows {
                if (i - 1) % batch == 0 { _ = try session.execute("BEGIN") }
                _ = try session.execute(insert, parameters: [.integer(Int64(i)), .text("item-\(i)"),
                                                             .integer(Int64(i % 100)), .real(Double(i % 1000) / 10)])
                if i % batch == 0 || i == rows { _ = try session.execute("COMMIT") }
            }
        }
        var found = 0
        var rng = SplitMix64(seed: seed)
        let (_, pkSeconds) = try timed {
            for _ in 0..<lookups {
                let id = Int64(rng.next() % UInt64(rows)) + 1
                found += try session.execute("SELECT name, price FROM items WHERE id = ?", parameters: [.integer(id)]).rows.count
            }
        }
        rng = SplitMix64(seed: seed ^ 0x5555)
        let (_, nameSeconds) = try timed {
            for _ in 0..<lookups {
                let name = "item-\(rng.next() % UInt64(rows) + 1)"
                found += try session.execute("SELECT id, price FROM items WHERE name = ?", parameters: [.text(name)]).rows.count
            }
        }
        guard found == 2 * lookups else { throw ValidationError("expected \(2 * lookups) rows, found \(found)") }
        let plan = try session.execute("EXPLAIN SELECT id, price FROM items WHERE name = ?", parameters: [.text("item-1")])
        log("plan: \(plan.rows)")
        try db.close()
        print(String(format: #"{"engine": "sochdb", "rows": %d, "insert_rows_per_s": %.0f, "pk_selects_per_s": %.0f, "index_selects_per_s": %.0f}"#,
                     rows, Double(rows) / insertSeconds, Double(lookups) / pkSeconds, Double(lookups) / nameSeconds))
    }
}
