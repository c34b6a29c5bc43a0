/// TOON output, the seed's `Database.to_toon` / `Database.from_toon`: the
/// token-efficient single-line table form for LLM context
/// (docs/formats/toon.md; measured savings in Benchmarks/toon-tokens.md).
extension Database {
    /// `users[2]{id,name}:1,Alice;2,Bob` from records; `fields` selects and
    /// orders the columns (default: every key, sorted).
    public static func toTOON(table: String, records: [[String: TOONValue]], fields: [String]? = nil) throws(TOONError) -> String {
        try TOON.encode(table: table, records: records, fields: fields)
    }

    /// The same from SQL rows (`SQLResult.records`), as the seed's LLM-context
    /// example does: `Database.toTOON(table: "documents", records: result.records, fields: ["title"])`.
    public static func toTOON(table: String, records: [[String: SQLValue]], fields: [String]? = nil) throws(TOONError) -> String {
        try TOON.encode(table: table, records: records.map { $0.mapValues(\.toonValue) }, fields: fields)
    }

    /// Table name, fields and typed records of a TOON string; malformed
    /// input is a ``TOONError`` giving the position and what was expected.
    public static func fromTOON(_ text: String) throws(TOONError) -> (table: String, fields: [String], records: [[String: TOONValue]]) {
        let t = try TOON.decode(text)
        return (t.name, t.fields, t.records)
    }
}
