import Logging
import SochDB

/// Everything `sochdb-server` can be told, with the seed's defaults and the
/// limits that protect the server from its clients (docs/protocol/ipc.md,
/// "Limits").
public struct ServerConfiguration: Sendable {
    /// The database directory the server owns.
    public var databasePath: String
    /// The Unix socket path; nil: `<databasePath>/sochdb.sock`.
    public var socketPath: String?
    /// Connections past this many get one ERROR frame (code 702) and are closed.
    public var maxClients: Int
    /// A connection with no request and no reply progress for this long is
    /// closed and its open transaction aborted.
    public var idleTimeoutMilliseconds: Int
    /// A frame declaring a longer payload gets ERROR (702) and the connection
    /// is closed, before anything is allocated for it.
    public var maxFrameBytes: Int
    /// A connection whose unsent replies pass this many bytes when another
    /// reply is due (a client that never reads) is closed.
    public var maxOutputBytes: Int
    /// Decoded requests a connection may have queued before the server stops
    /// reading from it (pipelining depth it serves at once).
    public var maxQueuedRequests: Int
    /// A SCAN batch holds at most this many pairs…
    public var scanBatchPairs: Int
    /// …and stops growing past this many bytes.
    public var scanBatchBytes: Int
    /// Threads that run the requests which may block (scans, SQL, searches,
    /// checkpoints, durable commits); 0: twice the cores, at least 4.
    public var blockingThreads: Int
    /// Event-loop threads; 0: one per core.
    public var eventLoopThreads: Int
    public var databaseOptions: Database.Options
    public var logLevel: Logger.Level

    public init(databasePath: String = "./sochdb_data", socketPath: String? = nil, maxClients: Int = 100,
                idleTimeoutMilliseconds: Int = 30_000, maxFrameBytes: Int = 16 << 20,
                maxOutputBytes: Int = 32 << 20, maxQueuedRequests: Int = 128,
                scanBatchPairs: Int = 1024, scanBatchBytes: Int = 256 << 10, blockingThreads: Int = 0,
                eventLoopThreads: Int = 0, databaseOptions: Database.Options = Database.Options(),
                logLevel: Logger.Level = .info) {
        self.databasePath = databasePath; self.socketPath = socketPath; self.maxClients = maxClients
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds; self.maxFrameBytes = maxFrameBytes
        self.maxOutputBytes = maxOutputBytes; self.maxQueuedRequests = maxQueuedRequests
        self.scanBatchPairs = scanBatchPairs; self.scanBatchBytes = scanBatchBytes
        self.blockingThreads = blockingThreads; self.eventLoopThreads = eventLoopThreads
        self.databaseOptions = databaseOptions; self.logLevel = logLevel
    }

    /// The socket path in force.
    public var resolvedSocketPath: String {
        socketPath ?? (databasePath.hasSuffix("/") ? databasePath + "sochdb.sock" : databasePath + "/sochdb.sock")
    }

    /// Refuses settings no server can run with.
    func validate() throws(SochDBError) {
        func check(_ ok: Bool, _ why: String) throws(SochDBError) { if !ok { throw .invalidArgument(why) } }
        try check(maxClients >= 1, "max clients must be at least 1")
        try check(idleTimeoutMilliseconds >= 1, "timeout must be at least 1 ms")
        try check(maxFrameBytes >= 64 && maxFrameBytes <= Int(UInt32.max), "max frame bytes must be in 64…2^32-1")
        try check(maxOutputBytes >= 64 << 10, "max output bytes must be at least 64 KiB")
        try check(maxQueuedRequests >= 1, "max queued requests must be at least 1")
        try check(scanBatchPairs >= 1 && scanBatchBytes >= 1, "scan batches must hold at least one pair and byte")
        try check(blockingThreads >= 0 && eventLoopThreads >= 0, "thread counts cannot be negative")
        try check(resolvedSocketPath.utf8.count < 108, "socket path must be shorter than 108 bytes (sun_path)")
    }
}
