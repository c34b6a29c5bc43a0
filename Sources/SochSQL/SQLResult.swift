import SochTOON

/// One statement's result: the result columns and rows of a query, or the
/// number of rows an INSERT, UPDATE or DELETE changed.
public struct SQLResult: Sendable, Equatable {
    /// Result column names: the alias, the column name, or the expression
    /// as written. Empty for statements that return no rows.
    public let columns: [String]
    public let rows: [[SQLValue]]
    /// Rows inserted, updated or deleted; 0 for every other statement.
    public let rowsAffected: Int

    public init(columns: [String], rows: [[SQLValue]], rowsAffected: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.rowsAffected = rowsAffected
    }

    /// The rows as dictionaries keyed by column name (a later column wins
    /// when two share a name).
    public var records: [[String: SQLValue]] {
        rows.map { row in
            var record: [String: SQLValue] = [:]
            for (name, value) in zip(columns, row) { record[name] = value }
            return record
        }
    }

    /// The result as a TOON table named `table`, columns in result order.
    ///
    /// TOON field names must be `[A-Za-z_][A-Za-z0-9_.-]*`: other characters
    /// of a column name become `_` (`COUNT(*)` → `COUNT___`), a name that
    /// starts with a digit gets a leading `_`, and a repeated name gets a
    /// suffix `_2`, `_3`…. Blobs are written as hex strings.
    /// - Throws: `TOONError` for an invalid table name.
    public func toTOON(table: String) throws -> String {
        try TOON.encode(table: table, columns: SQLResult.toonFieldNames(columns),
                        rows: rows.map { $0.map(\.toonValue) })
    }

    static func toonFieldNames(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { name in
            var chars = name.unicodeScalars.map { c -> Character in
                let ok = c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_.-".unicodeScalars.contains(c))
                return ok ? Character(c) : "_"
            }
            if chars.isEmpty || !(chars[0].isLetter || chars[0] == "_") { chars.insert("_", at: 0) }
            let base = String(chars)
            var candidate = base
            var n = 2
            while !used.insert(candidate).inserted {
                candidate = "\(base)_\(n)"
                n += 1
            }
            return candidate
        }
    }
}
