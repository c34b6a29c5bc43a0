/// When a string is written bare and how it is quoted.
///
/// A string is written in double quotes when any of these holds (the table
/// in docs/formats/toon.md gives the reason for each, under the same numbers;
/// ``needsQuotesReference(_:nested:)`` is the same list written plainly, and
/// tests hold the two equal):
///
///  1. it is empty (so `""` and `null` differ);
///  2. it contains `,` or `;`;
///  3. it contains `"` or `\`;
///  4. it contains a control character (``TOONSyntax/isControl(_:)``);
///  5. its first or last character is white space (``TOONSyntax/isSpace(_:)``);
///  6. it starts with `[` or `{`;
///  7. it looks like a number (``TOONNumber/looksTyped(_:)``);
///  8. it is `true`, `false` or `null`, ignoring ASCII case (the same);
///  9. inside a list or object only: it contains `]`, `}` or `:`.
///
/// Inside quotes, `"` `\` LF CR TAB are written `\"` `\\` `\n` `\r` `\t`;
/// every other control character is `\uXXXX` (four uppercase hex digits);
/// everything else, including all non-ASCII text, is written as is.
enum TOONQuoting {
    /// True when `string` must be quoted in a top-level (`nested: false`) or
    /// list/object (`nested: true`) value position (object keys count as
    /// nested). O(n) in UTF-8 bytes; allocates nothing.
    static func needsQuotes(_ string: String, nested: Bool) -> Bool {
        let scalars = string.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return true }
        if TOONSyntax.isSpace(first) || TOONSyntax.isSpace(last) { return true }
        var string = string
        return string.withUTF8 { scan($0, nested: nested) }
    }

    /// Rules 2–4 and 6–9 over the UTF-8 bytes.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, nested: Bool) -> Bool {
        let first = bytes[0]
        if first == TOONSyntax.openList || first == TOONSyntax.openObject { return true }
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case TOONSyntax.quote, TOONSyntax.backslash:
                return true
            case TOONSyntax.comma, TOONSyntax.semicolon, TOONSyntax.closeList,
                 TOONSyntax.closeObject, TOONSyntax.colon:
                if TOONSyntax.endsBareValue(byte, nested: nested) { return true }
            default:
                if TOONSyntax.isControl(utf8: bytes, at: i) { return true }
            }
            i += 1
        }
        return TOONNumber.looksTyped(bytes)
    }

    /// Appends `string` in double quotes with the escapes above.
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        out.append(TOONSyntax.quote)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: [TOONSyntax.backslash, TOONSyntax.quote])
            case "\\": out.append(contentsOf: [TOONSyntax.backslash, TOONSyntax.backslash])
            case "\n": out.append(contentsOf: [TOONSyntax.backslash, UInt8(ascii: "n")])
            case "\r": out.append(contentsOf: [TOONSyntax.backslash, UInt8(ascii: "r")])
            case "\t": out.append(contentsOf: [TOONSyntax.backslash, UInt8(ascii: "t")])
            default:
                if TOONSyntax.isControl(scalar) {
                    appendUnicodeEscape(scalar.value, to: &out)
                } else {
                    out.append(contentsOf: scalar.utf8)
                }
            }
        }
        out.append(TOONSyntax.quote)
    }

    private static func appendUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        out.append(contentsOf: [TOONSyntax.backslash, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}
