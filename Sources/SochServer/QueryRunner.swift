import Foundation
import SochDB

/// QUERY (0x07): the seed's `client.query("users/").limit(10).offset(0)
/// .select([...]).execute()`. Parameters are a JSON object
/// `{"prefix": "users/", "limit": 10, "offset": 0, "columns": ["name"]}`
/// (all but `prefix` optional; limit 0 or absent: no limit); the reply is a
/// TOON table of the values under the prefix, in key order.
///
/// A value that is a JSON object becomes a record of its fields; any other
/// value becomes `{key, value}` (text, or hex for non-UTF-8 bytes). Without
/// `columns` the fields are the union of the records' names, sorted.
struct QueryRunner {
    let database: Database
    let transaction: DatabaseTransaction?

    struct Parameters: Decodable {
        var prefix: String
        var limit: Int?
        var offset: Int?
        var columns: [String]?
    }

    func run(json: String) throws(SochDBError) -> String {
        let p: Parameters
        do { p = try JSONDecoder().decode(Parameters.self, from: Data(json.utf8)) } catch {
            throw .invalidArgument("QUERY parameters must be a JSON object {\"prefix\": …, \"limit\", \"offset\", \"columns\"}: \(error)")
        }
        guard (p.limit ?? 0) >= 0, (p.offset ?? 0) >= 0 else { throw .invalidArgument("limit and offset cannot be negative") }
        let prefix = Array(p.prefix.utf8)
        let pairs = if let transaction { try transaction.scanPrefix(prefix) } else { try database.scanPrefix(prefix) }
        var rows = pairs.dropFirst(p.offset ?? 0)
        if let limit = p.limit, limit > 0 { rows = rows.prefix(limit) }
        let records = rows.map { Self.record(key: $0.key, value: $0.value) }
        do { return try Database.toTOON(table: Self.tableName(p.prefix), records: records, fields: p.columns) } catch {
            throw .invalidArgument("QUERY result is not a valid TOON table: \(error)")
        }
    }

    static func record(key: [UInt8], value: [UInt8]) -> [String: TOONValue] {
        if value.first == UInt8(ascii: "{"),
           case .object(let fields)? = try? JSONDecoder().decode(MetadataValue.self, from: Data(value)) {
            return fields.mapValues(\.toonValue)
        }
        return ["key": .string(text(key)), "value": .string(text(value))]
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self) ?? bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// A TOON table name from the prefix: `users/` → `users`, other
    /// characters outside `[A-Za-z0-9_.-]` → `_`; `rows` when nothing is left.
    static func tableName(_ prefix: String) -> String {
        var name = String(prefix.unicodeScalars.map { c -> Character in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_.-".unicodeScalars.contains(c)) ? Character(c) : "_"
        })
        while name.hasSuffix("_") { name.removeLast() }
        if name.isEmpty { return "rows" }
        if let f = name.unicodeScalars.first, !(f.properties.isAlphabetic || f == "_") { name = "_" + name }
        return name
    }
}
