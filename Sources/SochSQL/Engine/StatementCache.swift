import SochStorage

/// A small LRU cache of parsed statements keyed by their exact SQL text:
/// its UTF-8 bytes, not the `String`, since Swift's `==` equates
/// canonically equivalent strings ('é' as one scalar or as e + U+0301)
/// whose literals SQL must keep apart.
///
/// Not thread-safe: ``SQLEngine`` guards it with its lock. Lookups are
/// O(1); an insertion into a full cache evicts the least recently used
/// entry in O(capacity), which is small.
struct StatementCache {
    let capacity: Int
    private var entries: [ByteKey: (statement: ParsedStatement, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func lookup(_ sql: String) -> ParsedStatement? {
        guard let i = entries.index(forKey: ByteKey(Array(sql.utf8))) else { return nil }
        clock += 1
        entries.values[i].lastUse = clock
        return entries.values[i].statement
    }

    mutating func insert(_ sql: String, _ statement: ParsedStatement) {
        guard capacity > 0 else { return }
        let key = ByteKey(Array(sql.utf8))
        if entries.count >= capacity, entries[key] == nil,
           let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries.removeValue(forKey: oldest)
        }
        clock += 1
        entries[key] = (statement, clock)
    }
}
