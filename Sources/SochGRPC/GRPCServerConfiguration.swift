import Logging
import SochDB

/// What `sochdb-grpc-server` serves and its limits; every field has a
/// command-line flag of the same name (docs/protocol/grpc.md, "Limits").
public struct GRPCServerConfiguration: Sendable {
    /// Bind address. The default serves this machine only.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (see ``SochGRPCServer/port``).
    public var port = 50051
    /// The folder whose `.hnsw` files VectorService may open. Requests name
    /// files relative to it and can never reach outside it.
    public var indexDirectory = "."
    /// A database directory for CollectionService; nil serves no collections
    /// (its calls fail with FAILED_PRECONDITION).
    public var databasePath: String?
    public var databaseOptions = Database.Options()
    /// Largest message the server receives or sends.
    public var maxMessageBytes = 64 << 20
    /// Concurrent calls (HTTP/2 streams) per connection.
    public var maxConcurrentStreams = 100
    /// The deadline of a call whose client set none, in milliseconds
    /// (0: none). A client's own deadline is always honoured.
    public var defaultDeadlineMilliseconds = 30_000
    /// A connection with no open call for this long is closed (0: never).
    public var maxIdleMilliseconds = 300_000
    /// The open-index cache: at most this many files...
    public var maxOpenIndexes = 64
    /// ...and at most this many bytes of them mapped.
    public var maxOpenIndexBytes = 32 << 30
    /// Read every checksum and the graph's structure when a file is first
    /// opened, instead of only its header (slower first search; a damaged
    /// file is refused up front instead of giving poor results).
    public var verifyIndexFiles = false
    /// Largest k a search takes.
    public var maxK = 10_000
    /// Largest ef_search a search takes.
    public var maxEf = 100_000
    /// Threads for searches and writes, off the server's async executor
    /// (0: two per core, at least four).
    public var workerThreads = 0
    public var logLevel: Logger.Level = .info

    public init() {}

    /// Throws `.invalidArgument` naming the first field out of range.
    public func validate() throws(SochDBError) {
        func check(_ ok: Bool, _ why: String) throws(SochDBError) { if !ok { throw .invalidArgument(why) } }
        try check((0...65_535).contains(port), "port must be 0...65535, got \(port)")
        try check(!host.isEmpty, "host must not be empty")
        try check(maxMessageBytes >= 1024 && maxMessageBytes <= Int(Int32.max), "max message bytes must be 1 KiB...2 GiB, got \(maxMessageBytes)")
        try check(maxConcurrentStreams >= 1, "max concurrent streams must be ≥ 1, got \(maxConcurrentStreams)")
        try check(defaultDeadlineMilliseconds >= 0, "default deadline must be ≥ 0 ms")
        try check(maxIdleMilliseconds >= 0, "max idle time must be ≥ 0 ms")
        try check(maxOpenIndexes >= 1, "max open indexes must be ≥ 1, got \(maxOpenIndexes)")
        try check(maxOpenIndexBytes >= 1, "max open index bytes must be ≥ 1")
        try check(maxK >= 1, "max k must be ≥ 1")
        try check(maxEf >= 1 && maxEf <= 1 << 20, "max ef must be 1...1048576")
        try check(workerThreads >= 0, "worker threads must be ≥ 0")
    }
}
