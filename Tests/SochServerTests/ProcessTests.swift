import Foundation
import Testing
import SochClient
import SochDB
import SochServer
import SochWire
#if canImport(Glibc)
import Glibc
#endif

/// `sochdb-server` as a real process: the seed's writer and reader as two
/// more processes, SIGTERM, SIGKILL during acknowledged writes, and the
/// socket-file and lock rules.
@Suite(.serialized) struct ProcessTests {
    func tempDir() -> String { "/tmp/sochdb-proc-\(UUID().uuidString.prefix(8))" }

    @Test func seedWriterAndReaderAsSeparateProcesses() throws {
        let db = tempDir()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let server = try launchServer(db: db)
        defer { server.terminate(); server.waitUntilExit() }
        let socket = db + "/sochdb.sock"
        let lines = (0..<1000).map { "log:\($0)\tentry_\($0)" }.joined(separator: "\n") + "\n"
        let writer = try runProduct("sochdb", ["remote", "load", "--socket", socket], stdin: lines)
        #expect(writer == (0, "1000\n"))
        let reader = try runProduct("sochdb", ["remote", "scan", "--socket", socket, "--prefix", "log:", "--count"])
        #expect(reader == (0, "1000\n"))
        #expect(try runProduct("sochdb", ["remote", "get", "--socket", socket, "log:7"]) == (0, "entry_7\n"))
        #expect(try runProduct("sochdb", ["remote", "get", "--socket", socket, "log:x"]).0 == 1)
    }

    @Test func sigtermStopsGracefullyAndKeepsTheData() throws {
        let db = tempDir()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let server = try launchServer(db: db)
        let socket = db + "/sochdb.sock"
        var st = stat()
        #expect(lstat(socket, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let c = try IpcClient.connect(path: socket)
        try c.put(bytes("kept"), bytes("yes"))
        _ = try c.beginTransaction()
        try c.put(bytes("open txn"), bytes("dropped"))
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: socket))
        let dbh = try Database.open(db)                  // the lock is released
        #expect(try dbh.get(bytes("kept")) == bytes("yes"))
        #expect(try dbh.get(bytes("open txn")) == nil)
        #expect(dbh.stats().first { $0.name == "last_checkpoint_lsn" }?.value != .integer(0))
        try dbh.close()
    }

    @Test func sigkillDuringAcknowledgedWritesLosesNone() throws {
        let db = tempDir()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let server = try launchServer(db: db, extra: ["--sync-mode", "full"])
        let socket = db + "/sochdb.sock"
        let acked = Acked()
        let writers = (0..<4).map { w in
            Thread { 
                guard let c = try? IpcClient.connect(path: socket, timeout: 5) else { return }
                for i in 0..<1_000_000 {
                    let k = "w\(w):\(i)"
                    do { try c.put(bytes(k), bytes("v\(i)")) } catch { return }
                    acked.add(k)
                }
            }
        }
        writers.forEach { $0.start() }
        while acked.count < 400 { usleep(5_000) }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        usleep(100_000)                                   // writers see the broken pipe and stop
        let keys = acked.all
        let restarted = try launchServer(db: db)          // the stale socket is replaced
        defer { restarted.terminate(); restarted.waitUntilExit() }
        let c = try IpcClient.connect(path: socket)
        var missing = 0
        for k in keys where try c.get(bytes(k)) == nil { missing += 1 }
        #expect(keys.count >= 400 && missing == 0, "\(missing) of \(keys.count) acknowledged writes lost")
    }

    @Test func liveSocketAndLockedDatabaseAreRefused() throws {
        let db = tempDir(), other = tempDir()
        defer { try? FileManager.default.removeItem(atPath: db); try? FileManager.default.removeItem(atPath: other) }
        let server = try launchServer(db: db)
        defer { server.terminate(); server.waitUntilExit() }
        // A second server on the same database: the lock refuses it.
        #expect(throws: SochDBError.self) { _ = try SochServer.start(ServerConfiguration(databasePath: db, socketPath: other + ".sock", logLevel: .critical)) }
        // A second database on the live socket: refused, and the first server still answers.
        let e = #expect(throws: SochDBError.self) {
            _ = try SochServer.start(ServerConfiguration(databasePath: other, socketPath: db + "/sochdb.sock", logLevel: .critical))
        }
        #expect(e?.code == 122)
        #expect(try IpcClient.connect(path: db + "/sochdb.sock").ping() >= 0)
        // A non-socket file at the socket path is never replaced.
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: other + "/not-a-socket", contents: Data("keep me".utf8))
        #expect(throws: SochDBError.self) {
            _ = try SochServer.start(ServerConfiguration(databasePath: other, socketPath: other + "/not-a-socket", logLevel: .critical))
        }
        #expect(FileManager.default.contents(atPath: other + "/not-a-socket") == Data("keep me".utf8))
    }
}

/// Keys whose PUT the server acknowledged (written by several threads).
final class Acked: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String] = []
    func add(_ k: String) { lock.lock(); keys.append(k); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return keys.count }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return keys }
}
