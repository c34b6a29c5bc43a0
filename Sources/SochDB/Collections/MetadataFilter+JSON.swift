import Foundation

extension MetadataFilter {
    /// Parses a JSON filter (see ``MetadataFilter``); a malformed one is a
    /// ``ParseError`` naming where it went wrong.
    public static func parse(json: String) throws(ParseError) -> MetadataFilter {
        let value: MetadataValue
        do { value = try JSONDecoder().decode(MetadataValue.self, from: Data(json.utf8)) } catch {
            throw ParseError(path: "", message: "not valid JSON (\(error.localizedDescription))")
        }
        return try parse(value, path: "$")
    }

    static func parse(_ value: MetadataValue, path: String) throws(ParseError) -> MetadataFilter {
        guard case .object(let entries) = value else { throw ParseError(path: path, message: "expected an object") }
        var parts: [MetadataFilter] = []
        for (key, v) in entries.sorted(by: { $0.key < $1.key }) {
            let here = path + "." + key
            switch key {
            case "$and", "$or":
                guard case .list(let items) = v, !items.isEmpty else { throw ParseError(path: here, message: "expected a non-empty list of filters") }
                var subs: [MetadataFilter] = []
                for (i, item) in items.enumerated() { subs.append(try parse(item, path: here + "[\(i)]")) }
                parts.append(key == "$and" ? .and(subs) : .or(subs))
            case "$not":
                parts.append(.not(try parse(v, path: here)))
            default:
                guard !key.hasPrefix("$") else { throw ParseError(path: here, message: "unknown operator \(key)") }
                guard !key.isEmpty else { throw ParseError(path: here, message: "empty field name") }
                parts.append(.field(key, try condition(v, path: here)))
            }
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    /// A bare value is equality; an object of `$` operators is their
    /// conjunction; an object that mixes `$` operators with other keys is
    /// an error. (Which kind an object is must not depend on which key a
    /// dictionary happens to list first: the fuzz target found a filter
    /// that parsed as equality in one process and failed in another.)
    static func condition(_ value: MetadataValue, path: String) throws(ParseError) -> Condition {
        guard case .object(let ops) = value, ops.keys.contains(where: { $0.hasPrefix("$") }) else { return .eq(value) }
        if let field = ops.keys.sorted().first(where: { !$0.hasPrefix("$") }) {
            throw ParseError(path: path + "." + field, message: "\(field) beside $ operators: an object is either operators or a value to compare with")
        }
        var conditions: [Condition] = []
        for (op, operand) in ops.sorted(by: { $0.key < $1.key }) {
            let here = path + "." + op
            switch op {
            case "$eq": conditions.append(.eq(operand))
            case "$ne": conditions.append(.ne(operand))
            case "$gt": conditions.append(.gt(try comparable(operand, here)))
            case "$gte": conditions.append(.gte(try comparable(operand, here)))
            case "$lt": conditions.append(.lt(try comparable(operand, here)))
            case "$lte": conditions.append(.lte(try comparable(operand, here)))
            case "$in", "$nin":
                guard case .list(let items) = operand else { throw ParseError(path: here, message: "expected a list") }
                conditions.append(op == "$in" ? .in(items) : .nin(items))
            case "$not": conditions.append(.not(try condition(operand, path: here)))
            default: throw ParseError(path: here, message: "unknown operator \(op)")
            }
        }
        return conditions.count == 1 ? conditions[0] : .all(conditions)
    }

    private static func comparable(_ v: MetadataValue, _ path: String) throws(ParseError) -> MetadataValue {
        switch v {
        case .int, .double, .string, .bool: return v
        default: throw ParseError(path: path, message: "expected a number, string or boolean to compare with")
        }
    }
}
