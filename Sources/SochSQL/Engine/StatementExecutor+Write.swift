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

    /// Runs the BEFORE handlers of `triggers` on a row about to be written:
    /// they see its values converted as stored (NOT NULL is checked only
    /// after them, so a handler may fill a column) and may change them.
    /// Returns the row's column values (the hidden rowid of `old` kept).
    func beforeWrite(_ triggers: StatementTriggers, _ table: TableSchema, old: [SQLValue]?,
                     new values: [SQLValue]) throws(SQLError) -> [SQLValue] {
        var converted = values
        for (i, column) in table.columns.enumerated() { converted[i] = try Conversions.store(values[i], in: column) }
        guard let changed = try triggers.runBefore(table, old: old, new: converted) else { return converted }
        return changed + values.dropFirst(table.columns.count)
    }

    /// Writes a new row and its index entries. A duplicate primary key or
    /// UNIQUE index value (NULLs never collide) fails the statement, skips
    /// the row, or first deletes every row it collides with, by `policy`.
    /// Returns whether the row was written.
    @discardableResult
    mutating func insertRow(_ table: TableSchema, _ values: [SQLValue],
                            policy: ConflictPolicy = .abort) throws(SQLError) -> Bool {
        let pk = primaryKeyValues(table, values)
        let key = keys.row(table.id, primaryKey: pk)
        if let existing = try overlay.get(key) {
            switch policy {
            case .abort: throw SQLError.uniqueViolation(table: table.name, constraint: "PRIMARY KEY")
            case .ignore: return false
            case .replace: deleteRow(table, try decodeRow(table, key, existing))
            }
        }
        for index in table.indexes where index.unique {
            let entry = keys.indexEntry(index, values: index.columns.map { values[$0] }, primaryKey: pk)
            guard let owner = try overlay.get(entry) else { continue }
            switch policy {
            case .abort: throw SQLError.uniqueViolation(table: table.name, constraint: index.name)
            case .ignore: return false
            case .replace:
                let ownerKey = keys.row(table.id, primaryKey: try Self.primaryKey(fromIndexValue: owner, keyColumns: pk.count))
                guard let row = try overlay.get(ownerKey) else {
                    throw SQLError.corruption("index \(index.name) entry points at a missing row")
                }
                deleteRow(table, try decodeRow(table, ownerKey, row))
            }
        }
        try overlay.put(key, RowCodec.encode(Array(values.prefix(table.columns.count))))
        for index in table.indexes {
            let entry = keys.indexEntry(index, values: index.columns.map { values[$0] }, primaryKey: pk)
            try overlay.put(entry, OrderedKeyEncoding.encode(pk))
        }
        return true
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
        let autoKey = table.primaryKey.count == 1 && table.columns[table.primaryKey[0]].type == .integer ? table.primaryKey[0] : nil
        let rows = try sourceRows(s.source)
        var nextRowid: Int64? = table.hasRowid && !rows.isEmpty ? try rowids.allocate(table, count: Int64(rows.count)) : nil
        var inserted = 0
        for row in rows {
            guard row.count == targets.count else {
                throw SQLError.invalidStatement("\(row.count) value\(row.count == 1 ? "" : "s") for \(targets.count) column\(targets.count == 1 ? "" : "s")")
            }
            var values = table.defaults
            for (value, p) in zip(row, targets) { values[p] = value }
            if let autoKey, values[autoKey].isNull { values[autoKey] = .integer(try freeKey(table)) }
            if let triggers { values = try beforeWrite(triggers, table, old: nil, new: values) }
            values = try checked(table, values)
            if let rowid = nextRowid {
                values.append(.integer(rowid))
                nextRowid = rowid &+ 1   // past the last only after the last row
            }
            if try insertRow(table, values, policy: s.onConflict) {
                inserted += 1
                triggers?.record(table, old: nil, new: values)
            }
        }
        return SQLResult(columns: [], rows: [], rowsAffected: inserted)
    }

    /// The values an INSERT writes, before defaults and type checks.
    private mutating func sourceRows(_ source: InsertSource) throws(SQLError) -> [[SQLValue]] {
        switch source {
        case .select(let query): return try select(query).rows
        case .values(var rows):
            if hasSubqueries {
                for i in rows.indices { for j in rows[i].indices { rows[i][j] = try resolved(rows[i][j]) } }
            }
            var binder = ExpressionBinder(table: nil)
            var out: [[SQLValue]] = []
            out.reserveCapacity(rows.count)
            for row in rows {
                var values: [SQLValue] = []
                values.reserveCapacity(row.count)
                for expression in row { values.append(try evaluator.evaluate(try binder.bind(expression), [])) }
                out.append(values)
            }
            return out
        }
    }

    /// A fresh key for a NULL inserted into an INTEGER PRIMARY KEY: the
    /// next value of the table's allocator that no row holds. The allocator
    /// only moves forward, so probing skips each explicitly inserted key
    /// once and the total probing over a table's life is bounded by its
    /// key count.
    private func freeKey(_ table: TableSchema) throws(SQLError) -> Int64 {
        while true {
            let candidate = try rowids.allocate(table)
            if try overlay.get(keys.row(table.id, primaryKey: [.integer(candidate)])) == nil { return candidate }
        }
    }

    mutating func update(_ statement: UpdateStatement) throws(SQLError) -> SQLResult {
        var s = statement
        if hasSubqueries {
            s.whereClause = try resolved(s.whereClause)
            for i in s.assignments.indices { s.assignments[i].value = try resolved(s.assignments[i].value) }
        }
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
            if let triggers { values = try beforeWrite(triggers, table, old: row.values, new: values) }
            updated.append(try checked(table, values))
        }
        // Remove every old row first, so that rows may trade key values.
        for row in old { deleteRow(table, row) }
        for (row, values) in zip(old, updated) {
            try insertRow(table, values)
            triggers?.record(table, old: row.values, new: values)
        }
        return SQLResult(columns: [], rows: [], rowsAffected: old.count)
    }

    mutating func delete(_ s: DeleteStatement) throws(SQLError) -> SQLResult {
        let table = try catalog.table(s.table)
        let condition = hasSubqueries ? try resolved(s.whereClause) : s.whereClause
        let rows = try matchingRows(table, condition, alias: nil)
        if let triggers { for row in rows { _ = try triggers.runBefore(table, old: row.values, new: nil) } }
        for row in rows {
            deleteRow(table, row)
            triggers?.record(table, old: row.values, new: nil)
        }
        return SQLResult(columns: [], rows: [], rowsAffected: rows.count)
    }
}
