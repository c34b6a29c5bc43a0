/// Reads a payload's little-endian fields front to back, checking every
/// length against the bytes left before it allocates anything.
///
/// Value type over a borrowed byte array; not thread-safe (one decoder).
public struct WireReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ field: String) throws(WireError) -> ArraySlice<UInt8> {
        guard n <= remaining else { throw .truncated(field: field, offset: offset, needed: n) }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func u8(_ field: String) throws(WireError) -> UInt8 { try take(1, field).first! }

    public mutating func u16(_ field: String) throws(WireError) -> UInt16 { UInt16(try uint(2, field)) }

    public mutating func u32(_ field: String) throws(WireError) -> UInt32 { UInt32(try uint(4, field)) }

    public mutating func u64(_ field: String) throws(WireError) -> UInt64 { try uint(8, field) }

    public mutating func i32(_ field: String) throws(WireError) -> Int32 { Int32(bitPattern: try u32(field)) }

    public mutating func f32(_ field: String) throws(WireError) -> Float { Float(bitPattern: try u32(field)) }

    private mutating func uint(_ width: Int, _ field: String) throws(WireError) -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try take(width, field).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    /// `n` raw bytes.
    public mutating func raw(_ n: Int, _ field: String) throws(WireError) -> [UInt8] { Array(try take(n, field)) }

    /// A `u32` length then that many bytes.
    public mutating func blob(_ field: String) throws(WireError) -> [UInt8] {
        let n = try u32(field + " length")
        guard Int(n) <= remaining else { throw .lengthTooLarge(field: field, length: UInt64(n), limit: UInt64(remaining)) }
        return try raw(Int(n), field)
    }

    /// A `u32` length then that many bytes of UTF-8.
    public mutating func string(_ field: String) throws(WireError) -> String {
        let b = try blob(field)
        guard let s = String(validating: b, as: UTF8.self) else { throw .invalidField("\(field) is not UTF-8") }
        return s
    }

    /// A `u16` length then that many bytes of UTF-8 (short names).
    public mutating func shortString(_ field: String) throws(WireError) -> String {
        let n = try u16(field + " length")
        let b = try raw(Int(n), field)
        guard let s = String(validating: b, as: UTF8.self) else { throw .invalidField("\(field) is not UTF-8") }
        return s
    }

    /// `count` little-endian f32 values (the count checked against the bytes left).
    public mutating func floats(_ count: Int, _ field: String) throws(WireError) -> [Float] {
        guard count >= 0, count <= remaining / 4 else {
            throw .lengthTooLarge(field: field, length: UInt64(max(count, 0)) * 4, limit: UInt64(remaining))
        }
        let slice = try take(count * 4, field)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            var i = slice.startIndex
            for j in 0..<count {
                let bits = UInt32(slice[i]) | UInt32(slice[i + 1]) << 8 | UInt32(slice[i + 2]) << 16 | UInt32(slice[i + 3]) << 24
                out[j] = Float(bitPattern: bits)
                i += 4
            }
            initialized = count
        }
    }

    /// The rest of the payload.
    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// A count of items each at least `minItemBytes` long, refused if the
    /// bytes left cannot hold that many (so no caller reserves for a lie).
    public mutating func count(_ field: String, minItemBytes: Int) throws(WireError) -> Int {
        let n = Int(try u32(field))
        guard n <= remaining / max(minItemBytes, 1) else {
            throw .lengthTooLarge(field: field, length: UInt64(n), limit: UInt64(remaining / max(minItemBytes, 1)))
        }
        return n
    }

    /// Fails unless every byte was read.
    public func finish() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }
}
