/// Little-endian fixed-width integers and LEB128 varints, the building
/// blocks of every on-disk format here (docs/formats/*.md).
///
/// Encoders append to a `[UInt8]`; decoders read through ``ByteReader``,
/// which never reads past its buffer and reports a short or malformed field
/// as `nil` so callers turn it into a typed corruption error.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendFixed32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v >> 16)); append(UInt8(truncatingIfNeeded: v >> 24))
    }

    @inline(__always)
    mutating func appendFixed64(_ v: UInt64) {
        appendFixed32(UInt32(truncatingIfNeeded: v)); appendFixed32(UInt32(truncatingIfNeeded: v >> 32))
    }

    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        append(UInt8(v))
    }

    /// A varint length followed by the bytes.
    mutating func appendLengthPrefixed(_ bytes: [UInt8]) {
        appendVarint(UInt64(bytes.count)); append(contentsOf: bytes)
    }

    /// Overwrites four bytes at `offset` (for lengths and CRCs known late).
    mutating func setFixed32(_ v: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v); self[offset + 1] = UInt8(truncatingIfNeeded: v >> 8)
        self[offset + 2] = UInt8(truncatingIfNeeded: v >> 16); self[offset + 3] = UInt8(truncatingIfNeeded: v >> 24)
    }
}

/// Loads a little-endian integer from raw memory (no alignment needed).
@inline(__always)
func loadFixed32(_ p: UnsafeRawPointer) -> UInt32 { UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) }
@inline(__always)
func loadFixed64(_ p: UnsafeRawPointer) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) }

/// A bounds-checked cursor over raw bytes. Every read returns nil rather than
/// run past the end, so a hostile length field cannot cause an overread.
struct ByteReader {
    let base: UnsafeRawPointer?
    let end: Int
    var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        base = buffer.baseAddress; end = buffer.count; self.offset = offset
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    mutating func fixed32() -> UInt32? {
        guard remaining >= 4, let b = base else { return nil }
        defer { offset += 4 }
        return loadFixed32(b + offset)
    }

    mutating func fixed64() -> UInt64? {
        guard remaining >= 8, let b = base else { return nil }
        defer { offset += 8 }
        return loadFixed64(b + offset)
    }

    mutating func byte() -> UInt8? {
        guard remaining >= 1, let b = base else { return nil }
        defer { offset += 1 }
        return b.load(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    mutating func varint() -> UInt64? {
        guard let b = base else { return nil }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end && shift <= 63 {
            let byte = b.load(fromByteOffset: offset, as: UInt8.self)
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    /// A varint that must fit in `Int` and in the rest of the buffer (a length).
    mutating func length() -> Int? {
        guard let v = varint(), v <= UInt64(remaining) else { return nil }
        return Int(v)
    }

    /// `count` bytes as a new array.
    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        guard count > 0, let b = base else { return [] }
        return Array(UnsafeRawBufferPointer(start: b + offset, count: count))
    }

    /// A varint length and that many bytes.
    mutating func lengthPrefixed() -> [UInt8]? {
        guard let n = length() else { return nil }
        return bytes(n)
    }
}
