import Dispatch
import XCTest
@testable import SochStorage

final class BlockCacheTests: XCTestCase {
    private static func block() -> Block {
        var builder = BlockBuilder()
        return try! Block.make(copying: builder.finish(), path: "test")
    }

    func testHitAndMissCounts() {
        let counters = EngineCounters()
        let cache = BlockCache(capacityBytes: 10_000, counters: counters, shardCount: 1)
        let b = Self.block()
        XCTAssertNil(cache.lookup(fileNumber: 1, offset: 0))
        cache.insert(fileNumber: 1, offset: 0, block: b, charge: 100)
        XCTAssertTrue(cache.lookup(fileNumber: 1, offset: 0) === b)
        XCTAssertTrue(cache.lookup(fileNumber: 1, offset: 0) === b)
        XCTAssertNil(cache.lookup(fileNumber: 2, offset: 0))
        XCTAssertNil(cache.lookup(fileNumber: 1, offset: 4096))
        XCTAssertEqual(counters.cacheHits.value, 2)
        XCTAssertEqual(counters.cacheMisses.value, 3)
        XCTAssertEqual(cache.usage, 100)
        XCTAssertEqual(cache.capacity, 10_000)
    }

    func testEvictsByByteBudgetInLRUOrder() {
        let cache = BlockCache(capacityBytes: 1000, counters: EngineCounters(), shardCount: 1)
        for i in 0..<3 { cache.insert(fileNumber: 1, offset: UInt64(i), block: Self.block(), charge: 300) }
        XCTAssertEqual(cache.usage, 900)
        XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: 0))      // 0 is now the most recent
        cache.insert(fileNumber: 1, offset: 3, block: Self.block(), charge: 300)
        XCTAssertEqual(cache.usage, 900)
        XCTAssertNil(cache.lookup(fileNumber: 1, offset: 1), "least recently used goes first")
        XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: 0))
        XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: 2))
        XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: 3))
        // One big block pushes out as many as needed, oldest first.
        cache.insert(fileNumber: 1, offset: 4, block: Self.block(), charge: 650)
        XCTAssertLessThanOrEqual(cache.usage, 1000)
        XCTAssertNil(cache.lookup(fileNumber: 1, offset: 0))
        XCTAssertNil(cache.lookup(fileNumber: 1, offset: 2))
        XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: 3))
        XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: 4))
        XCTAssertEqual(cache.usage, 950)
    }

    func testReplaceOversizeAndZeroCapacity() {
        let cache = BlockCache(capacityBytes: 1000, counters: EngineCounters(), shardCount: 1)
        let a = Self.block(), b = Self.block()
        cache.insert(fileNumber: 1, offset: 0, block: a, charge: 400)
        cache.insert(fileNumber: 1, offset: 0, block: b, charge: 500)
        XCTAssertEqual(cache.usage, 500)
        XCTAssertEqual(cache.count, 1)
        XCTAssertTrue(cache.lookup(fileNumber: 1, offset: 0) === b)
        cache.insert(fileNumber: 1, offset: 1, block: a, charge: 1001)
        XCTAssertNil(cache.lookup(fileNumber: 1, offset: 1), "larger than the budget: not cached")
        XCTAssertEqual(cache.usage, 500)

        let counters = EngineCounters()
        let none = BlockCache(capacityBytes: 0, counters: counters)
        none.insert(fileNumber: 1, offset: 0, block: a, charge: 0)
        XCTAssertNil(none.lookup(fileNumber: 1, offset: 0))
        XCTAssertEqual(none.usage, 0)
        XCTAssertEqual(counters.cacheMisses.value, 1)
    }

    func testEvictFile() {
        let cache = BlockCache(capacityBytes: 1 << 20, counters: EngineCounters(), shardCount: 4)
        for f in 1...3 { for o in 0..<50 { cache.insert(fileNumber: UInt64(f), offset: UInt64(o * 4096), block: Self.block(), charge: 100) } }
        XCTAssertEqual(cache.usage, 150 * 100)
        cache.evictFile(2)
        XCTAssertEqual(cache.usage, 100 * 100)
        XCTAssertEqual(cache.count, 100)
        for o in 0..<50 {
            XCTAssertNil(cache.lookup(fileNumber: 2, offset: UInt64(o * 4096)))
            XCTAssertNotNil(cache.lookup(fileNumber: 1, offset: UInt64(o * 4096)))
            XCTAssertNotNil(cache.lookup(fileNumber: 3, offset: UInt64(o * 4096)))
        }
        // Freed nodes are reused.
        for o in 0..<50 { cache.insert(fileNumber: 4, offset: UInt64(o), block: Self.block(), charge: 100) }
        XCTAssertEqual(cache.count, 150)
    }

    func testDefaultShardCount() {
        XCTAssertEqual(BlockCache.defaultShardCount(64 << 20), 16)
        XCTAssertEqual(BlockCache.defaultShardCount(2 << 20), 4)
        XCTAssertEqual(BlockCache.defaultShardCount(1000), 1)
        XCTAssertEqual(BlockCache.defaultShardCount(0), 1)
    }

    func testConcurrentUseKeepsBudgetAndCounts() {
        let counters = EngineCounters()
        let cache = BlockCache(capacityBytes: 64 * 1000, counters: counters, shardCount: 16)
        let block = Self.block()
        let threads = 4, perThread = 20_000
        runOnThreads(threads) { t in
            var rng = SplitMix64(seed: UInt64(t))
            for _ in 0..<perThread {
                let offset = rng.next() % 500
                if cache.lookup(fileNumber: 7, offset: offset) == nil {
                    cache.insert(fileNumber: 7, offset: offset, block: block, charge: 1000)
                }
            }
        }
        XCTAssertEqual(counters.cacheHits.value + counters.cacheMisses.value, UInt64(threads * perThread))
        XCTAssertGreaterThan(counters.cacheHits.value, 0)
        XCTAssertLessThanOrEqual(cache.usage, cache.capacity)
        XCTAssertEqual(cache.usage, cache.count * 1000)
    }
}
