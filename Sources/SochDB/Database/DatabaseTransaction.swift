/// A snapshot-isolated transaction of a ``Database``: the engine's
/// ``Transaction`` with paths and ``SochDBError``s. Reads see the snapshot
/// taken at begin plus this transaction's own writes; `commit` returns the
/// LSN or fails with `SochDBError.transaction(.conflict)` if another commit
/// wrote one of its keys first. Used by one thread at a time.
public final class DatabaseTransaction {
    let txn: Transaction
    /// Run in order with the LSN once the commit succeeded: collections
    /// apply their writes to the in-memory graph here.
    private var commitActions: [(UInt64) -> Void] = []

    /// The SQL layer `execute` runs statements with (nil: none, for the
    /// collections' own internal transactions).
    let sql: SQLEngine?

    /// Set when this is a trigger's view of a statement's transaction
    /// (``TriggerContext/transaction``): usable only while the handler runs,
    /// never committed or aborted through here, and its SQL runs as the
    /// trigger's nested statements.
    private let trigger: TriggerContext?

    init(_ txn: Transaction, sql: SQLEngine? = nil) {
        self.txn = txn
        self.sql = sql
        trigger = nil
    }

    init(trigger context: TriggerContext) {
        txn = context.storageTransaction
        sql = nil
        trigger = context
    }

    /// Registers work to run after a successful commit (dropped on abort).
    func onCommit(_ action: @escaping (UInt64) -> Void) { commitActions.append(action) }

    public var id: UInt64 { txn.id }
    public var isActive: Bool { txn.isActive && trigger?.scope.isOpen != false }
    /// Whether this is a trigger's view of a statement's transaction.
    public var isTriggerScoped: Bool { trigger != nil }

    /// Refuses every call on a trigger's transaction once its handler has returned.
    func checkUsable() throws(SochDBError) {
        if let trigger, !trigger.scope.isOpen {
            throw .sql(.transactionState("trigger \(trigger.trigger) has returned; its transaction view is closed"))
        }
    }

    /// Refuses what a trigger cannot do through the statement's transaction
    /// (collection writes: their graph changes apply only on a commit a
    /// trigger never sees).
    func requireOwned(_ what: String) throws(SochDBError) {
        if let trigger { throw .invalidArgument("trigger \(trigger.trigger) cannot \(what): its transaction belongs to the statement") }
    }

    /// Refuses a write from a BEFORE handler (``TriggerContext/canWrite``).
    func checkWritable() throws(SochDBError) {
        try checkUsable()
        if let trigger { do { try trigger.checkWritable() } catch { throw .sql(error) } }
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) throws(SochDBError) {
        try checkWritable()
        try KeyEncoding.checkApplicationKey(key)
        try SochDBError.wrap { try txn.put(key, value) }
    }

    public func get(_ key: [UInt8]) throws(SochDBError) -> [UInt8]? {
        try checkUsable()
        try KeyEncoding.checkApplicationKey(key)
        return try SochDBError.wrap { try txn.get(key) }
    }

    public func delete(_ key: [UInt8]) throws(SochDBError) {
        try checkWritable()
        try KeyEncoding.checkApplicationKey(key)
        try SochDBError.wrap { try txn.delete(key) }
    }

    public func putPath(_ path: String, _ value: [UInt8]) throws(SochDBError) {
        try checkWritable()
        let key = try KeyEncoding.pathKey(path)
        try SochDBError.wrap { try txn.put(key, value) }
    }

    public func getPath(_ path: String) throws(SochDBError) -> [UInt8]? {
        try checkUsable()
        let key = try KeyEncoding.pathKey(path)
        return try SochDBError.wrap { try txn.get(key) }
    }

    public func deletePath(_ path: String) throws(SochDBError) {
        try checkWritable()
        let key = try KeyEncoding.pathKey(path)
        try SochDBError.wrap { try txn.delete(key) }
    }

    /// Application pairs in [`start`, `end`) at the snapshot, own writes applied.
    public func scan(start: [UInt8]? = nil, end: [UInt8]? = nil) throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        try checkUsable()
        if let start { try KeyEncoding.checkApplicationKey(start) }
        let upper = KeyEncoding.applicationEnd(end)
        return try SochDBError.wrap { try txn.scan(from: start, to: upper) }
    }

    /// ``scan(start:end:)`` streamed in batches of about `batchSize` pairs
    /// (the transaction's own writes merge into them): the range is never
    /// held in memory whole. The writes it merges are those made before
    /// this call.
    public func scanBatched(start: [UInt8]? = nil, end: [UInt8]? = nil, batchSize: Int = 1024) throws(SochDBError) -> DatabaseCursor {
        try checkUsable()
        if let start { try KeyEncoding.checkApplicationKey(start) }
        let upper = KeyEncoding.applicationEnd(end)
        return try SochDBError.wrap { DatabaseCursor(try txn.scanCursor(from: start, to: upper), batchSize: batchSize) }
    }

    public func scanPrefix(_ prefix: [UInt8]) throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        try scan(start: prefix, end: ScanCursor.prefixEnd(prefix))
    }

    /// Runs one SQL statement inside this transaction: its writes commit or
    /// abort with the transaction's other writes (keys, paths, collections).
    /// A failing statement leaves the transaction as it was before it.
    /// BEGIN, COMMIT and ROLLBACK are refused here: use `commit`/`abort`.
    @discardableResult
    public func execute(_ statement: String, parameters: [SQLValue] = []) throws(SochDBError) -> SQLResult {
        try checkUsable()
        if let trigger {
            do { return try trigger.execute(statement, parameters: parameters) } catch { throw .sql(error) }
        }
        guard let sql else { throw .invalidArgument("this transaction has no SQL layer") }
        do { return try sql.execute(statement, parameters: parameters, in: txn) } catch { throw .sql(error) }
    }

    /// Commits atomically (one WAL record); returns the LSN. A trigger's
    /// transaction cannot be committed: it commits with its statement
    /// (``SQLError/transactionState(_:)``).
    @discardableResult
    public func commit() throws(SochDBError) -> UInt64 {
        if let trigger {
            throw .sql(.transactionState("trigger \(trigger.trigger) cannot commit the statement's transaction; it commits with the statement"))
        }
        let actions = commitActions
        commitActions = []
        let lsn = try SochDBError.wrap { try txn.commit() }
        for action in actions { action(lsn) }
        return lsn
    }

    /// Discards the writes; a no-op once finished, and on a trigger's
    /// transaction (a trigger fails its statement by throwing).
    public func abort() {
        if trigger != nil { return }
        commitActions = []
        txn.abort()
    }
}
