import Dispatch
import Synchronization

/// One neighbour: the caller's id and its distance (see ``Metric``).
public struct SearchResult: Sendable, Hashable, Codable {
    public var id: Int64
    public var distance: Float
    public init(id: Int64, distance: Float) {
        self.id = id
        self.distance = distance
    }
}

/// Restricts which vectors a search may return. The graph walk applies it
/// while it runs (rejected nodes are passed through but never returned), so a
/// filtered search still returns k results when k vectors pass.
public enum SearchFilter: Sendable {
    /// Only these external ids. A list no longer than 2% of the index (or
    /// than 16 × ef) is searched exactly instead: that costs one distance per
    /// listed vector, fewer than a filtered graph walk (at least ef
    /// expansions of M0 links each), and it is exact.
    case allowList([Int64])
    /// Only ids for which the predicate holds. Called from search threads.
    case predicate(@Sendable (Int64) -> Bool)
}

/// The results of a batch search: `k` slots per query, nearest first; a
/// query with fewer than `k` results has its tail slots set to id −1 and
/// distance +∞.
public struct BatchSearchResults: Sendable {
    public let k: Int
    public let queryCount: Int
    /// `queryCount × k` ids, row-major.
    public var ids: [Int64]
    /// `queryCount × k` distances, row-major.
    public var distances: [Float]

    /// The results of query `i`, without empty slots.
    public subscript(i: Int) -> [SearchResult] {
        (0..<k).compactMap { j in
            let id = ids[i * k + j]
            return id < 0 && distances[i * k + j] == .infinity ? nil : SearchResult(id: id, distance: distances[i * k + j])
        }
    }
}

struct BitsetFilter: NodeFilter {
    let words: UnsafePointer<UInt64>
    @inline(__always) func allows(_ node: UInt32) -> Bool {
        words[Int(node >> 6)] & (1 << UInt64(node & 63)) != 0
    }
}

struct PredicateFilter: NodeFilter {
    let externalIDs: UnsafePointer<Int64>
    let predicate: @Sendable (Int64) -> Bool
    @inline(__always) func allows(_ node: UInt32) -> Bool { predicate(externalIDs[Int(node)]) }
}

extension HNSWIndex {
    /// Largest k or ef a search takes.
    public static let maxSearchBreadth = 1 << 20

    /// The `k` nearest neighbours of `query`, nearest first.
    ///
    /// `ef` (default max(64, k)) is the candidate list size: larger is more
    /// accurate and slower; values below `k` are raised to `k`. Thread-safe;
    /// allocates only its result. Throws on a wrong dimension or a non-finite
    /// (or, under cosine, zero) query. O(ef · M0 · log N) distances.
    public func search(_ query: [Float], k: Int, ef: Int? = nil, filter: SearchFilter? = nil) throws -> [SearchResult] {
        try checkSearchArguments(queryDimension: query.count, k: k, ef: ef)
        return try rwLock.read {
            try contexts.withContext(nodeCount: layout.count, ef: max(ef ?? 64, k)) { ctx in
                try query.withUnsafeBufferPointer { q in
                    try prepareQuery(q.baseAddress!, row: 0, into: ctx)
                }
                let n = try searchPrepared(k: k, ef: max(ef ?? 64, k), filter: filter, ctx: ctx)
                return (0..<n).map { SearchResult(id: layout.externalIDs[Int(ctx.sorted[$0].id)], distance: ctx.sorted[$0].distance) }
            }
        }
    }

    /// Searches every row of `queries` on `threads` threads (0 = all cores).
    /// Thread-safe. See ``search(_:k:ef:filter:)``.
    public func searchBatch(_ queries: VectorMatrix, k: Int, ef: Int? = nil, threads: Int = 0,
                            filter: SearchFilter? = nil) throws -> BatchSearchResults {
        try checkSearchArguments(queryDimension: queries.dimension, k: k, ef: ef)
        guard threads >= 0 else { throw SochVectorError.invalidArgument("threads must be ≥ 0, got \(threads)") }
        let q = queries.count
        var ids = [Int64](repeating: -1, count: q * k)
        var distances = [Float](repeating: .infinity, count: q * k)
        let efValue = max(ef ?? 64, k)
        let failure = Mutex<SochVectorError?>(nil)
        try rwLock.read {
            let workers = max(1, min(threads == 0 ? HNSWIndex.coreCount : threads, (q + 15) / 16))
            let next = Atomic<Int>(0)
            ids.withUnsafeMutableBufferPointer { idp in
                distances.withUnsafeMutableBufferPointer { dp in
                    let out = UnsafeSendable((idp.baseAddress!, dp.baseAddress!, self))
                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                        let (idOut, distOut, index) = out.value
                        index.contexts.withContext(nodeCount: index.layout.count, ef: efValue) { ctx in
                            while true {
                                let start = next.add(16, ordering: .relaxed).oldValue
                                if start >= q { break }
                                for i in start..<min(start + 16, q) {
                                    do {
                                        try queries.withRow(i) { try index.prepareQuery($0, row: i, into: ctx) }
                                        let n = try index.searchPrepared(k: k, ef: efValue, filter: filter, ctx: ctx)
                                        for j in 0..<n {
                                            idOut[i * k + j] = index.layout.externalIDs[Int(ctx.sorted[j].id)]
                                            distOut[i * k + j] = ctx.sorted[j].distance
                                        }
                                    } catch let e as SochVectorError {
                                        failure.withLock { if $0 == nil { $0 = e } }
                                    } catch {}
                                }
                            }
                        }
                    }
                }
            }
            if let e = failure.withLock({ $0 }) { throw e }
        }
        return BatchSearchResults(k: k, queryCount: q, ids: ids, distances: distances)
    }

    func checkSearchArguments(queryDimension: Int, k: Int, ef: Int?) throws {
        guard queryDimension == dimension else {
            throw SochVectorError.dimensionMismatch(expected: dimension, actual: queryDimension)
        }
        guard k >= 1 else { throw SochVectorError.invalidArgument("k must be ≥ 1, got \(k)") }
        if let ef, ef < 1 { throw SochVectorError.invalidArgument("ef must be ≥ 1, got \(ef)") }
        // The candidate heaps are sized by them: a huge value would trap.
        guard k <= Self.maxSearchBreadth, (ef ?? 0) <= Self.maxSearchBreadth else {
            throw SochVectorError.invalidArgument("k and ef must be ≤ \(Self.maxSearchBreadth), got k=\(k), ef=\(ef.map(String.init) ?? "default")")
        }
    }

    /// Copies the query into the context, checks it and normalises it for cosine.
    func prepareQuery(_ q: UnsafePointer<Float>, row: Int, into ctx: SearchContext) throws {
        var norm: Float = 0
        for j in 0..<dimension {
            let v = q[j]
            guard v.isFinite else { throw SochVectorError.invalidVector(row: row, reason: "query component \(j) is \(v)") }
            ctx.query[j] = v
            norm += v * v
        }
        if metric == .cosine {
            guard norm > 0 else { throw SochVectorError.invalidVector(row: row, reason: "zero query vector has no cosine direction") }
            normalize(ctx.query, dimension)
        }
    }

    /// Searches with the query already in `ctx.query`; leaves the results in
    /// `ctx.sorted[0..<n]`, ascending, and returns n ≤ k. Read lock held.
    func searchPrepared(k: Int, ef: Int, filter: SearchFilter?, ctx: SearchContext) throws -> Int {
        guard layout.count > 0, entryPoint != GraphLayout.noNode else { return 0 }
        switch filter {
        case nil:
            return dispatchMetric(k: k, ef: ef, filter: AllowAll(), ctx: ctx)
        case .predicate(let p):
            return dispatchMetric(k: k, ef: ef, filter: PredicateFilter(externalIDs: layout.externalIDs, predicate: p), ctx: ctx)
        case .allowList(let list):
            var words = [UInt64](repeating: 0, count: (layout.count + 63) / 64)
            var nodes: [UInt32] = []
            nodes.reserveCapacity(list.count)
            for id in list {
                if let node = internalID(for: id), words[Int(node >> 6)] & (1 << UInt64(node & 63)) == 0 {
                    words[Int(node >> 6)] |= 1 << UInt64(node & 63)
                    nodes.append(node)
                }
            }
            if nodes.count <= max(layout.count / 50, 16 * ef) {
                return exactSearch(nodes, k: k, ctx: ctx)
            }
            return words.withUnsafeBufferPointer {
                dispatchMetric(k: k, ef: ef, filter: BitsetFilter(words: $0.baseAddress!), ctx: ctx)
            }
        }
    }

    private func dispatchMetric<F: NodeFilter>(k: Int, ef: Int, filter: F, ctx: SearchContext) -> Int {
        metric == .l2
            ? searchGraph(L2Kernel.self, k: k, ef: ef, filter: filter, ctx: ctx)
            : searchGraph(DotKernel.self, k: k, ef: ef, filter: filter, ctx: ctx)
    }

    private func searchGraph<K: DistanceKernel, F: NodeFilter>(_: K.Type, k: Int, ef: Int, filter: F,
                                                               ctx: SearchContext) -> Int {
        let walker = GraphWalker<K>(layout: layout, dimension: dimension, locks: nil)
        let q = UnsafePointer(ctx.query)
        walker.descend(q, from: entryPoint, top: maxLevel, to: 0, beam: GraphWalker<K>.upperBeam(ef: ef), ctx: ctx)
        walker.searchLayer(q, ef: ef, level: 0, ctx: ctx, filter: filter, skipDeleted: deletedCount > 0)
        while ctx.results.count > k { ctx.results.pop() }
        ctx.reserveSorted(ctx.results.count)
        return ctx.results.drainAscending(into: ctx.sorted)
    }

    /// Exact k-NN over `nodes` (a selective allow-list).
    private func exactSearch(_ nodes: [UInt32], k: Int, ctx: SearchContext) -> Int {
        ctx.results.removeAll()
        let q = UnsafePointer(ctx.query)
        for node in nodes where !(deletedCount > 0 && layout.isDeleted(node)) {
            let d = metric == .l2
                ? L2Kernel.distance(q, layout.vector(node, dimension), dimension)
                : DotKernel.distance(q, layout.vector(node, dimension), dimension)
            if ctx.results.count < k {
                ctx.results.push(d, node)
            } else if d < ctx.results.top.distance {
                ctx.results.replaceTop(d, node)
            }
        }
        ctx.reserveSorted(ctx.results.count)
        return ctx.results.drainAscending(into: ctx.sorted)
    }
}
