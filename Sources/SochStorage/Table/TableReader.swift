/// An open, immutable table (docs/formats/sstable.md): point lookups,
/// ordered iteration and a full integrity check.
///
/// ``open(file:fileNumber:cache:counters:)`` reads and checks the footer and
/// the index, properties and filter blocks, and keeps the index (as arrays)
/// and the filter in memory; data blocks are read on demand with one `pread`
/// each, checked against their CRC, parsed, and shared through the
/// ``BlockCache`` when one is given. Every size and offset read from the
/// file is validated before it sizes an allocation or a read, so a damaged
/// file yields `StorageError.corruption` or `.checksumMismatch` naming it,
/// never a crash.
///
/// Thread-safe: all state is immutable after open, and any number of threads
/// may call ``get(userKey:lookupKey:)`` and make iterators at once (each
/// iterator is used by one thread). The reader holds its `file`; the file
/// closes when the last reference to the reader and its iterators goes.
final class TableReader: @unchecked Sendable {
    let file: ReadableFile
    /// The number under which blocks of this table are cached.
    let fileNumber: UInt64
    let properties: TableProperties
    let index: TableIndex
    private let filter: BloomFilter?
    private let cache: BlockCache?
    private let counters: EngineCounters

    var path: String { file.path }

    private init(file: ReadableFile, fileNumber: UInt64, properties: TableProperties, index: TableIndex,
                 filter: BloomFilter?, cache: BlockCache?, counters: EngineCounters) {
        self.file = file
        self.fileNumber = fileNumber
        self.properties = properties
        self.index = index
        self.filter = filter
        self.cache = cache
        self.counters = counters
    }

    /// Opens the table in `file`: reads the footer, checks magic, version,
    /// CRC and layout, then reads and checks the index, properties and filter
    /// blocks. No data block is read.
    static func open(file: ReadableFile, fileNumber: UInt64, cache: BlockCache?, counters: EngineCounters) throws -> TableReader {
        let path = file.path
        let footerSize = UInt64(TableFormat.footerSize)
        guard file.size >= footerSize else {
            throw StorageError.corruption(path: path, reason: "file of \(file.size) bytes is shorter than a table footer (\(footerSize))")
        }
        let footerOffset = file.size - footerSize
        let footerBytes = try file.read(at: footerOffset, count: TableFormat.footerSize)
        counters.bytesRead.add(footerBytes.count)
        let footer = try TableFooter.decode(footerBytes, path: path, offset: footerOffset)
        let dataEnd = try checkLayout(footer, footerOffset: footerOffset, path: path)

        let indexBlock = try Block.make(copying: readContents(file, footer.index, counters), path: path)
        let index = try TableIndex(indexBlock, dataEnd: dataEnd, path: path)
        let propertiesBytes = try readContents(file, footer.properties, counters)
        guard let properties = TableProperties.decodeBlock(propertiesBytes, fileSize: file.size) else {
            throw StorageError.corruption(path: path, reason: "malformed properties block")
        }
        try checkProperties(properties, footer: footer, index: index, path: path)
        let filter = footer.hasFilter ? try BloomFilter(block: readContents(file, footer.filter, counters), path: path) : nil
        return TableReader(file: file, fileNumber: fileNumber, properties: properties, index: index,
                           filter: filter, cache: cache, counters: counters)
    }

    /// The first entry whose internal key is ≥ `lookupKey`, if its user key
    /// is `userKey` (which must be `lookupKey`'s user key); nil otherwise.
    /// The caller reads kind and sequence from the returned internal key: a
    /// deletion is returned like a value (with its stored, empty, value).
    /// Checks the bloom filter first, binary-searches the in-memory index,
    /// then reads at most one data block (two if the key sorts between a
    /// block's last key and its separator); allocates only the result.
    func get(userKey: [UInt8], lookupKey: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? {
        precondition(lookupKey.count >= InternalKey.trailerSize, "lookup key is not an internal key")
        if let filter, !filter.mayContain(userKey) { return nil }
        return try lookupKey.withUnsafeBytes { target in
            try userKey.withUnsafeBytes { user in
                var i = index.lowerBound(target)
                while i < index.count {
                    switch try dataBlock(i, fillCache: true).pointLookup(target, userKey: user) {
                    case .found(let key, let value): return (key, value)
                    case .otherKey: return nil
                    case .pastEnd: i += 1
                    }
                }
                return nil
            }
        }
    }

    /// A cursor over every entry in internal-key order. `fillCache: false`
    /// (for compactions) still uses cached blocks but does not add the
    /// blocks it reads.
    func makeIterator(fillCache: Bool = true) -> InternalIterator {
        RunIterator(tables: [self], fillCache: fillCache)
    }

    /// Data block `i` of the index, from the cache or the file.
    func dataBlock(_ i: Int, fillCache: Bool) throws -> Block {
        let handle = index.handles[i]
        if let cache, let block = cache.lookup(fileNumber: fileNumber, offset: handle.offset) { return block }
        let block = try readBlock(handle)
        if fillCache, let cache {
            cache.insert(fileNumber: fileNumber, offset: handle.offset, block: block, charge: block.allocatedBytes)
        }
        return block
    }

    /// Data blocks `first`, `first + 1`, … (at most `count`, never past the
    /// last): from the cache if `first` is cached (then just that one), else
    /// read with one `pread` of the contiguous span, each checked and parsed
    /// into a block of its own. Sequential iteration reads ahead with this.
    func dataBlocks(from first: Int, count: Int, fillCache: Bool) throws -> [Block] {
        let last = min(first + max(count, 1), index.count) - 1
        if last == first { return [try dataBlock(first, fillCache: fillCache)] }
        if let cache, let block = cache.lookup(fileNumber: fileNumber, offset: index.handles[first].offset) { return [block] }
        let start = index.handles[first].offset
        let end = index.handles[last].offset + index.handles[last].size + UInt64(TableFormat.blockTrailerSize)
        let span = try file.read(at: start, count: Int(end - start))
        counters.bytesRead.add(span.count)
        var blocks: [Block] = []
        blocks.reserveCapacity(last - first + 1)
        try span.withUnsafeBytes { raw in
            for i in first...last {
                let h = index.handles[i]
                let size = Int(h.size), extent = size + TableFormat.blockTrailerSize
                let at = Int(h.offset - start)
                guard at >= 0, at + extent <= raw.count else {
                    throw StorageError.corruption(path: path, reason: "data block \(i) lies outside the blocks before and after it")
                }
                try Self.checkTrailer(raw.baseAddress! + at, size: size, offset: h.offset, path: path)
                let storage = UnsafeMutableRawPointer.allocate(byteCount: extent, alignment: 8)
                storage.copyMemory(from: raw.baseAddress! + at, byteCount: extent)
                let block = try Block.make(taking: storage, allocatedBytes: extent, size: size, path: path)
                if fillCache, let cache { cache.insert(fileNumber: fileNumber, offset: h.offset, block: block, charge: extent) }
                blocks.append(block)
            }
        }
        return blocks
    }

    /// Reads, checks and parses the block at `handle` (validated at open to
    /// lie inside the data area), bypassing the cache: one allocation, one
    /// `pread`.
    func readBlock(_ handle: BlockHandle) throws -> Block {
        let size = Int(handle.size)
        let extent = size + TableFormat.blockTrailerSize
        let storage = UnsafeMutableRawPointer.allocate(byteCount: extent, alignment: 8)
        do {
            let n = try file.read(at: handle.offset, into: UnsafeMutableRawBufferPointer(start: storage, count: extent))
            counters.bytesRead.add(n)
            guard n == extent else {
                throw StorageError.corruption(path: path, reason: "block at offset \(handle.offset) is cut short: \(n) of \(extent) bytes")
            }
            try Self.checkTrailer(UnsafeRawPointer(storage), size: size, offset: handle.offset, path: path)
        } catch {
            storage.deallocate()
            throw error
        }
        return try Block.make(taking: storage, allocatedBytes: extent, size: size, path: path)
    }
}

// MARK: - Open-time checks

extension TableReader {
    /// The metadata blocks must follow each other without gaps, in the order
    /// filter (optional), properties, index, footer. Returns the end of the
    /// data area (the first metadata block's offset).
    private static func checkLayout(_ f: TableFooter, footerOffset: UInt64, path: String) throws -> UInt64 {
        func check(_ h: BlockHandle, _ name: String, endsAt end: UInt64) throws {
            // Subtractions only, so no field can overflow the arithmetic.
            guard h.offset <= end, h.size <= end - h.offset,
                  UInt64(TableFormat.blockTrailerSize) == end - h.offset - h.size else {
                throw StorageError.corruption(path: path, reason: "\(name) block handle (offset \(h.offset), size \(h.size)) does not end at \(end)")
            }
        }
        try check(f.index, "index", endsAt: footerOffset)
        try check(f.properties, "properties", endsAt: f.index.offset)
        guard f.hasFilter else {
            guard f.filter.offset == 0 else {
                throw StorageError.corruption(path: path, reason: "empty filter handle with offset \(f.filter.offset)")
            }
            return f.properties.offset
        }
        try check(f.filter, "filter", endsAt: f.properties.offset)
        return f.filter.offset
    }

    private static func checkProperties(_ p: TableProperties, footer: TableFooter, index: TableIndex, path: String) throws {
        func fail(_ why: String) -> StorageError { .corruption(path: path, reason: "properties: \(why)") }
        guard p.entries == footer.entryCount else { throw fail("\(p.entries) entries, footer says \(footer.entryCount)") }
        guard p.deletions <= p.entries else { throw fail("\(p.deletions) deletions of \(p.entries) entries") }
        guard UInt64(index.count) <= p.entries, (index.count == 0) == (p.entries == 0) else {
            throw fail("\(p.entries) entries in \(index.count) data blocks")
        }
        guard p.entries > 0 else {
            guard p.smallest.isEmpty && p.largest.isEmpty else { throw fail("key range of an empty table") }
            return
        }
        guard InternalKey.isValid(p.smallest), InternalKey.isValid(p.largest),
              InternalKey.compare(p.smallest, p.largest) <= 0,
              InternalKey.compare(p.largest, index.key(index.count - 1)) <= 0 else {
            throw fail("smallest/largest keys malformed or outside the index")
        }
    }

    /// Reads the contents of a metadata block and checks its trailer.
    private static func readContents(_ file: ReadableFile, _ h: BlockHandle, _ counters: EngineCounters) throws -> [UInt8] {
        var bytes = try file.read(at: h.offset, count: Int(h.extent))
        counters.bytesRead.add(bytes.count)
        try bytes.withUnsafeBytes { try checkTrailer($0.baseAddress!, size: Int(h.size), offset: h.offset, path: file.path) }
        bytes.removeLast(TableFormat.blockTrailerSize)
        return bytes
    }

    /// The trailer after `size` bytes at `p`: CRC32C over contents and type
    /// byte first (so a damaged type reads as a checksum error), then type.
    @inline(__always)
    static func checkTrailer(_ p: UnsafeRawPointer, size: Int, offset: UInt64, path: String) throws {
        let stored = loadFixed32(p + size + 1)
        guard Checksum.crc32c(UnsafeRawBufferPointer(start: p, count: size + 1)) == stored else {
            throw StorageError.checksumMismatch(path: path, offset: offset)
        }
        let type = p.load(fromByteOffset: size, as: UInt8.self)
        guard type == TableFormat.blockTypeUncompressed else {
            throw StorageError.corruption(path: path, reason: "block at offset \(offset) has unknown type \(type)")
        }
    }
}

// MARK: - Verification

extension TableReader {
    /// Re-reads the whole file, bypassing the cache, and checks everything:
    /// footer, every block's checksum, that keys are well formed and strictly
    /// increasing across the table, that each block lies between its index
    /// separators, that the filter has every user key, and that counts and
    /// key range match the properties. O(file size).
    func verify() throws {
        let fresh = try TableReader.open(file: file, fileNumber: fileNumber, cache: nil, counters: counters)
        func fail(_ why: String) -> StorageError { .corruption(path: path, reason: "verify: \(why)") }
        var previous: [UInt8] = []
        var entries: UInt64 = 0, deletions: UInt64 = 0
        for i in 0..<fresh.index.count {
            let block = try fresh.readBlock(fresh.index.handles[i])
            guard block.entryCount > 0 else { throw fail("data block \(i) is empty") }
            let it = block.makeIterator()
            it.seekToFirst()
            if i > 0, InternalKey.compare(it.key, fresh.index.key(i - 1)) <= 0 {
                throw fail("data block \(i) starts at or before the index separator of block \(i - 1)")
            }
            while it.isValid {
                let key = it.key
                guard let kind = InternalKey.kind(key) else { throw fail("entry \(entries) has an unknown kind") }
                if entries > 0, InternalKey.compare(previous, key) >= 0 { throw fail("entry \(entries) is out of order") }
                if let filter = fresh.filter, !InternalKey.userKey(key).withUnsafeBytes({ filter.mayContain($0) }) {
                    throw fail("the bloom filter misses the user key of entry \(entries)")
                }
                if kind == .deletion { deletions += 1 }
                entries += 1
                previous = key
                it.next()
            }
            if InternalKey.compare(previous, fresh.index.key(i)) > 0 {
                throw fail("data block \(i) ends after its index separator")
            }
        }
        guard entries == fresh.properties.entries, deletions == fresh.properties.deletions else {
            throw fail("\(entries) entries and \(deletions) deletions, properties say \(fresh.properties.entries) and \(fresh.properties.deletions)")
        }
        guard entries == 0 || previous == fresh.properties.largest else { throw fail("last key is not the recorded largest") }
        if entries > 0 {
            let first = try fresh.readBlock(fresh.index.handles[0]).makeIterator()
            first.seekToFirst()
            guard first.key == fresh.properties.smallest else { throw fail("first key is not the recorded smallest") }
        }
    }
}

// MARK: - Index

/// The parsed index block: for data block `i`, a separator key (an internal
/// key ≥ every key of block `i` and < every key of block `i + 1`) and its
/// handle. Separators are stored back to back in one array so a lookup is a
/// binary search over contiguous memory with no allocation. Immutable.
struct TableIndex: Sendable {
    private let keyBytes: [UInt8]
    /// Separator `i` is `keyBytes[keyStarts[i]..<keyStarts[i + 1]]`.
    private let keyStarts: [Int]
    let handles: [BlockHandle]

    var count: Int { handles.count }

    /// Parses `block`, checking that separators strictly increase and that
    /// the handles tile the data area `0..<dataEnd` in order, without gaps.
    init(_ block: Block, dataEnd: UInt64, path: String) throws {
        var keyBytes: [UInt8] = [], keyStarts = [0], handles: [BlockHandle] = []
        handles.reserveCapacity(block.entryCount)
        keyStarts.reserveCapacity(block.entryCount + 1)
        var previous: [UInt8] = []
        var expected: UInt64 = 0
        let it = block.makeIterator()
        it.seekToFirst()
        while it.isValid {
            let n = handles.count
            let key = it.key
            if n > 0, InternalKey.compare(previous, key) >= 0 {
                throw StorageError.corruption(path: path, reason: "index entry \(n) is out of order")
            }
            let handle = try it.value.withUnsafeBytes { raw -> BlockHandle in
                var r = ByteReader(raw)
                guard let h = BlockHandle.decode(&r), r.isAtEnd else {
                    throw StorageError.corruption(path: path, reason: "index entry \(n) has a malformed block handle")
                }
                return h
            }
            guard handle.offset == expected, handle.size <= dataEnd - expected,
                  UInt64(TableFormat.blockTrailerSize) <= dataEnd - expected - handle.size else {
                throw StorageError.corruption(path: path, reason: "index entry \(n) points at (offset \(handle.offset), size \(handle.size)); expected a block at \(expected) inside the data area of \(dataEnd) bytes")
            }
            expected = handle.end
            keyBytes.append(contentsOf: key)
            keyStarts.append(keyBytes.count)
            handles.append(handle)
            previous = key
            it.next()
        }
        guard expected == dataEnd else {
            throw StorageError.corruption(path: path, reason: "data blocks end at \(expected), metadata starts at \(dataEnd)")
        }
        self.keyBytes = keyBytes
        self.keyStarts = keyStarts
        self.handles = handles
    }

    /// Index of the first separator ≥ `target` (an internal key), or `count`
    /// if there is none: the only block that can hold the first entry ≥
    /// `target`. O(log count), no allocation.
    @inline(__always)
    func lowerBound(_ target: UnsafeRawBufferPointer) -> Int {
        keyBytes.withUnsafeBytes { keys in
            keyStarts.withUnsafeBufferPointer { starts in
                var lo = 0, hi = handles.count
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    let key = UnsafeRawBufferPointer(start: keys.baseAddress! + starts[mid], count: starts[mid + 1] - starts[mid])
                    if InternalKey.compare(key, target) < 0 { lo = mid + 1 } else { hi = mid }
                }
                return lo
            }
        }
    }

    func key(_ i: Int) -> [UInt8] { Array(keyBytes[keyStarts[i]..<keyStarts[i + 1]]) }
}

// MARK: - Iterator
