import Foundation
import SochDB
import SochWire

/// EXECUTE_SQL (0x0F): one statement, with `?` parameters from a JSON array
/// (null, booleans, integers, reals, strings; `{"$blob": "hex"}` for a blob),
/// inside the connection's transaction if one is open. The reply is TOON
/// (`result[N]{col,…}:…`) or JSON `{"columns": […], "rows": [[…]],
/// "rows_affected": N}` with blobs as hex strings.
enum SQLRunner {
    static func run(_ sql: String, format: Request.ResultFormat, parametersJSON: String,
                    database: Database, transaction: DatabaseTransaction?) throws(SochDBError) -> String {
        let params = try parameters(parametersJSON)
        let result = if let transaction { try transaction.execute(sql, parameters: params) }
            else { try database.executeSQL(sql, parameters: params) }
        switch format {
        case .toon:
            do { return try result.toTOON(table: "result") } catch {
                throw .invalidArgument("result does not encode as TOON: \(error)")
            }
        case .json: return json(result)
        }
    }

    static func parameters(_ text: String) throws(SochDBError) -> [SQLValue] {
        if text.isEmpty { return [] }
        guard case .list(let items)? = try? JSONDecoder().decode(MetadataValue.self, from: Data(text.utf8)) else {
            throw .invalidArgument("SQL parameters must be a JSON array")
        }
        var out: [SQLValue] = []
        for item in items {
            switch item {
            case .null: out.append(.null)
            case .bool(let b): out.append(.boolean(b))
            case .int(let i): out.append(.integer(i))
            case .double(let d): out.append(.real(d))
            case .string(let s): out.append(.text(s))
            case .object(let o):
                guard o.count == 1, case .string(let hex)? = o["$blob"], let bytes = decodeHex(hex) else {
                    throw .invalidArgument("unsupported SQL parameter \(item.json) (a blob is {\"$blob\": \"hex\"})")
                }
                out.append(.blob(bytes))
            case .list: throw .invalidArgument("unsupported SQL parameter \(item.json)")
            }
        }
        return out
    }

    static func decodeHex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func json(_ r: SQLResult) -> String {
        let columns = r.columns.map { MetadataValue.string($0).json }.joined(separator: ",")
        let rows = r.rows.map { row in "[" + row.map(jsonValue).joined(separator: ",") + "]" }.joined(separator: ",")
        return "{\"columns\":[\(columns)],\"rows\":[\(rows)],\"rows_affected\":\(r.rowsAffected)}"
    }

    static func jsonValue(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? MetadataValue.double(d).json : "null"
        case .text(let s): return MetadataValue.string(s).json
        case .blob(let b): return MetadataValue.string(b.map { String(format: "%02x", $0) }.joined()).json
        case .boolean(let b): return b ? "true" : "false"
        }
    }
}
