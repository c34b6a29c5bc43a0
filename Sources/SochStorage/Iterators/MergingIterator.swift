/// Merges child iterators into one stream in internal-key order.
///
/// Children are the memtables and tables of one read; on equal internal keys
/// (which a correct database never has) the earlier child wins. The smallest
/// child is found by a linear pass comparing the children's key views in
/// place: a read merges a handful of children (two memtables, the level-0
/// tables, one per deeper level), for which a pass beats a heap, and no key
/// is copied.
final class MergingIterator: InternalIterator {
    private let children: [InternalIterator]
    /// Each child's current key view (count 0 and nil base: exhausted),
    /// refreshed only for the child that moved, so picking the smallest
    /// compares plain memory with no call into (or retain of) a child.
    private var views: [UnsafeRawBufferPointer]
    private var current = -1

    init(_ children: [InternalIterator]) {
        self.children = children
        views = Array(repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: children.count)
    }

    var isValid: Bool { current >= 0 }
    var key: [UInt8] { Array(views[current]) }
    var value: [UInt8] { children[current].value }
    var keyView: UnsafeRawBufferPointer { views[current] }
    var valueView: UnsafeRawBufferPointer { children[current].valueView }

    func seekToFirst() throws {
        for i in children.indices { try children[i].seekToFirst(); refresh(i) }
        pickSmallest()
    }

    func seek(_ target: [UInt8]) throws {
        for i in children.indices { try children[i].seek(target); refresh(i) }
        pickSmallest()
    }

    func next() throws {
        try children[current].next()
        refresh(current)
        pickSmallest()
    }

    @inline(__always)
    private func refresh(_ i: Int) {
        let c = children[i]
        views[i] = c.isValid ? c.keyView : UnsafeRawBufferPointer(start: nil, count: 0)
    }

    @inline(__always)
    private func pickSmallest() {
        current = views.withUnsafeBufferPointer { v in
            var best = -1
            for i in v.indices where v[i].baseAddress != nil {
                if best < 0 || InternalKey.compare(v[i], v[best]) < 0 { best = i }
            }
            return best
        }
    }
}
