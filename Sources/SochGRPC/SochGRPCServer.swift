import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import NIOCore
import NIOPosix
import SochDB
import SochVector
import Synchronization

/// The gRPC server (docs/protocol/grpc.md): VectorService over the index
/// files of one folder, CollectionService over one database, health and
/// reflection, on grpc-swift 2's HTTP/2 transport (plaintext).
///
///     let server = try await SochGRPCServer.start(configuration)
///     try await server.run()           // until shutdown()
///
/// `shutdown()` drains: new calls are refused, calls in flight finish (or
/// meet their deadline), then the database is checkpointed and closed.
public final class SochGRPCServer: Sendable {
    public let configuration: GRPCServerConfiguration
    /// The port the server listens on (the chosen one when configured 0).
    public let port: Int
    let database: Database?
    let cache: IndexCache
    private let health: HealthStatus
    private let pool: NIOThreadPool
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let serving: Task<Void, any Error>
    private let logger: Logger
    private let finished = Mutex(false)

    private init(configuration: GRPCServerConfiguration, port: Int, database: Database?, cache: IndexCache,
                 health: HealthStatus, pool: NIOThreadPool, server: GRPCServer<HTTP2ServerTransport.Posix>,
                 serving: Task<Void, any Error>, logger: Logger) {
        self.configuration = configuration; self.port = port; self.database = database; self.cache = cache
        self.health = health; self.pool = pool; self.server = server; self.serving = serving; self.logger = logger
    }

    /// Opens the database (if any), checks the index folder and starts
    /// listening. Throws if the configuration is out of range, the folder
    /// is missing, the database is held by another process, or the address
    /// cannot be bound.
    public static func start(_ configuration: GRPCServerConfiguration, logger: Logger? = nil) async throws -> SochGRPCServer {
        try configuration.validate()
        var logger = logger ?? Logger(label: "sochdb.grpc")
        logger.logLevel = configuration.logLevel
        let directory = try IndexDirectory(configuration.indexDirectory)
        let database = try configuration.databasePath.map { path throws(SochDBError) in
            try Database.open(path, options: configuration.databaseOptions)
        }
        let cores = System.coreCount
        let pool = NIOThreadPool(numberOfThreads: configuration.workerThreads > 0 ? configuration.workerThreads : max(4, 2 * cores))
        pool.start()
        let workers = Workers(pool: pool)
        let limits = SearchLimits(maxK: configuration.maxK, maxEf: configuration.maxEf, maxResponseBytes: configuration.maxMessageBytes)
        let cache = IndexCache(maxCount: configuration.maxOpenIndexes, maxBytes: configuration.maxOpenIndexBytes,
                               verification: configuration.verifyIndexFiles ? .full : .header)
        let services: [any RegistrableRPCService] = [
            VectorService(directory: directory, cache: cache, workers: workers, limits: limits, parallelism: max(1, cores)),
            CollectionService(database: database, workers: workers, limits: limits),
        ]
        let health = HealthStatus(services: [
            Sochdb_V1_VectorService.descriptor.fullyQualifiedService,
            Sochdb_V1_CollectionService.descriptor.fullyQualifiedService,
            Grpc_Health_V1_Health.descriptor.fullyQualifiedService,
            Grpc_Reflection_V1_ServerReflection.descriptor.fullyQualifiedService,
            Grpc_Reflection_V1alpha_ServerReflection.descriptor.fullyQualifiedService,
        ])
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: configuration.host, port: configuration.port),
            transportSecurity: .plaintext,
            config: .defaults { c in
                c.rpc.maxRequestPayloadSize = configuration.maxMessageBytes
                c.http2.maxConcurrentStreams = configuration.maxConcurrentStreams
                c.connection.maxIdleTime = configuration.maxIdleMilliseconds > 0
                    ? .milliseconds(configuration.maxIdleMilliseconds) : nil
            })
        let interceptors: [any ServerInterceptor] = configuration.defaultDeadlineMilliseconds > 0
            ? [DefaultDeadline(duration: .milliseconds(configuration.defaultDeadlineMilliseconds))] : []
        let server = GRPCServer(transport: transport,
                                services: services + [HealthService(health: health), ReflectionServiceV1(), ReflectionServiceV1Alpha()],
                                interceptors: interceptors)
        let serving = Task { try await server.serve() }
        let address: GRPCNIOTransportCore.SocketAddress
        do {
            guard let listening = try await server.listeningAddress else {
                throw RPCError(code: .unavailable, message: "the server stopped before it listened")
            }
            address = listening
        } catch {
            serving.cancel()
            _ = await serving.result
            try? await pool.shutdownGracefully()
            try? database?.close()
            throw error
        }
        let port = address.ipv4?.port ?? address.ipv6?.port ?? configuration.port
        logger.info("listening", metadata: ["address": "\(configuration.host):\(port)",
                                            "index-dir": "\(directory.root)",
                                            "db": "\(configuration.databasePath ?? "-")"])
        return SochGRPCServer(configuration: configuration, port: port, database: database, cache: cache, health: health,
                              pool: pool, server: server, serving: serving, logger: logger)
    }

    /// Waits until the server has stopped (after ``shutdown()``); rethrows
    /// what stopped it otherwise.
    public func run() async throws {
        try await serving.value
    }

    /// Graceful shutdown: health turns NOT_SERVING, no new call is
    /// accepted, calls in flight run to their end, then the database is
    /// checkpointed and closed and the worker threads stop. Idempotent.
    public func shutdown() async {
        guard finished.withLock({ f in defer { f = true }; return !f }) else {
            _ = await serving.result
            return
        }
        logger.info("shutting down: draining calls in flight")
        health.stopServing()
        server.beginGracefulShutdown()
        if case .failure(let error) = await serving.result { logger.error("server stopped with \(error)") }
        cache.removeAll()
        if let database {
            do {
                _ = try database.checkpoint()
                try database.close()
            } catch { logger.error("closing the database: \(error)") }
        }
        try? await pool.shutdownGracefully()
        logger.info("stopped")
    }
}
