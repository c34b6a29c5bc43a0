#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix
import SochDB
import SochWire
import Synchronization

/// The IPC server: owns one database directory and serves the binary
/// protocol of docs/protocol/ipc.md on a Unix domain socket (SwiftNIO).
///
///     let server = try SochServer.start(ServerConfiguration(databasePath: "./db"))
///     server.waitUntilStopped()     // until shutdown() (SIGTERM in sochdb-server)
///
/// Thread-safety: `shutdown()` may be called from any thread, more than once.
public final class SochServer: Sendable {
    public let configuration: ServerConfiguration
    public let socketPath: String
    let database: Database
    private let group: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry
    private let statistics: ServerStatistics
    private let logger: Logger
    private let state = Mutex<State>(.running)

    private enum State { case running, stopping, stopped }

    private init(configuration: ServerConfiguration, socketPath: String, database: Database,
                 group: MultiThreadedEventLoopGroup, pool: NIOThreadPool, serverChannel: any Channel,
                 connections: ConnectionRegistry, statistics: ServerStatistics, logger: Logger) {
        self.configuration = configuration; self.socketPath = socketPath; self.database = database
        self.group = group; self.pool = pool; self.serverChannel = serverChannel
        self.connections = connections; self.statistics = statistics; self.logger = logger
    }

    /// Opens the database, prepares the socket file (mode 0600) and starts
    /// accepting. Throws if the database is held by another process, if
    /// another server listens on the socket, or if the socket cannot be bound.
    public static func start(_ configuration: ServerConfiguration, logger: Logger? = nil) throws -> SochServer {
        try configuration.validate()
        var logger = logger ?? Logger(label: "sochdb.server")
        logger.logLevel = configuration.logLevel
        let path = configuration.resolvedSocketPath
        let database = try Database.open(configuration.databasePath, options: configuration.databaseOptions)
        do {
            try SocketFile.prepare(path)
            return try bind(configuration, path: path, database: database, logger: logger)
        } catch {
            try? database.close()
            throw error
        }
    }

    private static func bind(_ configuration: ServerConfiguration, path: String, database: Database,
                             logger: Logger) throws -> SochServer {
        let cores = System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : cores)
        let pool = NIOThreadPool(numberOfThreads: configuration.blockingThreads > 0 ? configuration.blockingThreads : max(4, 2 * cores))
        pool.start()
        let statistics = ServerStatistics()
        let connections = ConnectionRegistry()
        let executor = RequestExecutor(database: database, statistics: statistics,
                                       scanBatchPairs: configuration.scanBatchPairs,
                                       scanBatchBytes: configuration.scanBatchBytes,
                                       durableCommits: configuration.databaseOptions.syncMode == .full)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 << 10, high: 256 << 10))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                accept(channel, configuration: configuration, executor: executor, pool: pool,
                       statistics: statistics, connections: connections, logger: logger)
            }
        // The socket is created 0600: no window in which another user could connect.
        let oldMask = umask(0o177)
        let channel: any Channel
        do {
            defer { umask(oldMask) }
            channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
        } catch {
            try? group.syncShutdownGracefully()
            try? pool.syncShutdownGracefully()
            throw SochDBError.connection("cannot listen on \(path): \(error)")
        }
        chmod(path, 0o600)
        logger.info("sochdb-server listening on \(path) (database \(configuration.databasePath), max \(configuration.maxClients) clients)")
        return SochServer(configuration: configuration, socketPath: path, database: database, group: group, pool: pool,
                          serverChannel: channel, connections: connections, statistics: statistics, logger: logger)
    }

    /// Sets up one accepted connection, or refuses it past `maxClients`.
    private static func accept(_ channel: any Channel, configuration: ServerConfiguration, executor: RequestExecutor,
                               pool: NIOThreadPool, statistics: ServerStatistics,
                               connections: ConnectionRegistry,
                               logger: Logger) -> EventLoopFuture<Void> {
        let active = statistics.connectionsActive.wrappingAdd(1, ordering: .relaxed).newValue
        guard active <= configuration.maxClients else {
            statistics.connectionsActive.subtract(1, ordering: .relaxed)
            statistics.connectionsRejected.add(1, ordering: .relaxed)
            logger.warning("refusing a connection: \(configuration.maxClients) clients already connected")
            // The same wording as every other 702: "limit exceeded: …".
            let frame = ErrorCodes.response(.limitExceeded("too many clients: the server allows \(configuration.maxClients)"))
                .encodeFrame()
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RejectHandler(frame: frame))
            }
        }
        statistics.connectionsTotal.add(1, ordering: .relaxed)
        let id = ObjectIdentifier(channel)
        connections.channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            connections.channels.withLock { _ = $0.removeValue(forKey: id) }
            statistics.connectionsActive.subtract(1, ordering: .relaxed)
        }
        return channel.eventLoop.makeCompletedFuture {
            let handler = ConnectionHandler(executor: executor, pool: pool, configuration: configuration,
                                            statistics: statistics, logger: logger)
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxPayload: configuration.maxFrameBytes)))
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }

    /// Stops gracefully: stops accepting, lets every connection finish the
    /// requests it has received (waiting up to `grace`, then closing the
    /// rest), aborts open transactions, checkpoints, closes the database and
    /// removes the socket file. Idempotent; returns once stopped.
    public func shutdown(grace: Duration = .seconds(10)) {
        let first = state.withLock { s -> Bool in
            guard s == .running else { return false }
            s = .stopping
            return true
        }
        guard first else { waitUntilStopped(); return }
        logger.info("shutting down")
        try? serverChannel.close().wait()
        for channel in connections.channels.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(DrainEvent())
        }
        let deadline = ContinuousClock.now + grace
        while statistics.connectionsActive.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        for channel in connections.channels.withLock({ Array($0.values) }) { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
        try? pool.syncShutdownGracefully()
        do {
            try database.checkpoint()
            try database.close()
        } catch {
            logger.error("closing the database failed: \(error)")
        }
        unlink(socketPath)
        logger.info("stopped")
        state.withLock { $0 = .stopped }
    }

    /// Blocks until ``shutdown(grace:)`` has finished (polls every 10 ms:
    /// only the executable's main thread and tests wait here).
    public func waitUntilStopped() {
        while !state.withLock({ $0 == .stopped }) { usleep(10_000) }
    }

    /// The server's counters and the engine's (as STATS reports them).
    public var statisticsJSON: String {
        RequestExecutor(database: database, statistics: statistics, scanBatchPairs: 1, scanBatchBytes: 1,
                        durableCommits: false).statsJSON()
    }
}

/// Answers a connection past the client limit with one ERROR frame, then closes it.
final class RejectHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let frame: [UInt8]

    init(frame: [UInt8]) { self.frame = frame }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: frame))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}   // nothing it sends is read
}

/// The open connections, so that shutdown can drain them.
final class ConnectionRegistry: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
}
