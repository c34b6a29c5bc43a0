import Synchronization

/// An LRU cache of parsed table blocks, keyed by (file number, block
/// offset), holding at most `capacity` bytes of charge.
///
/// Thread-safe. Split into shards by a hash of the key, each with its own
/// mutex, LRU list and dictionary, so concurrent readers rarely contend; the
/// byte budget is divided evenly, so eviction is LRU within a shard. A
/// returned ``Block`` stays valid after eviction (it is reference counted).
/// Lookups count `cacheHits` / `cacheMisses` in the engine counters.
/// Capacity 0 caches nothing (lookups still count misses).
final class BlockCache: @unchecked Sendable {
    /// Total byte budget, as given.
    let capacity: Int
    private let shards: [Shard]
    private let shardMask: UInt64
    private let counters: EngineCounters

    /// `shardCount` (a power of two) defaults to 16, fewer for a small
    /// cache so no shard gets under 512 KiB.
    init(capacityBytes: Int, counters: EngineCounters, shardCount: Int? = nil) {
        precondition(capacityBytes >= 0)
        let n = shardCount ?? Self.defaultShardCount(capacityBytes)
        precondition(n >= 1 && n & (n - 1) == 0, "shard count must be a power of two")
        capacity = capacityBytes
        self.counters = counters
        let perShard = (capacityBytes + n - 1) / n
        shards = (0..<n).map { _ in Shard(capacity: perShard) }
        shardMask = UInt64(n - 1)
    }

    static func defaultShardCount(_ capacityBytes: Int) -> Int {
        var n = 16
        while n > 1 && capacityBytes / n < 512 << 10 { n >>= 1 }
        return n
    }

    /// The cached block, marked most recently used; nil on a miss. O(1).
    func lookup(fileNumber: UInt64, offset: UInt64) -> Block? {
        let key = Key(fileNumber: fileNumber, offset: offset)
        let block = shard(key).state.withLock { $0.lookup(key) }
        if block != nil { counters.cacheHits.add(1) } else { counters.cacheMisses.add(1) }
        return block
    }

    /// Caches `block` with `charge` bytes (replacing an entry with the same
    /// key), evicting least recently used blocks of its shard to make room.
    /// A block larger than a shard's budget is not cached; a charge below 1
    /// counts as 1. O(1) amortised.
    func insert(fileNumber: UInt64, offset: UInt64, block: Block, charge: Int) {
        let key = Key(fileNumber: fileNumber, offset: offset)
        // Every entry costs at least a byte, so a zero budget holds nothing.
        shard(key).state.withLock { $0.insert(key, block, charge: max(charge, 1)) }
    }

    /// Drops every block of `fileNumber` (a deleted table). O(entries).
    func evictFile(_ fileNumber: UInt64) {
        for s in shards { s.state.withLock { $0.evictFile(fileNumber) } }
    }

    /// Charge currently held, summed over the shards.
    var usage: Int { shards.reduce(0) { sum, s in sum + s.state.withLock { $0.usage } } }

    /// Number of cached blocks.
    var count: Int { shards.reduce(0) { sum, s in sum + s.state.withLock { $0.index.count } } }

    @inline(__always)
    private func shard(_ key: Key) -> Shard {
        // A 64-bit mix so neighbouring offsets of one file spread over shards.
        var h = key.fileNumber &* 0x9E37_79B9_7F4A_7C15 ^ key.offset
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD; h ^= h >> 33
        return shards[Int(truncatingIfNeeded: h & shardMask)]
    }
}

extension BlockCache {
    struct Key: Hashable, Sendable {
        var fileNumber: UInt64
        var offset: UInt64
    }

    final class Shard: Sendable {
        let state: Mutex<ShardState>
        init(capacity: Int) { state = Mutex(ShardState(capacity: capacity)) }
    }

    /// One shard: a dictionary from key to node, and the nodes in an array
    /// linked into a circular doubly-linked LRU list through `prev`/`next`
    /// indices (node 0 is the list head: head.next is the most recently
    /// used, head.prev the least). Freed nodes are reused through `free`.
    struct ShardState: ~Copyable {
        struct Node {
            var key: Key
            var block: Block?
            var charge: Int
            var prev: Int32
            var next: Int32
        }

        let capacity: Int
        private(set) var usage = 0
        private(set) var index: [Key: Int32] = [:]
        private var nodes: [Node] = [Node(key: Key(fileNumber: 0, offset: 0), block: nil, charge: 0, prev: 0, next: 0)]
        private var free: [Int32] = []

        init(capacity: Int) { self.capacity = capacity }

        mutating func lookup(_ key: Key) -> Block? {
            guard let i = index[key] else { return nil }
            unlink(i)
            pushFront(i)
            return nodes[Int(i)].block
        }

        mutating func insert(_ key: Key, _ block: Block, charge: Int) {
            if let old = index[key] { remove(old) }
            guard charge <= capacity else { return }
            while usage + charge > capacity { remove(nodes[0].prev) }
            let node = Node(key: key, block: block, charge: charge, prev: 0, next: 0)
            let i: Int32
            if let reused = free.popLast() { i = reused; nodes[Int(i)] = node } else {
                i = Int32(nodes.count); nodes.append(node)
            }
            index[key] = i
            pushFront(i)
            usage += charge
        }

        mutating func evictFile(_ fileNumber: UInt64) {
            let victims = index.compactMap { $0.key.fileNumber == fileNumber ? $0.value : nil }
            for i in victims { remove(i) }
        }

        private mutating func remove(_ i: Int32) {
            precondition(i != 0, "LRU list head removed")
            unlink(i)
            let n = Int(i)
            index[nodes[n].key] = nil
            usage -= nodes[n].charge
            nodes[n].block = nil
            nodes[n].charge = 0
            free.append(i)
        }

        @inline(__always)
        private mutating func unlink(_ i: Int32) {
            let n = Int(i)
            let p = nodes[n].prev, x = nodes[n].next
            nodes[Int(p)].next = x
            nodes[Int(x)].prev = p
        }

        @inline(__always)
        private mutating func pushFront(_ i: Int32) {
            let first = nodes[0].next
            nodes[Int(i)].prev = 0
            nodes[Int(i)].next = first
            nodes[Int(first)].prev = i
            nodes[0].next = i
        }
    }
}
