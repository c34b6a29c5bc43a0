extension HNSWIndex {
    /// How much of a file `open` checks.
    public enum Verification: Sendable {
        /// Header, section table and their checksum, and section bounds:
        /// O(1), the file's pages are not read. Searches stay memory-safe on a
        /// damaged file (every link is bounds-checked) but may return poor
        /// results.
        case header
        /// Also every section checksum and the graph's structure (levels,
        /// offsets, link counts and ids, tombstone count, unique ids): reads
        /// the whole file once.
        case full
    }

    /// Opens an index file by mapping it read-only; ready to search at once.
    ///
    /// A truncated, corrupt or hostile file gives `.corruptFile`,
    /// `.checksumMismatch` or `.unsupportedFormat`, never a crash, and no
    /// allocation is sized by a field before that field is checked against
    /// the file size. The first `add` copies the sections into memory.
    public static func open(_ path: String, verification: Verification = .header,
                            options: MappedFile.Options = .init()) throws -> HNSWIndex {
        let file = try MappedFile(path: path, options: options)
        let header = try FileHeader(file)
        let layout = try header.layout(in: file)
        let index = HNSWIndex(dimension: header.dimension, metric: header.metric,
                              parameters: HNSWParameters(m: header.m, efConstruction: header.efConstruction),
                              layout: layout, mapping: file, entryPoint: header.entryPoint,
                              maxLevel: header.maxLevel)
        index.identityIDs = header.identityIDs
        index.deletedCount = header.deletedCount
        if verification == .full {
            try header.verifyChecksums(in: file)
            try index.verifyStructure(path: path)
        }
        file.advise(sequential: false)
        return index
    }
}

/// The parsed, bounds-checked header and section table of an `.hnsw` file.
struct FileHeader {
    var metric: Metric
    var dimension: Int
    var m: Int
    var efConstruction: Int
    var count: Int
    var entryPoint: UInt32
    var maxLevel: Int
    var identityIDs: Bool
    var deletedCount: Int
    /// kind → (offset, length, crc)
    var sections: [HNSWFileFormat.Section: (offset: Int, length: Int, crc: UInt32)] = [:]
    let path: String

    init(_ file: MappedFile) throws {
        typealias F = HNSWFileFormat.Field
        path = file.path
        let p = file.bytes
        func corrupt(_ why: String) -> SochVectorError { .corruptFile(path: file.path, reason: why) }
        guard file.size >= HNSWFileFormat.headerSize else {
            throw corrupt("file is \(file.size) bytes, shorter than the \(HNSWFileFormat.headerSize)-byte header")
        }
        guard (0..<8).allSatisfy({ p.load(fromByteOffset: $0, as: UInt8.self) == HNSWFileFormat.magic[$0] }) else {
            throw corrupt("bad magic (not a SochDB .hnsw file)")
        }
        let version = p.le(UInt32.self, at: F.version)
        guard version == HNSWFileFormat.version else {
            throw SochVectorError.unsupportedFormat(path: file.path, reason: "format version \(version); this build reads version \(HNSWFileFormat.version)")
        }
        guard p.le(UInt32.self, at: F.headerSize) == UInt32(HNSWFileFormat.headerSize) else { throw corrupt("header size field is not 64") }
        let sectionCount = Int(p.le(UInt32.self, at: F.sectionCount))
        guard sectionCount >= HNSWFileFormat.Section.allCases.count, sectionCount <= HNSWFileFormat.maxSections else {
            throw corrupt("section count \(sectionCount) out of range")
        }
        let tableEnd = HNSWFileFormat.headerSize + sectionCount * HNSWFileFormat.sectionEntrySize
        guard tableEnd <= file.size else { throw corrupt("section table runs past the end of the file (\(file.size) bytes)") }
        let stored = p.le(UInt32.self, at: F.headerCRC)
        var crc = CRC32C.checksum(p, count: F.headerCRC)
        crc = CRC32C.checksum(p + HNSWFileFormat.headerSize, count: tableEnd - HNSWFileFormat.headerSize, extending: crc)
        guard crc == stored else { throw SochVectorError.checksumMismatch(path: file.path, section: "header") }

        guard let metric = Metric(formatCode: p.le(UInt32.self, at: F.metric)) else { throw corrupt("unknown metric code") }
        self.metric = metric
        dimension = Int(p.le(UInt32.self, at: F.dimension))
        m = Int(p.le(UInt32.self, at: F.m))
        efConstruction = Int(p.le(UInt32.self, at: F.efConstruction))
        let rawCount = p.le(UInt64.self, at: F.count)
        entryPoint = p.le(UInt32.self, at: F.entryPoint)
        let rawMaxLevel = p.le(UInt32.self, at: F.maxLevel)
        identityIDs = p.le(UInt32.self, at: F.flags) & HNSWFileFormat.flagIdentityIDs != 0
        deletedCount = Int(p.le(UInt32.self, at: F.deletedCount))
        guard (1...65_536).contains(dimension) else { throw corrupt("dimension \(dimension) out of range") }
        guard (2...255).contains(m) else { throw corrupt("m \(m) out of range") }
        guard (1...100_000).contains(efConstruction) else { throw corrupt("efConstruction \(efConstruction) out of range") }
        // Every vector takes dimension·4 bytes of the file: bounds count before any use.
        guard rawCount <= UInt64(file.size / (dimension * 4)), rawCount < UInt64(UInt32.max) else {
            throw corrupt("count \(rawCount) cannot fit in a \(file.size)-byte file")
        }
        count = Int(rawCount)
        if count == 0 {
            guard entryPoint == GraphLayout.noNode, rawMaxLevel == UInt32.max else { throw corrupt("empty index with an entry point") }
            maxLevel = -1
        } else {
            guard entryPoint < UInt32(count) else { throw corrupt("entry point \(entryPoint) ≥ count \(count)") }
            guard rawMaxLevel <= UInt32(HNSWParameters.maxLevel) else { throw corrupt("max level \(rawMaxLevel) out of range") }
            maxLevel = Int(rawMaxLevel)
        }
        guard deletedCount <= count else { throw corrupt("deleted count \(deletedCount) > count \(count)") }

        for i in 0..<sectionCount {
            let e = HNSWFileFormat.headerSize + i * HNSWFileFormat.sectionEntrySize
            let offset = p.le(UInt64.self, at: e + 8), length = p.le(UInt64.self, at: e + 16)
            guard let kind = HNSWFileFormat.Section(rawValue: p.le(UInt32.self, at: e)) else { continue }
            guard sections[kind] == nil else { throw corrupt("section \(kind.name) appears twice") }
            guard offset % UInt64(HNSWFileFormat.alignment) == 0, offset >= UInt64(tableEnd),
                  length <= UInt64(file.size), offset <= UInt64(file.size) - length else {
                throw corrupt("section \(kind.name) (offset \(offset), length \(length)) lies outside the \(file.size)-byte file or is misaligned")
            }
            sections[kind] = (Int(offset), Int(length), p.le(UInt32.self, at: e + 24))
        }
        try checkSectionLengths()
    }

    private func checkSectionLengths() throws {
        let n = count
        let expected: [HNSWFileFormat.Section: Int] = [
            .vectors: n * dimension * 4, .level0Links: n * (2 * m + 1) * 4, .levels: n,
            .upperOffsets: n * 4, .externalIDs: n * 8, .tombstones: (n + 63) / 64 * 8,
        ]
        for kind in HNSWFileFormat.Section.allCases {
            guard let s = sections[kind] else { throw SochVectorError.corruptFile(path: path, reason: "section \(kind.name) missing") }
            if let want = expected[kind], s.length != want {
                throw SochVectorError.corruptFile(path: path, reason: "section \(kind.name) is \(s.length) bytes, expected \(want)")
            }
        }
        let upper = sections[.upperLinks]!.length
        guard upper % 4 == 0 else { throw SochVectorError.corruptFile(path: path, reason: "upper_links length \(upper) is not a multiple of 4") }
    }

    func layout(in file: MappedFile) throws -> GraphLayout {
        func at<T>(_ kind: HNSWFileFormat.Section, _: T.Type) -> UnsafeMutablePointer<T> {
            UnsafeMutableRawPointer(mutating: file.bytes + sections[kind]!.offset).assumingMemoryBound(to: T.self)
        }
        let g = GraphLayout(
            vectors: at(.vectors, Float.self), level0: at(.level0Links, UInt32.self),
            levels: at(.levels, UInt8.self), upperOffsets: at(.upperOffsets, UInt32.self),
            upperLinks: at(.upperLinks, UInt32.self), externalIDs: at(.externalIDs, Int64.self),
            tombstones: at(.tombstones, UInt64.self), count: count,
            upperLength: sections[.upperLinks]!.length / 4, m: m, m0: 2 * m)
        if count > 0 && Int(g.levels[Int(entryPoint)]) < maxLevel {
            throw SochVectorError.corruptFile(path: path, reason: "entry point's level is below the max level")
        }
        return g
    }

    func verifyChecksums(in file: MappedFile) throws {
        for kind in HNSWFileFormat.Section.allCases {
            let s = sections[kind]!
            guard CRC32C.checksum(file.bytes + s.offset, count: s.length) == s.crc else {
                throw SochVectorError.checksumMismatch(path: path, section: kind.name)
            }
        }
    }
}

extension HNSWIndex {
    /// Checks the graph's invariants on a mapped file (part of `.full`).
    func verifyStructure(path: String) throws {
        func corrupt(_ why: String) -> SochVectorError { .corruptFile(path: path, reason: why) }
        let g = layout, n = g.count, m = parameters.m, m0 = parameters.m0
        var upper = 0
        var deleted = 0
        for i in 0..<n {
            let level = Int(g.levels[i])
            guard level <= maxLevel else { throw corrupt("node \(i) has level \(level) > max level \(maxLevel)") }
            let block = g.level0 + i * (m0 + 1)
            guard Int(block[0]) <= m0 else { throw corrupt("node \(i) has \(block[0]) level-0 links > \(m0)") }
            for j in 0..<Int(block[0]) where Int(block[1 + j]) >= n { throw corrupt("node \(i) links to \(block[1 + j]) ≥ count") }
            if level > 0 {
                guard Int(g.upperOffsets[i]) == upper else { throw corrupt("node \(i) upper offset \(g.upperOffsets[i]), expected \(upper)") }
                for l in 1...level {
                    let b = g.upperLinks + upper + (l - 1) * (m + 1)
                    guard upper + l * (m + 1) <= g.upperLength else { throw corrupt("node \(i) upper links past the section") }
                    guard Int(b[0]) <= m else { throw corrupt("node \(i) level \(l) has \(b[0]) links > \(m)") }
                    for j in 0..<Int(b[0]) where Int(b[1 + j]) >= n { throw corrupt("node \(i) links to \(b[1 + j]) ≥ count") }
                }
                upper += level * (m + 1)
            } else {
                guard g.upperOffsets[i] == GraphLayout.noNode else { throw corrupt("level-0 node \(i) has an upper offset") }
            }
            if g.isDeleted(UInt32(i)) { deleted += 1 }
        }
        guard upper == g.upperLength else { throw corrupt("upper_links has \(g.upperLength) words, nodes use \(upper)") }
        guard deleted == deletedCount else { throw corrupt("\(deleted) tombstones, header says \(deletedCount)") }
        var seen = Set<Int64>(minimumCapacity: n)
        for i in 0..<n {
            let id = g.externalIDs[i]
            if identityIDs && id != Int64(i) { throw corrupt("identity-id flag set but node \(i) has id \(id)") }
            guard seen.insert(id).inserted else { throw corrupt("external id \(id) appears twice") }
        }
    }
}
