/// A whole-table Bloom filter over user keys (docs/formats/sstable.md,
/// "Filter block"): `bits (n bytes) | k u8`, bit `i` being bit `i & 7` of
/// byte `i >> 3`.
///
/// A key is hashed once with ``hash(_:)`` (64 bits); the `k` probe positions
/// come from double hashing, `g_i = h1 + i·h2 (mod 2³²)` with h1 and h2 the
/// low and high halves, each mapped onto the `m` bits by `(g_i · m) >> 32`
/// (a multiply instead of a modulo). Immutable and thread-safe.
struct BloomFilter: Sendable {
    /// Format: the hash's seed (changing it changes every filter).
    static let hashSeed: UInt64 = 0xA076_1D64_78BD_642F
    /// Format: at most 2³² bits (the probe mapping is 32-bit).
    static let maxBits: UInt64 = 1 << 32
    static let minBits = 64

    private let bits: [UInt8]
    let probes: Int

    /// Parses a filter block; a block that is too short or has a probe count
    /// outside 1…30 is corruption of `path`.
    init(block: [UInt8], path: String) throws {
        guard block.count >= 2 else {
            throw StorageError.corruption(path: path, reason: "filter block of \(block.count) bytes is too short")
        }
        let k = Int(block[block.count - 1])
        guard (1...30).contains(k) else {
            throw StorageError.corruption(path: path, reason: "filter block probe count \(k) is outside 1…30")
        }
        guard UInt64(block.count - 1) * 8 <= Self.maxBits else {
            throw StorageError.corruption(path: path, reason: "filter block of \(block.count) bytes exceeds 2³² bits")
        }
        bits = Array(block[0..<(block.count - 1)])
        probes = k
    }

    /// False only if `userKey` was certainly not added. O(k), no allocation.
    @inline(__always)
    func mayContain(_ userKey: UnsafeRawBufferPointer) -> Bool {
        let h = Self.hash(userKey)
        return bits.withUnsafeBufferPointer { b in
            let m = UInt64(b.count) * 8
            let h1 = UInt32(truncatingIfNeeded: h), h2 = UInt32(truncatingIfNeeded: h >> 32)
            var g = h1
            for _ in 0..<probes {
                let bit = Int((UInt64(g) &* m) >> 32)
                if b[bit >> 3] & (1 << UInt8(bit & 7)) == 0 { return false }
                g &+= h2
            }
            return true
        }
    }

    func mayContain(_ userKey: [UInt8]) -> Bool {
        userKey.withUnsafeBytes { mayContain($0) }
    }

    /// Probes for `bitsPerKey`: round(bitsPerKey · ln 2), clamped to 1…30
    /// (the number that minimises the false-positive rate).
    static func probeCount(bitsPerKey: Int) -> Int {
        min(30, max(1, Int((Double(bitsPerKey) * 0.693_147_18).rounded())))
    }

    /// Format: MurmurHash64A (Austin Appleby's 64-bit hash, little-endian
    /// words) seeded with ``hashSeed``.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        let m: UInt64 = 0xC6A4_A793_5BD1_E995
        let r: UInt64 = 47
        let n = key.count
        var h = hashSeed ^ (UInt64(n) &* m)
        guard let p = key.baseAddress else { h ^= h >> r; h &*= m; h ^= h >> r; return h }
        var i = 0
        while i + 8 <= n {
            var k = loadFixed64(p + i)
            k &*= m; k ^= k >> r; k &*= m
            h ^= k; h &*= m
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            for j in 0..<(n - i) { tail |= UInt64(p.load(fromByteOffset: i + j, as: UInt8.self)) << (8 * UInt64(j)) }
            h ^= tail; h &*= m
        }
        h ^= h >> r; h &*= m; h ^= h >> r
        return h
    }
}

/// Collects the hashes of a table's user keys and lays out its
/// ``BloomFilter``. Holds 8 bytes a key until ``finish()``. Not thread-safe.
struct BloomFilterBuilder {
    let bitsPerKey: Int
    private var hashes: [UInt64] = []

    init(bitsPerKey: Int = 10) {
        precondition(bitsPerKey >= 1, "a bloom filter needs at least one bit per key")
        self.bitsPerKey = bitsPerKey
    }

    var keyCount: Int { hashes.count }

    /// Adds a user key; the caller adds each distinct user key once.
    mutating func add(_ userKey: UnsafeRawBufferPointer) { hashes.append(BloomFilter.hash(userKey)) }

    mutating func add<K: ContiguousCollection>(_ userKey: K) where K.Element == UInt8 {
        userKey.withUnsafeBytesContiguous { add($0) }
    }

    /// The filter block contents: `bitsPerKey · keys` bits (at least 64,
    /// at most 2³²) rounded up to whole bytes, then the probe count.
    func finish() -> [UInt8] {
        let wanted = UInt64(max(hashes.count * bitsPerKey, BloomFilter.minBits))
        let byteCount = Int((min(wanted, BloomFilter.maxBits) + 7) / 8)
        let m = UInt64(byteCount) * 8
        let k = BloomFilter.probeCount(bitsPerKey: bitsPerKey)
        var out = [UInt8](repeating: 0, count: byteCount + 1)
        out.withUnsafeMutableBufferPointer { b in
            for h in hashes {
                let h1 = UInt32(truncatingIfNeeded: h), h2 = UInt32(truncatingIfNeeded: h >> 32)
                var g = h1
                for _ in 0..<k {
                    let bit = Int((UInt64(g) &* m) >> 32)
                    b[bit >> 3] |= 1 << UInt8(bit & 7)
                    g &+= h2
                }
            }
            b[byteCount] = UInt8(k)
        }
        return out
    }
}
