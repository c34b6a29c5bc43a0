/// A hand-written RFC 8259 JSON parser for the hot paths that read many
/// small documents: SQL parameters and rows, and metadata, from the C ABI
/// (every Python `execute_sql` with parameters goes through it). Foundation's
/// `JSONDecoder` into ``MetadataValue`` costs about 10 µs for a
/// four-parameter array, most of it in the failed `try?` decodes of
/// ``MetadataValue/init(from:)``; this costs well under one.
///
/// It reads what `JSONDecoder` reads (tested against it, and fuzzed), with
/// four deliberate differences:
/// - A trailing comma (`[1,]`), which Foundation lets through, is refused.
/// - A number with a fraction or an exponent is a double (`2500.0`, `1e3`)
///   and one without is an integer, so a real stays a real. An integer
///   beyond Int64 is a double, as `JSONDecoder` gives it.
/// - Nesting deeper than ``maxDepth`` is refused rather than recursed into.
/// - A duplicate object key keeps its last value (Foundation keeps the
///   first; Python's `json` the last).
///
/// Errors name the byte offset.
public enum JSONReader {
    /// Arrays and objects nest at most this deep.
    public static let maxDepth = 256

    /// The value `text` holds (one value, with whitespace around it).
    public static func parse(_ text: String) throws(SochDBError) -> MetadataValue {
        var copy = text
        let result: Result<MetadataValue, SochDBError> = copy.withUTF8 { bytes in Result { () throws(SochDBError) in try parse(bytes) } }
        return try result.get()
    }

    /// The value the UTF-8 bytes hold. Invalid UTF-8 inside a string is refused.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(SochDBError) -> MetadataValue {
        var parser = Parser(bytes: bytes)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.at = 3 }   // a UTF-8 BOM, as Foundation allows
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }
}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ why: String) -> SochDBError { .invalidArgument("invalid JSON at byte \(at): \(why)") }

    var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    mutating func value(depth: Int) throws(SochDBError) -> MetadataValue {
        guard let c = peek else { throw error("expected a value, found the end") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Unicode.Scalar(c))'")
        }
    }

    mutating func literal(_ word: StaticString) throws(SochDBError) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count else { throw error("expected \(word)") }
        for i in 0..<n where bytes[at + i] != word.utf8Start[i] { throw error("expected \(word)") }
        at += n
    }

    mutating func array(depth: Int) throws(SochDBError) -> MetadataValue {
        guard depth <= JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth)") }
        at += 1
        var items: [MetadataValue] = []
        skipSpace()
        if peek == UInt8(ascii: "]") { at += 1; return .list(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "]"): at += 1; return .list(items)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    mutating func object(depth: Int) throws(SochDBError) -> MetadataValue {
        guard depth <= JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth)") }
        at += 1
        var fields: [String: MetadataValue] = [:]
        skipSpace()
        if peek == UInt8(ascii: "}") { at += 1; return .object(fields) }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
            let key = try string()
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
            at += 1
            skipSpace()
            fields[key] = try value(depth: depth)
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "}"): at += 1; return .object(fields)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    /// A string starting at its opening quote.
    mutating func string() throws(SochDBError) -> String {
        at += 1
        let start = at
        // The common case: no escapes, copied in one piece.
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\"), bytes[at] >= 0x20 { at += 1 }
        if at < bytes.count, bytes[at] == UInt8(ascii: "\"") {
            let s = try utf8(start, at)
            at += 1
            return s
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<at]))
        while true {
            guard let c = peek else { throw error("unterminated string") }
            switch c {
            case UInt8(ascii: "\""):
                at += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                at += 1
                guard let e = peek else { throw error("unterminated escape") }
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                default: throw error("unknown escape '\\\(Unicode.Scalar(e))'")
                }
            case 0..<0x20: throw error("control character in a string")
            default:
                out.append(c)
                at += 1
            }
        }
    }

    func utf8(_ from: Int, _ to: Int) throws(SochDBError) -> String {
        guard let s = String(validating: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self) else {
            throw error("a string is not valid UTF-8")
        }
        return s
    }

    /// The UTF-8 of a `\uXXXX` escape (after `\u`), joining a surrogate pair.
    mutating func unicodeEscape() throws(SochDBError) -> [UInt8] {
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                throw error("a high surrogate without its low half")
            }
            at += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("a high surrogate without its low half") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(code) {
            throw error("a lone low surrogate")
        }
        return Array(String(Character(Unicode.Scalar(code)!)).utf8)
    }

    mutating func hex4() throws(SochDBError) -> UInt32 {
        guard at + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = ByteEscaping.hexValue(bytes[at]) else { throw error("a \\u escape needs four hex digits") }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func number() throws(SochDBError) -> MetadataValue {
        let start = at
        if peek == UInt8(ascii: "-") { at += 1 }
        guard let first = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw error("expected a digit") }
        if first == UInt8(ascii: "0") { at += 1 } else { skipDigits() }
        var integral = true
        if peek == UInt8(ascii: ".") {
            integral = false
            at += 1
            guard digitsFollow() else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integral = false
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            guard digitsFollow() else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw error("number \(text) is out of range") }
        return .double(d)
    }

    func digitsFollow() -> Bool { peek.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }

    mutating func skipDigits() {
        while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
    }
}
