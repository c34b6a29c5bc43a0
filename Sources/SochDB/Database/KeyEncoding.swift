/// How the `Database` API lays its data out in the key-value store.
///
/// Keys that start with byte 0xFF are reserved for SochDB itself (as
/// FoundationDB reserves its `\xff` system keys); `Database.put` refuses
/// them, so what an application stores by key can never collide with a
/// path, a collection or the SQL catalogue. Layout (docs/storage.md):
///
///     application key      any bytes not starting with 0xFF
///     path a/b/c           FF 'p' | "a" 00 | "b" 00 | "c" 00
///     collections          FF 'c' …  (docs/formats/collections.md)
///     SQL tables           FF 's' …  (docs/formats/sql-keys.md)
///
/// Each path segment is terminated by a 00 byte (segments may not contain
/// one, nor be empty), so the keys of every path under `a/b` are exactly the
/// keys that start with `FF 'p' "a" 00 "b" 00`: a prefix scan returns the
/// subtree and nothing else (`a/bc/…` does not match `a/b`).
enum KeyEncoding {
    static let reservedByte: UInt8 = 0xFF
    static let pathTag = UInt8(ascii: "p")
    static let sqlPrefix: [UInt8] = [reservedByte, UInt8(ascii: "s")]

    static func checkApplicationKey(_ key: [UInt8]) throws(SochDBError) {
        if key.first == reservedByte {
            throw .invalidArgument("keys starting with byte 0xFF are reserved for SochDB's own data (paths, collections, tables)")
        }
    }

    /// The exclusive end of an application-key scan: `end`, but never past
    /// the reserved 0xFF keyspace (nil: up to it).
    static func applicationEnd(_ end: [UInt8]?) -> [UInt8] {
        guard let end, end.first != reservedByte else { return [reservedByte] }
        return end
    }

    /// The segments of a `/`-separated path, validated.
    static func segments(_ path: String) throws(SochDBError) -> [Substring] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty else { throw .invalidArgument("empty path") }
        for (i, p) in parts.enumerated() {
            if p.isEmpty { throw .invalidArgument("path \"\(path)\": segment \(i + 1) is empty") }
            if p.utf8.contains(0) { throw .invalidArgument("path \"\(path)\": segment \(i + 1) contains a NUL byte") }
        }
        return parts
    }

    static func pathKey(_ path: String) throws(SochDBError) -> [UInt8] {
        var key: [UInt8] = [reservedByte, pathTag]
        for s in try segments(path) { key.append(contentsOf: s.utf8); key.append(0) }
        return key
    }

    /// The path a path key encodes.
    static func path(fromKey key: [UInt8]) -> String {
        let body = key.dropFirst(2).dropLast()   // tag, final terminator
        return body.split(separator: 0, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }
}
