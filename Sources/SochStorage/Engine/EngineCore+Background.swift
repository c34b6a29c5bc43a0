extension EngineCore {
    /// The background thread: flush the immutable memtable first, then
    /// compact while some level is over its target; sleep until woken.
    func backgroundLoop() {
        while true {
            let (stop, hasImm): (Bool, Bool) = mutex.withLock {
                while !stopping && backgroundError == nil && imm == nil && !needsCompaction(current) {
                    mutex.waitBackground()   // not woken by commits (ConditionLock)
                }
                return (stopping || backgroundError != nil, imm != nil)
            }
            if stop { return }
            do {
                if hasImm { try flushImmutable() } else { _ = try compactOnce() }
            } catch let error as StorageError {
                mutex.withLock { backgroundError = backgroundError ?? error; mutex.broadcast() }
                return
            } catch {
                return
            }
        }
    }

    /// Writes the immutable memtable to a level-0 table, records it in the
    /// manifest with the WAL position after it, and drops the memtable and
    /// the WAL segments it no longer needs. No-op without an immutable one.
    func flushImmutable() throws {
        workLock.lock(); defer { workLock.unlock() }
        try flushImmutableLocked()
    }

    /// As ``flushImmutable()``, for a caller that holds `workLock`.
    func flushImmutableLocked() throws {
        let (table, number): (Memtable?, UInt64) = mutex.withLock {
            guard let imm else { return (nil, 0) }
            defer { nextFileNumber += 1 }
            return (imm, nextFileNumber)
        }
        guard let table else { return }
        let meta = try TableWriting.write(iterator: table.makeIterator(), number: number, directory: path,
                                          options: options, counters: counters)
        var added: [(level: Int, table: TableFile)] = []
        if let meta {
            added.append((0, try openTable(meta)))
            counters.flushBytesWritten.add(Int(meta.size))
        }
        try install(removed: [], added: added, flushed: table)
        counters.flushes.add(1)
    }

    func openTable(_ meta: Manifest.TableMeta) throws -> TableFile {
        let p = tablePath(meta.number)
        let reader = try TableReader.open(file: try fs.openForReading(p), fileNumber: meta.number, cache: cache, counters: counters)
        return TableFile(meta: meta, reader: reader, path: p, fileSystem: fs, cache: cache)
    }

    /// Makes a new version durable and current (caller holds `workLock`):
    /// writes the manifest, then swaps the version in, marks replaced tables
    /// obsolete and deletes WAL segments that only `flushed` needed.
    func install(removed: [TableFile], added: [(level: Int, table: TableFile)], flushed: Memtable? = nil,
                 checkpoint: SequenceNumber? = nil) throws {
        let (next, manifestToStore): (Version, Manifest) = mutex.withLock {
            let next = current.applying(removed: Set(removed.map(\.number)), added: added)
            var m = manifest
            m.levels = next.tableMetas
            m.nextFileNumber = nextFileNumber
            if flushed != nil {
                m.logNumber = memLogNumber
                m.lastSequence = max(m.lastSequence, flushed!.highestSequence)
            }
            if let checkpoint { m.lastCheckpointLSN = checkpoint }
            return (next, m)
        }
        try manifestToStore.store(directory: path, fileSystem: fs, counters: counters)
        let obsoleteLogs: [UInt64] = mutex.withLock {
            current = next
            manifest = manifestToStore
            if flushed != nil { imm = nil }
            let old = closedLogSizes.keys.filter { $0 < manifestToStore.logNumber }
            for n in old { closedLogSizes.removeValue(forKey: n) }
            mutex.broadcast()
            mutex.broadcastBackground()   // a level may now need compacting (after a foreground flush too)
            return old
        }
        let kept = Set(added.map { $0.table.number })
        for table in removed where !kept.contains(table.number) { table.markObsolete() }
        for n in obsoleteLogs { try? fs.remove(logPath(n)) }
    }

    /// Flushes every committed write to a table and records the checkpoint
    /// in the manifest; older WAL segments are deleted. Returns the LSN the
    /// checkpoint covers: every batch with an LSN at or below it is in a
    /// synced table, whatever the sync mode.
    @discardableResult
    public func checkpoint() throws -> SequenceNumber {
        let lsn = try submit(PendingWrite(.switchMemtable))
        workLock.lock(); defer { workLock.unlock() }
        try flushImmutableLocked()
        try install(removed: [], added: [], checkpoint: lsn)
        return lsn
    }

    /// Switches and flushes the memtable now (tests, tools).
    public func flushMemtable() throws {
        _ = try submit(PendingWrite(.switchMemtable))
        try flushImmutable()
    }
}

/// What ``StorageEngine/verify()`` checked.
public struct VerifyReport: Sendable, Equatable {
    public var tables: Int
    public var entries: UInt64
    public var bytes: UInt64
}

extension EngineCore {
    /// Reads every block of every live table, checking every checksum, the
    /// key order inside each table, that each table's keys lie in the range
    /// the manifest records, and that levels 1… do not overlap. Throws the
    /// first damage found as a corruption error naming the file.
    @discardableResult
    public func verify() throws -> VerifyReport {
        let version = mutex.withLock { current }
        var report = VerifyReport(tables: 0, entries: 0, bytes: 0)
        for (level, tables) in version.levels.enumerated() {
            for (i, table) in tables.enumerated() {
                try table.reader.verify()
                let props = table.reader.properties
                guard props.smallest == table.meta.smallest, props.largest == table.meta.largest,
                      props.entries == table.meta.entries else {
                    throw StorageError.corruption(path: table.path, reason: "table contents do not match its manifest entry")
                }
                if level > 0, i > 0, compareBytes(tables[i - 1].largestUserKey, table.smallestUserKey) >= 0 {
                    throw StorageError.corruption(path: table.path, reason: "overlaps table \(tables[i - 1].number) on level \(level)")
                }
                report.tables += 1; report.entries += table.meta.entries; report.bytes += table.meta.size
            }
        }
        return report
    }
}
