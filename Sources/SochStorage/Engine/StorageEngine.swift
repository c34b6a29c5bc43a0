/// The key-value storage engine: an LSM tree with a write-ahead log, a
/// memtable, leveled SSTables, background flush and compaction, an LRU block
/// cache, checkpoints and statistics (LevelDB's design; docs/storage.md).
///
/// Keys and values are byte strings; keys order bytewise. Every committed
/// batch gets a contiguous run of sequence numbers, and the last of them is
/// the batch's LSN. Reads see a consistent snapshot: the latest committed
/// sequence, or an explicit ``Snapshot``.
///
/// Thread-safety: all methods may be called from any thread at once. Writers
/// queue, and the first in line commits the whole queue with one WAL write
/// and (sync mode `full`) one fsync: group commit. Readers take no lock
/// beyond copying three references. One background thread flushes memtables
/// and compacts; in sync mode `normal` another syncs the WAL every 100 ms.
///
/// Lifetime: ``close()`` (idempotent; run by deinit when the last reference
/// goes) waits for queued writes, stops the background threads, syncs the
/// WAL and releases the directory's lock file.
public final class StorageEngine: @unchecked Sendable {
    let core: EngineCore

    private init(core: EngineCore) { self.core = core }

    deinit { try? core.close() }

    /// Opens (creating if missing) the database in directory `path`.
    ///
    /// Replays the WAL written since the last flush, trimming a torn tail, and
    /// writes what it recovered to a table before accepting writes. Throws
    /// ``StorageError/databaseLocked(path:)`` at once if another process or
    /// handle has the directory open, ``StorageError/walCorruption(segment:offset:reason:)``
    /// for a WAL damaged before its end (unless `walRecovery` is `.salvage`),
    /// and corruption errors for a damaged manifest or table.
    public static func open(path: String, options: StorageOptions = StorageOptions()) throws -> StorageEngine {
        StorageEngine(core: try EngineCore.open(path: path, options: options))
    }

    public var path: String { core.path }

    /// The newest committed LSN.
    public var latestSequence: SequenceNumber { core.latestSequence }

    /// Waits for queued writes, stops background work, syncs the WAL and
    /// releases the lock. Idempotent.
    public func close() throws { try core.close() }

    /// Whether `close()` has not been called yet.
    public var isOpen: Bool {
        core.mutex.lock()
        defer { core.mutex.unlock() }
        return !core.isClosed
    }

    /// Commits `batch` atomically and returns its LSN (the sequence of its
    /// last entry), durable on return as far as the sync mode promises. An
    /// empty batch writes nothing and returns the latest LSN. A batch that
    /// fails with an I/O error may or may not be present after a reopen; the
    /// engine refuses further writes until then.
    @discardableResult
    public func write(_ batch: WriteBatch) throws -> SequenceNumber { try core.write(batch) }

    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8]) throws -> SequenceNumber { try core.put(key, value) }

    @discardableResult
    public func delete(_ key: [UInt8]) throws -> SequenceNumber { try core.delete(key) }

    /// The value of `key` at `snapshot` (default: the latest commit), or nil.
    public func get(_ key: [UInt8], snapshot: Snapshot? = nil) throws -> [UInt8]? {
        try core.get(key, snapshot: snapshot)
    }

    /// Keys in [`start`, `end`) in order (nil: unbounded) at `snapshot`
    /// (default: the latest commit), fetched in batches; see ``ScanCursor``.
    public func scan(from start: [UInt8]? = nil, to end: [UInt8]? = nil, snapshot: Snapshot? = nil) throws -> ScanCursor {
        try core.scan(from: start, to: end, snapshot: snapshot)
    }

    /// Every key that starts with `prefix`, in order.
    public func scan(prefix: [UInt8], snapshot: Snapshot? = nil) throws -> ScanCursor {
        try core.scan(prefix: prefix, snapshot: snapshot)
    }

    /// A snapshot at the latest committed LSN; compaction keeps what it sees.
    public func snapshot() -> Snapshot { core.snapshot() }

    /// Begins a snapshot-isolated transaction reading at the latest commit
    /// (see ``Transaction``).
    public func beginTransaction() -> Transaction { core.beginTransaction() }

    /// A transaction of the engine's own layers (the SQL catalog read at
    /// open, rowid block reservations) that the `transactions_committed` /
    /// `transactions_aborted` statistics leave out: they count the
    /// application's transactions.
    public func beginInternalTransaction() -> Transaction { core.beginTransaction(counted: false) }

    /// Runs `body` in a transaction that commits when it returns and aborts
    /// when it throws; returns the body's result and the commit's LSN.
    /// Conflicts surface as ``TransactionError/conflict(key:)`` from commit.
    @discardableResult
    public func transaction<R>(_ body: (Transaction) throws -> R) throws -> (result: R, lsn: SequenceNumber) {
        let txn = beginTransaction()
        do {
            let result = try body(txn)
            return (result, try txn.commit())
        } catch {
            txn.abort()
            throw error
        }
    }

    /// Flushes every committed write to a synced table, records the LSN in
    /// the manifest and deletes the WAL segments it covered; returns that LSN.
    @discardableResult
    public func checkpoint() throws -> SequenceNumber { try core.checkpoint() }

    /// Switches and flushes the memtable now.
    public func flushMemtable() throws { try core.flushMemtable() }

    /// Compacts everything into the deepest level, dropping every overwritten
    /// version and tombstone no snapshot needs.
    public func compactAll() throws { try core.compactAll() }

    /// The current statistics (names as in the seed; see ``StorageStatistics``).
    public func statistics() -> StorageStatistics { core.statistics() }

    /// Reads and checks every table; throws the first damage found.
    @discardableResult
    public func verify() throws -> VerifyReport { try core.verify() }
}
