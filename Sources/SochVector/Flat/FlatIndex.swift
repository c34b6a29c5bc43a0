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
    let norms: [Float]

    static let queryBlock = 128
    static let baseBlock = 2048

    /// Indexes `vectors` (kept by reference; cosine makes a normalised copy).
    public init(_ vectors: VectorMatrix, metric: Metric = .l2) throws {
        try vectors.validate(for: metric)
        self.metric = metric
        dimension = vectors.dimension
        base = metric == .cosine ? FlatIndex.normalizedCopy(vectors) : vectors
        norms = metric == .l2
            ? (0..<vectors.count).map { i in vectors.withRow(i) { dotSIMD($0, $0, vectors.dimension) } }
            : []
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
        var ids = [Int64](repeating: -1, count: q.count * k)
        var distances = [Float](repeating: .infinity, count: q.count * k)
        let blocks = (q.count + FlatIndex.queryBlock - 1) / FlatIndex.queryBlock
        let workers = max(1, min(threads == 0 ? HNSWIndex.coreCount : threads, blocks))
        let next = Atomic<Int>(0)
        ids.withUnsafeMutableBufferPointer { idp in
            distances.withUnsafeMutableBufferPointer { dp in
                let out = UnsafeSendable((idp.baseAddress!, dp.baseAddress!, self))
                BLAS.singleThreaded {
                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                        let (idOut, distOut, index) = out.value
                        let scratch = BlockScratch(k: index.candidatesKept(k))
                        while true {
                            let b = next.add(1, ordering: .relaxed).oldValue
                            if b >= blocks { break }
                            let start = b * FlatIndex.queryBlock
                            let rows = min(FlatIndex.queryBlock, q.count - start)
                            index.searchBlock(q, start: start, rows: rows, k: k, scratch: scratch,
                                              ids: idOut + start * k, distances: distOut + start * k)
                        }
                    }
                }
            }
        }
        return BatchSearchResults(k: k, queryCount: q.count, ids: ids, distances: distances)
    }

    /// Candidates the sgemm pass keeps per query before exact re-ranking.
    func candidatesKept(_ k: Int) -> Int { metric == .l2 ? k + max(k, 8) : k }

    /// Per-worker buffers: the sgemm output block and one k-heap per query.
    final class BlockScratch {
        let products: UnsafeMutablePointer<Float>
        var heaps: [CandidateHeap]
        init(k: Int) {
            products = .allocate(capacity: FlatIndex.queryBlock * FlatIndex.baseBlock)
            heaps = (0..<FlatIndex.queryBlock).map { _ in CandidateHeap(capacity: k + 1) }
        }
        deinit {
            products.deallocate()
            heaps.forEach { $0.deallocate() }
        }
    }

    private func searchBlock(_ queries: VectorMatrix, start: Int, rows: Int, k: Int, scratch: BlockScratch,
                             ids: UnsafeMutablePointer<Int64>, distances: UnsafeMutablePointer<Float>) {
        let d = dimension
        let kept = candidatesKept(k)
        let qp = queries.base + start * d
        let queryNorms = metric == .l2 ? (0..<rows).map { dotSIMD(qp + $0 * d, qp + $0 * d, d) } : []
        for r in 0..<rows { scratch.heaps[r].removeAll() }
        var b0 = 0
        while b0 < base.count {
            let n = min(FlatIndex.baseBlock, base.count - b0)
            BLAS.multiplyTransposed(qp, rows: rows, base.base + b0 * d, rows: n, depth: d, into: scratch.products)
            for r in 0..<rows {
                let row = scratch.products + r * n
                withUnsafeMutablePointer(to: &scratch.heaps[r]) { heap in
                    if metric == .l2 {
                        let qn = queryNorms[r]
                        norms.withUnsafeBufferPointer { bn in
                            for j in 0..<n {
                                let dist = max(0, qn + bn[b0 + j] - 2 * row[j])
                                FlatIndex.offer(dist, UInt32(b0 + j), kept, heap)
                            }
                        }
                    } else {
                        for j in 0..<n { FlatIndex.offer(1 - row[j], UInt32(b0 + j), k, heap) }
                    }
                }
            }
            b0 += n
        }
        let sorted = UnsafeMutablePointer<Candidate>.allocate(capacity: kept)
        defer { sorted.deallocate() }
        for r in 0..<rows {
            var found = scratch.heaps[r].drainAscending(into: sorted)
            if metric == .l2 {
                for j in 0..<found {
                    sorted[j].distance = l2SquaredSIMD(qp + r * d, base.base + Int(sorted[j].id) * d, d)
                }
                sortAscending(sorted, found)
                found = min(found, k)
            }
            for j in 0..<found {
                ids[r * k + j] = Int64(sorted[j].id)
                distances[r * k + j] = sorted[j].distance
            }
        }
    }

    @inline(__always)
    private static func offer(_ d: Float, _ id: UInt32, _ k: Int, _ heap: UnsafeMutablePointer<CandidateHeap>) {
        if heap.pointee.count < k {
            heap.pointee.push(d, id)
        } else if d < heap.pointee.top.distance {
            heap.pointee.replaceTop(d, id)
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
