/// A consistent read view: every read through it sees exactly the batches
/// committed at or before ``sequence``. While it lives, compaction keeps
/// every version it can see. Release it by dropping it (or ``release()``).
public final class Snapshot: @unchecked Sendable {
    public let sequence: SequenceNumber
    private weak var engine: EngineCore?
    private let released = ManagedFlag()

    init(sequence: SequenceNumber, engine: EngineCore) {
        self.sequence = sequence; self.engine = engine
    }

    /// Lets compaction drop what only this snapshot needed; idempotent.
    public func release() {
        if released.setOnce() { engine?.releaseSnapshot(sequence) }
    }

    deinit { release() }
}

extension EngineCore {
    /// A snapshot at the latest committed LSN.
    public func snapshot() -> Snapshot {
        mutex.withLock {
            let seq = latestSequence
            snapshots[seq, default: 0] += 1
            return Snapshot(sequence: seq, engine: self)
        }
    }

    /// A new transaction reading at the latest committed LSN.
    ///
    /// Commits are recorded for the conflict check only while a transaction
    /// is live, so a group already numbered but not yet visible when this
    /// one begins went unrecorded: wait for it to finish first (at most one
    /// group commit), so that every commit after the snapshot is recorded.
    func beginTransaction(counted: Bool = true) -> Transaction {
        mutex.withLock {
            liveTransactions += 1
            while latestSequence < lastAllocated && backgroundError == nil { mutex.wait() }
        }
        return Transaction(engine: self, counted: counted)
    }

    func transactionFinished(committed: Bool, counted: Bool) {
        mutex.withLock { liveTransactions -= 1 }
        if !counted { return }
        if committed { counters.transactionsCommitted.add(1) } else { counters.transactionsAborted.add(1) }
    }

    func releaseSnapshot(_ seq: SequenceNumber) {
        mutex.withLock {
            if let n = snapshots[seq] { if n <= 1 { snapshots.removeValue(forKey: seq) } else { snapshots[seq] = n - 1 } }
        }
    }

    /// The oldest sequence any reader may still ask for (holding `mutex`).
    var oldestLiveSnapshot: SequenceNumber { snapshots.keys.min() ?? latestSequence }

    /// The memtables and version a read at `snapshot` (or the latest) uses.
    private func readState(_ snapshot: Snapshot?) throws -> (Memtable, Memtable?, Version, SequenceNumber) {
        mutex.lock(); defer { mutex.unlock() }
        if isClosed { throw StorageError.closed("the database is closed") }
        return (mem, imm, current, snapshot?.sequence ?? latestSequence)
    }

    /// The value of `key` at `snapshot` (default: the latest commit), or nil.
    public func get(_ key: [UInt8], snapshot: Snapshot? = nil) throws -> [UInt8]? {
        let (mem, imm, version, seq) = try readState(snapshot)
        let lookup = InternalKey.lookup(key, at: seq)
        let fromMemtables: [UInt8]?? = key.withUnsafeBytes { user in
            lookup.withUnsafeBytes { lk in
                if let hit = Self.answer(mem.get(userKey: user, lookupKey: lk)) { return hit }
                if let imm, let hit = Self.answer(imm.get(userKey: user, lookupKey: lk)) { return hit }
                return nil
            }
        }
        if let answer = fromMemtables { return answer }
        switch try version.get(userKey: key, lookupKey: lookup) {
        case .found(let v): return v
        case .deleted, .absent: return nil
        }
    }

    /// A memtable's verdict: a value, a tombstone (.some(nil)), or nothing (nil).
    @inline(__always)
    private static func answer(_ lookup: Memtable.Lookup) -> [UInt8]?? {
        switch lookup {
        case .found(let v): return .some(Array(v))
        case .deleted: return .some(nil)
        case .absent: return nil
        }
    }

    /// Scans keys in [`start`, `end`) in order (nil: unbounded) at `snapshot`
    /// (default: the latest commit). See ``ScanCursor``.
    public func scan(from start: [UInt8]? = nil, to end: [UInt8]? = nil, snapshot: Snapshot? = nil) throws -> ScanCursor {
        if let start, let end, compareBytes(start, end) > 0 {
            throw StorageError.invalidArgument("scan range start is after its end")
        }
        let (mem, imm, version, seq) = try readState(snapshot)
        var children: [InternalIterator] = [mem.makeIterator()]
        if let imm { children.append(imm.makeIterator()) }
        for table in version.levels[0] { children.append(table.reader.makeIterator()) }
        for level in version.levels.dropFirst() where !level.isEmpty { children.append(RunIterator(tables: level.map(\.reader))) }
        return ScanCursor(source: MergingIterator(children), sequence: seq, start: start, end: end)
    }

    /// Scans every key that starts with `prefix`, in order.
    public func scan(prefix: [UInt8], snapshot: Snapshot? = nil) throws -> ScanCursor {
        try scan(from: prefix, to: ScanCursor.prefixEnd(prefix), snapshot: snapshot)
    }
}
