/// A parsed SQL statement (the parser's output; see docs/sql.md for the
/// grammar). Value types, shared read-only by the statement cache.
indirect enum SQLStatement: Sendable, Hashable {
    case createTable(CreateTableStatement)
    case dropTable(name: String, ifExists: Bool)
    case alterTable(name: String, action: AlterTableAction)
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
    /// True when some expression holds a subquery (run before the statement).
    var hasSubqueries = false
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
    /// `DEFAULT constant`: what an INSERT that leaves the column out
    /// writes, and what rows stored before ALTER TABLE ADD COLUMN read.
    var defaultValue: SQLValue = .null
}

/// What ALTER TABLE changes.
enum AlterTableAction: Sendable, Hashable {
    case addColumn(ColumnDefinition)
    case renameTable(to: String)
    case renameColumn(from: String, to: String)
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
    var source: InsertSource
    /// `INSERT OR IGNORE` / `INSERT OR REPLACE` (`REPLACE INTO`).
    var onConflict: ConflictPolicy = .abort
}

/// What an INSERT does with a row whose primary key or UNIQUE index value
/// is taken.
enum ConflictPolicy: Sendable, Hashable {
    /// Fail the statement (the default; nothing of it remains).
    case abort
    /// Skip the row.
    case ignore
    /// Delete the rows it collides with, then insert it.
    case replace
}

/// Where an INSERT's rows come from.
enum InsertSource: Sendable, Hashable {
    /// `VALUES (…), (…)`: constant expressions (parameters allowed).
    case values([[SQLExpression]])
    /// `INSERT … SELECT`: the query runs to completion before the first row
    /// is inserted, so it never sees the rows it inserts.
    case select(SelectStatement)
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

extension SQLStatement {
    /// INSERT, UPDATE or DELETE: statements whose row writes depend on the
    /// schema they read (DDL writes the catalogue version itself).
    var writesRows: Bool {
        switch self {
        case .insert, .update, .delete: return true
        default: return false
        }
    }

    /// SELECT, or EXPLAIN of anything: statements that write nothing.
    var isQuery: Bool {
        switch self {
        case .select, .explain: return true
        default: return false
        }
    }

    /// DDL: statements that rewrite the catalogue version.
    var isSchemaChange: Bool {
        switch self {
        case .createTable, .dropTable, .alterTable, .createIndex, .dropIndex: return true
        default: return false
        }
    }
}
