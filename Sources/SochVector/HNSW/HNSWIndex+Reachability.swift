extension HNSWIndex {
    /// Makes every node reachable from the entry point on level 0.
    ///
    /// HNSW construction can leave a few nodes (about 0.2% in our tests)
    /// whose every in-link was pruned away: no search can return them. After
    /// a bulk build, each such node is linked from the nearest node the
    /// graph already reaches (found by an ordinary level-0 search), through
    /// the usual heuristic or, if the heuristic drops it, in place of that
    /// node's farthest link. Returns how many nodes were linked. Write lock
    /// held; O(N · M0) plus one search per unreachable node.
    @discardableResult
    func repairReachability() -> Int {
        guard layout.count > 1, entryPoint != GraphLayout.noNode else { return 0 }
        // A replaced link can cut off another node, so repeat until a pass
        // finds nothing (in practice the second pass finds at most a few).
        var total = 0
        for _ in 0..<4 {
            let linked = metric == .l2 ? repair(L2Kernel.self) : repair(DotKernel.self)
            total += linked
            if linked == 0 { break }
        }
        return total
    }

    private func repair<K: DistanceKernel>(_: K.Type) -> Int {
        let g = layout, n = g.count
        let walker = GraphWalker<K>(layout: g, dimension: dimension, locks: nodeLocks.base)
        var reached = [Bool](repeating: false, count: n)
        var stack: [UInt32] = []
        func mark(from start: UInt32) {
            guard !reached[Int(start)] else { return }
            reached[Int(start)] = true
            stack.append(start)
            while let node = stack.popLast() {
                let (block, capacity) = g.linkBlock(node, level: 0)!
                for i in 0..<min(Int(block[0]), capacity) {
                    let next = block[1 + i]
                    if Int(next) < n && !reached[Int(next)] {
                        reached[Int(next)] = true
                        stack.append(next)
                    }
                }
            }
        }
        mark(from: entryPoint)
        var repaired = 0
        contexts.withContext(nodeCount: n, ef: parameters.efConstruction) { ctx in
            for x in 0..<UInt32(n) where !reached[Int(x)] {
                let q = UnsafePointer(g.vector(x, dimension))
                let ef = parameters.efConstruction
                walker.descend(q, from: entryPoint, top: maxLevel, to: 0, beam: GraphWalker<K>.upperBeam(ef: ef), ctx: ctx)
                walker.searchLayer(q, ef: ef, level: 0, ctx: ctx, filter: AllowAll(), skipDeleted: false)
                ctx.reserveSorted(ctx.results.count)
                let found = ctx.results.drainAscending(into: ctx.sorted)
                let near = (0..<found).map { ctx.sorted[$0] }.filter { $0.id != x && reached[Int($0.id)] }
                guard let nearest = near.first else { continue }
                // Prefer a near node with a free slot: appending cuts nothing off.
                if let free = near.prefix(8).first(where: { Int(g.linkBlock($0.id, level: 0)!.0[0]) < parameters.m0 }) {
                    let (block, _) = g.linkBlock(free.id, level: 0)!
                    block[1 + Int(block[0])] = x
                    block[0] += 1
                    repaired += 1
                    mark(from: x)
                    continue
                }
                let from = nearest
                walker.link(from.id, to: x, distance: from.distance, level: 0, capacity: parameters.m0, ctx: ctx)
                let (block, capacity) = g.linkBlock(from.id, level: 0)!
                let count = min(Int(block[0]), capacity)
                if !(0..<count).contains(where: { block[1 + $0] == x }) {
                    // Replace the farthest link of `from`.
                    let base = g.vector(from.id, dimension)
                    let far = (0..<count).max { K.distance(base, g.vector(block[1 + $0], dimension), dimension)
                        < K.distance(base, g.vector(block[1 + $1], dimension), dimension) }
                    if let far { block[1 + far] = x } else { block[1] = x; block[0] = 1 }
                }
                repaired += 1
                mark(from: x)
            }
        }
        return repaired
    }
}

extension HNSWIndex {
    /// Links the nodes no search can reach (see `repairReachability`):
    /// for callers that grow an index in many small `add`s, each too small
    /// to trigger the repair a bulk add runs. Takes the write lock; O(N · M0)
    /// plus one search per unreachable node. Returns how many were linked.
    @discardableResult
    public func linkUnreachableNodes() -> Int {
        rwLock.write {
            if owned == nil { ensureOwned(capacity: layout.count, upperCapacity: layout.upperLength) }
            return repairReachability()
        }
    }
}
