/// Builds the contents of one data or index block (docs/formats/sstable.md):
///
///     entry*  restart offset u32 LE *  restart count u32 LE
///     entry := varint shared | varint nonShared | varint valueLength
///              | key[shared...] (nonShared bytes) | value
///
/// Each key is stored as the bytes it does not share with the previous key.
/// Every `restartInterval`-th entry (the first included) is a restart point:
/// it stores its whole key (shared = 0) and its offset goes in the restart
/// array, so a reader can binary-search the restart points and decode at
/// most `restartInterval` entries linearly. A block without entries is the
/// four bytes of a zero restart count.
///
/// Keys must be added in increasing order (the table builder checks); the
/// builder itself only compresses. A value type: not thread-safe.
struct BlockBuilder {
    let restartInterval: Int
    private var buffer: [UInt8] = []
    private var restarts: [UInt32] = []
    /// Entries added since the last restart point.
    private var sinceRestart = 0
    private(set) var lastKey: [UInt8] = []
    private(set) var entryCount = 0

    init(restartInterval: Int = TableFormat.defaultRestartInterval) {
        precondition(restartInterval >= 1, "restart interval must be at least 1")
        self.restartInterval = restartInterval
    }

    var isEmpty: Bool { entryCount == 0 }

    /// Size of the block if finished now.
    var estimatedSize: Int { buffer.count + 4 * restarts.count + 4 }

    mutating func add(_ key: [UInt8], _ value: [UInt8]) {
        key.withUnsafeBytes { k in value.withUnsafeBytes { v in add(k, v) } }
    }

    mutating func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        var shared = 0
        if entryCount == 0 || sinceRestart == restartInterval {
            precondition(buffer.count < Int(UInt32.max), "block larger than 4 GiB")
            restarts.append(UInt32(buffer.count))
            sinceRestart = 0
        } else {
            shared = lastKey.withUnsafeBytes { Self.commonPrefixLength($0, key) }
        }
        buffer.appendVarint(UInt64(shared))
        buffer.appendVarint(UInt64(key.count - shared))
        buffer.appendVarint(UInt64(value.count))
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: key[shared...]))
        buffer.append(contentsOf: value)
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: key)
        sinceRestart += 1
        entryCount += 1
    }

    /// Appends the restart array and returns the block contents; the
    /// builder is empty afterwards and can build the next block.
    mutating func finish() -> [UInt8] {
        // Hand the buffer over rather than copy it; the next block starts
        // with a buffer of the same capacity.
        var out: [UInt8] = []
        swap(&out, &buffer)
        buffer.reserveCapacity(out.capacity)
        out.reserveCapacity(out.count + 4 * restarts.count + 4 + TableFormat.blockTrailerSize)
        for r in restarts { out.appendFixed32(r) }
        out.appendFixed32(UInt32(restarts.count))
        restarts.removeAll(keepingCapacity: true)
        sinceRestart = 0
        entryCount = 0
        lastKey.removeAll(keepingCapacity: true)
        return out
    }

    @inline(__always)
    static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in commonPrefixLength(pa, pb) } }
    }

    @inline(__always)
    static func commonPrefixLength(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n && a[i] == b[i] { i += 1 }
        return i
    }
}
