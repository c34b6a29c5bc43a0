/// Every failure of the `Database` API, in the seed's four families
/// (database, transaction, connection, protocol) plus bad input.
///
/// ``code`` is stable and shared with the C ABI and the wire protocol: it is
/// the wrapped error's own code (``StorageError``: 1xx–5xx, ``TransactionError``:
/// 6xx, ``SochVectorError``: 1xx–4xx, ``SQLError``: 8xx), 120 for an invalid path or key, 121
/// for a missing and 122 for an already existing collection, and 7xx
/// for connection (700), protocol (701) and server-limit (702) failures.
public enum SochDBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The storage engine failed: I/O, corruption, a locked or closed database.
    case database(StorageError)
    /// A transaction conflicted or was used after it finished.
    case transaction(TransactionError)
    /// The vector engine rejected the input or a file.
    case vector(SochVectorError)
    /// An SQL statement failed: syntax (with its position), types,
    /// constraints, an unknown table or column (codes 8xx).
    case sql(SQLError)
    /// TOON text that does not parse, or records that do not encode (130–143).
    case toon(TOONError)
    /// A path, key or argument the API does not accept (empty path segment,
    /// NUL byte, a key in the reserved 0xFF namespace…).
    case invalidArgument(String)
    /// A named object (a collection, a vector id) does not exist.
    case notFound(String)
    /// Creating an object whose name is already taken.
    case alreadyExists(String)
    /// A client could not reach or lost its server.
    case connection(String)
    /// A peer sent a frame that breaks the wire protocol.
    case `protocol`(String)
    /// A server limit was reached: a frame over the size cap or too many
    /// clients (the server sends this, then closes the connection).
    case limitExceeded(String)
    /// The server answered with an error this client has no case for; `code`
    /// is the server's (the same table as every other `code`).
    case remote(code: Int32, message: String)

    public var code: Int32 {
        switch self {
        case .database(let e): return e.code
        case .transaction(let e): return e.code
        case .vector(let e): return e.code
        case .sql(let e): return e.code
        case .toon(let e): return e.code
        case .invalidArgument: return 120
        case .notFound: return 121
        case .alreadyExists: return 122
        case .connection: return 700
        case .protocol: return 701
        case .limitExceeded: return 702
        case .remote(let code, _): return code
        }
    }

    /// The code reported across a boundary (the C ABI's return value, the
    /// wire's ERROR frame): ``code``, except that a conflict is 600 whichever
    /// API raised it, so a caller retries on one code.
    public var boundaryCode: Int32 {
        if case .sql(.transaction(let e)) = self { return e.code }
        return code
    }

    public var description: String {
        switch self {
        case .database(let e): return e.description
        case .transaction(let e): return e.description
        case .vector(let e): return e.description
        case .sql(let e): return e.description
        case .toon(let e): return e.description
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .notFound(let what): return "not found: \(what)"
        case .alreadyExists(let what): return "already exists: \(what)"
        case .connection(let why): return "connection error: \(why)"
        case .protocol(let why): return "protocol error: \(why)"
        case .limitExceeded(let why): return "limit exceeded: \(why)"
        case .remote(let code, let message): return "server error \(code): \(message)"
        }
    }

    /// Maps an error of any SochDB module to its family (for a boundary that
    /// reports every failure as one type); anything else is a bug of ours.
    public init(wrapping error: any Error) { self.init(error) }

    /// Maps an engine error to its family; anything else is a bug of ours.
    init(_ error: any Error) {
        switch error {
        case let e as SochDBError: self = e
        case let e as StorageError: self = .database(e)
        case let e as TransactionError: self = .transaction(e)
        case let e as SochVectorError: self = .vector(e)
        case let e as SQLError: self = .sql(e)
        case let e as TOONError: self = .toon(e)
        default: self = .database(.closed("unexpected error: \(error)"))
        }
    }

    /// Runs `body`, rethrowing any failure as a `SochDBError`.
    @inline(__always)
    static func wrap<R>(_ body: () throws -> R) throws(SochDBError) -> R {
        do { return try body() } catch { throw SochDBError(error) }
    }
}
