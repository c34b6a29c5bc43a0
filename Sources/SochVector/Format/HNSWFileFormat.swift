/// On-disk constants of the `.hnsw` index file. FORMAT: changing any value
/// here changes the file format; bump `version` and update
/// docs/formats/hnsw.md, which documents every byte.
enum HNSWFileFormat {
    static let magic: [UInt8] = Array("SOCHHNSW".utf8)
    static let version: UInt32 = 1
    static let headerSize = 64
    static let sectionEntrySize = 32
    static let alignment = 64
    /// Upper bound on the section count a reader accepts (bounds the table).
    static let maxSections = 64

    /// Header field offsets.
    enum Field {
        static let magic = 0, version = 8, headerSize = 12, metric = 16, dimension = 20
        static let m = 24, efConstruction = 28, count = 32, entryPoint = 40, maxLevel = 44
        static let sectionCount = 48, flags = 52, deletedCount = 56, headerCRC = 60
    }

    /// Header flag bits.
    static let flagIdentityIDs: UInt32 = 1

    /// Section kinds, in the order a writer lays them out.
    enum Section: UInt32, CaseIterable {
        case vectors = 1, level0Links = 2, levels = 3, upperOffsets = 4
        case upperLinks = 5, externalIDs = 6, tombstones = 7

        var name: String {
            switch self {
            case .vectors: return "vectors"
            case .level0Links: return "level0_links"
            case .levels: return "levels"
            case .upperOffsets: return "upper_offsets"
            case .upperLinks: return "upper_links"
            case .externalIDs: return "external_ids"
            case .tombstones: return "tombstones"
            }
        }
    }
}

/// Little-endian field access for headers (files are little-endian on every
/// host; these compile to plain loads on x86-64 and arm64).
extension Array where Element == UInt8 {
    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { b in
            for i in 0..<b.count { self[offset + i] = b[i] }
        }
    }
}

extension UnsafeRawPointer {
    func le<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
