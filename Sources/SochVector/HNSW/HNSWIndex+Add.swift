import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HNSWIndex {
    /// Builds an index over `vectors`. See ``add(_:ids:threads:progress:)``.
    public static func build(_ vectors: VectorMatrix, metric: Metric = .l2,
                             parameters: HNSWParameters = HNSWParameters(),
                             ids: [Int64]? = nil, threads: Int = 0, construction: ConstructionMethod = .automatic,
                             ordering: VectorOrdering = .none,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> HNSWIndex {
        let index = try HNSWIndex(dimension: vectors.dimension, metric: metric, parameters: parameters)
        index.construction = construction
        try index.add(vectors, ids: ids, threads: threads, ordering: ordering, progress: progress)
        return index
    }

    /// Builds an index over `rows` (all of one dimension).
    public static func build(_ rows: [[Float]], metric: Metric = .l2,
                             parameters: HNSWParameters = HNSWParameters(),
                             ids: [Int64]? = nil, threads: Int = 0) throws -> HNSWIndex {
        guard let first = rows.first else { throw SochVectorError.invalidArgument("no vectors to build from") }
        return try build(VectorMatrix(rows: rows, dimension: first.count), metric: metric,
                         parameters: parameters, ids: ids, threads: threads)
    }

    /// Adds `vectors` with external `ids` (default: the next row numbers).
    ///
    /// Validates everything first (dimension, finite values, non-zero under
    /// cosine, ids unique and new) and throws before changing the index.
    /// Inserts in parallel on `threads` threads (0 = all cores); with one
    /// thread and a fixed seed the result is deterministic. `progress` is
    /// called with (done, total) from worker threads, at most every 1,000
    /// vectors and at the end. Takes the write lock: searches wait.
    /// O(n · efConstruction · log N) distance evaluations.
    ///
    /// `ordering` stores the new vectors grouped by locality (see
    /// ``VectorOrdering``) while ids stay the caller's and the graph is still
    /// linked in the caller's order: inserting sorted data would weaken the
    /// graph's long links.
    public func add(_ vectors: VectorMatrix, ids: [Int64]? = nil, threads: Int = 0,
                    ordering: VectorOrdering = .none,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws {
        guard vectors.dimension == dimension else {
            throw SochVectorError.dimensionMismatch(expected: dimension, actual: vectors.dimension)
        }
        guard threads >= 0 else { throw SochVectorError.invalidArgument("threads must be ≥ 0, got \(threads)") }
        if let ids, ids.count != vectors.count {
            throw SochVectorError.invalidArgument("\(ids.count) ids for \(vectors.count) vectors")
        }
        try vectors.validate(for: metric)
        guard vectors.count > 0 else { return }
        let permutation = try ordering.permutation(of: vectors, seed: parameters.seed, threads: threads)
        try rwLock.write {
            try checkNewIDs(ids, count: vectors.count)
            let wasEmpty = layout.count == 0
            let first = layout.count
            // Row r of the input is stored at position inverse[r]; it is linked in input order.
            var stored = vectors, storedIDs = ids
            var insertionOrder = Array(UInt32(first)..<UInt32(first + vectors.count))
            if ordering != .none {
                stored = vectors.permuted(permutation)
                storedIDs = permutation.map { ids?[$0] ?? Int64(first + $0) }
                for (position, row) in permutation.enumerated() { insertionOrder[row] = UInt32(first + position) }
            }
            _ = appendNodes(stored, ids: storedIDs)
            // A bulk add (≥ 10% of the index) is followed by a reachability
            // repair. For small adds its walk and searches would dominate, so
            // each insert makes sure some neighbour links back to its node,
            // and after a parallel insert (whose inserts can prune each
            // other's fresh back-links after that check) the nodes left
            // without an in-link or starved are re-inserted one at a time.
            let bulk = vectors.count * 10 >= layout.count
            if wasEmpty && construction.usesBatches(count: vectors.count) {
                try buildBatched(insertionOrder, threads: threads, progress: progress)
            } else {
                let parallel = insertNodes(insertionOrder, lowestLevel: 0, threads: threads, guaranteeInLinks: !bulk, progress: progress)
                if parallel && !bulk { reinsertStarved(insertionOrder, first: UInt32(first), bulk: bulk) }
            }
            if bulk {
                let trace = PhaseTrace("reachability")
                let linked = repairReachability()
                trace.mark("\(linked) nodes linked")
            }
        }
    }

    /// Adds rows of one dimension. See ``add(_:ids:threads:progress:)``.
    public func add(_ rows: [[Float]], ids: [Int64]? = nil, threads: Int = 0) throws {
        try add(VectorMatrix(rows: rows, dimension: dimension), ids: ids, threads: threads)
    }

    /// Throws if `ids` repeat or name a node already present. Write lock held.
    private func checkNewIDs(_ ids: [Int64]?, count n: Int) throws {
        guard let ids else {
            // Default ids continue the row numbers; they must not collide.
            if !identityIDs {
                for id in Int64(layout.count)..<Int64(layout.count + n) where internalID(for: id) != nil {
                    throw SochVectorError.invalidArgument("default id \(id) is already used; pass ids explicitly")
                }
            }
            return
        }
        var seen = Set<Int64>(minimumCapacity: ids.count)
        for id in ids {
            guard seen.insert(id).inserted else { throw SochVectorError.invalidArgument("duplicate id \(id)") }
            if layout.count > 0, internalID(for: id) != nil {
                throw SochVectorError.invalidArgument("id \(id) is already in the index")
            }
        }
    }

    /// Copies vectors in (normalised for cosine), draws levels, assigns ids
    /// and upper-link space. Returns the first new node. Write lock held.
    private func appendNodes(_ vectors: VectorMatrix, ids: [Int64]?) -> Int {
        let first = layout.count, n = vectors.count, d = dimension
        var levels = [UInt8](repeating: 0, count: n)
        var upperWords = 0
        let mult = parameters.levelMultiplier
        for i in 0..<n {
            let l = min(Int(-log(random.nextUnitInterval()) * mult), HNSWParameters.maxLevel)
            levels[i] = UInt8(l)
            upperWords += l * (parameters.m + 1)
        }
        ensureOwned(capacity: first + n, upperCapacity: layout.upperLength + upperWords)
        let g = layout
        var upper = g.upperLength
        for i in 0..<n {
            let node = first + i
            let dst = g.vectors + node * d
            vectors.withRow(i) { dst.update(from: $0, count: d) }
            if metric == .cosine { normalize(dst, d) }
            g.levels[node] = levels[i]
            (g.level0 + node * (parameters.m0 + 1)).update(repeating: 0, count: parameters.m0 + 1)
            if levels[i] > 0 {
                g.upperOffsets[node] = UInt32(upper)
                (g.upperLinks + upper).update(repeating: 0, count: Int(levels[i]) * (parameters.m + 1))
                upper += Int(levels[i]) * (parameters.m + 1)
            } else {
                g.upperOffsets[node] = GraphLayout.noNode
            }
            g.externalIDs[node] = ids?[i] ?? Int64(node)
            if let ids, ids[i] != Int64(node) { identityIDs = false }
        }
        layout.count = first + n
        layout.upperLength = upper
        idMap.withLock { $0 = nil }
        return first
    }

    /// Links `nodes` into the graph on levels ≥ `lowestLevel`, in parallel,
    /// in list order (deterministic with one thread). Write lock held.
    @discardableResult
    private func insertNodes(_ nodes: [UInt32], lowestLevel: Int, threads: Int, guaranteeInLinks: Bool = false,
                             progress: (@Sendable (Int, Int) -> Void)?) -> Bool {
        guard let first = nodes.first else { return false }
        var start = 0
        if entryPoint == GraphLayout.noNode {
            entryPoint = first
            maxLevel = Int(layout.levels[Int(first)])
            start = 1
        }
        let total = nodes.count
        let workers = max(1, min(threads == 0 ? HNSWIndex.coreCount : threads, total - start))
        let next = Atomic<Int>(start)
        let done = Atomic<Int>(start)
        let shared = UnsafeSendable((self, nodes))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let (index, nodes) = shared.value
            index.contexts.withContext(nodeCount: index.layout.count, ef: index.parameters.efConstruction) { ctx in
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    if i >= nodes.count { break }
                    index.insertOne(nodes[i], lowestLevel: lowestLevel, guaranteeInLink: guaranteeInLinks, ctx: ctx)
                    let finished = done.add(1, ordering: .relaxed).newValue
                    if let progress, finished % 1000 == 0 || finished == total { progress(finished, total) }
                }
            }
        }
        if start == total { progress?(total, total) }
        return workers > 1
    }

    /// Re-inserts, one at a time, the nodes a parallel insert starved.
    /// (Before nodes were published bottom-up, see `GraphWalker.insert`, a
    /// descent through a half-linked node left inserts linked only to it;
    /// now concurrent inserts can still prune each other's fresh back-links
    /// after the in-link check.) Starved: no level-0 link, or (for an add
    /// small next to the index) links only to nodes of the same batch, or
    /// no in-link.
    /// (A count of links is no test: on fashion-mnist the heuristic keeps
    /// fewer than m/2 for half the nodes.)
    private func reinsertStarved(_ nodes: [UInt32], first: UInt32, bulk: Bool) {
        // Small adds: also any node no link points to (cheaper to find than
        // the repair's walk over the whole graph).
        let orphaned = bulk ? [] : unlinked(nodes)
        let starved = nodes.filter { node in
            if orphaned.contains(node) { return true }
            guard let (block, cap) = layout.linkBlock(node, level: 0) else { return false }
            let n = min(Int(block[0]), cap)
            return n == 0 || (!bulk && (0..<n).allSatisfy { block[1 + $0] >= first })
        }
        guard !starved.isEmpty else { return }
        contexts.withContext(nodeCount: layout.count, ef: parameters.efConstruction) { ctx in
            for node in starved { insertOne(node, lowestLevel: 0, guaranteeInLink: !bulk, ctx: ctx) }
        }
    }

    /// The nodes of `nodes` that no level-0 list of theirs or of their
    /// neighbours links to. Only those lists changed in this add (each
    /// insert linked back from the neighbours it chose), so this finds
    /// every node left without an in-link, and at worst flags one whose
    /// in-link holder has since left its list (re-inserting it is harmless).
    /// O(n · M0²) reads, not O(N · M0).
    private func unlinked(_ nodes: [UInt32]) -> Set<UInt32> {
        var holders = Set(nodes)
        for node in nodes {
            guard let (block, cap) = layout.linkBlock(node, level: 0) else { continue }
            for j in 0..<min(Int(block[0]), cap) where Int(block[1 + j]) < layout.count { holders.insert(block[1 + j]) }
        }
        var targets = Set(nodes)
        for holder in holders {
            guard let (block, cap) = layout.linkBlock(holder, level: 0) else { continue }
            for j in 0..<min(Int(block[0]), cap) { targets.remove(block[1 + j]) }
        }
        targets.remove(entryPoint)
        return targets
    }

    /// Builds the graph of a freshly filled index: the upper levels by
    /// ordinary insertion of the nodes that reach them (about 1/M of all;
    /// their long links are what makes the hierarchy navigable), level 0 at
    /// once from exact candidates (``BatchedConstruction``). Write lock held.
    private func buildBatched(_ insertionOrder: [UInt32], threads: Int, progress: (@Sendable (Int, Int) -> Void)?) throws {
        let workers = max(1, threads == 0 ? HNSWIndex.coreCount : threads)
        let total = layout.count
        let trace = PhaseTrace("batched build")
        let upper = insertionOrder.filter { layout.levels[Int($0)] > 0 }
        if upper.isEmpty {
            entryPoint = insertionOrder[0]
            maxLevel = 0
        } else {
            insertNodes(upper, lowestLevel: 1, threads: threads, progress: nil)
        }
        trace.mark("upper levels (\(upper.count) nodes)")
        // Work units: one per (node, probed cluster) row scanned, three per
        // node for the heuristic (it costs about as much as three probes).
        let units = total * construction.probes + 3 * total
        let report = progress.map { p in WorkProgress(total: units, vectors: total) { done, all in p(done, all) } }
        if metric == .l2 {
            try runBatched(L2Kernel.self, workers: workers, progress: report)
        } else {
            try runBatched(DotKernel.self, workers: workers, progress: report)
        }
    }

    private func runBatched<K: DistanceKernel>(_: K.Type, workers: Int, progress: WorkProgress?) throws {
        let total = layout.count
        // ‖v‖² per node: only L2 takes distances through norms.
        let norms = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        defer { norms.deallocate() }
        if metric == .l2 {
            for i in 0..<total { norms[i] = dotSIMD(layout.vector(UInt32(i), dimension), layout.vector(UInt32(i), dimension), dimension) }
        }
        try BatchedConstruction<K>(
            g: layout, dimension: dimension, metric: metric, m: parameters.m, workers: workers,
            locks: nodeLocks.base, seed: parameters.seed, candidates: construction.candidates(m: parameters.m),
            probes: construction.probes, norms: norms, alpha: construction.alpha, progress: progress).buildLevelZero()
    }

    /// Inserts one node whose sections are filled in. Safe to call from
    /// several threads at once while the write lock is held by `add`.
    private func insertOne(_ node: UInt32, lowestLevel: Int, guaranteeInLink: Bool, ctx: SearchContext) {
        let level = Int(layout.levels[Int(node)])
        var (entry, top) = entryLock.withLock { _ in (entryPoint, maxLevel) }
        var raising = false
        if level > top {
            levelRaiseLock.lock()
            (entry, top) = entryLock.withLock { _ in (entryPoint, maxLevel) }
            raising = level > top
            if !raising { levelRaiseLock.unlock() }
        }
        if metric == .l2 {
            GraphWalker<L2Kernel>(layout: layout, dimension: dimension, locks: nodeLocks.base)
                .insert(node, level: level, entry: entry, top: top, m: parameters.m,
                        efConstruction: parameters.efConstruction, lowestLevel: lowestLevel,
                        guaranteeInLink: guaranteeInLink, alpha: construction.alpha, ctx: ctx)
        } else {
            GraphWalker<DotKernel>(layout: layout, dimension: dimension, locks: nodeLocks.base)
                .insert(node, level: level, entry: entry, top: top, m: parameters.m,
                        efConstruction: parameters.efConstruction, lowestLevel: lowestLevel,
                        guaranteeInLink: guaranteeInLink, alpha: construction.alpha, ctx: ctx)
        }
        if raising {
            entryLock.withLock { _ in
                entryPoint = node
                maxLevel = level
            }
            levelRaiseLock.unlock()
        }
    }

    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// Scales `v` to unit length (callers have rejected zero vectors).
@inline(__always)
func normalize(_ v: UnsafeMutablePointer<Float>, _ n: Int) {
    let norm = dotSIMD(v, v, n).squareRoot()
    guard norm > 0 else { return }
    let inv = 1 / norm
    for i in 0..<n { v[i] *= inv }
}

/// Carries a non-Sendable reference into a concurrentPerform body whose
/// synchronisation is managed by hand (documented at each use).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
