// Fuzz target `wal`: one write-ahead-log segment (docs/formats/wal.md).
//
// Feeds: the input as the bytes of a segment file, served from memory through
// the engine's own FileSystem protocol, to WALReader.read, then each record's
// payload to the WriteBatch decoder and a Memtable, as Recovery does. Each
// input is read twice: as given, and with every checksum repaired (segment
// header CRC, each record's header and payload CRC), so mutations of lengths
// and batch contents get past the CRCs.
//
// Checks, beyond "no trap / no out-of-bounds read":
// - errors are StorageError;
// - every record delivered lies inside the input, after the previous one,
//   its payload equals those input bytes and matches its stored CRC;
// - the report is consistent (validEnd ≤ size, tornTailBytes = size − validEnd
//   when set, records = records delivered);
// - strict and salvage agree: same records, and strict throws walCorruption
//   exactly when salvage reports that corruption;
// - batch keys/values returned by WriteBatch.forEach lie inside the payload.
import FuzzStorageSupport
import FuzzSupport
@testable import SochStorage

@_cdecl("fuzz_wal_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(inputBytes(data), size) }
}

/// A file system holding one file; WALReader only opens it for reading.
final class OneFileSystem: FileSystem, @unchecked Sendable {
    let file: MemoryFile
    init(_ file: MemoryFile) { self.file = file }
    struct Unsupported: Error {}
    func openForReading(_ path: String) throws -> ReadableFile { file }
    func fileExists(_ path: String) -> Bool { path == file.path }
    func fileSize(_ path: String) throws -> UInt64 { file.size }
    func createDirectory(_ path: String) throws { throw Unsupported() }
    func children(of directory: String) throws -> [String] { [] }
    func openForAppend(_ path: String, truncate: Bool) throws -> WritableFile { throw Unsupported() }
    func remove(_ path: String) throws { throw Unsupported() }
    func rename(_ from: String, to: String) throws { throw Unsupported() }
    func syncDirectory(_ path: String) throws {}
    func truncate(_ path: String, to size: UInt64) throws { throw Unsupported() }
    func lockFile(_ path: String) throws -> FileLock { throw Unsupported() }
}

let counters = EngineCounters()

func load32(_ b: [UInt8], _ at: Int) -> UInt32 { b.withUnsafeBytes { loadFixed32($0.baseAddress! + at) } }

/// The input with every CRC it has room for recomputed.
func repaired(_ input: [UInt8]) -> [UInt8] {
    var b = input
    guard b.count >= WALFormat.segmentHeaderSize else { return b }
    b.setFixed32(Checksum.crc32c(b[0..<12]), at: 12)
    var pos = WALFormat.segmentHeaderSize
    while b.count - pos >= WALFormat.recordHeaderSize {
        let length = Int(load32(b, pos + 4))
        guard length <= b.count - pos - 12 else { break }
        b.setFixed32(Checksum.crc32c(b[(pos + 12)..<(pos + 12 + length)]), at: pos + 8)
        b.setFixed32(Checksum.crc32c(b[(pos + 4)..<(pos + 12)]), at: pos)
        pos += 12 + length
    }
    return b
}

struct Outcome {
    var records: [(offset: UInt64, payload: [UInt8])] = []
    var report: WALSegmentReport?
    var error: StorageError?
}

/// One read of the segment in `fs`, checking every delivered record against the input.
func readSegment(_ fs: OneFileSystem, isLast: Bool, mode: WALRecovery) -> Outcome {
    let input = fs.file.bytes
    var out = Outcome()
    var previousEnd = UInt64(WALFormat.segmentHeaderSize)
    do {
        out.report = try WALReader.read(fileSystem: fs, path: fs.file.path, isLastSegment: isLast, mode: mode,
                                        counters: counters) { payload, offset in
            let start = Int(offset) + WALFormat.recordHeaderSize
            require(offset >= previousEnd && start + payload.count <= input.count, "record outside the input or overlapping")
            require(payload.elementsEqual(input[start..<(start + payload.count)]), "payload differs from the input bytes")
            require(Checksum.crc32c(payload) == load32(input, Int(offset) + 8), "payload CRC does not match")
            previousEnd = UInt64(start + payload.count)
            out.records.append((offset, Array(payload)))
        }
    } catch let e as StorageError {
        out.error = e
    } catch {
        fatalError("non-StorageError \(error)")
    }
    if let r = out.report {
        require(r.fileSize == UInt64(input.count) && r.validEnd <= r.fileSize, "report out of range")
        require(r.records == out.records.count, "record count differs from records delivered")
        require(r.tornTailBytes == 0 || r.tornTailBytes == r.fileSize - r.validEnd, "torn tail inconsistent")
        if let last = out.records.last {
            require(r.corruption != nil || r.validEnd == last.offset + 12 + UInt64(last.payload.count),
                         "validEnd is not the end of the last record")
        }
    }
    return out
}

/// What Recovery does with a record: decode the batch, apply it to the memtable.
func replay(_ payload: [UInt8], into mem: Memtable) {
    guard payload.count >= WriteBatch.headerSize else { return }   // Recovery refuses these
    let batch = WriteBatch(representation: payload)
    do {
        try batch.forEach { _, key, value in
            payload.withUnsafeBytes { p in
                for part in [key, value] where part.count > 0 {
                    require(part.baseAddress! >= p.baseAddress! && part.baseAddress! + part.count <= p.baseAddress! + p.count,
                                 "batch entry outside the payload")
                }
            }
        }
        try mem.add(batch)
    } catch is StorageError {
    } catch {
        fatalError("non-StorageError \(error)")
    }
}

func check(_ bytes: [UInt8]) {
    let fs = OneFileSystem(MemoryFile(path: "/fuzz/000007.log", bytes: bytes))
    for isLast in [true, false] {
        let strict = readSegment(fs, isLast: isLast, mode: .strict)
        let salvage = readSegment(fs, isLast: isLast, mode: .salvage)
        // Both modes deliver the same records; they differ only in how damage is reported.
        require(strict.records.map(\.offset) == salvage.records.map(\.offset), "strict and salvage delivered different records")
        if case .walCorruption? = strict.error {
            require(salvage.report?.corruption == strict.error, "strict threw \(strict.error!), salvage reported \(String(describing: salvage.report?.corruption))")
        } else {
            require(salvage.report?.corruption == nil, "salvage found corruption strict did not")
            require(strict.error == salvage.error, "strict and salvage failed differently")
        }
        if isLast, !salvage.records.isEmpty {
            let mem = Memtable()   // one per segment, as in Recovery (4 MiB arena: made only when needed)
            for r in salvage.records { replay(r.payload, into: mem) }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkAsGivenAndRepaired(data, size, repair: repaired, check: check)
    return 0
}
