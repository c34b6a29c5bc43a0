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
    /// Searches with one unselective filter, since the last write, after
    /// which its allow-list is built and cached: listing tests every entry,
    /// more than a few walks test, but then each search tests none. On
    /// fashion-mnist a 10% filter ran at 1.0k q/s testing nodes in the walk
    /// and at 1.85k q/s from the cached list. Only filters passing at most
    /// ``listedFraction`` of the sample: each search turns the list into a
    /// bitset (one id lookup per label), which for a filter most vectors
    /// pass costs more than the walk's tests save.
    static let listAfterSightings = 4
    static let listedFraction = 0.25

    /// Chooses the plan for `filter`. A filter seen since the last write
    /// reuses its allow-list. Otherwise a sample of entries estimates how
    /// many pass: clearly more than `exactBelow` (where the graph's exact
    /// fallback would not apply) means testing nodes during the walk, which
    /// costs far less than testing every entry, until the same filter has
    /// come ``listAfterSightings`` times without a write between; else (and
    /// then) every entry is tested and the list cached.
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
            if passed * n > 2 * exactBelow * Self.sampleSize {
                let listable = Double(passed) <= Self.listedFraction * Double(Self.sampleSize)
                if !listable || !repeated(filter) { return .predicate(filter) }
            }
        }
        let labels = allowList(filter)
        filterCache.removeAll { $0.version != version }
        if filterCache.count >= Self.cachedFilters { filterCache.removeFirst() }
        filterCache.append((filter, version, labels))
        return .allowList(labels)
    }

    /// Counts a search with the unselective `filter`; true once it has come
    /// ``listAfterSightings`` times since the last write.
    private mutating func repeated(_ filter: MetadataFilter) -> Bool {
        filterSightings.removeAll { $0.version != version }
        if let i = filterSightings.firstIndex(where: { $0.filter == filter }) {
            filterSightings[i].count += 1
            if filterSightings[i].count < Self.listAfterSightings { return false }
            filterSightings.remove(at: i)
            return true
        }
        if filterSightings.count >= Self.cachedFilters { filterSightings.removeFirst() }
        filterSightings.append((filter, version, 1))
        return Self.listAfterSightings <= 1
    }

    /// Every live label whose metadata passes `filter`.
    func allowList(_ filter: MetadataFilter) -> [Int64] {
        entries.compactMap { filter.matches($0.value.metadata) ? $0.key : nil }
    }
}
