/// Chooses an ``AccessPlan`` for a single-table statement from its WHERE
/// clause, once the parameters are bound.
///
/// Only top-level AND-ed conjuncts of the forms `col op constant`
/// (op: = < <= > >=, either side), `col BETWEEN c1 AND c2`,
/// `col IN (constants)`, `col IS NULL`, and ORs of equalities and IN lists
/// on one column (`a = 1 OR a IN (5, 6)`, read as an IN list) are used. Constants are converted to the column's
/// type when that is exact (an integer for a REAL column); a constant that
/// cannot be (a real for an INTEGER column, text for a number…) leaves that
/// conjunct to the row filter. Preference: a complete primary key (KV gets),
/// then a complete unique index, then the longest equality prefix of an
/// index or the primary key, then a range; otherwise a full scan.
struct AccessPlanner {
    let table: TableSchema
    let evaluator: Evaluator
    /// At most this many equality combinations (IN × IN …) are enumerated.
    static let maxPrefixes = 1000

    func plan(_ condition: BoundExpression?) throws(SQLError) -> AccessPlan {
        var constraints: [Int: ColumnConstraint] = [:]
        if let condition { try collect(condition, into: &constraints) }
        if let (position, _) = constraints.first(where: { $0.value.impossible }) {
            return AccessPlan(kind: .noRows, description: "NO ROWS \(table.name) (condition on \(columnName(position)) is never true)")
        }
        var best: (score: Int, plan: AccessPlan)?
        let pkColumns = table.hasRowid ? [table.columns.count] : table.primaryKey
        if let candidate = candidate(pkColumns, .primaryKey, unique: true, constraints) { best = candidate }
        for index in table.indexes {
            if let c = candidate(index.columns, .index(index), unique: index.unique, constraints), c.score > (best?.score ?? 0) {
                best = c
            }
        }
        return best?.plan ?? AccessPlan(kind: .fullScan, description: "SCAN \(table.name)")
    }

    private func columnName(_ position: Int) -> String {
        position < table.columns.count ? table.columns[position].name : "rowid"
    }

    private func columnType(_ position: Int) -> SQLColumnType {
        position < table.columns.count ? table.columns[position].type : .integer
    }

    // MARK: - Collecting constraints

    private func collect(_ e: BoundExpression, into constraints: inout [Int: ColumnConstraint]) throws(SQLError) {
        switch e {
        case let .binary(.and, a, b):
            try collect(a, into: &constraints)
            try collect(b, into: &constraints)
        case let .binary(op, .column(p), value) where op.mirrored != nil && value.isConstant:
            try comparison(op, p, value, &constraints)
        case let .binary(op, value, .column(p)) where op.mirrored != nil && value.isConstant:
            try comparison(op.mirrored!, p, value, &constraints)
        case let .between(.column(p), low, high, negated: false) where low.isConstant && high.isConstant:
            try comparison(.greaterOrEqual, p, low, &constraints)
            try comparison(.lessOrEqual, p, high, &constraints)
        case let .inList(.column(p), list, negated: false) where list.allSatisfy(\.isConstant):
            try inList(p, list, &constraints)
        case .isNull(.column(let p), negated: false):
            constraints[p, default: ColumnConstraint()].restrictEqual(to: [.null], list: false)
        case .binary(.or, _, _):
            if let (p, list) = Self.equalityDisjunction(e) { try inList(p, list, &constraints) }
        default:
            return
        }
    }

    private func inList(_ p: Int, _ list: [BoundExpression], _ constraints: inout [Int: ColumnConstraint]) throws(SQLError) {
        var values: [SQLValue] = []
        for item in list {
            // A constant that fails to evaluate (`-'x'`) plans nothing: the
            // full scan decides whether the statement meets it at all.
            guard let raw = try? evaluator.evaluate(item, []) else { return }
            if raw.isNull { continue }
            guard let v = keyValue(raw, for: columnType(p)) else { return }
            values.append(v)
        }
        constraints[p, default: ColumnConstraint()].restrictEqual(to: values, list: true)
    }

    /// `col = c1 OR col IN (c2, c3) OR …` on one column, as that column and
    /// the list of constants; nil for any other shape.
    static func equalityDisjunction(_ e: BoundExpression) -> (Int, [BoundExpression])? {
        switch e {
        case let .binary(.or, a, b):
            guard let (p, x) = equalityDisjunction(a), let (q, y) = equalityDisjunction(b), p == q else { return nil }
            return (p, x + y)
        case let .binary(.equal, .column(p), v) where v.isConstant: return (p, [v])
        case let .binary(.equal, v, .column(p)) where v.isConstant: return (p, [v])
        case let .inList(.column(p), list, negated: false) where list.allSatisfy(\.isConstant): return (p, list)
        default: return nil
        }
    }

    private func comparison(_ op: BinaryOperator, _ p: Int, _ valueExpression: BoundExpression,
                            _ constraints: inout [Int: ColumnConstraint]) throws(SQLError) {
        guard op != .notEqual else { return }
        guard let raw = try? evaluator.evaluate(valueExpression, []) else { return }
        if raw.isNull { constraints[p, default: ColumnConstraint()].impossible = true; return }
        guard let v = keyValue(raw, for: columnType(p)) else { return }
        switch op {
        case .equal: constraints[p, default: ColumnConstraint()].restrictEqual(to: [v], list: false)
        case .less: constraints[p, default: ColumnConstraint()].restrictUpper(KeyBound(value: v, inclusive: false))
        case .lessOrEqual: constraints[p, default: ColumnConstraint()].restrictUpper(KeyBound(value: v, inclusive: true))
        case .greater: constraints[p, default: ColumnConstraint()].restrictLower(KeyBound(value: v, inclusive: false))
        default: constraints[p, default: ColumnConstraint()].restrictLower(KeyBound(value: v, inclusive: true))
        }
    }

    /// `v` in the type the column's keys hold, when the conversion is exact.
    func keyValue(_ v: SQLValue, for type: SQLColumnType) -> SQLValue? {
        switch (type, v) {
        case (.integer, .integer), (.real, .real), (.text, .text), (.blob, .blob), (.boolean, .boolean): return v
        case (.integer, .boolean(let b)): return .integer(b ? 1 : 0)
        case (.integer, .real(let d)) where d == d.rounded() && Swift.abs(d) < 9.2e18: return .integer(Int64(d))
        case (.real, .integer(let i)) where i >= -(1 << 53) && i <= 1 << 53: return .real(Double(i))
        case (.real, .boolean(let b)): return .real(b ? 1 : 0)
        case (.boolean, .integer(let i)) where i == 0 || i == 1: return .boolean(i == 1)
        default: return nil
        }
    }

    // MARK: - Candidates

    private func candidate(_ columns: [Int], _ keyspace: AccessPlan.Keyspace, unique: Bool,
                           _ constraints: [Int: ColumnConstraint]) -> (score: Int, plan: AccessPlan)? {
        var prefixes: [[SQLValue]] = [[]]
        var used = 0
        var terms: [String] = []
        for p in columns {
            guard let values = constraints[p]?.equal, prefixes.count * values.count <= Self.maxPrefixes else { break }
            prefixes = prefixes.flatMap { prefix in values.map { prefix + [$0] } }
            let term = constraints[p]!.equalIsList ? "\(columnName(p)) IN (…)"
                : values.first?.isNull == true ? "\(columnName(p)) IS NULL" : "\(columnName(p))=?"
            terms.append(term)
            used += 1
        }
        var lower: KeyBound?, upper: KeyBound?
        if used < columns.count, let c = constraints[columns[used]], c.hasRange {
            lower = c.lower
            upper = c.upper
            if lower != nil { terms.append("\(columnName(columns[used]))\(lower!.inclusive ? ">=" : ">")?") }
            if upper != nil { terms.append("\(columnName(columns[used]))\(upper!.inclusive ? "<=" : "<")?") }
        }
        guard !terms.isEmpty else { return nil }
        let complete = used == columns.count
        let isPrimary: Bool
        let name: String
        switch keyspace {
        case .primaryKey: isPrimary = true; name = "PRIMARY KEY"
        case .index(let index): isPrimary = false; name = "INDEX \(index.name)"
        }
        let description = "SEARCH \(table.name) USING \(name) (\(terms.joined(separator: " AND ")))"
        if complete && isPrimary {
            return (1000, AccessPlan(kind: .points(prefixes), description: description))
        }
        let score: Int
        let nullKey = prefixes.contains { $0.contains(where: \.isNull) }   // NULLs repeat even in a UNIQUE index
        if complete && unique && !nullKey { score = 900 } else if used > 0 {
            score = 300 + 10 * used + (lower != nil || upper != nil ? 5 : 0) + (isPrimary ? 1 : 0)
        } else {
            score = 100 + (lower != nil && upper != nil ? 10 : 0) + (isPrimary ? 1 : 0)
        }
        return (score, AccessPlan(kind: .ranges(keyspace, prefixes: prefixes, lower: lower, upper: upper), description: description))
    }
}
