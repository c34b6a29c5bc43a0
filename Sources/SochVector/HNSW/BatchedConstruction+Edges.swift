import Dispatch
import Synchronization

/// The forward edges of one level: up to `capacity` (distance, node) per
/// position, nearest first. Same storage as the candidate heaps, used as
/// plain lists.
typealias ForwardEdges = CandidateLists

extension CandidateLists {
    func edges(_ pos: Int) -> UnsafeMutableBufferPointer<Candidate> {
        UnsafeMutableBufferPointer(start: items + pos * capacity, count: Int(counts[pos]))
    }
}

extension BatchedConstruction {
    /// Runs `body(position)` for every position in `order` on the workers,
    /// in chunks of consecutive entries.
    func parallelPositions(_ order: [Int32], _ body: @escaping (Int, inout [Candidate]) -> Void) {
        let next = Atomic<Int>(0)
        let work = UnsafeSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var scratch: [Candidate] = []
            scratch.reserveCapacity(256)
            while true {
                let start = next.add(32, ordering: .relaxed).oldValue
                if start >= order.count { break }
                for i in start..<min(start + 32, order.count) { work.value(Int(order[i]), &scratch) }
            }
        }
    }

    /// The neighbour-selection heuristic of ``GraphWalker/selectNeighbors``
    /// with L2 taken through the stored norms (‖a‖² + ‖b‖² − 2a·b, one FMA
    /// per component); the same decisions up to float rounding.
    ///
    /// Two passes, as in DiskANN: the first is HNSW's heuristic (α = 1),
    /// which keeps the diverse directions, bridges to other clusters among
    /// them; if room is left, a second pass admits candidates that pass the
    /// relaxed test α·d(c, kept) ≥ d(c, base). A single relaxed pass would
    /// fill the list with the nearest candidates and crowd the bridges out
    /// (measured: clusters of a hard synthetic set became islands).
    func select(_ candidates: UnsafeMutablePointer<Candidate>, count n: Int, m: Int,
                into out: UnsafeMutablePointer<Candidate>) -> Int {
        if n <= m {
            out.update(from: candidates, count: n)
            return n
        }
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: n) { taken in
            taken.initialize(repeating: false)
            var kept = 0
            for factor in alpha > 1 ? [Float(1), alpha] : [Float(1)] {
                for i in 0..<n where !taken[i] {
                    if kept == m { return kept }
                    if admits(candidates[i], against: out, kept, factor: factor) {
                        out[kept] = candidates[i]
                        taken[i] = true
                        kept += 1
                    }
                }
            }
            return kept
        }
    }

    /// Whether `c` is no farther from the base than `factor` times its
    /// distance to every node in `kept[0..<count]`.
    @inline(__always)
    private func admits(_ c: Candidate, against kept: UnsafeMutablePointer<Candidate>, _ count: Int, factor: Float) -> Bool {
        let d = dimension
        let vc = g.vector(c.id, d)
        let nc = metric == .l2 ? norms[Int(c.id)] : 0
        for j in 0..<count {
            let o = kept[j].id
            let dot = dotSIMD(vc, g.vector(o, d), d)
            let between = metric == .l2 ? nc + norms[Int(o)] - 2 * dot : 1 - dot
            if factor * between < c.distance { return false }
        }
        return true
    }

    /// Step 3: the heuristic cuts each candidate list to `capacity`.
    /// The candidates are the k nearest plus the bridges not among them.
    func selectForward(_ lists: CandidateLists, bridges: CandidateLists, forward: ForwardEdges, nodes: [UInt32],
                       capacity: Int, order: [Int32]) {
        parallelPositions(order) { pos, union in
            let near = lists.sorted(pos)
            union.removeAll(keepingCapacity: true)
            union.append(contentsOf: near)
            for b in bridges.sorted(pos) where !near.contains(where: { $0.id == b.id }) { union.append(b) }
            union.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
            let kept = union.withUnsafeMutableBufferPointer {
                select($0.baseAddress!, count: $0.count, m: capacity, into: forward.items + pos * capacity)
            }
            forward.counts[pos] = Int32(kept)
            progress?.advance(3)
        }
    }

    /// Position of each node of this level (`UInt32.max` for other nodes).
    func positions(_ nodes: [UInt32]) -> [UInt32] {
        var p = [UInt32](repeating: .max, count: g.count)
        for (i, node) in nodes.enumerated() { p[Int(node)] = UInt32(i) }
        return p
    }

    /// Step 4: every forward edge p→q is offered to q as q→p; each node's
    /// forward ∪ reverse set is cut by the heuristic and written to the graph.
    func mergeReverse(_ forward: ForwardEdges, nodes: [UInt32], level: Int, capacity: Int, order: [Int32]) {
        let n = nodes.count
        let position = positions(nodes)
        var start = [Int](repeating: 0, count: n + 1)
        for p in 0..<n {
            for e in forward.edges(p) { start[Int(position[Int(e.id)]) + 1] += 1 }
        }
        for i in 0..<n { start[i + 1] += start[i] }
        var reverse = [Candidate](repeating: Candidate(distance: 0, id: 0), count: start[n])
        var fill = start
        for p in 0..<n {
            for e in forward.edges(p) {
                let q = Int(position[Int(e.id)])
                reverse[fill[q]] = Candidate(distance: e.distance, id: nodes[p])
                fill[q] += 1
            }
        }
        reverse.withUnsafeBufferPointer { rev in
            let rev = UnsafeSendable(rev)
            parallelPositions(order) { pos, union in
                union.removeAll(keepingCapacity: true)
                let fwd = forward.edges(pos)
                union.append(contentsOf: fwd)
                for i in start[pos]..<start[pos + 1] {
                    let r = rev.value[i]
                    if !fwd.contains(where: { $0.id == r.id }) { union.append(r) }
                }
                union.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
                guard let (block, cap) = g.linkBlock(nodes[pos], level: level) else { return }
                // As in HNSW insertion: reverse links are simply added while
                // the list has room; only an overflowing list is re-pruned
                // (the heuristic's picks are copied to the front of `union`).
                var kept = union.count
                if kept > capacity {
                    kept = withUnsafeTemporaryAllocation(of: Candidate.self, capacity: capacity) { out in
                        let k = union.withUnsafeMutableBufferPointer {
                            select($0.baseAddress!, count: $0.count, m: capacity, into: out.baseAddress!)
                        }
                        for i in 0..<k { union[i] = out[i] }
                        return k
                    }
                }
                kept = min(kept, cap)
                for i in 0..<kept { block[1 + i] = union[i].id }
                block[0] = UInt32(kept)
            }
        }
    }
}
