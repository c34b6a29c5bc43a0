#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, or (with `directRead`) read into
/// an owned 64-byte-aligned buffer with plain `read` calls.
///
/// Owns the mapping: it is unmapped on deinit, so anything that hands out
/// pointers into it keeps the `MappedFile` alive. Immutable and thread-safe
/// after init. An empty file maps to a valid zero-length region.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    /// Start of the file's bytes (64-byte aligned: page aligned when mapped).
    public let bytes: UnsafeRawPointer
    /// True when the bytes were read with `read(2)` instead of mapped.
    public let isDirectRead: Bool
    private let mappedLength: Int

    /// How to bring the file into memory.
    public struct Options: Sendable {
        /// Read the file with plain reads into owned memory instead of mapping it.
        public var directRead = false
        /// Populate the whole mapping up front (MAP_POPULATE), trading open
        /// time for no page faults later. With `directRead` there is no
        /// mapping and nothing to add: the reads fill every page up front.
        public var prefault = false
        public init(directRead: Bool = false, prefault: Bool = false) {
            self.directRead = directRead
            self.prefault = prefault
        }
    }

    public init(path: String, options: Options = Options()) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw SochVectorError.fileNotFound(path: path) }
            throw SochVectorError.io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SochVectorError.io(path: path, operation: "fstat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw SochVectorError.unsupportedFormat(path: path, reason: "not a regular file")
        }
        size = Int(st.st_size)
        isDirectRead = options.directRead
        if options.directRead {
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, 64, max(size, 64)) == 0, let raw else {
                throw SochVectorError.io(path: path, operation: "allocate", errno: ENOMEM)
            }
            var done = 0
            while done < size {
                let n = pread(fd, raw + done, min(size - done, 1 << 26), off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    let e = n < 0 ? errno : EIO
                    free(raw)
                    throw SochVectorError.io(path: path, operation: "read", errno: e)
                }
                done += n
            }
            bytes = UnsafeRawPointer(raw)
            mappedLength = 0
            MappedFile.telemetry.addBytesRead(size)
        } else if size == 0 {
            var raw: UnsafeMutableRawPointer?
            _ = posix_memalign(&raw, 64, 64)
            bytes = UnsafeRawPointer(raw!)
            mappedLength = 0
        } else {
            var flags = MAP_SHARED
            #if os(Linux)
            if options.prefault { flags |= MAP_POPULATE }
            #endif
            let p = mmap(nil, size, PROT_READ, flags, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw SochVectorError.io(path: path, operation: "mmap", errno: errno)
            }
            bytes = UnsafeRawPointer(p)
            mappedLength = size
        }
    }

    deinit {
        if mappedLength > 0 {
            munmap(UnsafeMutableRawPointer(mutating: bytes), mappedLength)
        } else {
            free(UnsafeMutableRawPointer(mutating: bytes))
        }
    }

    /// Advises the kernel how the mapping will be read (no-op for direct reads).
    public func advise(sequential: Bool) {
        guard mappedLength > 0 else { return }
        madvise(UnsafeMutableRawPointer(mutating: bytes), mappedLength,
                sequential ? MADV_SEQUENTIAL : MADV_RANDOM)
    }

    /// Process-wide count of bytes read with direct reads (for `--telemetry`).
    public static let telemetry = IOTelemetry()
}
