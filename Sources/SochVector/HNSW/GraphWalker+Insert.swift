import CSochSupport

// Insertion of one node (Malkov & Yashunin, algorithm 1, as hnswlib does it,
// with three changes): descend to the node's level (with the level-1 beam of
// `descend`), then on each level from there to 0 search with efConstruction
// and keep M neighbours chosen by the heuristic (on level 0 with an α fill);
// then, level 0 first, link both ways and re-prune a neighbour whose list
// overflows.
extension GraphWalker {
    /// The neighbour-selection heuristic (algorithm 4 without extension or
    /// kept pruned links): scanning `candidates` nearest first, keep one only
    /// if it is closer to the base than to every one already kept. With
    /// `alpha` > 1, a second pass fills the room left with candidates that
    /// pass the relaxed test α·d(c, kept) ≥ d(c, base), as the batched build
    /// does (see `BatchedConstruction.select`). Writes at most `m` into `out`
    /// and returns how many. `candidates` must be sorted ascending by
    /// distance to the base. Fewer than `m` are all kept.
    func selectNeighbors(_ candidates: UnsafeMutablePointer<Candidate>, count n: Int, m: Int,
                         into out: UnsafeMutablePointer<Candidate>, alpha: Float = 1) -> Int {
        if n <= m {
            out.update(from: candidates, count: n)
            return n
        }
        // The second pass skips what the first kept; with one pass (every
        // re-prune of a full list) there is nothing to mark.
        let passes = alpha > 1 ? 2 : 1
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: passes > 1 ? n : 0) { taken in
            taken.initialize(repeating: false)
            var kept = 0
            for pass in 0..<passes {
                let factor: Float = pass == 0 ? 1 : alpha
                for i in 0..<n where pass == 0 || !taken[i] {
                    let c = candidates[i]
                    let vc = g.vector(c.id, dimension)
                    var good = true
                    for j in 0..<kept where factor * K.distance(vc, g.vector(out[j].id, dimension), dimension) < c.distance {
                        good = false
                        break
                    }
                    if good {
                        out[kept] = c
                        if passes > 1 { taken[i] = true }
                        kept &+= 1
                        if kept == m { return kept }
                    }
                }
            }
            return kept
        }
    }

    /// Inserts `node` (its vector, level and upper-link offset already set)
    /// into the graph whose entry point and top level are `entry`/`top`, on
    /// levels `lowestLevel`…`level` (a batched build links level 0 itself).
    /// Requires `locks`. `guaranteeInLink` (small adds, which no
    /// reachability repair follows): see ``ensureInLink(_:from:_:)``; the
    /// node is also kept out of its own neighbour lists when re-inserted.
    func insert(_ node: UInt32, level: Int, entry: UInt32, top: Int, m: Int, efConstruction: Int,
                lowestLevel: Int = 0, guaranteeInLink: Bool = false, alpha: Float = 1, ctx: SearchContext) {
        let q = UnsafePointer(g.vector(node, dimension))
        // The descent leaves its entry points in ctx; each later level
        // starts from the nearest node found on the level above.
        descend(q, from: entry, top: top, to: level, beam: Self.upperBeam(ef: efConstruction), ctx: ctx)
        // Neighbours are chosen top-down (each level's search starts from
        // the level above) but published bottom-up: a node must not be
        // reachable on an upper level before it has level-0 links, or a
        // concurrent insert descending through it finds a dead end on level
        // 0 and links only to it (measured under CPU load: up to 17 of
        // 3,000 vectors of a parallel build then missed themselves).
        var upper: [(level: Int, neighbours: [Candidate])] = []
        var kept0: Int? = nil
        var l = min(level, top)
        while l >= lowestLevel {
            searchLayer(q, ef: efConstruction, level: l, ctx: ctx, filter: AllowAll(), skipDeleted: false)
            ctx.reserveSorted(ctx.results.count)
            var found = ctx.results.drainAscending(into: ctx.sorted)
            // In a small add a node can be re-inserted, and then finds
            // itself: never link to itself, nor walk on from itself. (Bulk
            // adds keep hnswlib's behaviour: measured, excluding the node
            // there too made a 2,000-vector build's self-recall flaky.)
            if guaranteeInLink, let selfAt = (0..<found).first(where: { ctx.sorted[$0].id == node }) {
                (ctx.sorted + selfAt).update(from: ctx.sorted + selfAt + 1, count: found - selfAt - 1)
                found -= 1
                if found == 0 { l -= 1; continue }
            }
            ctx.setEntry(ctx.sorted[0].id, ctx.sorted[0].distance)
            // Level 0 is where outliers starve: the plain heuristic leaves a
            // node far from its neighbours 1–3 links. Measured on 8,000
            // inserts into a 12,000 × 128 clustered graph (16 level seeds,
            // level-1 beam on): 4–7 stored vectors then missed themselves
            // with α = 1, none with α = 1.1 (DiskANN's fill, as the batched
            // build); on fashion-mnist an incremental build's recall@10 at
            // ef 10 rose from 0.928 to 0.947.
            let kept = selectNeighbors(ctx.sorted, count: found, m: m, into: ctx.selected, alpha: l == 0 ? alpha : 1)
            if l == 0 {
                kept0 = kept
            } else {
                upper.append((l, Array(UnsafeBufferPointer(start: ctx.selected, count: kept))))
            }
            l -= 1
        }
        if let kept0 {
            publish(node, level: 0, ctx.selected, kept0, ctx: ctx)
            if guaranteeInLink && kept0 > 0 { ensureInLink(node, from: ctx.selected, kept0) }
        }
        for (l, neighbours) in upper.reversed() {
            neighbours.withUnsafeBufferPointer { publish(node, level: l, $0.baseAddress!, $0.count, ctx: ctx) }
        }
    }

    /// Sets `node`'s links on `level` to `neighbours[0..<n]`, then offers
    /// each of them the link back.
    private func publish(_ node: UInt32, level: Int, _ neighbours: UnsafePointer<Candidate>, _ n: Int,
                         ctx: SearchContext) {
        setLinks(node, level: level, neighbours, n)
        let capacity = level == 0 ? g.m0 : g.m
        for i in 0..<n {
            link(neighbours[i].id, to: node, distance: neighbours[i].distance, level: level, capacity: capacity, ctx: ctx)
        }
    }

    /// When every neighbour's re-pruning dropped its link back to `node`, no
    /// search can reach it on level 0 (measured: ~0.2% of inserts). Then one
    /// neighbour takes it: the nearest with a free slot, else the nearest
    /// that can give up a link `node` itself links to (that target stays
    /// reachable through `node`). A neighbour's other links are never
    /// dropped: its farthest ones are the long links routing depends on.
    /// If neither exists the node waits for the reachability repair.
    func ensureInLink(_ node: UInt32, from neighbours: UnsafeMutablePointer<Candidate>, _ n: Int) {
        for i in 0..<n where links(of: neighbours[i].id, contain: node) { return }
        guard let (own, ownCap) = g.linkBlock(node, level: 0) else { return }
        soch_spin_lock(locks! + Int(node))
        let ownLinks = Array(UnsafeBufferPointer(start: own + 1, count: min(Int(own[0]), ownCap)))
        soch_spin_unlock(locks! + Int(node))
        for pass in 0..<2 {
            for i in 0..<n {
                let from = neighbours[i].id
                guard let (block, cap) = g.linkBlock(from, level: 0) else { continue }
                soch_spin_lock(locks! + Int(from))
                let count = min(Int(block[0]), cap)
                if pass == 0 && count < cap {
                    block[1 + count] = node
                    block[0] = UInt32(count + 1)
                    soch_spin_unlock(locks! + Int(from))
                    return
                }
                if pass == 1, let j = (0..<count).first(where: { ownLinks.contains(block[1 + $0]) }) {
                    block[1 + j] = node
                    soch_spin_unlock(locks! + Int(from))
                    return
                }
                soch_spin_unlock(locks! + Int(from))
            }
        }
    }

    private func links(of from: UInt32, contain node: UInt32) -> Bool {
        guard let (block, cap) = g.linkBlock(from, level: 0) else { return false }
        soch_spin_lock(locks! + Int(from))
        defer { soch_spin_unlock(locks! + Int(from)) }
        for j in 0..<min(Int(block[0]), cap) where block[1 + j] == node { return true }
        return false
    }

    func setLinks(_ node: UInt32, level: Int, _ items: UnsafePointer<Candidate>, _ n: Int) {
        guard let (block, capacity) = g.linkBlock(node, level: level) else { return }
        soch_spin_lock(locks! + Int(node))
        let k = min(n, capacity)
        for i in 0..<k { block[1 + i] = items[i].id }
        block[0] = UInt32(k)
        soch_spin_unlock(locks! + Int(node))
    }

    /// Adds the reverse link `from → to`; when `from`'s list is full, re-selects
    /// among its links plus `to` with the heuristic.
    func link(_ from: UInt32, to: UInt32, distance d: Float, level: Int, capacity: Int, ctx: SearchContext) {
        guard let (block, cap) = g.linkBlock(from, level: level) else { return }
        soch_spin_lock(locks! + Int(from))
        defer { soch_spin_unlock(locks! + Int(from)) }
        let n = min(Int(block[0]), cap)
        for i in 0..<n where block[1 + i] == to { return }
        if n < capacity {
            block[1 + n] = to
            block[0] = UInt32(n + 1)
            return
        }
        let base = g.vector(from, dimension)
        let c = ctx.prune
        c[0] = Candidate(distance: d, id: to)
        var total = 1
        for i in 0..<n {
            let id = block[1 + i]
            guard Int(id) < g.count else { continue }  // damaged input file
            c[total] = Candidate(distance: K.distance(base, g.vector(id, dimension), dimension), id: id)
            total += 1
        }
        sortAscending(c, total)
        let kept = selectNeighbors(c, count: total, m: capacity, into: ctx.pruneOut)
        for i in 0..<kept { block[1 + i] = ctx.pruneOut[i].id }
        block[0] = UInt32(kept)
    }
}

/// Insertion sort by (distance, id): lists here hold at most 2·M + 1 items.

func sortAscending(_ c: UnsafeMutablePointer<Candidate>, _ n: Int) {
    var i = 1
    while i < n {
        let x = c[i]
        var j = i
        while j > 0 && (c[j - 1].distance > x.distance || (c[j - 1].distance == x.distance && c[j - 1].id > x.id)) {
            c[j] = c[j - 1]
            j -= 1
        }
        c[j] = x
        i += 1
    }
}
