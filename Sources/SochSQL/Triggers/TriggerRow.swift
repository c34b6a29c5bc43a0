/// One row of a table as a trigger sees it: the table's columns (in
/// declaration order, hidden rowid excluded) and their values.
public struct TriggerRow: Sendable, Equatable, CustomStringConvertible {
    public let columns: [String]
    public private(set) var values: [SQLValue]
    /// Lowercased column name → position (shared with the table schema).
    let positions: [String: Int]

    init(_ table: TableSchema, _ values: some Collection<SQLValue>) {
        columns = table.columnNames
        self.values = Array(values.prefix(table.columns.count))
        positions = table.columnPositions
    }

    /// The value of `column` (names are case-insensitive); nil for a column
    /// the table does not have.
    public subscript(column: String) -> SQLValue? {
        positions[column.lowercased()].map { values[$0] }
    }

    /// Sets `column` to `value`. The row is checked against the column's
    /// type and NOT NULL once the handler returns, as any inserted row is.
    public mutating func set(_ column: String, to value: SQLValue) throws(SQLError) {
        guard let p = positions[column.lowercased()] else { throw SQLError.unknownColumn(column) }
        values[p] = value
    }

    /// The row as column name → value.
    public var record: [String: SQLValue] {
        Dictionary(uniqueKeysWithValues: zip(columns, values))
    }

    public var description: String {
        "(" + zip(columns, values).map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
    }
}

/// One row a statement touched, as ``TriggerEvent/onBatch`` lists them:
/// `old` for UPDATE and DELETE, `new` (as stored) for INSERT and UPDATE.
public struct TriggerChange: Sendable, Equatable {
    public let old: TriggerRow?
    public let new: TriggerRow?
}
