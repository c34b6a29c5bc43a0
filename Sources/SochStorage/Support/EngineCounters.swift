import Synchronization

/// The engine's running totals, shared by every component that reads or
/// writes (WAL, table builder and reader, block cache, compaction) and read
/// by ``StorageEngine/statistics()``. Relaxed atomics: each counter is exact,
/// a set of them read together is not one instant.
final class EngineCounters: Sendable {
    /// Bytes handed to the file system: WAL records, tables, manifests.
    let bytesWritten = Atomic<UInt64>(0)
    /// Bytes read from the file system: table blocks, WAL replay, manifests.
    let bytesRead = Atomic<UInt64>(0)
    /// Block cache lookups that found / did not find the block.
    let cacheHits = Atomic<UInt64>(0)
    let cacheMisses = Atomic<UInt64>(0)
    /// User bytes (keys + values) of committed batches: the denominator of
    /// write amplification.
    let userBytesWritten = Atomic<UInt64>(0)
    /// Bytes written by flushes and compactions (table files).
    let flushBytesWritten = Atomic<UInt64>(0)
    let compactionBytesWritten = Atomic<UInt64>(0)
    let compactionBytesRead = Atomic<UInt64>(0)
    let compactions = Atomic<UInt64>(0)
    let flushes = Atomic<UInt64>(0)
    let walSyncs = Atomic<UInt64>(0)
    let batchesCommitted = Atomic<UInt64>(0)
    let transactionsCommitted = Atomic<UInt64>(0)
    let transactionsAborted = Atomic<UInt64>(0)

    init() {}
}

extension Atomic where Value == UInt64 {
    /// Relaxed increment: `counters.bytesRead.add(n)`.
    @inline(__always)
    func add(_ n: Int) { wrappingAdd(UInt64(n), ordering: .relaxed) }

    /// Relaxed read.
    @inline(__always)
    var value: UInt64 { load(ordering: .relaxed) }
}
