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
/// ABI's, so a caller can tell a blob from text). A real always has a
/// fraction or an exponent (`2500.0`); non-finite reals are null.
public enum SQLJSON {
    public enum BlobStyle: Sendable { case hexString, tagged }

    /// Parses a parameter array; the empty string is no parameters.
    public static func parameters(_ text: String) throws(SochDBError) -> [SQLValue] {
        if text.isEmpty { return [] }
        guard case .list(let items) = try JSONReader.parse(text) else {
            throw .invalidArgument("SQL parameters must be a JSON array")
        }
        var out: [SQLValue] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try sqlValue(item, "SQL parameter")) }
        return out
    }

    /// Parses a row: a JSON object of column name → value, values as in a
    /// parameter array.
    public static func row(_ text: String) throws(SochDBError) -> [(column: String, value: SQLValue)] {
        guard case .object(let fields) = try JSONReader.parse(text) else {
            throw .invalidArgument("a row must be a JSON object of column name to value")
        }
        var out: [(column: String, value: SQLValue)] = []
        out.reserveCapacity(fields.count)
        for (column, item) in fields.sorted(by: { $0.key < $1.key }) { out.append((column, try sqlValue(item, "value of column \(column)"))) }
        return out
    }

    /// Appends a row's JSON object (blobs tagged), columns in the order
    /// given, to a UTF-8 buffer.
    public static func appendObject(columns: [String], values: [SQLValue], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, (column, v)) in zip(columns, values).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.append(column, to: &out)
            out.append(UInt8(ascii: ":"))
            switch v {
            case .integer(let n): out.append(contentsOf: String(n).utf8)
            case .text(let t): JSONText.append(t, to: &out)
            default: out.append(contentsOf: value(v, blobs: .tagged).utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The SQL value of a JSON parameter: a scalar, or `{"$blob": "<hex>"}`.
    static func sqlValue(_ item: MetadataValue, _ what: String) throws(SochDBError) -> SQLValue {
        if let scalar = scalar(item) { return scalar }
        if case .object(let o) = item, o.count == 1, case .string(let hex)? = o["$blob"], let bytes = decodeHex(hex) {
            return .blob(bytes)
        }
        throw .invalidArgument("unsupported \(what) \(item.json) (a blob is {\"$blob\": \"hex\"})")
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
        case .real(let d): return d.isFinite ? d.description : "null"   // 2500.0, 1e-05: a reader sees a real
        case .text(let s): return JSONText.quoted(s)
        case .boolean(let b): return b ? "true" : "false"
        case .blob(let b):
            let hex = "\"" + SQLValue.hex(b) + "\""
            return blobs == .tagged ? "{\"$blob\":\(hex)}" : hex
        }
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
