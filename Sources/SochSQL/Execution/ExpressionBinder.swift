/// Resolves ``SQLExpression``s against one table's row layout.
///
/// Column names resolve to positions in the table (its hidden rowid, for a
/// rowid table, answers to `rowid`); `table.column` must name the table or
/// its alias. When aggregates are allowed, each distinct aggregate call is
/// collected once into ``aggregates`` and replaced by its slot.
struct ExpressionBinder {
    let table: TableSchema?
    let tableName: String?
    let allowAggregates: Bool
    private(set) var aggregates: [AggregateCall] = []
    private var aggregateSlots: [SQLExpression: Int] = [:]
    private var insideAggregate = false

    init(table: TableSchema?, alias: String? = nil, allowAggregates: Bool = false) {
        self.table = table
        self.tableName = alias ?? table?.name
        self.allowAggregates = allowAggregates
    }

    mutating func bind(_ e: SQLExpression) throws(SQLError) -> BoundExpression {
        switch e {
        case .literal(let v): return .constant(v)
        case .parameter(let i): return .parameter(i)
        case let .column(qualifier, name): return try column(qualifier, name)
        case let .unary(op, a): return .unary(op, try bind(a))
        case let .binary(op, a, b): return .binary(op, try bind(a), try bind(b))
        case let .isNull(a, negated): return .isNull(try bind(a), negated: negated)
        case let .isSame(a, b, negated): return .isSame(try bind(a), try bind(b), negated: negated)
        case let .inList(a, list, negated):
            var bound: [BoundExpression] = []
            for item in list { bound.append(try bind(item)) }
            return .inList(try bind(a), bound, negated: negated)
        case let .between(a, low, high, negated):
            return .between(try bind(a), try bind(low), try bind(high), negated: negated)
        case let .like(a, pattern, escape, negated):
            let boundEscape: BoundExpression? = if let escape { try bind(escape) } else { nil }
            return .like(try bind(a), pattern: try bind(pattern), escape: boundEscape, negated: negated)
        case let .function(name, arguments, distinct, star):
            return try function(e, name, arguments, distinct, star)
        case let .caseWhen(base, branches, otherwise):
            let boundBase: BoundExpression? = if let base { try bind(base) } else { nil }
            var boundBranches: [(BoundExpression, BoundExpression)] = []
            for branch in branches { boundBranches.append((try bind(branch.condition), try bind(branch.result))) }
            let boundOtherwise: BoundExpression? = if let otherwise { try bind(otherwise) } else { nil }
            return .caseWhen(base: boundBase, branches: boundBranches, otherwise: boundOtherwise)
        case let .cast(a, type): return .cast(try bind(a), type)
        case .subquery, .inSubquery, .exists:
            // StatementExecutor replaces subqueries by their results before binding.
            throw SQLError.unsupported("a subquery in this position")
        }
    }

    private func column(_ qualifier: String?, _ name: String) throws(SQLError) -> BoundExpression {
        guard let table else { throw SQLError.unknownColumn(name) }
        if let qualifier, qualifier != tableName, qualifier != table.name {
            throw SQLError.unknownColumn("\(qualifier).\(name)")
        }
        if let p = table.columnPositions[name] { return .column(p) }
        if table.hasRowid && (name == "rowid" || name == "_rowid_" || name == "oid") { return .column(table.columns.count) }
        throw SQLError.unknownColumn(qualifier.map { "\($0).\(name)" } ?? name)
    }

    private mutating func function(_ whole: SQLExpression, _ name: String, _ arguments: [SQLExpression],
                                   _ distinct: Bool, _ star: Bool) throws(SQLError) -> BoundExpression {
        if let kind = AggregateKind(name: name, argumentCount: arguments.count, star: star) {
            guard allowAggregates else { throw SQLError.invalidStatement("misuse of aggregate function \(name)()") }
            guard !insideAggregate else { throw SQLError.invalidStatement("aggregate \(name)() nested in an aggregate") }
            if let slot = aggregateSlots[whole] { return .aggregate(slot) }
            insideAggregate = true
            defer { insideAggregate = false }
            let argument: BoundExpression? = if let first = arguments.first { try bind(first) } else { nil }
            aggregates.append(AggregateCall(kind: kind, argument: argument, distinct: distinct))
            aggregateSlots[whole] = aggregates.count - 1
            return .aggregate(aggregates.count - 1)
        }
        guard !star, !distinct, let function = ScalarFunction(rawValue: name) else {
            if ["COUNT", "SUM", "AVG", "TOTAL"].contains(name) {
                throw SQLError.invalidStatement("wrong number of arguments to function \(name)()")
            }
            throw SQLError.invalidStatement("no such function: \(name)")
        }
        guard function.accepts(arguments.count) else {
            throw SQLError.invalidStatement("wrong number of arguments to function \(name)()")
        }
        var bound: [BoundExpression] = []
        for a in arguments { bound.append(try bind(a)) }
        return .function(function, bound)
    }
}
