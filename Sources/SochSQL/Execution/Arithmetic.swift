/// Binary operators other than AND/OR, with SQLite's numeric rules.
enum Arithmetic {
    static func binary(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) throws(SQLError) -> SQLValue {
        switch op {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return compare(op, a, b)
        case .concat:
            if a.isNull || b.isNull { return .null }
            return .text(Conversions.text(a) + Conversions.text(b))
        case .add, .subtract, .multiply, .divide, .remainder: return try numeric(op, a, b)
        case .bitAnd, .bitOr, .shiftLeft, .shiftRight: return try bitwise(op, a, b)
        case .and, .or: preconditionFailure("AND/OR are evaluated lazily by Evaluator")
        }
    }

    /// A comparison: NULL when either side is NULL, else a boolean.
    static func compare(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) -> SQLValue {
        if a.isNull || b.isNull { return .null }
        let c = SQLValue.compare(a, b)
        switch op {
        case .equal: return .boolean(c == 0)
        case .notEqual: return .boolean(c != 0)
        case .less: return .boolean(c < 0)
        case .lessOrEqual: return .boolean(c <= 0)
        case .greater: return .boolean(c > 0)
        default: return .boolean(c >= 0)
        }
    }

    private static func operands(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) throws(SQLError) {
        guard a.isNumeric, b.isNumeric else {
            let bad = a.isNumeric ? b : a
            throw SQLError.operandType("operator \(op.rawValue) needs numbers, got \(bad.typeName)")
        }
    }

    private static func numeric(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) throws(SQLError) -> SQLValue {
        if a.isNull || b.isNull { return .null }
        try operands(op, a, b)
        switch (a.numeric, b.numeric) {
        case let (.int(x), .int(y)): return integer(op, x, y)
        case let (.int(x), .real(y)): return real(op, Double(x), y)
        case let (.real(x), .int(y)): return real(op, x, Double(y))
        case let (.real(x), .real(y)): return real(op, x, y)
        }
    }

    private static func integer(_ op: BinaryOperator, _ x: Int64, _ y: Int64) -> SQLValue {
        let result: (partialValue: Int64, overflow: Bool)
        switch op {
        case .add: result = x.addingReportingOverflow(y)
        case .subtract: result = x.subtractingReportingOverflow(y)
        case .multiply: result = x.multipliedReportingOverflow(by: y)
        case .divide:
            if y == 0 { return .null }
            result = x.dividedReportingOverflow(by: y)
        default:
            if y == 0 { return .null }
            if y == -1 { return .integer(0) }
            return .integer(x % y)
        }
        return result.overflow ? real(op, Double(x), Double(y)) : .integer(result.partialValue)
    }

    private static func real(_ op: BinaryOperator, _ x: Double, _ y: Double) -> SQLValue {
        let r: Double
        switch op {
        case .add: r = x + y
        case .subtract: r = x - y
        case .multiply: r = x * y
        case .divide:
            if y == 0 { return .null }
            r = x / y
        default:
            // SQLite takes the remainder of the operands cast to integers.
            let xi = Conversions.saturatingInteger(x), yi = Conversions.saturatingInteger(y)
            if yi == 0 { return .null }
            return .real(yi == -1 ? 0 : Double(xi % yi))
        }
        return r.isNaN ? .null : .real(r)
    }

    private static func bitwise(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) throws(SQLError) -> SQLValue {
        if a.isNull || b.isNull { return .null }
        guard case .int(let x) = a.numeric, case .int(let y) = b.numeric, a.isNumeric, b.isNumeric,
              !(a.isReal || b.isReal) else {
            throw SQLError.operandType("operator \(op.rawValue) needs integers")
        }
        switch op {
        case .bitAnd: return .integer(x & y)
        case .bitOr: return .integer(x | y)
        case .shiftLeft: return .integer(shift(x, y))
        default: return .integer(shift(x, y == .min ? .max : -y))
        }
    }

    /// SQLite's shift: negative counts shift the other way; 64 or more
    /// shifts everything out (right shifts of negatives give -1).
    private static func shift(_ x: Int64, _ count: Int64) -> Int64 {
        if count >= 64 { return 0 }
        if count <= -64 { return x < 0 ? -1 : 0 }
        return count >= 0 ? x << count : x >> -count
    }
}

extension SQLValue {
    var isReal: Bool { if case .real = self { return true } else { return false } }
}
