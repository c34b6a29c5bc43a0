/// Literal conveniences, so records read as `["id": 1, "name": "Ada"]`.
///
/// `nil` in a position typed `TOONValue` is `.null`; note that assigning `nil`
/// through a dictionary subscript (`record["x"] = nil`) still *removes* the
/// key, as for any dictionary; write `record["x"] = .null` to store a null.
/// A dictionary literal becomes an `.object` in the literal's key order.
extension TOONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension TOONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension TOONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension TOONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension TOONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

/// `"Product \(i)"` is a `.string` too.
extension TOONValue: ExpressibleByStringInterpolation {}

extension TOONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: TOONValue...) { self = .list(elements) }
}

extension TOONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, TOONValue)...) { self = .object(elements) }
}
