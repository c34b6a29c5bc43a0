import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import SochStorage

/// Tables written and read through the real file system in a temporary
/// directory, against a sorted-array reference; damaged tables must throw.
final class TableTests: XCTestCase {
    private typealias Entry = (key: [UInt8], value: [UInt8])
    private var directory = ""
    private let fs = POSIXFileSystem.shared

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sochdb-table-tests-" + UUID().uuidString
        try fs.createDirectory(directory)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Helpers

    private func path(_ name: String) -> String { Path.join(directory, name) }

    @discardableResult
    private func write(_ entries: [Entry], to name: String, options: TableOptions = .init(),
                       counters: EngineCounters = EngineCounters()) throws -> TableProperties {
        let builder = TableBuilder(file: try fs.openForAppend(path(name), truncate: true), options: options, counters: counters)
        for e in entries { try builder.add(e.key, e.value) }
        XCTAssertEqual(builder.entryCount, entries.count)
        return try builder.finish()
    }

    private func open(_ name: String, number: UInt64 = 1, cache: BlockCache? = nil,
                      counters: EngineCounters = EngineCounters()) throws -> TableReader {
        try TableReader.open(file: fs.openForReading(path(name)), fileNumber: number, cache: cache, counters: counters)
    }

    private func writeBytes(_ bytes: [UInt8], to name: String) throws {
        let f = try fs.openForAppend(path(name), truncate: true)
        try f.append(bytes)
        try f.close()
    }

    private func readBytes(_ name: String) throws -> [UInt8] { try fs.openForReading(path(name)).readAll() }

    private static func userKey(_ i: Int) -> [UInt8] { Array(String(format: "key%08d", i).utf8) }

    /// Even-numbered user keys 0, 2, … (odd ones are absent), one version
    /// each, values of 0…99 bytes, every 13th a deletion.
    private static func evenEntries(_ count: Int, seed: UInt64 = 1) -> [Entry] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let kind: EntryKind = i % 13 == 0 ? .deletion : .value
            let key = InternalKey.make(userKey(2 * i), UInt64(i + 1), kind)
            let n = kind == .deletion ? 0 : Int(rng.next() % 100)
            return (key, (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
    }

    private static func lowerBound(_ entries: [Entry], _ target: [UInt8]) -> Int {
        referenceLowerBound(entries.map(\.key), target)
    }

    private func get(_ table: TableReader, _ user: [UInt8], at seq: SequenceNumber = maxSequenceNumber) throws -> Entry? {
        try table.get(userKey: user, lookupKey: InternalKey.lookup(user, at: seq)).map { ($0.key, $0.value) }
    }

    private func collect(_ it: InternalIterator) throws -> [Entry] {
        var out: [Entry] = []
        while it.isValid { out.append((it.key, it.value)); try it.next() }
        return out
    }

    // MARK: - Round trips

    func testRoundTrip20kEntries() throws {
        let entries = Self.evenEntries(20_000)
        let writeCounters = EngineCounters()
        let props = try write(entries, to: "big.sst", counters: writeCounters)
        XCTAssertEqual(props.entries, 20_000)
        XCTAssertEqual(props.deletions, UInt64((0..<20_000).filter { $0 % 13 == 0 }.count))
        XCTAssertEqual(props.smallest, entries.first!.key)
        XCTAssertEqual(props.largest, entries.last!.key)
        XCTAssertEqual(props.fileSize, try fs.fileSize(path("big.sst")))
        XCTAssertEqual(writeCounters.bytesWritten.value, props.fileSize)

        let counters = EngineCounters()
        let cache = BlockCache(capacityBytes: 8 << 20, counters: counters)
        let table = try open("big.sst", cache: cache, counters: counters)
        XCTAssertEqual(table.properties, props)
        XCTAssertGreaterThan(table.index.count, 100)
        for (i, e) in entries.enumerated() {
            let found = try get(table, Self.userKey(2 * i))
            XCTAssertEqual(found?.key, e.key)
            XCTAssertEqual(found?.value, e.value)
            XCTAssertNil(try get(table, Self.userKey(2 * i + 1)))
        }
        XCTAssertNil(try get(table, Array("a".utf8)))
        XCTAssertNil(try get(table, Array("zzz".utf8)))
        XCTAssertGreaterThan(counters.cacheHits.value, counters.cacheMisses.value)
        XCTAssertGreaterThan(counters.bytesRead.value, 0)

        let it = table.makeIterator()
        try it.seekToFirst()
        let all = try collect(it)
        XCTAssertEqual(all.count, entries.count)
        XCTAssertTrue(zip(all, entries).allSatisfy { $0.key == $1.key && $0.value == $1.value })

        var rng = SplitMix64(seed: 9)
        for _ in 0..<2000 {
            let target = InternalKey.make(Self.userKey(Int(rng.next() % 40_010)), rng.next() % 30_000, .value)
            let expected = Self.lowerBound(entries, target)
            try it.seek(target)
            if expected == entries.count { XCTAssertFalse(it.isValid) } else {
                XCTAssertTrue(it.isValid)
                XCTAssertEqual(it.key, entries[expected].key)
                XCTAssertEqual(it.value, entries[expected].value)
            }
        }
        try table.verify()
    }

    func testWithoutCacheAndWithoutFilter() throws {
        let entries = Self.evenEntries(3000)
        try write(entries, to: "plain.sst", options: TableOptions(blockSize: 512, restartInterval: 4, bloomBitsPerKey: 0))
        let counters = EngineCounters()
        let table = try open("plain.sst", counters: counters)
        for (i, e) in entries.enumerated() {
            XCTAssertEqual(try get(table, Self.userKey(2 * i))?.value, e.value)
            XCTAssertNil(try get(table, Self.userKey(2 * i + 1)))
        }
        XCTAssertEqual(counters.cacheHits.value + counters.cacheMisses.value, 0)
        try table.verify()
    }

    func testIteratorWithoutFillCacheLeavesCacheEmpty() throws {
        try write(Self.evenEntries(2000), to: "scan.sst")
        let counters = EngineCounters()
        let cache = BlockCache(capacityBytes: 1 << 20, counters: counters)
        let table = try open("scan.sst", cache: cache, counters: counters)
        let it = table.makeIterator(fillCache: false)
        try it.seekToFirst()
        XCTAssertEqual(try collect(it).count, 2000)
        XCTAssertEqual(cache.count, 0)
        let cached = table.makeIterator()
        try cached.seekToFirst()
        XCTAssertEqual(try collect(cached).count, 2000)
        XCTAssertEqual(cache.count, table.index.count)
        XCTAssertLessThanOrEqual(cache.usage, cache.capacity)
    }

    func testEmptyTable() throws {
        let props = try write([], to: "empty.sst")
        XCTAssertEqual(props.entries, 0)
        XCTAssertEqual(props.smallest, [])
        let table = try open("empty.sst")
        XCTAssertNil(try get(table, Array("a".utf8)))
        let it = table.makeIterator()
        try it.seekToFirst()
        XCTAssertFalse(it.isValid)
        try it.seek(InternalKey.make([], 0, .value))
        XCTAssertFalse(it.isValid)
        try table.verify()
    }

    // MARK: - Versions and deletions

    func testGetReturnsNewestVersionAtOrBelowSequence() throws {
        // 200 versions of one key span many 128-byte blocks.
        let hot = Array("hot".utf8)
        var entries: [Entry] = [(InternalKey.make(Array("alpha".utf8), 7, .value), Array("a".utf8))]
        for seq in stride(from: 2000, through: 10, by: -10) {
            entries.append((InternalKey.make(hot, UInt64(seq), .value), Array("v\(seq)".utf8)))
        }
        entries.append((InternalKey.make(Array("zulu".utf8), 3, .value), Array("z".utf8)))
        try write(entries, to: "versions.sst", options: TableOptions(blockSize: 128, restartInterval: 3))
        let table = try open("versions.sst", cache: BlockCache(capacityBytes: 1 << 20, counters: EngineCounters()))
        XCTAssertGreaterThan(table.index.count, 10)
        for seq in 0...2010 {
            let found = try get(table, hot, at: UInt64(seq))
            if seq < 10 {
                XCTAssertNil(found, "nothing visible at \(seq)")
            } else {
                let newest = min(2000, seq / 10 * 10)
                XCTAssertEqual(found.map { InternalKey.sequence($0.key) }, UInt64(newest), "at \(seq)")
                XCTAssertEqual(found?.value, Array("v\(newest)".utf8))
            }
        }
        XCTAssertEqual(try get(table, Array("alpha".utf8), at: 7)?.value, Array("a".utf8))
        XCTAssertNil(try get(table, Array("alpha".utf8), at: 6))
        XCTAssertEqual(try get(table, Array("zulu".utf8))?.value, Array("z".utf8))
        try table.verify()
    }

    func testDeletionEntryIsReturnedWithItsKind() throws {
        let entries: [Entry] = [
            (InternalKey.make(Array("a".utf8), 5, .value), Array("1".utf8)),
            (InternalKey.make(Array("b".utf8), 9, .deletion), []),
            (InternalKey.make(Array("b".utf8), 6, .value), Array("old".utf8)),
            (InternalKey.make(Array("c".utf8), 7, .value), Array("3".utf8)),
        ]
        let props = try write(entries, to: "del.sst")
        XCTAssertEqual(props.deletions, 1)
        let table = try open("del.sst")
        let newest = try XCTUnwrap(get(table, Array("b".utf8)))
        XCTAssertEqual(InternalKey.kind(newest.key), .deletion)
        XCTAssertEqual(InternalKey.sequence(newest.key), 9)
        XCTAssertEqual(newest.value, [])
        let older = try XCTUnwrap(get(table, Array("b".utf8), at: 8))
        XCTAssertEqual(InternalKey.kind(older.key), .value)
        XCTAssertEqual(older.value, Array("old".utf8))
        try table.verify()
    }

    func testConcurrentGetsShareOneReader() throws {
        let entries = Self.evenEntries(5000)
        try write(entries, to: "shared.sst", options: TableOptions(blockSize: 1024))
        let cache = BlockCache(capacityBytes: 64 << 10, counters: EngineCounters())
        let table = try open("shared.sst", cache: cache)
        let failures = Atomic<Int>(0)
        runOnThreads(4) { t in
            var rng = SplitMix64(seed: UInt64(t))
            for _ in 0..<5000 {
                let i = Int(rng.next() % 5000)
                let user = Self.userKey(2 * i)
                let found = try? table.get(userKey: user, lookupKey: InternalKey.lookup(user, at: maxSequenceNumber))
                if found?.value != entries[i].value { failures.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }

    func testFooterLayout() throws {
        let footer = TableFooter(filter: BlockHandle(offset: 0x1000, size: 0x20), properties: BlockHandle(offset: 0x1025, size: 0x30),
                                 index: BlockHandle(offset: 0x105A, size: 0x40), entryCount: 0x0102_0304)
        let bytes = footer.encode()
        XCTAssertEqual(bytes.count, 72)
        func u64(_ at: Int) -> UInt64 { bytes.withUnsafeBytes { loadFixed64($0.baseAddress! + at) } }
        XCTAssertEqual([u64(0), u64(8), u64(16), u64(24), u64(32), u64(40), u64(48)],
                       [0x1000, 0x20, 0x1025, 0x30, 0x105A, 0x40, 0x0102_0304])
        XCTAssertEqual(Array(bytes[60..<64]), [1, 0, 0, 0])
        XCTAssertEqual(Array(bytes[64..<72]), Array("SOCH-SST".utf8))
        let crc = Checksum.crc32c(Array(bytes[0..<56]) + Array(bytes[60..<72]))
        XCTAssertEqual(bytes.withUnsafeBytes { loadFixed32($0.baseAddress! + 56) }, crc)
        XCTAssertEqual(try TableFooter.decode(bytes, path: "f", offset: 0), footer)
    }

    /// Each block's trailer is its type byte (0) and the CRC32C of contents + type.
    func testBlockTrailers() throws {
        let (bytes, footer, _) = try writeSmallTable()
        let table = try open("small.sst")
        for h in table.index.handles + [footer.filter, footer.properties, footer.index] {
            let end = Int(h.offset + h.size)
            XCTAssertEqual(bytes[end], 0)
            let crc = Checksum.crc32c(Array(bytes[Int(h.offset)...end]))
            XCTAssertEqual(Array(bytes[(end + 1)..<(end + 5)]), withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        }
    }

    // MARK: - Separators

    func testSeparatorsAreShortAndOrdered() {
        func ik(_ s: String, _ seq: UInt64 = 5) -> [UInt8] { InternalKey.make(Array(s.utf8), seq, .value) }
        let cases: [(String, String, String?)] = [
            ("abcdef", "abzzz", "abd"), ("abc", "abd", nil), ("abc", "abcdef", nil),
            ("ab\u{7F}x", "ab\u{7F}z", nil), ("a", "b", nil), ("helloworld", "hellz", "hellp"),
        ]
        for (a, b, short) in cases {
            let s = TableBuilder.separator(ik(a), ik(b))
            XCTAssertLessThanOrEqual(InternalKey.compare(ik(a), s), 0)
            XCTAssertLessThan(InternalKey.compare(s, ik(b)), 0)
            XCTAssertEqual(s, short.map { InternalKey.make(Array($0.utf8), maxSequenceNumber, .value) } ?? ik(a), "\(a) \(b)")
        }
        // Same user key in both blocks: the separator is the left key.
        XCTAssertEqual(TableBuilder.separator(ik("k", 9), ik("k", 3)), ik("k", 9))
        XCTAssertEqual(TableBuilder.successor(ik("abc")), InternalKey.make(Array("b".utf8), maxSequenceNumber, .value))
        let ff = InternalKey.make([0xFF, 0xFF], 1, .value)
        XCTAssertEqual(TableBuilder.successor(ff), ff)
    }

    // MARK: - Corruption

    /// A small multi-block table and the byte ranges of its parts.
    private func writeSmallTable() throws -> (bytes: [UInt8], footer: TableFooter, entries: [Entry]) {
        let entries = Self.evenEntries(400)
        try write(entries, to: "small.sst", options: TableOptions(blockSize: 256, restartInterval: 4))
        let bytes = try readBytes("small.sst")
        let footer = try TableFooter.decode(Array(bytes.suffix(TableFormat.footerSize)), path: "small.sst",
                                            offset: UInt64(bytes.count - TableFormat.footerSize))
        return (bytes, footer, entries)
    }

    /// Everything a reader can do with a table; throws the first error.
    private func exercise(_ name: String, _ entries: [Entry]) throws {
        let table = try open(name, cache: BlockCache(capacityBytes: 1 << 20, counters: EngineCounters()))
        for i in stride(from: 0, to: entries.count, by: 7) { _ = try get(table, Self.userKey(2 * i)) }
        let it = table.makeIterator()
        try it.seekToFirst()
        _ = try collect(it)
        try it.seek(entries[entries.count / 2].key)
        try table.verify()
    }

    private func assertStorageError(_ body: () throws -> Void, _ message: String) {
        do {
            try body()
            XCTFail("no error: \(message)")
        } catch let error as StorageError {
            XCTAssertTrue(error.isCorruption, "\(message): \(error)")
        } catch {
            XCTFail("\(message): not a StorageError: \(error)")
        }
    }

    func testTruncationAtManyOffsetsThrows() throws {
        let (bytes, _, entries) = try writeSmallTable()
        var offsets = Array(stride(from: 0, to: bytes.count, by: 37))
        offsets += (max(0, bytes.count - 200)..<bytes.count)
        for n in offsets {
            try writeBytes(Array(bytes.prefix(n)), to: "cut.sst")
            assertStorageError({ try exercise("cut.sst", entries) }, "truncated to \(n) of \(bytes.count)")
        }
    }

    func testBitFlipsInEveryRegionAreDetected() throws {
        let (bytes, footer, entries) = try writeSmallTable()
        let footerStart = bytes.count - TableFormat.footerSize
        let regions: [(String, Range<Int>)] = [
            ("data", 0..<Int(footer.filter.offset)),
            ("filter", Int(footer.filter.offset)..<Int(footer.properties.offset)),
            ("properties", Int(footer.properties.offset)..<Int(footer.index.offset)),
            ("index", Int(footer.index.offset)..<footerStart),
            ("footer", footerStart..<bytes.count),
        ]
        var rng = SplitMix64(seed: 11)
        for (name, range) in regions {
            XCTAssertFalse(range.isEmpty, name)
            // Every byte of the small regions, a sample of the data.
            let positions = range.count <= 400 ? Array(range) : (0..<400).map { _ in range.lowerBound + Int(rng.next() % UInt64(range.count)) }
            for p in positions {
                var damaged = bytes
                damaged[p] ^= UInt8(1 << (rng.next() % 8))
                try writeBytes(damaged, to: "flip.sst")
                assertStorageError({ try exercise("flip.sst", entries) }, "\(name) byte \(p)")
            }
        }
    }

    func testVerifyCatchesFlippedDataBit() throws {
        let (bytes, _, entries) = try writeSmallTable()
        var damaged = bytes
        damaged[100] ^= 0x10
        try writeBytes(damaged, to: "bad.sst")
        let table = try open("bad.sst")
        XCTAssertThrowsError(try table.verify()) { error in
            guard case StorageError.checksumMismatch(let p, let offset)? = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path("bad.sst"))
            XCTAssertEqual(offset, 0)
        }
        XCTAssertThrowsError(try get(table, Array(InternalKey.userKey(entries[0].key))))
        let it = table.makeIterator()
        XCTAssertThrowsError(try it.seekToFirst())
        XCTAssertFalse(it.isValid)
    }

    /// A data block damaged with a matching CRC (a writer bug, not a disk
    /// error) is still caught by the block's own validation.
    func testStructurallyBrokenBlockWithValidChecksumThrows() throws {
        let (bytes, _, entries) = try writeSmallTable()
        let table = try open("small.sst")
        let first = table.index.handles[0]
        var damaged = bytes
        let size = Int(first.size)
        damaged[size - 4] = 0xFF                      // restart count of block 0
        let crc = Checksum.crc32c(Array(damaged[0...size]))
        damaged.replaceSubrange((size + 1)..<(size + 5), with: withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        try writeBytes(damaged, to: "broken.sst")
        let broken = try open("broken.sst")
        XCTAssertThrowsError(try get(broken, Array(InternalKey.userKey(entries[0].key)))) { error in
            guard case StorageError.corruption? = error as? StorageError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try broken.verify())
    }

    func testNotATableAndWrongVersion() throws {
        try writeBytes([UInt8](repeating: 7, count: 10), to: "tiny.sst")
        assertStorageError({ _ = try open("tiny.sst") }, "shorter than a footer")
        try writeBytes([UInt8](repeating: 0, count: 4096), to: "zeros.sst")
        XCTAssertThrowsError(try open("zeros.sst")) { error in
            guard case StorageError.corruption(_, let why)? = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("magic"), why)
        }
        var (bytes, _, _) = try writeSmallTable()
        bytes[bytes.count - 12] = 2                  // version field
        try writeBytes(bytes, to: "v2.sst")
        XCTAssertThrowsError(try open("v2.sst")) { error in
            guard case StorageError.corruption(_, let why)? = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("version 2"), why)
        }
    }

    /// Footer handles that point outside the file (with a valid CRC, so the
    /// layout checks themselves are exercised) are rejected before any read.
    func testFooterHandlesOutsideTheFileAreRejected() throws {
        let (bytes, footer, _) = try writeSmallTable()
        let body = Array(bytes.prefix(bytes.count - TableFormat.footerSize))
        var variants: [TableFooter] = []
        var f = footer; f.index.size = UInt64.max; variants.append(f)
        f = footer; f.index.offset = UInt64.max - 3; variants.append(f)
        f = footer; f.properties.size += 1; variants.append(f)
        f = footer; f.filter.offset = 1; variants.append(f)
        f = footer; f.filter = BlockHandle(offset: 0, size: 0); variants.append(f)
        f = footer; f.entryCount += 1; variants.append(f)
        for (i, v) in variants.enumerated() {
            try writeBytes(body + v.encode(), to: "handles.sst")
            assertStorageError({ _ = try open("handles.sst") }, "variant \(i)")
        }
    }
}
