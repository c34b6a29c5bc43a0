import Dispatch
import Foundation
import SochVector
import SochStorage
import Synchronization

/// A named set of vectors with metadata: an HNSW graph in memory over
/// records kept in the key-value store (``Database/createCollection(_:dimension:metric:m:efConstruction:)``).
///
///     let docs = try db.createCollection("docs", dimension: 384, metric: .cosine)
///     try docs.upsert(id: "a", vector: embedding, metadata: ["lang": "en", "year": 2024])
///     let hits = try docs.search(query, k: 10, filter: MetadataFilter.field("lang") == "en")
///     let record = try docs.get("a")          // vector and metadata, by key
///
/// Writes go to the store first, in one transaction (the caller's, when one
/// is passed), and reach the graph once that transaction commits; so an
/// acknowledged upsert is as durable as any other commit, and a search sees
/// it as soon as `upsert` returns (or `commit` does). The store is the source
/// of truth: `Database.checkpoint()` saves the graph to a file, and opening
/// the collection maps that file and reconciles it with the records (see
/// docs/formats/collections.md), so a crash loses nothing that committed.
///
/// Thread-safety: every method may be called from any thread. Searches run
/// while writes are applied: the graph takes its write lock per chunk of at
/// most ``applyChunk`` vectors, so a search waits for one chunk, never for a
/// whole batch. Deletes and updates leave tombstones in the graph; past
/// ``rebuildFraction`` of the graph the collection rebuilds it from its live
/// vectors in the background, searching the old graph meanwhile.
public final class VectorCollection: @unchecked Sendable {
    public let config: CollectionConfig
    public var name: String { config.name }
    public var dimension: Int { config.dimension }

    let engine: StorageEngine
    /// Where `checkpoint` saves the graph.
    let graphPath: String

    /// The in-memory view of the records: guarded by `state`.
    struct State {
        var index: HNSWIndex
        /// id → its live label and the LSN of the last change applied to it
        /// (label nil: deleted at that LSN), so changes applied out of commit
        /// order never let an older one win.
        var slots: [String: Slot] = [:]
        /// Live label → id and metadata (what filters and results read).
        var entries: [Int64: (id: String, metadata: Metadata)] = [:]
        /// Labels deleted before their own upsert was applied (two commits
        /// applied out of order): skipped when that upsert arrives.
        var pendingTombstones: Set<Int64> = []
        /// A background rebuild is running.
        var rebuilding = false
        /// Vectors added in small chunks since the last reachability repair.
        var addedSinceRepair = 0
        /// Tombstones when the last rebuild failed: the next try waits until
        /// there are twice as many.
        var failedRebuildAt: Int?
        /// `version` when the graph file was last written or loaded
        /// unchanged (nil: the file is behind).
        var savedVersion: UInt64?
        /// Bumped by every change to `entries`; invalidates `filterCache`.
        var version: UInt64 = 0
        /// The labels recent filters admitted, at `version`.
        var filterCache: [(filter: MetadataFilter, version: UInt64, labels: [Int64])] = []
        /// Unselective filters searched since the last write, with how often.
        var filterSightings: [(filter: MetadataFilter, version: UInt64, count: Int)] = []
        var rebuilds = 0
        var dropped = false
        /// An apply step failed (a bug): reload from the store before the next use.
        var stale = false
    }

    struct Slot {
        var label: Int64?
        var lsn: UInt64
    }

    let state: Mutex<State>
    /// Serialises changes to the graph (adds, tombstones, swaps).
    let applyLock = NSLock()
    let nextLabel: Atomic<Int64>
    /// Background rebuilds in flight.
    let maintenance = DispatchGroup()

    /// Vectors added to the graph per write-lock hold once it is non-empty.
    public static let applyChunk = 256
    /// Tombstones, as a fraction of graph nodes, that trigger a rebuild.
    public static let rebuildFraction = 0.2
    /// Autocommitted writes retry this many times on a write-write conflict
    /// (two writers of one id); inside a caller's transaction, never.
    static let conflictRetries = 16

    init(config: CollectionConfig, engine: StorageEngine, graphPath: String, state: State, nextLabel: Int64) {
        self.config = config
        self.engine = engine
        self.graphPath = graphPath
        self.state = Mutex(state)
        self.nextLabel = Atomic(nextLabel)
    }

    // MARK: writes

    /// Inserts or replaces the vector and metadata stored under `id`;
    /// returns the commit's LSN.
    @discardableResult
    public func upsert(id: String, vector: [Float], metadata: Metadata = [:]) throws(SochDBError) -> UInt64 {
        try upsert([CollectionRecord(id: id, vector: vector, metadata: metadata)])
    }

    /// Inserts or replaces every record, atomically in one commit (a later
    /// record with the same id wins); returns the LSN. Validates all of them
    /// first: a bad vector fails the whole batch and writes nothing.
    @discardableResult
    public func upsert(_ records: [CollectionRecord]) throws(SochDBError) -> UInt64 {
        try validate(records)
        return try autocommit { txn throws(SochDBError) in try stageUpsert(records, in: txn) }
    }

    /// Stages the upserts in `transaction`: they commit or abort with it, and
    /// reach the graph when it commits.
    public func upsert(_ records: [CollectionRecord], in transaction: DatabaseTransaction) throws(SochDBError) {
        try validate(records)
        try stageUpsert(records, in: transaction)
    }

    public func upsert(id: String, vector: [Float], metadata: Metadata = [:],
                       in transaction: DatabaseTransaction) throws(SochDBError) {
        try upsert([CollectionRecord(id: id, vector: vector, metadata: metadata)], in: transaction)
    }

    /// Deletes `id`; returns whether it existed.
    @discardableResult
    public func delete(_ id: String) throws(SochDBError) -> Bool {
        try CollectionKeys.checkID(id)
        var existed = false
        _ = try autocommit { txn throws(SochDBError) in existed = try stageDelete(id, in: txn) }
        return existed
    }

    /// Stages the delete of `id` in `transaction`; returns whether it exists there.
    @discardableResult
    public func delete(_ id: String, in transaction: DatabaseTransaction) throws(SochDBError) -> Bool {
        try CollectionKeys.checkID(id)
        return try stageDelete(id, in: transaction)
    }

    // MARK: reads

    /// The record stored under `id` (its vector as given and its metadata),
    /// read by key from the store; nil if absent.
    public func get(_ id: String) throws(SochDBError) -> CollectionRecord? {
        try CollectionKeys.checkID(id)
        let snapshot = engine.snapshot()
        defer { snapshot.release() }
        return try read(id) { key throws(SochDBError) in try SochDBError.wrap { try engine.get(key, snapshot: snapshot) } }
    }

    /// `id`'s record as `transaction` sees it (its own writes included).
    public func get(_ id: String, in transaction: DatabaseTransaction) throws(SochDBError) -> CollectionRecord? {
        try CollectionKeys.checkID(id)
        try transaction.checkUsable()
        return try read(id) { key throws(SochDBError) in try SochDBError.wrap { try transaction.txn.get(key) } }
    }

    /// The `k` nearest live vectors to `vector` that pass `filter`, nearest
    /// first, with their metadata. `ef` (default max(64, k)) trades speed
    /// for recall. A filter is applied inside the graph walk; when it admits
    /// few vectors (at most 2% of them, or 16 × ef) they are ranked exactly
    /// instead, so a selective filter still returns k results when k match.
    /// Sees every write whose upsert or commit has returned.
    public func search(_ vector: [Float], k: Int = 10, ef: Int? = nil,
                       filter: MetadataFilter? = nil) throws(SochDBError) -> [CollectionSearchResult] {
        try refreshIfStale()
        try checkQuery(vector, k: k, ef: ef)
        let efValue = max(ef ?? 64, k)
        let (index, plan) = try state.withLock { s throws(SochDBError) -> (HNSWIndex, SearchPlan) in
            if s.dropped { throw .notFound("collection \"\(name)\" was dropped") }
            guard let filter else { return (s.index, .all) }
            return (s.index, s.plan(filter, exactBelow: max(s.entries.count / 50, 16 * efValue)))
        }
        var hits: [SearchResult]
        switch plan {
        case .all:
            hits = try SochDBError.wrap { try index.search(vector, k: k, ef: efValue) }
        case .allowList(let labels):
            if labels.isEmpty { return [] }
            hits = try SochDBError.wrap { try index.search(vector, k: k, ef: efValue, filter: .allowList(labels)) }
        case .predicate(let filter):
            // Unselective: test only the nodes the walk visits.
            let predicate: @Sendable (Int64) -> Bool = { [self] label in
                state.withLock { s in s.entries[label].map { filter.matches($0.metadata) } ?? false }
            }
            hits = try SochDBError.wrap { try index.search(vector, k: k, ef: efValue, filter: .predicate(predicate)) }
            if hits.count < k {
                // The sample overestimated how many pass: rank them exactly.
                let labels = state.withLock { $0.allowList(filter) }
                hits = try SochDBError.wrap { try index.search(vector, k: k, ef: efValue, filter: .allowList(labels)) }
            }
        }
        return state.withLock { s in
            hits.compactMap { hit in
                // A superseded version (an update being applied) is skipped.
                guard let e = s.entries[hit.id], s.slots[e.id]?.label == hit.id else { return nil }
                return CollectionSearchResult(id: e.id, distance: hit.distance, metadata: e.metadata)
            }
        }
    }

    /// Number of live vectors.
    public var count: Int { state.withLock { $0.entries.count } }

    public func info() -> CollectionInfo {
        let (index, live, rebuilds) = state.withLock { ($0.index, $0.entries.count, $0.rebuilds) }
        return CollectionInfo(config: config, count: live, graphNodes: index.count,
                              tombstones: index.deletedVectorCount, rebuilds: rebuilds,
                              graphFile: FileManager.default.fileExists(atPath: graphPath) ? graphPath : nil)
    }

    /// Waits until no background rebuild is running.
    public func waitForMaintenance() { maintenance.wait() }

    /// Largest k or ef a search takes (the graph's bound).
    public static let maxSearchBreadth = HNSWIndex.maxSearchBreadth

    /// The query checks the graph makes, made first: a filter that admits
    /// nothing must not hide a bad query.
    func checkQuery(_ vector: [Float], k: Int, ef: Int?) throws(SochDBError) {
        guard vector.count == dimension else { throw .vector(.dimensionMismatch(expected: dimension, actual: vector.count)) }
        guard (1...Self.maxSearchBreadth).contains(k) else {
            throw .invalidArgument("k must be in 1...\(Self.maxSearchBreadth), got \(k)")
        }
        if let ef, !(1...Self.maxSearchBreadth).contains(ef) {
            throw .invalidArgument("ef must be in 1...\(Self.maxSearchBreadth), got \(ef)")
        }
        var norm: Float = 0
        for (j, x) in vector.enumerated() {
            guard x.isFinite else { throw .vector(.invalidVector(row: 0, reason: "query component \(j) is \(x)")) }
            norm += x * x
        }
        if config.metric == .cosine && norm == 0 {
            throw .vector(.invalidVector(row: 0, reason: "zero query vector has no cosine direction"))
        }
    }

    // MARK: staging

    /// The graph's own checks (dimension, finite components, a direction
    /// under cosine, a squared norm that fits a Float), made before anything
    /// is staged: a vector the graph would refuse after the commit must be
    /// refused before it.
    private func validate(_ records: [CollectionRecord]) throws(SochDBError) {
        for r in records { try CollectionKeys.checkID(r.id) }
        try SochDBError.wrap {
            try VectorMatrix(rows: records.map(\.vector), dimension: dimension).validate(for: config.metric)
        }
    }

    private func stageUpsert(_ records: [CollectionRecord], in txn: DatabaseTransaction) throws(SochDBError) {
        try checkNotDropped()
        try txn.requireOwned("write to collection \(name)")
        var changes: [CollectionChange] = []
        changes.reserveCapacity(records.count)
        try SochDBError.wrap {
            try guardAgainstDrop(txn)
            for r in records {
                let label = nextLabel.wrappingAdd(1, ordering: .relaxed).oldValue
                let key = CollectionKeys.record(config.incarnation, id: r.id)
                let replaced = try txn.txn.get(key).map { try CollectionRecordValue(decoding: $0, key: r.id).label }
                try txn.txn.put(key, try CollectionRecordValue(label: label, metadata: r.metadata).encoded())
                try txn.txn.put(CollectionKeys.vector(config.incarnation, label: label), VectorBytes.encode(r.vector))
                if let replaced { try txn.txn.delete(CollectionKeys.vector(config.incarnation, label: replaced)) }
                changes.append(.upsert(id: r.id, label: label, vector: r.vector, metadata: r.metadata, replaced: replaced))
            }
        }
        txn.onCommit { [self] lsn in apply(changes, lsn: lsn) }
    }

    private func stageDelete(_ id: String, in txn: DatabaseTransaction) throws(SochDBError) -> Bool {
        try checkNotDropped()
        try txn.requireOwned("write to collection \(name)")
        let key = CollectionKeys.record(config.incarnation, id: id)
        return try SochDBError.wrap {
            try guardAgainstDrop(txn)
            guard let bytes = try txn.txn.get(key) else { return false }
            let label = try CollectionRecordValue(decoding: bytes, key: id).label
            try txn.txn.delete(key)
            try txn.txn.delete(CollectionKeys.vector(config.incarnation, label: label))
            txn.onCommit { [self] lsn in apply([.delete(id: id, label: label)], lsn: lsn) }
            return true
        }
    }

    /// Runs `body` in a fresh transaction and commits it, retrying on a
    /// write-write conflict (another writer of the same id committed first).
    private func autocommit(_ body: (DatabaseTransaction) throws(SochDBError) -> Void) throws(SochDBError) -> UInt64 {
        var attempt = 0
        while true {
            let txn = DatabaseTransaction(engine.beginTransaction())
            do {
                try body(txn)
                return try txn.commit()
            } catch SochDBError.transaction(.conflict) where attempt < Self.conflictRetries {
                attempt += 1
            } catch {
                txn.abort()
                throw error
            }
        }
    }

    private func read(_ id: String, _ get: ([UInt8]) throws(SochDBError) -> [UInt8]?) throws(SochDBError) -> CollectionRecord? {
        try checkNotDropped()
        guard let bytes = try get(CollectionKeys.record(config.incarnation, id: id)) else { return nil }
        let value = try CollectionRecordValue(decoding: bytes, key: id)
        guard let vector = try get(CollectionKeys.vector(config.incarnation, label: value.label)) else {
            throw .database(.corruption(path: "collection \(name)", reason: "record \(id) has no vector (label \(value.label))"))
        }
        return CollectionRecord(id: id, vector: try VectorBytes.decode(vector, dimension: dimension, key: id),
                                metadata: value.metadata)
    }

    /// A drop deletes the config key: a transaction that writes records
    /// for this collection conflicts with a drop committed since its
    /// snapshot instead of leaving records under a dead incarnation.
    private func guardAgainstDrop(_ txn: DatabaseTransaction) throws {
        try txn.txn.requireUnchanged(CollectionKeys.config(name))
    }

    private func checkNotDropped() throws(SochDBError) {
        if state.withLock({ $0.dropped }) { throw .notFound("collection \"\(name)\" was dropped") }
    }
}
