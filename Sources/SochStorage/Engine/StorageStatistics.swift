/// A reading of the engine's statistics (``StorageEngine/statistics()``).
///
/// Names follow the seed's `stats()` table; ``dictionary`` gives them in its
/// snake_case spelling for JSON. Counters are totals since open.
public struct StorageStatistics: Sendable, Equatable {
    /// Estimated number of live keys: entries in memtables and tables minus
    /// twice their tombstones (a tombstone and the value it hides), floored
    /// at zero. Exact when compaction has merged every version of every key
    /// (for example after ``StorageEngine/compactAll()``) and every tombstone
    /// hides a value; it overcounts keys overwritten since, and undercounts
    /// when tombstones hide nothing. Kept in O(1) without reads at commit.
    public var keysCount: UInt64
    /// Bytes handed to the file system: WAL records, tables, manifests.
    public var bytesWritten: UInt64
    /// Bytes read from the file system: table blocks, WAL replay, manifests.
    public var bytesRead: UInt64
    /// Arena bytes of the active and the immutable memtable.
    public var memtableSizeBytes: UInt64
    /// Bytes of the WAL segments not yet made obsolete by a flush.
    public var walSizeBytes: UInt64
    public var lastCheckpointLSN: UInt64
    /// The newest committed LSN.
    public var lastCommittedLSN: UInt64
    public var cacheHits: UInt64
    public var cacheMisses: UInt64
    public var cacheUsageBytes: UInt64
    public var tablesPerLevel: [Int]
    public var bytesPerLevel: [UInt64]
    public var flushes: UInt64
    public var compactions: UInt64
    public var compactionBytesRead: UInt64
    public var compactionBytesWritten: UInt64
    /// Every byte written (WAL, tables from flushes and compactions,
    /// manifests) over the key and value bytes committed; 0 before a commit.
    public var writeAmplification: Double
    public var walSyncs: UInt64
    public var batchesCommitted: UInt64
    public var liveSnapshots: Int
    public var transactionsCommitted: UInt64
    public var transactionsAborted: UInt64

    /// The statistics under the seed's names, for JSON and the wire.
    public var dictionary: [(String, StatisticValue)] {
        var d: [(String, StatisticValue)] = [
            ("keys_count", .integer(keysCount)), ("bytes_written", .integer(bytesWritten)),
            ("bytes_read", .integer(bytesRead)), ("memtable_size_bytes", .integer(memtableSizeBytes)),
            ("wal_size_bytes", .integer(walSizeBytes)), ("last_checkpoint_lsn", .integer(lastCheckpointLSN)),
            ("last_committed_lsn", .integer(lastCommittedLSN)),
            ("cache_hits", .integer(cacheHits)), ("cache_misses", .integer(cacheMisses)),
            ("cache_usage_bytes", .integer(cacheUsageBytes)),
            ("flushes", .integer(flushes)), ("compactions", .integer(compactions)),
            ("compaction_bytes_read", .integer(compactionBytesRead)),
            ("compaction_bytes_written", .integer(compactionBytesWritten)),
            ("write_amplification", .real(writeAmplification)),
            ("wal_syncs", .integer(walSyncs)), ("batches_committed", .integer(batchesCommitted)),
            ("live_snapshots", .integer(UInt64(liveSnapshots))),
            ("transactions_committed", .integer(transactionsCommitted)),
            ("transactions_aborted", .integer(transactionsAborted)),
        ]
        d.append(("tables_per_level", .list(tablesPerLevel.map { UInt64($0) })))
        d.append(("bytes_per_level", .list(bytesPerLevel)))
        return d
    }

    /// The statistics as one JSON object (keys in the order above).
    public var json: String {
        "{" + dictionary.map { "\"\($0.0)\": \($0.1.json)" }.joined(separator: ", ") + "}"
    }
}

/// One statistic's value.
public enum StatisticValue: Sendable, Equatable {
    case integer(UInt64), real(Double), list([UInt64])

    /// The value as JSON (a non-finite real is 0).
    public var json: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v): return v.isFinite ? String(v) : "0"
        case .list(let l): return "[" + l.map(String.init).joined(separator: ",") + "]"
        }
    }
}

extension EngineCore {
    /// The current statistics. O(tables); takes the engine lock briefly.
    public func statistics() -> StorageStatistics {
        mutex.lock()
        let mem = self.mem, imm = self.imm, version = current, checkpoint = manifest.lastCheckpointLSN
        let closedLogs: UInt64 = closedLogSizes.values.reduce(0, +)
        let liveSnapshots: Int = snapshots.values.reduce(0, +)
        mutex.unlock()
        var entries = UInt64(mem.entryCount + (imm?.entryCount ?? 0))
        var tombstones = UInt64(mem.deletionCount + (imm?.deletionCount ?? 0))
        for level in version.levels {
            for table in level { entries += table.meta.entries; tombstones += table.meta.deletions }
        }
        let user = counters.userBytesWritten.value
        let written = counters.bytesWritten.value
        return StorageStatistics(
            keysCount: entries > 2 * tombstones ? entries - 2 * tombstones : 0,
            bytesWritten: written,
            bytesRead: counters.bytesRead.value,
            memtableSizeBytes: UInt64(mem.approximateBytes + (imm?.approximateBytes ?? 0)),
            walSizeBytes: closedLogs + currentWALBytes.load(ordering: .relaxed),
            lastCheckpointLSN: checkpoint,
            lastCommittedLSN: latestSequence,
            cacheHits: counters.cacheHits.value,
            cacheMisses: counters.cacheMisses.value,
            cacheUsageBytes: UInt64(cache?.usage ?? 0),
            tablesPerLevel: version.levels.map { $0.count },
            bytesPerLevel: (0..<version.levels.count).map { version.bytes(level: $0) },
            flushes: counters.flushes.value,
            compactions: counters.compactions.value,
            compactionBytesRead: counters.compactionBytesRead.value,
            compactionBytesWritten: counters.compactionBytesWritten.value,
            writeAmplification: user == 0 ? 0 : Double(written) / Double(user),
            walSyncs: counters.walSyncs.value,
            batchesCommitted: counters.batchesCommitted.value,
            liveSnapshots: liveSnapshots,
            transactionsCommitted: counters.transactionsCommitted.value,
            transactionsAborted: counters.transactionsAborted.value)
    }
}
