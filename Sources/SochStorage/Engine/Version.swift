/// One live table file: its manifest entry and its open reader.
///
/// Lifetime: held by every ``Version`` that lists it. Once compaction has
/// replaced it and the new manifest is durable, it is marked obsolete; the
/// file is deleted when the last version (and so the last iterator or read)
/// holding it goes away.
final class TableFile: @unchecked Sendable {
    let meta: Manifest.TableMeta
    let reader: TableReader
    let path: String
    private let fileSystem: FileSystem
    private let cache: BlockCache?
    private let obsolete = ManagedFlag()

    init(meta: Manifest.TableMeta, reader: TableReader, path: String, fileSystem: FileSystem, cache: BlockCache?) {
        self.meta = meta; self.reader = reader; self.path = path
        self.fileSystem = fileSystem; self.cache = cache
    }

    var number: UInt64 { meta.number }
    var smallestUserKey: ArraySlice<UInt8> { InternalKey.userKey(meta.smallest) }
    var largestUserKey: ArraySlice<UInt8> { InternalKey.userKey(meta.largest) }

    func markObsolete() { _ = obsolete.setOnce() }

    /// True if `userKey` lies within this table's key range.
    @inline(__always)
    func covers<K: ContiguousCollection>(_ userKey: K) -> Bool where K.Element == UInt8 {
        compareBytes(smallestUserKey, userKey) <= 0 && compareBytes(largestUserKey, userKey) >= 0
    }

    func overlaps(_ smallest: ArraySlice<UInt8>, _ largest: ArraySlice<UInt8>) -> Bool {
        compareBytes(largestUserKey, smallest) >= 0 && compareBytes(smallestUserKey, largest) <= 0
    }

    deinit {
        guard obsolete.isSet else { return }
        cache?.evictFile(meta.number)
        try? fileSystem.remove(path)
    }
}

/// An immutable picture of the live tables: level 0 newest first (its tables
/// may overlap), levels 1… sorted by key with no overlap. Readers take the
/// current version under the engine's lock and then read without it.
final class Version: @unchecked Sendable {
    let levels: [[TableFile]]

    init(levels: [[TableFile]]) { self.levels = levels }

    static let empty = Version(levels: Array(repeating: [], count: Manifest.maxLevels))

    enum Lookup { case found([UInt8]), deleted, absent }

    /// The newest version of `userKey` at the sequence in `lookupKey`.
    func get(userKey: [UInt8], lookupKey: [UInt8]) throws -> Lookup {
        for table in levels[0] where table.covers(userKey) {
            if let hit = try table.reader.get(userKey: userKey, lookupKey: lookupKey) { return Self.decode(hit) }
        }
        for level in 1..<levels.count {
            let tables = levels[level]
            guard !tables.isEmpty else { continue }
            let i = Self.firstTable(in: tables, withLargestAtLeast: lookupKey)
            guard i < tables.count, tables[i].covers(userKey) else { continue }
            if let hit = try tables[i].reader.get(userKey: userKey, lookupKey: lookupKey) { return Self.decode(hit) }
        }
        return .absent
    }

    private static func decode(_ hit: (key: [UInt8], value: [UInt8])) -> Lookup {
        InternalKey.kind(hit.key) == .value ? .found(hit.value) : .deleted
    }

    /// Index of the first table whose largest internal key is ≥ `key` (binary search).
    static func firstTable(in tables: [TableFile], withLargestAtLeast key: [UInt8]) -> Int {
        var lo = 0, hi = tables.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if InternalKey.compare(tables[mid].meta.largest, key) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Tables of `level` whose user-key range meets [smallest, largest].
    func overlapping(level: Int, _ smallest: ArraySlice<UInt8>, _ largest: ArraySlice<UInt8>) -> [TableFile] {
        levels[level].filter { $0.overlaps(smallest, largest) }
    }

    func bytes(level: Int) -> UInt64 { levels[level].reduce(0) { $0 + $1.meta.size } }

    /// The version with `removed` (by number) taken out and `added` put in.
    func applying(removed: Set<UInt64>, added: [(level: Int, table: TableFile)]) -> Version {
        var next = levels.map { $0.filter { !removed.contains($0.number) } }
        for (level, table) in added { next[level].append(table) }
        next[0].sort { $0.number > $1.number }
        for l in 1..<next.count {
            next[l].sort { InternalKey.compare($0.meta.smallest, $1.meta.smallest) < 0 }
        }
        return Version(levels: next)
    }

    var tableMetas: [[Manifest.TableMeta]] { levels.map { $0.map(\.meta) } }
}
