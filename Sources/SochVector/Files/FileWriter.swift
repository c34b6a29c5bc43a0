#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file all-or-nothing: bytes go to `<path>.tmp-<pid>`, which is
/// synced and renamed over `path` by ``commit()``; the directory is synced
/// after the rename. A writer dropped without `commit()` removes its
/// temporary file, so a failed save never leaves a partial file at `path`.
///
/// Not thread-safe. Buffers writes in 1 MiB chunks.
final class AtomicFileWriter {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private(set) var offset = 0
    private var committed = false

    init(path: String) throws {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == ENOENT { throw SochVectorError.fileNotFound(path: temporaryPath) }
            throw SochVectorError.io(path: temporaryPath, operation: "create", errno: errno)
        }
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > (1 << 20) { try flushBuffer() }
        if bytes.count >= (1 << 20) {
            try writeFully(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
        offset += bytes.count
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes zero bytes until `offset` is a multiple of `alignment`.
    func pad(toMultipleOf alignment: Int) throws {
        let rem = offset % alignment
        if rem != 0 { try write([UInt8](repeating: 0, count: alignment - rem)) }
    }

    /// Overwrites `bytes` at absolute file offset `at` (used for headers
    /// whose checksums are known only at the end).
    func overwrite(_ bytes: [UInt8], at position: Int) throws {
        try flushBuffer()
        try bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = pwrite(fd, b.baseAddress! + done, b.count - done, off_t(position + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SochVectorError.io(path: temporaryPath, operation: "write", errno: errno) }
                done += n
            }
        }
    }

    /// Flushes, fsyncs, renames over `path` and fsyncs the directory.
    func commit(sync: Bool = true) throws {
        try flushBuffer()
        if sync && fsync(fd) != 0 { throw SochVectorError.io(path: temporaryPath, operation: "fsync", errno: errno) }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw SochVectorError.io(path: path, operation: "rename", errno: errno)
        }
        committed = true
        if sync { syncDirectory(of: path) }
    }

    private func flushBuffer() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SochVectorError.io(path: temporaryPath, operation: "write", errno: n < 0 ? errno : EIO) }
            done += n
        }
    }
}

/// fsyncs the directory holding `path`, so a rename into it is durable.
func syncDirectory(of path: String) {
    let dir: String
    if let slash = path.lastIndex(of: "/") {
        dir = slash == path.startIndex ? "/" : String(path[..<slash])
    } else {
        dir = "."
    }
    let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
        fsync(fd)
        close(fd)
    }
}
