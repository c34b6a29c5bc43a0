/// Bump allocator for memtable nodes: 4 MiB chunks, 8-byte aligned; an
/// allocation larger than a quarter chunk gets a chunk of its own. Memory is
/// freed all at once when the arena (and so its memtable) is freed, which is
/// what makes lock-free reads of the skip list safe: a node, once published,
/// lives as long as any reader holds the memtable.
///
/// Not thread-safe: only the memtable's single writer allocates.
final class Arena {
    static let chunkSize = 4 << 20
    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer? = nil
    private var remaining = 0
    /// Bytes reserved from the system so far.
    private(set) var allocatedBytes = 0
    /// Bytes handed out so far (what a full memtable is measured by).
    private(set) var usedBytes = 0

    deinit {
        for c in chunks { c.deallocate() }
    }

    /// Returns `count` bytes, 8-byte aligned, uninitialised.
    func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let size = (count + 7) & ~7
        usedBytes += size
        if size > Self.chunkSize / 4 { return newChunk(size) }
        if size > remaining {
            cursor = newChunk(Self.chunkSize)
            remaining = Self.chunkSize
        }
        let p = cursor!
        cursor = p + size
        remaining -= size
        return p
    }

    private func newChunk(_ size: Int) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        chunks.append(p)
        allocatedBytes += size
        return p
    }
}
