/// "Have I seen this node in the current search?" in O(1) with O(1) reset.
///
/// Each node has a 16-bit tag; a node is visited when its tag equals the
/// current epoch. Starting a search bumps the epoch, and only when the epoch
/// wraps are the tags cleared (once every 65,535 level searches: a graph
/// search with a level-1 beam makes two). Owned by one
/// search context; not thread-safe.

struct VisitedSet {
    var tags: UnsafeMutablePointer<UInt16>
    var capacity: Int
    var epoch: UInt16 = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        tags = .allocate(capacity: self.capacity)
        tags.initialize(repeating: 0, count: self.capacity)
    }

    func deallocate() { tags.deallocate() }

    /// Starts a new search over `nodeCount` nodes; grows if needed.
    mutating func reset(nodeCount: Int) {
        if nodeCount > capacity { resize(nodeCount) }
        epoch &+= 1
        if epoch == 0 {
            tags.update(repeating: 0, count: capacity)
            epoch = 1
        }
    }

    mutating func resize(_ n: Int) {
        tags.deallocate()
        capacity = max(n, capacity * 3 / 2)
        tags = .allocate(capacity: capacity)
        tags.initialize(repeating: 0, count: capacity)
        epoch = 0
    }

    /// Marks `id` and returns true if it was not yet visited in this search.
    @inline(__always)
    mutating func insert(_ id: UInt32) -> Bool {
        let p = tags + Int(id)
        if p.pointee == epoch { return false }
        p.pointee = epoch
        return true
    }
}
