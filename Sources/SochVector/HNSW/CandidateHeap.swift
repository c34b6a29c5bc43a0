/// A (distance, node) pair inside the graph code. 8 bytes.

struct Candidate {
    var distance: Float
    var id: UInt32
    init(distance: Float, id: UInt32) {
        self.distance = distance
        self.id = id
    }
}

/// A binary max-heap of candidates by distance over memory it owns and
/// reuses: `removeAll` keeps the storage, so a search context pays for its
/// heaps once. A min-heap is the same heap fed negated distances (as in
/// hnswlib). Not thread-safe; one per search context.

struct CandidateHeap {
    var items: UnsafeMutablePointer<Candidate>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        items = .allocate(capacity: self.capacity)
    }

    func deallocate() { items.deallocate() }

    var isEmpty: Bool { count == 0 }
    var top: Candidate { items[0] }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func push(_ distance: Float, _ id: UInt32) {
        if count == capacity { grow() }
        maxHeapSiftUp(items, from: count, Candidate(distance: distance, id: id))
        count &+= 1
    }

    @inline(__always) @discardableResult
    mutating func pop() -> Candidate {
        let result = items[0]
        count &-= 1
        if count > 0 { siftDown(items[count]) }
        return result
    }

    /// Replaces the top with `(distance, id)` (cheaper than pop + push).
    @inline(__always)
    mutating func replaceTop(_ distance: Float, _ id: UInt32) {
        siftDown(Candidate(distance: distance, id: id))
    }

    @inline(__always)
    mutating func siftDown(_ x: Candidate) {
        maxHeapSiftDown(items, count: count, x)
    }

    mutating func grow() {
        let newCapacity = capacity * 2
        let n = UnsafeMutablePointer<Candidate>.allocate(capacity: newCapacity)
        n.update(from: items, count: count)
        items.deallocate()
        items = n
        capacity = newCapacity
    }

    /// Empties the heap into `out` in ascending distance order; returns the
    /// count. `out` must have room for `count` items.
    mutating func drainAscending(into out: UnsafeMutablePointer<Candidate>) -> Int {
        let n = count
        var i = n
        while count > 0 {
            i -= 1
            out[i] = pop()
        }
        return n
    }
}

/// Places `x` in the max-heap `heap[0..<slot+1]` whose free slot is `slot`,
/// moving larger-distance ancestors down. Shared by ``CandidateHeap`` and
/// ``CandidateLists``.
@inline(__always)
func maxHeapSiftUp(_ heap: UnsafeMutablePointer<Candidate>, from slot: Int, _ x: Candidate) {
    var i = slot
    while i > 0 {
        let parent = (i &- 1) >> 1
        if heap[parent].distance >= x.distance { break }
        heap[i] = heap[parent]
        i = parent
    }
    heap[i] = x
}

/// Puts `x` at the root of the max-heap `heap[0..<count]` (replacing the
/// root) and sifts it down to its place.
@inline(__always)
func maxHeapSiftDown(_ heap: UnsafeMutablePointer<Candidate>, count n: Int, _ x: Candidate) {
    var i = 0
    while true {
        var child = 2 &* i &+ 1
        if child >= n { break }
        if child &+ 1 < n && heap[child &+ 1].distance > heap[child].distance { child &+= 1 }
        if heap[child].distance <= x.distance { break }
        heap[i] = heap[child]
        i = child
    }
    heap[i] = x
}
