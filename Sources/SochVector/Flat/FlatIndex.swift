import Dispatch
import Synchronization

/// Exact k-nearest-neighbour search by brute force through BLAS.
///
/// Distances for a block of queries against a block of base vectors come
/// from one `sgemm` as ‖x‖² + ‖y‖² − 2·x·y (L2, tiny negatives from rounding
/// clamped to 0) or 1 − x·y (inner product; cosine on normalised copies).
/// Query blocks run in parallel on Dispatch with BLAS single-threaded. It is
/// the ground truth for recall and the fallback for selective filters.
///
/// The L2 formulation cancels digits when vectors are long and close (the
/// error grows with ‖x‖² + ‖y‖², not with the distance), so for L2 the
/// sgemm pass keeps k + max(k, 8) candidates and they are re-ranked with the
/// direct kernel: the ranking and reported distances are the direct ones.
///
/// Immutable and thread-safe. O(q · n · d) flops, O(blocks) memory.
public final class FlatIndex: @unchecked Sendable {
    public let metric: Metric
    public let dimension: Int
    public var count: Int { base.count }
    let base: VectorMatrix
    /// ‖y‖² per base row (L2 only).
    let norms: AlignedBuffer<Float>

    static let queryBlock = 128
    static let baseBlock = 2048

    /// Indexes `vectors` (kept by reference; cosine makes a normalised copy).
    public init(_ vectors: VectorMatrix, metric: Metric = .l2) throws {
        try vectors.validate(for: metric)
        self.metric = metric
        dimension = vectors.dimension
        base = metric == .cosine ? FlatIndex.normalizedCopy(vectors) : vectors
        norms = AlignedBuffer(capacity: vectors.count)
        if metric == .l2 {
            for i in 0..<vectors.count { norms.base[i] = vectors.withRow(i) { dotSIMD($0, $0, vectors.dimension) } }
        }
    }

    /// The `k` nearest rows of `self` (ids = row numbers) for every query,
    /// nearest first, on `threads` threads (0 = all cores).
    public func search(_ queries: VectorMatrix, k: Int, threads: Int = 0) throws -> BatchSearchResults {
        guard queries.dimension == dimension else {
            throw SochVectorError.dimensionMismatch(expected: dimension, actual: queries.dimension)
        }
        guard k >= 1 else { throw SochVectorError.invalidArgument("k must be ≥ 1, got \(k)") }
        try queries.validate(for: metric)
        let q = metric == .cosine ? FlatIndex.normalizedCopy(queries) : queries
        return searchUnchecked(q, k: k, threads: threads, rerank: metric == .l2)
    }

    /// Search without validation; `rerank` re-scores L2 candidates with the
    /// direct kernel (k-means assignment does without).
    func searchUnchecked(_ q: VectorMatrix, k: Int, threads: Int, rerank: Bool) -> BatchSearchResults {
        var ids = [Int64](repeating: -1, count: q.count * k)
        var distances = [Float](repeating: .infinity, count: q.count * k)
        let blocks = (q.count + FlatIndex.queryBlock - 1) / FlatIndex.queryBlock
        let workers = max(1, min(threads == 0 ? HNSWIndex.coreCount : threads, blocks))
        let next = Atomic<Int>(0)
        let kept = rerank ? min(k + max(k, 8), max(count, 1)) : k
        ids.withUnsafeMutableBufferPointer { idp in
            distances.withUnsafeMutableBufferPointer { dp in
                let out = UnsafeSendable((idp.baseAddress!, dp.baseAddress!, self))
                BLAS.singleThreaded {
                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                        let (idOut, distOut, index) = out.value
                        let scratch = BlockScratch(kept: kept)
                        while true {
                            let b = next.add(1, ordering: .relaxed).oldValue
                            if b >= blocks { break }
                            let start = b * FlatIndex.queryBlock
                            let rows = min(FlatIndex.queryBlock, q.count - start)
                            index.searchBlock(q, start: start, rows: rows, k: k, rerank: rerank, scratch: scratch,
                                              ids: idOut + start * k, distances: distOut + start * k)
                        }
                    }
                }
            }
        }
        return BatchSearchResults(k: k, queryCount: q.count, ids: ids, distances: distances)
    }

    /// Per-worker buffers: the sgemm output block and one bounded heap per query.
    final class BlockScratch {
        let products: UnsafeMutablePointer<Float>
        let heaps: CandidateLists
        let queryNorms: UnsafeMutablePointer<Float>
        init(kept: Int) {
            products = .allocate(capacity: FlatIndex.queryBlock * FlatIndex.baseBlock)
            heaps = CandidateLists(nodes: FlatIndex.queryBlock, capacity: kept)
            queryNorms = .allocate(capacity: FlatIndex.queryBlock)
        }
        deinit {
            products.deallocate()
            heaps.deallocate()
            queryNorms.deallocate()
        }
    }

    private func searchBlock(_ queries: VectorMatrix, start: Int, rows: Int, k: Int, rerank: Bool, scratch: BlockScratch,
                             ids: UnsafeMutablePointer<Int64>, distances: UnsafeMutablePointer<Float>) {
        let d = dimension, heaps = scratch.heaps
        let qp = queries.base + start * d
        for r in 0..<rows {
            heaps.counts[r] = 0
            scratch.queryNorms[r] = metric == .l2 ? dotSIMD(qp + r * d, qp + r * d, d) : 0
        }
        var b0 = 0
        while b0 < base.count {
            let n = min(FlatIndex.baseBlock, base.count - b0)
            BLAS.multiplyTransposed(qp, rows: rows, base.base + b0 * d, rows: n, depth: d, into: scratch.products)
            for r in 0..<rows {
                offerRow(scratch.products + r * n, count: n, from: b0, queryNorm: scratch.queryNorms[r], heaps: heaps, row: r)
            }
            b0 += n
        }
        for r in 0..<rows {
            var sorted = heaps.sorted(r)
            if rerank {
                for j in sorted.indices {
                    sorted[j].distance = l2SquaredSIMD(qp + r * d, base.base + Int(sorted[j].id) * d, d)
                }
                sorted.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
            }
            for j in 0..<min(sorted.count, k) {
                ids[r * k + j] = Int64(sorted[j].id)
                distances[r * k + j] = sorted[j].distance
            }
        }
    }

    /// Offers one row of products (a query against base rows b0..<b0+n).
    /// Shaped for speed: most candidates fail the bound test and cost one
    /// compare; only survivors touch the heap.
    @inline(__always)
    private func offerRow(_ row: UnsafeMutablePointer<Float>, count n: Int, from b0: Int, queryNorm qn: Float,
                          heaps: CandidateLists, row r: Int) {
        var bound = heaps.bound(r)
        if metric == .l2 {
            let bn = norms.base + b0
            for j in 0..<n {
                let dist = qn + bn[j] - 2 * row[j]
                if dist < bound {
                    heaps.offer(r, max(0, dist), UInt32(b0 + j))
                    bound = heaps.bound(r)
                }
            }
        } else {
            for j in 0..<n {
                let dist = 1 - row[j]
                if dist < bound {
                    heaps.offer(r, dist, UInt32(b0 + j))
                    bound = heaps.bound(r)
                }
            }
        }
    }

    static func normalizedCopy(_ m: VectorMatrix) -> VectorMatrix {
        let copy = m.rows(0..<m.count)
        let p = UnsafeMutablePointer(mutating: copy.base)
        for i in 0..<m.count { normalize(p + i * m.dimension, m.dimension) }
        return copy
    }
}

extension FlatIndex.BlockScratch: @unchecked Sendable {}
