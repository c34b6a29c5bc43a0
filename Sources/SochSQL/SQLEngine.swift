import SochStorage
import Synchronization

/// The SQL layer over one open ``StorageEngine``: parses, plans and runs
/// statements against tables stored in the key-value store under a key
/// prefix (layout: docs/formats/sql-keys.md; dialect: docs/sql.md).
///
/// Thread-safety: one engine per open database, shared by all threads; its
/// caches (parsed statements by SQL text, catalogues by version) are guarded
/// by `state`'s lock. Each ``Transaction`` passed in is still used by one
/// thread at a time.
///
/// Statement atomicity: a statement's writes are buffered and reach the
/// transaction only when the whole statement has succeeded.
public final class SQLEngine: @unchecked Sendable {
    let storage: StorageEngine
    let keys: SQLKeys
    let rowids: RowidAllocator
    /// Parsed statements and loaded catalogues.
    private let state: Mutex<CacheState>
    private let executed = Atomic<Int>(0)
    let triggerRegistry = TriggerRegistry()

    struct CacheState: ~Copyable {
        var statements = StatementCache(capacity: 256)
        /// Catalogues by version token; a handful (uncommitted DDL of open
        /// transactions shows up as its own version).
        var catalogs: [[UInt8]: SQLCatalog] = [:]
    }

    /// At most this many catalogue versions are cached.
    static let catalogCacheSize = 8

    /// Attaches the SQL layer to `storage`; every key it reads or writes
    /// starts with `keyPrefix`. Reads the catalogue once to check that it
    /// decodes.
    public init(storage: StorageEngine, keyPrefix: [UInt8]) throws(SQLError) {
        self.storage = storage
        self.keys = SQLKeys(prefix: keyPrefix)
        self.rowids = RowidAllocator(storage: storage, keys: keys)
        self.state = Mutex(CacheState())
        let transaction = storage.beginInternalTransaction()
        defer { transaction.abort() }
        _ = try catalog(WriteOverlay(transaction))
    }

    /// How many statements have run (any path, including transaction
    /// control and failed statements that parsed).
    public var statementsExecuted: Int { executed.load(ordering: .relaxed) }

    /// A new connection with its own (autocommit or explicit) transaction state.
    public func makeSession() -> SQLSession { SQLSession(engine: self) }

    /// Runs one statement inside `transaction`, which it does not commit.
    /// Transaction control (BEGIN, COMMIT, ROLLBACK) throws
    /// ``SQLError/transactionState(_:)``. On error nothing of the statement
    /// has been written to the transaction.
    public func execute(_ sql: String, parameters: [SQLValue] = [], in transaction: Transaction) throws(SQLError) -> SQLResult {
        try execute(sql, parameters: parameters, in: transaction, depth: 0)
    }

    /// ``execute(_:parameters:in:)`` for a statement run by a trigger
    /// `depth` levels down.
    func execute(_ sql: String, parameters: [SQLValue], in transaction: Transaction, depth: Int) throws(SQLError) -> SQLResult {
        try execute(try parse(sql), parameters: parameters, in: transaction, depth: depth)
    }

    /// The same for a statement already parsed.
    func execute(_ parsed: ParsedStatement, parameters: [SQLValue], in transaction: Transaction, depth: Int) throws(SQLError) -> SQLResult {
        if parsed.statement.isTransactionControl {
            executed.add(1, ordering: .relaxed)
            throw SQLError.transactionState("BEGIN, COMMIT and ROLLBACK are not allowed in a caller-managed transaction")
        }
        return try run(parsed, parameters: parameters, in: transaction, depth: depth)
    }

    /// Parses `sql` (one statement), through the statement cache.
    func parse(_ sql: String) throws(SQLError) -> ParsedStatement {
        if let cached = state.withLock({ $0.statements.lookup(sql) }) { return cached }
        let parsed = try SQLParser.parse(sql)
        state.withLock { $0.statements.insert(sql, parsed) }
        return parsed
    }

    func countStatement() { executed.add(1, ordering: .relaxed) }

    /// Runs a parsed, non-transaction-control statement in `transaction`;
    /// `retry` marks a re-run of an autocommit statement, not counted again;
    /// `depth` counts the trigger-run statements around it.
    ///
    /// A statement whose table has triggers runs inside a savepoint of the
    /// transaction: its BEFORE handlers run row by row, its rows reach the
    /// transaction, then its AFTER and ON BATCH handlers run; if anything
    /// fails, everything since the savepoint (rows, and whatever the
    /// handlers wrote) is undone.
    func run(_ parsed: ParsedStatement, parameters: [SQLValue], in transaction: Transaction,
             retry: Bool = false, depth: Int = 0) throws(SQLError) -> SQLResult {
        if !retry { executed.add(1, ordering: .relaxed) }
        guard parameters.count == parsed.parameterCount else {
            throw SQLError.parameterCount(expected: parsed.parameterCount, got: parameters.count)
        }
        guard transaction.isActive else { throw SQLError.transaction(.finished(id: transaction.id)) }
        guard let target = parsed.statement.dmlTarget,
              let triggers = StatementTriggers(triggerRegistry.bound(to: target.table), operation: target.operation,
                                               engine: self, transaction: transaction, depth: depth) else {
            return try runStatement(parsed, parameters: parameters, in: transaction, triggers: nil)
        }
        let savepoint: Savepoint
        do { savepoint = try transaction.savepoint() } catch { throw SQLError.wrap(error) }
        do throws(SQLError) {
            let result = try runStatement(parsed, parameters: parameters, in: transaction, triggers: triggers)
            try triggers.runAfter()
            do { try transaction.release(savepoint) } catch { throw SQLError.wrap(error) }
            return result
        } catch {
            try? transaction.rollback(to: savepoint)
            throw error
        }
    }

    /// One statement's execution proper: into an overlay, applied to
    /// `transaction` only when the whole statement succeeded.
    private func runStatement(_ parsed: ParsedStatement, parameters: [SQLValue], in transaction: Transaction,
                              triggers: StatementTriggers?) throws(SQLError) -> SQLResult {
        let overlay = WriteOverlay(transaction)
        let executor = StatementExecutor(keys: keys, catalog: try catalog(overlay),
                                         evaluator: Evaluator(parameters: parameters.map(Self.withoutNaN)), rowids: rowids, overlay: overlay,
                                         hasSubqueries: parsed.hasSubqueries, triggers: triggers)
        var running = executor
        let result = try running.dispatch(parsed.statement)
        if !running.overlay.writes.isEmpty, parsed.statement.writesRows {
            // Its writes follow the schema this snapshot read: a concurrent
            // schema change (which bumps the version) must conflict with
            // them, or an index could miss rows or point at deleted ones.
            do { try transaction.requireUnchanged(keys.version) } catch { throw SQLError.wrap(error) }
        }
        if !running.overlay.writes.isEmpty, parsed.statement.isSchemaChange {
            // And the other way round: a schema change read rows at its
            // snapshot (an index back-fill, a drop); any SQL row or index
            // entry written since must make it conflict. (Not the rowid
            // counters: the allocator commits those on its own, also for a
            // table this very transaction created.)
            do {
                try transaction.requireNoWrites(prefix: keys.allRowsPrefix)
                try transaction.requireNoWrites(prefix: keys.allIndexesPrefix)
            } catch { throw SQLError.wrap(error) }
        }
        try running.overlay.apply()
        return result
    }

    /// A NaN parameter binds as NULL: SQL has no NaN (arithmetic that makes
    /// one yields NULL), and NaN has no place in the key order.
    static func withoutNaN(_ v: SQLValue) -> SQLValue {
        if case .real(let d) = v, d.isNaN { return .null }
        return v
    }

    /// The catalogue as `overlay` sees it: one read of the version key, and
    /// a reload of the `c` entries only for a version not cached yet.
    func catalog(_ overlay: WriteOverlay) throws(SQLError) -> SQLCatalog {
        let version = try overlay.get(keys.version) ?? []
        if let cached = state.withLock({ $0.catalogs[version] }) { return cached }
        var tables: [String: TableSchema] = [:]
        for pair in try overlay.scan(prefix: keys.catalogPrefix) {
            let table = try TableSchema.decode(pair.value)
            tables[table.name] = table
        }
        let loaded = SQLCatalog(version: version, tables: tables)
        state.withLock { cache in
            if cache.catalogs.count >= Self.catalogCacheSize { cache.catalogs.removeAll(keepingCapacity: true) }
            cache.catalogs[version] = loaded
        }
        return loaded
    }
}
