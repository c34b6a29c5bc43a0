/// A range scan at one snapshot, delivered in batches.
///
/// Built by ``StorageEngine/scan(from:to:)`` and ``StorageEngine/scan(prefix:)``:
/// it sees exactly the writes committed at or before its snapshot sequence,
/// whatever is written, flushed or compacted while it runs (it keeps the
/// memtables and table files of its snapshot alive). Each
/// ``nextBatch(maxEntries:)`` call returns up to that many live key/value
/// pairs in key order, so a caller across a boundary (C ABI, wire protocol)
/// pays one crossing per batch, not per key. Not thread-safe.
public final class ScanCursor {
    private let source: MergingIterator
    private let sequence: SequenceNumber
    private let end: [UInt8]?
    private var lastUserKey: [UInt8] = []   // reused in place
    private var hasLastUserKey = false
    private var finished = false
    private var positioned = false
    private let start: [UInt8]?

    init(source: MergingIterator, sequence: SequenceNumber, start: [UInt8]?, end: [UInt8]?) {
        self.source = source; self.sequence = sequence
        self.start = start; self.end = end
    }

    /// The snapshot sequence this scan reads at.
    public var snapshotSequence: SequenceNumber { sequence }

    /// Up to `maxEntries` next pairs; an empty array once the range is done.
    public func nextBatch(maxEntries: Int = 256) throws -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        out.reserveCapacity(min(max(maxEntries, 0), 1024))
        try fill(maxEntries) { k, v in out.append((Array(k), Array(v))) }
        return out
    }

    /// Up to `maxEntries` next pairs packed into one buffer (no allocation
    /// per pair); empty once the range is done. The fastest way to scan.
    public func nextPackedBatch(maxEntries: Int = 1024) throws -> ScanBatch {
        var batch = ScanBatch()
        try fill(maxEntries) { k, v in batch.append(k, v) }
        return batch
    }

    /// Walks the merged stream and hands `emit` each live pair visible at the
    /// snapshot: the newest version of each user key with sequence ≤ the
    /// snapshot's, skipped when it is a tombstone. Views are valid only
    /// during the call.
    private func fill(_ maxEntries: Int, _ emit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) throws {
        guard !finished, maxEntries > 0 else { return }
        if !positioned {
            positioned = true
            if let start { try source.seek(InternalKey.lookup(start, at: maxSequenceNumber)) } else { try source.seekToFirst() }
        }
        var emitted = 0
        while source.isValid && emitted < maxEntries {
            let k = source.keyView
            let userCount = k.count - InternalKey.trailerSize
            let user = UnsafeRawBufferPointer(rebasing: k[0..<userCount])
            if let end, end.withUnsafeBytes({ compareBytes(user, $0) >= 0 }) { finished = true; return }
            let trailer = loadFixed64(k.baseAddress! + userCount)
            if trailer >> 8 <= sequence {
                let isNewKey = !hasLastUserKey || lastUserKey.withUnsafeBytes { compareBytes($0, user) != 0 }
                if isNewKey {
                    lastUserKey.removeAll(keepingCapacity: true)
                    lastUserKey.append(contentsOf: user)
                    hasLastUserKey = true
                    if UInt8(truncatingIfNeeded: trailer) == EntryKind.value.rawValue {
                        emit(user, source.valueView)
                        emitted += 1
                    }
                }
            }
            try source.next()
        }
        if !source.isValid { finished = true }
    }

    /// Calls `body` for every remaining pair, fetching in batches.
    public func forEach(batchSize: Int = 256, _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Void) throws {
        while true {
            let batch = try nextBatch(maxEntries: batchSize)
            if batch.isEmpty { return }
            for (k, v) in batch { try body(k, v) }
        }
    }

    /// The smallest key greater than every key that starts with `prefix`, or
    /// nil if there is none (the prefix is empty or all 0xFF bytes).
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF { end[end.count - 1] = last + 1; return end }
            end.removeLast()
        }
        return nil
    }
}

/// A batch of scanned pairs in one buffer: keys and values back to back, with
/// their boundaries. Element `i` is `(key, value)` as slices of that buffer.
public struct ScanBatch: RandomAccessCollection, Sendable {
    /// Keys and values back to back.
    public internal(set) var bytes: [UInt8] = []
    /// Pair i's key is bytes[bounds[2i]..<bounds[2i+1]], its value bytes[bounds[2i+1]..<bounds[2i+2]].
    @usableFromInline var bounds: [Int] = [0]

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { (bounds.count - 1) / 2 }

    public subscript(i: Int) -> (key: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
        (bytes[bounds[2 * i]..<bounds[2 * i + 1]], bytes[bounds[2 * i + 1]..<bounds[2 * i + 2]])
    }

    /// Calls `body` with each pair as views into the batch, in order: the
    /// cheapest way to read a batch (no slice, no reference count per pair).
    /// The views are valid only during the call.
    @inlinable
    public func forEachView(_ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { raw in
            try bounds.withUnsafeBufferPointer { b in
                var i = 0
                while i + 2 < b.count {
                    try body(UnsafeRawBufferPointer(rebasing: raw[b[i]..<b[i + 1]]),
                             UnsafeRawBufferPointer(rebasing: raw[b[i + 1]..<b[i + 2]]))
                    i += 2
                }
            }
        }
    }

    mutating func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: key)
        bounds.append(bytes.count)
        bytes.append(contentsOf: value)
        bounds.append(bytes.count)
    }
}
