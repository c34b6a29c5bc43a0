/// TOON: a single-line, columnar text form of a table, for LLM context.
///
///     users[2]{id,name,email}:1,Alice,alice@example.com;2,Bob,bob@example.com
///
/// is the table name, `[count]`, `{field,…}`, `:`, then `count` records
/// separated by `;`, each holding one value per field, separated by `,`.
/// Values are typed: `null`, `true`/`false`, integers, floats (always with a
/// `.` or an exponent), strings (bare when unambiguous, else quoted with
/// escapes), and nested lists `[v,…]` and objects `{key:v,…}`. The grammar,
/// every quoting rule and the reason for each are in docs/formats/toon.md.
///
/// Both directions are pure functions of their input, thread-safe, and
/// O(size of the text). `decode(encode(t)) == t` for every table whose
/// records hold exactly its fields (see ``TOONTable``).
public enum TOON {
    /// Encodes records as a TOON table.
    ///
    /// - Parameters:
    ///   - table: the table name, an identifier `[A-Za-z_][A-Za-z0-9_.-]*`.
    ///   - records: one dictionary per record.
    ///   - fields: the columns to write, in order (this selects and orders
    ///     them; keys of a record that are not listed are not written). When
    ///     `nil`, the columns are every key of any record, **sorted** by key,
    ///     so the output does not depend on dictionary order.
    /// - Returns: the text; a field that a record lacks is written as `null`.
    /// - Throws: `invalidName` for a bad table or field name, `duplicateField`,
    ///   `nonFiniteNumber` for NaN/±infinity, `nestingTooDeep`.
    public static func encode(
        table: String, records: [[String: TOONValue]], fields: [String]? = nil
    ) throws(TOONError) -> String {
        let columns = fields ?? Array(Set(records.flatMap(\.keys))).sorted()
        try validate(table: table, fields: columns)
        var writer = TOONWriter()
        writer.header(name: table, count: records.count, fields: columns)
        for (index, record) in records.enumerated() {
            try writer.record(columns.lazy.map { record[$0] ?? .null }, index: index)
        }
        return writer.text
    }

    /// Encodes rows that already come in column order (SQL results).
    ///
    /// - Throws: as ``encode(table:records:fields:)``, and `rowWidthMismatch`
    ///   when a row does not hold exactly `columns.count` values.
    public static func encode(
        table: String, columns: [String], rows: [[TOONValue]]
    ) throws(TOONError) -> String {
        try validate(table: table, fields: columns)
        var writer = TOONWriter()
        writer.header(name: table, count: rows.count, fields: columns)
        for (index, row) in rows.enumerated() {
            guard row.count == columns.count else {
                throw TOONError(.rowWidthMismatch, at: index,
                                "row \(index) has \(row.count) values for \(columns.count) columns")
            }
            try writer.record(row, index: index)
        }
        return writer.text
    }

    /// Encodes `table` with its own field list; see ``encode(table:records:fields:)``.
    public static func encode(_ table: TOONTable) throws(TOONError) -> String {
        try encode(table: table.name, records: table.records, fields: table.fields)
    }

    /// Decodes one TOON table. The whole text must be the table: no leading
    /// or trailing white space or newline, no second table.
    ///
    /// - Returns: the name, the fields in header order, and the records, each
    ///   holding every field (a `null` in the text is `.null`).
    /// - Throws: a ``TOONError`` whose `position` is the Unicode-scalar offset
    ///   where the text departs from the grammar or from its header's counts.
    public static func decode(_ text: String) throws(TOONError) -> TOONTable {
        var parser = TOONParser(text)
        return try parser.table()
    }

    private static func validate(table: String, fields: [String]) throws(TOONError) {
        guard TOONSyntax.isValidName(table) else {
            throw TOONError(.invalidName, at: -1, "table name \(table.debugDescription) is not [A-Za-z_][A-Za-z0-9_.-]*")
        }
        var seen = Set<String>()
        for (index, field) in fields.enumerated() {
            guard TOONSyntax.isValidName(field) else {
                throw TOONError(.invalidName, at: index, "field \(field.debugDescription) is not [A-Za-z_][A-Za-z0-9_.-]*")
            }
            guard seen.insert(field).inserted else {
                throw TOONError(.duplicateField, at: index, "field \(field.debugDescription) is listed twice")
            }
        }
    }
}
