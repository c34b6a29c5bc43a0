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

// The graph walk: greedy descent on the upper levels and the ef-bounded
// best-first search of one level. Long functions on purpose: this is the hot
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

    /// Greedy descent from `entry` on levels `top` down to `level + 1`:
    /// returns the node reached and its distance to `q`.
    func descend(_ q: UnsafePointer<Float>, from entry: UInt32, top: Int, to level: Int,
                 ctx: SearchContext) -> (UInt32, Float) {
        var node = entry
        var d = distance(q, node)
        var l = top
        while l > level {
            greedy(q, from: &node, distance: &d, level: l, ctx: ctx)
            l -= 1
        }
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

    /// Best-first search of `level` from `entry`, keeping the `ef` closest
    /// accepted nodes in `ctx.results` (a max-heap). Nodes rejected by
    /// `filter` or deleted (when `skipDeleted`) are expanded but not kept.
    func searchLayer<F: NodeFilter>(_ q: UnsafePointer<Float>, entry: UInt32, entryDistance: Float,
                                    ef: Int, level: Int, ctx: SearchContext,
                                    filter: F, skipDeleted: Bool) {
        ctx.visited.reset(nodeCount: g.count)
        ctx.results.removeAll()
        ctx.candidates.removeAll()
        _ = ctx.visited.insert(entry)
        ctx.candidates.push(-entryDistance, entry)
        var bound = Float.infinity
        if filter.allows(entry) && !(skipDeleted && g.isDeleted(entry)) {
            ctx.results.push(entryDistance, entry)
            bound = entryDistance
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
