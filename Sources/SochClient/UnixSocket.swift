#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SochDB
import SochWire

/// A connected, blocking Unix stream socket with a read buffer, as the
/// client needs it: write whole frames, read whole frames, time out.
///
/// Owns its file descriptor (closed by `close()` or deinit). Not
/// thread-safe; ``IpcClient`` serialises access.
final class UnixSocket {
    private var fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    private var start = 0
    private var end = 0

    init(path: String, timeout: Double) throws(SochDBError) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .connection("socket(): \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            Glibc.close(fd)
            throw .connection("socket path \(path) is longer than 107 bytes")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        if timeout > 0 {
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw .connection("cannot connect to \(path): \(String(cString: strerror(e))) (is sochdb-server running?)")
        }
    }

    var isOpen: Bool { fd >= 0 }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    deinit { close() }

    func write(_ bytes: [UInt8]) throws(SochDBError) {
        guard fd >= 0 else { throw .connection("the connection is closed") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && errno == EINTR { continue }
            throw failure("send")
        }
    }

    /// Reads one frame: its opcode and payload. Refuses a declared length
    /// over `maxPayload` before allocating for it.
    func readFrame(maxPayload: Int) throws(SochDBError) -> (opcode: UInt8, payload: [UInt8]) {
        try fill(FrameFormat.headerSize)
        let (op, len) = FrameFormat.parseHeader(buffer[start..<start + FrameFormat.headerSize])
        guard Int(len) <= maxPayload else {
            close()
            throw .protocol("server frame declares \(len) bytes; the client's limit is \(maxPayload)")
        }
        start += FrameFormat.headerSize
        let n = Int(len)
        if n <= buffer.count {
            try fill(n)
            defer { start += n }
            return (op, Array(buffer[start..<start + n]))
        }
        // Larger than the buffer: take what is buffered, then read the rest directly.
        var payload = Array(buffer[start..<end])
        start = end
        payload.reserveCapacity(n)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while payload.count < n {
            let want = min(chunk.count, n - payload.count)
            let got = try receive(into: &chunk, offset: 0, max: want)
            payload.append(contentsOf: chunk[0..<got])
        }
        return (op, payload)
    }

    /// Makes `count` bytes available at `start` (count ≤ buffer size).
    private func fill(_ count: Int) throws(SochDBError) {
        if end - start >= count { return }
        if buffer.count - start < count {
            buffer.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                memmove(base, base + start, end - start)
            }
            end -= start
            start = 0
        }
        while end - start < count {
            end += try receive(into: &buffer, offset: end, max: buffer.count - end)
        }
    }

    private func receive(into target: inout [UInt8], offset: Int, max: Int) throws(SochDBError) -> Int {
        guard fd >= 0 else { throw .connection("the connection is closed") }
        while true {
            let n = target.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, max, 0) }
            if n > 0 { return n }
            if n == 0 { close(); throw .connection("the server closed the connection") }
            if errno == EINTR { continue }
            throw failure("recv")
        }
    }

    private func failure(_ call: String) -> SochDBError {
        let e = errno
        close()
        if e == EAGAIN || e == EWOULDBLOCK { return .connection("timed out waiting for the server (\(call))") }
        return .connection("\(call): \(String(cString: strerror(e)))")
    }
}
