#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system, through POSIX calls. Writes are buffered per file
/// (64 KiB) and reach the kernel on ``WritableFile/flush()``; syncs use
/// `fdatasync`. Every failure becomes ``StorageError/io(path:operation:errno:)``.
public final class POSIXFileSystem: FileSystem, @unchecked Sendable {
    public static let shared = POSIXFileSystem()

    public init() {}

    public func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError.io(path: prefix, operation: "mkdir", errno: errno)
            }
            prefix += "/"
        }
    }

    public func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public func children(of directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw StorageError.io(path: directory, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func fileSize(_ path: String) throws -> UInt64 {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw StorageError.fileNotFound(path: path) }
            throw StorageError.io(path: path, operation: "stat", errno: errno)
        }
        return UInt64(st.st_size)
    }

    public func openForAppend(_ path: String, truncate: Bool) throws -> WritableFile {
        // Positional writes at the end we track (not O_APPEND), so that
        // space preallocated past the data is written into, not after.
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw StorageError.io(path: path, operation: "open", errno: errno) }
        var st = stat()
        fstat(fd, &st)
        return POSIXWritableFile(fd: fd, path: path, size: UInt64(st.st_size))
    }

    public func openForReading(_ path: String) throws -> ReadableFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw StorageError.fileNotFound(path: path) }
            throw StorageError.io(path: path, operation: "open", errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno; Glibc.close(fd)
            throw StorageError.io(path: path, operation: "fstat", errno: e)
        }
        return POSIXReadableFile(fd: fd, path: path, size: UInt64(st.st_size))
    }

    public func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw StorageError.io(path: path, operation: "unlink", errno: errno) }
    }

    public func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw StorageError.io(path: from, operation: "rename to \(to)", errno: errno) }
    }

    public func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(path: path, operation: "open directory", errno: errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw StorageError.io(path: path, operation: "fsync directory", errno: errno) }
    }

    public func truncate(_ path: String, to size: UInt64) throws {
        guard Glibc.truncate(path, off_t(size)) == 0 else { throw StorageError.io(path: path, operation: "truncate", errno: errno) }
    }

    public func lockFile(_ path: String) throws -> FileLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(path: path, operation: "open lock file", errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            Glibc.close(fd)
            if e == EWOULDBLOCK { throw StorageError.databaseLocked(path: Path.parent(path)) }
            throw StorageError.io(path: path, operation: "flock", errno: e)
        }
        return POSIXFileLock(fd: fd)
    }
}

final class POSIXFileLock: FileLock {
    private var fd: Int32

    init(fd: Int32) { self.fd = fd }
    deinit { unlock() }

    func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        Glibc.close(fd)
        fd = -1
    }
}

/// Buffered appender. Not thread-safe: its owner serialises (the WAL writer
/// under the commit lock, a table builder in one compaction).
final class POSIXWritableFile: WritableFile {
    static let bufferCapacity = 64 << 10
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private(set) var size: UInt64
    /// Bytes handed to the kernel: where the next `pwrite` goes.
    private var written: UInt64
    /// File size including space reserved by `preallocate` (≥ written).
    private var reserved: UInt64

    init(fd: Int32, path: String, size: UInt64) {
        self.fd = fd; self.path = path; self.size = size
        written = size; reserved = size
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    func preallocate(to totalBytes: UInt64) throws {
        guard fd >= 0, totalBytes > reserved else { return }
        // posix_fallocate is fallocate(2) on ext4/xfs; it returns the error.
        let rc = posix_fallocate(fd, off_t(reserved), off_t(totalBytes - reserved))
        if rc != 0 {
            if rc == EOPNOTSUPP || rc == ENOSYS || rc == EINVAL { return }
            throw StorageError.io(path: path, operation: "fallocate", errno: rc)
        }
        reserved = totalBytes
    }

    deinit { try? close() }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw StorageError.io(path: path, operation: "write (file closed)", errno: EBADF) }
        size += UInt64(bytes.count)
        if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
        if bytes.count >= Self.bufferCapacity { try writeFully(bytes); return }
        buffer.append(contentsOf: bytes)
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    func sync() throws {
        try flush()
        guard fdatasync(fd) == 0 else { throw StorageError.io(path: path, operation: "fdatasync", errno: errno) }
    }

    func close() throws {
        guard fd >= 0 else { return }
        defer { Glibc.close(fd); fd = -1 }
        try flush()
        if reserved > written {
            // Trim the preallocated zeros, durably: a WAL segment must end at
            // its last record before a newer segment exists.
            guard ftruncate(fd, off_t(written)) == 0 else { throw StorageError.io(path: path, operation: "ftruncate", errno: errno) }
            guard fdatasync(fd) == 0 else { throw StorageError.io(path: path, operation: "fdatasync", errno: errno) }
            reserved = written
        }
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(written))
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(path: path, operation: "write", errno: errno)
            }
            done += n
            written += UInt64(n)
            reserved = max(reserved, written)
        }
    }
}

final class POSIXReadableFile: ReadableFile, @unchecked Sendable {
    let path: String
    let size: UInt64
    private let fd: Int32
    private let closed = ManagedFlag()

    init(fd: Int32, path: String, size: UInt64) {
        self.fd = fd; self.path = path; self.size = size
    }

    deinit { close() }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(path: path, operation: "pread", errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func close() {
        if closed.setOnce() { Glibc.close(fd) }
    }
}
