import Synchronization

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
/// queue and the first in line commits the whole queue with one WAL write and
/// (sync mode `full`) one fsync — group commit. Readers take no lock beyond
/// copying three references. One background thread flushes memtables and
/// compacts; in sync mode `normal` another syncs the WAL every 100 ms.
///
/// Lifetime: ``close()`` (idempotent, also run by deinit) waits for queued
/// writes, stops the background threads, syncs the WAL and releases the
/// directory's lock file.
public final class StorageEngine: @unchecked Sendable {
    public let path: String
    let options: StorageOptions
    let fs: FileSystem
    let counters: EngineCounters
    let cache: BlockCache?
    private var lockFile: FileLock?

    /// Guards every field marked so, and is the condition writers, the
    /// background thread and checkpoints wait on.
    let mutex = ConditionLock()
    var mem: Memtable                                  // guarded by mutex
    var imm: Memtable? = nil                           // guarded by mutex
    /// First WAL segment holding entries of `mem` (older ones hold only `imm`'s or flushed ones).
    var memLogNumber: UInt64                           // guarded by mutex
    var current: Version                               // guarded by mutex
    var manifest: Manifest                             // guarded by mutex (changed under workLock too)
    var nextFileNumber: UInt64                         // guarded by mutex
    var writers: [PendingWrite] = []                   // guarded by mutex
    var backgroundError: StorageError? = nil           // guarded by mutex
    var isClosed = false                               // guarded by mutex
    var stopping = false                               // guarded by mutex
    var snapshots: [SequenceNumber: Int] = [:]         // guarded by mutex
    var compactPointer: [[UInt8]] = Array(repeating: [], count: Manifest.maxLevels) // guarded by workLock
    /// Sizes of closed WAL segments still live, by number.
    var closedLogSizes: [UInt64: UInt64] = [:]         // guarded by mutex
    var lastCheckpointLSN: SequenceNumber              // guarded by mutex

    /// The WAL segment being appended to; used only by the commit leader
    /// (or by open/close when no writer can run).
    var wal: WALWriter
    /// Sequences handed out to batches; the leader advances it.
    var lastAllocated: SequenceNumber                  // guarded by being the leader
    var lastSyncTime = monotonicSeconds()              // guarded by being the leader
    var walDirty = false                               // guarded by being the leader
    /// Size of the segment being appended to (the leader stores it after each write).
    let currentWALBytes = Atomic<UInt64>(0)
    /// The newest committed sequence visible to readers.
    let visibleSequence = Atomic<UInt64>(0)

    /// Serialises flushes, compactions and manifest writes (whoever runs them:
    /// the background thread, a checkpoint, a test).
    let workLock = ConditionLock()
    private var backgroundThread: BackgroundThread? = nil
    private var syncThread: BackgroundThread? = nil

    init(path: String, options: StorageOptions, lock: FileLock, recovered: Recovered) {
        self.path = path
        self.options = options
        self.fs = options.fileSystem
        self.lockFile = lock
        self.cache = recovered.cache
        self.counters = recovered.counters
        self.mem = Memtable()
        self.memLogNumber = recovered.manifest.logNumber
        self.current = recovered.version
        self.manifest = recovered.manifest
        self.nextFileNumber = recovered.manifest.nextFileNumber
        self.lastCheckpointLSN = recovered.manifest.lastCheckpointLSN
        self.wal = recovered.wal
        self.lastAllocated = recovered.manifest.lastSequence
        self.visibleSequence.store(recovered.manifest.lastSequence, ordering: .releasing)
        currentWALBytes.store(recovered.wal.size, ordering: .relaxed)
    }

    /// Opens (creating if missing) the database in directory `path`.
    ///
    /// Replays the WAL written since the last flush, trimming a torn tail, and
    /// writes what it recovered to a table before accepting writes. Throws
    /// ``StorageError/databaseLocked(path:)`` at once if another process or
    /// handle has the directory open, ``StorageError/walCorruption(segment:offset:reason:)``
    /// for a WAL damaged before its end (unless `walRecovery` is `.salvage`),
    /// and corruption errors for a damaged manifest or table.
    public static func open(path: String, options: StorageOptions = StorageOptions()) throws -> StorageEngine {
        try options.validate()
        let fs = options.fileSystem
        try fs.createDirectory(path)
        let lock = try fs.lockFile(Path.join(path, DatabaseFile.lock.name))
        let recovered = try Recovery(path: path, options: options).run()
        let engine = StorageEngine(path: path, options: options, lock: lock, recovered: recovered)
        engine.startBackgroundThreads()
        return engine
    }

    deinit {
        try? close()
    }

    /// Waits for queued writes, stops background work, syncs the WAL and
    /// releases the lock. Idempotent. A background error is reported here
    /// once more if one stopped the engine.
    public func close() throws {
        mutex.lock()
        if isClosed { mutex.unlock(); return }
        isClosed = true
        while !writers.isEmpty { mutex.wait() }
        stopping = true
        mutex.broadcast()
        mutex.unlock()
        backgroundThread?.join(); backgroundThread = nil
        syncThread?.join(); syncThread = nil
        defer { lockFile?.unlock(); lockFile = nil }
        let failure = mutex.withLock { backgroundError }
        if failure == nil && walDirty {
            try wal.sync()
            walDirty = false
        }
        try wal.close()
    }

    private func startBackgroundThreads() {
        if options.backgroundWork {
            backgroundThread = BackgroundThread { [unowned self] in self.backgroundLoop() }
        }
        if options.syncMode == .normal {
            syncThread = BackgroundThread { [unowned self] in self.syncLoop() }
        }
    }

    /// The newest committed LSN.
    public var latestSequence: SequenceNumber { visibleSequence.load(ordering: .acquiring) }

    func tablePath(_ number: UInt64) -> String { Path.join(path, DatabaseFile.table(number).name) }
    func logPath(_ number: UInt64) -> String { Path.join(path, DatabaseFile.log(number).name) }

    /// Throws if the engine is closed or stopped by a background failure. Caller holds `mutex`.
    func checkUsable() throws {
        if let e = backgroundError { throw StorageError.closed("an earlier write failed (\(e)); reopen the database") }
        if isClosed { throw StorageError.closed("the database is closed") }
    }
}
