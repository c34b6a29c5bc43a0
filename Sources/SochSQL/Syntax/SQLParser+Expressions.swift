/// The expression grammar, by precedence from loosest to tightest, as
/// SQLite's: OR; AND; NOT; = == != <> IS IN LIKE BETWEEN; < <= > >=;
/// & | << >>; + -; * / %; ||; unary - + ~.
extension SQLParser {
    /// Parentheses, function arguments and prefix operators may nest this deep.
    static let maxNesting = 200
    /// A whole expression tree may be this deep (SQLite's default limit):
    /// evaluation recurses once per level, and must not exhaust a thread's stack.
    static let maxDepth = 1000

    mutating func expression() throws(SQLError) -> SQLExpression {
        try enterNesting()
        defer { nesting -= 1 }
        let start = current
        let e = try orExpression()
        if nesting == 1, e.depth > Self.maxDepth {
            throw syntaxError("expression is nested more than \(Self.maxDepth) levels deep", at: start)
        }
        return e
    }

    /// Subqueries may nest this deep.
    static let maxSubqueryNesting = 16

    /// A parenthesised SELECT (the `(` already consumed). Its expressions get
    /// their own depth limits.
    private mutating func subquery() throws(SQLError) -> SelectStatement {
        guard subqueryNesting < Self.maxSubqueryNesting else {
            throw syntaxError("subqueries nest more than \(Self.maxSubqueryNesting) levels", at: current)
        }
        let savedNesting = nesting
        subqueryNesting += 1
        nesting = 0
        defer { nesting = savedNesting; subqueryNesting -= 1 }
        sawSubquery = true
        return try select()
    }

    private mutating func enterNesting() throws(SQLError) {
        nesting += 1
        if nesting > Self.maxNesting {
            nesting -= 1
            throw syntaxError("expression nests more than \(Self.maxNesting) levels", at: current)
        }
    }

    private mutating func orExpression() throws(SQLError) -> SQLExpression {
        var left = try andExpression()
        while acceptKeyword("OR") { left = .binary(.or, left, try andExpression()) }
        return left
    }

    private mutating func andExpression() throws(SQLError) -> SQLExpression {
        var left = try notExpression()
        while acceptKeyword("AND") { left = .binary(.and, left, try notExpression()) }
        return left
    }

    private mutating func notExpression() throws(SQLError) -> SQLExpression {
        if acceptKeyword("NOT") {
            try enterNesting()
            defer { nesting -= 1 }
            return .unary(.not, try notExpression())
        }
        return try equality()
    }

    private mutating func equality() throws(SQLError) -> SQLExpression {
        var left = try comparison()
        while true {
            if acceptSymbol("=") || acceptSymbol("==") {
                left = .binary(.equal, left, try comparison())
            } else if acceptSymbol("!=") || acceptSymbol("<>") {
                left = .binary(.notEqual, left, try comparison())
            } else if acceptKeyword("ISNULL") {
                left = .isNull(left, negated: false)
            } else if acceptKeyword("NOTNULL") {
                left = .isNull(left, negated: true)
            } else if acceptKeyword("IS") {
                let negated = acceptKeyword("NOT")
                if acceptKeyword("NULL") { left = .isNull(left, negated: negated) } else {
                    left = .isSame(left, try comparison(), negated: negated)
                }
            } else if current.isKeyword("NOT"), let next = tokens.dropFirst(index + 1).first,
                      next.isKeyword("IN") || next.isKeyword("LIKE") || next.isKeyword("BETWEEN") || next.isKeyword("NULL") {
                advance()
                if acceptKeyword("NULL") { left = .isNull(left, negated: true) } else {
                    left = try postfixPredicate(left, negated: true)
                }
            } else if current.isKeyword("IN") || current.isKeyword("LIKE") || current.isKeyword("BETWEEN") {
                left = try postfixPredicate(left, negated: false)
            } else {
                return left
            }
        }
    }

    /// IN, LIKE or BETWEEN after its left operand (and an optional NOT).
    private mutating func postfixPredicate(_ left: SQLExpression, negated: Bool) throws(SQLError) -> SQLExpression {
        if acceptKeyword("IN") {
            try expectSymbol("(")
            if current.isKeyword("SELECT") {
                let query = try subquery()
                try expectSymbol(")")
                return .inSubquery(left, query, negated: negated)
            }
            var list: [SQLExpression] = []
            if !current.isSymbol(")") {
                repeat { list.append(try expression()) } while acceptSymbol(",")
            }
            try expectSymbol(")")
            return .inList(left, list, negated: negated)
        }
        if acceptKeyword("LIKE") {
            let pattern = try comparison()
            let escape = acceptKeyword("ESCAPE") ? try comparison() : nil
            return .like(left, pattern: pattern, escape: escape, negated: negated)
        }
        try expectKeyword("BETWEEN")
        let low = try comparison()
        try expectKeyword("AND")
        let high = try comparison()
        return .between(left, low, high, negated: negated)
    }

    private mutating func comparison() throws(SQLError) -> SQLExpression {
        var left = try bitwise()
        while true {
            let op: BinaryOperator
            if acceptSymbol("<") { op = .less } else if acceptSymbol("<=") { op = .lessOrEqual }
            else if acceptSymbol(">") { op = .greater } else if acceptSymbol(">=") { op = .greaterOrEqual }
            else { return left }
            left = .binary(op, left, try bitwise())
        }
    }

    private mutating func bitwise() throws(SQLError) -> SQLExpression {
        var left = try additive()
        while true {
            let op: BinaryOperator
            if acceptSymbol("&") { op = .bitAnd } else if acceptSymbol("|") { op = .bitOr }
            else if acceptSymbol("<<") { op = .shiftLeft } else if acceptSymbol(">>") { op = .shiftRight }
            else { return left }
            left = .binary(op, left, try additive())
        }
    }

    private mutating func additive() throws(SQLError) -> SQLExpression {
        var left = try multiplicative()
        while true {
            if acceptSymbol("+") { left = .binary(.add, left, try multiplicative()) }
            else if acceptSymbol("-") { left = .binary(.subtract, left, try multiplicative()) }
            else { return left }
        }
    }

    private mutating func multiplicative() throws(SQLError) -> SQLExpression {
        var left = try concatenation()
        while true {
            let op: BinaryOperator
            if acceptSymbol("*") { op = .multiply } else if acceptSymbol("/") { op = .divide }
            else if acceptSymbol("%") { op = .remainder } else { return left }
            left = .binary(op, left, try concatenation())
        }
    }

    private mutating func concatenation() throws(SQLError) -> SQLExpression {
        var left = try unary()
        while acceptSymbol("||") { left = .binary(.concat, left, try unary()) }
        return left
    }

    private mutating func unary() throws(SQLError) -> SQLExpression {
        guard current.isSymbol("-") || current.isSymbol("+") || current.isSymbol("~") else { return try primary() }
        try enterNesting()
        defer { nesting -= 1 }
        if acceptSymbol("-") {
            let operand = try unary()
            // Fold so that -9223372036854775808 is the integer Int64.min.
            if case .literal(.integer(let i)) = operand, i != .min { return .literal(.integer(-i)) }
            if case .literal(.real(let d)) = operand {
                return d == 9223372036854775808.0 && tokens[index - 1].text == "9223372036854775808"
                    ? .literal(.integer(.min)) : .literal(.real(-d))
            }
            return .unary(.negate, operand)
        }
        if acceptSymbol("+") { return .unary(.plus, try unary()) }
        if acceptSymbol("~") { return .unary(.bitNot, try unary()) }
        return try primary()
    }

    private mutating func primary() throws(SQLError) -> SQLExpression {
        let token = current
        switch token.kind {
        case .integer(let i): advance(); return .literal(.integer(i))
        case .real(let d): advance(); return .literal(.real(d))
        case .string: advance(); return .literal(.text(token.text))
        case .blob(let b): advance(); return .literal(.blob(b))
        case .parameter:
            advance()
            parameterCount += 1
            return .parameter(parameterCount - 1)
        case .symbol where token.text == "(":
            advance()
            if current.isKeyword("SELECT") {
                let query = try subquery()
                try expectSymbol(")")
                return .subquery(query)
            }
            let inner = try expression()
            try expectSymbol(")")
            return inner
        case .word:
            return try wordExpression(token)
        case .quotedIdentifier:
            return try columnReference()
        default:
            throw unexpected(expected: "an expression")
        }
    }

    private mutating func wordExpression(_ token: SQLToken) throws(SQLError) -> SQLExpression {
        switch token.text.uppercased() {
        case "NULL": advance(); return .literal(.null)
        case "TRUE": advance(); return .literal(.boolean(true))
        case "FALSE": advance(); return .literal(.boolean(false))
        case "CASE": return try caseExpression()
        case "CAST":
            advance()
            try expectSymbol("(")
            let inner = try expression()
            try expectKeyword("AS")
            let type = try columnType()
            try expectSymbol(")")
            return .cast(inner, type)
        case "EXISTS":
            advance()
            try expectSymbol("(")
            let query = try subquery()
            try expectSymbol(")")
            return .exists(query)
        default:
            if tokens[index + 1].isSymbol("("), !SQLParser.reserved.contains(token.text.uppercased()) {
                return try functionCall()
            }
            return try columnReference()
        }
    }

    private mutating func columnReference() throws(SQLError) -> SQLExpression {
        let first = try identifier("an expression")
        if acceptSymbol(".") { return .column(table: first, name: try identifier("column name")) }
        return .column(table: nil, name: first)
    }

    private mutating func functionCall() throws(SQLError) -> SQLExpression {
        let name = current.text.uppercased()
        advance()
        try expectSymbol("(")
        if acceptSymbol("*") {
            try expectSymbol(")")
            return .function(name: name, arguments: [], distinct: false, star: true)
        }
        let distinct = acceptKeyword("DISTINCT")
        var arguments: [SQLExpression] = []
        if !current.isSymbol(")") {
            repeat { arguments.append(try expression()) } while acceptSymbol(",")
        }
        try expectSymbol(")")
        return .function(name: name, arguments: arguments, distinct: distinct, star: false)
    }

    private mutating func caseExpression() throws(SQLError) -> SQLExpression {
        try expectKeyword("CASE")
        let base = current.isKeyword("WHEN") ? nil : try expression()
        var branches: [CaseBranch] = []
        while acceptKeyword("WHEN") {
            let condition = try expression()
            try expectKeyword("THEN")
            branches.append(CaseBranch(condition: condition, result: try expression()))
        }
        guard !branches.isEmpty else { throw unexpected(expected: "WHEN") }
        let otherwise = acceptKeyword("ELSE") ? try expression() : nil
        try expectKeyword("END")
        return .caseWhen(base: base, branches: branches, otherwise: otherwise)
    }
}
