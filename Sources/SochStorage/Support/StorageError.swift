#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every failure the storage engine reports to its callers.
///
/// Bad input, corruption, failures of the environment, contention and
/// not-found are distinct cases, each with a stable integer ``code`` that the
/// C ABI and the wire protocol reuse (same ranges as `SochVectorError`:
/// 1xx bad input, 2xx corruption, 3xx environment, 4xx not found, 5xx state).
/// Our own bugs trap instead; nothing here is thrown for a broken invariant.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter or argument is out of range (an empty key range, a zero
    /// memtable size, a key longer than the format allows…).
    case invalidArgument(String)
    /// A file is damaged: bad magic, impossible sizes, a record that does not
    /// parse. `path` names the file.
    case corruption(path: String, reason: String)
    /// A stored checksum does not match the bytes it covers, at `offset`.
    case checksumMismatch(path: String, offset: UInt64)
    /// The write-ahead log is damaged before its end (not a torn tail), at
    /// byte `offset` of `segment`. Opening with `walRecovery: .salvage`
    /// recovers everything before that point instead.
    case walCorruption(segment: String, offset: UInt64, reason: String)
    /// A system call on `path` failed with `errno` (EIO, ENOSPC, EACCES…).
    case io(path: String, operation: String, errno: Int32)
    /// Another process (or another open handle in this one) holds the
    /// database directory's lock file.
    case databaseLocked(path: String)
    /// The database has been closed, or a background write failed and the
    /// database refuses further writes until reopened.
    case closed(String)
    /// The file does not exist.
    case fileNotFound(path: String)

    /// Stable code shared with the C ABI and the wire protocol.
    public var code: Int32 {
        switch self {
        case .invalidArgument: return 110
        case .corruption: return 210
        case .checksumMismatch: return 211
        case .walCorruption: return 212
        case .io: return 310
        case .databaseLocked: return 311
        case .fileNotFound: return 410
        case .closed: return 510
        }
    }

    /// True for the cases that mean stored bytes are damaged.
    public var isCorruption: Bool {
        switch self {
        case .corruption, .checksumMismatch, .walCorruption: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .corruption(let p, let why): return "\(p): corruption: \(why)"
        case .checksumMismatch(let p, let o): return "\(p): checksum mismatch at offset \(o)"
        case .walCorruption(let s, let o, let why):
            return "\(s): write-ahead log corrupt at offset \(o): \(why) (open with WAL salvage to recover the records before it)"
        case .io(let p, let op, let e): return "\(p): \(op) failed: \(String(cString: strerror(e))) (errno \(e))"
        case .databaseLocked(let p): return "\(p): database is locked by another process"
        case .closed(let why): return "database closed: \(why)"
        case .fileNotFound(let p): return "\(p): no such file"
        }
    }
}
