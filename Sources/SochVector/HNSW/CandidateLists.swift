/// One bounded max-heap of candidates per node, all in one allocation: the
/// k nearest found so far for every node during batched construction.
/// Callers serialise access to a node's heap (the node's spin lock).
struct CandidateLists {
    let items: UnsafeMutablePointer<Candidate>
    let counts: UnsafeMutablePointer<Int32>
    let capacity: Int
    let nodes: Int

    init(nodes: Int, capacity: Int) {
        self.nodes = nodes
        self.capacity = capacity
        items = .allocate(capacity: max(nodes * capacity, 1))
        counts = .allocate(capacity: max(nodes, 1))
        counts.initialize(repeating: 0, count: max(nodes, 1))
    }

    func deallocate() {
        items.deallocate()
        counts.deallocate()
    }

    /// The current worst kept distance of `node` (∞ while not full).
    @inline(__always) func bound(_ node: Int) -> Float {
        Int(counts[node]) < capacity ? .infinity : items[node * capacity].distance
    }

    /// Keeps (distance, id) if it is among the `capacity` smallest seen.
    @inline(__always) func offer(_ node: Int, _ distance: Float, _ id: UInt32) {
        let heap = items + node * capacity
        let n = Int(counts[node])
        if n < capacity {
            maxHeapSiftUp(heap, from: n, Candidate(distance: distance, id: id))
            counts[node] = Int32(n + 1)
        } else if distance < heap[0].distance {
            maxHeapSiftDown(heap, count: n, Candidate(distance: distance, id: id))
        }
    }

    /// Sorts `node`'s candidates ascending by (distance, id) in place and
    /// returns them. The heap property is gone afterwards.
    func sorted(_ node: Int) -> UnsafeMutableBufferPointer<Candidate> {
        var b = UnsafeMutableBufferPointer(start: items + node * capacity, count: Int(counts[node]))
        b.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
        return b
    }
}
extension CandidateLists: @unchecked Sendable {}
