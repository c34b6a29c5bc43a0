/// How a table is laid out when written. Readers need none of it: every
/// choice is recorded in the file.
struct TableOptions: Sendable {
    /// Target size of a data block's contents; a block is cut once it reaches
    /// this, so blocks are slightly larger (and one big entry makes one big
    /// block).
    var blockSize = 4096
    /// Entries between restart points in data blocks (index blocks use 1).
    var restartInterval = TableFormat.defaultRestartInterval
    /// Bloom filter bits per distinct user key; 0 writes no filter.
    var bloomBitsPerKey = 10

    init(blockSize: Int = 4096, restartInterval: Int = TableFormat.defaultRestartInterval, bloomBitsPerKey: Int = 10) {
        self.blockSize = blockSize
        self.restartInterval = restartInterval
        self.bloomBitsPerKey = bloomBitsPerKey
    }
}

/// Writes one immutable table (docs/formats/sstable.md) through a
/// ``WritableFile``, from entries given in strictly increasing
/// ``InternalKey`` order.
///
/// Data blocks go to the file as they fill; the filter, properties and
/// index blocks and the footer at ``finish()``, which then syncs and closes
/// the file. The table occupies the whole file, which must be empty. After a
/// write fails, every later call rethrows that error; the caller then
/// ``abandon()``s the builder and removes the file. Not thread-safe: one
/// flush or compaction owns a builder. Memory: one data block, the index
/// entries and 8 bytes per distinct user key (the filter's hashes).
final class TableBuilder {
    private enum State { case building, finished, abandoned }

    let options: TableOptions
    private let file: WritableFile
    private let counters: EngineCounters
    private var state = State.building
    private var failure: Error?
    private var dataBlock: BlockBuilder
    private var indexBlock = BlockBuilder(restartInterval: 1)
    private var filter: BloomFilterBuilder?
    /// The last data block written, whose index entry waits for the next
    /// key (so its separator can be shortened).
    private var pendingHandle: BlockHandle?
    private var smallest: [UInt8] = []
    private var lastKey: [UInt8] = []
    /// Bytes written so far: the offset of the next block.
    private var offset: UInt64 = 0
    private(set) var entryCount = 0
    private var deletions: UInt64 = 0

    init(file: WritableFile, options: TableOptions = .init(), counters: EngineCounters) {
        precondition(file.size == 0, "a table starts at the beginning of an empty file")
        precondition(options.blockSize >= 1 && options.restartInterval >= 1 && options.bloomBitsPerKey >= 0)
        self.file = file
        self.options = options
        self.counters = counters
        dataBlock = BlockBuilder(restartInterval: options.restartInterval)
        filter = options.bloomBitsPerKey > 0 ? BloomFilterBuilder(bitsPerKey: options.bloomBitsPerKey) : nil
    }

    /// Size of the file if finished now, metadata blocks excepted.
    var estimatedFileSize: UInt64 { offset + UInt64(dataBlock.estimatedSize) }

    /// Appends an entry. `internalKey` must be a well-formed internal key
    /// greater than the previous one (a bug otherwise: traps).
    func add(_ internalKey: [UInt8], _ value: [UInt8]) throws {
        try internalKey.withUnsafeBytes { k in try value.withUnsafeBytes { v in try add(k, v) } }
    }

    /// As ``add(_:_:)-([UInt8],[UInt8])``, from views (flushes and compactions
    /// pass their iterators' views: no array per entry).
    func add(_ internalKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
        precondition(state == .building, "add after finish or abandon")
        precondition(internalKey.count >= InternalKey.trailerSize
                     && internalKey[internalKey.count - InternalKey.trailerSize] <= EntryKind.value.rawValue, "not an internal key")
        precondition(entryCount == 0 || lastKey.withUnsafeBytes { InternalKey.compare($0, internalKey) } < 0,
                     "table keys must be added in strictly increasing internal-key order")
        if let failure { throw failure }
        if let handle = pendingHandle {
            indexBlock.add(Self.separator(lastKey, Array(internalKey)), handle.encoded)
            pendingHandle = nil
        }
        let userKey = UnsafeRawBufferPointer(rebasing: internalKey[0..<(internalKey.count - InternalKey.trailerSize)])
        if entryCount == 0 || lastKey.withUnsafeBytes({ compareBytes(UnsafeRawBufferPointer(rebasing: $0[0..<($0.count - InternalKey.trailerSize)]), userKey) }) != 0 {
            filter?.add(userKey)
        }
        if entryCount == 0 { smallest = Array(internalKey) }
        if internalKey[internalKey.count - InternalKey.trailerSize] == EntryKind.deletion.rawValue { deletions += 1 }
        dataBlock.add(internalKey, value)
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: internalKey)
        entryCount += 1
        if dataBlock.estimatedSize >= options.blockSize { try flushDataBlock() }
    }

    /// Writes the last data block, the filter, properties and index blocks
    /// and the footer, then syncs and closes the file.
    func finish() throws -> TableProperties {
        precondition(state == .building, "finish after finish or abandon")
        if let failure { throw failure }
        try flushDataBlock()
        if let handle = pendingHandle {
            indexBlock.add(Self.successor(lastKey), handle.encoded)
            pendingHandle = nil
        }
        let filterHandle = try filter.map { try writeBlock($0.finish()) } ?? BlockHandle(offset: 0, size: 0)
        var properties = TableProperties(smallest: smallest, largest: lastKey, entries: UInt64(entryCount),
                                         deletions: deletions, fileSize: 0)
        let propertiesHandle = try writeBlock(properties.encodeBlock())
        let indexHandle = try writeBlock(indexBlock.finish())
        let footer = TableFooter(filter: filterHandle, properties: propertiesHandle, index: indexHandle,
                                 entryCount: UInt64(entryCount))
        try write(footer.encode())
        do {
            try file.sync()
            try file.close()
        } catch {
            failure = error
            throw error
        }
        state = .finished
        properties.fileSize = offset
        return properties
    }

    /// Stops building and closes the file without completing the table; the
    /// caller removes the file. Idempotent; a no-op after ``finish()``.
    func abandon() {
        guard state == .building else { return }
        state = .abandoned
        try? file.close()
    }

    private func flushDataBlock() throws {
        guard !dataBlock.isEmpty else { return }
        pendingHandle = try writeBlock(dataBlock.finish())
    }

    /// Appends `contents` and its trailer; returns where they went.
    /// `contents` is consumed so the trailer is appended without a copy.
    private func writeBlock(_ contents: consuming [UInt8]) throws -> BlockHandle {
        let handle = BlockHandle(offset: offset, size: UInt64(contents.count))
        contents.append(TableFormat.blockTypeUncompressed)
        contents.appendFixed32(Checksum.crc32c(contents))
        try write(contents)
        return handle
    }

    private func write(_ bytes: [UInt8]) throws {
        do {
            try file.append(bytes)
        } catch {
            failure = error
            throw error
        }
        offset += UInt64(bytes.count)
        counters.bytesWritten.add(bytes.count)
    }
}

// MARK: - Index separators

extension TableBuilder {
    /// A short internal key `s` with `a ≤ s < b` (given `a < b`), for the
    /// index entry of a block ending in `a` followed by one starting with
    /// `b`: if the user keys first differ at byte `i` and `a`'s byte there can
    /// be raised without reaching `b`'s, `s` is `a`'s user key cut after
    /// byte `i`, that byte plus one, with the largest trailer (so it sorts
    /// first among its user key). Otherwise `a` itself.
    static func separator(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        let ua = InternalKey.userKey(a), ub = InternalKey.userKey(b)
        let n = min(ua.count, ub.count)
        var i = 0
        while i < n && ua[ua.startIndex + i] == ub[ub.startIndex + i] { i += 1 }
        guard i < n, i + 1 < ua.count else { return a }
        let byte = ua[ua.startIndex + i]
        guard byte < 0xFF, byte + 1 < ub[ub.startIndex + i] else { return a }
        var s = Array(ua[ua.startIndex...(ua.startIndex + i)])
        s[i] = byte + 1
        return InternalKey.make(s, maxSequenceNumber, .value)
    }

    /// A short internal key ≥ `a`, for the index entry of the last block:
    /// `a`'s user key cut after its first byte below 0xFF, that byte plus
    /// one. Otherwise (all 0xFF) `a` itself.
    static func successor(_ a: [UInt8]) -> [UInt8] {
        let ua = InternalKey.userKey(a)
        guard let i = ua.firstIndex(where: { $0 != 0xFF }), i + 1 < ua.endIndex else { return a }
        var s = Array(ua[ua.startIndex...i])
        s[s.count - 1] += 1
        return InternalKey.make(s, maxSequenceNumber, .value)
    }
}
