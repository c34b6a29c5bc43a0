import Foundation
import SochClient
import SochDB
import SochServer
import SochWire
#if canImport(Glibc)
import Glibc
#endif

/// A server over a fresh temporary database, stopped and removed by `stop()`.
final class TestServer {
    let dir: String
    let server: SochServer
    var socketPath: String { server.socketPath }

    init(_ tweak: (inout ServerConfiguration) -> Void = { _ in }) throws {
        dir = "/tmp/sochdb-srv-\(UUID().uuidString.prefix(8))"
        var config = ServerConfiguration(databasePath: dir, logLevel: .critical)
        tweak(&config)
        server = try SochServer.start(config)
    }

    func client(timeout: Double = 10) throws -> IpcClient { try IpcClient.connect(path: socketPath, timeout: timeout) }

    func stop() {
        server.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// A raw socket for tests that break the protocol on purpose.
final class RawConnection {
    let fd: Int32

    init(_ path: String, timeout: Double = 5) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 { Glibc.close(fd); throw SochDBError.connection("connect failed: \(errno)") }
    }

    deinit { Glibc.close(fd) }

    /// Sends bytes; false once the peer has closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads one frame; nil at EOF (or time-out).
    func readFrame() -> Response? {
        guard let header = read(5) else { return nil }
        let (op, len) = FrameFormat.parseHeader(header)
        guard let payload = read(Int(len)) else { return nil }
        return try? Response.decode(opcode: op, payload: payload)
    }

    /// True when the server has closed the connection (EOF within the time-out).
    func isClosedByPeer() -> Bool {
        var b = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &b, b.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    private func read(_ n: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, n - got, 0) }
            if r <= 0 { return nil }
            got += r
        }
        return out
    }
}

/// The path of an executable built beside the tests.
func builtProduct(_ name: String) throws -> String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent(name).path) && dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    let exe = dir.appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: exe) else { throw CocoaError(.fileNoSuchFile) }
    return exe
}

/// Starts `sochdb-server` as a child process and waits for its socket.
func launchServer(db: String, extra: [String] = []) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try builtProduct("sochdb-server"))
    p.arguments = ["--db", db, "--log-level", "error"] + extra
    p.standardError = FileHandle.nullDevice
    try p.run()
    let socket = db + "/sochdb.sock"
    for _ in 0..<500 {
        if let c = try? IpcClient.connect(path: socket, timeout: 5), (try? c.ping()) != nil { c.close(); return p }
        if !p.isRunning { throw SochDBError.connection("sochdb-server exited with \(p.terminationStatus)") }
        usleep(10_000)
    }
    p.terminate()
    throw SochDBError.connection("sochdb-server did not start listening")
}

/// Runs a built tool to completion: (status, stdout).
func runProduct(_ name: String, _ args: [String], stdin: String? = nil) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try builtProduct(name))
    p.arguments = args
    let out = Pipe(), input = Pipe()
    p.standardOutput = out; p.standardInput = input; p.standardError = FileHandle.nullDevice
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self))
}

/// Resident memory of a process, in bytes (Linux /proc).
func residentBytes(pid: Int32) -> Int {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
