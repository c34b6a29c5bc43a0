/// One table's schema as the catalogue stores it: columns, primary key and
/// secondary indexes. Immutable once loaded; shared by every statement that
/// reads the same catalogue version.
struct TableSchema: Sendable {
    /// Key-space id: row keys and rowid counter use it. Never reused.
    var id: UInt32
    var name: String
    var columns: [ColumnDefinition]
    /// Column positions of the primary key, in key order; empty when the
    /// table uses a hidden rowid.
    var primaryKey: [Int]
    var indexes: [IndexSchema]
    /// Each column's DEFAULT (NULL when none), in column order.
    let defaults: [SQLValue]
    /// Lowercased column name → position (``ColumnDefinition/name`` keeps
    /// the declared spelling).
    let columnPositions: [String: Int]
    /// The columns' names in order (shared by every ``TriggerRow`` of the table).
    let columnNames: [String]

    init(id: UInt32, name: String, columns: [ColumnDefinition], primaryKey: [Int], indexes: [IndexSchema]) {
        self.id = id
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.indexes = indexes
        var positions: [String: Int] = [:]
        for (i, c) in columns.enumerated() { positions[c.name.lowercased()] = i }
        columnPositions = positions
        columnNames = columns.map(\.name)
        defaults = columns.map(\.defaultValue)
    }

    var hasRowid: Bool { primaryKey.isEmpty }

    /// The same table with `columns` (positions of existing columns unchanged).
    func with(columns: [ColumnDefinition]) -> TableSchema {
        TableSchema(id: id, name: name, columns: columns, primaryKey: primaryKey, indexes: indexes)
    }

    func position(of column: String) throws(SQLError) -> Int {
        guard let p = columnPositions[column] else { throw SQLError.unknownColumn("\(name).\(column)") }
        return p
    }
}

/// A secondary index: entries `(indexed values, primary key)` in key order.
struct IndexSchema: Sendable {
    var id: UInt32
    var name: String
    /// Column positions in the table, in index order.
    var columns: [Int]
    var unique: Bool
}
