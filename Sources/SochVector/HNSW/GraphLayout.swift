/// Raw pointers to the sections of a graph, copied into locals by the hot
/// loops. The memory belongs to an ``OwnedSections`` or a ``MappedFile`` held
/// by the index; a layout is valid until the index next grows.
///
/// Every accessor that follows a stored link is bounds-checked against
/// `count`, `m0`/`m` and `upperLength`, so a damaged file opened without full
/// verification can give bad results but never reads outside its sections.

struct GraphLayout {
    static let noNode = UInt32.max

    var vectors: UnsafeMutablePointer<Float>
    /// `count` blocks of `1 + m0` words: `[n][ids…]`.
    var level0: UnsafeMutablePointer<UInt32>
    /// Top level of each node.
    var levels: UnsafeMutablePointer<UInt8>
    /// Word offset of each node's upper blocks in `upperLinks`
    /// (`noNode` for level-0 nodes).
    var upperOffsets: UnsafeMutablePointer<UInt32>
    /// For a node of level L, L blocks of `1 + m` words for levels 1…L.
    var upperLinks: UnsafeMutablePointer<UInt32>
    var externalIDs: UnsafeMutablePointer<Int64>
    /// One bit per node; set = deleted.
    var tombstones: UnsafeMutablePointer<UInt64>
    var count: Int
    /// Words of `upperLinks` in use.
    var upperLength: Int
    var m: Int
    var m0: Int

    @inline(__always)
    func vector(_ node: UInt32, _ dimension: Int) -> UnsafeMutablePointer<Float> {
        vectors + Int(node) &* dimension
    }

    /// The link block of `node` at `level` (`[n][ids…]`) and its capacity,
    /// or nil when the node has no such level or the block lies outside the
    /// section.
    @inline(__always)
    func linkBlock(_ node: UInt32, level: Int) -> (UnsafeMutablePointer<UInt32>, Int)? {
        if level == 0 { return (level0 + Int(node) &* (m0 &+ 1), m0) }
        guard Int(levels[Int(node)]) >= level else { return nil }
        let offset = upperOffsets[Int(node)]
        guard offset != GraphLayout.noNode else { return nil }
        let start = Int(offset) &+ (level &- 1) &* (m &+ 1)
        guard start &+ m &+ 1 <= upperLength else { return nil }
        return (upperLinks + start, m)
    }

    @inline(__always)
    func isDeleted(_ node: UInt32) -> Bool {
        tombstones[Int(node >> 6)] & (1 << UInt64(node & 63)) != 0
    }
}

/// Owned, growable storage for every section of a graph.
/// Growth copies; only the index's writer grows it.
final class OwnedSections {
    var vectors: AlignedBuffer<Float>
    var level0: AlignedBuffer<UInt32>
    var levels: AlignedBuffer<UInt8>
    var upperOffsets: AlignedBuffer<UInt32>
    var upperLinks: AlignedBuffer<UInt32>
    var externalIDs: AlignedBuffer<Int64>
    var tombstones: AlignedBuffer<UInt64>

    init(capacity: Int, dimension: Int, m0: Int) {
        let n = max(capacity, 1)
        vectors = AlignedBuffer(capacity: n * dimension)
        level0 = AlignedBuffer(capacity: n * (m0 + 1))
        levels = AlignedBuffer(capacity: n)
        upperOffsets = AlignedBuffer(capacity: n)
        upperLinks = AlignedBuffer(capacity: 16)
        externalIDs = AlignedBuffer(capacity: n)
        tombstones = AlignedBuffer(capacity: (n + 63) / 64)
    }

    func reserve(nodes: Int, upperWords: Int, dimension: Int, m0: Int) {
        vectors.reserve(nodes * dimension)
        level0.reserve(nodes * (m0 + 1))
        levels.reserve(nodes)
        upperOffsets.reserve(nodes)
        externalIDs.reserve(nodes)
        tombstones.reserve((nodes + 63) / 64)
        upperLinks.reserve(upperWords)
    }

    func layout(count: Int, dimension: Int, m: Int) -> GraphLayout {
        GraphLayout(vectors: vectors.base, level0: level0.base, levels: levels.base,
                    upperOffsets: upperOffsets.base, upperLinks: upperLinks.base,
                    externalIDs: externalIDs.base, tombstones: tombstones.base,
                    count: count, upperLength: 0, m: m, m0: 2 * m)
    }

    /// Copies all sections of `source` (e.g. a mapping) into these buffers.
    func copy(from source: GraphLayout, dimension: Int, m0: Int) {
        let n = source.count
        reserve(nodes: n, upperWords: source.upperLength, dimension: dimension, m0: m0)
        vectors.base.update(from: source.vectors, count: n * dimension)
        level0.base.update(from: source.level0, count: n * (m0 + 1))
        levels.base.update(from: source.levels, count: n)
        upperOffsets.base.update(from: source.upperOffsets, count: n)
        upperLinks.base.update(from: source.upperLinks, count: source.upperLength)
        externalIDs.base.update(from: source.externalIDs, count: n)
        tombstones.base.update(from: source.tombstones, count: (n + 63) / 64)
    }

    /// Bytes allocated for all sections.
    var byteCount: Int {
        vectors.capacity * 4 + level0.capacity * 4 + levels.capacity + upperOffsets.capacity * 4
            + upperLinks.capacity * 4 + externalIDs.capacity * 8 + tombstones.capacity * 8
    }
}
