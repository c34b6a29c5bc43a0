/// An ordered group of puts and deletes applied atomically: one WAL record,
/// one contiguous run of sequence numbers.
///
/// The encoded form (``representation``) is the WAL record's payload and is
/// documented in docs/formats/wal.md:
///
///     sequence u64 LE | count u32 LE | entry*
///     entry := kind u8 (1 = put, 0 = delete) | varint keyLen | key
///              [ | varint valueLen | value ]   (value only for put)
///
/// The sequence field is filled in at commit; entry i gets `sequence + i`.
public struct WriteBatch: Sendable {
    static let headerSize = 12
    /// Keys and values are limited so every length fits the formats' u32s.
    public static let maxKeySize = 1 << 20
    public static let maxValueSize = 1 << 30

    private(set) var representation: [UInt8]

    public init() {
        representation = [UInt8](repeating: 0, count: Self.headerSize)
    }

    init(representation: [UInt8]) { self.representation = representation }

    public var count: Int {
        representation.withUnsafeBytes { Int(loadFixed32($0.baseAddress! + 8)) }
    }

    public var isEmpty: Bool { count == 0 }

    /// Encoded size in bytes (what the WAL will write, less its header).
    public var byteSize: Int { representation.count }

    var sequence: SequenceNumber {
        get { representation.withUnsafeBytes { loadFixed64($0.baseAddress!) } }
        set { withUnsafeBytes(of: newValue.littleEndian) { for i in 0..<8 { representation[i] = $0[i] } } }
    }

    public mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        representation.append(EntryKind.value.rawValue)
        representation.appendLengthPrefixed(key)
        representation.appendLengthPrefixed(value)
        bumpCount()
    }

    public mutating func delete(_ key: [UInt8]) {
        representation.append(EntryKind.deletion.rawValue)
        representation.appendLengthPrefixed(key)
        bumpCount()
    }

    /// Appends every entry of `other` after this batch's.
    public mutating func append(_ other: WriteBatch) {
        let n = count + other.count
        representation.append(contentsOf: other.representation[Self.headerSize...])
        representation.setFixed32(UInt32(n), at: 8)
    }

    public mutating func clear() {
        representation.removeSubrange(Self.headerSize...)
        representation.setFixed32(0, at: 8)
    }

    private mutating func bumpCount() {
        representation.setFixed32(UInt32(count + 1), at: 8)
    }

    /// Checks key, value and batch sizes before anything is written, so a
    /// batch too large for one WAL record is refused as bad input instead of
    /// failing inside the commit (which would stop the engine).
    func validate() throws {
        if representation.count > WALFormat.maxPayloadSize {
            throw StorageError.invalidArgument("write batch of \(representation.count) bytes exceeds the limit of \(WALFormat.maxPayloadSize) (one WAL record)")
        }
        try forEach { kind, key, value in
            if key.count > Self.maxKeySize { throw StorageError.invalidArgument("key of \(key.count) bytes exceeds the limit of \(Self.maxKeySize)") }
            if value.count > Self.maxValueSize { throw StorageError.invalidArgument("value of \(value.count) bytes exceeds the limit of \(Self.maxValueSize)") }
        }
    }

    /// Calls `body` for each entry in order with views into the encoding.
    /// Throws ``StorageError/corruption(path:reason:)`` for a malformed
    /// encoding (a damaged WAL record that passed its checksum cannot happen,
    /// but a decoder never trusts its input).
    func forEach(_ body: (EntryKind, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        try representation.withUnsafeBytes { raw in
            var r = ByteReader(raw, offset: Self.headerSize)
            let declared = Int(loadFixed32(raw.baseAddress! + 8))
            var seen = 0
            while !r.isAtEnd {
                guard let tag = r.byte(), let kind = EntryKind(rawValue: tag), let klen = r.length() else {
                    throw StorageError.corruption(path: "write batch", reason: "malformed entry \(seen)")
                }
                let key = UnsafeRawBufferPointer(rebasing: raw[r.offset..<(r.offset + klen)])
                r.offset += klen
                var value = UnsafeRawBufferPointer(start: nil, count: 0)
                if kind == .value {
                    guard let vlen = r.length() else { throw StorageError.corruption(path: "write batch", reason: "malformed value \(seen)") }
                    value = UnsafeRawBufferPointer(rebasing: raw[r.offset..<(r.offset + vlen)])
                    r.offset += vlen
                }
                try body(kind, key, value)
                seen += 1
            }
            guard seen == declared else {
                throw StorageError.corruption(path: "write batch", reason: "count says \(declared) entries, found \(seen)")
            }
        }
    }
}
