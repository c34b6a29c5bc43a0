/// Quoted strings: `"` (char | escape)* `"`, with the escapes `\"` `\\` `\n`
/// `\r` `\t` `\uXXXX` (a UTF-16 surrogate pair for a character above U+FFFF;
/// a lone surrogate is an error). Raw control characters are not allowed
/// between the quotes: the text stays one line.
extension TOONParser {
    /// Reads a quoted string starting at the opening quote.
    mutating func quotedString() throws(TOONError) -> String {
        let open = i
        i += 1
        var out: [UInt8] = []
        var runStart = i
        while true {
            guard !atEnd else {
                throw error(.unterminatedString, at: open, "string opened here has no closing '\"'")
            }
            let byte = bytes[i]
            if byte == TOONSyntax.quote {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte == TOONSyntax.backslash {
                out.append(contentsOf: bytes[runStart..<i])
                try escape(into: &out, open: open)
                runStart = i
                continue
            }
            if TOONSyntax.isControl(utf8: bytes, at: i) {
                throw error(.unexpectedCharacter, at: i,
                            "raw control character \(found(at: i)) inside a quoted string; escape it (\\n, \\uXXXX…)")
            }
            i += 1
        }
    }

    /// Reads one escape at the backslash and appends what it stands for.
    private mutating func escape(into out: inout [UInt8], open: Int) throws(TOONError) {
        let backslash = i
        guard i + 1 < bytes.count else {
            throw error(.unterminatedString, at: open, "string opened here has no closing '\"'")
        }
        let code = bytes[i + 1]
        i += 2
        switch code {
        case TOONSyntax.quote: out.append(TOONSyntax.quote)
        case TOONSyntax.backslash: out.append(TOONSyntax.backslash)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape(at: backslash).utf8)
        default:
            throw error(.invalidEscape, at: backslash,
                        "unknown escape \\\(found(at: backslash + 1)); expected \\\" \\\\ \\n \\r \\t or \\uXXXX")
        }
    }

    /// The scalar of `\uXXXX` (or of a `\uD8xx\uDCxx` pair); `i` is past `\u`.
    private mutating func unicodeEscape(at backslash: Int) throws(TOONError) -> Unicode.Scalar {
        let unit = try hex4(escapeAt: backslash)
        switch unit {
        case 0xD800...0xDBFF:
            guard i + 1 < bytes.count, bytes[i] == TOONSyntax.backslash, bytes[i + 1] == UInt8(ascii: "u") else {
                throw error(.invalidEscape, at: backslash, "high surrogate \\u\(hex(unit)) is not followed by a low one")
            }
            let lowAt = i
            i += 2
            let low = try hex4(escapeAt: lowAt)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error(.invalidEscape, at: backslash, "high surrogate \\u\(hex(unit)) is not followed by a low one")
            }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw error(.invalidEscape, at: backslash, "lone low surrogate \\u\(hex(unit))")
        default:
            return Unicode.Scalar(unit)!
        }
    }

    /// Four hex digits at the read position.
    private mutating func hex4(escapeAt backslash: Int) throws(TOONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard !atEnd, let digit = hexDigit(bytes[i]) else {
                throw error(.invalidEscape, at: backslash, "\\u must be followed by four hex digits")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x41...0x46: return UInt32(byte - 0x41 + 10)
        case 0x61...0x66: return UInt32(byte - 0x61 + 10)
        default: return nil
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
