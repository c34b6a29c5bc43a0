/// A parsed, unresolved SQL expression: names are still names.
///
/// The binder (``ExpressionBinder``) resolves it against a table into a
/// ``BoundExpression`` before anything is evaluated.
indirect enum SQLExpression: Sendable, Hashable {
    case literal(SQLValue)
    /// The `index`-th `?` of the statement (0-based, in text order).
    case parameter(Int)
    /// `name` or `table.name`, lowercased (identifiers are case-insensitive).
    case column(table: String?, name: String)
    case unary(UnaryOperator, SQLExpression)
    case binary(BinaryOperator, SQLExpression, SQLExpression)
    /// `x IS NULL` / `x IS NOT NULL`.
    case isNull(SQLExpression, negated: Bool)
    /// `x IS y` / `x IS NOT y`: equality where NULL equals NULL.
    case isSame(SQLExpression, SQLExpression, negated: Bool)
    case inList(SQLExpression, [SQLExpression], negated: Bool)
    case between(SQLExpression, SQLExpression, SQLExpression, negated: Bool)
    case like(SQLExpression, pattern: SQLExpression, escape: SQLExpression?, negated: Bool)
    /// A function call; `name` is uppercased. `star` is `COUNT(*)`.
    case function(name: String, arguments: [SQLExpression], distinct: Bool, star: Bool)
    /// `CASE [base] WHEN … THEN … [ELSE …] END`.
    case caseWhen(base: SQLExpression?, branches: [CaseBranch], otherwise: SQLExpression?)
    case cast(SQLExpression, SQLColumnType)
    /// `(SELECT …)`: the first row's only value, NULL for no rows.
    case subquery(SelectStatement)
    /// `x [NOT] IN (SELECT …)`.
    case inSubquery(SQLExpression, SelectStatement, negated: Bool)
    /// `EXISTS (SELECT …)`.
    case exists(SelectStatement)

    /// The direct subexpressions.
    var children: [SQLExpression] {
        switch self {
        case .literal, .parameter, .column, .subquery, .exists: return []
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _), .inSubquery(let e, _, _): return [e]
        case let .binary(_, a, b), let .isSame(a, b, _): return [a, b]
        case let .inList(e, list, _): return [e] + list
        case let .between(a, b, c, _): return [a, b, c]
        case let .like(a, b, c, _): return [a, b] + (c.map { [$0] } ?? [])
        case let .function(_, arguments, _, _): return arguments
        case let .caseWhen(base, branches, otherwise):
            return (base.map { [$0] } ?? []) + branches.flatMap { [$0.condition, $0.result] } + (otherwise.map { [$0] } ?? [])
        }
    }

    /// The height of the tree (a leaf is 1), computed without recursion so
    /// that it is safe on trees too deep to evaluate.
    var depth: Int {
        var deepest = 0
        var stack: [(SQLExpression, Int)] = [(self, 1)]
        while let (e, level) = stack.popLast() {
            deepest = max(deepest, level)
            for child in e.children { stack.append((child, level + 1)) }
        }
        return deepest
    }

    /// True when an aggregate call occurs anywhere in the expression.
    var containsAggregate: Bool {
        switch self {
        case .literal, .parameter, .column, .subquery, .exists: return false
        case .inSubquery(let e, _, _): return e.containsAggregate
        case let .function(name, arguments, _, star):
            if AggregateKind(name: name, argumentCount: arguments.count, star: star) != nil { return true }
            return arguments.contains { $0.containsAggregate }
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _): return e.containsAggregate
        case let .binary(_, a, b), let .isSame(a, b, _): return a.containsAggregate || b.containsAggregate
        case let .inList(e, list, _): return e.containsAggregate || list.contains { $0.containsAggregate }
        case let .between(a, b, c, _): return a.containsAggregate || b.containsAggregate || c.containsAggregate
        case let .like(a, b, c, _): return a.containsAggregate || b.containsAggregate || (c?.containsAggregate ?? false)
        case let .caseWhen(base, branches, otherwise):
            return (base?.containsAggregate ?? false) || (otherwise?.containsAggregate ?? false)
                || branches.contains { $0.condition.containsAggregate || $0.result.containsAggregate }
        }
    }
}

/// One `WHEN condition THEN result` of a CASE.
struct CaseBranch: Sendable, Hashable {
    var condition: SQLExpression
    var result: SQLExpression
}

enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-"
    case plus = "+"
    case not = "NOT"
    case bitNot = "~"
}

enum BinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case concat = "||"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "AND", or = "OR"
    case bitAnd = "&", bitOr = "|", shiftLeft = "<<", shiftRight = ">>"

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`), for
    /// comparisons; nil for the others.
    var mirrored: BinaryOperator? {
        switch self {
        case .equal, .notEqual: return self
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return nil
        }
    }
}

/// The aggregate functions, recognised by name and arity.
enum AggregateKind: Sendable, Hashable {
    case countStar, count, sum, total, avg, min, max

    init?(name: String, argumentCount: Int, star: Bool) {
        switch (name, argumentCount, star) {
        case ("COUNT", 0, true): self = .countStar
        case ("COUNT", 1, false): self = .count
        case ("SUM", 1, false): self = .sum
        case ("TOTAL", 1, false): self = .total
        case ("AVG", 1, false): self = .avg
        case ("MIN", 1, false): self = .min     // MIN/MAX of 2+ arguments are scalar
        case ("MAX", 1, false): self = .max
        default: return nil
        }
    }
}
