/// A transaction's write buffer (key → value, nil for a delete), passed as
/// is for the conflict check: the check only looks keys up in it.
typealias WrittenKeys = [ByteKey: [UInt8]?]

/// One queued commit, or a control request that needs the WAL to itself.
final class PendingWrite {
    enum Request { case batch(WriteBatch), switchMemtable, sync }
    var request: Request
    var done = false
    var result: Result<SequenceNumber, any Error> = .success(0)
    /// A transaction's commit: its snapshot and the keys it writes, checked
    /// against the commits after that snapshot (first committer wins).
    var readSequence: SequenceNumber? = nil
    var keys: WrittenKeys? = nil
    /// Keys the transaction depends on without writing them: a commit after
    /// its snapshot that wrote one is a conflict too, but they are not
    /// recorded as written.
    var guards: Set<ByteKey> = []
    /// Key prefixes the transaction depends on: any key a later commit
    /// wrote under one is a conflict (a schema change against row writes).
    var guardPrefixes: [[UInt8]] = []
    /// Refused by the conflict check: in its group but not written.
    var rejected = false

    init(_ request: Request) { self.request = request }

    var batch: WriteBatch? { if case .batch(let b) = request, !rejected { return b }; return nil }
}

/// The keys one commit wrote and its LSN, kept while a transaction whose
/// snapshot predates it is live (the conflict check's memory).
struct CommitRecord {
    var sequence: SequenceNumber
    var keys: Set<ByteKey>
}

extension EngineCore {
    /// Largest group a leader commits at once (bytes of batch encodings).
    static let maxGroupBytes = 1 << 20
    /// Minimum time between WAL syncs in sync mode `normal`.
    static let normalSyncInterval = 0.1

    /// Commits `batch` atomically and returns its LSN (the sequence of its
    /// last entry). Durable on return as far as the sync mode promises. An
    /// empty batch writes nothing and returns the latest LSN.
    ///
    /// A batch that fails with an I/O error may or may not be present after
    /// the database is reopened; the engine refuses further writes until then.
    @discardableResult
    public func write(_ batch: WriteBatch) throws -> SequenceNumber {
        try batch.validate()
        if batch.isEmpty { return latestSequence }
        return try submit(PendingWrite(.batch(batch)))
    }

    /// Commits a transaction's batch if no commit after `readSequence`
    /// wrote any of its keys or `guards`; throws
    /// ``TransactionError/conflict(key:)`` otherwise (and writes nothing).
    func write(_ batch: WriteBatch, readSequence: SequenceNumber, keys: WrittenKeys,
               guards: Set<ByteKey> = [], guardPrefixes: [[UInt8]] = []) throws -> SequenceNumber {
        try batch.validate()
        let w = PendingWrite(.batch(batch))
        w.readSequence = readSequence
        w.keys = keys
        w.guards = guards
        w.guardPrefixes = guardPrefixes
        return try submit(w)
    }

    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8]) throws -> SequenceNumber {
        var b = WriteBatch(); b.put(key, value)
        return try write(b)
    }

    @discardableResult
    public func delete(_ key: [UInt8]) throws -> SequenceNumber {
        var b = WriteBatch(); b.delete(key)
        return try write(b)
    }

    /// Queues `w`; the first writer in line leads and commits a group.
    func submit(_ w: PendingWrite) throws -> SequenceNumber {
        mutex.lock()
        do { try checkUsable() } catch { mutex.unlock(); throw error }
        writers.append(w)
        while !w.done && writers.first !== w { mutex.wait() }
        if w.done {
            mutex.unlock()
            return try w.result.get()
        }
        let group: [PendingWrite]
        do {
            group = try leadGroup(w)
        } catch {
            finish([w], .failure(error as? StorageError ?? .closed("\(error)")))
            mutex.unlock()
            throw error
        }
        mutex.unlock()
        let outcome = commit(group)
        mutex.lock()
        finish(group, outcome)
        mutex.unlock()
        return try w.result.get()
    }

    /// As leader (holding `mutex`): makes room, picks the group, numbers its batches.
    private func leadGroup(_ leader: PendingWrite) throws -> [PendingWrite] {
        switch leader.request {
        case .sync: return [leader]
        case .switchMemtable:
            try makeRoomForWrite(force: true)
            leader.result = .success(lastAllocated)
            return [leader]
        case .batch: try makeRoomForWrite(force: false)
        }
        pruneCommitRecords()
        var group: [PendingWrite] = []
        var bytes = 0
        for w in writers {
            guard var b = w.batch, group.isEmpty || bytes + b.byteSize <= Self.maxGroupBytes else { break }
            group.append(w)
            if let read = w.readSequence, let key = conflictingKey(w, after: read) {
                w.rejected = true
                w.result = .failure(TransactionError.conflict(key: key))
                continue
            }
            b.sequence = lastAllocated + 1
            lastAllocated += UInt64(b.count)
            bytes += b.byteSize
            w.request = .batch(b)
            w.result = .success(lastAllocated)
            // Only a transaction whose snapshot predates this commit can
            // conflict with it; the committing one itself does not count.
            if liveTransactions > (w.readSequence == nil ? 0 : 1) {
                recentCommits.append(CommitRecord(sequence: lastAllocated, keys: w.keys.map { Set($0.keys) } ?? Self.keys(of: b)))
            }
        }
        return group
    }

    /// A key of `keys` that a commit after `sequence` wrote (holding `mutex`).
    private func conflictingKey(_ w: PendingWrite, after sequence: SequenceNumber) -> [UInt8]? {
        let keys = w.keys ?? [:]
        for record in recentCommits.reversed() {
            if record.sequence <= sequence { break }
            if record.keys.count <= keys.count {
                if let k = record.keys.first(where: { keys.index(forKey: $0) != nil }) { return k.bytes }
            } else if let k = keys.keys.first(where: record.keys.contains) {
                return k.bytes
            }
            if let k = w.guards.first(where: record.keys.contains) { return k.bytes }
            for prefix in w.guardPrefixes {
                if let k = record.keys.first(where: { $0.bytes.starts(with: prefix) }) { return k.bytes }
            }
        }
        return nil
    }

    /// Drops the commit records no live transaction can conflict with: all
    /// of them without one, else those at or below the oldest snapshot
    /// (holding `mutex`).
    private func pruneCommitRecords() {
        guard liveTransactions > 0 else { recentCommits.removeAll(); return }
        let oldest = oldestLiveSnapshot
        let stale = recentCommits.prefix { $0.sequence <= oldest }.count
        if stale > 0 { recentCommits.removeFirst(stale) }
    }

    private static func keys(of batch: WriteBatch) -> Set<ByteKey> {
        var keys = Set<ByteKey>()
        try? batch.forEach { _, key, _ in keys.insert(ByteKey(Array(key))) }
        return keys
    }

    /// Writes the group to the WAL (one write, at most one sync) and the
    /// memtable, without `mutex`: only the leader is here.
    private func commit(_ group: [PendingWrite]) -> Result<SequenceNumber, StorageError> {
        let group = group.filter { !$0.rejected }
        if group.isEmpty { return .success(0) }
        do {
            if case .sync = group[0].request {
                if walDirty { try syncWAL() }
                return .success(0)
            }
            if case .switchMemtable = group[0].request { return .success(0) }
            let table = mutex.withLock { mem }
            var userBytes = 0
            for w in group {
                let rep = w.batch!.representation
                try wal.append(rep)
                userBytes += rep.count - WriteBatch.headerSize
            }
            try wal.flush()
            currentWALBytes.store(wal.size, ordering: .relaxed)
            walDirty = true
            if options.syncMode == .full
                || (options.syncMode == .normal && monotonicSeconds() - lastSyncTime >= Self.normalSyncInterval) {
                try syncWAL()
            }
            for w in group { try table.add(w.batch!) }
            counters.userBytesWritten.add(userBytes)
            counters.batchesCommitted.add(group.count)
            return .success(0)
        } catch let error as StorageError {
            return .failure(error)
        } catch {
            return .failure(.io(path: path, operation: "commit", errno: 5))
        }
    }

    func syncWAL() throws {
        try wal.sync()
        walDirty = false
        lastSyncTime = monotonicSeconds()
    }

    /// Publishes the group's results (holding `mutex`) and wakes the queue.
    private func finish(_ group: [PendingWrite], _ outcome: Result<SequenceNumber, StorageError>) {
        switch outcome {
        case .failure(let error):
            // Whatever failed, the WAL or memtable may be half-written: stop
            // accepting writes until a reopen recovers from the log (LevelDB's bg_error).
            backgroundError = backgroundError ?? error
            for w in group where !w.rejected { w.result = .failure(error) }
        case .success:
            if let last = group.last(where: { $0.batch != nil }), case .success(let lsn) = last.result {
                visibleSequence.store(lsn, ordering: .releasing)
            }
        }
        for w in group { w.done = true }
        writers.removeFirst(group.count)
        mutex.broadcast()
    }

    /// Makes sure `mem` has room (holding `mutex`): slows writes down when
    /// level 0 fills, waits while the previous memtable is still being
    /// flushed, and switches to a new memtable and WAL segment when full
    /// (or when `force`d by a checkpoint and `mem` is not empty).
    func makeRoomForWrite(force: Bool) throws {
        var mayDelay = !force
        var force = force
        while true {
            try checkUsableForLeader()
            let l0 = current.levels[0].count
            if mayDelay && options.backgroundWork && l0 >= (options.l0CompactionTrigger + options.l0StopTrigger) / 2 {
                mayDelay = false
                mutex.unlock(); usleepSeconds(0.001); mutex.lock()
            } else if force ? mem.isEmpty : mem.approximateBytes < options.memtableSizeBytes {
                return
            } else if imm != nil {
                if options.backgroundWork { mutex.wait() } else {
                    mutex.unlock(); defer { mutex.lock() }
                    try flushImmutable()
                }
            } else if options.backgroundWork && l0 >= options.l0StopTrigger {
                mutex.wait()
            } else {
                try switchMemtable()
                force = false
            }
        }
    }

    private func checkUsableForLeader() throws {
        if let e = backgroundError { throw StorageError.closed("an earlier write failed (\(e)); reopen the database") }
    }

    /// Starts a new WAL segment and memtable; the old memtable becomes `imm`
    /// (holding `mutex`, as leader). The old segment is synced first, so a
    /// torn tail can only ever be in the newest segment.
    private func switchMemtable() throws {
        let number = nextFileNumber
        // Sync and close (which trims preallocated space durably) the old
        // segment before the new one exists: only the newest segment may
        // ever end in a torn tail.
        try wal.sync()
        try wal.close()
        let next = try WALWriter(fileSystem: fs, path: logPath(number), counters: counters,
                                 preallocate: options.syncMode == .full)
        try fs.syncDirectory(path)
        nextFileNumber += 1
        closedLogSizes[memLogNumber] = wal.size
        wal = next
        currentWALBytes.store(wal.size, ordering: .relaxed)
        walDirty = false
        lastSyncTime = monotonicSeconds()
        imm = mem
        mem = Memtable()
        memLogNumber = number
        mutex.broadcast()
        mutex.broadcastBackground()   // imm is set: the background thread flushes it
    }

    /// Sync mode `normal`: every 100 ms, sync the WAL if a commit left it dirty.
    ///
    /// It waits on the timer condition, to its deadline: `mutex`'s own
    /// condition is broadcast by every commit, and a loop woken by it synced
    /// after every commit (one `fdatasync` per put: 4.5× slower single puts
    /// through sochdb-server, 2.9k against 13k/s).
    func syncLoop() {
        while true {
            let stop: Bool = mutex.withLock {
                let deadline = monotonicSeconds() + Self.normalSyncInterval
                while !stopping {
                    let left = deadline - monotonicSeconds()
                    if left <= 0 { break }
                    mutex.waitTimer(seconds: left)
                }
                return stopping
            }
            if stop { return }
            _ = try? submit(PendingWrite(.sync))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always)
func usleepSeconds(_ s: Double) { usleep(useconds_t(s * 1e6)) }
