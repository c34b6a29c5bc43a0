import Foundation

/// The SELECT grammar.
extension SQLParser {
    mutating func select() throws(SQLError) -> SelectStatement {
        try expectKeyword("SELECT")
        let distinct = acceptKeyword("DISTINCT")
        if !distinct { _ = acceptKeyword("ALL") }
        var items = [try selectItem()]
        while acceptSymbol(",") { items.append(try selectItem()) }
        // Two words in a row after the select list: most likely a misspelt FROM.
        if atIdentifier { throw unexpected(expected: "FROM") }
        var from: TableReference?
        if acceptKeyword("FROM") {
            let name = try identifier("table name")
            var alias: String?
            if acceptKeyword("AS") { alias = try identifier("alias") } else if atIdentifier && !followedByIdentifier {
                alias = try identifier()
            }
            if atIdentifier { throw unexpected(expected: "WHERE, GROUP BY, ORDER BY, LIMIT or end of statement") }
            from = TableReference(name: name, alias: alias)
            if current.isSymbol(",") || current.isKeyword("JOIN") || current.isKeyword("LEFT")
                || current.isKeyword("INNER") || current.isKeyword("CROSS") || current.isKeyword("NATURAL") {
                throw SQLError.unsupported("joins (only a single table in FROM)")
            }
        }
        let condition = acceptKeyword("WHERE") ? try expression() : nil
        var groupBy: [SQLExpression] = []
        if acceptKeyword("GROUP") {
            try expectKeyword("BY")
            repeat { groupBy.append(try expression()) } while acceptSymbol(",")
        }
        let having = acceptKeyword("HAVING") ? try expression() : nil
        if current.isKeyword("UNION") || current.isKeyword("INTERSECT") || current.isKeyword("EXCEPT") {
            throw SQLError.unsupported("compound SELECT (\(current.text.uppercased()))")
        }
        var orderBy: [OrderTerm] = []
        if acceptKeyword("ORDER") {
            try expectKeyword("BY")
            repeat { orderBy.append(try orderTerm()) } while acceptSymbol(",")
        }
        var limit: SQLExpression?, offset: SQLExpression?
        if acceptKeyword("LIMIT") {
            limit = try expression()
            if acceptKeyword("OFFSET") {
                offset = try expression()
            } else if acceptSymbol(",") {         // LIMIT offset, count
                offset = limit
                limit = try expression()
            }
        }
        return SelectStatement(distinct: distinct, items: items, from: from, whereClause: condition, groupBy: groupBy,
                               having: having, orderBy: orderBy, limit: limit, offset: offset)
    }

    private mutating func selectItem() throws(SQLError) -> SelectItem {
        if acceptSymbol("*") { return .star }
        if atIdentifier, tokens[index + 1].isSymbol("."), tokens[index + 2].isSymbol("*") {
            let table = try identifier()
            advance(); advance()
            return .tableStar(table)
        }
        let start = current.position
        let expr = try expression()
        let text = String(decoding: bytes[start..<current.position], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var alias: String?
        if acceptKeyword("AS") {
            alias = try aliasName()
        } else if (atIdentifier || current.kind == .string) && !followedByIdentifier {
            alias = try aliasName()
        }
        return .expression(expr, alias: alias, text: text)
    }

    /// True when the token after the current one is a bare or quoted
    /// identifier: then the current word is not taken as an implicit alias
    /// (`SELECT id FORM t` reports the misspelt FROM, not a stray `t`).
    private var followedByIdentifier: Bool {
        let next = tokens[index + 1]
        switch next.kind {
        case .word: return !SQLParser.reserved.contains(next.text.uppercased())
        case .quotedIdentifier: return true
        default: return false
        }
    }

    /// An output alias keeps its spelling (it names a result column).
    private mutating func aliasName() throws(SQLError) -> String {
        let token = current
        switch token.kind {
        case .word where !SQLParser.reserved.contains(token.text.uppercased()), .quotedIdentifier, .string:
            advance()
            return token.text
        default:
            throw unexpected(expected: "an alias")
        }
    }

    private mutating func orderTerm() throws(SQLError) -> OrderTerm {
        let expr = try expression()
        var descending = false
        if acceptKeyword("DESC") { descending = true } else { _ = acceptKeyword("ASC") }
        var nullsFirst: Bool?
        if acceptKeyword("NULLS") {
            if acceptKeyword("FIRST") { nullsFirst = true } else if acceptKeyword("LAST") { nullsFirst = false } else {
                throw unexpected(expected: "FIRST or LAST")
            }
        }
        return OrderTerm(expression: expr, descending: descending, nullsFirst: nullsFirst)
    }
}
