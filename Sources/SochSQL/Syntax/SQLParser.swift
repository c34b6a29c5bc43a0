/// Recursive-descent parser for one SQL statement (grammar in docs/sql.md).
///
/// Keywords are recognised case-insensitively by context, so most keywords
/// may also be used as column names where unambiguous; the words in
/// ``reserved`` may not be used as bare identifiers. Errors are
/// ``SQLError/syntax(message:position:expected:)`` naming what was expected,
/// what was found and where (`line:column`, 1-based).
struct SQLParser {
    var tokens: [SQLToken]
    var index = 0
    /// `?` parameters seen so far; the next one gets this index.
    var parameterCount = 0
    /// How deeply expression parsing is nested (see `maxNesting`).
    var nesting = 0
    /// The height of the expression the last expression rule returned (a
    /// leaf is 1): every rule computes its node's height from its
    /// children's as it builds it, so a tree is refused at the operator
    /// that makes it too deep, before anything deeper exists.
    var lastHeight = 0
    /// The height of the tallest expression built since the current
    /// subquery began, and of the last subquery parsed: a subquery counts
    /// as one level above its tallest expression, so expressions and the
    /// subqueries in them share one depth limit.
    var deepest = 0
    var lastSubqueryHeight = 0
    /// Expression nodes built for this statement (see `maxTerms`).
    var terms = 0
    /// How deeply subqueries are nested, and whether there is any.
    var subqueryNesting = 0
    var sawSubquery = false
    let bytes: [UInt8]

    init(_ text: String) throws(SQLError) {
        tokens = try SQLLexer.tokenize(text)
        bytes = Array(text.utf8)
    }

    /// Parses `text` as exactly one statement, optionally followed by `;`.
    static func parse(_ text: String) throws(SQLError) -> ParsedStatement {
        var parser = try SQLParser(text)
        let statement = try parser.statement()
        _ = parser.acceptSymbol(";")
        guard parser.current.kind == .end else {
            throw parser.unexpected(expected: "end of statement")
        }
        return ParsedStatement(statement: statement, parameterCount: parser.parameterCount, hasSubqueries: parser.sawSubquery)
    }

    /// Words that never act as bare identifiers, because they start or
    /// separate clauses.
    static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "INSERT", "UPDATE",
        "DELETE", "CREATE", "DROP", "VALUES", "SET", "AND", "OR", "NOT", "NULL", "AS", "ON", "BY", "IN",
        "IS", "LIKE", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "ALL", "UNION",
        "JOIN", "INTO", "TABLE", "INDEX", "PRIMARY", "UNIQUE", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK",
        "TRUE", "FALSE", "CAST", "ESCAPE", "ASC", "DESC", "EXISTS", "LEFT", "INNER", "CROSS", "NATURAL", "USING",
        "INTERSECT", "EXCEPT", "COLLATE",
    ]

    var current: SQLToken { tokens[index] }

    mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    /// A syntax error at the current token.
    func unexpected(expected: String) -> SQLError {
        let token = current
        let (line, column) = SQLLexer.lineColumn(of: token.position, in: bytes)
        return .syntax(message: "expected \(expected), found \(token.quoted) at \(line):\(column)",
                       position: token.position, expected: expected)
    }

    /// A syntax error at `token` that is not about an expected token.
    func syntaxError(_ message: String, at token: SQLToken) -> SQLError {
        let (line, column) = SQLLexer.lineColumn(of: token.position, in: bytes)
        return .syntax(message: "\(message) at \(line):\(column)", position: token.position, expected: "a simpler expression")
    }

    mutating func acceptKeyword(_ keyword: String) -> Bool {
        if current.isKeyword(keyword) { advance(); return true }
        return false
    }

    mutating func expectKeyword(_ keyword: String) throws(SQLError) {
        guard acceptKeyword(keyword) else { throw unexpected(expected: keyword) }
    }

    mutating func acceptSymbol(_ symbol: String) -> Bool {
        if current.isSymbol(symbol) { advance(); return true }
        return false
    }

    mutating func expectSymbol(_ symbol: String) throws(SQLError) {
        guard acceptSymbol(symbol) else { throw unexpected(expected: "'\(symbol)'") }
    }

    /// An identifier (bare non-reserved word or quoted), lowercased: SQL
    /// names are case-insensitive and stored in lower case.
    mutating func identifier(_ what: String = "identifier") throws(SQLError) -> String {
        let token = current
        switch token.kind {
        case .word where !SQLParser.reserved.contains(token.text.uppercased()):
            advance()
            return token.text.lowercased()
        case .quotedIdentifier:
            advance()
            return token.text.lowercased()
        default:
            throw unexpected(expected: what)
        }
    }

    /// True when the current token could start an identifier.
    var atIdentifier: Bool {
        switch current.kind {
        case .word: return !SQLParser.reserved.contains(current.text.uppercased())
        case .quotedIdentifier: return true
        default: return false
        }
    }

    /// An identifier as written (for names that are displayed: declared
    /// column names keep their case, and are still matched case-insensitively).
    mutating func identifierAsWritten(_ what: String) throws(SQLError) -> String {
        let token = current
        _ = try identifier(what)
        return token.text
    }

    /// A comma-separated, parenthesised list of identifiers.
    mutating func identifierList(_ what: String) throws(SQLError) -> [String] {
        try expectSymbol("(")
        var names = [try identifier(what)]
        while acceptSymbol(",") { names.append(try identifier(what)) }
        try expectSymbol(")")
        return names
    }
}
