import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hierarchical navigable small-world graph over float vectors.
///
/// Memory layout follows hnswlib: level-0 links live in one fixed-stride block
/// per node (`[count u32][M0 × u32]`), upper-level links in a separate array
/// addressed by a per-node offset, and vectors in one 64-byte-aligned
/// row-major region. The same sections are what `save` writes and `open`
/// maps, so an opened index searches straight from the page cache.
///
/// Thread-safety: any number of `search` calls may run at once. `add` takes
/// the index's write lock, so searches wait while vectors are added (and an
/// `add` is itself parallel inside). Internal node ids are the insertion
/// order; results carry the caller's external ids.
public final class HNSWIndex: @unchecked Sendable {
    public let dimension: Int
    public let metric: Metric
    public let parameters: HNSWParameters

    /// Hot-path pointers into the current sections (owned or mapped).
    /// Rewritten only under the write lock.
    var layout: GraphLayout
    /// Entry point and top level. Read and written under `entryLock` while a
    /// build runs; plain reads are fine when no `add` is in progress.
    var entryPoint: UInt32 = GraphLayout.noNode
    var maxLevel = -1
    let entryLock = Mutex<Void>(())
    /// Held for a whole insert whose level exceeds the current top level, so
    /// two nodes never raise the graph at once (as in hnswlib).
    let levelRaiseLock = PthreadMutex()

    /// Owned sections (nil while the index is a read-only mapping).
    var owned: OwnedSections?
    /// The mapped file an opened index reads from (nil once copied to owned).
    var mapping: MappedFile?
    /// One spin lock per node, guarding its link lists during a build.
    var nodeLocks: AlignedBuffer<UInt8>
    var random: SeededRandom
    /// Counts of tombstoned nodes; search skips them in results.
    var deletedCount = 0
    /// Whether external id == internal id for every node (no map needed).
    var identityIDs = true
    /// External → internal, built on first use when ids are not the identity.
    let idMap = Mutex<[Int64: UInt32]?>(nil)
    let contexts: SearchContextPool
    /// Readers: searches. Writer: add / delete / save-time compaction.
    let rwLock = ReadWriteLock()
    /// How `add` builds into an empty index (batched or incremental).
    /// Set before the first `add`.
    public var construction: ConstructionMethod = .automatic

    /// File size of the last save or open (−1: never).
    let fileSizeBytes = Atomic<Int>(-1)

    /// An empty index.
    public init(dimension: Int, metric: Metric = .l2, parameters: HNSWParameters = HNSWParameters()) throws {
        guard dimension > 0 && dimension <= 65_536 else {
            throw SochVectorError.invalidArgument("dimension must be in 1...65536, got \(dimension)")
        }
        try parameters.validate()
        self.dimension = dimension
        self.metric = metric
        self.parameters = parameters
        let sections = OwnedSections(capacity: 0, dimension: dimension, m0: parameters.m0)
        owned = sections
        layout = sections.layout(count: 0, dimension: dimension, m: parameters.m)
        nodeLocks = AlignedBuffer(capacity: 1)
        random = SeededRandom(seed: parameters.seed)
        contexts = SearchContextPool(dimension: dimension, maxDegree: parameters.m0)
    }

    /// Used by `open`: an index over mapped sections.
    init(dimension: Int, metric: Metric, parameters: HNSWParameters, layout: GraphLayout,
         mapping: MappedFile, entryPoint: UInt32, maxLevel: Int) {
        self.dimension = dimension
        self.metric = metric
        self.parameters = parameters
        self.layout = layout
        self.mapping = mapping
        self.entryPoint = entryPoint
        self.maxLevel = maxLevel
        nodeLocks = AlignedBuffer(capacity: 1)
        random = SeededRandom(seed: parameters.seed &+ UInt64(layout.count))
        contexts = SearchContextPool(dimension: dimension, maxDegree: parameters.m0)
        fileSizeBytes.store(mapping.size, ordering: .relaxed)
    }

    /// Number of vectors, deleted ones included.
    public var count: Int { rwLock.read { layout.count } }

    /// Whether the index reads from a read-only file mapping.
    public var isMapped: Bool { rwLock.read { owned == nil } }

    /// Dimension, counts, parameters, entry point, level histogram, sizes.
    /// O(n) for the level histogram.
    public var info: HNSWInfo {
        rwLock.read {
            var histogram = [Int](repeating: 0, count: max(maxLevel + 1, 1))
            for i in 0..<layout.count {
                let l = Int(layout.levels[i])
                if l < histogram.count { histogram[l] += 1 }
            }
            if layout.count == 0 { histogram = [] }
            return HNSWInfo(
                dimension: dimension, count: layout.count, deletedCount: deletedCount,
                m: parameters.m, efConstruction: parameters.efConstruction, metric: metric,
                entryPoint: layout.count > 0 ? layout.externalIDs[Int(entryPoint)] : nil,
                maxLevel: max(maxLevel, 0), levelHistogram: histogram,
                fileSizeBytes: fileSizeBytes.load(ordering: .relaxed) >= 0 ? fileSizeBytes.load(ordering: .relaxed) : nil, formatVersion: Int(HNSWFileFormat.version),
                memoryBytes: mapping?.size ?? owned?.byteCount ?? 0)
        }
    }

    /// The stored vector with external id `id` (normalised under cosine).
    public func vector(id: Int64) throws -> [Float] {
        try rwLock.read {
            guard let node = internalID(for: id) else { throw SochVectorError.notFound("id \(id)") }
            return Array(UnsafeBufferPointer(start: layout.vector(node, dimension), count: dimension))
        }
    }

    /// Internal node of external `id`. Call under the read or write lock.
    func internalID(for id: Int64) -> UInt32? {
        if identityIDs { return id >= 0 && id < Int64(layout.count) ? UInt32(id) : nil }
        return idMap.withLock { map in
            if map == nil {
                var m = [Int64: UInt32](minimumCapacity: layout.count)
                for i in 0..<layout.count { m[layout.externalIDs[i]] = UInt32(i) }
                map = m
            }
            return map![id]
        }
    }

    /// Copies mapped sections into owned memory with room for `capacity`
    /// nodes and `upperCapacity` upper-link words. Call under the write lock.
    func ensureOwned(capacity: Int, upperCapacity: Int) {
        let sections: OwnedSections
        if let o = owned {
            sections = o
        } else {
            sections = OwnedSections(capacity: capacity, dimension: dimension, m0: parameters.m0)
            sections.copy(from: layout, dimension: dimension, m0: parameters.m0)
            owned = sections
            mapping = nil
        }
        sections.reserve(nodes: capacity, upperWords: upperCapacity, dimension: dimension, m0: parameters.m0)
        let count = layout.count, upper = layout.upperLength
        layout = sections.layout(count: count, dimension: dimension, m: parameters.m)
        layout.upperLength = upper
        if nodeLocks.capacity < capacity { nodeLocks = AlignedBuffer(capacity: capacity) }
    }
}
