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
    private let source: InternalIterator
    private let sequence: SequenceNumber
    private let end: [UInt8]?
    private var lastUserKey: [UInt8]? = nil
    private var finished = false
    private let onFinish: (() -> Void)?
    private var positioned = false
    private let start: [UInt8]?

    init(source: InternalIterator, sequence: SequenceNumber, start: [UInt8]?, end: [UInt8]?, onFinish: (() -> Void)? = nil) {
        self.source = source; self.sequence = sequence
        self.start = start; self.end = end; self.onFinish = onFinish
    }

    deinit { onFinish?() }

    /// The snapshot sequence this scan reads at.
    public var snapshotSequence: SequenceNumber { sequence }

    /// Up to `maxEntries` next pairs; an empty array once the range is done.
    public func nextBatch(maxEntries: Int = 256) throws -> [(key: [UInt8], value: [UInt8])] {
        guard !finished, maxEntries > 0 else { return [] }
        if !positioned {
            positioned = true
            if let start { try source.seek(InternalKey.lookup(start, at: maxSequenceNumber)) } else { try source.seekToFirst() }
        }
        var out: [(key: [UInt8], value: [UInt8])] = []
        out.reserveCapacity(min(maxEntries, 1024))
        while source.isValid && out.count < maxEntries {
            let k = source.key
            let trailer = InternalKey.trailer(k)
            let userCount = k.count - InternalKey.trailerSize
            if let end, compareBytes(k[0..<userCount], end) >= 0 { finished = true; break }
            if trailer >> 8 <= sequence {
                let isNewKey = lastUserKey.map { compareBytes($0, k[0..<userCount]) != 0 } ?? true
                if isNewKey {
                    let user = Array(k[0..<userCount])
                    if UInt8(truncatingIfNeeded: trailer) == EntryKind.value.rawValue { out.append((user, source.value)) }
                    lastUserKey = user
                }
            }
            try source.next()
        }
        if !source.isValid { finished = true }
        return out
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
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF { end[end.count - 1] = last + 1; return end }
            end.removeLast()
        }
        return nil
    }
}
