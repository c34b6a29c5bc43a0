/// Deleting vectors: tombstones, as hnswlib's `markDelete`.
///
/// A deleted node stays in the graph and keeps routing searches through its
/// links (removing it would cut paths and cost recall), but is never
/// returned, by the graph walk or the exact fallback. `save` writes the
/// tombstones and `open` restores them. Recall over the live vectors stays
/// close to a fresh index's while tombstones are a minority; the collection
/// layer rebuilds past a threshold.
extension HNSWIndex {
    /// Marks the vector with external id `id` deleted. Returns false if it
    /// already was. Throws ``SochVectorError/notFound(_:)`` for an unknown
    /// id. Takes the write lock (searches wait); a mapped index is first
    /// copied into memory, since its file mapping is read-only. O(1) after
    /// that copy.
    @discardableResult
    public func markDeleted(id: Int64) throws -> Bool {
        try rwLock.write {
            guard let node = internalID(for: id) else { throw SochVectorError.notFound("id \(id)") }
            if layout.isDeleted(node) { return false }
            if owned == nil { ensureOwned(capacity: layout.count, upperCapacity: layout.upperLength) }
            layout.tombstones[Int(node >> 6)] |= 1 << UInt64(node & 63)
            deletedCount += 1
            return true
        }
    }

    /// Whether `id` is deleted; ``SochVectorError/notFound(_:)`` if unknown.
    public func isDeleted(id: Int64) throws -> Bool {
        try rwLock.read {
            guard let node = internalID(for: id) else { throw SochVectorError.notFound("id \(id)") }
            return layout.isDeleted(node)
        }
    }
}

extension HNSWIndex {
    /// Every node's external id and whether it is deleted, in storage order
    /// (what a caller needs to reconcile the index with another record of
    /// its contents). O(n) under the read lock.
    public func entries() -> [(id: Int64, deleted: Bool)] {
        rwLock.read {
            (0..<layout.count).map { (layout.externalIDs[$0], layout.isDeleted(UInt32($0))) }
        }
    }

    /// The live (not deleted) vectors and their ids, as stored (normalised
    /// under cosine), for rebuilding an index without its tombstones.
    public func liveVectors() throws -> (ids: [Int64], vectors: VectorMatrix) {
        try rwLock.read {
            var ids: [Int64] = []
            var flat: [Float] = []
            ids.reserveCapacity(layout.count - deletedCount)
            flat.reserveCapacity((layout.count - deletedCount) * dimension)
            for node in 0..<layout.count where !layout.isDeleted(UInt32(node)) {
                ids.append(layout.externalIDs[node])
                flat.append(contentsOf: UnsafeBufferPointer(start: layout.vector(UInt32(node), dimension), count: dimension))
            }
            return (ids, try VectorMatrix(flat: flat, dimension: dimension))
        }
    }

    /// Number of deleted (tombstoned) vectors.
    public var deletedVectorCount: Int { rwLock.read { deletedCount } }
}
