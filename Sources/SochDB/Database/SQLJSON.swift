import Foundation
import SochSQL

/// SQL values, parameters and results as JSON: the one encoding shared by the
/// IPC protocol's EXECUTE_SQL (docs/protocol/ipc.md) and the C ABI's
/// `sochdb_execute` (include/sochdb.h).
///
/// Parameters are a JSON array of null, booleans, integers, reals, strings
/// and `{"$blob": "<hex>"}` for a blob. A result is
/// `{"columns": [...], "rows": [[...], ...], "rows_affected": N}`; a blob in
/// it is a hex string (``BlobStyle/hexString``, the wire's form) or the same
/// `{"$blob": "<hex>"}` object parameters use (``BlobStyle/tagged``, the C
/// ABI's, so a caller can tell a blob from text). Non-finite reals are null.
public enum SQLJSON {
    public enum BlobStyle: Sendable { case hexString, tagged }

    /// Parses a parameter array; the empty string is no parameters.
    public static func parameters(_ text: String) throws(SochDBError) -> [SQLValue] {
        if text.isEmpty { return [] }
        guard case .list(let items)? = try? JSONDecoder().decode(MetadataValue.self, from: Data(text.utf8)) else {
            throw .invalidArgument("SQL parameters must be a JSON array")
        }
        var out: [SQLValue] = []
        out.reserveCapacity(items.count)
        for item in items {
            if let scalar = scalar(item) { out.append(scalar); continue }
            switch item {
            case .object(let o):
                guard o.count == 1, case .string(let hex)? = o["$blob"], let bytes = decodeHex(hex) else {
                    throw .invalidArgument("unsupported SQL parameter \(item.json) (a blob is {\"$blob\": \"hex\"})")
                }
                out.append(.blob(bytes))
            default: throw .invalidArgument("unsupported SQL parameter \(item.json)")
            }
        }
        return out
    }

    /// The SQL value of a JSON scalar (null, boolean, integer, real,
    /// string); nil for a list or an object.
    public static func scalar(_ v: MetadataValue) -> SQLValue? {
        switch v {
        case .null: return .null
        case .bool(let b): return .boolean(b)
        case .int(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .list, .object: return nil
        }
    }

    /// A parameter array's JSON text (the empty string for none).
    public static func parametersJSON(_ values: [SQLValue]) -> String {
        values.isEmpty ? "" : "[" + values.map { value($0, blobs: .tagged) }.joined(separator: ",") + "]"
    }

    /// A result's JSON text.
    public static func result(_ r: SQLResult, blobs: BlobStyle = .hexString) -> String {
        let columns = r.columns.map(JSONText.quoted).joined(separator: ",")
        let rows = r.rows.map { row in "[" + row.map { value($0, blobs: blobs) }.joined(separator: ",") + "]" }
        return "{\"columns\":[\(columns)],\"rows\":[\(rows.joined(separator: ","))],\"rows_affected\":\(r.rowsAffected)}"
    }

    /// One value's JSON text.
    public static func value(_ v: SQLValue, blobs: BlobStyle) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? MetadataValue.double(d).json : "null"
        case .text(let s): return JSONText.quoted(s)
        case .boolean(let b): return b ? "true" : "false"
        case .blob(let b):
            let hex = "\"" + hexString(b) + "\""
            return blobs == .tagged ? "{\"$blob\":\(hex)}" : hex
        }
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decodeHex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = ByteEscaping.hexValue(u[i]), let lo = ByteEscaping.hexValue(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
