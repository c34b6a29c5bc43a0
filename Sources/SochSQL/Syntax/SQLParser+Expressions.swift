/// The expression grammar, by precedence from loosest to tightest, as
/// SQLite's: OR; AND; NOT; = == != <> IS IN LIKE BETWEEN; < <= > >=;
/// & | << >>; + -; * / %; ||; unary - + ~.
extension SQLParser {
    /// Parentheses, function arguments and prefix operators may nest this deep.
    static let maxNesting = 200
    /// A whole expression tree may be this deep (SQLite's default limit):
    /// evaluation, binding and releasing a tree recurse once per level, and
    /// must not exhaust a thread's stack.
    static let maxDepth = 1000
    /// A statement may hold this many expression nodes in all (literals,
    /// operators, list items...), which bounds its parse tree's memory.
    static let maxTerms = 250_000

    mutating func expression() throws(SQLError) -> SQLExpression {
        try enterNesting()
        defer { nesting -= 1 }
        let start = current
        let e = try orExpression()
        // A backstop: the rules refuse a too-deep tree as they build it.
        if nesting == 1, e.depth > Self.maxDepth {
            throw syntaxError("expression is nested more than \(Self.maxDepth) levels deep", at: start)
        }
        return e
    }

    /// Records `e`, whose children are `heights` high, as the last built
    /// node; refuses it (at the current token) if it makes the tree deeper
    /// than `maxDepth` or the statement larger than `maxTerms`.
    private mutating func node(_ e: SQLExpression, over a: Int, _ b: Int = 0, _ c: Int = 0) throws(SQLError) -> SQLExpression {
        try node(e, overMax: max(a, b, c))
    }

    private mutating func node(_ e: SQLExpression, overMax height: Int) throws(SQLError) -> SQLExpression {
        terms += 1
        if terms > Self.maxTerms {
            throw syntaxError("statement has more than \(Self.maxTerms) expression terms", at: current)
        }
        if height + 1 > Self.maxDepth {
            throw syntaxError("expression is nested more than \(Self.maxDepth) levels deep", at: current)
        }
        lastHeight = height + 1
        deepest = max(deepest, lastHeight)
        return e
    }

    /// Parses with `rule` and returns its expression and height.
    private mutating func measured(_ rule: (inout SQLParser) throws(SQLError) -> SQLExpression) throws(SQLError) -> (SQLExpression, Int) {
        let e = try rule(&self)
        return (e, lastHeight)
    }

    /// Subqueries may nest this deep.
    static let maxSubqueryNesting = 16

    /// A parenthesised SELECT (the `(` already consumed). Its expressions get
    /// their own depth limits.
    private mutating func subquery() throws(SQLError) -> SelectStatement {
        guard subqueryNesting < Self.maxSubqueryNesting else {
            throw syntaxError("subqueries nest more than \(Self.maxSubqueryNesting) levels", at: current)
        }
        let savedNesting = nesting, savedDeepest = deepest
        subqueryNesting += 1
        nesting = 0
        deepest = 0
        defer { nesting = savedNesting; deepest = savedDeepest; subqueryNesting -= 1 }
        sawSubquery = true
        let query = try select()
        lastSubqueryHeight = deepest
        return query
    }

    private mutating func enterNesting() throws(SQLError) {
        nesting += 1
        if nesting > Self.maxNesting {
            nesting -= 1
            throw syntaxError("expression nests more than \(Self.maxNesting) levels", at: current)
        }
    }

    private mutating func orExpression() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.andExpression() }
        while acceptKeyword("OR") {
            let (right, rh) = try measured { p throws(SQLError) in try p.andExpression() }
            left = try node(.binary(.or, left, right), over: h, rh); h = lastHeight
        }
        lastHeight = h
        return left
    }

    private mutating func andExpression() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.notExpression() }
        while acceptKeyword("AND") {
            let (right, rh) = try measured { p throws(SQLError) in try p.notExpression() }
            left = try node(.binary(.and, left, right), over: h, rh); h = lastHeight
        }
        lastHeight = h
        return left
    }

    private mutating func notExpression() throws(SQLError) -> SQLExpression {
        if acceptKeyword("NOT") {
            try enterNesting()
            defer { nesting -= 1 }
            let operand = try notExpression()
            return try node(.unary(.not, operand), over: lastHeight)
        }
        return try equality()
    }

    private mutating func equality() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.comparison() }
        while true {
            if acceptSymbol("=") || acceptSymbol("==") {
                let (right, rh) = try measured { p throws(SQLError) in try p.comparison() }
                left = try node(.binary(.equal, left, right), over: h, rh)
            } else if acceptSymbol("!=") || acceptSymbol("<>") {
                let (right, rh) = try measured { p throws(SQLError) in try p.comparison() }
                left = try node(.binary(.notEqual, left, right), over: h, rh)
            } else if acceptKeyword("ISNULL") {
                left = try node(.isNull(left, negated: false), over: h)
            } else if acceptKeyword("NOTNULL") {
                left = try node(.isNull(left, negated: true), over: h)
            } else if acceptKeyword("IS") {
                let negated = acceptKeyword("NOT")
                if acceptKeyword("NULL") { left = try node(.isNull(left, negated: negated), over: h) } else {
                    let (right, rh) = try measured { p throws(SQLError) in try p.comparison() }
                    left = try node(.isSame(left, right, negated: negated), over: h, rh)
                }
            } else if current.isKeyword("NOT"), let next = tokens.dropFirst(index + 1).first,
                      next.isKeyword("IN") || next.isKeyword("LIKE") || next.isKeyword("BETWEEN") || next.isKeyword("NULL") {
                advance()
                if acceptKeyword("NULL") { left = try node(.isNull(left, negated: true), over: h) } else {
                    left = try postfixPredicate(left, height: h, negated: true)
                }
            } else if current.isKeyword("IN") || current.isKeyword("LIKE") || current.isKeyword("BETWEEN") {
                left = try postfixPredicate(left, height: h, negated: false)
            } else {
                lastHeight = h
                return left
            }
            h = lastHeight
        }
    }

    /// IN, LIKE or BETWEEN after its left operand (`height` high) and an
    /// optional NOT.
    private mutating func postfixPredicate(_ left: SQLExpression, height: Int, negated: Bool) throws(SQLError) -> SQLExpression {
        if acceptKeyword("IN") {
            try expectSymbol("(")
            if current.isKeyword("SELECT") {
                let query = try subquery()
                try expectSymbol(")")
                return try node(.inSubquery(left, query, negated: negated), over: height, lastSubqueryHeight)
            }
            var list: [SQLExpression] = []
            var highest = height
            if !current.isSymbol(")") {
                repeat {
                    list.append(try expression())
                    highest = max(highest, lastHeight)
                } while acceptSymbol(",")
            }
            try expectSymbol(")")
            return try node(.inList(left, list, negated: negated), overMax: highest)
        }
        if acceptKeyword("LIKE") {
            let (pattern, ph) = try measured { p throws(SQLError) in try p.comparison() }
            var eh = 0
            var escape: SQLExpression?
            if acceptKeyword("ESCAPE") { (escape, eh) = try measured { p throws(SQLError) in try p.comparison() } }
            return try node(.like(left, pattern: pattern, escape: escape, negated: negated), over: height, ph, eh)
        }
        try expectKeyword("BETWEEN")
        let (low, lh) = try measured { p throws(SQLError) in try p.comparison() }
        try expectKeyword("AND")
        let (high, hh) = try measured { p throws(SQLError) in try p.comparison() }
        return try node(.between(left, low, high, negated: negated), over: height, lh, hh)
    }

    private mutating func comparison() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.bitwise() }
        while true {
            let op: BinaryOperator
            if acceptSymbol("<") { op = .less } else if acceptSymbol("<=") { op = .lessOrEqual }
            else if acceptSymbol(">") { op = .greater } else if acceptSymbol(">=") { op = .greaterOrEqual }
            else { lastHeight = h; return left }
            let (right, rh) = try measured { p throws(SQLError) in try p.bitwise() }
            left = try node(.binary(op, left, right), over: h, rh); h = lastHeight
        }
    }

    private mutating func bitwise() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.additive() }
        while true {
            let op: BinaryOperator
            if acceptSymbol("&") { op = .bitAnd } else if acceptSymbol("|") { op = .bitOr }
            else if acceptSymbol("<<") { op = .shiftLeft } else if acceptSymbol(">>") { op = .shiftRight }
            else { lastHeight = h; return left }
            let (right, rh) = try measured { p throws(SQLError) in try p.additive() }
            left = try node(.binary(op, left, right), over: h, rh); h = lastHeight
        }
    }

    private mutating func additive() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.multiplicative() }
        while true {
            let op: BinaryOperator
            if acceptSymbol("+") { op = .add } else if acceptSymbol("-") { op = .subtract }
            else { lastHeight = h; return left }
            let (right, rh) = try measured { p throws(SQLError) in try p.multiplicative() }
            left = try node(.binary(op, left, right), over: h, rh); h = lastHeight
        }
    }

    private mutating func multiplicative() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.concatenation() }
        while true {
            let op: BinaryOperator
            if acceptSymbol("*") { op = .multiply } else if acceptSymbol("/") { op = .divide }
            else if acceptSymbol("%") { op = .remainder } else { lastHeight = h; return left }
            let (right, rh) = try measured { p throws(SQLError) in try p.concatenation() }
            left = try node(.binary(op, left, right), over: h, rh); h = lastHeight
        }
    }

    private mutating func concatenation() throws(SQLError) -> SQLExpression {
        var (left, h) = try measured { p throws(SQLError) in try p.unary() }
        while acceptSymbol("||") {
            let (right, rh) = try measured { p throws(SQLError) in try p.unary() }
            left = try node(.binary(.concat, left, right), over: h, rh); h = lastHeight
        }
        lastHeight = h
        return left
    }

    private mutating func unary() throws(SQLError) -> SQLExpression {
        guard current.isSymbol("-") || current.isSymbol("+") || current.isSymbol("~") else { return try primary() }
        try enterNesting()
        defer { nesting -= 1 }
        if acceptSymbol("-") {
            let operand = try unary()
            // Fold so that -9223372036854775808 is the integer Int64.min
            // (a folded literal keeps its height of 1).
            if case .literal(.integer(let i)) = operand, i != .min { return .literal(.integer(-i)) }
            if case .literal(.real(let d)) = operand {
                return d == 9223372036854775808.0 && tokens[index - 1].text == "9223372036854775808"
                    ? .literal(.integer(.min)) : .literal(.real(-d))
            }
            return try node(.unary(.negate, operand), over: lastHeight)
        }
        if acceptSymbol("+") { let operand = try unary(); return try node(.unary(.plus, operand), over: lastHeight) }
        if acceptSymbol("~") { let operand = try unary(); return try node(.unary(.bitNot, operand), over: lastHeight) }
        return try primary()
    }

    /// A leaf: height 1.
    private mutating func leaf(_ e: SQLExpression) throws(SQLError) -> SQLExpression { try node(e, overMax: 0) }

    private mutating func primary() throws(SQLError) -> SQLExpression {
        let token = current
        switch token.kind {
        case .integer(let i): advance(); return try leaf(.literal(.integer(i)))
        case .real(let d): advance(); return try leaf(.literal(.real(d)))
        case .string: advance(); return try leaf(.literal(.text(token.text)))
        case .blob(let b): advance(); return try leaf(.literal(.blob(b)))
        case .parameter:
            advance()
            parameterCount += 1
            return try leaf(.parameter(parameterCount - 1))
        case .symbol where token.text == "(":
            advance()
            if current.isKeyword("SELECT") {
                let query = try subquery()
                try expectSymbol(")")
                return try node(.subquery(query), overMax: lastSubqueryHeight)
            }
            let inner = try expression()        // keeps its own height
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
        case "NULL": advance(); return try leaf(.literal(.null))
        case "TRUE": advance(); return try leaf(.literal(.boolean(true)))
        case "FALSE": advance(); return try leaf(.literal(.boolean(false)))
        case "CASE": return try caseExpression()
        case "CAST":
            advance()
            try expectSymbol("(")
            let inner = try expression()
            let h = lastHeight
            try expectKeyword("AS")
            let type = try columnType()
            try expectSymbol(")")
            return try node(.cast(inner, type), over: h)
        case "EXISTS":
            advance()
            try expectSymbol("(")
            let query = try subquery()
            try expectSymbol(")")
            return try node(.exists(query), overMax: lastSubqueryHeight)
        default:
            if tokens[index + 1].isSymbol("("), !SQLParser.reserved.contains(token.text.uppercased()) {
                return try functionCall()
            }
            return try columnReference()
        }
    }

    private mutating func columnReference() throws(SQLError) -> SQLExpression {
        let first = try identifier("an expression")
        if acceptSymbol(".") { return try leaf(.column(table: first, name: try identifier("column name"))) }
        return try leaf(.column(table: nil, name: first))
    }

    private mutating func functionCall() throws(SQLError) -> SQLExpression {
        let name = current.text.uppercased()
        advance()
        try expectSymbol("(")
        if acceptSymbol("*") {
            try expectSymbol(")")
            return try leaf(.function(name: name, arguments: [], distinct: false, star: true))
        }
        let distinct = acceptKeyword("DISTINCT")
        var arguments: [SQLExpression] = []
        var highest = 0
        if !current.isSymbol(")") {
            repeat {
                arguments.append(try expression())
                highest = max(highest, lastHeight)
            } while acceptSymbol(",")
        }
        try expectSymbol(")")
        return try node(.function(name: name, arguments: arguments, distinct: distinct, star: false), overMax: highest)
    }

    private mutating func caseExpression() throws(SQLError) -> SQLExpression {
        try expectKeyword("CASE")
        var highest = 0
        let base = current.isKeyword("WHEN") ? nil : try expression()
        if base != nil { highest = lastHeight }
        var branches: [CaseBranch] = []
        while acceptKeyword("WHEN") {
            let condition = try expression()
            highest = max(highest, lastHeight)
            try expectKeyword("THEN")
            branches.append(CaseBranch(condition: condition, result: try expression()))
            highest = max(highest, lastHeight)
        }
        guard !branches.isEmpty else { throw unexpected(expected: "WHEN") }
        var otherwise: SQLExpression?
        if acceptKeyword("ELSE") {
            otherwise = try expression()
            highest = max(highest, lastHeight)
        }
        try expectKeyword("END")
        return try node(.caseWhen(base: base, branches: branches, otherwise: otherwise), overMax: highest)
    }
}
