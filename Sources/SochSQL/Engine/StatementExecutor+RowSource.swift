import SochStorage

/// A stored row: its key and its values (for a rowid table, the rowid is
/// appended after the declared columns).
struct StoredRow {
    var key: [UInt8]
    var values: [SQLValue]
}

/// Reading rows by an ``AccessPlan``.
extension StatementExecutor {
    /// The rows the plan yields, in key order of the keyspace walked. The
    /// caller still filters them by the full WHERE.
    func rows(_ table: TableSchema, _ plan: AccessPlan) throws(SQLError) -> [StoredRow] {
        switch plan.kind {
        case .noRows: return []
        case .fullScan:
            let prefix = keys.rowPrefix(table.id)
            var out: [StoredRow] = []
            for pair in try overlay.scan(prefix: prefix) { out.append(try decodeRow(table, pair.key, pair.value)) }
            return out
        case .points(let primaryKeys):
            var out: [StoredRow] = []
            for pk in primaryKeys {
                let key = keys.row(table.id, primaryKey: pk)
                if let value = try overlay.get(key) { out.append(try decodeRow(table, key, value)) }
            }
            return out
        case let .ranges(keyspace, prefixes, lower, upper):
            var out: [StoredRow] = []
            for prefix in prefixes {
                try rangeRows(table, keyspace, prefix, lower, upper, into: &out)
            }
            return out
        }
    }

    private func rangeRows(_ table: TableSchema, _ keyspace: AccessPlan.Keyspace, _ prefix: [SQLValue],
                           _ lower: KeyBound?, _ upper: KeyBound?, into out: inout [StoredRow]) throws(SQLError) {
        var base: [UInt8]
        switch keyspace {
        case .primaryKey: base = keys.rowPrefix(table.id)
        case .index(let index): base = keys.indexPrefix(index.id)
        }
        for v in prefix { OrderedKeyEncoding.append(v, to: &base) }
        if case .primaryKey = keyspace, prefix.count == (table.hasRowid ? 1 : table.primaryKey.count), lower == nil, upper == nil {
            // The whole primary key: the encoding is prefix-free, so the
            // range holds at most the one key `base`, a point read.
            if let value = try overlay.get(base) { out.append(try decodeRow(table, base, value)) }
            return
        }
        let (start, end) = Self.keyRange(base, lower, upper)
        let pairs = try overlay.scan(from: start, to: end)
        switch keyspace {
        case .primaryKey:
            for pair in pairs { out.append(try decodeRow(table, pair.key, pair.value)) }
        case .index(let index):
            let keyColumns = table.hasRowid ? 1 : table.primaryKey.count
            for pair in pairs {
                let pk = try Self.primaryKey(fromIndexValue: pair.value, keyColumns: keyColumns)
                let rowKey = keys.row(table.id, primaryKey: pk)
                guard let value = try overlay.get(rowKey) else {
                    throw SQLError.corruption("index \(index.name) entry points at a missing row")
                }
                out.append(try decodeRow(table, rowKey, value))
            }
        }
    }

    /// The key range `[start, end)` for `base` (keyspace prefix plus the
    /// encoded equality prefix) and optional bounds on the next key column.
    static func keyRange(_ base: [UInt8], _ lower: KeyBound?, _ upper: KeyBound?) -> ([UInt8], [UInt8]?) {
        var start = base
        if let lower {
            OrderedKeyEncoding.append(lower.value, to: &start)
            if !lower.inclusive { start = ScanCursor.prefixEnd(start) ?? start }
        } else if upper != nil {
            start.append(OrderedKeyEncoding.tagNull + 1)      // a range never holds NULL
        }
        var end: [UInt8]?
        if let upper {
            var e = base
            OrderedKeyEncoding.append(upper.value, to: &e)
            end = upper.inclusive ? ScanCursor.prefixEnd(e) : e
        } else {
            end = ScanCursor.prefixEnd(base)
        }
        return (start, end)
    }

    /// The primary-key values an index entry's value holds.
    static func primaryKey(fromIndexValue value: [UInt8], keyColumns: Int) throws(SQLError) -> [SQLValue] {
        var offset = 0
        var pk: [SQLValue] = []
        for _ in 0..<keyColumns { pk.append(try OrderedKeyEncoding.decode(value, at: &offset)) }
        guard offset == value.count else { throw SQLError.corruption("index entry value is not a primary key") }
        return pk
    }

    func decodeRow(_ table: TableSchema, _ key: [UInt8], _ value: [UInt8]) throws(SQLError) -> StoredRow {
        var values = try RowCodec.decode(value, width: table.columns.count, padding: table.defaults)
        if table.hasRowid {
            var offset = keys.rowPrefix(table.id).count
            values.append(try OrderedKeyEncoding.decode(key, at: &offset))
        }
        return StoredRow(key: key, values: values)
    }

    /// The rows of `table` that satisfy `condition`, read through the best plan.
    func matchingRows(_ table: TableSchema, _ condition: SQLExpression?, alias: String?) throws(SQLError) -> [StoredRow] {
        var binder = ExpressionBinder(table: table, alias: alias)
        let bound: BoundExpression? = if let condition { try binder.bind(condition) } else { nil }
        let plan = try AccessPlanner(table: table, evaluator: evaluator).plan(bound)
        let candidates = try rows(table, plan)
        guard let bound else { return candidates }
        var out: [StoredRow] = []
        for row in candidates {
            if try evaluator.test(bound, row.values) { out.append(row) }
        }
        return out
    }
}
