/// One parsed data or index block (layout in ``BlockBuilder`` and
/// docs/formats/sstable.md), immutable and shared between threads through
/// the ``BlockCache``.
///
/// Owns its bytes (raw memory freed in `deinit`). Invariant: construction
/// walks every entry once and throws `StorageError.corruption` unless the
/// block is well formed, meaning every varint terminates and every key, value and
/// restart offset lies inside the entry area, every restart offset is the
/// start of an entry with `shared == 0` (the first at 0), each `shared` is
/// at most the previous key's length, and every key is at least an internal
/// key trailer long. The decoders below rely on this and read
/// without further bounds checks; they can neither trap nor overread on any
/// input that passed. (Key order is not checked here; a block out of order
/// yields wrong answers, never a crash, and ``TableReader/verify()`` finds
/// it.)
final class Block: @unchecked Sendable {
    /// Owned memory; the contents are its first `size` bytes.
    private let storage: UnsafeMutableRawPointer
    let base: UnsafeRawPointer
    /// Bytes of block contents (entries, restart array, restart count).
    let size: Int
    /// Bytes allocated for this block: what it costs in the cache.
    let allocatedBytes: Int
    /// Start of the restart array, which is also the end of the entries.
    let restartsOffset: Int
    let restartCount: Int
    let entryCount: Int
    /// Length of the longest key (the scratch size of a point lookup).
    let maxKeyLength: Int

    private init(storage: UnsafeMutableRawPointer, allocatedBytes: Int, size: Int, layout: Layout) {
        self.storage = storage
        self.base = UnsafeRawPointer(storage)
        self.size = size
        self.allocatedBytes = allocatedBytes
        restartsOffset = layout.restartsOffset
        restartCount = layout.restartCount
        entryCount = layout.entryCount
        maxKeyLength = layout.maxKeyLength
    }

    deinit { storage.deallocate() }

    /// Validates the first `size` bytes of `storage` as a block and takes
    /// ownership of the memory (allocated with `UnsafeMutableRawPointer
    /// .allocate`, `allocatedBytes` ≥ `size`). On a throw the memory has been
    /// freed. `path` names the file in errors. O(size).
    static func make(taking storage: UnsafeMutableRawPointer, allocatedBytes: Int, size: Int, path: String) throws -> Block {
        precondition(size <= allocatedBytes)
        do {
            let layout = try validate(UnsafeRawBufferPointer(start: storage, count: size), path: path)
            return Block(storage: storage, allocatedBytes: allocatedBytes, size: size, layout: layout)
        } catch {
            storage.deallocate()
            throw error
        }
    }

    /// Validates a copy of `contents` as a block.
    static func make(copying contents: [UInt8], path: String) throws -> Block {
        let n = max(contents.count, 1)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
        contents.withUnsafeBytes { if let src = $0.baseAddress { storage.copyMemory(from: src, byteCount: $0.count) } }
        return try make(taking: storage, allocatedBytes: n, size: contents.count, path: path)
    }

    /// A new cursor over this block (it keeps the block alive).
    func makeIterator() -> BlockIterator { BlockIterator(self) }
}

// MARK: - Decoding (relies on the construction invariant)

extension Block {
    /// The decoded header of the entry at some offset.
    struct Entry {
        var shared: Int
        var nonShared: Int
        var valueLength: Int
        /// Offset of the key bytes not shared with the previous key.
        var keyOffset: Int
        @inline(__always) var valueOffset: Int { keyOffset + nonShared }
        @inline(__always) var end: Int { keyOffset + nonShared + valueLength }
    }

    @inline(__always)
    func restartOffset(_ i: Int) -> Int { Int(loadFixed32(base + restartsOffset + 4 * i)) }

    /// The entry at `offset`, which must be an entry start. Every entry
    /// header has at least three bytes, so reading three is in bounds.
    @inline(__always)
    func entry(at offset: Int) -> Entry { Self.entry(base, at: offset) }

    /// As ``entry(at:)`` for the block whose contents start at `base` (for
    /// cursors that keep the pointer, not the block, in their hot loop).
    @inline(__always)
    static func entry(_ base: UnsafeRawPointer, at offset: Int) -> Entry {
        let p = base + offset
        let b0 = p.load(as: UInt8.self), b1 = p.load(fromByteOffset: 1, as: UInt8.self)
        let b2 = p.load(fromByteOffset: 2, as: UInt8.self)
        if (b0 | b1 | b2) < 0x80 {
            return Entry(shared: Int(b0), nonShared: Int(b1), valueLength: Int(b2), keyOffset: offset + 3)
        }
        var at = offset
        let shared = varint(base, &at), nonShared = varint(base, &at), valueLength = varint(base, &at)
        return Entry(shared: shared, nonShared: nonShared, valueLength: valueLength, keyOffset: at)
    }

    @inline(__always)
    private static func varint(_ base: UnsafeRawPointer, _ at: inout Int) -> Int {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = base.load(fromByteOffset: at, as: UInt8.self)
            at += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return Int(truncatingIfNeeded: result) }
            shift += 7
        }
    }

    /// The last restart point whose key is < `target`, or 0: where a linear
    /// scan for the first key ≥ `target` starts. Requires `entryCount > 0`.
    /// O(log restartCount) comparisons, no allocation.
    @inline(__always)
    func restartIndex(before target: UnsafeRawBufferPointer) -> Int {
        var lo = 0, hi = restartCount - 1
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            let e = entry(at: restartOffset(mid))
            let key = UnsafeRawBufferPointer(start: base + e.keyOffset, count: e.nonShared)
            if InternalKey.compare(key, target) < 0 { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    enum PointLookup {
        /// The first entry ≥ the target has the wanted user key.
        case found(key: [UInt8], value: [UInt8])
        /// The first entry ≥ the target has another user key.
        case otherKey
        /// Every entry of the block is < the target.
        case pastEnd
    }

    /// The first entry whose internal key is ≥ `target`, if its user key is
    /// `userKey`. Reconstructs keys in a stack scratch buffer and compares in
    /// place: allocates only the two result arrays.
    func pointLookup(_ target: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer) -> PointLookup {
        guard entryCount > 0 else { return .pastEnd }
        var offset = restartOffset(restartIndex(before: target))
        return withUnsafeTemporaryAllocation(byteCount: maxKeyLength, alignment: 8) { scratch in
            let keyBuffer = scratch.baseAddress!
            while offset < restartsOffset {
                let e = entry(at: offset)
                (keyBuffer + e.shared).copyMemory(from: base + e.keyOffset, byteCount: e.nonShared)
                let key = UnsafeRawBufferPointer(start: keyBuffer, count: e.shared + e.nonShared)
                if InternalKey.compare(key, target) >= 0 {
                    let user = UnsafeRawBufferPointer(start: keyBuffer, count: key.count - InternalKey.trailerSize)
                    guard compareBytes(user, userKey) == 0 else { return .otherKey }
                    let value = UnsafeRawBufferPointer(start: base + e.valueOffset, count: e.valueLength)
                    return .found(key: Array(key), value: Array(value))
                }
                offset = e.end
            }
            return .pastEnd
        }
    }
}

// MARK: - Validation

extension Block {
    private struct Layout {
        var restartsOffset: Int
        var restartCount: Int
        var entryCount: Int
        var maxKeyLength: Int
    }

    /// Checks the construction invariant with bounds-checked reads.
    private static func validate(_ b: UnsafeRawBufferPointer, path: String) throws -> Layout {
        func corrupt(_ why: String) -> StorageError { .corruption(path: path, reason: "malformed block: \(why)") }
        guard b.count >= 4, let p = b.baseAddress else { throw corrupt("\(b.count) bytes is too short for a restart count") }
        let restartCount = Int(loadFixed32(p + b.count - 4))
        guard restartCount <= (b.count - 4) / 4 else {
            throw corrupt("restart count \(restartCount) does not fit in \(b.count) bytes")
        }
        let restartsOffset = b.count - 4 - 4 * restartCount
        guard (restartCount == 0) == (restartsOffset == 0) else {
            throw corrupt(restartCount == 0 ? "entries without restart points" : "restart points without entries")
        }
        func restart(_ i: Int) -> Int { Int(loadFixed32(p + restartsOffset + 4 * i)) }

        var r = ByteReader(UnsafeRawBufferPointer(start: p, count: restartsOffset))
        var previousKeyLength = 0, nextRestart = 0, entries = 0, maxKeyLength = 0
        while !r.isAtEnd {
            let at = r.offset
            let isRestart = nextRestart < restartCount && restart(nextRestart) == at
            guard entries > 0 || isRestart else { throw corrupt("first restart offset is \(restart(0)), not 0") }
            guard let shared = r.varint(), let nonShared = r.varint(), let valueLength = r.varint() else {
                throw corrupt("entry header at offset \(at) is truncated")
            }
            guard shared <= UInt64(previousKeyLength), !isRestart || shared == 0 else {
                throw corrupt("entry at offset \(at) shares \(shared) bytes with a key of \(previousKeyLength)\(isRestart ? " at a restart point" : "")")
            }
            guard nonShared <= UInt64(r.remaining), valueLength <= UInt64(r.remaining) - nonShared else {
                throw corrupt("entry at offset \(at) runs past the end of the entries (\(restartsOffset))")
            }
            let keyLength = Int(shared) + Int(nonShared)
            guard keyLength >= InternalKey.trailerSize else {
                throw corrupt("key of \(keyLength) bytes at offset \(at) is shorter than an internal key")
            }
            r.offset += Int(nonShared) + Int(valueLength)
            if isRestart { nextRestart += 1 }
            previousKeyLength = keyLength
            maxKeyLength = max(maxKeyLength, keyLength)
            entries += 1
        }
        guard nextRestart == restartCount else {
            throw corrupt("restart offset \(restart(nextRestart)) is not the start of an entry")
        }
        return Layout(restartsOffset: restartsOffset, restartCount: restartCount, entryCount: entries, maxKeyLength: maxKeyLength)
    }
}

// MARK: - Iterator

/// A cursor over one ``Block`` in key order. Seek binary-searches the
/// restart points, then decodes forward. Not thread-safe (one per thread);
/// it keeps its block alive. Never throws: the block was validated when it
/// was made. Calling ``next()`` when not valid is a bug and traps.
final class BlockIterator: InternalIterator {
    let block: Block
    /// Offset of the current entry; `block.restartsOffset` when not valid.
    private var current: Int
    private var nextEntry: Int
    private var valueOffset = 0
    private var valueLength = 0
    /// The current key, rebuilt in place from the prefix-compressed entries
    /// (owned memory, so ``keyView`` costs nothing and no array is copied
    /// on write per entry). Holds `block.maxKeyLength` bytes.
    private let keyBuffer: UnsafeMutableRawPointer
    private var keyLength = 0

    init(_ block: Block) {
        self.block = block
        current = block.restartsOffset
        nextEntry = block.restartsOffset
        keyBuffer = .allocate(byteCount: max(block.maxKeyLength, 8), alignment: 8)
    }

    deinit { keyBuffer.deallocate() }

    var isValid: Bool { current < block.restartsOffset }

    var key: [UInt8] { Array(keyView) }

    var value: [UInt8] { Array(valueView) }

    var keyView: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: keyBuffer, count: keyLength) }

    var valueView: UnsafeRawBufferPointer {
        precondition(isValid, "value of an invalid block iterator")
        return UnsafeRawBufferPointer(start: block.base + valueOffset, count: valueLength)
    }

    func seekToFirst() {
        keyLength = 0
        if block.entryCount > 0 { decode(at: 0) } else { current = block.restartsOffset }
    }

    func seek(_ target: [UInt8]) {
        precondition(target.count >= InternalKey.trailerSize, "seek target is not an internal key")
        guard block.entryCount > 0 else { current = block.restartsOffset; return }
        target.withUnsafeBytes { t in
            let restart = block.restartIndex(before: t)
            keyLength = 0
            decode(at: block.restartOffset(restart))
            while isValid && InternalKey.compare(keyView, t) < 0 { advance() }
        }
    }

    func next() {
        precondition(isValid, "next() on an invalid block iterator")
        advance()
    }

    @inline(__always)
    private func advance() {
        if nextEntry >= block.restartsOffset { current = block.restartsOffset; return }
        decode(at: nextEntry)
    }

    /// Decodes the entry at `offset`; `key` must hold the previous entry's
    /// key unless `offset` is a restart point (shared = 0).
    @inline(__always)
    private func decode(at offset: Int) {
        let e = block.entry(at: offset)
        (keyBuffer + e.shared).copyMemory(from: block.base + e.keyOffset, byteCount: e.nonShared)
        keyLength = e.shared + e.nonShared
        current = offset
        valueOffset = e.valueOffset
        valueLength = e.valueLength
        nextEntry = e.end
    }
}
