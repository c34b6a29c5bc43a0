import Synchronization

/// Why a transaction could not do what was asked.
///
/// Codes continue ``StorageError``'s ranges: 6xx for transaction outcomes,
/// shared with the C ABI and the wire protocol.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another transaction committed a write to `key` after this one's
    /// snapshot was taken (first committer wins); nothing was written.
    /// Retrying the whole transaction may succeed.
    case conflict(key: [UInt8])
    /// The transaction was already committed or aborted.
    case finished(id: UInt64)

    public var code: Int32 {
        switch self {
        case .conflict: return 600
        case .finished: return 601
        }
    }

    public var description: String {
        switch self {
        case .conflict(let key):
            return "transaction conflict: another transaction committed a write to key \(key.count <= 64 ? String(decoding: key, as: UTF8.self) : "(\(key.count) bytes)") first; retry the transaction"
        case .finished(let id): return "transaction \(id) has already committed or aborted"
        }
    }
}

/// A snapshot-isolated transaction (``StorageEngine/beginTransaction()``).
///
/// Reads see one snapshot, taken at begin, plus this transaction's own
/// writes. Writes are buffered and committed atomically as one WAL record by
/// ``commit()``, which returns the LSN; a write-write conflict with a
/// transaction (or plain write) that committed after the snapshot makes the
/// later committer fail with ``TransactionError/conflict(key:)`` (first
/// committer wins), and nothing is written. Read-only transactions never
/// fail. Write skew is possible, as snapshot isolation allows (two
/// transactions that each read what the other writes both commit).
///
/// Not thread-safe: one transaction is used by one thread at a time. Its
/// snapshot pins the versions it needs until it finishes (or is freed,
/// which aborts it).
public final class Transaction {
    /// Unique within the process.
    public let id: UInt64
    private let engine: EngineCore
    private let snapshot: Snapshot
    /// Buffered writes: a value, or nil for a delete.
    private var writes: [ByteKey: [UInt8]?] = [:]
    /// Keys and key ranges read that the commit depends on
    /// (``requireUnchanged(_:)``, ``requireNoWrites(prefix:)``).
    private var guards: Set<ByteKey> = []
    private var guardPrefixes: [[UInt8]] = []
    /// One undo log per open savepoint, innermost last: each key written
    /// since that savepoint, with what the buffer held for it before.
    private var undo: [[ByteKey: Prior]] = []
    /// The serial of each open savepoint, parallel to `undo`, so a stale
    /// ``Savepoint`` never names a newer one at the same depth.
    private var undoSerials: [UInt64] = []
    private var nextSerial: UInt64 = 0
    private var state = State.active
    /// Whether the statistics count this transaction (internal ones are not).
    private let counted: Bool

    private enum State { case active, committed, aborted }
    /// A key's buffered state before a savepoint's first write to it.
    private enum Prior { case absent, buffered([UInt8]?) }
    private static let nextID = Atomic<UInt64>(1)

    init(engine: EngineCore, counted: Bool = true) {
        self.engine = engine
        self.counted = counted
        snapshot = engine.snapshot()
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    deinit { if state == .active { abort() } }

    /// The LSN this transaction reads at.
    public var snapshotSequence: SequenceNumber { snapshot.sequence }
    public var isActive: Bool { state == .active }

    private func checkActive() throws {
        guard state == .active else { throw TransactionError.finished(id: id) }
    }

    /// The value of `key`: this transaction's own write if any, else the snapshot's.
    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try checkActive()
        if let own = writes[ByteKey(key)] { return own }
        return try engine.get(key, snapshot: snapshot)
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) throws {
        try checkActive()
        guard key.count <= WriteBatch.maxKeySize, value.count <= WriteBatch.maxValueSize else {
            throw StorageError.invalidArgument("key or value exceeds the size limit")
        }
        let k = ByteKey(key)
        if !undo.isEmpty { remember(k) }
        writes[k] = .some(value)
    }

    /// Makes the commit fail with ``TransactionError/conflict(key:)`` if a
    /// commit after this transaction's snapshot writes `key`, without
    /// writing it: for a read the transaction's writes depend on (SQL writes
    /// guard the catalogue version, so a concurrent schema change cannot
    /// commit beside them unseen). Serialises nothing between transactions
    /// that only guard the same key. A read-only transaction ignores it.
    public func requireUnchanged(_ key: [UInt8]) throws {
        try checkActive()
        guards.insert(ByteKey(key))
    }

    /// As ``requireUnchanged(_:)`` for every key that starts with `prefix`:
    /// the commit fails if a commit after this transaction's snapshot wrote
    /// any of them. For a change that read a whole range (an index back-fill
    /// reads a table's rows). Checking costs a pass over the keys of the
    /// commits since the snapshot, so keep it to rare transactions.
    public func requireNoWrites(prefix: [UInt8]) throws {
        try checkActive()
        guardPrefixes.append(prefix)
    }

    public func delete(_ key: [UInt8]) throws {
        try checkActive()
        let k = ByteKey(key)
        if !undo.isEmpty { remember(k) }
        writes[k] = .some(nil)
    }

    /// Marks the buffered writes as they are now, so that
    /// ``rollback(to:)`` can return to them: for one statement that must
    /// vanish whole when it fails, with everything its triggers wrote.
    /// Savepoints nest; each is ended by ``rollback(to:)`` or
    /// ``release(_:)``, innermost first. Costs nothing until the next
    /// write, then one dictionary entry per distinct key written.
    public func savepoint() throws -> Savepoint {
        try checkActive()
        nextSerial += 1
        undo.append([:])
        undoSerials.append(nextSerial)
        return Savepoint(transaction: id, depth: undo.count, serial: nextSerial)
    }

    /// Undoes every write since `savepoint` (and ends it and any savepoint
    /// taken after it). Guards registered since stay: they can only make
    /// a commit conflict, never let a wrong one through.
    public func rollback(to savepoint: Savepoint) throws {
        try checkActive()
        try check(savepoint)
        while undo.count >= savepoint.depth {
            undoSerials.removeLast()
            for (key, prior) in undo.removeLast() {
                switch prior {
                case .absent: writes.removeValue(forKey: key)
                case .buffered(let value): writes[key] = .some(value)
                }
            }
        }
    }

    /// Ends `savepoint` (and any taken after it), keeping its writes; an
    /// enclosing savepoint can still undo them.
    public func release(_ savepoint: Savepoint) throws {
        try checkActive()
        try check(savepoint)
        while undo.count >= savepoint.depth {
            undoSerials.removeLast()
            let log = undo.removeLast()
            guard !undo.isEmpty else { break }
            for (key, prior) in log where undo[undo.count - 1][key] == nil { undo[undo.count - 1][key] = prior }
        }
    }

    private func check(_ savepoint: Savepoint) throws {
        guard savepoint.transaction == id, savepoint.depth >= 1, savepoint.depth <= undo.count,
              undoSerials[savepoint.depth - 1] == savepoint.serial else {
            throw StorageError.invalidArgument("savepoint \(savepoint.depth) is not open in transaction \(id)")
        }
    }

    /// Records `key`'s buffered state in the innermost undo log, once.
    private func remember(_ key: ByteKey) {
        let last = undo.count - 1
        guard undo[last][key] == nil else { return }
        if let buffered = writes[key] { undo[last][key] = .buffered(buffered) } else { undo[last][key] = .absent }
    }

    /// Pairs in [`start`, `end`) at the snapshot, with this transaction's own
    /// writes applied (its puts appear, its deletes hide), in key order.
    public func scan(from start: [UInt8]? = nil, to end: [UInt8]? = nil) throws -> [(key: [UInt8], value: [UInt8])] {
        try checkActive()
        let cursor = try engine.scan(from: start, to: end, snapshot: snapshot)
        return try BufferedWrites.merge(writes, from: start, to: end) { emit in try cursor.forEach(emit) }
    }

    /// The pairs of ``scan(from:to:)`` streamed in packed batches (no array
    /// of the whole range): the snapshot's pairs merged with this
    /// transaction's writes in the range as they are now.
    public func scanCursor(from start: [UInt8]? = nil, to end: [UInt8]? = nil) throws -> TransactionCursor {
        try checkActive()
        let cursor = try engine.scan(from: start, to: end, snapshot: snapshot)
        let own = writes.compactMap { k, v -> (key: [UInt8], value: [UInt8]?)? in
            let inRange = (start.map { compareBytes(k.bytes, $0) >= 0 } ?? true) && (end.map { compareBytes(k.bytes, $0) < 0 } ?? true)
            return inRange ? (k.bytes, v) : nil
        }.sorted { compareBytes($0.key, $1.key) < 0 }
        return TransactionCursor(base: cursor, own: own)
    }

    /// Every pair whose key starts with `prefix`, as ``scan(from:to:)``.
    public func scan(prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        try scan(from: prefix, to: ScanCursor.prefixEnd(prefix))
    }

    /// Commits the buffered writes atomically and returns their LSN (for a
    /// read-only transaction, the snapshot's). Throws
    /// ``TransactionError/conflict(key:)`` if a key it writes was written
    /// by a commit after its snapshot; the transaction is finished either way.
    @discardableResult
    public func commit() throws -> SequenceNumber {
        try checkActive()
        // A statement is still running (its triggers, say): committing now
        // would make durable what it may yet undo.
        guard undo.isEmpty else {
            throw StorageError.invalidArgument("transaction \(id) cannot commit while a statement is running in it (a savepoint is open)")
        }
        defer { finish(.committed) }
        if writes.isEmpty { return snapshot.sequence }
        // In the buffer's order: keys are distinct, so the order of a
        // batch's entries changes nothing (sorting them cost a third of an
        // SQL insert's time).
        var batch = WriteBatch()
        for (k, v) in writes {
            if let v { batch.put(k.bytes, v) } else { batch.delete(k.bytes) }
        }
        do {
            return try engine.write(batch, readSequence: snapshot.sequence, keys: writes, guards: guards,
                                    guardPrefixes: guardPrefixes)
        } catch {
            state = .aborted
            throw error
        }
    }

    /// Discards the buffered writes and releases the snapshot; a no-op once
    /// the transaction has finished.
    public func abort() {
        guard state == .active else { return }
        finish(.aborted)
    }

    private func finish(_ end: State) {
        if state == .active { state = end }
        writes.removeAll()
        guards.removeAll()
        guardPrefixes.removeAll()
        undo.removeAll()
        undoSerials.removeAll()
        snapshot.release()
        engine.transactionFinished(committed: state == .committed, counted: counted)
    }
}

/// A point in a ``Transaction``'s writes to return to
/// (``Transaction/savepoint()``).
public struct Savepoint: Sendable, Equatable {
    let transaction: UInt64
    /// How many savepoints are open once this one is (1 = outermost).
    let depth: Int
    let serial: UInt64
}
