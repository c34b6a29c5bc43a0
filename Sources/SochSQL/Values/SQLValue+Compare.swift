import SochStorage

/// SQL ordering and equality between values (SQLite's rules without type
/// affinity).
extension SQLValue {
    /// Rank of a value's type class in the cross-type order.
    private var typeRank: Int {
        switch self {
        case .null: return 0
        case .integer, .real, .boolean: return 1
        case .text: return 2
        case .blob: return 3
        }
    }

    /// Total order used by ORDER BY, MIN/MAX, DISTINCT and GROUP BY:
    /// negative, zero or positive. NULLs are equal to each other and sort
    /// first; integers and reals compare numerically (exactly, also past
    /// 2^53); booleans compare as 0 and 1; text compares bytewise as UTF-8.
    public static func compare(_ a: SQLValue, _ b: SQLValue) -> Int {
        let ra = a.typeRank, rb = b.typeRank
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.null, .null): return 0
        case let (.text(x), .text(y)): return compareUTF8(x, y)
        case let (.blob(x), .blob(y)): return BufferedWrites.compare(x, y)
        default: return compareNumbers(a, b)
        }
    }

    private static func compareNumbers(_ a: SQLValue, _ b: SQLValue) -> Int {
        switch (a.numeric, b.numeric) {
        case let (.int(x), .int(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.real(x), .real(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.int(x), .real(y)): return -compareRealToInt(y, x)
        case let (.real(x), .int(y)): return compareRealToInt(x, y)
        }
    }

    /// Compares a double with an integer exactly (no rounding of the
    /// integer to a double's 53 bits).
    private static func compareRealToInt(_ r: Double, _ i: Int64) -> Int {
        if r.isNaN { return -1 }
        if r < -9.223372036854775808e18 { return -1 }
        if r >= 9.223372036854775808e18 { return 1 }
        let t = Int64(r.rounded(.towardZero))
        if t != i { return t < i ? -1 : 1 }
        let frac = r - Double(t)
        return frac < 0 ? -1 : (frac > 0 ? 1 : 0)
    }

    /// Bytewise comparison of the UTF-8 forms, without copying them.
    static func compareUTF8(_ x: String, _ y: String) -> Int {
        var i = x.utf8.makeIterator(), j = y.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (a?, b?): if a != b { return a < b ? -1 : 1 }
            }
        }
    }

    /// A number's payload: booleans read as 0 and 1. Only for values whose
    /// ``typeRank`` is numeric.
    enum Numeric { case int(Int64), real(Double) }

    var numeric: Numeric {
        switch self {
        case .integer(let i): return .int(i)
        case .real(let d): return .real(d)
        case .boolean(let b): return .int(b ? 1 : 0)
        default: return .int(0)
        }
    }

    /// True for integers, reals and booleans.
    var isNumeric: Bool { typeRank == 1 }

    /// The value as a truth value in three-valued logic: nil for NULL.
    /// Numbers are true when non-zero; text and blobs are true when their
    /// leading numeric prefix is non-zero, as in SQLite.
    var truth: Bool? {
        switch self {
        case .null: return nil
        case .boolean(let b): return b
        case .integer(let i): return i != 0
        case .real(let d): return d != 0
        case .text(let s): return (Double(s.trimmingPrefixNumber()) ?? 0) != 0
        case .blob: return false
        }
    }
}

/// A hashable wrapper whose equality is SQL equality (``SQLValue/compare(_:_:)``
/// == 0), for DISTINCT and GROUP BY: `1`, `1.0` and `TRUE` are one key.
struct SQLKey: Hashable {
    let values: [SQLValue]

    static func == (a: SQLKey, b: SQLKey) -> Bool {
        guard a.values.count == b.values.count else { return false }
        for i in a.values.indices where SQLValue.compare(a.values[i], b.values[i]) != 0 { return false }
        return true
    }

    func hash(into hasher: inout Hasher) {
        for value in values {
            switch value {
            case .null: hasher.combine(0)
            case .integer, .real, .boolean:
                switch value.numeric {
                case .int(let i): hasher.combine(Double(i))
                case .real(let d): hasher.combine(d == 0 ? 0.0 : d)
                }
            case .text(let s):
                hasher.combine(2)
                hasher.combine(s.utf8.count)
                for byte in s.utf8 { hasher.combine(byte) }
            case .blob(let b): hasher.combine(3); hasher.combine(b)
            }
        }
    }
}

extension String {
    /// The longest prefix that reads as a decimal number (for SQLite's
    /// text-to-number truthiness); "" when there is none.
    func trimmingPrefixNumber() -> String {
        var end = startIndex
        var sawDigit = false
        for (offset, c) in enumerated() {
            let isSign = (c == "-" || c == "+") && offset == 0
            if c.isASCII && (c.isNumber || c == "." || isSign) {
                if c.isNumber { sawDigit = true }
                end = index(after: index(startIndex, offsetBy: offset))
            } else { break }
        }
        return sawDigit ? String(self[..<end]) : ""
    }
}
