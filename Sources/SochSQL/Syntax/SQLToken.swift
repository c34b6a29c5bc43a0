/// One lexical token of SQL text, with the 0-based UTF-8 offset of its
/// first byte in the statement.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: a keyword or an identifier; `text` is as written.
        case word
        /// A double-quoted (or backquoted / bracketed) identifier, unescaped.
        case quotedIdentifier
        case integer(Int64)
        /// A decimal literal with `.` or exponent, or an integer too large for Int64.
        case real(Double)
        /// A single-quoted string, with `''` unescaped.
        case string
        /// `X'hex'`.
        case blob([UInt8])
        /// `?`
        case parameter
        /// Punctuation or an operator; `text` holds it (`<=`, `||`, `(`…).
        case symbol
        case end
    }

    var kind: Kind
    /// The identifier, string contents or symbol; the raw text otherwise.
    var text: String
    var position: Int

    /// True when this is the bare word `keyword` (case-insensitive).
    func isKeyword(_ keyword: String) -> Bool {
        kind == .word && text.uppercased() == keyword
    }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// How an error message quotes the token.
    var quoted: String {
        switch kind {
        case .end: return "end of input"
        case .string: return "'\(text)'"
        case .quotedIdentifier: return "\"\(text)\""
        default: return "'\(text)'"
        }
    }
}
