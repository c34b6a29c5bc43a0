import Testing
@testable import SochVector

/// Every stored vector should find itself: on a 20,000 × 128 set of 64
/// clusters (centres spread 2σ), a batched build of 12,000 and then 8,000
/// inserts in chunks of 256 (as collections add; they also repair
/// reachability every 10% of growth, this test once at the end), all on one
/// thread, so each graph is the same on every run on one machine (the
/// batched build's sgemm results depend on the BLAS kernel). On the code before the level-1 beam
/// and the α fill of inserts these seeds gave: seed 1, a typical one, 0 and
/// 5 misses (outliers the plain heuristic left 1–3 links); seed 6, 4 and 25
/// (inserts built an island of new nodes in a neighbouring cluster); seed
/// 46, 49 and 6 (greedy descent stranded queries in a neighbouring
/// cluster). Now 0 each; the requirement's bound would be 20 of 20,000.
@Suite struct SelfRecallTests {
    static let data = SyntheticData.clustered(count: 20_000, dimension: 128, clusters: 64, spread: 2, seed: 77)

    static func misses(_ index: HNSWIndex, _ range: Range<Int>) throws -> [Int] {
        try range.filter { try index.search(data[$0], k: 1).first?.id != Int64($0) }
    }

    @Test(arguments: [1, 6, 46] as [UInt64])
    func storedVectorsFindThemselves(levelSeed: UInt64) throws {
        let parameters = HNSWParameters(m: 16, efConstruction: 100, seed: levelSeed &* 0x9E37_79B9_7F4A_7C15 | 1)
        let index = try HNSWIndex.build(Self.data.rows(0..<12_000), parameters: parameters,
                                        ids: (0..<12_000).map(Int64.init), threads: 1)
        let built = try Self.misses(index, 0..<12_000)
        #expect(built.count <= 3, "after the batched build \(built.count) of 12,000 missed themselves: \(built.prefix(20))")
        for start in stride(from: 12_000, to: 20_000, by: 256) {
            let end = min(start + 256, 20_000)
            try index.add(Self.data.rows(start..<end), ids: (start..<end).map(Int64.init), threads: 1)
        }
        index.linkUnreachableNodes()
        let all = try Self.misses(index, 0..<20_000)
        #expect(all.count <= 3, "after the inserts \(all.count) of 20,000 missed themselves: \(all.prefix(20))")
    }

    /// A parallel build of 2,000 then adds of 256 on two threads (16-d, 12
    /// clusters, as the collection reopen test). Nodes used to be published
    /// top-down, and a concurrent insert descending through one not yet
    /// linked on level 0 linked only to it: under CPU load up to 17 of 3,000
    /// then missed themselves (0 in 240 graphs since, loaded or not). A smoke
    /// test: the race needs threads to interleave, so on a quiet machine it
    /// would mostly pass on the old code too (its worst graph there: 4). The
    /// first two adds of 256 count as bulk (≥ 10% of the index) and get the
    /// reachability repair instead of the in-link checks; collections add on
    /// one thread, so this covers bulk builds and direct `HNSWIndex.add` use.
    @Test func parallelInsertsFindThemselves() throws {
        let data = SyntheticData.clustered(count: 3_000, dimension: 16, clusters: 12, spread: 2, seed: 21)
        for seed in 1...24 as ClosedRange<UInt64> {
            let parameters = HNSWParameters(m: 16, efConstruction: 100, seed: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
            let index = try HNSWIndex.build(data.rows(0..<2_000), parameters: parameters,
                                            ids: (0..<2_000).map(Int64.init), threads: 2)
            for start in stride(from: 2_000, to: 3_000, by: 256) {
                let end = min(start + 256, 3_000)
                try index.add(data.rows(start..<end), ids: (start..<end).map(Int64.init), threads: 2)
            }
            let missed = try (0..<3_000).filter { try index.search(data[$0], k: 1).first?.id != Int64($0) }
            #expect(missed.count <= 3, "seed \(seed): \(missed.count) of 3,000 missed themselves: \(missed.prefix(20))")
        }
    }
}
