/// Merges child iterators into one stream in internal-key order.
///
/// Children are the memtables and tables of one read; on equal internal keys
/// (which a correct database never has) the earlier child wins. The smallest
/// child is found by a linear pass over cached keys: a read merges a handful
/// of children (two memtables, the level-0 tables, one per deeper level), for
/// which a pass beats a heap's bookkeeping.
final class MergingIterator: InternalIterator {
    private let children: [InternalIterator]
    private var keys: [[UInt8]?]
    private var current = -1

    init(_ children: [InternalIterator]) {
        self.children = children
        keys = Array(repeating: nil, count: children.count)
    }

    var isValid: Bool { current >= 0 }
    var key: [UInt8] { keys[current]! }
    var value: [UInt8] { children[current].value }

    func seekToFirst() throws {
        for (i, c) in children.enumerated() { try c.seekToFirst(); refresh(i) }
        pickSmallest()
    }

    func seek(_ target: [UInt8]) throws {
        for (i, c) in children.enumerated() { try c.seek(target); refresh(i) }
        pickSmallest()
    }

    func next() throws {
        try children[current].next()
        refresh(current)
        pickSmallest()
    }

    @inline(__always)
    private func refresh(_ i: Int) {
        keys[i] = children[i].isValid ? children[i].key : nil
    }

    private func pickSmallest() {
        var best = -1
        for i in 0..<keys.count {
            guard let k = keys[i] else { continue }
            if best < 0 || InternalKey.compare(k, keys[best]!) < 0 { best = i }
        }
        current = best
    }
}

/// Iterates one sorted, non-overlapping level (1…) table by table, opening
/// each table's iterator only when the walk reaches it.
final class LevelIterator: InternalIterator {
    private let tables: [TableFile]
    private var index = 0
    private var inner: InternalIterator? = nil

    init(_ tables: [TableFile]) { self.tables = tables }

    var isValid: Bool { inner?.isValid ?? false }
    var key: [UInt8] { inner!.key }
    var value: [UInt8] { inner!.value }

    func seekToFirst() throws {
        try open(0)
        try inner?.seekToFirst()
        try skipExhausted()
    }

    func seek(_ target: [UInt8]) throws {
        try open(Version.firstTable(in: tables, withLargestAtLeast: target))
        try inner?.seek(target)
        try skipExhausted()
    }

    func next() throws {
        try inner!.next()
        try skipExhausted()
    }

    private func open(_ i: Int) throws {
        index = i
        inner = i < tables.count ? tables[i].reader.makeIterator() : nil
    }

    private func skipExhausted() throws {
        while let it = inner, !it.isValid {
            try open(index + 1)
            try inner?.seekToFirst()
        }
    }
}
