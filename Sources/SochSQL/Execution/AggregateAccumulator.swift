/// The running state of one aggregate call over one group.
///
/// SQLite's rules: every aggregate but COUNT(*) skips NULLs; SUM of
/// integers is an integer (an overflow is an error), of any real a real, of
/// no values NULL; TOTAL is always real (0.0 for none); AVG is real or NULL;
/// MIN/MAX use ``SQLValue/compare(_:_:)``. DISTINCT feeds each distinct
/// value once.
struct AggregateAccumulator {
    let call: AggregateCall
    private var count: Int64 = 0
    private var integerSum: Int64 = 0
    private var realSum = 0.0
    private var sawReal = false
    private var best: SQLValue = .null
    private var seen: Set<SQLKey>?

    init(_ call: AggregateCall) {
        self.call = call
        if call.distinct { seen = [] }
    }

    mutating func add(_ row: [SQLValue], _ evaluator: Evaluator) throws(SQLError) {
        guard let argument = call.argument else { count += 1; return }
        let v = try evaluator.evaluate(argument, row)
        if v.isNull { return }
        if seen != nil, !seen!.insert(SQLKey(values: [v])).inserted { return }
        count += 1
        switch call.kind {
        case .countStar, .count: return
        case .min: if best.isNull || SQLValue.compare(v, best) < 0 { best = v }
        case .max: if best.isNull || SQLValue.compare(v, best) > 0 { best = v }
        case .sum, .total, .avg:
            guard v.isNumeric else {
                throw SQLError.operandType("\(String(describing: call.kind).uppercased())() needs numbers, got \(v.typeName)")
            }
            switch v.numeric {
            case .int(let i):
                realSum += Double(i)
                if !sawReal {
                    let (s, overflow) = integerSum.addingReportingOverflow(i)
                    if overflow && call.kind == .sum { throw SQLError.operandType("integer overflow in SUM") }
                    integerSum = s
                }
            case .real(let d):
                sawReal = true
                realSum += d
            }
        }
    }

    /// The aggregate's value; NaN (from infinities of both signs) is NULL,
    /// as every other NaN in SQL.
    var result: SQLValue {
        if case .real(let d) = rawResult, d.isNaN { return .null }
        return rawResult
    }

    private var rawResult: SQLValue {
        switch call.kind {
        case .countStar, .count: return .integer(count)
        case .min, .max: return best
        case .total: return .real(realSum)
        case .avg: return count == 0 ? .null : .real(realSum / Double(count))
        case .sum:
            if count == 0 { return .null }
            return sawReal ? .real(realSum) : .integer(integerSum)
        }
    }
}
