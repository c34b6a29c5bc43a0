/// CREATE/DROP TABLE and INDEX. Each writes catalogue entries and bumps the
/// catalogue version in the statement's overlay, so DDL is transactional.
extension StatementExecutor {
    static let empty = SQLResult(columns: [], rows: [], rowsAffected: 0)

    mutating func createTable(_ s: CreateTableStatement) throws(SQLError) -> SQLResult {
        if catalog.tables[s.name] != nil {
            if s.ifNotExists { return Self.empty }
            throw SQLError.tableExists(s.name)
        }
        var columns = s.columns
        for i in columns.indices { columns[i].defaultValue = try Conversions.store(columns[i].defaultValue, in: columns[i]) }
        var seen = Set<String>()
        for c in columns where !seen.insert(c.name.lowercased()).inserted {
            throw SQLError.invalidStatement("duplicate column name \(c.name) in table \(s.name)")
        }
        var primaryKey: [Int] = []
        for name in s.primaryKey {
            guard let p = columns.firstIndex(where: { $0.name.lowercased() == name }) else {
                throw SQLError.unknownColumn("\(s.name).\(name)")
            }
            guard !primaryKey.contains(p) else { throw SQLError.invalidStatement("column \(name) is twice in the primary key") }
            primaryKey.append(p)
            columns[p].primaryKey = true
            columns[p].notNull = true
        }
        if primaryKey.isEmpty, columns.contains(where: { Self.rowidNames.contains($0.name.lowercased()) }) {
            throw SQLError.invalidStatement("a table without a PRIMARY KEY cannot name a column rowid")
        }
        let table = TableSchema(id: try allocateID(), name: s.name, columns: columns, primaryKey: primaryKey, indexes: [])
        try writeSchema(table)
        return Self.empty
    }

    mutating func dropTable(_ name: String, ifExists: Bool) throws(SQLError) -> SQLResult {
        guard let table = catalog.tables[name] else {
            if ifExists { return Self.empty }
            throw SQLError.unknownTable(name)
        }
        for pair in try overlay.scan(prefix: keys.rowPrefix(table.id)) { overlay.delete(pair.key) }
        for index in table.indexes { try deleteEntries(of: index) }
        overlay.delete(keys.rowidCounter(table.id))
        overlay.delete(keys.catalogEntry(table.name))
        try bumpCatalogVersion()
        return Self.empty
    }

    mutating func createIndex(_ s: CreateIndexStatement) throws(SQLError) -> SQLResult {
        if catalog.indexOwners[s.name] != nil {
            if s.ifNotExists { return Self.empty }
            throw SQLError.indexExists(s.name)
        }
        var table = try catalog.table(s.table)
        var positions: [Int] = []
        for name in s.columns { positions.append(try table.position(of: name)) }
        let index = IndexSchema(id: try allocateID(), name: s.name, columns: positions, unique: s.unique)
        try backfill(index, of: table)
        table = TableSchema(id: table.id, name: table.name, columns: table.columns, primaryKey: table.primaryKey,
                            indexes: table.indexes + [index])
        try writeSchema(table)
        return Self.empty
    }

    /// Writes an entry for every existing row; a UNIQUE index fails on the
    /// first duplicate of non-NULL values.
    private mutating func backfill(_ index: IndexSchema, of table: TableSchema) throws(SQLError) {
        var seen = Set<SQLKey>()
        for row in try rows(table, AccessPlan(kind: .fullScan, description: "")) {
            let values = index.columns.map { row.values[$0] }
            if index.unique, !values.contains(where: \.isNull), !seen.insert(SQLKey(values: values)).inserted {
                throw SQLError.uniqueViolation(table: table.name, constraint: index.name)
            }
            let pk = primaryKeyValues(table, row.values)
            try overlay.put(keys.indexEntry(index, values: values, primaryKey: pk), OrderedKeyEncoding.encode(pk))
        }
    }

    mutating func dropIndex(_ name: String, ifExists: Bool) throws(SQLError) -> SQLResult {
        guard let owner = catalog.indexOwners[name], let table = catalog.tables[owner],
              let index = table.indexes.first(where: { $0.name == name }) else {
            if ifExists { return Self.empty }
            throw SQLError.unknownIndex(name)
        }
        try deleteEntries(of: index)
        let updated = TableSchema(id: table.id, name: table.name, columns: table.columns, primaryKey: table.primaryKey,
                                  indexes: table.indexes.filter { $0.name != name })
        try writeSchema(updated)
        return Self.empty
    }

    private mutating func deleteEntries(of index: IndexSchema) throws(SQLError) {
        for pair in try overlay.scan(prefix: keys.indexPrefix(index.id)) { overlay.delete(pair.key) }
    }
}

/// ALTER TABLE: ADD COLUMN, RENAME TO, RENAME COLUMN. All three change only
/// the catalogue entry; rows stored before ADD COLUMN read its DEFAULT.
extension StatementExecutor {
    static let rowidNames: Set<String> = ["rowid", "_rowid_", "oid"]

    mutating func alterTable(_ name: String, _ action: AlterTableAction) throws(SQLError) -> SQLResult {
        let table = try catalog.table(name)
        switch action {
        case .addColumn(var column):
            guard table.columnPositions[column.name.lowercased()] == nil else {
                throw SQLError.invalidStatement("duplicate column name \(column.name) in table \(name)")
            }
            guard !column.primaryKey else { throw SQLError.invalidStatement("cannot add a PRIMARY KEY column") }
            column.defaultValue = try Conversions.store(column.defaultValue, in: column)
            guard !column.notNull || !column.defaultValue.isNull else {
                throw SQLError.invalidStatement("cannot add a NOT NULL column without a non-NULL DEFAULT")
            }
            guard !(table.hasRowid && Self.rowidNames.contains(column.name.lowercased())) else {
                throw SQLError.invalidStatement("a table without a PRIMARY KEY cannot name a column rowid")
            }
            try writeSchema(table.with(columns: table.columns + [column]))
        case .renameTable(let newName):
            guard catalog.tables[newName] == nil else { throw SQLError.tableExists(newName) }
            overlay.delete(keys.catalogEntry(table.name))
            var renamed = table
            renamed.name = newName
            try writeSchema(renamed.with(columns: table.columns))
        case let .renameColumn(from, to):
            let p = try table.position(of: from)
            guard table.columnPositions[to.lowercased()] == nil else {
                throw SQLError.invalidStatement("duplicate column name \(to) in table \(name)")
            }
            guard !(table.hasRowid && Self.rowidNames.contains(to.lowercased())) else {
                throw SQLError.invalidStatement("a table without a PRIMARY KEY cannot name a column rowid")
            }
            var columns = table.columns
            columns[p].name = to
            try writeSchema(table.with(columns: columns))
        }
        return Self.empty
    }
}
