/// Statement-level grammar.
extension SQLParser {
    mutating func statement() throws(SQLError) -> SQLStatement {
        let token = current
        guard token.kind == .word else { throw unexpected(expected: "a statement") }
        switch token.text.uppercased() {
        case "SELECT": return .select(try select())
        case "INSERT", "REPLACE": return .insert(try insert())
        case "UPDATE": return .update(try update())
        case "DELETE": return .delete(try delete())
        case "CREATE": return try create()
        case "DROP": return try drop()
        case "ALTER": return try alter()
        case "EXPLAIN":
            advance()
            _ = acceptKeyword("QUERY") && acceptKeyword("PLAN")
            let inner = try statement()
            switch inner {
            case .select, .update, .delete: return .explain(inner)
            default: throw SQLError.unsupported("EXPLAIN applies to SELECT, UPDATE and DELETE")
            }
        case "BEGIN":
            advance()
            _ = acceptKeyword("DEFERRED") || acceptKeyword("IMMEDIATE")
            _ = acceptKeyword("TRANSACTION")
            return .begin
        case "COMMIT", "END":
            advance()
            _ = acceptKeyword("TRANSACTION")
            return .commit
        case "ROLLBACK":
            advance()
            _ = acceptKeyword("TRANSACTION")
            return .rollback
        default:
            throw unexpected(expected: "a statement")
        }
    }

    private mutating func ifNotExists() throws(SQLError) -> Bool {
        guard acceptKeyword("IF") else { return false }
        try expectKeyword("NOT")
        try expectKeyword("EXISTS")
        return true
    }

    private mutating func ifExists() throws(SQLError) -> Bool {
        guard acceptKeyword("IF") else { return false }
        try expectKeyword("EXISTS")
        return true
    }

    private mutating func create() throws(SQLError) -> SQLStatement {
        try expectKeyword("CREATE")
        if acceptKeyword("TABLE") { return .createTable(try createTable()) }
        let unique = acceptKeyword("UNIQUE")
        guard acceptKeyword("INDEX") else { throw unexpected(expected: unique ? "INDEX" : "TABLE or INDEX") }
        let exists = try ifNotExists()
        let name = try identifier("index name")
        try expectKeyword("ON")
        let table = try identifier("table name")
        let columns = try identifierList("column name")
        return .createIndex(CreateIndexStatement(name: name, table: table, columns: columns, unique: unique, ifNotExists: exists))
    }

    private mutating func createTable() throws(SQLError) -> CreateTableStatement {
        let exists = try ifNotExists()
        let name = try identifier("table name")
        try expectSymbol("(")
        var columns: [ColumnDefinition] = []
        var primaryKey: [String] = []
        repeat {
            if acceptKeyword("PRIMARY") {
                try expectKeyword("KEY")
                guard primaryKey.isEmpty else { throw SQLError.invalidStatement("table \(name) has more than one primary key") }
                primaryKey = try identifierList("column name")
            } else {
                let column = try columnDefinition()
                if column.primaryKey {
                    guard primaryKey.isEmpty else { throw SQLError.invalidStatement("table \(name) has more than one primary key") }
                    primaryKey = [column.name]
                }
                columns.append(column)
            }
        } while acceptSymbol(",")
        try expectSymbol(")")
        return CreateTableStatement(name: name, ifNotExists: exists, columns: columns, primaryKey: primaryKey)
    }

    private mutating func columnDefinition() throws(SQLError) -> ColumnDefinition {
        let name = try identifierAsWritten("column name")
        let type = try columnType()
        var column = ColumnDefinition(name: name, type: type, notNull: false, primaryKey: false)
        while true {
            if acceptKeyword("PRIMARY") {
                try expectKeyword("KEY")
                _ = acceptKeyword("ASC") || acceptKeyword("DESC")
                column.primaryKey = true
            } else if acceptKeyword("NOT") {
                try expectKeyword("NULL")
                column.notNull = true
            } else if acceptKeyword("NULL") {
                continue
            } else if acceptKeyword("DEFAULT") {
                column.defaultValue = try defaultConstant()
            } else {
                return column
            }
        }
    }

    /// A type name, mapped to one of the five storage types.
    mutating func columnType() throws(SQLError) -> SQLColumnType {
        let token = current
        guard token.kind == .word else { throw unexpected(expected: "a column type") }
        let type: SQLColumnType
        switch token.text.uppercased() {
        case "INTEGER", "INT", "BIGINT", "SMALLINT", "TINYINT": type = .integer
        case "REAL", "FLOAT", "DOUBLE", "NUMERIC", "DECIMAL": type = .real
        case "TEXT", "VARCHAR", "CHAR", "STRING", "CLOB": type = .text
        case "BOOLEAN", "BOOL": type = .boolean
        case "BLOB", "BYTES": type = .blob
        default: throw unexpected(expected: "a column type (INTEGER, REAL, TEXT, BOOLEAN or BLOB)")
        }
        advance()
        if token.text.uppercased() == "DOUBLE" { _ = acceptKeyword("PRECISION") }
        if acceptSymbol("(") {          // VARCHAR(n), DECIMAL(p, s): the sizes are not enforced
            repeat {
                guard case .integer = current.kind else { throw unexpected(expected: "a size") }
                advance()
            } while acceptSymbol(",")
            try expectSymbol(")")
        }
        return type
    }

    /// A DEFAULT value: a literal, optionally signed, or NULL/TRUE/FALSE.
    private mutating func defaultConstant() throws(SQLError) -> SQLValue {
        let negative = acceptSymbol("-")
        if !negative { _ = acceptSymbol("+") }
        let token = current
        let value: SQLValue
        switch token.kind {
        case .integer(let i): value = .integer(negative ? -i : i)
        case .real(let d): value = .real(negative ? -d : d)
        case .string where !negative: value = .text(token.text)
        case .blob(let b) where !negative: value = .blob(b)
        case .word where !negative && token.isKeyword("NULL"): value = .null
        case .word where !negative && token.isKeyword("TRUE"): value = .boolean(true)
        case .word where !negative && token.isKeyword("FALSE"): value = .boolean(false)
        default: throw unexpected(expected: "a constant DEFAULT value")
        }
        advance()
        return value
    }

    private mutating func alter() throws(SQLError) -> SQLStatement {
        try expectKeyword("ALTER")
        try expectKeyword("TABLE")
        let name = try identifier("table name")
        if acceptKeyword("ADD") {
            _ = acceptKeyword("COLUMN")
            return .alterTable(name: name, action: .addColumn(try columnDefinition()))
        }
        guard acceptKeyword("RENAME") else {
            if current.isKeyword("DROP") { throw SQLError.unsupported("ALTER TABLE DROP COLUMN") }
            throw unexpected(expected: "ADD or RENAME")
        }
        if acceptKeyword("TO") { return .alterTable(name: name, action: .renameTable(to: try identifier("table name"))) }
        _ = acceptKeyword("COLUMN")
        let from = try identifier("column name")
        try expectKeyword("TO")
        return .alterTable(name: name, action: .renameColumn(from: from, to: try identifierAsWritten("column name")))
    }

    private mutating func drop() throws(SQLError) -> SQLStatement {
        try expectKeyword("DROP")
        if acceptKeyword("TABLE") {
            let exists = try ifExists()
            return .dropTable(name: try identifier("table name"), ifExists: exists)
        }
        guard acceptKeyword("INDEX") else { throw unexpected(expected: "TABLE or INDEX") }
        let exists = try ifExists()
        return .dropIndex(name: try identifier("index name"), ifExists: exists)
    }

    private mutating func insert() throws(SQLError) -> InsertStatement {
        var policy = ConflictPolicy.abort
        if acceptKeyword("REPLACE") {
            policy = .replace
        } else {
            try expectKeyword("INSERT")
            if acceptKeyword("OR") {
                if acceptKeyword("IGNORE") {
                    policy = .ignore
                } else if acceptKeyword("REPLACE") {
                    policy = .replace
                } else if !acceptKeyword("ABORT") {
                    throw unexpected(expected: "IGNORE, REPLACE or ABORT")
                }
            }
        }
        try expectKeyword("INTO")
        let table = try identifier("table name")
        var columns: [String]?
        if current.isSymbol("(") { columns = try identifierList("column name") }
        if current.isKeyword("SELECT") {
            return InsertStatement(table: table, columns: columns, source: .select(try select()), onConflict: policy)
        }
        guard acceptKeyword("VALUES") else { throw unexpected(expected: "VALUES or SELECT") }
        var rows: [[SQLExpression]] = []
        repeat {
            try expectSymbol("(")
            var row = [try expression()]
            while acceptSymbol(",") { row.append(try expression()) }
            try expectSymbol(")")
            rows.append(row)
        } while acceptSymbol(",")
        return InsertStatement(table: table, columns: columns, source: .values(rows), onConflict: policy)
    }

    private mutating func update() throws(SQLError) -> UpdateStatement {
        try expectKeyword("UPDATE")
        let table = try identifier("table name")
        try expectKeyword("SET")
        var assignments: [(column: String, value: SQLExpression)] = []
        repeat {
            let column = try identifier("column name")
            guard acceptSymbol("=") || acceptSymbol("==") else { throw unexpected(expected: "'='") }
            assignments.append((column, try expression()))
        } while acceptSymbol(",")
        let condition = acceptKeyword("WHERE") ? try expression() : nil
        return UpdateStatement(table: table, assignments: assignments, whereClause: condition)
    }

    private mutating func delete() throws(SQLError) -> DeleteStatement {
        try expectKeyword("DELETE")
        try expectKeyword("FROM")
        let table = try identifier("table name")
        let condition = acceptKeyword("WHERE") ? try expression() : nil
        return DeleteStatement(table: table, whereClause: condition)
    }
}
