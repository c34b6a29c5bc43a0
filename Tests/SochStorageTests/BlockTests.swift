import XCTest
@testable import SochStorage

/// Block builder, parser, iterator and point lookup against a sorted-array
/// reference; malformed blocks must throw, never trap.
final class BlockTests: XCTestCase {
    private typealias Entry = (key: [UInt8], value: [UInt8])

    /// Sorted, distinct internal keys with long shared prefixes, several
    /// versions of some user keys, empty values, and keys and values over
    /// 127 bytes (multi-byte varints).
    private static func randomEntries(_ count: Int, seed: UInt64) -> [Entry] {
        var rng = SplitMix64(seed: seed)
        let prefixes: [[UInt8]] = [
            Array("user/profile/0000000000/".utf8), Array("user/profile/0000000001/".utf8),
            Array("idx/".utf8), [], Array(repeating: 0x41, count: 150),
        ]
        var entries: [Entry] = []
        var seen = Set<[UInt8]>()
        while entries.count < count {
            var user = prefixes[Int(rng.next() % UInt64(prefixes.count))]
            for _ in 0..<Int(rng.next() % 12) { user.append(UInt8(truncatingIfNeeded: rng.next() % 6 + 0x61)) }
            let versions = rng.next() % 4 == 0 ? 3 : 1
            for v in 0..<versions {
                let seq = (rng.next() % 1000) * 4 + UInt64(v) * 5000
                let kind: EntryKind = rng.next() % 8 == 0 ? .deletion : .value
                let key = InternalKey.make(user, seq, kind)
                guard seen.insert(key).inserted else { continue }
                let valueLength = [0, 0, 1, 5, 20, 200][Int(rng.next() % 6)]
                entries.append((key, (0..<valueLength).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
            }
        }
        return entries.sorted { InternalKey.compare($0.key, $1.key) < 0 }
    }

    private static func build(_ entries: [Entry], restartInterval: Int) -> [UInt8] {
        var builder = BlockBuilder(restartInterval: restartInterval)
        for e in entries { builder.add(e.key, e.value) }
        return builder.finish()
    }

    private static func lowerBound(_ entries: [Entry], _ target: [UInt8]) -> Int {
        referenceLowerBound(entries.map(\.key), target)
    }

    func testRoundTripAndSeekEveryKey() throws {
        let entries = Self.randomEntries(1500, seed: 1)
        for interval in [1, 2, 16, 1000] {
            let block = try Block.make(copying: Self.build(entries, restartInterval: interval), path: "test")
            XCTAssertEqual(block.entryCount, entries.count)
            let it = block.makeIterator()
            it.seekToFirst()
            for e in entries {
                XCTAssertTrue(it.isValid)
                XCTAssertEqual(it.key, e.key)
                XCTAssertEqual(it.value, e.value)
                it.next()
            }
            XCTAssertFalse(it.isValid)
            for (i, e) in entries.enumerated() {
                it.seek(e.key)
                XCTAssertTrue(it.isValid)
                XCTAssertEqual(it.key, e.key, "interval \(interval) entry \(i)")
                XCTAssertEqual(it.value, e.value)
            }
        }
    }

    func testSeekBetweenKeysMatchesReference() throws {
        let entries = Self.randomEntries(1000, seed: 2)
        let other = Self.randomEntries(3000, seed: 3)
        for interval in [1, 16] {
            let block = try Block.make(copying: Self.build(entries, restartInterval: interval), path: "test")
            let it = block.makeIterator()
            // Targets from another draw land between keys, on equal user keys
            // with other sequences, before the first and past the last key.
            let targets = other.map(\.key) + [InternalKey.make([], maxSequenceNumber, .value),
                                              InternalKey.make([0xFF, 0xFF], 0, .deletion)]
            for target in targets {
                let expected = Self.lowerBound(entries, target)
                it.seek(target)
                if expected == entries.count {
                    XCTAssertFalse(it.isValid)
                } else {
                    XCTAssertTrue(it.isValid)
                    XCTAssertEqual(it.key, entries[expected].key)
                }
            }
        }
    }

    func testPointLookupMatchesReference() throws {
        let entries = Self.randomEntries(1000, seed: 4)
        let block = try Block.make(copying: Self.build(entries, restartInterval: 16), path: "test")
        let probes = entries.map(\.key) + Self.randomEntries(2000, seed: 5).map(\.key)
        for target in probes {
            let user = Array(InternalKey.userKey(target))
            let expected = Self.lowerBound(entries, target)
            let result = target.withUnsafeBytes { t in user.withUnsafeBytes { block.pointLookup(t, userKey: $0) } }
            switch result {
            case .found(let key, let value):
                XCTAssertLessThan(expected, entries.count)
                XCTAssertEqual(key, entries[expected].key)
                XCTAssertEqual(value, entries[expected].value)
                XCTAssertEqual(Array(InternalKey.userKey(key)), user)
            case .otherKey:
                XCTAssertLessThan(expected, entries.count)
                XCTAssertNotEqual(Array(InternalKey.userKey(entries[expected].key)), user)
            case .pastEnd:
                XCTAssertEqual(expected, entries.count)
            }
        }
    }

    func testEmptyBlock() throws {
        var builder = BlockBuilder()
        let bytes = builder.finish()
        XCTAssertEqual(bytes, [0, 0, 0, 0])
        let block = try Block.make(copying: bytes, path: "test")
        XCTAssertEqual(block.entryCount, 0)
        let it = block.makeIterator()
        it.seekToFirst()
        XCTAssertFalse(it.isValid)
        it.seek(InternalKey.make(Array("a".utf8), 1, .value))
        XCTAssertFalse(it.isValid)
        let t = InternalKey.make(Array("a".utf8), 1, .value)
        let r = t.withUnsafeBytes { tt in block.pointLookup(tt, userKey: UnsafeRawBufferPointer(rebasing: tt[0..<1])) }
        guard case .pastEnd = r else { return XCTFail("expected pastEnd") }
    }

    func testBuilderIsReusableAfterFinish() throws {
        let entries = Self.randomEntries(100, seed: 6)
        var builder = BlockBuilder(restartInterval: 4)
        for e in entries.prefix(50) { builder.add(e.key, e.value) }
        _ = builder.finish()
        XCTAssertTrue(builder.isEmpty)
        for e in entries.suffix(50) { builder.add(e.key, e.value) }
        XCTAssertEqual(builder.finish(), Self.build(Array(entries.suffix(50)), restartInterval: 4))
    }

    func testPrefixCompressionShrinksSharedPrefixes() {
        let prefix = [UInt8](repeating: 0x7A, count: 100)
        let entries: [Entry] = (0..<64).map { i in (InternalKey.make(prefix + [UInt8(i)], 1, .value), []) }
        let bytes = Self.build(entries, restartInterval: 16)
        // 4 full keys of 109 bytes plus 60 deltas of 9 bytes, headers, restarts.
        XCTAssertLessThan(bytes.count, 4 * 112 + 60 * 12 + 5 * 4 + 1)
    }

    /// The worked example of docs/formats/sstable.md, byte for byte.
    func testGoldenLayout() throws {
        var builder = BlockBuilder()
        builder.add(InternalKey.make(Array("apple".utf8), 5, .value), Array("red".utf8))
        builder.add(InternalKey.make(Array("apply".utf8), 3, .value), [])
        let expected: [UInt8] = [
            0x00, 0x0D, 0x03, 0x61, 0x70, 0x70, 0x6C, 0x65, 0x01, 0x05, 0, 0, 0, 0, 0, 0, 0x72, 0x65, 0x64,
            0x04, 0x09, 0x00, 0x79, 0x01, 0x03, 0, 0, 0, 0, 0, 0,
            0x00, 0x00, 0x00, 0x00,
            0x01, 0x00, 0x00, 0x00,
        ]
        XCTAssertEqual(builder.finish(), expected)
    }

    // MARK: - Malformed blocks

    func testMalformedBlocksThrowCorruption() throws {
        let key = InternalKey.make(Array("key".utf8), 1, .value)
        let cases: [(String, [UInt8])] = [
            ("too short", [0, 0]),
            ("huge restart count", [0xFF, 0xFF, 0xFF, 0x7F]),
            ("restart without entries", [0, 0, 0, 0, 1, 0, 0, 0]),
            ("entries without restarts", [0, 11, 0] + key + [0, 0, 0, 0]),
            ("first restart not 0", [0, 11, 0] + key + [1, 0, 0, 0, 1, 0, 0, 0]),
            ("shared past previous key", [5, 11, 0] + key + [0, 0, 0, 0, 1, 0, 0, 0]),
            ("key runs past entries", [0, 40, 0] + key + [0, 0, 0, 0, 1, 0, 0, 0]),
            ("value runs past entries", [0, 11, 9] + key + [0, 0, 0, 0, 1, 0, 0, 0]),
            ("key shorter than a trailer", [0, 3, 0, 1, 2, 3, 0, 0, 0, 0, 1, 0, 0, 0]),
            ("truncated varint", [0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0]),
            ("restart not at an entry", [0, 11, 0] + key + [0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]),
        ]
        for (name, bytes) in cases {
            XCTAssertThrowsError(try Block.make(copying: bytes, path: "bad.sst"), name) { error in
                guard case StorageError.corruption(let path, _)? = error as? StorageError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(path, "bad.sst")
            }
        }
    }

    /// Random damage to valid blocks: construction throws or the block is
    /// structurally sound, and then iterating and seeking cannot trap.
    func testFuzzedBlocksNeverTrap() {
        let entries = Self.randomEntries(200, seed: 7)
        let good = Self.build(entries, restartInterval: 4)
        var rng = SplitMix64(seed: 8)
        var accepted = 0
        for round in 0..<3000 {
            var bytes = good
            switch round % 3 {
            case 0:
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 << (rng.next() % 8))
                }
            case 1:
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            default:
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            }
            guard let block = try? Block.make(copying: bytes, path: "fuzz") else { continue }
            accepted += 1
            let it = block.makeIterator()
            it.seekToFirst()
            var n = 0
            while it.isValid { _ = it.value; it.next(); n += 1 }
            XCTAssertEqual(n, block.entryCount)
            for e in entries.prefix(20) {
                it.seek(e.key)
                let user = Array(InternalKey.userKey(e.key))
                _ = e.key.withUnsafeBytes { t in user.withUnsafeBytes { block.pointLookup(t, userKey: $0) } }
            }
        }
        XCTAssertGreaterThan(accepted, 0, "some damage (in values) leaves a parsable block")
    }
}
