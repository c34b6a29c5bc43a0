import Dispatch
import Foundation
import Synchronization

extension VectorCollection {
    /// The `k` nearest live vectors to each row of `queries`, as
    /// ``search(_:k:ef:filter:)`` gives them one at a time, searched on
    /// `threads` threads (0: all cores). Without a filter the rows go to the
    /// graph's own batch search (one scratch space per worker, no per-query
    /// allocation); with one, each row runs the filtered plan in parallel.
    /// Row `i` of the result answers query `i`. Thread-safe.
    public func searchBatch(_ queries: VectorMatrix, k: Int = 10, ef: Int? = nil, filter: MetadataFilter? = nil,
                            threads: Int = 0) throws(SochDBError) -> [[CollectionSearchResult]] {
        guard queries.dimension == dimension else {
            throw .vector(.dimensionMismatch(expected: dimension, actual: queries.dimension))
        }
        guard threads >= 0 else { throw .invalidArgument("threads must be ≥ 0, got \(threads)") }
        if queries.count == 0 { return [] }
        try SochDBError.wrap { try queries.validate(for: config.metric) }
        if let filter { return try searchEach(queries, k: k, ef: ef, filter: filter, threads: threads) }
        try refreshIfStale()
        try checkQuery(queries[0], k: k, ef: ef)
        let index = try state.withLock { s throws(SochDBError) -> HNSWIndex in
            if s.dropped { throw .notFound("collection \"\(name)\" was dropped") }
            return s.index
        }
        let hits = try SochDBError.wrap { try index.searchBatch(queries, k: k, ef: max(ef ?? 64, k), threads: threads) }
        return state.withLock { s in
            (0..<queries.count).map { q in
                (0..<k).compactMap { j -> CollectionSearchResult? in
                    let label = hits.ids[q * k + j]
                    // An empty slot, or a superseded version (an update being applied).
                    guard label >= 0, let e = s.entries[label], s.slots[e.id]?.label == label else { return nil }
                    return CollectionSearchResult(id: e.id, distance: hits.distances[q * k + j], metadata: e.metadata)
                }
            }
        }
    }

    /// The filtered rows, one ``search(_:k:ef:filter:)`` each, in parallel;
    /// the first error wins.
    private func searchEach(_ queries: VectorMatrix, k: Int, ef: Int?, filter: MetadataFilter,
                            threads: Int) throws(SochDBError) -> [[CollectionSearchResult]] {
        let results = Mutex<[[CollectionSearchResult]]>(Array(repeating: [], count: queries.count))
        let failure = Mutex<SochDBError?>(nil)
        let next = Atomic<Int>(0)
        let workers = max(1, min(threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads, queries.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= queries.count || failure.withLock({ $0 != nil }) { return }
                do throws(SochDBError) {
                    let hits = try search(queries[i], k: k, ef: ef, filter: filter)
                    results.withLock { $0[i] = hits }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
        return results.withLock { $0 }
    }
}
