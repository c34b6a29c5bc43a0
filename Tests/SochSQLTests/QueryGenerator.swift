/// SplitMix64: a small, seedable generator so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random data and SELECTs in the subset of SQL where SochSQL and SQLite
/// agree by definition: no integer overflow (small values), no text in
/// arithmetic, no comparison of text with numbers, LIMIT only under a total
/// ORDER BY, no bare columns in aggregate queries.
///
/// Tables: `t1(id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, r REAL, s TEXT)`
/// and the rowid table `t2` with the same columns (id unique but undeclared).
struct QueryGenerator {
    var rng: SeededGenerator
    static let words = ["apple", "Apple", "banana", "BANANA", "cherry", "date", "a_b", "abc", "", "Zed", "naan", "an"]

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    // MARK: - Data

    static let tableSchemas = [
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, r REAL, s TEXT)",
        "CREATE TABLE t2 (id INTEGER, a INTEGER, b INTEGER, r REAL, s TEXT)",
    ]

    static let indexes = [
        "CREATE INDEX i1_a ON t1 (a)", "CREATE INDEX i1_s ON t1 (s)", "CREATE INDEX i1_ab ON t1 (a, b)",
        "CREATE INDEX i1_r ON t1 (r)", "CREATE INDEX i2_a ON t2 (a)", "CREATE UNIQUE INDEX i2_id ON t2 (id)",
        "CREATE INDEX i2_s ON t2 (s, r)", "CREATE UNIQUE INDEX i1_s_id ON t1 (s, id)",
    ]

    /// INSERT statements for `rows` rows in each table.
    mutating func data(rows: Int) -> [String] {
        var out: [String] = []
        for table in ["t1", "t2"] {
            var values: [String] = []
            for id in 1...rows {
                let a = chance(0.15) ? "NULL" : String(int(-20...20))
                let b = chance(0.15) ? "NULL" : String(int(0...5))
                let r = chance(0.15) ? "NULL" : realLiteral(Double(int(-400...400)) / 8)
                let s = chance(0.15) ? "NULL" : "'\(pick(Self.words))'"
                values.append("(\(id), \(a), \(b), \(r), \(s))")
            }
            out.append("INSERT INTO \(table) VALUES " + values.joined(separator: ", "))
        }
        return out
    }

    func realLiteral(_ d: Double) -> String {
        let text = "\(d)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    // MARK: - Expressions

    mutating func intExpression(_ depth: Int = 0) -> String {
        if depth > 1 || chance(0.5) {
            return pick(["a", "b", "id", "a", "b", String(int(-5...25))])
        }
        let l = intExpression(depth + 1), r = intExpression(depth + 1)
        switch int(0...14) {
        case 10: return "nullif(\(l), \(int(-2...2)))"
        case 11: return "max(\(l), \(r))"
        case 12: return "((\(l) < \(r)) + 1)"
        case 13: return pick(["length(s)", "CAST(r AS INTEGER)", "ifnull(a, b)"])
        case 14: return "(\(l) | \(r))"
        case 0: return "(\(l) + \(r))"
        case 1: return "(\(l) - \(r))"
        case 2: return "(\(l) * \(int(-3...3)))"
        case 3: return "(\(l) / \(r))"
        case 4: return "(\(l) % \(r))"
        case 5: return "-(\(l))"
        case 6: return "abs(\(l))"
        case 7: return "coalesce(\(l), \(r))"
        case 8: return "CASE WHEN \(predicate(2)) THEN \(l) ELSE \(r) END"
        default: return "(\(l))"
        }
    }

    mutating func realExpression() -> String {
        switch int(0...6) {
        case 0: return "r"
        case 1: return "(r * 2)"
        case 2: return "(r + a)"
        case 3: return "(r / 2.0)"
        case 4: return "(r % 3)"
        case 5: return "(a / 2.0)"
        default: return "r"
        }
    }

    mutating func textExpression() -> String {
        pick(["s", "s", "lower(s)", "upper(s)", "(s || 'x')", "(s || a)", "substr(s, 2, 2)"])
    }

    mutating func comparisonOperator() -> String { pick(["=", "<>", "<", "<=", ">", ">=", "!=", "=="]) }

    mutating func predicate(_ depth: Int = 0) -> String {
        if depth < 2 && chance(0.35) {
            let l = predicate(depth + 1), r = predicate(depth + 1)
            switch int(0...2) {
            case 0: return "(\(l) AND \(r))"
            case 1: return "(\(l) OR \(r))"
            default: return "NOT (\(l))"
            }
        }
        switch int(0...16) {
        case 15 where depth < 3:
            return "\(pick(["a", "b", "id"])) \(chance(0.3) ? "NOT " : "")IN (SELECT \(pick(["a", "b", "id"])) FROM \(pick(["t1", "t2"])) WHERE \(predicate(3)))"
        case 16 where depth < 3:
            switch int(0...2) {
            case 0: return "\(pick(["a", "b", "r"])) \(comparisonOperator()) (SELECT \(pick(["avg(a)", "max(b)", "min(r)", "count(*) / 50"])) FROM \(pick(["t1", "t2"])) WHERE \(predicate(3)))"
            case 1: return "\(chance(0.3) ? "NOT " : "")EXISTS (SELECT 1 FROM \(pick(["t1", "t2"])) WHERE \(predicate(3)))"
            default: return "s = (SELECT max(s) FROM t2 WHERE \(predicate(3)))"
            }
        case 0, 1: return "\(intExpression()) \(comparisonOperator()) \(intExpression())"
        case 2: return "\(pick(["a", "b", "id"])) \(comparisonOperator()) \(pick(["2.0", "2.5", "-1.5", "3"]))"
        case 3: return "\(realExpression()) \(comparisonOperator()) \(pick(["r", "a", "0", "1.5", "-2.25", "10"]))"
        case 4: return "\(textExpression()) \(comparisonOperator()) '\(pick(Self.words))'"
        case 5: return "\(pick(["a", "b", "r", "s", "id"])) IS \(chance(0.5) ? "NOT " : "")NULL"
        case 6:
            let list = (0..<int(1...5)).map { _ in chance(0.1) ? "NULL" : String(int(-10...10)) }
            return "\(pick(["a", "b", "id", "a + b"])) \(chance(0.3) ? "NOT " : "")IN (\(list.joined(separator: ", ")))"
        case 7:
            let lo = int(-15...15)
            return "\(pick(["a", "b", "id", "r"])) \(chance(0.2) ? "NOT " : "")BETWEEN \(lo) AND \(lo + int(-2...20))"
        case 8:
            let pattern = pick(["a%", "%an%", "_pple", "A%", "%a", "%", "a\\_b", "b_n%", "%e"])
            return "s \(chance(0.2) ? "NOT " : "")LIKE '\(pattern)'"
        case 9: return "id \(pick(["<", "<=", ">", ">=", "="])) \(int(0...310))"
        case 12: return "\(pick(["a", "b"])) IS \(chance(0.5) ? "NOT " : "")\(pick(["b", "1", "NULL"]))"
        case 13: return "ifnull(s, 'none') \(comparisonOperator()) '\(pick(Self.words))'"
        case 14: return "\(pick(["a", "r", "b"])) \(pick(["<", ">=", "="])) \(pick(["a", "b", "r"])) \(pick(["AND", "OR"])) s \(pick(["<", ">"])) 'b'"
        case 10: return "s IN ('\(pick(Self.words))', '\(pick(Self.words))')"
        default: return "\(pick(["a", "b"])) \(comparisonOperator()) \(int(-10...10))"
        }
    }

    // MARK: - Queries

    /// A query and whether its ORDER BY makes the row order total.
    mutating func query() -> (sql: String, ordered: Bool) {
        let table = pick(["t1", "t2"])
        let condition = chance(0.85) ? " WHERE \(predicate())" : ""
        switch int(0...9) {
        case 0...4: return plainQuery(table, condition)
        case 5, 6: return (aggregateQuery(table, condition), true)
        default: return groupedQuery(table, condition)
        }
    }

    private mutating func plainQuery(_ table: String, _ condition: String) -> (sql: String, ordered: Bool) {
        var items: [String] = []
        for _ in 0..<int(1...4) {
            switch int(0...5) {
            case 0: items.append(intExpression())
            case 1: items.append(realExpression())
            case 2: items.append(textExpression())
            case 3: items.append("\(intExpression()) \(comparisonOperator()) \(intExpression())")
            default: items.append(pick(["a", "b", "r", "s", "id"]))
            }
        }
        let distinct = chance(0.2)
        if chance(0.1) && !distinct { items = ["*"] }
        var sql = "SELECT \(distinct ? "DISTINCT " : "")\(items.joined(separator: ", ")) FROM \(table)\(condition)"
        var ordered = false
        if chance(0.6) {
            var keys: [String] = []
            for _ in 0..<int(1...2) {
                keys.append("\(pick(["a", "b", "r", "s", "1", "(a + b)", "lower(s)", "r * -1", "a IS NULL"])) \(pick(["", "ASC", "DESC"]))")
            }
            if distinct {
                keys = (1...(items == ["*"] ? 5 : items.count)).map { "\($0) \(pick(["ASC", "DESC"]))" }
            } else {
                keys.append("id \(pick(["ASC", "DESC"]))")
            }
            sql += " ORDER BY " + keys.joined(separator: ", ")
            ordered = true
            if chance(0.5) { sql += " LIMIT \(int(0...40))" + (chance(0.5) ? " OFFSET \(int(0...30))" : "") }
        }
        return (sql, ordered)
    }

    private mutating func aggregate() -> String {
        pick(["COUNT(*)", "COUNT(a)", "COUNT(s)", "SUM(a)", "SUM(r)", "AVG(a)", "AVG(r)", "MIN(a)", "MAX(a)",
              "MIN(s)", "MAX(s)", "MIN(r)", "MAX(r)", "COUNT(DISTINCT b)", "SUM(DISTINCT a)", "TOTAL(b)",
              "SUM(a * b)", "MAX(a + b)", "COUNT(DISTINCT s)", "AVG(DISTINCT b)"])
    }

    private mutating func aggregateQuery(_ table: String, _ condition: String) -> String {
        let items = (0..<int(1...4)).map { _ in aggregate() }
        return "SELECT \(items.joined(separator: ", ")) FROM \(table)\(condition)"
    }

    private mutating func groupedQuery(_ table: String, _ condition: String) -> (sql: String, ordered: Bool) {
        let key = pick(["b", "s", "a % 3", "b IS NULL", "lower(s)", "a > 0"])
        var items = [key]
        for _ in 0..<int(1...3) { items.append(aggregate()) }
        var sql = "SELECT \(items.joined(separator: ", ")) FROM \(table)\(condition) GROUP BY \(chance(0.3) ? "1" : key)"
        if chance(0.4) { sql += " HAVING \(pick(["COUNT(*) > 2", "SUM(a) > 10", "MIN(a) IS NOT NULL", "AVG(r) < 1", "COUNT(*) BETWEEN 5 AND 40"]))" }
        var ordered = false
        if chance(0.6) {
            sql += " ORDER BY " + (chance(0.5) ? "1 \(pick(["ASC", "DESC"]))" : "\(aggregate()) DESC, 1")
            ordered = true
            if chance(0.4) { sql += " LIMIT \(int(1...5))" }
        }
        return (sql, ordered)
    }
}
