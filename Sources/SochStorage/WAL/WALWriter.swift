/// Appends records to one write-ahead-log segment (docs/formats/wal.md).
///
/// `init` creates (or empties) the segment and writes its 16-byte header;
/// each ``append(_:)-(UnsafeRawBufferPointer)`` frames one record. Appends
/// land in the file's user-space buffer; ``flush()`` hands them to the OS
/// (they then survive a crash of this process) and ``sync()`` makes them
/// survive a power loss. Choosing when to flush and sync is the engine's sync
/// mode; the writer never does either on its own.
///
/// Failure is sticky: after any append, flush or sync throws, every later
/// call rethrows that first error. A failed write may leave part of a record
/// in the file, which recovery reads as a torn tail only if nothing follows
/// it, so nothing may be appended after it. (Whether the failed record itself
/// survives is unknown: it may be replayed at recovery though its commit
/// reported an error, as with any failed fsync.)
///
/// Not thread-safe: the engine serialises every call under its commit lock.
/// Counts bytes in `counters.bytesWritten` and syncs in `counters.walSyncs`.
final class WALWriter {
    let path: String
    private let file: WritableFile
    private let counters: EngineCounters
    private var failure: Error?
    /// Space reserved for the segment so far (see ``preallocationStep``).
    private var reserved: UInt64 = 0
    /// With `preallocate`, segments grow by preallocated steps of 1 MiB, so
    /// a synchronous commit writes into allocated blocks instead of growing
    /// the file: its `fdatasync` then skips the file-size update (≈ 80 vs
    /// 115 µs here). It costs bulk writes that sync rarely (converting the
    /// preallocated extents at writeback took a bulk load from ≈ 850k to
    /// ≈ 580k keys/s), so the engine asks for it in sync mode `full` only.
    /// A crash leaves zeros after the last record, which recovery reads as a
    /// torn tail and trims; a clean close trims them.
    static let preallocationStep: UInt64 = 1 << 20
    private let preallocates: Bool

    /// Creates the segment at `path`, truncating any existing file, and
    /// writes its header (buffered; not synced). The engine syncs the
    /// directory to make the new name durable.
    init(fileSystem: FileSystem, path: String, counters: EngineCounters, preallocate: Bool = false) throws {
        self.path = path
        self.counters = counters
        self.preallocates = preallocate
        file = try fileSystem.openForAppend(path, truncate: true)
        let header = WALFormat.segmentHeader()
        try file.append(header)
        counters.bytesWritten.add(header.count)
    }

    /// Bytes in the segment so far, header and buffered records included.
    var size: UInt64 { file.size }

    /// Frames `payload` as one record. Throws
    /// ``StorageError/invalidArgument(_:)`` (and writes nothing) for a
    /// payload over ``WALFormat/maxPayloadSize``. O(payload) for its CRC.
    func append(_ payload: UnsafeRawBufferPointer) throws {
        guard payload.count <= WALFormat.maxPayloadSize else {
            throw StorageError.invalidArgument("WAL record of \(payload.count) bytes exceeds the limit of \(WALFormat.maxPayloadSize)")
        }
        try guarded {
            let end = file.size + UInt64(WALFormat.recordHeaderSize + payload.count)
            if preallocates && end > reserved {
                reserved = (end / Self.preallocationStep + 1) * Self.preallocationStep
                try file.preallocate(to: reserved)
            }
            let payloadCRC = Checksum.crc32c(payload)
            try withUnsafeTemporaryAllocation(byteCount: WALFormat.recordHeaderSize, alignment: 4) { header in
                WALFormat.encodeRecordHeader(length: UInt32(payload.count), payloadCRC: payloadCRC, into: header.baseAddress!)
                try file.append(UnsafeRawBufferPointer(header))
            }
            try file.append(payload)
            counters.bytesWritten.add(WALFormat.recordHeaderSize + payload.count)
        }
    }

    func append(_ payload: [UInt8]) throws {
        try payload.withUnsafeBytes { try append($0) }
    }

    /// Hands buffered records to the OS: they survive a process crash.
    func flush() throws {
        try guarded { try file.flush() }
    }

    /// Flushes, then `fdatasync`: every record appended so far survives a
    /// power loss.
    func sync() throws {
        try guarded {
            try file.sync()
            counters.walSyncs.add(1)
        }
    }

    /// Flushes and closes the file; does not sync (call ``sync()`` first when
    /// the segment is rolled or the engine closes). Idempotent.
    func close() throws {
        try file.close()
    }

    private func guarded(_ operation: () throws -> Void) throws {
        if let failure { throw failure }
        do { try operation() } catch {
            failure = error
            throw error
        }
    }
}
