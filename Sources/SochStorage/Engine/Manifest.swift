/// The durable description of the database: which tables are live on which
/// level, where the WAL starts, the sequence numbers, the last checkpoint.
///
/// Written whole, atomically: `MANIFEST.tmp` is written and synced, renamed
/// over `MANIFEST`, and the directory is synced, so a crash leaves either the
/// old or the new manifest, never a mix. Layout (docs/formats/manifest.md):
///
///     magic "SOCHMANI" (8) | version u32 | payload length u32 | payload | CRC32C u32
///     payload := nextFileNumber u64 | lastSequence u64 | logNumber u64
///                | lastCheckpointLSN u64 | levelCount u32
///                | per level: fileCount u32 | per file: TableMeta
///     TableMeta := number u64 | size u64 | entries u64 | deletions u64
///                  | varint len | smallest internal key | varint len | largest internal key
///
/// All integers little-endian; the CRC covers every byte before it.
struct Manifest: Equatable {
    static let magic: [UInt8] = Array("SOCHMANI".utf8)
    static let version: UInt32 = 1
    static let fileName = "MANIFEST"
    static let maxLevels = 7

    struct TableMeta: Equatable {
        var number: UInt64
        var size: UInt64
        var entries: UInt64
        var deletions: UInt64
        var smallest: [UInt8]
        var largest: [UInt8]
    }

    /// The next number to give a table or WAL segment.
    var nextFileNumber: UInt64 = 2
    /// Every sequence number ≤ this is in a table (or was never used).
    var lastSequence: SequenceNumber = 0
    /// WAL segments numbered ≥ this may hold writes not yet in a table.
    var logNumber: UInt64 = 0
    var lastCheckpointLSN: SequenceNumber = 0
    var levels: [[TableMeta]] = Array(repeating: [], count: maxLevels)

    func encode() -> [UInt8] {
        var p: [UInt8] = []
        p.appendFixed64(nextFileNumber); p.appendFixed64(lastSequence)
        p.appendFixed64(logNumber); p.appendFixed64(lastCheckpointLSN)
        p.appendFixed32(UInt32(levels.count))
        for level in levels {
            p.appendFixed32(UInt32(level.count))
            for t in level {
                p.appendFixed64(t.number); p.appendFixed64(t.size)
                p.appendFixed64(t.entries); p.appendFixed64(t.deletions)
                p.appendLengthPrefixed(t.smallest); p.appendLengthPrefixed(t.largest)
            }
        }
        var out = Self.magic
        out.appendFixed32(Self.version)
        out.appendFixed32(UInt32(p.count))
        out.append(contentsOf: p)
        out.appendFixed32(Checksum.crc32c(out))
        return out
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> Manifest {
        func bad(_ why: String) -> StorageError { .corruption(path: path, reason: why) }
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw bad("not a SochDB manifest (bad magic or too short)") }
        return try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, offset: 8)
            guard let version = r.fixed32(), let length = r.fixed32() else { throw bad("truncated header") }
            guard version == Self.version else { throw bad("unsupported manifest version \(version)") }
            guard Int(length) == bytes.count - 20 else { throw bad("payload length \(length) does not match file size \(bytes.count)") }
            let stored = loadFixed32(raw.baseAddress! + bytes.count - 4)
            guard Checksum.crc32c(UnsafeRawBufferPointer(rebasing: raw[0..<(bytes.count - 4)])) == stored else {
                throw StorageError.checksumMismatch(path: path, offset: UInt64(bytes.count - 4))
            }
            r = ByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<(bytes.count - 4)]), offset: 16)
            var m = Manifest()
            guard let next = r.fixed64(), let seq = r.fixed64(), let log = r.fixed64(), let ckpt = r.fixed64(),
                  let levelCount = r.fixed32() else { throw bad("truncated payload") }
            guard levelCount == maxLevels else { throw bad("\(levelCount) levels, expected \(maxLevels)") }
            m.nextFileNumber = next; m.lastSequence = seq; m.logNumber = log; m.lastCheckpointLSN = ckpt
            for level in 0..<maxLevels {
                guard let count = r.fixed32(), Int(count) <= r.remaining / 34 else { throw bad("bad file count on level \(level)") }
                for _ in 0..<count {
                    guard let number = r.fixed64(), let size = r.fixed64(), let entries = r.fixed64(), let deletions = r.fixed64(),
                          let smallest = r.lengthPrefixed(), let largest = r.lengthPrefixed(),
                          InternalKey.isValid(smallest), InternalKey.isValid(largest) else { throw bad("malformed table entry on level \(level)") }
                    guard number < next else { throw bad("table \(number) is not below nextFileNumber \(next)") }
                    m.levels[level].append(TableMeta(number: number, size: size, entries: entries, deletions: deletions,
                                                     smallest: smallest, largest: largest))
                }
            }
            guard r.isAtEnd else { throw bad("\(r.remaining) trailing bytes in payload") }
            return m
        }
    }

    /// Reads `directory/MANIFEST`; nil if there is none.
    static func load(directory: String, fileSystem fs: FileSystem, counters: EngineCounters) throws -> Manifest? {
        let path = Path.join(directory, fileName)
        guard fs.fileExists(path) else { return nil }
        let file = try fs.openForReading(path)
        defer { file.close() }
        let bytes = try file.readAll()
        counters.bytesRead.add(bytes.count)
        return try decode(bytes, path: path)
    }

    /// Replaces `directory/MANIFEST` atomically (write, sync, rename, sync directory).
    func store(directory: String, fileSystem fs: FileSystem, counters: EngineCounters) throws {
        let tmp = Path.join(directory, Self.fileName + ".tmp")
        let bytes = encode()
        let file = try fs.openForAppend(tmp, truncate: true)
        do {
            try file.append(bytes)
            try file.sync()
            try file.close()
        } catch {
            try? file.close(); try? fs.remove(tmp)
            throw error
        }
        counters.bytesWritten.add(bytes.count)
        try fs.rename(tmp, to: Path.join(directory, Self.fileName))
        try fs.syncDirectory(directory)
    }
}

/// File names in a database directory (numbers are zero-padded to six digits
/// so a listing sorts, as LevelDB's).
enum DatabaseFile {
    case log(UInt64)
    case table(UInt64)
    case manifest
    case manifestTemp
    case lock

    static let lockName = "LOCK"

    var name: String {
        switch self {
        case .log(let n): return Self.padded(n) + ".log"
        case .table(let n): return Self.padded(n) + ".sst"
        case .manifest: return Manifest.fileName
        case .manifestTemp: return Manifest.fileName + ".tmp"
        case .lock: return Self.lockName
        }
    }

    init?(name: String) {
        if name == Manifest.fileName { self = .manifest; return }
        if name == Manifest.fileName + ".tmp" { self = .manifestTemp; return }
        if name == Self.lockName { self = .lock; return }
        for (suffix, make) in [(".log", DatabaseFile.log), (".sst", DatabaseFile.table)] as [(String, (UInt64) -> DatabaseFile)] {
            if name.hasSuffix(suffix), let n = UInt64(name.dropLast(suffix.count)), name.count > suffix.count {
                self = make(n); return
            }
        }
        return nil
    }

    private static func padded(_ n: UInt64) -> String {
        let s = String(n)
        return s.count >= 6 ? s : String(repeating: "0", count: 6 - s.count) + s
    }
}
