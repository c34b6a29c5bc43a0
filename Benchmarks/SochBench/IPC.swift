// `sochdb-bench ipc`: a load generator for sochdb-server shaped like
// redis-benchmark, so the two are measured alike: one thread drives every
// connection with poll(2); each connection keeps `--pipeline` requests in
// flight and times each round trip (every request of a pipelined batch is
// charged the batch's latency, as redis-benchmark does).
//
//   sochdb-bench ipc --socket db/sochdb.sock --clients 8 --requests 200000 --op set
//
// Keys are `key:` + 12 digits (16 bytes) drawn from `--keyspace`, values
// `--value-size` bytes: redis-benchmark's `-r` and `-d`.
import ArgumentParser
import Foundation
import SochWire
#if canImport(Glibc)
import Glibc
#endif

struct IPCBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ipc", abstract: "GET/SET load against sochdb-server, redis-benchmark style.")

    @Option(help: "The server's socket.") var socket: String
    @Option(help: "Concurrent connections.") var clients = 1
    @Option(help: "Requests in flight per connection.") var pipeline = 1
    @Option(help: "Total requests.") var requests = 100_000
    @Option(help: "set or get.") var op = "set"
    @Option(name: .customLong("value-size")) var valueSize = 100
    @Option(help: "Distinct keys.") var keyspace = 100_000
    @Flag(help: "Print one JSON line instead of text.") var json = false

    func validate() throws {
        guard ["set", "get"].contains(op) else { throw ValidationError("--op must be set or get") }
        guard clients >= 1, pipeline >= 1, requests >= 1, keyspace >= 1, valueSize >= 0 else {
            throw ValidationError("counts must be positive")
        }
    }

    func run() throws {
        let conns = try (0..<clients).map { _ in try LoadConnection(socket) }
        var rng = SystemRandomNumberGenerator()
        // Frames are built into one reused buffer with the key's digits
        // written in place: the generator shares the cores with the server,
        // so it must cost no more per request than redis-benchmark does.
        let template = (op == "set" ? Request.put(key: Array("key:000000000000".utf8), value: [UInt8](repeating: UInt8(ascii: "x"), count: valueSize))
                                    : Request.get(key: Array("key:000000000000".utf8))).encodeFrame()
        let digitsAt = 5 + 4 + 4   // header, key length, "key:"
        var issued = 0, done = 0
        var latencies: [Double] = []
        latencies.reserveCapacity(requests)
        var out: [UInt8] = []
        func batch() -> [UInt8] {
            out.removeAll(keepingCapacity: true)
            let n = min(pipeline, requests - issued)
            for _ in 0..<n {
                var k = Int.random(in: 0..<keyspace, using: &rng)
                let base = out.count
                out.append(contentsOf: template)
                for d in stride(from: digitsAt + 11, through: digitsAt, by: -1) {
                    out[base + d] = UInt8(ascii: "0") + UInt8(k % 10)
                    k /= 10
                }
            }
            issued += n
            return out
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for c in conns where issued < requests { let before = issued; c.start(batch(), count: issued - before) }
        var fds = conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        while done < requests {
            let rc = poll(&fds, nfds_t(fds.count), 10_000)
            if rc < 0 && errno == EINTR { continue }
            guard rc > 0 else { throw ValidationError("no reply from the server for 10 s") }
            for i in fds.indices where fds[i].revents != 0 {
                let c = conns[i]
                let finished = try c.readReplies()
                guard finished > 0 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                let lat = Double(now - c.sentAt) / 1e3
                for _ in 0..<finished { latencies.append(lat) }
                done += finished
                if c.inFlight == 0 && issued < requests { let before = issued; c.start(batch(), count: issued - before) }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        latencies.sort()
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        let opsPerSecond = Double(requests) / seconds
        if json {
            print(#"{"op":"\#(op)","clients":\#(clients),"pipeline":\#(pipeline),"requests":\#(requests),"ops_per_sec":\#(Int(opsPerSecond)),"p50_us":\#(Int(pct(0.5))),"p99_us":\#(Int(pct(0.99))),"errors":\#(conns.map(\.errors).reduce(0, +))}"#)
        } else {
            print(String(format: "%@ c=%d P=%d: %.0f ops/s, p50 %.0f µs, p99 %.0f µs", op, clients, pipeline, opsPerSecond, pct(0.5), pct(0.99)))
        }
    }
}

/// One non-blocking connection with its read buffer.
final class LoadConnection {
    let fd: Int32
    private(set) var inFlight = 0
    private(set) var sentAt: UInt64 = 0
    private(set) var errors = 0
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw ValidationError("cannot connect to \(path)") }
    }

    deinit { close(fd) }

    /// Sends one batch of `count` frames (blocking until written: batches are small).
    func start(_ frames: [UInt8], count: Int) {
        inFlight = count
        sentAt = DispatchTime.now().uptimeNanoseconds
        var sent = 0
        while sent < frames.count {
            let n = frames.withUnsafeBytes { send(fd, $0.baseAddress! + sent, frames.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n } else if errno != EINTR { break }
        }
    }

    /// Reads what is there; returns how many replies completed.
    func readReplies() throws -> Int {
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw ValidationError("the server closed a connection") }
        buffer.append(contentsOf: chunk[0..<n])
        var finished = 0, i = 0
        while buffer.count - i >= 5 {
            let (op, len) = FrameFormat.parseHeader(buffer[i..<i + 5])
            guard buffer.count - i - 5 >= Int(len) else { break }
            if op == Opcode.error.rawValue { errors += 1 }
            i += 5 + Int(len)
            finished += 1
        }
        buffer.removeFirst(i)
        inFlight -= finished
        return finished
    }
}
