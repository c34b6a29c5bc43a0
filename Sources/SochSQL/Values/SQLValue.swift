import Foundation
import SochTOON

/// One SQL value: what a column holds, an expression yields, or a `?`
/// parameter binds.
///
/// `Hashable` is representational (`.integer(1) != .real(1.0)`); SQL
/// equality, which is numeric across integers, reals and booleans, is
/// ``SQLValue/compare(_:_:)``. Values order as SQLite's: NULL first, then
/// numbers (integers, reals and booleans compared by value, `FALSE` as 0 and
/// `TRUE` as 1), then text (bytewise UTF-8), then blobs (bytewise).
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case boolean(Bool)

    /// True for `.null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The SQL type name of the value, as `typeof()` reports it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        case .boolean: return "boolean"
        }
    }

    /// The value as SochTOON writes it: booleans stay booleans and blobs
    /// become lowercase hex strings (TOON has no byte type). A non-finite real
    /// maps to `.null`, since TOON cannot represent it.
    public var toonValue: TOONValue {
        switch self {
        case .null: return .null
        case .integer(let i): return .int(i)
        case .real(let d): return d.isFinite ? .double(d) : .null
        case .text(let s): return .string(s)
        case .blob(let b): return .string(SQLValue.hex(b))
        case .boolean(let b): return .bool(b)
        }
    }

    /// The value written as a SQL literal that parses back to it:
    /// `NULL`, `42`, `1.5`, `'it''s'`, `X'00ff'`, `TRUE`.
    public var sqlLiteral: String {
        switch self {
        case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let b): return "X'" + SQLValue.hex(b) + "'"
        case .null: return "NULL"
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        default: return description
        }
    }

    /// Lowercase hex digits of `bytes` (also the JSON form of a blob, SochDB's SQLJSON).
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SQLValue: CustomStringConvertible {
    /// The display form: `NULL`, integers in decimal, reals as SQLite prints
    /// them (`%!.15g`: always with a `.` or an exponent), text as is, blobs
    /// as `X'hex'`, booleans as `true`/`false`.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .real(let d): return SQLValue.formatReal(d)
        case .text(let s): return s
        case .blob(let b): return "X'" + SQLValue.hex(b) + "'"
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    /// `d` as SQLite's `%!.15g` writes it: 15 significant digits, and a
    /// `.0` added when the digits alone would read as an integer.
    static func formatReal(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "Inf" }
        var text = String(format: "%.15g", d)
        if let e = text.firstIndex(where: { $0 == "e" }) {
            if !text[..<e].contains(".") { text.insert(contentsOf: ".0", at: e) }
        } else if !text.contains(".") {
            text += ".0"
        }
        return text
    }
}
