/// How recovery treats damage in the write-ahead log that is not a torn tail.
public enum WALRecovery: Sendable, Hashable, CaseIterable {
    /// Damage before the end of the log fails the open with
    /// ``StorageError/walCorruption(segment:offset:reason:)``; nothing is
    /// changed on disk.
    case strict
    /// Recovery keeps every record before the first damaged one and drops
    /// the damaged record and everything after it, in that segment and in
    /// all later segments.
    case salvage
}

/// What reading one segment found.
struct WALSegmentReport: Equatable, Sendable {
    /// Offset just past the last intact record: the size the engine truncates
    /// the segment to. ``WALFormat/segmentHeaderSize`` for a segment with a
    /// header and no records; 0 when the segment has no valid header (a torn
    /// empty last segment, or salvaged damage in the header), in which case
    /// the engine removes the file rather than truncating it.
    var validEnd: UInt64
    /// Bytes after `validEnd` judged a torn tail (the unfinished last write
    /// of a crash). 0 when the segment ends cleanly or when `corruption` is set.
    var tornTailBytes: UInt64
    /// Set only in ``WALRecovery/salvage`` mode: the damage at which reading
    /// stopped. Records from `validEnd` on, and every later segment, are lost.
    var corruption: StorageError?
    /// Records delivered to the body.
    var records: Int
    /// The segment's size when it was opened.
    var fileSize: UInt64
}

/// Reads and recovers write-ahead-log segments (docs/formats/wal.md).
///
/// A record is *torn* (the normal leftover of a crash: trimmed, no error) when
/// no intact record can follow it: fewer than 12 bytes remain, the payload
/// runs past the end of the file, or its header or payload checksum fails and
/// no intact record (header and payload checksums both right) starts anywhere
/// after it in the file. An all-zero or garbage-filled tail is therefore
/// torn. A bad checksum *followed by* an intact record is damage in the middle
/// of the log, as is any torn tail in a segment that is not the last (the
/// engine syncs a segment before it creates the next). See
/// ``read(fileSystem:path:isLastSegment:mode:counters:body:)``.
enum WALReader {
    /// Reads the segment at `path`, calling `body` for each intact record in
    /// order with its payload (valid only during the call) and the record's
    /// byte offset in the file.
    ///
    /// Mid-log damage throws ``StorageError/walCorruption(segment:offset:reason:)``
    /// naming the damaged record's offset in `.strict` mode, and ends the read
    /// with ``WALSegmentReport/corruption`` set in `.salvage` mode; records
    /// before it have been delivered either way. A segment header with the
    /// right magic and checksum but another version throws
    /// ``StorageError/corruption(path:reason:)`` in both modes (a newer
    /// format is not damage, and salvaging would discard it). Errors thrown by
    /// `body` and I/O errors propagate.
    ///
    /// Reads the file in windows of about 1 MiB; a window grows to hold a
    /// larger record, but never past the file's size, whatever a length field
    /// claims. O(file size), plus a byte-by-byte search of the remainder of
    /// the file after a bad checksum.
    static func read(
        fileSystem: FileSystem, path: String, isLastSegment: Bool, mode: WALRecovery,
        counters: EngineCounters,
        body: (_ payload: UnsafeRawBufferPointer, _ recordOffset: UInt64) throws -> Void
    ) throws -> WALSegmentReport {
        let file = try fileSystem.openForReading(path)
        defer { file.close() }
        var scanner = SegmentScanner(file: file, isLastSegment: isLastSegment, mode: mode, counters: counters)
        return try scanner.run(body)
    }
}

/// One pass over one segment: the recovery rules.
private struct SegmentScanner {
    let path: String
    let fileSize: UInt64
    let isLastSegment: Bool
    let mode: WALRecovery
    var window: SegmentWindow
    var records = 0

    init(file: ReadableFile, isLastSegment: Bool, mode: WALRecovery, counters: EngineCounters) {
        path = file.path
        fileSize = file.size
        self.isLastSegment = isLastSegment
        self.mode = mode
        window = SegmentWindow(file: file, counters: counters)
    }

    mutating func run(_ body: (UnsafeRawBufferPointer, UInt64) throws -> Void) throws -> WALSegmentReport {
        if let early = try checkSegmentHeader() { return early }
        var position = UInt64(WALFormat.segmentHeaderSize)
        while position < fileSize {
            switch try readRecord(at: position, body) {
            case .intact(let next):
                records += 1
                position = next
            case .bad(let reason, let searchFrom):
                return try damagedOrTorn(at: position, reason: reason, searchFrom: searchFrom)
            }
        }
        return report(validEnd: position)
    }

    private enum RecordOutcome {
        /// Delivered; the next record starts at `next`.
        case intact(next: UInt64)
        /// Not delivered. The record is damage rather than a torn tail if an
        /// intact record starts at or after `searchFrom` (nil: it cannot be).
        case bad(reason: String, searchFrom: UInt64?)
    }

    private mutating func readRecord(at position: UInt64, _ body: (UnsafeRawBufferPointer, UInt64) throws -> Void) throws -> RecordOutcome {
        let headerSize = WALFormat.recordHeaderSize
        guard fileSize - position >= UInt64(headerSize) else {
            return .bad(reason: "record header cut short by the end of the file", searchFrom: nil)
        }
        try window.load(position, headerSize)
        let header = window.withBytes(position, headerSize) { WALFormat.decodeRecordHeader($0.baseAddress!) }
        guard header.isIntact, Int(header.length) <= WALFormat.maxPayloadSize else {
            let why = header.isIntact ? "record length \(header.length) exceeds the maximum" : "record header checksum mismatch"
            return .bad(reason: why, searchFrom: position + 1)
        }
        let end = position + UInt64(headerSize) + UInt64(header.length)
        guard end <= fileSize else {
            return .bad(reason: "record payload cut short by the end of the file", searchFrom: nil)
        }
        try window.load(position, headerSize + Int(header.length))
        let intact = try window.withBytes(position + UInt64(headerSize), Int(header.length)) { payload in
            guard Checksum.crc32c(payload) == header.payloadCRC else { return false }
            try body(payload, position)
            return true
        }
        return intact ? .intact(next: end) : .bad(reason: "record payload checksum mismatch", searchFrom: end)
    }

    /// Handles the 16-byte segment header; returns a final report when the
    /// segment has no usable header, nil to go on reading records.
    private mutating func checkSegmentHeader() throws -> WALSegmentReport? {
        let size = WALFormat.segmentHeaderSize
        guard fileSize >= UInt64(size) else {
            return try torn(at: 0, what: "segment of \(fileSize) bytes is shorter than its \(size)-byte header")
        }
        try window.load(0, size)
        switch window.withBytes(0, size, WALFormat.checkSegmentHeader) {
        case .valid:
            return nil
        case .unsupportedVersion(let v):
            throw StorageError.corruption(path: path, reason: "WAL format version \(v) is not supported (this build reads version \(WALFormat.version))")
        case .damaged:
            if try intactRecordExists(from: UInt64(size)) {
                return try corrupt(at: 0, reason: "segment header damaged (bad magic or checksum) and intact records follow it")
            }
            return try torn(at: 0, what: "segment header damaged (bad magic or checksum)")
        }
    }

    /// Classifies the bad record at `position`: damage if an intact record
    /// starts at or after `searchFrom`, otherwise a torn tail.
    private mutating func damagedOrTorn(at position: UInt64, reason: String, searchFrom: UInt64?) throws -> WALSegmentReport {
        if let from = searchFrom, try intactRecordExists(from: from) {
            return try corrupt(at: position, reason: "record \(records): \(reason), and intact records follow it")
        }
        return try torn(at: position, what: "record \(records): \(reason)")
    }

    /// A torn tail at `position`: trimmed in the last segment, damage in any other.
    private func torn(at position: UInt64, what: String) throws -> WALSegmentReport {
        guard isLastSegment else {
            return try corrupt(at: position, reason: "\(what), in a segment that is not the last (segments are synced before the next is created)")
        }
        return report(validEnd: position, tornTailBytes: fileSize - position)
    }

    private func corrupt(at position: UInt64, reason: String) throws -> WALSegmentReport {
        let error = StorageError.walCorruption(segment: path, offset: position, reason: reason)
        if mode == .strict { throw error }
        return report(validEnd: position, corruption: error)
    }

    private func report(validEnd: UInt64, tornTailBytes: UInt64 = 0, corruption: StorageError? = nil) -> WALSegmentReport {
        WALSegmentReport(validEnd: validEnd, tornTailBytes: tornTailBytes, corruption: corruption, records: records, fileSize: fileSize)
    }

    /// True if an intact record (header CRC, plausible length, payload CRC)
    /// starts at any offset in `from ..< fileSize`. This is what separates
    /// mid-log damage from a torn tail. Random bytes pass both checks with
    /// odds of about 2^-64 per offset. Cost: one 8-byte CRC per offset whose
    /// 12 bytes are not all zero and whose length field fits in the file.
    private mutating func intactRecordExists(from: UInt64) throws -> Bool {
        let headerSize = UInt64(WALFormat.recordHeaderSize)
        var q = from
        while q + headerSize <= fileSize {
            try window.load(q, Int(headerSize))
            let room = fileSize - q - headerSize
            let candidate: WALFormat.RecordHeader? = window.withBytes(q, Int(headerSize)) { raw in
                let b = raw.baseAddress!
                let length = loadFixed32(b + 4)
                // A zeroed header never checks out (CRC32C of 8 zero bytes is not 0).
                guard UInt64(length) <= room, loadFixed32(b) | length | loadFixed32(b + 8) != 0 else { return nil }
                let header = WALFormat.decodeRecordHeader(b)
                return header.isIntact ? header : nil
            }
            if let header = candidate,
               try window.crc32c(q + headerSize, Int(header.length)) == header.payloadCRC {
                return true
            }
            q += 1
        }
        return false
    }
}

/// A resident window `[start, start + count)` of a segment file.
///
/// Invariant: `start + count <= fileSize`, and `storage[0..<count]` holds
/// exactly those file bytes. `storage` is about 1 MiB, grown only to hold one
/// record whose extent has been checked against the file size, so no length
/// field can make it larger than the file.
private struct SegmentWindow {
    static let preferredSize = 1 << 20

    let file: ReadableFile
    let fileSize: UInt64
    let counters: EngineCounters
    private var storage: [UInt8]
    private var start: UInt64 = 0
    private var count = 0

    init(file: ReadableFile, counters: EngineCounters) {
        self.file = file
        self.counters = counters
        fileSize = file.size
        storage = [UInt8](repeating: 0, count: Int(min(UInt64(Self.preferredSize), file.size)))
    }

    /// Makes `[offset, offset + length)` resident, reading ahead to fill a
    /// window. Requires `offset + length <= fileSize`. Bytes already resident
    /// are moved, not read again.
    mutating func load(_ offset: UInt64, _ length: Int) throws {
        let end = offset + UInt64(length)
        precondition(end <= fileSize, "window load past the end of the file")
        if offset >= start && end <= start + UInt64(count) { return }
        var kept = 0
        if offset >= start && offset < start + UInt64(count) {
            let from = Int(offset - start)
            kept = count - from
            storage.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + from, byteCount: kept)  // memmove
            }
        }
        let wanted = Int(min(UInt64(max(length, Self.preferredSize)), fileSize - offset))
        if storage.count < wanted { storage.append(contentsOf: repeatElement(0, count: wanted - storage.count)) }
        let file = self.file
        let n = try storage.withUnsafeMutableBytes { raw in
            try file.read(at: offset + UInt64(kept), into: UnsafeMutableRawBufferPointer(rebasing: raw[kept..<wanted]))
        }
        counters.bytesRead.add(n)
        start = offset
        count = kept + n
        guard count == wanted else {
            throw StorageError.corruption(path: file.path, reason: "segment shrank while being read (it was \(fileSize) bytes)")
        }
    }

    /// Calls `body` with the resident bytes `[offset, offset + length)`.
    func withBytes<R>(_ offset: UInt64, _ length: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(offset >= start && offset + UInt64(length) <= start + UInt64(count), "bytes not resident")
        let from = Int(offset - start)
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[from..<(from + length)])) }
    }

    /// CRC32C of file bytes `[offset, offset + length)`, a window at a time
    /// (the window does not grow). Requires `offset + length <= fileSize`.
    mutating func crc32c(_ offset: UInt64, _ length: Int) throws -> UInt32 {
        var crc: UInt32 = 0
        var done = 0
        while done < length {
            let n = min(length - done, Self.preferredSize)
            let at = offset + UInt64(done)
            try load(at, n)
            crc = withBytes(at, n) { Checksum.crc32c($0, extending: crc) }
            done += n
        }
        return crc
    }
}
