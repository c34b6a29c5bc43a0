import XCTest
@testable import SochStorage

final class BloomFilterTests: XCTestCase {
    private static func key(_ prefix: String, _ i: Int) -> [UInt8] { Array("\(prefix)\(i)".utf8) }

    private static func filter(_ keys: [[UInt8]], bitsPerKey: Int = 10) throws -> BloomFilter {
        var builder = BloomFilterBuilder(bitsPerKey: bitsPerKey)
        for k in keys { builder.add(k) }
        return try BloomFilter(block: builder.finish(), path: "test")
    }

    func testNoFalseNegatives() throws {
        for n in [0, 1, 7, 100, 10_000] {
            let keys = (0..<n).map { Self.key("present-", $0) }
            let f = try Self.filter(keys)
            for k in keys { XCTAssertTrue(f.mayContain(k), "n=\(n)") }
        }
    }

    func testFalsePositiveRateNearOnePercentAtTenBitsPerKey() throws {
        let keys = (0..<20_000).map { Self.key("user:", $0) }
        let f = try Self.filter(keys)
        XCTAssertEqual(f.probes, 7)
        let trials = 200_000
        var hits = 0
        for i in 0..<trials where f.mayContain(Self.key("absent:", i)) { hits += 1 }
        let rate = Double(hits) / Double(trials)
        // Theory for m/n = 10, k = 7: (1 − e^(−0.7))^7 ≈ 0.82%.
        XCTAssertGreaterThan(rate, 0.004, "rate \(rate)")
        XCTAssertLessThan(rate, 0.015, "rate \(rate)")
    }

    func testMoreBitsMeanFewerFalsePositives() throws {
        let keys = (0..<5_000).map { Self.key("k", $0) }
        func rate(_ bits: Int) throws -> Double {
            let f = try Self.filter(keys, bitsPerKey: bits)
            var hits = 0
            for i in 0..<50_000 where f.mayContain(Self.key("x", i)) { hits += 1 }
            return Double(hits) / 50_000
        }
        XCTAssertLessThan(try rate(16), try rate(6))
    }

    func testProbeCount() {
        XCTAssertEqual(BloomFilter.probeCount(bitsPerKey: 1), 1)
        XCTAssertEqual(BloomFilter.probeCount(bitsPerKey: 10), 7)
        XCTAssertEqual(BloomFilter.probeCount(bitsPerKey: 20), 14)
        XCTAssertEqual(BloomFilter.probeCount(bitsPerKey: 100), 30)
    }

    func testLayout() {
        var builder = BloomFilterBuilder(bitsPerKey: 10)
        XCTAssertEqual(builder.finish().count, 8 + 1, "at least 64 bits")
        for i in 0..<100 { builder.add(Self.key("k", i)) }
        let block = builder.finish()
        XCTAssertEqual(block.count, 125 + 1)
        XCTAssertEqual(block.last, 7)
    }

    /// The hash is part of the format: these values come from an independent
    /// MurmurHash64A implementation with the same seed.
    func testHashIsMurmurHash64A() {
        let golden: [([UInt8], UInt64)] = [
            ([], 0x0A61_5101_D729_F4BD),
            (Array("a".utf8), 0x3BBA_ECC4_B803_B74B),
            (Array("abc".utf8), 0x29BD_4FCC_AC8B_6BD1),
            (Array("12345678".utf8), 0xF501_FF11_8938_61EB),
            (Array("hello, world!".utf8), 0x26A5_2B8B_A3E8_08FF),
            (Array(0..<32), 0xF5AA_7B13_119E_DCAA),
        ]
        for (bytes, expected) in golden {
            XCTAssertEqual(bytes.withUnsafeBytes { BloomFilter.hash($0) }, expected, "\(bytes)")
        }
    }

    func testMalformedFilterBlocksThrow() {
        for block: [UInt8] in [[], [7], [0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 31]] {
            XCTAssertThrowsError(try BloomFilter(block: block, path: "f.sst")) { error in
                XCTAssertTrue((error as? StorageError)?.isCorruption ?? false, "\(error)")
            }
        }
    }
}
