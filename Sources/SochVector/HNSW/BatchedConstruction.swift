import CSochSupport
import Dispatch
import Synchronization

/// Builds a whole HNSW graph at once from exact k-NN candidates found with
/// BLAS, instead of inserting nodes one by one (PERFORMANCE-NOTES.md,
/// "BLAS-batched construction").
///
/// The upper levels are built by ordinary insertion first (HNSWIndex+Add);
/// this builds level 0 over all nodes (and can build any level over the
/// nodes that reach it):
/// 1. k-means (√n centroids, assignment by sgemm); every node records its
///    `probes` nearest centroids (its own probe list) and belongs to the
///    nearest;
/// 2. for each cluster c, one sgemm of "nodes that probe c" × "members of c"
///    gives exact distances (own cluster first, then the other probes);
///    each node keeps its `candidates` nearest in a bounded heap, and the
///    nearest member of each other probed cluster as a bridge (a set small
///    enough for one cluster is searched whole);
/// 3. the HNSW neighbour-selection heuristic (α = 1, then a relaxed second
///    pass) cuts candidates ∪ bridges to the level's capacity (2·M on level
///    0, M above) — the forward edges;
/// 4. every forward edge is offered back as a reverse edge; a list that
///    then overflows is cut again by the heuristic;
/// 5. (after the build, for every construction) a node the entry point
///    cannot reach is linked from its nearest reachable node
///    (HNSWIndex+Reachability).
///
/// Clusters run in parallel on Dispatch with BLAS single-threaded inside
/// each worker (BLAS threads and Dispatch on the same cores halve each other).
/// Deterministic with one thread; with more, only ties may order differently.
struct BatchedConstruction<K: DistanceKernel> {
    let g: GraphLayout
    let dimension: Int
    let metric: Metric
    let m: Int
    let workers: Int
    let locks: UnsafeMutablePointer<UInt8>
    let seed: UInt64
    /// Exact candidates kept per node before the heuristic.
    let candidates: Int
    /// Centroids each node scans.
    let probes: Int
    /// ‖v‖² of every node (L2 only), so L2 distances can be taken as
    /// ‖a‖² + ‖b‖² − 2a·b: one FMA per component instead of two operations.
    let norms: UnsafeMutablePointer<Float>
    /// Slack of the heuristic's second pass (Vamana's α): there a candidate
    /// is dropped only if α·d(candidate, kept) < d(candidate, base).
    let alpha: Float
    /// Reports progress as vectors done (estimated from the work done).
    let progress: WorkProgress?
    /// Sets up to this size are searched whole (one cluster).
    static var wholeSetLimit: Int { 4096 }

    /// Links level 0 over every node.
    func buildLevelZero() throws {
        try buildLevel(Array(0..<UInt32(g.count)), level: 0, capacity: 2 * m)
    }

    /// Links `nodes` (ascending ids) at `level`.
    func buildLevel(_ nodes: [UInt32], level: Int, capacity: Int) throws {
        let n = nodes.count
        guard n > 1 else {
            if let node = nodes.first, let (block, _) = g.linkBlock(node, level: level) { block[0] = 0 }
            return
        }
        let contiguous = nodes.last! == UInt32(n - 1)  // level 0: every node, in order
        let data = contiguous
            ? VectorMatrix(base: g.vectors, count: n, dimension: dimension, owner: nil)
            : gather(nodes)
        let lists = CandidateLists(nodes: n, capacity: min(candidates, n - 1))
        let bridges = CandidateLists(nodes: n, capacity: max(1, probes - 1))
        defer {
            lists.deallocate()
            bridges.deallocate()
        }
        let trace = PhaseTrace("level \(level) (\(n) nodes)")
        let order = try findCandidates(data, lists: lists, bridges: bridges, nodes: nodes)
        trace.mark("candidates")
        let forward = ForwardEdges(nodes: n, capacity: capacity)
        defer { forward.deallocate() }
        selectForward(lists, bridges: bridges, forward: forward, nodes: nodes, capacity: capacity, order: order)
        trace.mark("forward")
        mergeReverse(forward, nodes: nodes, level: level, capacity: capacity, order: order)
        trace.mark("reverse")
    }

    private func gather(_ nodes: [UInt32]) -> VectorMatrix {
        let buffer = AlignedBuffer<Float>(capacity: nodes.count * dimension)
        for (i, node) in nodes.enumerated() {
            (buffer.base + i * dimension).update(from: g.vector(node, dimension), count: dimension)
        }
        return VectorMatrix(base: buffer.base, count: nodes.count, dimension: dimension, owner: buffer)
    }

    // MARK: exact candidates through sgemm

    /// Fills `lists[i]` with the nearest other positions of position i
    /// (candidate ids are node ids). Returns the positions grouped by
    /// cluster: processing nodes in that order keeps the vectors their
    /// candidates share in cache (the later phases are memory-bound).
    ///
    /// `bridges[i]` gets, from each other cluster position i probes, the
    /// nearest member: candidates beyond the k nearest that point towards
    /// neighbouring clusters. Exact k-NN lists alone leave well-separated
    /// clusters as islands at level 0; insertion-built HNSW graphs get such
    /// long links from their early, sparse phase.
    private func findCandidates(_ data: VectorMatrix, lists: CandidateLists, bridges: CandidateLists,
                                nodes: [UInt32]) throws -> [Int32] {
        let n = data.count
        var members: [[Int32]], secondary: [[Int32]]
        if n <= Self.wholeSetLimit {
            members = [Array(0..<Int32(n))]
            secondary = [[]]
        } else {
            let k = Int(Double(n).squareRoot())
            let trace = PhaseTrace("k-means")
            let clusters = try KMeans(data, k: k, iterations: 4, probes: probes, seed: seed, threads: workers)
            trace.mark("\(k) centroids")
            members = Array(repeating: [], count: clusters.centroids.count)
            secondary = members
            for i in 0..<n {
                members[Int(clusters.assignments[i])].append(Int32(i))
                for p in 1..<clusters.probes { secondary[Int(clusters.probeLists[i * clusters.probes + p])].append(Int32(i)) }
            }
        }
        // Two passes: every node first scans its own cluster, which fills its
        // heap with near candidates, so in the second pass (the other probed
        // clusters) most products fail the heap's bound at one compare.
        scanClusters(data, members: members, queries: members, lists: lists, bridges: nil, nodes: nodes)
        scanClusters(data, members: members, queries: secondary, lists: lists, bridges: bridges, nodes: nodes)
        return members.flatMap { $0 }
    }

    private func scanClusters(_ data: VectorMatrix, members: [[Int32]], queries: [[Int32]],
                              lists: CandidateLists, bridges: CandidateLists?, nodes: [UInt32]) {
        // Largest work first, for balance.
        let order = members.indices.filter { !queries[$0].isEmpty }
            .sorted { members[$0].count * queries[$0].count > members[$1].count * queries[$1].count }
        let next = Atomic<Int>(0)
        let shared = UnsafeSendable((self, data, lists, nodes, members, queries, order))
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let (builder, data, lists, nodes, members, queries, order) = shared.value
                let scratch = SgemmScratch(dimension: builder.dimension)
                nodes.withUnsafeBufferPointer { nodeIDs in
                    while true {
                        let i = next.add(1, ordering: .relaxed).oldValue
                        if i >= order.count { break }
                        let c = order[i]
                        members[c].withUnsafeBufferPointer { m in
                            queries[c].withUnsafeBufferPointer { q in
                                builder.scanCluster(data, members: m, queries: q, lists: lists, bridges: bridges,
                                                    nodes: nodeIDs.baseAddress!, scratch: scratch)
                            }
                            builder.progress?.advance(queries[c].count)
                        }
                    }
                }
            }
        }
    }

    /// Exact distances from every node probing a cluster to its members,
    /// offered to each probing node's candidate heap.
    private func scanCluster(_ data: VectorMatrix, members: UnsafeBufferPointer<Int32>, queries: UnsafeBufferPointer<Int32>,
                             lists: CandidateLists, bridges: CandidateLists?, nodes: UnsafePointer<UInt32>,
                             scratch: SgemmScratch) {
        let d = dimension
        var b0 = 0
        while b0 < members.count {
            let cols = min(SgemmScratch.baseColumns, members.count - b0)
            for j in 0..<cols {
                let pos = Int(members[b0 + j])
                (scratch.b.base + j * d).update(from: data.base + pos * d, count: d)
                scratch.memberNodes[j] = nodes[pos]
                scratch.memberNorms[j] = metric == .l2 ? norms[Int(nodes[pos])] : 0
            }
            var q0 = 0
            while q0 < queries.count {
                let rows = min(SgemmScratch.queryRows, queries.count - q0)
                for r in 0..<rows {
                    (scratch.q + r * d).update(from: data.base + Int(queries[q0 + r]) * d, count: d)
                }
                BLAS.multiplyTransposed(scratch.q, rows: rows, scratch.b.base, rows: cols, depth: d, into: scratch.products)
                for r in 0..<rows {
                    let pos = Int(queries[q0 + r])
                    offerRow(scratch.products + r * cols, count: cols, position: pos, node: nodes[pos],
                             lists: lists, bridges: bridges, scratch: scratch)
                }
                q0 += rows
            }
            b0 += cols
        }
    }

    /// Offers one row of products to the heap of the node at `position`
    /// (and its nearest member to `bridges`). Shaped for speed: the row is
    /// turned into distances in place with SIMD, then scanned 16 at a time
    /// against the heap's bound; most blocks of 16 fail at one vector
    /// compare, and only the survivors take the scalar path.
    @inline(__always)
    private func offerRow(_ row: UnsafeMutablePointer<Float>, count cols: Int, position pos: Int, node: UInt32,
                          lists: CandidateLists, bridges: CandidateLists?, scratch: SgemmScratch) {
        let ids = scratch.memberNodes
        toDistances(row, count: cols, queryNorm: metric == .l2 ? norms[Int(node)] : 0, memberNorms: scratch.memberNorms)
        let lock = locks + Int(node)
        soch_spin_lock(lock)
        defer { soch_spin_unlock(lock) }
        var bound = lists.bound(pos)
        var nearest = Float.infinity, nearestID = node
        let tracking = bridges != nil
        let raw = UnsafeRawPointer(row)
        var j = 0
        while j < cols {
            let width = min(16, cols - j)
            if width == 16 {
                let v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                let limit = tracking ? max(bound, nearest) : bound
                if !any(v .< SIMD16(repeating: limit)) {
                    j += 16
                    continue
                }
            }
            for l in j..<j + width where ids[l] != node {
                let dist = row[l]
                if dist < bound {
                    lists.offer(pos, dist, ids[l])
                    bound = lists.bound(pos)
                }
                if dist < nearest {
                    nearest = dist
                    nearestID = ids[l]
                }
            }
            j += width
        }
        if let bridges, nearestID != node { bridges.offer(pos, nearest, nearestID) }
    }

    /// Products → distances, in place: max(0, ‖q‖² + ‖b‖² − 2p) for L2, 1 − p otherwise.
    @inline(__always)
    private func toDistances(_ row: UnsafeMutablePointer<Float>, count cols: Int, queryNorm qn: Float,
                             memberNorms bn: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(row), braw = UnsafeRawPointer(bn)
        var j = 0
        if metric == .l2 {
            let q = SIMD16<Float>(repeating: qn), zero = SIMD16<Float>()
            while j + 16 <= cols {
                let p = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                let b = braw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                raw.storeBytes(of: pointwiseMax(zero, q + b - 2 * p), toByteOffset: j * 4, as: SIMD16<Float>.self)
                j += 16
            }
            while j < cols {
                row[j] = max(0, qn + bn[j] - 2 * row[j])
                j += 1
            }
        } else {
            let one = SIMD16<Float>(repeating: 1)
            while j + 16 <= cols {
                let p = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                raw.storeBytes(of: one - p, toByteOffset: j * 4, as: SIMD16<Float>.self)
                j += 16
            }
            while j < cols {
                row[j] = 1 - row[j]
                j += 1
            }
        }
    }
}

/// Turns units of work done into "vectors done" for a progress callback:
/// `total` units correspond to `vectors` vectors. Thread-safe; reports at
/// most once per 1,000 vectors.
final class WorkProgress: Sendable {
    private let done = Atomic<Int>(0)
    let total: Int
    let vectors: Int
    let report: @Sendable (Int, Int) -> Void

    init(total: Int, vectors: Int, report: @escaping @Sendable (Int, Int) -> Void) {
        self.total = max(total, 1)
        self.vectors = vectors
        self.report = report
    }

    func advance(_ units: Int) {
        let now = done.add(units, ordering: .relaxed).newValue
        let before = vectors * (now - units) / total, after = min(vectors, vectors * now / total)
        if after / 1000 != before / 1000 || now >= total { report(after, vectors) }
    }
}

/// Per-worker buffers for the sgemm blocks.
final class SgemmScratch: @unchecked Sendable {
    static let queryRows = 256, baseColumns = 2048
    let q: UnsafeMutablePointer<Float>
    let b: AlignedBuffer<Float>
    let products: UnsafeMutablePointer<Float>
    /// Node ids and squared norms of the base block's rows.
    let memberNodes: UnsafeMutablePointer<UInt32>
    let memberNorms: UnsafeMutablePointer<Float>
    init(dimension: Int) {
        q = .allocate(capacity: Self.queryRows * dimension)
        b = AlignedBuffer(capacity: Self.baseColumns * dimension)
        products = .allocate(capacity: Self.queryRows * Self.baseColumns)
        memberNodes = .allocate(capacity: Self.baseColumns)
        memberNorms = .allocate(capacity: Self.baseColumns)
    }
    deinit {
        q.deallocate()
        products.deallocate()
        memberNodes.deallocate()
        memberNorms.deallocate()
    }
}
