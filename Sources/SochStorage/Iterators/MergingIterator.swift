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
    /// The children by concrete type, called without reference counting in
    /// the per-entry path (`children` keeps them alive). An existential
    /// call retains and releases its target; at four calls per entry that
    /// was a third of a merged scan.
    /// (Owned raw buffers, not arrays: reading an array property retains its
    /// storage, which cost a retain and a release per entry.)
    private let fast: UnsafeMutableBufferPointer<Child>
    /// Each child's current key view (count 0 and nil base: exhausted),
    /// refreshed only for the child that moved, so picking the smallest
    /// compares plain memory with no call into a child.
    private let views: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>
    private var current = -1

    private enum Child {
        case run(Unmanaged<RunIterator>)
        case memtable(Unmanaged<MemtableIterator>)
        case other(Int)
    }

    init(_ children: [InternalIterator]) {
        self.children = children
        fast = .allocate(capacity: children.count)
        for (i, c) in children.enumerated() {
            if let r = c as? RunIterator { fast.initializeElement(at: i, to: .run(Unmanaged.passUnretained(r))) }
            else if let m = c as? MemtableIterator { fast.initializeElement(at: i, to: .memtable(Unmanaged.passUnretained(m))) }
            else { fast.initializeElement(at: i, to: .other(i)) }
        }
        views = .allocate(capacity: children.count)
        views.initialize(repeating: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    deinit {
        fast.deallocate()
        views.deallocate()
    }

    var isValid: Bool { current >= 0 }
    var key: [UInt8] { Array(views[current]) }
    var value: [UInt8] { Array(valueView) }
    var keyView: UnsafeRawBufferPointer { views[current] }

    var valueView: UnsafeRawBufferPointer {
        switch fast[current] {
        case .run(let r): return r._withUnsafeGuaranteedRef { $0.valueView }
        case .memtable(let m): return m._withUnsafeGuaranteedRef { $0.valueView }
        case .other(let i): return children[i].valueView
        }
    }

    func seekToFirst() throws {
        for i in children.indices { try children[i].seekToFirst(); refresh(i) }
        pickSmallest()
    }

    func seek(_ target: [UInt8]) throws {
        for i in children.indices { try children[i].seek(target); refresh(i) }
        pickSmallest()
    }

    func next() throws {
        let i = current
        switch fast[i] {
        case .run(let r):
            try r._withUnsafeGuaranteedRef { try $0.next() }
            views[i] = r._withUnsafeGuaranteedRef { $0.isValid ? $0.keyView : UnsafeRawBufferPointer(start: nil, count: 0) }
        case .memtable(let m):
            m._withUnsafeGuaranteedRef { $0.next() }
            views[i] = m._withUnsafeGuaranteedRef { $0.isValid ? $0.keyView : UnsafeRawBufferPointer(start: nil, count: 0) }
        case .other:
            try children[i].next()
            refresh(i)
        }
        pickSmallest()
    }

    private func refresh(_ i: Int) {
        let c = children[i]
        views[i] = c.isValid ? c.keyView : UnsafeRawBufferPointer(start: nil, count: 0)
    }

    @inline(__always)
    private func pickSmallest() {
        var best = -1
        for i in 0..<views.count where views[i].baseAddress != nil {
            if best < 0 || InternalKey.compare(views[i], views[best]) < 0 { best = i }
        }
        current = best
    }
}
