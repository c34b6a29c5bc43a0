/// A decoded (or to-be-encoded) TOON table: its name, its columns in order,
/// and one dictionary per record.
///
/// Contract with the codec: ``TOON/decode(_:)`` always fills every record with
/// every field, writing `.null` where the text has `null`. ``TOON/encode(_:)``
/// writes `null` for a field that a record lacks and ignores keys that are not
/// in ``fields``; so a record missing a key decodes back with that key set to
/// `.null`. A table whose records all carry exactly ``fields`` round-trips to
/// an equal table.
public struct TOONTable: Equatable, Sendable {
    /// An identifier `[A-Za-z_][A-Za-z0-9_.-]*`.
    public var name: String
    /// Distinct identifiers, in column order.
    public var fields: [String]
    public var records: [[String: TOONValue]]

    public init(name: String, fields: [String], records: [[String: TOONValue]]) {
        self.name = name
        self.fields = fields
        self.records = records
    }

    /// The records as rows of values in ``fields`` order, a missing key read
    /// as `.null`. O(records × fields).
    public var rows: [[TOONValue]] {
        records.map { record in fields.map { record[$0] ?? .null } }
    }
}
