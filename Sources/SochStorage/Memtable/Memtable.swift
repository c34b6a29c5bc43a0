import CSochSupport
import Synchronization

/// The in-memory table of recent writes: a skip list of internal keys
/// (user key ascending, sequence descending) over an ``Arena``.
///
/// Thread-safety: one writer at a time (the engine's commit leader) calls
/// ``add(sequence:kind:key:value:)``; any number of readers search and
/// iterate concurrently without locks. A node is fully written before it is
/// published with a release store, and readers follow links with acquire
/// loads, so a reader sees either the old list or the list with the whole
/// new node (LevelDB's skip list, with the same memory-ordering argument).
/// Nodes are never removed; the memory goes when the memtable is freed.
///
/// Node layout in the arena (native byte order, in memory only):
///
///     +0  internal key length u32 | +4 value length u32 | +8 height u32 | +12 pad
///     +16 next[height] (8-byte pointers) | internal key | value
final class Memtable: @unchecked Sendable {
    static let maxHeight = 12
    private static let nodeHeader = 16

    private let arena = Arena()
    private let head: UnsafeMutableRawPointer
    private let currentHeight = Atomic<Int>(1)
    private var rng = SplitMix64(seed: 0x50C4_DB00)         // writer only
    private let bytes = Atomic<Int>(0)
    private let entries = Atomic<Int>(0)
    private let deletions = Atomic<Int>(0)
    /// Highest sequence number added (writer publishes, readers may lag).
    private let maxSequence = Atomic<UInt64>(0)

    init() {
        head = arena.allocate(Self.nodeHeader + 8 * Self.maxHeight)
        head.storeBytes(of: UInt32(0), as: UInt32.self)
        head.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
        head.storeBytes(of: UInt32(Self.maxHeight), toByteOffset: 8, as: UInt32.self)
        for i in 0..<Self.maxHeight { Self.nextSlot(head, i).pointee = nil }
    }

    /// Approximate memory used: arena bytes taken by nodes (keys, values, links).
    var approximateBytes: Int { bytes.load(ordering: .relaxed) }
    var entryCount: Int { entries.load(ordering: .relaxed) }
    var deletionCount: Int { deletions.load(ordering: .relaxed) }
    var isEmpty: Bool { entryCount == 0 }
    var highestSequence: SequenceNumber { maxSequence.load(ordering: .relaxed) }

    // MARK: node access

    @inline(__always)
    private static func nextSlot(_ node: UnsafeMutableRawPointer, _ level: Int) -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        (node + nodeHeader + 8 * level).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    }

    @inline(__always)
    static func next(_ node: UnsafeMutableRawPointer, _ level: Int) -> UnsafeMutableRawPointer? {
        soch_load_acquire(nextSlot(node, level))
    }

    @inline(__always)
    private static func setNext(_ node: UnsafeMutableRawPointer, _ level: Int, _ value: UnsafeMutableRawPointer?) {
        soch_store_release(nextSlot(node, level), value)
    }

    @inline(__always)
    static func key(_ node: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        let klen = Int(node.load(as: UInt32.self))
        let height = Int(node.load(fromByteOffset: 8, as: UInt32.self))
        return UnsafeRawBufferPointer(start: node + nodeHeader + 8 * height, count: klen)
    }

    @inline(__always)
    static func value(_ node: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        let klen = Int(node.load(as: UInt32.self))
        let vlen = Int(node.load(fromByteOffset: 4, as: UInt32.self))
        let height = Int(node.load(fromByteOffset: 8, as: UInt32.self))
        return UnsafeRawBufferPointer(start: node + nodeHeader + 8 * height + klen, count: vlen)
    }

    // MARK: search

    /// The first node whose internal key is ≥ `target`, filling `prev` with
    /// the last node before it on each level when given.
    @inline(__always)
    private func findGreaterOrEqual(_ target: UnsafeRawBufferPointer,
                                    prev: UnsafeMutablePointer<UnsafeMutableRawPointer>?) -> UnsafeMutableRawPointer? {
        var x = head
        var level = currentHeight.load(ordering: .relaxed) - 1
        while true {
            let n = Self.next(x, level)
            if let n, InternalKey.compare(Self.key(n), target) < 0 {
                x = n
            } else {
                prev?[level] = x
                if level == 0 { return n }
                level -= 1
            }
        }
    }

    /// The first node (for iteration).
    func first() -> UnsafeMutableRawPointer? { Self.next(head, 0) }

    func seek(_ target: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer? {
        findGreaterOrEqual(target, prev: nil)
    }

    /// What the memtable knows about a user key at a snapshot.
    enum Lookup {
        case found(UnsafeRawBufferPointer)
        case deleted
        case absent
    }

    /// Looks up the newest version of `userKey` with sequence ≤ the one in
    /// `lookupKey` (``InternalKey/lookup(_:at:)``). The value view lives as
    /// long as this memtable.
    func get(userKey: UnsafeRawBufferPointer, lookupKey: UnsafeRawBufferPointer) -> Lookup {
        guard let n = findGreaterOrEqual(lookupKey, prev: nil) else { return .absent }
        let k = Self.key(n)
        let user = UnsafeRawBufferPointer(rebasing: k[0..<(k.count - InternalKey.trailerSize)])
        guard compareBytes(user, userKey) == 0 else { return .absent }
        let tag = k.load(fromByteOffset: k.count - InternalKey.trailerSize, as: UInt8.self)
        return tag == EntryKind.value.rawValue ? .found(Self.value(n)) : .deleted
    }

    // MARK: insert (single writer)

    /// Adds one entry. Caller: the one writer; sequences never repeat a key's.
    func add(sequence: SequenceNumber, kind: EntryKind, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let height = randomHeight()
        let klen = key.count + InternalKey.trailerSize
        let size = Self.nodeHeader + 8 * height + klen + value.count
        let node = arena.allocate(size)
        node.storeBytes(of: UInt32(klen), as: UInt32.self)
        node.storeBytes(of: UInt32(value.count), toByteOffset: 4, as: UInt32.self)
        node.storeBytes(of: UInt32(height), toByteOffset: 8, as: UInt32.self)
        let keyStart = node + Self.nodeHeader + 8 * height
        if key.count > 0 { keyStart.copyMemory(from: key.baseAddress!, byteCount: key.count) }
        (keyStart + key.count).storeBytes(of: (sequence << 8 | UInt64(kind.rawValue)).littleEndian, as: UInt64.self)
        if value.count > 0 { (keyStart + klen).copyMemory(from: value.baseAddress!, byteCount: value.count) }

        withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer.self, capacity: Self.maxHeight) { prev in
            _ = findGreaterOrEqual(UnsafeRawBufferPointer(start: keyStart, count: klen), prev: prev.baseAddress!)
            let current = currentHeight.load(ordering: .relaxed)
            if height > current {
                for i in current..<height { prev[i] = head }
                currentHeight.store(height, ordering: .relaxed)
            }
            for i in 0..<height {
                Self.nextSlot(node, i).pointee = Self.next(prev[i], i)
                Self.setNext(prev[i], i, node)
            }
        }
        bytes.store(arena.usedBytes, ordering: .relaxed)
        entries.wrappingAdd(1, ordering: .relaxed)
        if kind == .deletion { deletions.wrappingAdd(1, ordering: .relaxed) }
        if sequence > maxSequence.load(ordering: .relaxed) { maxSequence.store(sequence, ordering: .relaxed) }
    }

    /// Adds every entry of `batch`, numbering them from `batch.sequence`.
    /// A batch whose numbers would pass the 56-bit LSN space (only a
    /// damaged log can hold one; recovery checks first and reports where)
    /// is refused before anything is added.
    func add(_ batch: WriteBatch) throws {
        let (last, overflow) = batch.sequence.addingReportingOverflow(UInt64(max(batch.count, 1)) - 1)
        guard !overflow, last <= maxSequenceNumber else {
            throw StorageError.corruption(path: "write batch", reason: "numbered from \(batch.sequence) with \(batch.count) entries, past the largest sequence number")
        }
        var seq = batch.sequence
        try batch.forEach { kind, key, value in
            add(sequence: seq, kind: kind, key: key, value: value)
            seq += 1
        }
    }

    private func randomHeight() -> Int {
        var h = 1
        var r = rng.next()
        while h < Self.maxHeight && (r & 3) == 0 { h += 1; r >>= 2 }
        return h
    }

    func makeIterator() -> MemtableIterator { MemtableIterator(self) }
}

/// Iterates a memtable in internal-key order; keeps the memtable alive.
final class MemtableIterator: InternalIterator {
    private let table: Memtable
    private var node: UnsafeMutableRawPointer?

    init(_ table: Memtable) { self.table = table }

    var isValid: Bool { node != nil }
    var key: [UInt8] { Array(Memtable.key(node!)) }
    var value: [UInt8] { Array(Memtable.value(node!)) }
    /// Views valid while this iterator lives (no copy).
    var keyView: UnsafeRawBufferPointer { Memtable.key(node!) }
    var valueView: UnsafeRawBufferPointer { Memtable.value(node!) }

    func seekToFirst() { node = table.first() }
    func seek(_ target: [UInt8]) { node = target.withUnsafeBytes { table.seek($0) } }
    func next() { node = Memtable.next(node!, 0) }
}
