/// A small LRU cache of parsed statements keyed by their exact SQL text.
///
/// Not thread-safe: ``SQLEngine`` guards it with its lock. Lookups are
/// O(1); an insertion into a full cache evicts the least recently used
/// entry in O(capacity), which is small.
struct StatementCache {
    let capacity: Int
    private var entries: [String: (statement: ParsedStatement, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func lookup(_ sql: String) -> ParsedStatement? {
        guard let i = entries.index(forKey: sql) else { return nil }
        clock += 1
        entries.values[i].lastUse = clock
        return entries.values[i].statement
    }

    mutating func insert(_ sql: String, _ statement: ParsedStatement) {
        guard capacity > 0 else { return }
        if entries.count >= capacity, entries[sql] == nil,
           let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries.removeValue(forKey: oldest)
        }
        clock += 1
        entries[sql] = (statement, clock)
    }
}
