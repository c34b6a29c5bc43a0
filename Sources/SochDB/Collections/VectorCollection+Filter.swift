import SochVector

/// How a filtered search finds its candidates.
enum SearchPlan {
    case all
    /// Few pass: the graph's allow-list search (exact below its threshold).
    case allowList([Int64])
    /// Many pass: the filter is tested on the nodes the walk visits.
    case predicate(MetadataFilter)
}

extension VectorCollection.State {
    /// Entries tested to estimate a filter's selectivity.
    static let sampleSize = 256
    /// Filters whose allow-lists are kept (until the next write).
    static let cachedFilters = 8

    /// Chooses the plan for `filter`. A filter seen since the last write
    /// reuses its allow-list. Otherwise a sample of entries estimates how
    /// many pass: clearly more than `exactBelow` (where the graph's exact
    /// fallback would not apply) means testing nodes during the walk, which
    /// costs far less than testing every entry; else every entry is tested
    /// and the list cached.
    mutating func plan(_ filter: MetadataFilter, exactBelow: Int) -> SearchPlan {
        if let hit = filterCache.first(where: { $0.version == version && $0.filter == filter }) {
            return .allowList(hit.labels)
        }
        let n = entries.count
        if n > 4 * Self.sampleSize {
            var passed = 0
            for e in entries.values.prefix(Self.sampleSize) where filter.matches(e.metadata) { passed += 1 }
            // Twice the threshold: a sampling error only costs speed, but
            // keep the exact path for filters near it.
            if passed * n > 2 * exactBelow * Self.sampleSize { return .predicate(filter) }
        }
        let labels = allowList(filter)
        filterCache.removeAll { $0.version != version }
        if filterCache.count >= Self.cachedFilters { filterCache.removeFirst() }
        filterCache.append((filter, version, labels))
        return .allowList(labels)
    }

    /// Every live label whose metadata passes `filter`.
    func allowList(_ filter: MetadataFilter) -> [Int64] {
        entries.compactMap { filter.matches($0.value.metadata) ? $0.key : nil }
    }
}
