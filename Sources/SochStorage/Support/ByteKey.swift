/// A byte-string key for hash tables: `[UInt8]` hashes element by element
/// (one `Hasher.combine` per byte, a tenth of an SQL insert's time in the
/// profile); this hashes the bytes in one call.
public struct ByteKey: Hashable, Sendable {
    public let bytes: [UInt8]

    @inline(__always) public init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inline(__always) public static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes == b.bytes }

    @inline(__always) public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
