/// Uncorrelated subqueries: each runs once, before the statement that holds
/// it, and is replaced by its result: `(SELECT …)` by the first row's value
/// (NULL for no rows), `x IN (SELECT …)` by an IN list of the values,
/// `EXISTS (SELECT …)` by TRUE or FALSE. A subquery sees the same snapshot
/// and the statement's writes so far (none: it runs first). A name inside
/// a subquery resolves against the subquery's own table only, so a
/// correlated reference to an outer column is an unknown-column error.
extension StatementExecutor {
    mutating func resolved(_ e: SQLExpression?) throws(SQLError) -> SQLExpression? {
        guard let e else { return nil }
        return try resolved(e)
    }

    mutating func resolved(_ e: SQLExpression) throws(SQLError) -> SQLExpression {
        switch e {
        case .literal, .parameter, .column: return e
        case .subquery(let query):
            return .literal(try singleColumn(query).first ?? .null)
        case let .inSubquery(x, query, negated):
            return .inList(try resolved(x), try singleColumn(query).map { .literal($0) }, negated: negated)
        case .exists(let query):
            return .literal(.boolean(!(try select(query).rows.isEmpty)))
        case let .unary(op, a): return .unary(op, try resolved(a))
        case let .binary(op, a, b): return .binary(op, try resolved(a), try resolved(b))
        case let .isNull(a, negated): return .isNull(try resolved(a), negated: negated)
        case let .isSame(a, b, negated): return .isSame(try resolved(a), try resolved(b), negated: negated)
        case let .inList(a, list, negated):
            var out: [SQLExpression] = []
            for item in list { out.append(try resolved(item)) }
            return .inList(try resolved(a), out, negated: negated)
        case let .between(a, low, high, negated):
            return .between(try resolved(a), try resolved(low), try resolved(high), negated: negated)
        case let .like(a, pattern, escape, negated):
            return .like(try resolved(a), pattern: try resolved(pattern), escape: try resolved(escape), negated: negated)
        case let .function(name, arguments, distinct, star):
            var out: [SQLExpression] = []
            for a in arguments { out.append(try resolved(a)) }
            return .function(name: name, arguments: out, distinct: distinct, star: star)
        case let .caseWhen(base, branches, otherwise):
            var out: [CaseBranch] = []
            for b in branches { out.append(CaseBranch(condition: try resolved(b.condition), result: try resolved(b.result))) }
            return .caseWhen(base: try resolved(base), branches: out, otherwise: try resolved(otherwise))
        case let .cast(a, type): return .cast(try resolved(a), type)
        }
    }

    /// A SELECT with every expression's subqueries resolved.
    mutating func resolved(_ s: SelectStatement) throws(SQLError) -> SelectStatement {
        var out = s
        for i in out.items.indices {
            if case let .expression(e, alias, text) = out.items[i] { out.items[i] = .expression(try resolved(e), alias: alias, text: text) }
        }
        out.whereClause = try resolved(s.whereClause)
        for i in out.groupBy.indices { out.groupBy[i] = try resolved(out.groupBy[i]) }
        out.having = try resolved(s.having)
        for i in out.orderBy.indices { out.orderBy[i].expression = try resolved(out.orderBy[i].expression) }
        out.limit = try resolved(s.limit)
        out.offset = try resolved(s.offset)
        return out
    }

    /// The values of a one-column subquery.
    private mutating func singleColumn(_ query: SelectStatement) throws(SQLError) -> [SQLValue] {
        let result = try select(query)
        guard result.columns.count == 1 else {
            throw SQLError.invalidStatement("a subquery used as a value returns \(result.columns.count) columns, not 1")
        }
        return result.rows.map { $0[0] }
    }
}
