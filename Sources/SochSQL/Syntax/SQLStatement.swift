/// A parsed SQL statement (the parser's output; see docs/sql.md for the
/// grammar). Value types, shared read-only by the statement cache.
indirect enum SQLStatement: Sendable, Hashable {
    case createTable(CreateTableStatement)
    case dropTable(name: String, ifExists: Bool)
    case createIndex(CreateIndexStatement)
    case dropIndex(name: String, ifExists: Bool)
    case insert(InsertStatement)
    case select(SelectStatement)
    case update(UpdateStatement)
    case delete(DeleteStatement)
    /// `EXPLAIN stmt`: the access plan of a SELECT, UPDATE or DELETE.
    case explain(SQLStatement)
    case begin, commit, rollback

    var isTransactionControl: Bool {
        switch self {
        case .begin, .commit, .rollback: return true
        default: return false
        }
    }
}

/// A statement with the number of `?` parameters it takes.
struct ParsedStatement: Sendable {
    var statement: SQLStatement
    var parameterCount: Int
}

/// A column's declared type. Values are checked against it on write.
enum SQLColumnType: String, Sendable, Hashable, CaseIterable {
    case integer = "INTEGER", real = "REAL", text = "TEXT", boolean = "BOOLEAN", blob = "BLOB"
}

struct ColumnDefinition: Sendable, Hashable {
    var name: String
    var type: SQLColumnType
    var notNull: Bool
    var primaryKey: Bool
}

struct CreateTableStatement: Sendable, Hashable {
    var name: String
    var ifNotExists: Bool
    var columns: [ColumnDefinition]
    /// Names from a table-level `PRIMARY KEY (…)`, or the column marked so.
    var primaryKey: [String]
}

struct CreateIndexStatement: Sendable, Hashable {
    var name: String
    var table: String
    var columns: [String]
    var unique: Bool
    var ifNotExists: Bool
}

struct InsertStatement: Sendable, Hashable {
    var table: String
    /// nil: every column in table order.
    var columns: [String]?
    var rows: [[SQLExpression]]
}

/// One item of a select list.
enum SelectItem: Sendable, Hashable {
    case star
    case tableStar(String)
    /// `text` is the expression as written: the result column's name
    /// when there is no alias (as SQLite names it).
    case expression(SQLExpression, alias: String?, text: String)
}

struct OrderTerm: Sendable, Hashable {
    var expression: SQLExpression
    var descending: Bool
    /// nil: SQLite's default (NULLs first ascending, last descending).
    var nullsFirst: Bool?
}

struct TableReference: Sendable, Hashable {
    var name: String
    var alias: String?
}

struct SelectStatement: Sendable, Hashable {
    var distinct: Bool
    var items: [SelectItem]
    var from: TableReference?
    var whereClause: SQLExpression?
    var groupBy: [SQLExpression]
    var having: SQLExpression?
    var orderBy: [OrderTerm]
    var limit: SQLExpression?
    var offset: SQLExpression?
}

struct UpdateStatement: Sendable, Hashable {
    var table: String
    var assignments: [(column: String, value: SQLExpression)]

    var whereClause: SQLExpression?

    static func == (a: UpdateStatement, b: UpdateStatement) -> Bool {
        a.table == b.table && a.whereClause == b.whereClause
            && a.assignments.map(\.column) == b.assignments.map(\.column)
            && a.assignments.map(\.value) == b.assignments.map(\.value)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(table)
        hasher.combine(assignments.map(\.column))
        hasher.combine(assignments.map(\.value))
        hasher.combine(whereClause)
    }
}

struct DeleteStatement: Sendable, Hashable {
    var table: String
    var whereClause: SQLExpression?
}
