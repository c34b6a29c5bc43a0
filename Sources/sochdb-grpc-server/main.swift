import ArgumentParser
import Dispatch
import Foundation
import Logging
import SochDB
import SochGRPC
#if canImport(Glibc)
import Glibc
#endif

/// `sochdb-grpc-server`: vector search over `.hnsw` files and a database's
/// collections, over gRPC (docs/protocol/grpc.md). SIGTERM or SIGINT stops
/// it gracefully: calls in flight finish, the database is checkpointed and
/// closed, exit 0.
@main
struct SochDBGRPCServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sochdb-grpc-server",
        abstract: "Serve SochDB vector search over gRPC (VectorService, CollectionService, health, reflection).")

    @Option(help: "Bind address.") var host: String = "127.0.0.1"
    @Option(name: [.short, .long], help: "Listen port (0: any free port, printed at start).") var port: Int = 50051
    @Flag(name: [.short, .long], help: "Enable debug logging.") var debug = false
    @Option(help: "Database directory for CollectionService (none: collections are not served).") var db: String?
    @Option(name: .customLong("index-dir"), help: "Folder of the .hnsw files VectorService may open.") var indexDir: String = "."
    @Option(name: .customLong("max-message-bytes"), help: "Largest message received or sent.") var maxMessageBytes: Int = 64 << 20
    @Option(name: .customLong("max-concurrent-streams"), help: "Concurrent calls per connection.") var maxConcurrentStreams: Int = 100
    @Option(name: .customLong("default-deadline-ms"), help: "Deadline of a call whose client set none (0: none).")
    var defaultDeadlineMs: Int = 30_000
    @Option(name: .customLong("max-idle-ms"), help: "Close a connection with no call for this long (0: never).") var maxIdleMs: Int = 300_000
    @Option(name: .customLong("max-open-indexes"), help: "Index files kept open.") var maxOpenIndexes: Int = 64
    @Option(name: .customLong("max-open-index-bytes"), help: "Bytes of index files kept open.") var maxOpenIndexBytes: Int = 32 << 30
    @Flag(name: .customLong("verify-index-files"), help: "Check every checksum and the graph when a file is first opened.")
    var verifyIndexFiles = false
    @Option(name: .customLong("max-k"), help: "Largest k a search takes.") var maxK: Int = 10_000
    @Option(name: .customLong("worker-threads"), help: "Threads for searches and writes (0: max(4, 2 x cores)).") var workerThreads: Int = 0
    @Option(name: .customLong("sync-mode"), help: "off, normal or full (WAL fsync per commit) for --db.") var syncMode: String = "normal"

    func run() async throws {
        guard let sync = SyncMode(rawValue: syncMode) else { throw ValidationError("--sync-mode must be off, normal or full") }
        let level: Logger.Level = debug ? .debug : .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        var config = GRPCServerConfiguration()
        config.host = host; config.port = port; config.databasePath = db; config.indexDirectory = indexDir
        config.databaseOptions = Database.Options(syncMode: sync)
        config.maxMessageBytes = maxMessageBytes; config.maxConcurrentStreams = maxConcurrentStreams
        config.defaultDeadlineMilliseconds = defaultDeadlineMs; config.maxIdleMilliseconds = maxIdleMs
        config.maxOpenIndexes = maxOpenIndexes; config.maxOpenIndexBytes = maxOpenIndexBytes
        config.verifyIndexFiles = verifyIndexFiles; config.maxK = maxK; config.workerThreads = workerThreads
        config.logLevel = level
        let server: SochGRPCServer
        do { server = try await SochGRPCServer.start(config) } catch {
            FileHandle.standardError.write(Data("sochdb-grpc-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // The first line on standard output is the address, for scripts that
        // start the server on port 0.
        FileHandle.standardOutput.write(Data("listening on \(host):\(server.port)\n".utf8))
        let signals = [SIGTERM, SIGINT].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { Task { await server.shutdown() } }
            source.resume()
            return source
        }
        do { try await server.run() } catch {
            FileHandle.standardError.write(Data("sochdb-grpc-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        await server.shutdown()
        signals.forEach { $0.cancel() }
    }
}
