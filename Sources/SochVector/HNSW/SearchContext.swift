import Synchronization

/// The scratch space of one search or one insert: visited tags, the two
/// heaps, a sorted-candidate buffer, a copy of a neighbour list, a
/// normalised query and the entry points of the next level search. Reused across searches, so a search allocates nothing
/// beyond its result. One thread at a time; contexts come from a
/// ``SearchContextPool``.

final class SearchContext {
    var visited: VisitedSet
    /// Max-heap of the best `ef` found so far.
    var results: CandidateHeap
    /// Min-heap (negated distances) of nodes still to expand.
    var candidates: CandidateHeap
    /// Ascending candidates, for neighbour selection and result extraction.
    var sorted: UnsafeMutablePointer<Candidate>
    var sortedCapacity: Int
    /// Neighbour selection output.
    var selected: UnsafeMutablePointer<Candidate>
    /// Candidates and output of re-pruning one full neighbour list.
    var prune: UnsafeMutablePointer<Candidate>
    var pruneOut: UnsafeMutablePointer<Candidate>
    /// A copy of one neighbour list, taken under the node's lock.
    var links: UnsafeMutablePointer<UInt32>
    /// Unvisited neighbours of the node being expanded.
    var pending: UnsafeMutablePointer<UInt32>
    /// The query, normalised for cosine.
    var query: UnsafeMutablePointer<Float>
    /// Entry points of the next level search (see `GraphWalker.descend`).
    var entries: UnsafeMutablePointer<Candidate>
    var entryCount = 0
    /// Most entry points a descent hands on (the widest level-1 beam).
    static let maxEntries = 8
    let dimension: Int
    let maxDegree: Int

    init(nodeCapacity: Int, dimension: Int, maxDegree: Int, ef: Int) {
        self.dimension = dimension
        self.maxDegree = maxDegree
        visited = VisitedSet(capacity: nodeCapacity)
        results = CandidateHeap(capacity: ef + 1)
        candidates = CandidateHeap(capacity: 4 * ef)
        sortedCapacity = max(ef, maxDegree) + 2
        sorted = .allocate(capacity: sortedCapacity)
        selected = .allocate(capacity: maxDegree + 1)
        links = .allocate(capacity: maxDegree + 1)
        pending = .allocate(capacity: maxDegree + 1)
        prune = .allocate(capacity: maxDegree + 2)
        pruneOut = .allocate(capacity: maxDegree + 2)
        query = .allocate(capacity: max(dimension, 1))
        entries = .allocate(capacity: Self.maxEntries)
    }

    deinit {
        visited.deallocate()
        results.deallocate()
        candidates.deallocate()
        sorted.deallocate()
        selected.deallocate()
        links.deallocate()
        pending.deallocate()
        prune.deallocate()
        pruneOut.deallocate()
        query.deallocate()
        entries.deallocate()
    }

    /// Makes `node` (at `distance` from the query) the one entry point.
    @inline(__always)
    func setEntry(_ node: UInt32, _ distance: Float) {
        entries[0] = Candidate(distance: distance, id: node)
        entryCount = 1
    }

    /// Makes `sorted` hold at least `n` items.
    func reserveSorted(_ n: Int) {
        if n > sortedCapacity { growSorted(n) }
    }

    func growSorted(_ n: Int) {
        sorted.deallocate()
        sortedCapacity = max(n, sortedCapacity * 2)
        sorted = .allocate(capacity: sortedCapacity)
    }
}

/// A free list of search contexts shared by the threads that search or build
/// one index. Thread-safe (one mutex around the list).
final class SearchContextPool: Sendable {
    private let free = Mutex<[SearchContext]>([])
    let dimension: Int
    let maxDegree: Int

    init(dimension: Int, maxDegree: Int) {
        self.dimension = dimension
        self.maxDegree = maxDegree
    }

    /// Runs `body` with a context sized for `nodeCount` nodes and `ef`.
    func withContext<R>(nodeCount: Int, ef: Int, _ body: (SearchContext) throws -> R) rethrows -> R {
        let ctx = free.withLock { $0.popLast() }
            ?? SearchContext(nodeCapacity: nodeCount, dimension: dimension, maxDegree: maxDegree, ef: ef)
        defer { free.withLock { $0.append(ctx) } }
        return try body(ctx)
    }
}

extension SearchContext: @unchecked Sendable {}
