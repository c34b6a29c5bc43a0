import Foundation

/// Value conversions: to text (for `||` and LIKE), CAST, and the checks
/// that a value may be stored in a typed column.
enum Conversions {
    /// The text SQLite makes of a value: integers in decimal, reals as
    /// `%!.15g`, booleans as 1 and 0, blobs read as UTF-8.
    static func text(_ v: SQLValue) -> String {
        switch v {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return SQLValue.formatReal(d)
        case .text(let s): return s
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .boolean(let b): return b ? "1" : "0"
        }
    }

    /// `d` truncated toward zero and clamped to Int64 (SQLite's REAL→INTEGER).
    static func saturatingInteger(_ d: Double) -> Int64 {
        if d.isNaN { return 0 }
        if d >= 9.223372036854775807e18 { return .max }
        if d <= -9.223372036854775808e18 { return .min }
        return Int64(d.rounded(.towardZero))
    }

    /// `CAST(v AS type)`. Text converts by its longest numeric prefix (0 when
    /// none), as in SQLite; NULL stays NULL.
    static func cast(_ v: SQLValue, to type: SQLColumnType) throws(SQLError) -> SQLValue {
        if v.isNull { return .null }
        switch type {
        case .text: return .text(text(v))
        case .blob:
            if case .blob = v { return v }
            return .blob(Array(text(v).utf8))
        case .boolean: return .boolean(v.truth ?? false)
        case .integer:
            switch v {
            case .integer: return v
            case .real(let d): return .integer(saturatingInteger(d))
            case .boolean(let b): return .integer(b ? 1 : 0)
            default:
                let prefix = text(v).trimmingCharacters(in: .whitespaces).trimmingPrefixNumber()
                if let i = Int64(prefix) { return .integer(i) }
                return .integer(saturatingInteger(Double(prefix) ?? 0))
            }
        case .real:
            switch v {
            case .real: return v
            case .integer(let i): return .real(Double(i))
            case .boolean(let b): return .real(b ? 1 : 0)
            default: return .real(Double(text(v).trimmingCharacters(in: .whitespaces).trimmingPrefixNumber()) ?? 0)
            }
        }
    }

    /// `v` as column `column` stores it, or a typed error: integers are
    /// accepted into REAL columns (stored as reals), integers 0 and 1 into
    /// BOOLEAN columns; otherwise the type must match. NULL passes (NOT NULL
    /// is checked separately).
    static func store(_ v: SQLValue, in column: ColumnDefinition) throws(SQLError) -> SQLValue {
        switch (column.type, v) {
        case (_, .null): return v
        case (.real, .real(let d)) where d.isNaN: return .null     // as SQLite: NaN is never stored
        case (.integer, .integer), (.real, .real), (.text, .text), (.blob, .blob), (.boolean, .boolean): return v
        case (.real, .integer(let i)): return .real(Double(i))
        case (.boolean, .integer(let i)) where i == 0 || i == 1: return .boolean(i == 1)
        default:
            throw SQLError.typeMismatch(column: column.name, expected: column.type.rawValue, got: v.typeName.uppercased())
        }
    }
}
