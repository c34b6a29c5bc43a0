import SochStorage

/// Runs one parsed statement against one catalogue version, buffering its
/// writes in a ``WriteOverlay``.
///
/// Created per statement by ``SQLEngine``; never shared between threads.
/// On success the engine applies ``overlay`` to the transaction; on any
/// error the overlay is dropped, so nothing of the statement remains.
struct StatementExecutor {
    let keys: SQLKeys
    let catalog: SQLCatalog
    let evaluator: Evaluator
    /// Hidden rowids and automatic INTEGER PRIMARY KEY values.
    let rowids: RowidAllocator
    var overlay: WriteOverlay
    /// The statement holds subqueries, to be run and replaced by their
    /// results before its own expressions are bound.
    var hasSubqueries = false
    /// The triggers of the statement's table, when it has any.
    var triggers: StatementTriggers? = nil

    mutating func dispatch(_ statement: SQLStatement) throws(SQLError) -> SQLResult {
        switch statement {
        case .createTable(let s): return try createTable(s)
        case let .dropTable(name, ifExists): return try dropTable(name, ifExists: ifExists)
        case let .alterTable(name, action): return try alterTable(name, action)
        case .createIndex(let s): return try createIndex(s)
        case let .dropIndex(name, ifExists): return try dropIndex(name, ifExists: ifExists)
        case .insert(let s): return try insert(s)
        case .select(let s): return try select(s)
        case .update(let s): return try update(s)
        case .delete(let s): return try delete(s)
        case .explain(let inner): return try explain(inner)
        case .begin, .commit, .rollback:
            throw SQLError.transactionState("transaction control is handled by SQLSession")
        }
    }

    private mutating func explain(_ statement: SQLStatement) throws(SQLError) -> SQLResult {
        let plan: AccessPlan
        switch statement {
        case .select(var s):
            if hasSubqueries { s.whereClause = try resolved(s.whereClause) }
            guard let from = s.from else { return SQLResult(columns: ["plan"], rows: [[.text("CONSTANT ROW")]]) }
            let table = try catalog.table(from.name)
            plan = try accessPlan(table, s.whereClause, alias: from.alias)
        case .update(let s): plan = try accessPlan(try catalog.table(s.table), try resolved(s.whereClause), alias: nil)
        case .delete(let s): plan = try accessPlan(try catalog.table(s.table), try resolved(s.whereClause), alias: nil)
        default: throw SQLError.unsupported("EXPLAIN applies to SELECT, UPDATE and DELETE")
        }
        return SQLResult(columns: ["plan"], rows: [[.text(plan.description)]])
    }

    /// Binds `condition` against `table` (no aggregates) and plans it.
    func accessPlan(_ table: TableSchema, _ condition: SQLExpression?, alias: String?) throws(SQLError) -> AccessPlan {
        var binder = ExpressionBinder(table: table, alias: alias)
        let bound: BoundExpression? = if let condition { try binder.bind(condition) } else { nil }
        return try AccessPlanner(table: table, evaluator: evaluator).plan(bound)
    }

    /// Bumps the catalogue version token, so every later statement (in this
    /// and, once committed, in other transactions) reloads the catalogue.
    mutating func bumpCatalogVersion() throws(SQLError) {
        var token = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in token.indices { token[i] = UInt8.random(in: 0...255, using: &generator) }
        try overlay.put(keys.version, token)
    }

    /// A fresh id for a table or index (ids are never reused).
    mutating func allocateID() throws(SQLError) -> UInt32 {
        var last: UInt32 = 0
        if let bytes = try overlay.get(keys.nextID) {
            guard bytes.count == 4 else { throw SQLError.corruption("next-id entry is \(bytes.count) bytes") }
            last = bytes.reduce(0) { $0 << 8 | UInt32($1) }
        }
        guard last < .max else { throw SQLError.storage("table and index ids are exhausted") }
        var out: [UInt8] = []
        OrderedKeyEncoding.appendBigEndian(last + 1, to: &out)
        try overlay.put(keys.nextID, out)
        return last + 1
    }

    mutating func writeSchema(_ table: TableSchema) throws(SQLError) {
        try overlay.put(keys.catalogEntry(table.name), table.encoded())
        try bumpCatalogVersion()
    }
}
