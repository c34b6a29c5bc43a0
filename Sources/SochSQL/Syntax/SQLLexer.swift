/// Splits SQL text into ``SQLToken``s.
///
/// Works on UTF-8 bytes, so token positions are byte offsets. Skips white
/// space, `-- line` and `/* block */` comments. Keywords are not
/// distinguished from identifiers here; the parser decides by context.
/// O(length of the text).
struct SQLLexer {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Every token of the text, ending with one `.end` token.
    static func tokenize(_ text: String) throws(SQLError) -> [SQLToken] {
        var lexer = SQLLexer(text)
        var tokens: [SQLToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func error(_ message: String, at position: Int, expected: String) -> SQLError {
        let (line, column) = SQLLexer.lineColumn(of: position, in: bytes)
        return .syntax(message: "\(message) at \(line):\(column)", position: position, expected: expected)
    }

    /// 1-based line and column (counting characters, i.e. Unicode scalars)
    /// of a UTF-8 offset.
    static func lineColumn(of position: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(position) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    private mutating func skipSpaceAndComments() throws(SQLError) {
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C {
                index += 1
            } else if c == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "-") {
                while index < bytes.count && bytes[index] != 0x0A { index += 1 }
            } else if c == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                let start = index
                index += 2
                while index < bytes.count && !(bytes[index] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) { index += 1 }
                guard index < bytes.count else { throw error("unterminated comment", at: start, expected: "*/") }
                index += 2
            } else {
                return
            }
        }
    }

    private func peek(_ ahead: Int) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || isDigit(c) || c == UInt8(ascii: "$")
    }

    mutating func next() throws(SQLError) -> SQLToken {
        try skipSpaceAndComments()
        let start = index
        guard index < bytes.count else { return SQLToken(kind: .end, text: "", position: start) }
        let c = bytes[index]
        if (c == UInt8(ascii: "x") || c == UInt8(ascii: "X")) && peek(1) == UInt8(ascii: "'") {
            return try blob(start)
        }
        if SQLLexer.isIdentifierStart(c) {
            while index < bytes.count && SQLLexer.isIdentifierPart(bytes[index]) { index += 1 }
            return SQLToken(kind: .word, text: text(start, index), position: start)
        }
        if SQLLexer.isDigit(c) || (c == UInt8(ascii: ".") && peek(1).map(SQLLexer.isDigit) == true) {
            return try number(start)
        }
        switch c {
        case UInt8(ascii: "'"): return try quoted(start, close: UInt8(ascii: "'"), kind: .string)
        case UInt8(ascii: "\""): return try quoted(start, close: UInt8(ascii: "\""), kind: .quotedIdentifier)
        case UInt8(ascii: "`"): return try quoted(start, close: UInt8(ascii: "`"), kind: .quotedIdentifier)
        case UInt8(ascii: "["):
            index += 1
            while index < bytes.count && bytes[index] != UInt8(ascii: "]") { index += 1 }
            guard index < bytes.count else { throw error("unterminated identifier", at: start, expected: "]") }
            index += 1
            return SQLToken(kind: .quotedIdentifier, text: text(start + 1, index - 1), position: start)
        case UInt8(ascii: "?"):
            index += 1
            return SQLToken(kind: .parameter, text: "?", position: start)
        default:
            return try symbol(start)
        }
    }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<to], as: UTF8.self)
    }

    private mutating func quoted(_ start: Int, close: UInt8, kind: SQLToken.Kind) throws(SQLError) -> SQLToken {
        index += 1
        var content: [UInt8] = []
        while true {
            guard index < bytes.count else {
                throw error(kind == .string ? "unterminated string" : "unterminated identifier",
                            at: start, expected: String(UnicodeScalar(close)))
            }
            let b = bytes[index]
            index += 1
            if b == close {
                if index < bytes.count && bytes[index] == close { content.append(close); index += 1; continue }
                return SQLToken(kind: kind, text: String(decoding: content, as: UTF8.self), position: start)
            }
            content.append(b)
        }
    }

    private mutating func blob(_ start: Int) throws(SQLError) -> SQLToken {
        index += 2
        var digits: [UInt8] = []
        while index < bytes.count && bytes[index] != UInt8(ascii: "'") { digits.append(bytes[index]); index += 1 }
        guard index < bytes.count else { throw error("unterminated blob literal", at: start, expected: "'") }
        index += 1
        func nibble(_ d: UInt8) -> UInt8? {
            switch d {
            case 0x30...0x39: return d - 0x30
            case 0x41...0x46: return d - 0x41 + 10
            case 0x61...0x66: return d - 0x61 + 10
            default: return nil
            }
        }
        guard digits.count % 2 == 0 else { throw error("blob literal has an odd number of hex digits", at: start, expected: "hex digit pairs") }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else {
                throw error("blob literal holds a non-hex digit", at: start, expected: "hex digit")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return SQLToken(kind: .blob(out), text: text(start, index), position: start)
    }

    private mutating func number(_ start: Int) throws(SQLError) -> SQLToken {
        var isReal = false
        while index < bytes.count && SQLLexer.isDigit(bytes[index]) { index += 1 }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isReal = true
            index += 1
            while index < bytes.count && SQLLexer.isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            var j = index + 1
            if j < bytes.count && (bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-")) { j += 1 }
            if j < bytes.count && SQLLexer.isDigit(bytes[j]) {
                isReal = true
                index = j
                while index < bytes.count && SQLLexer.isDigit(bytes[index]) { index += 1 }
            }
        }
        if index < bytes.count && SQLLexer.isIdentifierStart(bytes[index]) {
            throw error("malformed number", at: start, expected: "a number")
        }
        let raw = text(start, index)
        if !isReal, let i = Int64(raw) { return SQLToken(kind: .integer(i), text: raw, position: start) }
        return SQLToken(kind: .real(Double(raw) ?? .infinity), text: raw, position: start)
    }

    private static let twoByteSymbols: Set<String> = ["<=", ">=", "<>", "!=", "==", "||", "<<", ">>"]

    private mutating func symbol(_ start: Int) throws(SQLError) -> SQLToken {
        if let next = peek(1) {
            let pair = text(start, start + 1) + String(UnicodeScalar(next))
            if SQLLexer.twoByteSymbols.contains(pair) {
                index += 2
                return SQLToken(kind: .symbol, text: pair, position: start)
            }
        }
        let c = bytes[index]
        guard "(),;.+-*/%<>=&|~".utf8.contains(c) else {
            let found = c < 0x80 ? String(UnicodeScalar(c)) : "non-ASCII byte"
            throw error("unexpected character '\(found)'", at: start, expected: "a token")
        }
        index += 1
        return SQLToken(kind: .symbol, text: String(UnicodeScalar(c)), position: start)
    }
}
