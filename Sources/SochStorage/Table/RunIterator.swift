/// Iterates one sorted run of tables (a level-0 table, or a whole level
/// 1…), block by block and table by table, with readahead.
///
/// Why it is shaped so: a scan spends its time here, once per entry. The
/// block cursor (base pointer, offsets, the rebuilt key) lives inline in this
/// one final class instead of in nested iterator objects, so `next()` is
/// pointer arithmetic on its own fields, with no reference counting; with
/// one object per level of nesting, retains and releases took 59% of a
/// full scan (perf, Benchmarks/kv-results-2026-12-01.md). The current block
/// is held by ``block`` only to keep its memory alive.
///
/// Tables are opened (their blocks read) only when the walk reaches them.
/// Not thread-safe; it keeps its tables and current block alive.
final class RunIterator: InternalIterator {
    private let tables: [TableReader]
    private let fillCache: Bool
    private var tableIndex = 0
    private var blockIndex = -1
    private var block: Block? = nil
    // The block cursor: `current == restartsOffset` means past the block's end.
    private var base = UnsafeRawPointer(bitPattern: 8)!
    private var restartsOffset = 0
    private var current = 0
    private var nextEntry = 0
    private var valueOffset = 0
    private var valueLength = 0
    private var keyBuffer: UnsafeMutableRawPointer
    private var keyCapacity = 64
    private var keyLength = 0
    private var valid = false
    /// Blocks of the current table read ahead, `ahead[0]` being block `aheadStart`.
    private var ahead: [Block] = []
    private var aheadStart = 0
    /// Blocks loaded one after the other so far (drives the readahead size).
    private var sequentialLoads = 0

    init(tables: [TableReader], fillCache: Bool = true) {
        self.tables = tables
        self.fillCache = fillCache
        keyBuffer = .allocate(byteCount: keyCapacity, alignment: 8)
    }

    deinit { keyBuffer.deallocate() }

    var isValid: Bool { valid }
    var key: [UInt8] { Array(keyView) }
    var value: [UInt8] { Array(valueView) }
    var keyView: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: keyBuffer, count: keyLength) }
    var valueView: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + valueOffset, count: valueLength) }

    func seekToFirst() throws {
        position(table: 0)
        try enterTable()
    }

    func seek(_ target: [UInt8]) throws {
        position(table: firstTable(withLargestAtLeast: target))
        guard valid else { return }
        let table = tables[tableIndex]
        let b = target.withUnsafeBytes { table.index.lowerBound($0) }
        guard b < table.index.count else {
            position(table: tableIndex + 1)
            try enterTable()
            return
        }
        try startBlock(b)
        target.withUnsafeBytes { t in
            guard let blk = block, blk.entryCount > 0 else { return }
            decode(at: blk.restartOffset(blk.restartIndex(before: t)))
            while current < restartsOffset && InternalKey.compare(keyView, t) < 0 { advance() }
        }
        try skipExhausted()
    }

    @inline(__always)
    func next() throws {
        advance()
        if current >= restartsOffset { try skipExhausted() }
    }

    // MARK: cursor

    @inline(__always)
    private func advance() {
        if nextEntry >= restartsOffset { current = restartsOffset; return }
        decode(at: nextEntry)
    }

    /// Decodes the entry at `offset` (the key buffer holds the previous key
    /// unless `offset` is a restart point), relying on the block's
    /// construction-time validation for bounds.
    @inline(__always)
    private func decode(at offset: Int) {
        let e = Block.entry(base, at: offset)
        (keyBuffer + e.shared).copyMemory(from: base + e.keyOffset, byteCount: e.nonShared)
        keyLength = e.shared + e.nonShared
        current = offset
        valueOffset = e.valueOffset
        valueLength = e.valueLength
        nextEntry = e.end
    }

    // MARK: moving between blocks and tables

    /// Makes table `i` current (not yet reading a block); invalid past the last.
    private func position(table i: Int) {
        tableIndex = i
        blockIndex = -1
        ahead = []; aheadStart = 0; sequentialLoads = 0
        valid = i < tables.count
        block = nil; base = UnsafeRawPointer(bitPattern: 8)!
        current = 0; restartsOffset = 0; nextEntry = 0
    }

    /// Positions on the first entry of the current table or, if it has none,
    /// of the next table that has one; invalid at the end of the run.
    private func enterTable() throws {
        while valid && tables[tableIndex].index.count == 0 { position(table: tableIndex + 1) }
        guard valid else { return }
        try startBlock(0)
        if restartsOffset > 0 { decode(at: 0) }
        try skipExhausted()
    }

    /// While the cursor is past its block's end, moves to the next block,
    /// then the next table; invalid at the end of the run.
    private func skipExhausted() throws {
        while valid && current >= restartsOffset {
            if blockIndex + 1 < tables[tableIndex].index.count {
                try startBlock(blockIndex + 1)
                if restartsOffset > 0 { decode(at: 0) }
            } else {
                position(table: tableIndex + 1)
                while valid && tables[tableIndex].index.count == 0 { position(table: tableIndex + 1) }
                guard valid else { return }
                try startBlock(0)
                if restartsOffset > 0 { decode(at: 0) }
            }
        }
    }

    /// Loads block `i` of the current table into the cursor (positioned at
    /// its end until a decode), reading ahead on sequential walks: after three
    /// blocks in a row, 2, 4, … up to 32 blocks (~128 KiB) per pread, as
    /// RocksDB's iterators do (starting at the third block spares short
    /// scans, which read one to three blocks per run, any over-read).
    private func startBlock(_ i: Int) throws {
        let table = tables[tableIndex]
        let sequential = i == blockIndex + 1
        blockIndex = i
        let blk: Block
        if i >= aheadStart && i < aheadStart + ahead.count {
            blk = ahead[i - aheadStart]
        } else {
            sequentialLoads = sequential ? sequentialLoads + 1 : 0
            let count = sequentialLoads >= 3 ? 1 << min(sequentialLoads - 2, 5) : 1
            do {
                ahead = try table.dataBlocks(from: i, count: count, fillCache: fillCache)
            } catch {
                position(table: tables.count)   // a failed read leaves the iterator invalid
                throw error
            }
            aheadStart = i
            blk = ahead[0]
        }
        block = blk
        base = blk.base
        restartsOffset = blk.entryCount > 0 ? blk.restartsOffset : 0
        current = restartsOffset
        nextEntry = 0
        if blk.maxKeyLength > keyCapacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: blk.maxKeyLength, alignment: 8)
            bigger.copyMemory(from: keyBuffer, byteCount: keyLength)
            keyBuffer.deallocate()
            keyBuffer = bigger
            keyCapacity = blk.maxKeyLength
        }
    }

    /// The first table whose largest key is ≥ `target` (binary search).
    private func firstTable(withLargestAtLeast target: [UInt8]) -> Int {
        var lo = 0, hi = tables.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let largest = tables[mid].properties.largest   // empty for a table without entries
            if largest.isEmpty || InternalKey.compare(largest, target) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
