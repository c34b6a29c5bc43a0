/// The order-preserving encoding of values in keys (docs/formats/sql-keys.md).
///
/// For values of one type, and across types in the tag order below, the
/// bytewise order of encodings equals ``SQLValue/compare(_:_:)``'s order;
/// NULL sorts first. Integers and reals have distinct tags, so an integer
/// and a real do not interleave numerically; the planner only builds keys
/// for a column's own type, which makes that harmless. Encodings are
/// self-delimiting, so a key is a plain concatenation of encoded values.
///
/// FORMAT: the tag values and byte layouts are on-disk format.
enum OrderedKeyEncoding {
    static let tagNull: UInt8 = 0x05
    static let tagFalse: UInt8 = 0x10
    static let tagTrue: UInt8 = 0x11
    static let tagInteger: UInt8 = 0x20
    static let tagReal: UInt8 = 0x30
    static let tagText: UInt8 = 0x40
    static let tagBlob: UInt8 = 0x50

    /// Appends the encoding of `value` to `out`.
    static func append(_ value: SQLValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(tagNull)
        case .boolean(let b): out.append(b ? tagTrue : tagFalse)
        case .integer(let i):
            out.append(tagInteger)
            appendBigEndian(UInt64(bitPattern: i) ^ (1 << 63), to: &out)
        case .real(let d):
            out.append(tagReal)
            let bits = (d == 0 ? 0.0 : d).bitPattern      // -0.0 and 0.0 are one key
            appendBigEndian(bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63), to: &out)
        case .text(let s):
            out.append(tagText)
            appendEscaped(s.utf8, to: &out)
        case .blob(let b):
            out.append(tagBlob)
            appendEscaped(b, to: &out)
        }
    }

    static func encode(_ values: [SQLValue]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values { append(v, to: &out) }
        return out
    }

    static func appendBigEndian(_ x: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: x >> UInt64(shift))) }
    }

    static func appendBigEndian(_ x: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: x >> UInt32(shift))) }
    }

    /// 0x00 is written as 0x00 0xFF and the value ends with 0x00 0x01, so a
    /// prefix sorts before its extensions and the end is unambiguous.
    private static func appendEscaped<C: Sequence>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        for byte in bytes {
            out.append(byte)
            if byte == 0 { out.append(0xFF) }
        }
        out.append(0x00)
        out.append(0x01)
    }

    /// Decodes the value starting at `offset`, advancing it past the value.
    static func decode(_ bytes: [UInt8], at offset: inout Int) throws(SQLError) -> SQLValue {
        guard offset < bytes.count else { throw SQLError.corruption("key ends inside a value") }
        let tag = bytes[offset]
        offset += 1
        switch tag {
        case tagNull: return .null
        case tagFalse: return .boolean(false)
        case tagTrue: return .boolean(true)
        case tagInteger:
            return .integer(Int64(bitPattern: try readBigEndian(bytes, at: &offset) ^ (1 << 63)))
        case tagReal:
            let raw = try readBigEndian(bytes, at: &offset)
            return .real(Double(bitPattern: raw & (1 << 63) != 0 ? raw & ~(1 << 63) : ~raw))
        case tagText: return .text(String(decoding: try readEscaped(bytes, at: &offset), as: UTF8.self))
        case tagBlob: return .blob(try readEscaped(bytes, at: &offset))
        default: throw SQLError.corruption("unknown key tag \(tag)")
        }
    }

    static func readBigEndian(_ bytes: [UInt8], at offset: inout Int) throws(SQLError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw SQLError.corruption("key ends inside a number") }
        var x: UInt64 = 0
        for i in 0..<8 { x = x << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return x
    }

    private static func readEscaped(_ bytes: [UInt8], at offset: inout Int) throws(SQLError) -> [UInt8] {
        var out: [UInt8] = []
        while offset + 1 < bytes.count {
            let byte = bytes[offset]
            if byte == 0 {
                let next = bytes[offset + 1]
                offset += 2
                if next == 0x01 { return out }
                guard next == 0xFF else { throw SQLError.corruption("bad escape in key") }
                out.append(0)
            } else {
                out.append(byte)
                offset += 1
            }
        }
        throw SQLError.corruption("unterminated text in key")
    }
}
