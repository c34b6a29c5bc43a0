import ArgumentParser
import Dispatch
import Foundation
import Logging
import SochDB
import SochServer
#if canImport(Glibc)
import Glibc
#endif

/// `sochdb-server`: serves one database directory to other processes over a
/// Unix domain socket (docs/protocol/ipc.md). SIGTERM or SIGINT stops it
/// gracefully: in-flight requests finish, open transactions abort, the
/// database is checkpointed and closed, the socket file is removed, exit 0.
struct SochDBServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sochdb-server",
        abstract: "Serve a SochDB database to other processes over a Unix domain socket.")

    @Option(help: "Database directory.") var db: String = "./sochdb_data"
    @Option(help: "Unix socket path (default: <db>/sochdb.sock).") var socket: String?
    @Option(name: .customLong("max-clients"), help: "Maximum concurrent connections.") var maxClients: Int = 100
    @Option(name: .customLong("timeout-ms"), help: "Idle connection time-out (milliseconds).") var timeoutMs: Int = 30_000
    @Option(name: .customLong("log-level"), help: "trace, debug, info, warn or error.") var logLevel: String = "info"
    @Option(name: .customLong("max-frame-bytes"), help: "Largest request payload accepted.") var maxFrameBytes: Int = 16 << 20
    @Option(name: .customLong("max-output-bytes"), help: "Unsent reply bytes after which a client that does not read is cut off.")
    var maxOutputBytes: Int = 32 << 20
    @Option(name: .customLong("sync-mode"), help: "off, normal or full (WAL fsync per commit).") var syncMode: String = "normal"
    @Option(name: .customLong("event-loop-threads"), help: "Threads serving the sockets (0: one per core).") var eventLoopThreads: Int = 0
    @Option(name: .customLong("blocking-threads"), help: "Threads for slow requests: scans, SQL, searches, durable commits (0: max(4, 2 x cores)).")
    var blockingThreads: Int = 0

    func run() throws {
        guard let level = Self.level(logLevel) else {
            throw ValidationError("--log-level must be trace, debug, info, warn or error")
        }
        guard let sync = SyncMode(rawValue: syncMode) else { throw ValidationError("--sync-mode must be off, normal or full") }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let config = ServerConfiguration(
            databasePath: db, socketPath: socket, maxClients: maxClients, idleTimeoutMilliseconds: timeoutMs,
            maxFrameBytes: maxFrameBytes, maxOutputBytes: maxOutputBytes, blockingThreads: blockingThreads,
            eventLoopThreads: eventLoopThreads, databaseOptions: Database.Options(syncMode: sync), logLevel: level)
        let server: SochServer
        do { server = try SochServer.start(config) } catch {
            FileHandle.standardError.write(Data("sochdb-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let signals = [SIGTERM, SIGINT].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { DispatchQueue.global().async { server.shutdown() } }
            source.resume()
            return source
        }
        server.waitUntilStopped()
        signals.forEach { $0.cancel() }
    }

    static func level(_ name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        default: nil
        }
    }
}

SochDBServerCommand.main()
