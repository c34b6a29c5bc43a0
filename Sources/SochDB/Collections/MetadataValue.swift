import Foundation

/// One value of a vector's metadata document: the JSON types a filter can
/// test (strings, integers, floats, booleans, null, lists, nested objects).
///
/// Numbers compare numerically across `int` and `double` (2 == 2.0), as in
/// MongoDB and Chroma; other types compare only with their own kind.
public enum MetadataValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([MetadataValue])
    case object([String: MetadataValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let l = try? c.decode([MetadataValue].self) { self = .list(l) }
        else { self = .object(try c.decode([String: MetadataValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        case .object(let o): try c.encode(o)
        }
    }

    /// Numeric view (ints and doubles), for comparisons.
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Orders two values of comparable kinds (numbers, strings, booleans);
    /// nil when they are not comparable.
    func compare(_ other: MetadataValue) -> Int? {
        if let a = number, let b = other.number { return a < b ? -1 : (a > b ? 1 : 0) }
        switch (self, other) {
        case (.string(let a), .string(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.null, .null): return 0
        default: return nil
        }
    }

    /// Equality as filters see it: numeric across int/double, exact otherwise.
    /// Equal at every depth, numbers compared by value (int 5 == double
    /// 5.0, 0 == -0.0): how a JSON round trip is judged, since JSON readers
    /// differ on whether `5.0` is an integer.
    func sameValue(as other: MetadataValue) -> Bool {
        switch (self, other) {
        case let (.list(x), .list(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.sameValue(as: $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { value.sameValue(as: $0) } ?? false }
        default:
            if let p = number, let q = other.number { return p == q }
            return self == other
        }
    }

    func matches(_ other: MetadataValue) -> Bool {
        if let c = compare(other) { return c == 0 }
        return self == other
    }

    /// The value as compact JSON with object keys sorted (how records store
    /// metadata and how the CLI prints it).
    public var json: String {
        (try? String(decoding: MetadataValue.jsonEncoder.encode(self), as: UTF8.self)) ?? "null"
    }

    public var description: String { json }

    static let jsonEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

extension MetadataValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
                         ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
                         ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: MetadataValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, MetadataValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A vector's metadata: field name → value.
public typealias Metadata = [String: MetadataValue]

extension MetadataValue {
    /// The same value as TOON; an object's keys in sorted order (a JSON
    /// object has none of its own here).
    public var toonValue: TOONValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let l): return .list(l.map(\.toonValue))
        case .object(let o): return .object(o.keys.sorted().map { ($0, o[$0]!.toonValue) })
        }
    }
}
