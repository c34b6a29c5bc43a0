/// One value in a TOON record: a scalar, or a list or object nesting more.
///
/// Equality is *representational*: two values are equal exactly when they
/// have the same case and the same payload, compared so that equal values
/// encode to the same text. Hence `.int(1) != .double(1.0)`, doubles compare by
/// bit pattern (`.double(0.0) != .double(-0.0)`), and objects compare their
/// key/value pairs in order (`{a:1,b:2} != {b:2,a:1}`). Hashing agrees.
///
/// An object is an ordered list of pairs, not a dictionary: it keeps the
/// order it was built or decoded in, and duplicate keys are kept as given
/// (TOON neither rejects nor merges them).
public enum TOONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// Must be finite to be encoded; NaN and ±infinity throw `nonFiniteNumber`.
    case double(Double)
    case string(String)
    case list([TOONValue])
    case object([(String, TOONValue)])
}

extension TOONValue: Equatable {
    public static func == (lhs: TOONValue, rhs: TOONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

extension TOONValue: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .int(let i): hasher.combine(2); hasher.combine(i)
        case .double(let d): hasher.combine(3); hasher.combine(d.bitPattern)
        case .string(let s): hasher.combine(4); hasher.combine(s)
        case .list(let items): hasher.combine(5); hasher.combine(items)
        case .object(let pairs):
            hasher.combine(6)
            hasher.combine(pairs.count)
            for (key, value) in pairs { hasher.combine(key); hasher.combine(value) }
        }
    }
}
