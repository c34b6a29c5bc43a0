/// Evaluates ``BoundExpression``s over one row, with SQLite's semantics:
/// three-valued logic, integer arithmetic on integers (overflow turns real,
/// division by zero is NULL), real arithmetic when either side is real.
///
/// Stricter than SQLite in one way: arithmetic on text or blobs throws
/// ``SQLError/operandType(_:)`` instead of reading the text as a number.
/// A value type; cheap to copy; not shared between threads.
struct Evaluator {
    let parameters: [SQLValue]
    /// The current group's finished aggregates (grouped queries only).
    var aggregates: [SQLValue] = []

    init(parameters: [SQLValue]) { self.parameters = parameters }

    func evaluate(_ e: BoundExpression, _ row: [SQLValue]) throws(SQLError) -> SQLValue {
        switch e {
        case .constant(let v): return v
        case .parameter(let i): return parameters[i]
        case .column(let p): return row[p]
        case .aggregate(let slot): return aggregates[slot]
        case let .unary(op, a): return try unary(op, try evaluate(a, row))
        case let .binary(.and, a, b):
            let left = try evaluate(a, row).truth
            if left == false { return .boolean(false) }
            let right = try evaluate(b, row).truth
            if right == false { return .boolean(false) }
            return left == nil || right == nil ? .null : .boolean(true)
        case let .binary(.or, a, b):
            let left = try evaluate(a, row).truth
            if left == true { return .boolean(true) }
            let right = try evaluate(b, row).truth
            if right == true { return .boolean(true) }
            return left == nil || right == nil ? .null : .boolean(false)
        case let .binary(op, a, b): return try Arithmetic.binary(op, try evaluate(a, row), try evaluate(b, row))
        case let .isNull(a, negated): return .boolean(try evaluate(a, row).isNull != negated)
        case let .isSame(a, b, negated):
            let x = try evaluate(a, row), y = try evaluate(b, row)
            let same = x.isNull || y.isNull ? (x.isNull && y.isNull) : SQLValue.compare(x, y) == 0
            return .boolean(same != negated)
        case let .inList(a, list, negated): return try inList(try evaluate(a, row), list, negated, row)
        case let .between(a, low, high, negated):
            let x = try evaluate(a, row)
            let lo = Arithmetic.compare(.greaterOrEqual, x, try evaluate(low, row)).truth
            let hi = Arithmetic.compare(.lessOrEqual, x, try evaluate(high, row)).truth
            let both: Bool? = lo == false || hi == false ? false : (lo == nil || hi == nil ? nil : true)
            guard let both else { return .null }
            return .boolean(both != negated)
        case let .like(a, pattern, escape, negated):
            let escapeValue: SQLValue? = if let escape { try evaluate(escape, row) } else { nil }
            let matched = try LikeMatcher.like(try evaluate(a, row), try evaluate(pattern, row), escape: escapeValue)
            guard let matched else { return .null }
            return .boolean(matched != negated)
        case let .function(f, args):
            var values: [SQLValue] = []
            values.reserveCapacity(args.count)
            for a in args { values.append(try evaluate(a, row)) }
            return try ScalarFunctions.call(f, values)
        case let .caseWhen(base, branches, otherwise):
            return try caseWhen(base, branches, otherwise, row)
        case let .cast(a, type): return try Conversions.cast(try evaluate(a, row), to: type)
        }
    }

    /// The expression's truth value: nil for NULL (WHERE and HAVING keep a
    /// row only for `true`).
    func test(_ e: BoundExpression, _ row: [SQLValue]) throws(SQLError) -> Bool {
        try evaluate(e, row).truth == true
    }

    private func unary(_ op: UnaryOperator, _ v: SQLValue) throws(SQLError) -> SQLValue {
        switch op {
        case .not:
            guard let t = v.truth else { return .null }
            return .boolean(!t)
        case .plus:
            return v
        case .negate:
            switch v {
            case .null: return .null
            case .integer(let i): return i == .min ? .real(-Double(i)) : .integer(-i)
            case .real(let d): return .real(-d)
            case .boolean(let b): return .integer(b ? -1 : 0)
            default: throw SQLError.operandType("cannot negate \(v.typeName)")
            }
        case .bitNot:
            switch v {
            case .null: return .null
            case .integer(let i): return .integer(~i)
            case .boolean(let b): return .integer(~(b ? 1 : 0))
            default: throw SQLError.operandType("operator ~ needs an integer, got \(v.typeName)")
            }
        }
    }

    private func inList(_ x: SQLValue, _ list: [BoundExpression], _ negated: Bool, _ row: [SQLValue]) throws(SQLError) -> SQLValue {
        if list.isEmpty { return .boolean(negated) }
        if x.isNull { return .null }
        var sawNull = false
        for item in list {
            let v = try evaluate(item, row)
            if v.isNull { sawNull = true; continue }
            if SQLValue.compare(x, v) == 0 { return .boolean(!negated) }
        }
        return sawNull ? .null : .boolean(negated)
    }

    private func caseWhen(_ base: BoundExpression?, _ branches: [(BoundExpression, BoundExpression)],
                          _ otherwise: BoundExpression?, _ row: [SQLValue]) throws(SQLError) -> SQLValue {
        let subject: SQLValue? = if let base { try evaluate(base, row) } else { nil }
        for (condition, result) in branches {
            let c = try evaluate(condition, row)
            let hit: Bool
            if let subject {
                hit = !subject.isNull && !c.isNull && SQLValue.compare(subject, c) == 0
            } else {
                hit = c.truth == true
            }
            if hit { return try evaluate(result, row) }
        }
        if let otherwise { return try evaluate(otherwise, row) }
        return .null
    }
}
