/// The command line's text form of byte strings (keys and values of the
/// `sochdb` tool): UTF-8 text as it is, with backslash escapes for the rest.
///
///     \\     a backslash          \t  tab (0x09)
///     \n     newline (0x0A)       \r  carriage return (0x0D)
///     \xHH   any byte, two hex digits (either case)
///
/// ``escape(_:)`` writes every byte that is not part of printable UTF-8 text
/// (control characters, DEL, invalid UTF-8) as `\xHH`, so a key printed by
/// `scan` can be pasted back into `get`, and `key<TAB>value` lines stay one
/// line each. ``unescape(_:)`` is its inverse and rejects a malformed escape.
public enum ByteEscaping {
    public struct MalformedEscape: Error, CustomStringConvertible, Equatable {
        public let text: String
        public let position: Int
        public var description: String { "malformed escape at character \(position) of \"\(text)\" (use \\\\, \\t, \\n, \\r or \\xHH)" }
    }

    public static func unescape(_ text: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { throw MalformedEscape(text: text, position: i) }
            switch bytes[i + 1] {
            case UInt8(ascii: "\\"): out.append(0x5C); i += 2
            case UInt8(ascii: "t"): out.append(0x09); i += 2
            case UInt8(ascii: "n"): out.append(0x0A); i += 2
            case UInt8(ascii: "r"): out.append(0x0D); i += 2
            case UInt8(ascii: "x"):
                guard i + 3 < bytes.count, let hi = hexValue(bytes[i + 2]), let lo = hexValue(bytes[i + 3]) else {
                    throw MalformedEscape(text: text, position: i)
                }
                out.append(hi << 4 | lo); i += 4
            default: throw MalformedEscape(text: text, position: i)
            }
        }
        return out
    }

    public static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x5C: out += "\\\\"; i += 1
            case 0x09: out += "\\t"; i += 1
            case 0x0A: out += "\\n"; i += 1
            case 0x0D: out += "\\r"; i += 1
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b)); i += 1
            default:
                if let (scalar, length) = decodeScalar(bytes, at: i), scalar.value >= 0xA0 {
                    out.unicodeScalars.append(scalar); i += length
                } else {
                    out += "\\x" + hex(b); i += 1
                }
            }
        }
        return out
    }

    /// The value of one hex digit (either case), or nil.
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    /// One well-formed UTF-8 sequence (shortest form, no surrogates) at `i`.
    private static func decodeScalar(_ bytes: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let b0 = bytes[i]
        let (length, initial): (Int, UInt32) = b0 >= 0xF0 && b0 <= 0xF4 ? (4, UInt32(b0 & 0x07))
            : b0 >= 0xE0 && b0 <= 0xEF ? (3, UInt32(b0 & 0x0F))
            : b0 >= 0xC2 && b0 <= 0xDF ? (2, UInt32(b0 & 0x1F)) : (0, 0)
        guard length > 0, i + length <= bytes.count else { return nil }
        var value = initial
        for k in 1..<length {
            let c = bytes[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
