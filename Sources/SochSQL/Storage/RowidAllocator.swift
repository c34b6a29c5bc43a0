import SochStorage
import Synchronization

/// Hands out hidden rowids and automatic INTEGER PRIMARY KEY values, per
/// table, from memory, so that concurrent inserts into one table never
/// conflict on a shared counter (they used to read and write `P 'q'` in
/// their own transactions, and all but one of each commit group retried).
///
/// Values are reserved ahead in blocks: when a table's block runs out, the
/// allocator commits `P 'q'` = (base, high) in a transaction of its own,
/// where `base` is the last value handed out before the block and `high`
/// the block's end. That commit precedes every commit that uses a value of
/// the block, so recovery never sees a row above a persisted `high`.
/// After a reopen the first allocation scans the rows in (base, high] and
/// starts after the largest (or after `base` if there is none): every row
/// above `base` was handed out from that block, so nothing existing can be
/// handed out again. The legacy 8-byte counter (the exact last value) is
/// read as is. Values of rolled-back or failed inserts are skipped, never
/// reused (docs/formats/sql-keys.md).
///
/// Thread-safe. I/O (the seed scan, a reservation commit) runs under the
/// lock, once per table per process and once per ``blockSize`` values.
final class RowidAllocator: Sendable {
    /// How many values a reservation adds beyond what is asked for.
    static let blockSize: Int64 = 256
    /// A reservation commit that conflicts (with DDL) is tried this often.
    static let reservationAttempts = 8

    private struct Block { var last: Int64; var high: Int64 }

    private let storage: StorageEngine
    private let keys: SQLKeys
    private let blocks = Mutex<[UInt32: Block]>([:])

    init(storage: StorageEngine, keys: SQLKeys) {
        self.storage = storage
        self.keys = keys
    }

    /// The first of `count` (≥ 1) consecutive values no earlier call
    /// returned for `table` and above every row key the table holds.
    func allocate(_ table: TableSchema, count: Int64 = 1) throws(SQLError) -> Int64 {
        precondition(count >= 1)
        return try blocks.withLock { (blocks: inout [UInt32: Block]) throws(SQLError) -> Int64 in
            var block: Block
            if let known = blocks[table.id] { block = known } else { block = try seed(table) }
            guard count <= Int64.max - block.last else {
                throw SQLError.storage("rowids of table \(table.name) are exhausted")
            }
            let first = block.last + 1
            let last = block.last + count
            if last > block.high {
                let high = last > Int64.max - Self.blockSize ? Int64.max : last + Self.blockSize
                try reserve(table, base: block.last, high: high)
                block.high = high
            }
            block.last = last
            blocks[table.id] = block
            return first
        }
    }

    /// Where `table` continues after a reopen (see the type's comment).
    private func seed(_ table: TableSchema) throws(SQLError) -> Block {
        do {
            guard let bytes = try storage.get(keys.rowidCounter(table.id)) else { return Block(last: 0, high: 0) }
            var offset = 0
            if bytes.count == 8 {
                let last = Int64(bitPattern: try OrderedKeyEncoding.readBigEndian(bytes, at: &offset))
                return Block(last: last, high: last)
            }
            guard bytes.count == 16 else { throw SQLError.corruption("rowid counter of table \(table.name) is \(bytes.count) bytes") }
            let base = Int64(bitPattern: try OrderedKeyEncoding.readBigEndian(bytes, at: &offset))
            let high = Int64(bitPattern: try OrderedKeyEncoding.readBigEndian(bytes, at: &offset))
            guard base <= high else { throw SQLError.corruption("rowid counter of table \(table.name) has base \(base) above \(high)") }
            if base == high { return Block(last: base, high: high) }
            let start = keys.row(table.id, primaryKey: [.integer(base + 1)])
            let end = keys.row(table.id, primaryKey: [.integer(high)]) + [0]
            var largest: [UInt8]?
            try storage.scan(from: start, to: end).forEach { key, _ in largest = key }
            guard let largest else { return Block(last: base, high: high) }
            var at = keys.rowPrefix(table.id).count
            guard case .integer(let last) = try OrderedKeyEncoding.decode(largest, at: &at), last > base, last <= high else {
                throw SQLError.corruption("row key of table \(table.name) in its rowid block is not an integer in (\(base), \(high)]")
            }
            return Block(last: last, high: high)
        } catch {
            throw SQLError.wrap(error)
        }
    }

    /// Commits `P 'q'` = (base, high) before any value above `base` is used.
    private func reserve(_ table: TableSchema, base: Int64, high: Int64) throws(SQLError) {
        var value: [UInt8] = []
        OrderedKeyEncoding.appendBigEndian(UInt64(bitPattern: base), to: &value)
        OrderedKeyEncoding.appendBigEndian(UInt64(bitPattern: high), to: &value)
        var attempt = 1
        while true {
            let transaction = storage.beginInternalTransaction()
            do {
                try transaction.put(keys.rowidCounter(table.id), value)
                try transaction.commit()
                return
            } catch {
                transaction.abort()
                let failure = SQLError.wrap(error)
                guard case .transaction(.conflict) = failure, attempt < Self.reservationAttempts else { throw failure }
                attempt += 1
            }
        }
    }
}
