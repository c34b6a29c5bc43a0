/// An expression resolved against one row layout: columns are positions,
/// aggregates are slots computed per group. Built by ``ExpressionBinder``,
/// evaluated by ``Evaluator``.
indirect enum BoundExpression: Sendable {
    case constant(SQLValue)
    case parameter(Int)
    /// Position in the row (a table's columns, then its hidden rowid).
    case column(Int)
    /// Slot in the group's finished aggregate values.
    case aggregate(Int)
    case unary(UnaryOperator, BoundExpression)
    case binary(BinaryOperator, BoundExpression, BoundExpression)
    case isNull(BoundExpression, negated: Bool)
    case isSame(BoundExpression, BoundExpression, negated: Bool)
    case inList(BoundExpression, [BoundExpression], negated: Bool)
    case between(BoundExpression, BoundExpression, BoundExpression, negated: Bool)
    case like(BoundExpression, pattern: BoundExpression, escape: BoundExpression?, negated: Bool)
    case function(ScalarFunction, [BoundExpression])
    case caseWhen(base: BoundExpression?, branches: [(BoundExpression, BoundExpression)], otherwise: BoundExpression?)
    case cast(BoundExpression, SQLColumnType)

    /// True when the expression reads no column and no aggregate: its value
    /// is fixed once the parameters are bound.
    var isConstant: Bool {
        switch self {
        case .constant, .parameter: return true
        case .column, .aggregate: return false
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _): return e.isConstant
        case let .binary(_, a, b), let .isSame(a, b, _): return a.isConstant && b.isConstant
        case let .inList(e, list, _): return e.isConstant && list.allSatisfy(\.isConstant)
        case let .between(a, b, c, _): return a.isConstant && b.isConstant && c.isConstant
        case let .like(a, b, c, _): return a.isConstant && b.isConstant && (c?.isConstant ?? true)
        case let .function(_, args): return args.allSatisfy(\.isConstant)
        case let .caseWhen(base, branches, otherwise):
            return (base?.isConstant ?? true) && (otherwise?.isConstant ?? true)
                && branches.allSatisfy { $0.0.isConstant && $0.1.isConstant }
        }
    }
}

/// One aggregate call of a grouped query, computed per group.
struct AggregateCall: Sendable {
    var kind: AggregateKind
    /// nil for COUNT(*).
    var argument: BoundExpression?
    var distinct: Bool
}

/// The scalar (non-aggregate) functions.
enum ScalarFunction: String, Sendable, CaseIterable {
    case abs = "ABS", length = "LENGTH", lower = "LOWER", upper = "UPPER", coalesce = "COALESCE"
    case ifnull = "IFNULL", nullif = "NULLIF", typeof = "TYPEOF", min = "MIN", max = "MAX"
    case round = "ROUND", substr = "SUBSTR", trim = "TRIM"

    /// Whether `count` arguments are accepted.
    func accepts(_ count: Int) -> Bool {
        switch self {
        case .abs, .length, .lower, .upper, .typeof, .trim: return count == 1
        case .ifnull, .nullif: return count == 2
        case .coalesce, .min, .max: return count >= 2
        case .round: return count == 1 || count == 2
        case .substr: return count == 2 || count == 3
        }
    }
}
