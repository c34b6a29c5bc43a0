/// The encoding of a row's column values in a row entry's value
/// (docs/formats/sql-keys.md, "Row values"). Not order-preserving; compact
/// and fast to decode.
///
/// FORMAT: the tags and layouts are on-disk format.
enum RowCodec {
    static let tagNull: UInt8 = 0
    static let tagInteger: UInt8 = 1
    static let tagReal: UInt8 = 2
    static let tagText: UInt8 = 3
    static let tagBlob: UInt8 = 4
    static let tagFalse: UInt8 = 5
    static let tagTrue: UInt8 = 6

    static func encode(_ row: [SQLValue]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1 + row.count * 9)
        appendVarint(UInt64(row.count), to: &out)
        for value in row {
            switch value {
            case .null: out.append(tagNull)
            case .boolean(let b): out.append(b ? tagTrue : tagFalse)
            case .integer(let i): out.append(tagInteger); appendLittleEndian(UInt64(bitPattern: i), to: &out)
            case .real(let d): out.append(tagReal); appendLittleEndian(d.bitPattern, to: &out)
            case .text(let s):
                out.append(tagText)
                appendVarint(UInt64(s.utf8.count), to: &out)
                out.append(contentsOf: s.utf8)
            case .blob(let b):
                out.append(tagBlob)
                appendVarint(UInt64(b.count), to: &out)
                out.append(contentsOf: b)
            }
        }
        return out
    }

    /// Decodes a row of `width` columns; a stored row with fewer values (one
    /// written before ALTER TABLE ADD COLUMN) is padded from `padding` (the
    /// columns' defaults; NULL past its end), one with more is corrupt.
    static func decode(_ bytes: [UInt8], width: Int, padding: [SQLValue] = []) throws(SQLError) -> [SQLValue] {
        var offset = 0
        let count = try readLength(bytes, at: &offset)
        guard count <= width else { throw SQLError.corruption("row holds \(count) values for \(width) columns") }
        var row: [SQLValue] = []
        row.reserveCapacity(width)
        for _ in 0..<count {
            guard offset < bytes.count else { throw SQLError.corruption("row ends early") }
            let tag = bytes[offset]
            offset += 1
            switch tag {
            case tagNull: row.append(.null)
            case tagFalse: row.append(.boolean(false))
            case tagTrue: row.append(.boolean(true))
            case tagInteger: row.append(.integer(Int64(bitPattern: try readLittleEndian(bytes, at: &offset))))
            case tagReal: row.append(.real(Double(bitPattern: try readLittleEndian(bytes, at: &offset))))
            case tagText, tagBlob:
                let length = try readLength(bytes, at: &offset)
                guard length <= bytes.count - offset else { throw SQLError.corruption("row value overruns the row") }
                let slice = bytes[offset..<offset + length]
                offset += length
                row.append(tag == tagText ? .text(String(decoding: slice, as: UTF8.self)) : .blob(Array(slice)))
            default: throw SQLError.corruption("unknown row value tag \(tag)")
            }
        }
        while row.count < width { row.append(row.count < padding.count ? padding[row.count] : .null) }
        return row
    }

    /// A varint that must be a length within `bytes` (else corruption).
    private static func readLength(_ bytes: [UInt8], at offset: inout Int) throws(SQLError) -> Int {
        let n = try readVarint(bytes, at: &offset)
        guard n <= UInt64(bytes.count) else { throw SQLError.corruption("impossible length \(n) in a row") }
        return Int(n)
    }

    static func appendVarint(_ x: UInt64, to out: inout [UInt8]) {
        var x = x
        while x >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        out.append(UInt8(x))
    }

    static func readVarint(_ bytes: [UInt8], at offset: inout Int) throws(SQLError) -> UInt64 {
        var x: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count && shift < 64 {
            let byte = bytes[offset]
            offset += 1
            x |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return x }
            shift += 7
        }
        throw SQLError.corruption("bad varint")
    }

    static func appendLittleEndian(_ x: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 0, through: 56, by: 8) { out.append(UInt8(truncatingIfNeeded: x >> UInt64(shift))) }
    }

    static func readLittleEndian(_ bytes: [UInt8], at offset: inout Int) throws(SQLError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw SQLError.corruption("row ends inside a number") }
        var x: UInt64 = 0
        for i in (0..<8).reversed() { x = x << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return x
    }
}
