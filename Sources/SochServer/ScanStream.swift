import SochDB
import SochWire

/// A SCAN in progress: SCAN_BATCH replies of at most `batchPairs` pairs and
/// about `batchBytes` bytes each, then END_STREAM. The connection asks for
/// the next batch only when the socket has room, so a million-key scan holds
/// one batch in memory, not the result.
///
/// Outside a transaction it reads the store's batched cursor; inside one it
/// scans the transaction's view (snapshot plus own writes), which the
/// transaction API returns whole: such a scan holds its result in memory.
final class ScanStream: @unchecked Sendable {
    private let cursor: DatabaseCursor?
    private var buffered: ArraySlice<(key: [UInt8], value: [UInt8])>
    private let batchPairs: Int
    private let batchBytes: Int
    private var sent: UInt64 = 0
    private var pending: [(key: [UInt8], value: [UInt8])] = []
    private(set) var finished = false

    init(prefix: [UInt8], database: Database, transaction: DatabaseTransaction?,
         batchPairs: Int, batchBytes: Int) throws(SochDBError) {
        self.batchPairs = batchPairs
        self.batchBytes = batchBytes
        if let transaction {
            cursor = nil
            buffered = try transaction.scanPrefix(prefix)[...]
        } else {
            let end = prefix.isEmpty ? nil : ScanCursor.prefixEnd(prefix)
            cursor = try database.scanBatched(start: prefix.isEmpty ? nil : prefix, end: end, batchSize: batchPairs)
            buffered = []
        }
    }

    /// The next reply: a batch, END_STREAM, or (on a read failure) ERROR,
    /// after which ``finished`` is true and `next` may not be called again.
    /// Blocking. A batch may pass `batchBytes` by its last pair.
    func next() -> Response {
        precondition(!finished)
        do {
            var batch: [KeyValue] = []
            var bytes = 0
            while batch.count < batchPairs && bytes < batchBytes {
                if pending.isEmpty {
                    if let cursor { pending = try cursor.next() } else {
                        pending = Array(buffered.prefix(batchPairs))
                        buffered = buffered.dropFirst(pending.count)
                    }
                    pending.reverse()
                    if pending.isEmpty { break }
                }
                let p = pending.removeLast()
                bytes += p.key.count + p.value.count + 8
                batch.append(KeyValue(key: p.key, value: p.value))
            }
            if batch.isEmpty {
                finished = true
                return .endStream(count: sent)
            }
            sent += UInt64(batch.count)
            return .scanBatch(batch)
        } catch {
            finished = true
            return ErrorCodes.response(error)
        }
    }

    /// Ends the stream early (its reader failed).
    func abandon() { finished = true }
}
