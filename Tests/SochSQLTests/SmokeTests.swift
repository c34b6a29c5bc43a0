import Testing
@testable import SochSQL

struct SmokeTests {
    @Test func createInsertSelect() throws {
        let db = try TestDatabase(); defer { db.close() }
        try db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL); INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 3)")
        #expect(try db.rows("SELECT * FROM t ORDER BY id DESC") == ["3, 'c', 3.0", "2, 'b', NULL", "1, 'a', 1.5"])
        #expect(try db.rows("SELECT count(*), sum(id), avg(score) FROM t") == ["3, 6, 2.25"])
        #expect(try db.rows("SELECT name FROM t WHERE id = ?", [.integer(2)]) == ["'b'"])
    }
}
