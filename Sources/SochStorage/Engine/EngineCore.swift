import Synchronization

/// The state and the work of one open database, behind the public handle
/// ``StorageEngine`` (whose documentation states the contract).
///
/// The background threads hold the core strongly and end when it closes; the
/// handle holds it too and closes it in its deinit. So an engine dropped
/// without ``close()`` still stops its threads, syncs its WAL and releases
/// the lock, and no thread ever touches a freed object.
final class EngineCore: @unchecked Sendable {
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
    /// Transactions begun and not yet finished.
    var liveTransactions = 0                           // guarded by mutex
    /// Commits since the oldest live transaction's snapshot, oldest first.
    var recentCommits: [CommitRecord] = []             // guarded by mutex

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
        self.wal = recovered.wal
        self.lastAllocated = recovered.manifest.lastSequence
        self.visibleSequence.store(recovered.manifest.lastSequence, ordering: .releasing)
        currentWALBytes.store(recovered.wal.size, ordering: .relaxed)
    }

    /// Locks the directory, recovers it and starts the background threads.
    static func open(path: String, options: StorageOptions = StorageOptions()) throws -> EngineCore {
        try options.validate()
        let fs = options.fileSystem
        try fs.createDirectory(path)
        let lock = try fs.lockFile(Path.join(path, DatabaseFile.lock.name))
        let recovered = try Recovery(path: path, options: options).run()
        let engine = EngineCore(path: path, options: options, lock: lock, recovered: recovered)
        engine.startBackgroundThreads()
        return engine
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
        mutex.broadcastBackground()
        mutex.broadcastTimer()
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
            backgroundThread = BackgroundThread { self.backgroundLoop() }
        }
        if options.syncMode == .normal {
            syncThread = BackgroundThread { self.syncLoop() }
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
