/// Every failure the vector engine reports to its callers.
///
/// The cases keep bad input, corruption and I/O failure apart, and each has a
/// stable integer ``code`` that the C ABI and the wire protocol reuse. Our own
/// bugs trap instead; nothing here is thrown for a broken invariant.
public enum SochVectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter is out of range (`m` = 1, `k` = 0, a negative thread count…).
    case invalidArgument(String)
    /// A vector or file has `actual` components where the index has `expected`.
    case dimensionMismatch(expected: Int, actual: Int)
    /// Row `row` of the input cannot be indexed (NaN, infinity, or a zero
    /// vector under cosine).
    case invalidVector(row: Int, reason: String)
    /// The file does not exist.
    case fileNotFound(path: String)
    /// A system call on `path` failed with `errno`.
    case io(path: String, operation: String, errno: Int32)
    /// The file is well formed but not something we read (an `.npy` of `<f8`,
    /// Fortran order, three dimensions…).
    case unsupportedFormat(path: String, reason: String)
    /// The file is damaged: truncated, bad magic, inconsistent sizes.
    case corruptFile(path: String, reason: String)
    /// A stored checksum does not match the bytes it covers.
    case checksumMismatch(path: String, section: String)
    /// The operation needs an index id or row that does not exist.
    case notFound(String)

    /// Stable code shared with the C ABI and the wire protocol.
    /// 1xx: bad input; 2xx: corruption; 3xx: environment (I/O); 4xx: not found.
    public var code: Int32 {
        switch self {
        case .invalidArgument: return 100
        case .dimensionMismatch: return 101
        case .invalidVector: return 102
        case .unsupportedFormat: return 103
        case .corruptFile: return 200
        case .checksumMismatch: return 201
        case .io: return 300
        case .fileNotFound: return 400
        case .notFound: return 401
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .dimensionMismatch(let e, let a): return "dimension mismatch: expected \(e), got \(a)"
        case .invalidVector(let row, let why): return "invalid vector at row \(row): \(why)"
        case .fileNotFound(let p): return "\(p): no such file"
        case .io(let p, let op, let e): return "\(p): \(op) failed: \(String(cString: strerror(e))) (errno \(e))"
        case .unsupportedFormat(let p, let why): return "\(p): unsupported format: \(why)"
        case .corruptFile(let p, let why): return "\(p): corrupt file: \(why)"
        case .checksumMismatch(let p, let s): return "\(p): checksum mismatch in section \(s)"
        case .notFound(let s): return "not found: \(s)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
