import CSochSupport

/// Decides which nodes may appear in results. The walk still passes through
/// nodes a filter rejects (they keep the graph connected); they just never
/// enter the result heap. Specialised per filter type, so the unfiltered walk
/// pays nothing.

protocol NodeFilter {
    func allows(_ node: UInt32) -> Bool
}


struct AllowAll: NodeFilter {
    @inline(__always) func allows(_ node: UInt32) -> Bool { true }
}

// The graph walk: descent through the upper levels (greedy, with a small beam
// on level 1) and the ef-bounded best-first search of one level. Long functions on purpose: this is the hot
// loop of both search and construction, kept in one place with the kernel
// and the filter inlined (generic parameters), the layout in a local, and
// prefetch of the next neighbour's vector while the current one is scored.
//
// `locks` is non-nil during construction: each link list is then copied
// under its node's spin lock before it is followed, because other threads
// rewrite lists concurrently. A read-only search passes nil and reads links
// in place.

struct GraphWalker<K: DistanceKernel> {
    let g: GraphLayout
    let dimension: Int
    let locks: UnsafeMutablePointer<UInt8>?

    init(layout: GraphLayout, dimension: Int, locks: UnsafeMutablePointer<UInt8>?) {
        g = layout
        self.dimension = dimension
        self.locks = locks
    }

    @inline(__always)
    func distance(_ q: UnsafePointer<Float>, _ node: UInt32) -> Float {
        K.distance(q, g.vector(node, dimension), dimension)
    }

    /// Prefetches every cache line of `node`'s vector but the first (which
    /// the caller prefetched earlier). Measured on fashion-mnist-784: the
    /// whole vector beats the first 1–16 lines by 5–30% (Benchmarks/).
    @inline(__always)
    func prefetchVector(_ node: UInt32) {
        let v = UnsafeRawPointer(g.vector(node, dimension))
        var offset = 64
        let bytes = dimension &* 4
        while offset < bytes {
            soch_prefetch(v + offset)
            offset &+= 64
        }
    }

    /// The links of `node` at `level` as (pointer, count), copied into
    /// `scratch` when locking. Count is clamped to the block's capacity.
    @inline(__always)
    func links(_ node: UInt32, level: Int, scratch: UnsafeMutablePointer<UInt32>) -> (UnsafePointer<UInt32>, Int) {
        guard let (block, capacity) = g.linkBlock(node, level: level) else { return (UnsafePointer(scratch), 0) }
        if let locks {
            soch_spin_lock(locks + Int(node))
            let n = min(Int(block[0]), capacity)
            scratch.update(from: block + 1, count: n)
            soch_spin_unlock(locks + Int(node))
            return (UnsafePointer(scratch), n)
        }
        return (UnsafePointer(block + 1), min(Int(block[0]), capacity))
    }

    /// Width of the level-1 beam for a search or an insert of breadth `ef`.
    ///
    /// Greedy descent (ef = 1 on every upper level, as in the paper and
    /// hnswlib) can stop at a local minimum in a neighbouring cluster, and a
    /// level-0 search that starts there may never cross over. Measured on a
    /// set of 64 clusters (128-d; 12,000 vectors built, 8,000 inserted),
    /// over 32 level seeds at ef = 64: with greedy descent up to 49 stored
    /// vectors per graph missed themselves, with a beam of 2 at most 8, of
    /// 4 at most 1; it costs 1–3% of q/s on fashion-mnist at ef ≤ 32 (beam
    /// 2) and ~2–5% at ef = 64 (beam 4). Only level 1 gets a beam: it holds
    /// 1/M of the nodes, the levels above far fewer. Never wider than ef.
    static func upperBeam(ef: Int) -> Int { min(max(ef / 16, 2), SearchContext.maxEntries, ef) }

    /// Descends from `entry` on levels `top` down to `level + 1`: greedily,
    /// except that level 1 (when `level` is 0) is searched with a beam of
    /// `beam`. Leaves the entry points for `level` in `ctx.entries` (the
    /// beam's results, nearest first) and returns the nearest and its
    /// distance to `q`.
    @discardableResult
    func descend(_ q: UnsafePointer<Float>, from entry: UInt32, top: Int, to level: Int,
                 beam: Int, ctx: SearchContext) -> (UInt32, Float) {
        var node = entry
        var d = distance(q, node)
        var l = top
        while l > level {
            if l == 1 && beam > 1 {
                ctx.setEntry(node, d)
                searchLayer(q, ef: beam, level: 1, ctx: ctx, filter: AllowAll(), skipDeleted: false)
                ctx.reserveSorted(ctx.results.count)
                let n = min(ctx.results.drainAscending(into: ctx.sorted), SearchContext.maxEntries)
                ctx.entries.update(from: ctx.sorted, count: n)
                ctx.entryCount = n
                return (ctx.entries[0].id, ctx.entries[0].distance)
            }
            greedy(q, from: &node, distance: &d, level: l, ctx: ctx)
            l -= 1
        }
        ctx.setEntry(node, d)
        return (node, d)
    }

    /// Greedy descent at one upper level: move to the closest neighbour until
    /// none is closer.
    func greedy(_ q: UnsafePointer<Float>, from node: inout UInt32, distance d: inout Float,
                level: Int, ctx: SearchContext) {
        var changed = true
        while changed {
            changed = false
            let (p, n) = links(node, level: level, scratch: ctx.links)
            for i in 0..<n where Int(p[i]) < g.count { soch_prefetch(g.vector(p[i], dimension)) }
            for i in 0..<n {
                let nb = p[i]
                guard Int(nb) < g.count else { continue }
                if i &+ 1 < n && Int(p[i &+ 1]) < g.count { prefetchVector(p[i &+ 1]) }
                let dn = distance(q, nb)
                if dn < d {
                    d = dn
                    node = nb
                    changed = true
                }
            }
        }
    }

    /// Best-first search of `level` from the entry points in `ctx.entries`
    /// (their distances to `q` known), keeping the `ef` closest accepted
    /// nodes in `ctx.results` (a max-heap). Nodes rejected by `filter` or
    /// deleted (when `skipDeleted`) are expanded but not kept.
    func searchLayer<F: NodeFilter>(_ q: UnsafePointer<Float>, ef: Int, level: Int, ctx: SearchContext,
                                    filter: F, skipDeleted: Bool) {
        ctx.visited.reset(nodeCount: g.count)
        ctx.results.removeAll()
        ctx.candidates.removeAll()
        var bound = Float.infinity
        for i in 0..<ctx.entryCount {
            let e = ctx.entries[i]
            guard ctx.visited.insert(e.id) else { continue }
            ctx.candidates.push(-e.distance, e.id)
            if filter.allows(e.id) && !(skipDeleted && g.isDeleted(e.id)) {
                ctx.results.push(e.distance, e.id)
                bound = ctx.results.top.distance
            }
        }
        let count = g.count
        let pending = ctx.pending
        while !ctx.candidates.isEmpty {
            let current = ctx.candidates.top
            if -current.distance > bound && ctx.results.count >= ef { break }
            ctx.candidates.pop()
            let (p, n) = links(current.id, level: level, scratch: ctx.links)
            // First the unvisited neighbours, each vector's first line
            // prefetched; then their distances, with the next vector's
            // remaining lines prefetched while the current one is scored:
            // many cache misses in flight instead of one at a time.
            var m = 0
            for i in 0..<n {
                let nb = p[i]
                guard Int(nb) < count, ctx.visited.insert(nb) else { continue }
                pending[m] = nb
                m &+= 1
                soch_prefetch(g.vector(nb, dimension))
            }
            for j in 0..<m {
                if j &+ 1 < m { prefetchVector(pending[j &+ 1]) }
                let nb = pending[j]
                let d = distance(q, nb)
                if ctx.results.count < ef || d < bound {
                    ctx.candidates.push(-d, nb)
                    if filter.allows(nb) && !(skipDeleted && g.isDeleted(nb)) {
                        if ctx.results.count >= ef {
                            ctx.results.replaceTop(d, nb)
                        } else {
                            ctx.results.push(d, nb)
                        }
                        bound = ctx.results.top.distance
                    }
                }
            }
        }
    }
}
