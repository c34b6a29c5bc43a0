#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file system for tests that simulates power loss and failing disks, in
/// the manner of LevelDB's `fault_injection_test`.
///
/// It forwards to a real file system and remembers, per file, how many bytes
/// were durable at the last ``WritableFile/sync()`` and which files were
/// created since their directory was last synced. ``simulatePowerLoss(tear:)``
/// then makes the disk look as after a power cut: each file is cut back to
/// its synced length (optionally keeping a torn, garbage-filled part of the
/// next page), and files whose creation was never made durable vanish.
/// ``failWrite(after:errno:)`` and ``failSync(after:errno:)`` make the Nth
/// following write or sync fail with EIO, ENOSPC or any errno, once.
/// ``halt()`` makes every later call fail, for a writer that must stop dead
/// (a simulated crash while the engine's threads still run).
///
/// Renames are kept as done (a rename that was not directory-synced may or
/// may not survive a real power cut; keeping it is one of the two outcomes).
/// Thread-safe.
public final class FaultInjectingFileSystem: FileSystem, @unchecked Sendable {
    /// How the unsynced tail of each file is treated at a power loss.
    public enum Tear: Sendable {
        /// Drop everything written since the last sync.
        case none
        /// Keep up to one page (4 KiB) of unsynced bytes, the last part of it
        /// overwritten with garbage, as a torn sector write would leave it.
        case lastPage(seed: UInt64)
    }

    private let base: FileSystem
    private let lock = ConditionLock()
    private var syncedSize: [String: UInt64] = [:]          // guarded by lock
    private var unsyncedCreations: Set<String> = []          // guarded by lock
    /// Targets of a rename whose source was a file created since its
    /// directory's last sync, with what the target held before (nil: it did
    /// not exist). A power loss before the next directory sync undoes the
    /// rename: the directory still shows the old file, as a journaled file
    /// system leaves it (the old or the new, never neither).
    private var renamedOver: [String: [UInt8]?] = [:]        // guarded by lock
    private var writesUntilFailure: Int? = nil               // guarded by lock
    private var syncsUntilFailure: Int? = nil                // guarded by lock
    private var writeErrno: Int32 = EIO                      // guarded by lock
    private var syncErrno: Int32 = EIO                       // guarded by lock
    private var halted = false                               // guarded by lock
    /// Writes and syncs seen, for tests that pick a failure point.
    public private(set) var writeCount = 0                   // guarded by lock
    public private(set) var syncCount = 0                    // guarded by lock

    public init(base: FileSystem = POSIXFileSystem.shared) { self.base = base }

    /// The `n`th write from now (1 = the next) fails with `errno`.
    public func failWrite(after n: Int, errno: Int32 = EIO) {
        lock.withLock { writesUntilFailure = n; writeErrno = errno }
    }

    /// The `n`th sync from now (1 = the next) fails with `errno`.
    public func failSync(after n: Int, errno: Int32 = EIO) {
        lock.withLock { syncsUntilFailure = n; syncErrno = errno }
    }

    /// Every later call fails with EIO: the process is "dead".
    public func halt() { lock.withLock { halted = true } }

    /// Cuts every file back to what a power loss would leave, then lets calls
    /// through again. Call after ``halt()`` and after the engine is gone.
    public func simulatePowerLoss(tear: Tear = .none) throws {
        try lock.withLock {
            var rng = SplitMix64(seed: { if case .lastPage(let s) = tear { return s }; return 0 }())
            for path in unsyncedCreations { try? base.remove(path) }
            for (path, old) in renamedOver {
                try? base.remove(path)
                if let old {
                    let file = try base.openForAppend(path, truncate: true)
                    try file.append(old)
                    try file.sync()
                    try file.close()
                }
            }
            for (path, synced) in syncedSize where !unsyncedCreations.contains(path) && renamedOver[path] == nil {
                guard base.fileExists(path) else { continue }
                let actual = try base.fileSize(path)
                guard actual > synced else { continue }
                var keep = synced
                if case .lastPage = tear {
                    keep = synced + min(actual - synced, rng.next() % 4097)
                }
                try base.truncate(path, to: keep)
                if keep > synced { try scribble(path, from: synced, to: keep, rng: &rng) }
            }
            unsyncedCreations.removeAll()
            renamedOver.removeAll()
            syncedSize.removeAll()
            halted = false
            writesUntilFailure = nil; syncsUntilFailure = nil
        }
    }

    private func scribble(_ path: String, from: UInt64, to: UInt64, rng: inout SplitMix64) throws {
        let start = from + (to - from) / 2
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var junk = (start..<to).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        _ = pwrite(fd, &junk, junk.count, off_t(start))
    }

    // MARK: bookkeeping called by the file wrappers

    func checkWrite(_ path: String) throws {
        try lock.withLock {
            writeCount += 1
            try countDown(&writesUntilFailure, errno: writeErrno, path: path, operation: "write")
        }
    }

    func checkSync(_ path: String) throws {
        try lock.withLock {
            syncCount += 1
            try countDown(&syncsUntilFailure, errno: syncErrno, path: path, operation: "sync")
        }
    }

    /// Fails when halted, or when the countdown `remaining` reaches its call
    /// (once). Caller holds `lock`.
    private func countDown(_ remaining: inout Int?, errno: Int32, path: String, operation: String) throws {
        if halted { throw StorageError.io(path: path, operation: "\(operation) (halted)", errno: EIO) }
        guard let n = remaining else { return }
        if n <= 1 {
            remaining = nil
            throw StorageError.io(path: path, operation: "\(operation) (injected)", errno: errno)
        }
        remaining = n - 1
    }

    func recordSync(_ path: String, size: UInt64) {
        lock.withLock { syncedSize[path] = size }
    }

    private func checkAlive(_ path: String) throws {
        try lock.withLock {
            if halted { throw StorageError.io(path: path, operation: "call (halted)", errno: EIO) }
        }
    }

    // MARK: FileSystem

    public func createDirectory(_ path: String) throws { try checkAlive(path); try base.createDirectory(path) }
    public func fileExists(_ path: String) -> Bool { base.fileExists(path) }
    public func children(of directory: String) throws -> [String] { try base.children(of: directory) }
    public func fileSize(_ path: String) throws -> UInt64 { try base.fileSize(path) }

    public func openForAppend(_ path: String, truncate: Bool) throws -> WritableFile {
        try checkAlive(path)
        let existed = base.fileExists(path)
        let file = try base.openForAppend(path, truncate: truncate)
        lock.withLock {
            if !existed { unsyncedCreations.insert(path); syncedSize[path] = 0 }
            else if truncate { syncedSize[path] = 0 }
            else if syncedSize[path] == nil { syncedSize[path] = file.size }
        }
        return FaultInjectingWritableFile(base: file, owner: self)
    }

    public func openForReading(_ path: String) throws -> ReadableFile {
        try checkAlive(path)
        return try base.openForReading(path)
    }

    public func remove(_ path: String) throws {
        try checkAlive(path)
        try base.remove(path)
        lock.withLock { unsyncedCreations.remove(path); syncedSize.removeValue(forKey: path) }
    }

    public func rename(_ from: String, to: String) throws {
        try checkAlive(from)
        let undurable = lock.withLock { unsyncedCreations.contains(from) }
        var previous: [UInt8]?? = nil
        if undurable && lock.withLock({ renamedOver[to] == nil }) {
            previous = .some(base.fileExists(to) ? try base.openForReading(to).readAll() : nil)
        }
        try base.rename(from, to: to)
        lock.withLock {
            let size = syncedSize.removeValue(forKey: from)
            syncedSize[to] = size
            unsyncedCreations.remove(from)
            unsyncedCreations.remove(to)
            if let previous { renamedOver[to] = previous }
        }
    }

    public func syncDirectory(_ path: String) throws {
        try checkSync(path)
        try base.syncDirectory(path)
        lock.withLock {
            unsyncedCreations = unsyncedCreations.filter { Path.parent($0) != path }
            renamedOver = renamedOver.filter { Path.parent($0.key) != path }
        }
    }

    public func truncate(_ path: String, to size: UInt64) throws {
        try checkAlive(path)
        try base.truncate(path, to: size)
        lock.withLock { if let s = syncedSize[path], s > size { syncedSize[path] = size } }
    }

    public func lockFile(_ path: String) throws -> FileLock { try base.lockFile(path) }
}

final class FaultInjectingWritableFile: WritableFile {
    private let base: WritableFile
    private let owner: FaultInjectingFileSystem

    init(base: WritableFile, owner: FaultInjectingFileSystem) { self.base = base; self.owner = owner }

    var path: String { base.path }
    var size: UInt64 { base.size }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try owner.checkWrite(path)
        try base.append(bytes)
    }

    func flush() throws { try owner.checkWrite(path); try base.flush() }

    func sync() throws {
        try owner.checkSync(path)
        try base.sync()
        owner.recordSync(path, size: base.size)
    }

    func close() throws { try base.close() }

    func preallocate(to totalBytes: UInt64) throws {
        try owner.checkWrite(path)
        try base.preallocate(to: totalBytes)
    }
}

/// A small seeded generator (SplitMix64) for reproducible fault schedules.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
