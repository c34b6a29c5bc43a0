#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRPCCore
import SochVector
import Synchronization

/// The index files VectorService has open: least recently used first out,
/// bounded by count and by mapped bytes. Each lookup compares the file's
/// identity (device, inode, size, modification time) with the open copy's
/// and reopens a file that was replaced. A search holding an evicted or
/// replaced index finishes on it: the mapping lives while anything uses it.
///
/// Replace an index by writing a new file and renaming it over the old one
/// (what `sochdb-bulk build-index` does); a file truncated in place while
/// mapped can fault the process.
final class IndexCache: Sendable {
    struct Identity: Equatable {
        var device: UInt64, inode: UInt64, size: Int, mtimeSeconds: Int, mtimeNanoseconds: Int
    }

    private struct Entry {
        var index: HNSWIndex
        var identity: Identity
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
        var bytes = 0
        var opens = 0
    }

    let maxCount: Int
    let maxBytes: Int
    let verification: HNSWIndex.Verification
    private let state = Mutex(State())

    init(maxCount: Int, maxBytes: Int, verification: HNSWIndex.Verification) {
        self.maxCount = maxCount; self.maxBytes = maxBytes; self.verification = verification
    }

    /// The open index for the canonical path `path`, opened (by mapping) on
    /// first use or after the file changed. A corrupt file is DATA_LOSS and
    /// is not kept.
    func index(_ path: String) throws(RPCError) -> HNSWIndex {
        guard let identity = Self.identity(path) else {
            throw RPCError(code: .notFound, message: "no index file \"\(path)\"", metadata: ["sochdb-code": "400"])
        }
        let cached = state.withLock { s -> HNSWIndex? in
            guard var e = s.entries[path], e.identity == identity else { return nil }
            s.clock += 1
            e.lastUse = s.clock
            s.entries[path] = e
            return e.index
        }
        if let cached { return cached }
        let index: HNSWIndex
        do { index = try HNSWIndex.open(path, verification: verification) } catch {
            throw StatusMapping.rpcError(error)
        }
        state.withLock { s in
            if let old = s.entries.removeValue(forKey: path) { s.bytes -= old.identity.size }
            s.clock += 1
            s.opens += 1
            s.entries[path] = Entry(index: index, identity: identity, lastUse: s.clock)
            s.bytes += identity.size
            while s.entries.count > maxCount || (s.bytes > maxBytes && s.entries.count > 1) {
                guard let victim = s.entries.filter({ $0.key != path }).min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
                s.entries.removeValue(forKey: victim.key)
                s.bytes -= victim.value.identity.size
            }
        }
        return index
    }

    /// Files open now, their bytes, and how many opens there have been.
    var counts: (open: Int, bytes: Int, opens: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.opens) }
    }

    /// Closes every index (on shutdown).
    func removeAll() {
        state.withLock { s in s.entries.removeAll(); s.bytes = 0 }
    }

    static func identity(_ path: String) -> Identity? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
        let mtime = st.st_mtimespec
        #else
        let mtime = st.st_mtim
        #endif
        return Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int(st.st_size),
                        mtimeSeconds: Int(mtime.tv_sec), mtimeNanoseconds: Int(mtime.tv_nsec))
    }
}
