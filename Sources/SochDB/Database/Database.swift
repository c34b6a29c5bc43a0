/// The embedded database: keys, hierarchical paths, scans, transactions,
/// checkpoints and statistics over one directory (the seed's `Database`).
///
///     let db = try Database.open("./my_db")
///     try db.put(Array("user:1".utf8), Array(#"{"name": "Alice"}"#.utf8))
///     try db.putPath("users/alice/email", Array("alice@example.com".utf8))
///     try db.transaction { txn in try txn.put(Array("k".utf8), Array("v".utf8)) }
///     let lsn = try db.checkpoint()
///     try db.close()
///
/// Thread-safety: every method may be called from any thread; transactions
/// are used by one thread each. One process opens a directory at a time (a
/// second gets `SochDBError.database(.databaseLocked)`). Every failure is a
/// ``SochDBError``. Closing is idempotent and also happens on deinit.
public final class Database: @unchecked Sendable {
    /// Settings fixed at open.
    public struct Options: Sendable {
        public var syncMode: SyncMode
        public var memtableSizeBytes: Int
        public var cacheSizeBytes: Int
        public var walRecovery: WALRecovery

        public init(syncMode: SyncMode = .normal, memtableSizeBytes: Int = 64 << 20,
                    cacheSizeBytes: Int = 64 << 20, walRecovery: WALRecovery = .strict) {
            self.syncMode = syncMode; self.memtableSizeBytes = memtableSizeBytes
            self.cacheSizeBytes = cacheSizeBytes; self.walRecovery = walRecovery
        }

        var storage: StorageOptions {
            StorageOptions(syncMode: syncMode, memtableSizeBytes: memtableSizeBytes,
                           blockCacheBytes: cacheSizeBytes, walRecovery: walRecovery)
        }
    }

    /// The storage engine underneath (for tools and benchmarks).
    public let engine: StorageEngine
    public var path: String { engine.path }
    let collections = CollectionRegistry()
    /// The SQL layer over the same store (its keys under `FF 's'`).
    public let sql: SQLEngine

    private init(engine: StorageEngine) throws(SQLError) {
        self.engine = engine
        sql = try SQLEngine(storage: engine, keyPrefix: KeyEncoding.sqlPrefix)
    }

    /// Opens the database in directory `path`, creating it if missing.
    public static func open(_ path: String, options: Options = Options()) throws(SochDBError) -> Database {
        try SochDBError.wrap {
            let engine = try StorageEngine.open(path: path, options: options.storage)
            do { return try Database(engine: engine) } catch { try? engine.close(); throw error }
        }
    }

    /// Saves the open collections' graphs, waits for queued writes, syncs
    /// and releases the directory. Idempotent.
    public func close() throws(SochDBError) {
        // The graphs are derived data: failing to save one must not keep
        // the store open (its lock held); the error still comes back.
        var saveError: SochDBError?
        if engine.isOpen {
            do { try saveCollectionGraphs() } catch { saveError = error }
        }
        try SochDBError.wrap { try engine.close() }
        if let saveError { throw saveError }
    }

    // MARK: keys

    /// Stores `value` under `key` (keys starting with 0xFF are reserved).
    /// Returns the commit's LSN.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8]) throws(SochDBError) -> UInt64 {
        try KeyEncoding.checkApplicationKey(key)
        return try SochDBError.wrap { try engine.put(key, value) }
    }

    /// The value stored under `key`, or nil.
    public func get(_ key: [UInt8]) throws(SochDBError) -> [UInt8]? {
        try KeyEncoding.checkApplicationKey(key)
        return try SochDBError.wrap { try engine.get(key) }
    }

    /// Deletes `key` (no error if absent). Returns the commit's LSN.
    @discardableResult
    public func delete(_ key: [UInt8]) throws(SochDBError) -> UInt64 {
        try KeyEncoding.checkApplicationKey(key)
        return try SochDBError.wrap { try engine.delete(key) }
    }

    /// Applies every put (`value` non-nil) and delete in order, atomically,
    /// in one commit (one WAL record); returns its LSN. Validates every key
    /// first: a bad one fails the whole batch and writes nothing. The server
    /// uses it to commit a pipelined run of one connection's PUTs at once.
    @discardableResult
    public func write(_ operations: [(key: [UInt8], value: [UInt8]?)]) throws(SochDBError) -> UInt64 {
        var batch = WriteBatch()
        for op in operations {
            try KeyEncoding.checkApplicationKey(op.key)
            if let v = op.value { batch.put(op.key, v) } else { batch.delete(op.key) }
        }
        return try SochDBError.wrap { try engine.write(batch) }
    }

    // MARK: paths

    /// Stores `value` at a `/`-separated path (`users/alice/email`); no
    /// segment may be empty or contain a NUL byte.
    @discardableResult
    public func putPath(_ path: String, _ value: [UInt8]) throws(SochDBError) -> UInt64 {
        let key = try KeyEncoding.pathKey(path)
        return try SochDBError.wrap { try engine.put(key, value) }
    }

    public func getPath(_ path: String) throws(SochDBError) -> [UInt8]? {
        let key = try KeyEncoding.pathKey(path)
        return try SochDBError.wrap { try engine.get(key) }
    }

    @discardableResult
    public func deletePath(_ path: String) throws(SochDBError) -> UInt64 {
        let key = try KeyEncoding.pathKey(path)
        return try SochDBError.wrap { try engine.delete(key) }
    }

    /// Every path at or under `prefix` (whole segments: `users/al` does not
    /// match `users/alice`), in order, with its value.
    public func scanPath(_ prefix: String) throws(SochDBError) -> [(path: String, value: [UInt8])] {
        // The encoded path with its final terminator is a prefix of exactly
        // the path itself and every path below it.
        let subtree = try KeyEncoding.pathKey(prefix)
        return try SochDBError.wrap {
            var out: [(path: String, value: [UInt8])] = []
            try engine.scan(prefix: subtree).forEach { k, v in out.append((KeyEncoding.path(fromKey: k), v)) }
            return out
        }
    }

    // MARK: scans

    /// The application keys in [`start`, `end`) in order (nil: unbounded),
    /// fetched in batches of `batchSize` (the seed's `scan_batched`): pass
    /// the cursor's batches across a boundary, one crossing per batch.
    public func scanBatched(start: [UInt8]? = nil, end: [UInt8]? = nil, batchSize: Int = 1024) throws(SochDBError) -> DatabaseCursor {
        if let start { try KeyEncoding.checkApplicationKey(start) }
        let upper = KeyEncoding.applicationEnd(end)
        return try SochDBError.wrap { DatabaseCursor(try engine.scan(from: start, to: upper), batchSize: batchSize) }
    }

    /// All application pairs in [`start`, `end`), in key order.
    public func scan(start: [UInt8]? = nil, end: [UInt8]? = nil) throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        try scanBatched(start: start, end: end).all()
    }

    /// All application pairs whose key starts with `prefix`, in key order.
    public func scanPrefix(_ prefix: [UInt8]) throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        try scan(start: prefix, end: ScanCursor.prefixEnd(prefix))
    }

    // MARK: transactions, checkpoints, statistics

    /// A new snapshot-isolated transaction (see ``DatabaseTransaction``).
    public func beginTransaction() -> DatabaseTransaction { DatabaseTransaction(engine.beginTransaction(), sql: sql) }

    /// Runs `body` in a transaction that commits when it returns (the result
    /// and the LSN come back) and aborts when it throws. The body's own errors
    /// come through unchanged; the database's are ``SochDBError``s.
    @discardableResult
    public func transaction<R>(_ body: (DatabaseTransaction) throws -> R) throws -> (result: R, lsn: UInt64) {
        let txn = beginTransaction()
        let result: R
        do { result = try body(txn) } catch { txn.abort(); throw error }
        return (result, try txn.commit())
    }

    /// Flushes everything to tables, records the LSN, recycles the WAL and
    /// saves every open collection's graph; returns the LSN.
    @discardableResult
    public func checkpoint() throws(SochDBError) -> UInt64 {
        // The store's checkpoint is what makes data durable; the graph files
        // only make the next open faster, so a failure to save one is
        // reported after the checkpoint, which stands.
        let lsn = try SochDBError.wrap { try engine.checkpoint() }
        try saveCollectionGraphs()
        return lsn
    }

    /// The seed's statistics (`keys_count`, `bytes_written`, …,
    /// `transactions_committed`, `transactions_aborted`, `queries_executed`)
    /// by name, in a stable order. `queries_executed` counts SQL statements.
    public func stats() -> [(name: String, value: StatisticValue)] {
        engine.statistics().dictionary.map { ($0.0, $0.1) } + [("queries_executed", .integer(queriesExecuted))]
    }

    /// ``stats()`` as one JSON object (`{"keys_count": 12, …}`), for the
    /// C ABI and the wire.
    public func statsJSON() -> String {
        "{" + stats().map { "\"\($0.name)\":\($0.value.json)" }.joined(separator: ",") + "}"
    }

    /// SQL statements run so far (the SQL layer counts them).
    var queriesExecuted: UInt64 { UInt64(sql.statementsExecuted) }

    deinit { try? engine.close() }
}

/// A batched scan of application keys (``Database/scanBatched(start:end:batchSize:)``,
/// ``DatabaseTransaction/scanBatched(start:end:batchSize:)``), streamed
/// from the snapshot. Not thread-safe.
public final class DatabaseCursor {
    private enum Source {
        case snapshot(ScanCursor)
        case transaction(TransactionCursor)
    }

    private let source: Source
    public let batchSize: Int

    init(_ cursor: ScanCursor, batchSize: Int) { source = .snapshot(cursor); self.batchSize = max(1, batchSize) }
    init(_ cursor: TransactionCursor, batchSize: Int) { source = .transaction(cursor); self.batchSize = max(1, batchSize) }

    /// The next batch (empty at the end).
    public func next() throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        switch source {
        case .snapshot(let cursor): return try SochDBError.wrap { try cursor.nextBatch(maxEntries: batchSize) }
        case .transaction: return try nextPacked().map { (Array($0.key), Array($0.value)) }
        }
    }

    /// The next batch packed into one buffer (no allocation per pair); empty
    /// at the end. The fastest way to move a scan across a boundary.
    /// `maxEntries` overrides the cursor's batch size for this call.
    public func nextPacked(maxEntries: Int? = nil) throws(SochDBError) -> ScanBatch {
        let limit = max(1, maxEntries ?? batchSize)
        switch source {
        case .snapshot(let cursor): return try SochDBError.wrap { try cursor.nextPackedBatch(maxEntries: limit) }
        case .transaction(let cursor): return try SochDBError.wrap { try cursor.nextPackedBatch(maxEntries: limit) }
        }
    }

    func all() throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        while true {
            let batch = try next()
            if batch.isEmpty { return out }
            out.append(contentsOf: batch)
        }
    }
}
