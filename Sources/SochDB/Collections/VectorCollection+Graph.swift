import Dispatch
import SochVector

/// Applying committed changes to the in-memory graph, and rebuilding it.
extension VectorCollection {
    /// Applies one commit's changes (in order) at `lsn`. Commits can arrive
    /// here out of commit order (two committers race to this point), so the
    /// id → label map only takes a change newer than what it holds, and a
    /// tombstone for a label not yet in the graph waits for that label.
    ///
    /// Order matters to concurrent searches: new labels enter the entry map
    /// before the graph, and old ones leave the graph before the map, so
    /// every node a search can return has its entry.
    func apply(_ changes: [CollectionChange], lsn: UInt64) {
        applyLock.lock()
        defer { applyLock.unlock() }
        let index = state.withLock { s -> HNSWIndex in
            s.version &+= 1
            for change in changes {
                guard case let .upsert(id, label, _, metadata, _) = change else { continue }
                if s.pendingTombstones.contains(label) { continue }
                s.entries[label] = (id, metadata)
                if lsn >= s.slots[id]?.lsn ?? 0 { s.slots[id] = Slot(label: label, lsn: lsn) }
            }
            return s.index
        }
        do {
            try applyToGraph(changes, index: index)
        } catch {
            // Validated before staging, so this is a bug of ours; the store
            // has the truth, so the next read reloads from it.
            state.withLock { $0.stale = true }
        }
        state.withLock { s in
            s.version &+= 1
            for change in changes {
                switch change {
                case let .upsert(_, _, _, _, replaced):
                    if let replaced { s.entries[replaced] = nil }
                case let .delete(id, label):
                    s.entries[label] = nil
                    if lsn >= s.slots[id]?.lsn ?? 0 { s.slots[id] = Slot(label: nil, lsn: lsn) }
                }
            }
        }
        maybeRebuild(index: index)
    }

    /// Adds the new vectors and tombstones the replaced and deleted labels.
    func applyToGraph(_ changes: [CollectionChange], index: HNSWIndex) throws {
        var labels: [Int64] = []
        var flat: [Float] = []
        var tombstones: [Int64] = []
        let skipped = state.withLock { s -> Set<Int64> in
            var skipped = Set<Int64>()
            for case let .upsert(_, label, _, _, _) in changes where s.pendingTombstones.remove(label) != nil {
                skipped.insert(label)
            }
            return skipped
        }
        for change in changes {
            switch change {
            case let .upsert(_, label, vector, _, replaced):
                if !skipped.contains(label) {
                    labels.append(label)
                    flat.append(contentsOf: vector)
                }
                if let replaced { tombstones.append(replaced) }
            case let .delete(_, label):
                tombstones.append(label)
            }
        }
        // A label both added and replaced within this one commit.
        let added = Set(labels)
        if !labels.isEmpty {
            try add(try VectorMatrix(flat: flat, dimension: dimension), ids: labels, to: index)
        }
        var missing: [Int64] = []
        for label in tombstones {
            do {
                try index.markDeleted(id: label)
            } catch SochVectorError.notFound {
                if !added.contains(label) { missing.append(label) }
            }
        }
        if !missing.isEmpty { state.withLock { s in s.pendingTombstones.formUnion(missing) } }
    }

    /// Adds in chunks of ``applyChunk`` (one write-lock hold each) so
    /// searches interleave; into an empty graph, or a batch at least as large
    /// as the graph, in one call (the batched build, far faster).
    func add(_ vectors: VectorMatrix, ids: [Int64], to index: HNSWIndex) throws {
        if index.count == 0 || vectors.count >= index.count {
            try index.add(vectors, ids: ids)
            return
        }
        var start = 0
        while start < vectors.count {
            let end = min(start + Self.applyChunk, vectors.count)
            // One thread: a parallel chunk measured no faster on 2 cores (the
            // store's flushes and compactions take the other; the A/B is in
            // Benchmarks/collections-results-2026-12-01.md), and one thread
            // is deterministic and needs no re-insert pass.
            try index.add(vectors.rows(start..<end), ids: Array(ids[start..<end]), threads: 1)
            start = end
        }
        // Small adds skip the reachability repair a bulk add runs; run it
        // once they add up to a tenth of the graph. (The graph's count is
        // read before the state lock: searches take the two the other way.)
        let nodes = index.count
        let due = state.withLock { s -> Bool in
            s.addedSinceRepair += vectors.count
            return s.addedSinceRepair * 10 >= nodes
        }
        if due {
            index.linkUnreachableNodes()
            state.withLock { $0.addedSinceRepair = 0 }
        }
    }

    /// Starts a background rebuild when tombstones pass ``rebuildFraction``
    /// of the graph (and number at least 64).
    func maybeRebuild(index: HNSWIndex) {
        let dead = index.deletedVectorCount
        guard dead >= 64, Double(dead) >= Self.rebuildFraction * Double(index.count) else { return }
        let start = state.withLock { s -> Bool in
            guard !s.rebuilding, !s.dropped, s.index === index else { return false }
            if let failed = s.failedRebuildAt, dead < 2 * failed { return false }
            s.rebuilding = true
            return true
        }
        guard start else { return }
        maintenance.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { maintenance.leave() }
            rebuild(from: index)
        }
    }

    /// Builds a graph of `old`'s live vectors, brings it up to date with what
    /// was applied to `old` meanwhile, and swaps it in. Searches and writes
    /// use `old` until the swap.
    private func rebuild(from old: HNSWIndex) {
        defer { state.withLock { $0.rebuilding = false } }
        do {
            let (ids, vectors) = try old.liveVectors()
            let fresh = try HNSWIndex(dimension: dimension, metric: config.metric, parameters: config.parameters)
            if !ids.isEmpty { try fresh.add(vectors, ids: ids) }
            applyLock.lock()
            defer { applyLock.unlock() }
            try reconcile(fresh)
            state.withLock { s in
                if !s.dropped { s.index = fresh }
                s.rebuilds += 1
                s.version &+= 1       // the saved file shows the old graph
                s.failedRebuildAt = nil
            }
        } catch {
            // The old graph stays; try again once tombstones have doubled.
            let dead = old.deletedVectorCount
            state.withLock { $0.failedRebuildAt = max(dead, 1) }
        }
    }

    /// Makes `index` hold exactly the live labels (``State/entries``):
    /// tombstones the others, adds the missing ones with their vectors read
    /// from the store. Call with the apply lock held.
    @discardableResult
    func reconcile(_ index: HNSWIndex) throws -> Bool {
        let live = state.withLock { Set($0.entries.keys) }
        var present = Set<Int64>()
        var changed = false
        for (label, deleted) in index.entries() where !deleted {
            if live.contains(label) { present.insert(label) } else { try index.markDeleted(id: label); changed = true }
        }
        let missing = live.subtracting(present).sorted()
        guard !missing.isEmpty else { return changed }
        let snapshot = engine.snapshot()
        defer { snapshot.release() }
        var labels: [Int64] = []
        var flat: [Float] = []
        for label in missing {
            let key = CollectionKeys.vector(config.incarnation, label: label)
            // Absent: replaced by a commit not yet applied, which will tombstone it.
            guard let bytes = try engine.get(key, snapshot: snapshot) else { continue }
            labels.append(label)
            flat += try VectorBytes.decode(bytes, dimension: dimension, key: "label \(label)")
        }
        if !labels.isEmpty { try add(try VectorMatrix(flat: flat, dimension: dimension), ids: labels, to: index) }
        return true
    }
}
