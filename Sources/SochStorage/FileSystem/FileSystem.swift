/// The one layer through which the storage engine touches the disk.
///
/// Every read, write, sync, rename, removal and directory sync of the WAL,
/// the tables, the manifest and the lock file goes through a `FileSystem`,
/// so tests can substitute ``FaultInjectingFileSystem`` and drop unsynced
/// data, fail a chosen write or sync, or tear the last page. Paths are plain
/// POSIX paths. Implementations are thread-safe; a ``WritableFile`` is used
/// by one thread at a time (its owner serialises), a ``ReadableFile`` by any
/// number at once.
public protocol FileSystem: AnyObject, Sendable {
    /// Creates `path` and any missing parents; no error if it exists.
    func createDirectory(_ path: String) throws
    func fileExists(_ path: String) -> Bool
    /// Names (not paths) of the entries of `directory`, unsorted.
    func children(of directory: String) throws -> [String]
    func fileSize(_ path: String) throws -> UInt64
    /// Opens `path` for appending, creating it if missing; `truncate` empties it.
    func openForAppend(_ path: String, truncate: Bool) throws -> WritableFile
    func openForReading(_ path: String) throws -> ReadableFile
    func remove(_ path: String) throws
    /// Atomically replaces `to` by `from` (POSIX rename). Durable only after
    /// ``syncDirectory(_:)`` of the containing directory.
    func rename(_ from: String, to: String) throws
    /// Makes creations, removals and renames in `directory` durable.
    func syncDirectory(_ path: String) throws
    /// Cuts `path` to `size` bytes (WAL tail trimming).
    func truncate(_ path: String, to size: UInt64) throws
    /// Takes an exclusive, non-blocking lock on `path` (created if missing).
    /// Throws ``StorageError/databaseLocked(path:)`` at once if held elsewhere.
    func lockFile(_ path: String) throws -> FileLock
}

/// A file being appended to. Appends may be buffered in user space until
/// ``flush()``; only ``sync()`` makes them durable.
public protocol WritableFile: AnyObject {
    var path: String { get }
    /// Bytes appended so far, buffered ones included.
    var size: UInt64 { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Hands buffered bytes to the operating system (they survive a crash of
    /// this process, not a power loss).
    func flush() throws
    /// Flushes, then `fdatasync`: the bytes survive a power loss.
    func sync() throws
    /// Flushes and closes; idempotent. Space reserved by ``preallocate(to:)``
    /// beyond the data is released first, durably (truncate, then sync).
    func close() throws
    /// Reserves disk space up to `totalBytes` (the file reads as zeros past
    /// its data until closed) so that later appends overwrite allocated
    /// blocks instead of growing the file: their syncs then need no file
    /// size update, a third cheaper on ext4 (Benchmarks/kv-results-*.md).
    /// A file system that cannot preallocate ignores the call.
    func preallocate(to totalBytes: UInt64) throws
}

extension WritableFile {
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}

/// A file opened for positional reads; safe to share between threads.
public protocol ReadableFile: AnyObject, Sendable {
    var path: String { get }
    var size: UInt64 { get }
    /// Reads up to `buffer.count` bytes at `offset`; returns the count read,
    /// short only at end of file.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    func close()
}

extension ReadableFile {
    /// Exactly `count` bytes at `offset`, or a corruption error naming the
    /// file if it ends first.
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buf, initialised in
            initialised = try read(at: offset, into: UnsafeMutableRawBufferPointer(buf))
        }
        guard bytes.count == count else {
            throw StorageError.corruption(path: path, reason: "read of \(count) bytes at \(offset) ran past the end of the file (\(size) bytes)")
        }
        return bytes
    }

    /// The whole file.
    public func readAll() throws -> [UInt8] {
        try read(at: 0, count: Int(size))
    }
}

/// A held lock; released by ``unlock()`` or when the object is freed.
public protocol FileLock: AnyObject {
    func unlock()
}

/// Path helpers (no Foundation in the engine).
enum Path {
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
