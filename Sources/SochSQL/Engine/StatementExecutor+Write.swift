/// INSERT, UPDATE and DELETE, and the row and index maintenance they share.
extension StatementExecutor {
    /// The primary-key values of a row (its rowid, for a rowid table).
    func primaryKeyValues(_ table: TableSchema, _ values: [SQLValue]) -> [SQLValue] {
        table.hasRowid ? [values[table.columns.count]] : table.primaryKey.map { values[$0] }
    }

    /// Checks a row's values against the column types and NOT NULL, and
    /// converts them as stored (integers into REAL columns become reals).
    func checked(_ table: TableSchema, _ values: [SQLValue]) throws(SQLError) -> [SQLValue] {
        var out = values
        for (i, column) in table.columns.enumerated() {
            out[i] = try Conversions.store(values[i], in: column)
            if column.notNull && out[i].isNull { throw SQLError.notNull(table: table.name, column: column.name) }
        }
        return out
    }

    /// Writes a new row and its index entries; fails on a duplicate primary
    /// key or UNIQUE index value (NULLs never collide).
    mutating func insertRow(_ table: TableSchema, _ values: [SQLValue]) throws(SQLError) {
        let pk = primaryKeyValues(table, values)
        let key = keys.row(table.id, primaryKey: pk)
        if try overlay.get(key) != nil { throw SQLError.uniqueViolation(table: table.name, constraint: "PRIMARY KEY") }
        try overlay.put(key, RowCodec.encode(Array(values.prefix(table.columns.count))))
        for index in table.indexes {
            let indexed = index.columns.map { values[$0] }
            let entry = keys.indexEntry(index, values: indexed, primaryKey: pk)
            if index.unique, try overlay.get(entry) != nil {
                throw SQLError.uniqueViolation(table: table.name, constraint: index.name)
            }
            try overlay.put(entry, OrderedKeyEncoding.encode(pk))
        }
    }

    mutating func deleteRow(_ table: TableSchema, _ row: StoredRow) {
        overlay.delete(row.key)
        let pk = primaryKeyValues(table, row.values)
        for index in table.indexes {
            overlay.delete(keys.indexEntry(index, values: index.columns.map { row.values[$0] }, primaryKey: pk))
        }
    }

    mutating func insert(_ s: InsertStatement) throws(SQLError) -> SQLResult {
        let table = try catalog.table(s.table)
        let width = table.columns.count
        var targets: [Int] = Array(0..<width)
        if let names = s.columns {
            targets = []
            for name in names {
                let p = try table.position(of: name)
                guard !targets.contains(p) else { throw SQLError.invalidStatement("column \(name) is listed twice") }
                targets.append(p)
            }
        }
        var nextRowid: Int64? = table.hasRowid ? try lastRowid(table) : nil
        var binder = ExpressionBinder(table: nil)
        for row in s.rows {
            guard row.count == targets.count else {
                throw SQLError.invalidStatement("\(row.count) value\(row.count == 1 ? "" : "s") for \(targets.count) column\(targets.count == 1 ? "" : "s")")
            }
            var values = [SQLValue](repeating: .null, count: width)
            for (expression, p) in zip(row, targets) {
                values[p] = try evaluator.evaluate(try binder.bind(expression), [])
            }
            values = try checked(table, values)
            if let last = nextRowid {
                guard last < .max else { throw SQLError.storage("rowids of table \(table.name) are exhausted") }
                nextRowid = last + 1
                values.append(.integer(last + 1))
            }
            try insertRow(table, values)
        }
        if let last = nextRowid {
            var bytes: [UInt8] = []
            OrderedKeyEncoding.appendBigEndian(UInt64(bitPattern: last), to: &bytes)
            try overlay.put(keys.rowidCounter(table.id), bytes)
        }
        return SQLResult(columns: [], rows: [], rowsAffected: s.rows.count)
    }

    /// The last rowid handed out in `table` (0 before the first insert).
    private func lastRowid(_ table: TableSchema) throws(SQLError) -> Int64 {
        guard let bytes = try overlay.get(keys.rowidCounter(table.id)) else { return 0 }
        var offset = 0
        return Int64(bitPattern: try OrderedKeyEncoding.readBigEndian(bytes, at: &offset))
    }

    mutating func update(_ s: UpdateStatement) throws(SQLError) -> SQLResult {
        let table = try catalog.table(s.table)
        var binder = ExpressionBinder(table: table)
        var assignments: [(Int, BoundExpression)] = []
        for (name, expression) in s.assignments {
            let p = try table.position(of: name)
            assignments.append((p, try binder.bind(expression)))
        }
        let old = try matchingRows(table, s.whereClause, alias: nil)
        var updated: [[SQLValue]] = []
        for row in old {
            var values = row.values
            for (p, expression) in assignments { values[p] = try evaluator.evaluate(expression, row.values) }
            updated.append(try checked(table, values))
        }
        // Remove every old row first, so that rows may trade key values.
        for row in old { deleteRow(table, row) }
        for values in updated { try insertRow(table, values) }
        return SQLResult(columns: [], rows: [], rowsAffected: old.count)
    }

    mutating func delete(_ s: DeleteStatement) throws(SQLError) -> SQLResult {
        let table = try catalog.table(s.table)
        let rows = try matchingRows(table, s.whereClause, alias: nil)
        for row in rows { deleteRow(table, row) }
        return SQLResult(columns: [], rows: [], rowsAffected: rows.count)
    }
}
