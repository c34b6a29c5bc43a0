/// Where a statement reads its candidate rows from. The full WHERE is still
/// applied to every row an access plan yields, so a plan only has to yield
/// a superset of the matching rows.
struct AccessPlan: Sendable {
    /// The key space a range plan walks.
    enum Keyspace: Sendable {
        case primaryKey
        case index(IndexSchema)
    }

    enum Kind: Sendable {
        /// Every row, in primary-key order.
        case fullScan
        /// A constant condition is never true (`x = NULL`, disjoint IN lists…).
        case noRows
        /// Complete primary keys, each one KV get.
        case points([[SQLValue]])
        /// For each equality prefix, the key range in `[lower, upper]` over
        /// the next key column (unbounded sides skip NULLs only when the other
        /// side is bounded).
        case ranges(Keyspace, prefixes: [[SQLValue]], lower: KeyBound?, upper: KeyBound?)
    }

    var kind: Kind
    /// The EXPLAIN line: `SCAN t`, `SEARCH t USING PRIMARY KEY (id=?)`,
    /// `SEARCH t USING INDEX name (a>? AND a<?)`.
    var description: String
}

/// One end of a key range.
struct KeyBound: Sendable {
    var value: SQLValue
    var inclusive: Bool
}

/// What the WHERE clause's top-level conjuncts say about one column.
struct ColumnConstraint {
    /// The column equals one of these (deduplicated, already in the column's type).
    var equal: [SQLValue]?
    var lower: KeyBound?
    var upper: KeyBound?
    /// No row can satisfy the conjuncts on this column.
    var impossible = false
    var equalIsList = false

    mutating func restrictEqual(to values: [SQLValue], list: Bool) {
        var unique: [SQLValue] = []
        var seen = Set<SQLKey>()
        for v in values where seen.insert(SQLKey(values: [v])).inserted { unique.append(v) }
        if let current = equal {
            let keep = Set(unique.map { SQLKey(values: [$0]) })
            unique = current.filter { keep.contains(SQLKey(values: [$0])) }
        }
        equal = unique
        equalIsList = equalIsList || list
        if unique.isEmpty { impossible = true }
    }

    mutating func restrictLower(_ bound: KeyBound) {
        if let l = lower {
            let c = SQLValue.compare(bound.value, l.value)
            if c < 0 || (c == 0 && bound.inclusive) { return }
        }
        lower = bound
    }

    mutating func restrictUpper(_ bound: KeyBound) {
        if let u = upper {
            let c = SQLValue.compare(bound.value, u.value)
            if c > 0 || (c == 0 && bound.inclusive) { return }
        }
        upper = bound
    }

    var hasRange: Bool { lower != nil || upper != nil }
}
