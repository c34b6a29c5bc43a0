/// The punctuation, keywords and character classes of the TOON text format.
///
/// FORMAT: everything here is part of the format documented in
/// docs/formats/toon.md (and mirrored by the Python port in
/// Benchmarks/toon_tokens.py). Encoder and decoder both read these, so the
/// two cannot disagree about which characters are special.
///
///     table  := name "[" count "]" "{" fields? "}" ":" body
///     body   := record (";" record)*      (exactly count records)
///     record := value ("," value)*        (exactly one value per field)
enum TOONSyntax {
    static let openCount = UInt8(ascii: "[")
    static let closeCount = UInt8(ascii: "]")
    static let openFields = UInt8(ascii: "{")
    static let closeFields = UInt8(ascii: "}")
    /// Ends the header; also separates key and value inside an object.
    static let colon = UInt8(ascii: ":")
    /// Separates values in a record, fields in the header, items in nested forms.
    static let comma = UInt8(ascii: ",")
    /// Separates records.
    static let semicolon = UInt8(ascii: ";")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let openList = UInt8(ascii: "[")
    static let closeList = UInt8(ascii: "]")
    static let openObject = UInt8(ascii: "{")
    static let closeObject = UInt8(ascii: "}")

    static let null = "null"
    static let `true` = "true"
    static let `false` = "false"

    /// Deepest list/object nesting that either direction accepts; a value
    /// nested deeper throws `nestingTooDeep` (bounds the recursion).
    static let maxNestingDepth = 128

    /// True for a byte that ends an unquoted value: `,` and `;` everywhere;
    /// inside a list or object also `]`, `}` and `:`.
    @inline(__always)
    static func endsBareValue(_ byte: UInt8, nested: Bool) -> Bool {
        switch byte {
        case comma, semicolon: return true
        case closeList, closeObject, colon: return nested
        default: return false
        }
    }

    /// Characters that never appear raw in TOON text, unquoted or quoted:
    /// the C0 and C1 controls and DEL (Unicode category Cc), and the line and
    /// paragraph separators U+2028/U+2029, which some readers treat as line
    /// breaks. They are written as `\uXXXX` (or `\n`, `\r`, `\t`).
    @inline(__always)
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029
    }

    /// ``isControl(_:)`` for the UTF-8 sequence that starts at `index` of
    /// valid UTF-8 `bytes`: a byte below 0x20 or 0x7F, `C2 80`…`C2 9F`
    /// (U+0080–U+009F), or `E2 80 A8`/`E2 80 A9` (U+2028/U+2029).
    @inline(__always)
    static func isControl<C: RandomAccessCollection<UInt8>>(utf8 bytes: C, at index: Int) -> Bool
    where C.Index == Int {
        let byte = bytes[index]
        switch byte {
        case 0x00..<0x20, 0x7F:
            return true
        case 0xC2:
            return index + 1 < bytes.endIndex && bytes[index + 1] <= 0x9F
        case 0xE2:
            return index + 2 < bytes.endIndex && bytes[index + 1] == 0x80
                && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
        default:
            return false
        }
    }

    /// The Unicode White_Space set, spelt out so that the Swift and Python
    /// encoders agree exactly: a string that starts or ends with one is quoted.
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A,
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// First character of a table or field name: `[A-Za-z_]`.
    @inline(__always)
    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }

    /// Later characters of a name: `[A-Za-z0-9_.-]`.
    @inline(__always)
    static func isNameContinue(_ byte: UInt8) -> Bool {
        isNameStart(byte) || isDigit(byte) || byte == 0x2E || byte == 0x2D
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// True when `name` is a valid table or field name.
    static func isValidName(_ name: String) -> Bool {
        var bytes = name.utf8.makeIterator()
        guard let first = bytes.next(), isNameStart(first) else { return false }
        while let byte = bytes.next() {
            if !isNameContinue(byte) { return false }
        }
        return true
    }
}
