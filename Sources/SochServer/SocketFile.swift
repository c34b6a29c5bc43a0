#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SochDB

/// The socket file's checks before binding: a live socket (another server
/// answers) is refused, a stale one (nobody listens) is removed, and any
/// other kind of file is left alone and refused.
enum SocketFile {
    static func prepare(_ path: String) throws(SochDBError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there
        guard st.st_mode & S_IFMT == S_IFSOCK else {
            throw .invalidArgument("\(path) exists and is not a socket; refusing to replace it")
        }
        if isLive(path) {
            throw .alreadyExists("another server is listening on \(path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .database(.io(path: path, operation: "unlink stale socket", errno: errno))
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    static func isLive(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return rc == 0
    }
}
