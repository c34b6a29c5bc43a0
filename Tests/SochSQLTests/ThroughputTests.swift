import Foundation
import Testing
@testable import SochSQL

/// A rough throughput probe, not a benchmark: runs only with
/// `SOCHSQL_THROUGHPUT=1` and prints inserts/s and point selects/s.
struct ThroughputTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SOCHSQL_THROUGHPUT"] == "1"))
    func insertAndPointSelect() throws {
        let db = try TestDatabase("throughput"); defer { db.close() }
        let session = db.engine.makeSession()
        _ = try session.execute("CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT, score REAL, grp INT)")
        _ = try session.execute("CREATE INDEX kv_name ON kv (name)")
        let n = 20_000
        let clock = ContinuousClock()
        var start = clock.now
        _ = try session.execute("BEGIN")
        for i in 0..<n {
            _ = try session.execute("INSERT INTO kv VALUES (?, ?, ?, ?)",
                                    parameters: [.integer(Int64(i)), .text("name\(i)"), .real(Double(i) / 3), .integer(Int64(i % 100))])
        }
        _ = try session.execute("COMMIT")
        let insertTime = clock.now - start
        start = clock.now
        for i in 0..<n {
            let r = try session.execute("SELECT * FROM kv WHERE id = ?", parameters: [.integer(Int64((i * 7919) % n))])
            precondition(r.rows.count == 1)
        }
        let pkTime = clock.now - start
        start = clock.now
        for i in 0..<n {
            let r = try session.execute("SELECT id FROM kv WHERE name = ?", parameters: [.text("name\((i * 7919) % n)")])
            precondition(r.rows.count == 1)
        }
        let indexTime = clock.now - start
        start = clock.now
        let autocommitCount = 2000
        for i in 0..<autocommitCount {
            _ = try session.execute("INSERT INTO kv VALUES (?, ?, ?, ?)", parameters: [.integer(Int64(n + i)), .text("x\(i)"), .null, .null])
        }
        let autoTime = clock.now - start
        func rate(_ count: Int, _ d: Duration) -> Int { Int(Double(count) / (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)) }
        print("throughput: \(rate(n, insertTime)) inserts/s in one transaction, \(rate(autocommitCount, autoTime)) autocommit inserts/s, \(rate(n, pkTime)) PK selects/s, \(rate(n, indexTime)) index selects/s")
    }
}
