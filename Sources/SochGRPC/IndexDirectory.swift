#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRPCCore

/// The folder VectorService serves index files from, and the one place a
/// client's `index_path` becomes a file name. A path is accepted only if it
/// names a regular file inside the folder once `.`, `..` and symbolic links
/// are resolved, so no request opens a file the operator did not put there.
struct IndexDirectory: Sendable {
    /// The folder's canonical path, ending in "/".
    let root: String

    init(_ path: String) throws(RPCError) {
        guard let real = Self.realPath(path) else {
            throw RPCError(code: .invalidArgument, message: "index directory \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard stat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw RPCError(code: .invalidArgument, message: "index directory \(path) is not a directory")
        }
        root = real.hasSuffix("/") ? real : real + "/"
    }

    /// The canonical path of `requested` (relative to the folder, or
    /// absolute inside it). INVALID_ARGUMENT for a path that leaves the
    /// folder, before anything outside it is looked at; NOT_FOUND for a
    /// file that does not exist or is not a regular file.
    func resolve(_ requested: String) throws(RPCError) -> String {
        guard !requested.isEmpty else { throw StatusMapping.invalid("index_path is empty") }
        guard !requested.utf8.contains(0), requested.utf8.count <= 4096 else {
            throw StatusMapping.invalid("index_path holds a NUL byte or is over 4096 bytes")
        }
        let joined = requested.hasPrefix("/") ? requested : root + requested
        guard let lexical = Self.normalize(joined), lexical.hasPrefix(root) else {
            throw StatusMapping.invalid("index_path \"\(requested)\" is outside the server's index directory")
        }
        guard let real = Self.realPath(lexical) else {
            throw RPCError(code: .notFound, message: "no index file \"\(requested)\"", metadata: ["sochdb-code": "400"])
        }
        guard real.hasPrefix(root) else {
            throw StatusMapping.invalid("index_path \"\(requested)\" leads outside the server's index directory")
        }
        var st = stat()
        guard stat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw RPCError(code: .notFound, message: "\"\(requested)\" is not an index file", metadata: ["sochdb-code": "400"])
        }
        return real
    }

    /// `path` (absolute) with empty and `.` segments dropped and `..`
    /// applied, without touching the file system; nil if `..` climbs past /.
    static func normalize(_ path: String) -> String? {
        var parts: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if parts.popLast() == nil { return nil }
            default: parts.append(segment)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
