/// When a commit's WAL record is forced to stable storage.
///
/// | mode | a commit returns after | survives a process crash | survives a power loss |
/// |---|---|---|---|
/// | `off` | the record is handed to the OS | yes | only what a later sync covered (segment roll, checkpoint, close) |
/// | `normal` | the record is handed to the OS; a background sync runs at most 100 ms later | yes | all but the last ≤ 100 ms of commits |
/// | `full` | `fdatasync` of the record (group commit: concurrent committers share one) | yes | yes |
public enum SyncMode: String, Sendable, CaseIterable {
    case off, normal, full
}

/// Settings fixed when a database is opened.
public struct StorageOptions: Sendable {
    public var syncMode: SyncMode
    /// A memtable is switched out and flushed once it holds this many bytes.
    public var memtableSizeBytes: Int
    /// Byte budget of the LRU cache of table blocks.
    public var blockCacheBytes: Int
    /// What to do with a WAL damaged before its end.
    public var walRecovery: WALRecovery
    /// Every file operation goes through this layer.
    public var fileSystem: FileSystem
    /// Level 1's size target; each deeper level's is `levelSizeMultiplier` times more.
    public var level1MaxBytes: Int
    public var levelSizeMultiplier: Int
    /// Tables written by compaction are cut at about this size.
    public var targetFileSizeBytes: Int
    /// Level 0 is compacted once it holds this many tables; writes stall at `l0StopTrigger`.
    public var l0CompactionTrigger: Int
    public var l0StopTrigger: Int
    /// Table data block size and bloom filter bits per key.
    public var blockSize: Int
    public var bloomBitsPerKey: Int
    /// Start the background flush and compaction thread (tests may turn it off
    /// and drive ``StorageEngine/flushMemtable()`` and ``StorageEngine/compactAll()``).
    public var backgroundWork: Bool

    public init(syncMode: SyncMode = .normal,
                memtableSizeBytes: Int = 64 << 20,
                blockCacheBytes: Int = 64 << 20,
                walRecovery: WALRecovery = .strict,
                fileSystem: FileSystem = POSIXFileSystem.shared,
                level1MaxBytes: Int = 256 << 20,
                levelSizeMultiplier: Int = 10,
                targetFileSizeBytes: Int = 32 << 20,
                l0CompactionTrigger: Int = 4,
                l0StopTrigger: Int = 12,
                blockSize: Int = 4096,
                bloomBitsPerKey: Int = 10,
                backgroundWork: Bool = true) {
        self.syncMode = syncMode
        self.memtableSizeBytes = memtableSizeBytes
        self.blockCacheBytes = blockCacheBytes
        self.walRecovery = walRecovery
        self.fileSystem = fileSystem
        self.level1MaxBytes = level1MaxBytes
        self.levelSizeMultiplier = levelSizeMultiplier
        self.targetFileSizeBytes = targetFileSizeBytes
        self.l0CompactionTrigger = l0CompactionTrigger
        self.l0StopTrigger = l0StopTrigger
        self.blockSize = blockSize
        self.bloomBitsPerKey = bloomBitsPerKey
        self.backgroundWork = backgroundWork
    }

    func validate() throws {
        func check(_ ok: Bool, _ why: String) throws { if !ok { throw StorageError.invalidArgument(why) } }
        try check(memtableSizeBytes >= 4096, "memtableSizeBytes must be at least 4096")
        try check(blockCacheBytes >= 0, "blockCacheBytes must not be negative")
        try check(level1MaxBytes >= 4096 && levelSizeMultiplier >= 2, "level1MaxBytes ≥ 4096 and levelSizeMultiplier ≥ 2")
        try check(targetFileSizeBytes >= 4096, "targetFileSizeBytes must be at least 4096")
        try check(l0CompactionTrigger >= 1 && l0StopTrigger > l0CompactionTrigger, "need 1 ≤ l0CompactionTrigger < l0StopTrigger")
        try check(blockSize >= 256 && blockSize <= 1 << 20, "blockSize must be in 256…1 MiB")
        try check(bloomBitsPerKey >= 0 && bloomBitsPerKey <= 64, "bloomBitsPerKey must be in 0…64")
    }
}
