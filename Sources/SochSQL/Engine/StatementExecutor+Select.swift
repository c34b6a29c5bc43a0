/// SELECT: read (through the access plan), filter, group and aggregate,
/// project, DISTINCT, sort, OFFSET/LIMIT — in that order, as SQL defines.
extension StatementExecutor {
    /// Where an ORDER BY key comes from: a result column, or an expression
    /// over the input row (or group).
    private enum SortSource {
        case output(Int)
        case expression(BoundExpression)
    }

    private struct SortKey {
        var source: SortSource
        var descending: Bool
        var nullsFirst: Bool
    }

    /// One result row before sorting, with the values its sort keys compare.
    private struct Produced {
        var values: [SQLValue]
        var keys: [SQLValue]
    }

    mutating func select(_ query: SelectStatement) throws(SQLError) -> SQLResult {
        let s = hasSubqueries ? try resolved(query) : query
        var table: TableSchema?
        if let from = s.from { table = try catalog.table(from.name) }
        var binder = ExpressionBinder(table: table, alias: s.from?.alias, allowAggregates: true)
        var names: [String] = []
        var outputs: [BoundExpression] = []
        var sources: [SQLExpression?] = []
        for item in s.items {
            try addItem(item, table, s.from?.alias, &binder, &names, &outputs, &sources)
        }
        let having: BoundExpression? = if let h = s.having { try binder.bind(h) } else { nil }
        var sortKeys: [SortKey] = []
        for term in s.orderBy { sortKeys.append(try sortKey(term, names, sources, &binder)) }
        let grouped = !s.groupBy.isEmpty || !binder.aggregates.isEmpty || having != nil
        let input = try inputRows(s, table)
        var produced: [Produced]
        if grouped {
            var rowBinder = ExpressionBinder(table: table, alias: s.from?.alias)
            var groupBy: [BoundExpression] = []
            for g in s.groupBy { groupBy.append(try rowBinder.bind(try groupTerm(g, table, names, sources))) }
            produced = try groupRows(input, width: (table?.columns.count ?? 0) + (table?.hasRowid == true ? 1 : 0),
                                     groupBy, binder.aggregates, having, outputs, sortKeys)
        } else {
            // Without sorting or DISTINCT the window is known up front:
            // project only the rows it keeps.
            let kept = sortKeys.isEmpty && !s.distinct
                ? try windowRange(count: input.count, limit: s.limit, offset: s.offset) : 0..<input.count
            produced = []
            produced.reserveCapacity(kept.count)
            for row in input[kept] { produced.append(try produce(row, outputs, sortKeys, evaluator)) }
            if sortKeys.isEmpty && !s.distinct { return SQLResult(columns: names, rows: produced.map(\.values)) }
        }
        if s.distinct {
            var seen = Set<SQLKey>()
            produced = produced.filter { seen.insert(SQLKey(values: $0.values)).inserted }
        }
        if !sortKeys.isEmpty { produced = sorted(produced, sortKeys) }
        let rows = try window(produced.map(\.values), limit: s.limit, offset: s.offset)
        return SQLResult(columns: names, rows: rows)
    }

    private func addItem(_ item: SelectItem, _ table: TableSchema?, _ alias: String?, _ binder: inout ExpressionBinder,
                         _ names: inout [String], _ outputs: inout [BoundExpression],
                         _ sources: inout [SQLExpression?]) throws(SQLError) {
        switch item {
        case .star, .tableStar:
            guard let table else { throw SQLError.invalidStatement("SELECT * needs a FROM clause") }
            if case .tableStar(let t) = item, t != table.name, t != alias { throw SQLError.unknownTable(t) }
            for (i, c) in table.columns.enumerated() {
                names.append(c.name)
                outputs.append(.column(i))
                sources.append(.column(table: nil, name: c.name.lowercased()))
            }
        case let .expression(e, alias, text):
            var name = alias ?? text
            if alias == nil, case .column(_, let column) = e, let table, let p = table.columnPositions[column] {
                name = table.columns[p].name
            }
            names.append(name)
            outputs.append(try binder.bind(e))
            sources.append(e)
        }
    }

    /// ORDER BY: a column number, a result alias, a select-list expression,
    /// or any expression over the input.
    private func sortKey(_ term: OrderTerm, _ names: [String], _ sources: [SQLExpression?],
                         _ binder: inout ExpressionBinder) throws(SQLError) -> SortKey {
        let source: SortSource
        if let i = try resultColumn(term.expression, names, sources, clause: "ORDER BY") {
            source = .output(i)
        } else {
            source = .expression(try binder.bind(term.expression))
        }
        return SortKey(source: source, descending: term.descending, nullsFirst: term.nullsFirst ?? !term.descending)
    }

    /// The result column an ORDER BY / GROUP BY term names by number or
    /// alias (or repeats exactly), if any.
    private func resultColumn(_ e: SQLExpression, _ names: [String], _ sources: [SQLExpression?],
                              clause: String) throws(SQLError) -> Int? {
        if case .literal(.integer(let k)) = e {
            guard k >= 1 && k <= names.count else {
                throw SQLError.invalidStatement("\(clause) term \(k) is not between 1 and \(names.count)")
            }
            return Int(k - 1)
        }
        if case .column(nil, let name) = e,
           let i = names.firstIndex(where: { $0.lowercased() == name }), sources[i] != e {
            return i
        }
        return sources.firstIndex(where: { $0 == e })
    }

    /// A GROUP BY term with column numbers and aliases replaced by the
    /// select-list expression they name.
    private func groupTerm(_ e: SQLExpression, _ table: TableSchema?, _ names: [String],
                           _ sources: [SQLExpression?]) throws(SQLError) -> SQLExpression {
        if case .column(nil, let name) = e, table?.columnPositions[name] != nil { return e }   // a column wins over an alias
        guard let i = try resultColumn(e, names, sources, clause: "GROUP BY"), let source = sources[i] else { return e }
        guard !source.containsAggregate else { throw SQLError.invalidStatement("aggregate functions are not allowed in GROUP BY") }
        return source
    }

    /// The filtered input rows (one empty row for a SELECT without FROM).
    private func inputRows(_ s: SelectStatement, _ table: TableSchema?) throws(SQLError) -> [[SQLValue]] {
        guard let table else {
            guard let condition = s.whereClause else { return [[]] }
            var binder = ExpressionBinder(table: nil)
            return try evaluator.test(try binder.bind(condition), []) ? [[]] : []
        }
        return try matchingRows(table, s.whereClause, alias: s.from?.alias).map(\.values)
    }

    private func produce(_ row: [SQLValue], _ outputs: [BoundExpression], _ sortKeys: [SortKey],
                         _ evaluator: Evaluator) throws(SQLError) -> Produced {
        var values: [SQLValue] = []
        values.reserveCapacity(outputs.count)
        for o in outputs { values.append(try evaluator.evaluate(o, row)) }
        var keys: [SQLValue] = []
        for key in sortKeys {
            switch key.source {
            case .output(let i): keys.append(values[i])
            case .expression(let e): keys.append(try evaluator.evaluate(e, row))
            }
        }
        return Produced(values: values, keys: keys)
    }

    private struct Group {
        var key: [SQLValue]
        var lastRow: [SQLValue]
        var accumulators: [AggregateAccumulator]
    }

    /// Groups by `groupBy` (NULLs form one group), in group-key order; a
    /// query with aggregates and no GROUP BY has exactly one group, even
    /// over no rows. Bare columns read the group's last row.
    private func groupRows(_ input: [[SQLValue]], width: Int, _ groupBy: [BoundExpression], _ calls: [AggregateCall],
                           _ having: BoundExpression?, _ outputs: [BoundExpression],
                           _ sortKeys: [SortKey]) throws(SQLError) -> [Produced] {
        var slots: [SQLKey: Int] = [:]
        var groups: [Group] = []
        for row in input {
            var key: [SQLValue] = []
            for g in groupBy { key.append(try evaluator.evaluate(g, row)) }
            let slot: Int
            if let s = slots[SQLKey(values: key)] { slot = s } else {
                slot = groups.count
                slots[SQLKey(values: key)] = slot
                groups.append(Group(key: key, lastRow: row, accumulators: calls.map(AggregateAccumulator.init)))
            }
            groups[slot].lastRow = row
            for i in groups[slot].accumulators.indices { try groups[slot].accumulators[i].add(row, evaluator) }
        }
        if groupBy.isEmpty && groups.isEmpty {
            groups.append(Group(key: [], lastRow: Array(repeating: .null, count: width),
                                accumulators: calls.map(AggregateAccumulator.init)))
        }
        groups.sort { a, b in
            for (x, y) in zip(a.key, b.key) {
                let c = SQLValue.compare(x, y)
                if c != 0 { return c < 0 }
            }
            return false
        }
        var out: [Produced] = []
        for group in groups {
            var groupEvaluator = evaluator
            groupEvaluator.aggregates = group.accumulators.map(\.result)
            if let having, try !groupEvaluator.test(having, group.lastRow) { continue }
            out.append(try produce(group.lastRow, outputs, sortKeys, groupEvaluator))
        }
        return out
    }

    private func sorted(_ rows: [Produced], _ keys: [SortKey]) -> [Produced] {
        let indexed = rows.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            for (i, key) in keys.enumerated() {
                let x = a.1.keys[i], y = b.1.keys[i]
                if x.isNull != y.isNull { return x.isNull == key.nullsFirst }
                let c = SQLValue.compare(x, y)
                if c != 0 { return key.descending ? c > 0 : c < 0 }
            }
            return a.0 < b.0
        }.map(\.1)
    }

    /// Applies OFFSET and LIMIT (constant integer expressions; a negative
    /// LIMIT means none, a negative OFFSET zero, as in SQLite).
    private func window(_ rows: [[SQLValue]], limit: SQLExpression?, offset: SQLExpression?) throws(SQLError) -> [[SQLValue]] {
        Array(rows[try windowRange(count: rows.count, limit: limit, offset: offset)])
    }

    /// The positions OFFSET and LIMIT keep of `count` rows.
    private func windowRange(count rowCount: Int, limit: SQLExpression?, offset: SQLExpression?) throws(SQLError) -> Range<Int> {
        func count(_ e: SQLExpression?, _ what: String) throws(SQLError) -> Int64? {
            guard let e else { return nil }
            var binder = ExpressionBinder(table: nil)
            let v = try evaluator.evaluate(try binder.bind(e), [])
            guard case .integer(let n) = v else { throw SQLError.operandType("\(what) needs an integer, got \(v.typeName)") }
            return n
        }
        let skip = max(0, try count(offset, "OFFSET") ?? 0)
        let take = try count(limit, "LIMIT") ?? -1
        let start = Int(min(skip, Int64(rowCount)))
        let end = take < 0 ? rowCount : Int(min(Int64(rowCount), Int64(start) + min(take, Int64(rowCount))))
        return start..<end
    }
}
