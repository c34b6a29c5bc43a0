import Foundation

/// A predicate over metadata documents, in the convention users know from
/// MongoDB and Chroma:
///
///     {"lang": "en", "year": {"$gte": 2020},
///      "$or": [{"tag": {"$in": ["a", "b"]}}, {"draft": false}]}
///
/// Field conditions: a bare value (equality), or an object of operators
/// `$eq $ne $gt $gte $lt $lte $in $nin $not`. Logical: `$and`, `$or` (lists of
/// filters), `$not` (a filter). Several entries in one object are and-ed.
/// Semantics (as MongoDB's): a field holding a list matches equality, `$in`
/// and comparisons if any element does; `$ne` and `$nin` also match a missing
/// field; numbers compare across int and float; comparing different kinds
/// (a string with a number) is false. Dotted names reach into objects
/// (`"author.name"`). The typed builder (``field(_:)`` with operators, and
/// ``and(_:)``, ``or(_:)``, ``not(_:)``) builds the same filters.
public indirect enum MetadataFilter: Sendable, Equatable {
    case field(String, Condition)
    case and([MetadataFilter])
    case or([MetadataFilter])
    case not(MetadataFilter)

    /// A test on one field's value.
    public indirect enum Condition: Sendable, Equatable {
        case eq(MetadataValue), ne(MetadataValue)
        case gt(MetadataValue), gte(MetadataValue), lt(MetadataValue), lte(MetadataValue)
        case `in`([MetadataValue]), nin([MetadataValue])
        case not(Condition)
        case all([Condition])
    }

    /// Why a JSON filter was refused (with the path to the offending part).
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "filter \(path.isEmpty ? "" : "at \(path)"): \(message)" }
    }

    // MARK: evaluation

    /// True if `metadata` satisfies the filter. O(size of the filter).
    public func matches(_ metadata: Metadata) -> Bool {
        switch self {
        case .and(let fs): return fs.allSatisfy { $0.matches(metadata) }
        case .or(let fs): return fs.contains { $0.matches(metadata) }
        case .not(let f): return !f.matches(metadata)
        case .field(let name, let condition): return condition.test(Self.lookup(name, in: metadata))
        }
    }

    static func lookup(_ name: String, in metadata: Metadata) -> MetadataValue? {
        if let v = metadata[name] { return v }
        var parts = name.split(separator: ".").map(String.init)
        guard parts.count > 1, case .object(var current)? = metadata[parts.removeFirst()] else { return nil }
        while parts.count > 1 {
            guard case .object(let next)? = current[parts.removeFirst()] else { return nil }
            current = next
        }
        return current[parts[0]]
    }

    // MARK: typed builder

    /// `MetadataFilter.field("year") >= 2020`, `.field("tag").isIn(["a", "b"])`, …
    public static func field(_ name: String) -> FieldReference { FieldReference(name: name) }

    public struct FieldReference: Sendable {
        public let name: String
        public static func == (f: FieldReference, v: MetadataValue) -> MetadataFilter { .field(f.name, .eq(v)) }
        public static func != (f: FieldReference, v: MetadataValue) -> MetadataFilter { .field(f.name, .ne(v)) }
        public static func > (f: FieldReference, v: MetadataValue) -> MetadataFilter { .field(f.name, .gt(v)) }
        public static func >= (f: FieldReference, v: MetadataValue) -> MetadataFilter { .field(f.name, .gte(v)) }
        public static func < (f: FieldReference, v: MetadataValue) -> MetadataFilter { .field(f.name, .lt(v)) }
        public static func <= (f: FieldReference, v: MetadataValue) -> MetadataFilter { .field(f.name, .lte(v)) }
        public func isIn(_ values: [MetadataValue]) -> MetadataFilter { .field(name, .in(values)) }
        public func notIn(_ values: [MetadataValue]) -> MetadataFilter { .field(name, .nin(values)) }
    }

    public static func && (a: MetadataFilter, b: MetadataFilter) -> MetadataFilter { .and([a, b]) }
    public static func || (a: MetadataFilter, b: MetadataFilter) -> MetadataFilter { .or([a, b]) }
    public static prefix func ! (a: MetadataFilter) -> MetadataFilter { .not(a) }
}

extension MetadataFilter.Condition {
    func test(_ value: MetadataValue?) -> Bool {
        switch self {
        case .eq(let want): return Self.anyElement(value) { $0.matches(want) }
        case .ne(let want): return !MetadataFilter.Condition.eq(want).test(value)
        case .gt(let b): return Self.anyElement(value) { ($0.compare(b).map { $0 > 0 }) ?? false }
        case .gte(let b): return Self.anyElement(value) { ($0.compare(b).map { $0 >= 0 }) ?? false }
        case .lt(let b): return Self.anyElement(value) { ($0.compare(b).map { $0 < 0 }) ?? false }
        case .lte(let b): return Self.anyElement(value) { ($0.compare(b).map { $0 <= 0 }) ?? false }
        case .in(let set): return Self.anyElement(value) { v in set.contains { v.matches($0) } }
        case .nin(let set): return !MetadataFilter.Condition.in(set).test(value)
        case .not(let c): return !c.test(value)
        case .all(let cs): return cs.allSatisfy { $0.test(value) }
        }
    }

    /// A scalar tests itself; a list tests each element (and itself, so
    /// `{"tags": ["a", "b"]}` matches the whole list); missing is false.
    private static func anyElement(_ value: MetadataValue?, _ body: (MetadataValue) -> Bool) -> Bool {
        guard let value else { return false }
        if case .list(let items) = value { return body(value) || items.contains(where: body) }
        return body(value)
    }
}
