/// A transaction's range scan delivered in packed batches: its snapshot's
/// pairs (streamed from a ``ScanCursor``) merged with the transaction's own
/// writes in the range as they were when the cursor opened (its puts
/// appear or replace, its deletes hide).
///
/// Built by ``Transaction/scanCursor(from:to:)``. Streaming: memory is one
/// batch plus the transaction's writes in the range, not the whole range.
/// Not thread-safe.
public final class TransactionCursor {
    private let base: ScanCursor
    /// The transaction's writes in the range, sorted by key; nil is a delete.
    private let own: [(key: [UInt8], value: [UInt8]?)]
    private var next = 0
    private var baseDone = false

    init(base: ScanCursor, own: [(key: [UInt8], value: [UInt8]?)]) {
        self.base = base
        self.own = own
    }

    /// The next pairs in key order, packed; empty once the range is done. A
    /// batch holds `maxEntries` pairs of the snapshot with the transaction's
    /// own writes merged in, so it may hold a few more or fewer.
    public func nextPackedBatch(maxEntries: Int = 1024) throws -> ScanBatch {
        var out = ScanBatch()
        while out.isEmpty {
            if baseDone {
                while next < own.count && out.count < max(1, maxEntries) {
                    if let v = own[next].value { append(&out, own[next].key, v) }
                    next += 1
                }
                return out
            }
            let batch = try base.nextPackedBatch(maxEntries: maxEntries)
            if batch.isEmpty { baseDone = true; continue }
            // Past the last own write (always, for a read-only transaction),
            // the snapshot's batch is the answer as it is.
            if next >= own.count { return batch }
            batch.forEachView { k, v in
                while next < own.count, own[next].key.withUnsafeBytes({ compareBytes($0, k) < 0 }) {
                    if let ownValue = own[next].value { append(&out, own[next].key, ownValue) }
                    next += 1
                }
                if next < own.count, own[next].key.withUnsafeBytes({ compareBytes($0, k) == 0 }) {
                    if let ownValue = own[next].value { append(&out, own[next].key, ownValue) }
                    next += 1
                } else {
                    out.append(k, v)
                }
            }
        }
        return out
    }

    private func append(_ out: inout ScanBatch, _ key: [UInt8], _ value: [UInt8]) {
        key.withUnsafeBytes { k in value.withUnsafeBytes { v in out.append(k, v) } }
    }
}
