import Foundation
import SochStorage
import SochVector

/// Opening a collection from the store (and its last saved graph), and
/// saving the graph at a checkpoint.
extension VectorCollection {
    /// Loads the records, maps the graph file saved at the last checkpoint
    /// (if it is there and sound) and reconciles it with the records: graph
    /// nodes whose record is gone are tombstoned, records the graph lacks
    /// (committed after that checkpoint) are added. Without a usable file the
    /// graph is built from the stored vectors.
    static func open(config: CollectionConfig, engine: StorageEngine, graphPath: String) throws(SochDBError) -> VectorCollection {
        var maxLabel: Int64 = -1
        var slots: [String: Slot] = [:]
        var entries: [Int64: (id: String, metadata: Metadata)] = [:]
        let prefix = CollectionKeys.recordPrefix(config.incarnation)
        try SochDBError.wrap {
            let snapshot = engine.snapshot()
            defer { snapshot.release() }
            try engine.scan(prefix: prefix, snapshot: snapshot).forEach { key, value in
                let id = String(decoding: key[prefix.count...], as: UTF8.self)
                let record = try CollectionRecordValue(decoding: value, key: id)
                slots[id] = Slot(label: record.label, lsn: 0)
                entries[record.label] = (id, record.metadata)
                maxLabel = max(maxLabel, record.label)
            }
        }
        let index = try SochDBError.wrap { try loadGraph(config: config, path: graphPath) }
        for (label, _) in index.entries() { maxLabel = max(maxLabel, label) }
        let collection = VectorCollection(config: config, engine: engine, graphPath: graphPath,
                                          state: State(index: index, slots: slots, entries: entries),
                                          nextLabel: maxLabel + 1)
        collection.applyLock.lock()
        defer { collection.applyLock.unlock() }
        let changed = try SochDBError.wrap { try collection.reconcile(index) }
        if !changed && index.isMapped { collection.state.withLock { $0.savedVersion = $0.version } }
        return collection
    }

    /// The saved graph if it opens and matches the config, else an empty one.
    private static func loadGraph(config: CollectionConfig, path: String) throws -> HNSWIndex {
        if FileManager.default.fileExists(atPath: path),
           let saved = try? HNSWIndex.open(path, verification: .full),
           saved.dimension == config.dimension, saved.metric == config.metric,
           saved.parameters.m == config.m {
            return saved
        }
        return try HNSWIndex(dimension: config.dimension, metric: config.metric, parameters: config.parameters)
    }

    /// Writes the graph to its file (atomically: a crash leaves the old one).
    /// Any graph is a valid checkpoint, since opening reconciles it with the
    /// store. Returns the file size.
    /// Skipped when nothing changed since the file was written or loaded, so
    /// a read-only open and close does not rewrite it.
    func saveGraph() throws(SochDBError) {
        try refreshIfStale()
        // Under the apply lock: the graph and its version belong together,
        // and a drop (which waits for it too) cannot delete the file between.
        applyLock.lock()
        defer { applyLock.unlock() }
        let (index, version, skip) = state.withLock { s in (s.index, s.version, s.dropped || s.savedVersion == s.version) }
        if skip { return }
        try SochDBError.wrap {
            try FileManager.default.createDirectory(atPath: (graphPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try index.save(to: graphPath)
        }
        state.withLock { $0.savedVersion = version }
    }

    /// After a failed apply step: rebuilds the in-memory view from the store.
    func refreshIfStale() throws(SochDBError) {
        guard state.withLock({ $0.stale }) else { return }
        applyLock.lock()
        defer { applyLock.unlock() }
        guard state.withLock({ $0.stale }) else { return }
        let reloaded = try VectorCollection.open(config: config, engine: engine, graphPath: graphPath)
        let fresh = reloaded.state.withLock { $0 }
        state.withLock { s in
            s.index = fresh.index; s.slots = fresh.slots; s.entries = fresh.entries
            s.pendingTombstones = []; s.stale = false
            // New entries: no cached allow-list or sighting may outlive them.
            s.version &+= 1
            s.filterCache = []; s.filterSightings = []
        }
        let next = reloaded.nextLabel.load(ordering: .relaxed)
        while true {
            let current = nextLabel.load(ordering: .relaxed)
            if current >= next || nextLabel.compareExchange(expected: current, desired: next, ordering: .relaxed).exchanged { break }
        }
    }
}
