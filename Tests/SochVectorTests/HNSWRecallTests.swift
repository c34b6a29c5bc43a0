import Testing
import Synchronization
@testable import SochVector

/// Recall and result-order checks against exact (flat BLAS) search.
struct HNSWRecallTests {
    /// Base and queries drawn from the same mixture (same centres), split.
    static let all = SyntheticData.clustered(count: 20_200, dimension: 128, clusters: 64, seed: 11)
    static let base = all.rows(0..<20_000)
    static let queries = all.rows(20_000..<20_200)

    /// The 64 clusters are far apart (centres ~N(0, 16) vs unit noise), so
    /// level 0 of an exact-k-NN graph would be 64 islands: this also checks
    /// that the batched build's bridge edges connect them.
    @Test(arguments: [ConstructionMethod.batched, .incremental])
    func recallAt10IsAtLeast095OnClustered20kx128(construction: ConstructionMethod) throws {
        let index = try HNSWIndex.build(Self.base, metric: .l2, parameters: HNSWParameters(m: 16, efConstruction: 100),
                                        threads: 0, construction: construction)
        let truth = try FlatIndex(Self.base, metric: .l2).search(Self.queries, k: 10)
        let found = try index.searchBatch(Self.queries, k: 10, ef: 64)
        let r = recall(found, truth, k: 10)
        #expect(r >= 0.95, "recall@10 = \(r)")
        // Results are sorted by distance and the distances are the metric's.
        for i in 0..<found.queryCount {
            let row = found[i]
            #expect(row.count == 10)
            #expect(zip(row, row.dropFirst()).allSatisfy { $0.distance <= $1.distance })
            let q = Self.queries[i]
            for hit in row {
                let exact = ScalarReference.l2Squared(q, Self.base[Int(hit.id)])
                #expect(abs(Double(hit.distance) - exact) <= 1e-4 * max(exact, 1))
            }
        }
    }

    @Test(arguments: [Metric.cosine, .innerProduct], [ConstructionMethod.batched, .incremental])
    func dotMetricsFindTrueNeighbours(metric: Metric, construction: ConstructionMethod) throws {
        let base = Self.base.rows(0..<5_000)
        let index = try HNSWIndex.build(base, metric: metric, parameters: HNSWParameters(m: 16, efConstruction: 100),
                                        construction: construction)
        let truth = try FlatIndex(base, metric: metric).search(Self.queries, k: 10)
        let found = try index.searchBatch(Self.queries, k: 10, ef: 64)
        #expect(recall(found, truth, k: 10) >= 0.95)
        let q = Self.queries[0], top = found[0][0]
        let expected = metric == .cosine ? ScalarReference.cosineDistance(q, base[Int(top.id)])
                                         : 1 - ScalarReference.dot(q, base[Int(top.id)])
        #expect(abs(Double(top.distance) - expected) <= 1e-3 * max(1, abs(expected)))
    }

    @Test func storedVectorFindsItselfUnderCosine() throws {
        let base = Self.base.rows(0..<3_000)
        let index = try HNSWIndex.build(base, metric: .cosine)
        var selfHits = 0
        for i in stride(from: 0, to: 3_000, by: 10) where try index.search(base[i], k: 1).first?.id == Int64(i) {
            selfHits += 1
        }
        #expect(selfHits >= 299)
    }

    @Test(arguments: [ConstructionMethod.batched, .incremental])
    func singleThreadedBuildsAreDeterministic(construction: ConstructionMethod) throws {
        // 5,000 rows: more than one cluster in the batched build.
        let base = Self.base.rows(0..<5_000)
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        let a = try HNSWIndex.build(base, parameters: HNSWParameters(m: 8, efConstruction: 50, seed: 9), threads: 1, construction: construction)
        let b = try HNSWIndex.build(base, parameters: HNSWParameters(m: 8, efConstruction: 50, seed: 9), threads: 1, construction: construction)
        try a.save(to: dir + "/a.hnsw")
        try b.save(to: dir + "/b.hnsw")
        #expect(readBytes(dir + "/a.hnsw") == readBytes(dir + "/b.hnsw"))
        let c = try HNSWIndex.build(base, parameters: HNSWParameters(m: 8, efConstruction: 50, seed: 10), threads: 1, construction: construction)
        try c.save(to: dir + "/c.hnsw")
        #expect(readBytes(dir + "/a.hnsw") != readBytes(dir + "/c.hnsw"))
    }

    @Test func batchedAndIncrementalGraphsAreValid() throws {
        // Both graphs pass the full structural verification after a save.
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        for method in [ConstructionMethod.batched, .incremental] {
            let index = try HNSWIndex.build(Self.base.rows(0..<6_000), parameters: HNSWParameters(m: 10, efConstruction: 60),
                                            threads: 2, construction: method)
            try index.save(to: dir + "/g.hnsw")
            let opened = try HNSWIndex.open(dir + "/g.hnsw", verification: .full)
            #expect(opened.info.levelHistogram.reduce(0, +) == 6_000)
            // Every node is reachable from the entry point at level 0 (construction
            // alone leaves ~0.2% unreachable; the reachability repair links them).
            let g = opened.layout
            var seen = [Bool](repeating: false, count: g.count)
            var stack = [opened.entryPoint]
            seen[Int(opened.entryPoint)] = true
            while let node = stack.popLast() {
                let (block, cap) = g.linkBlock(node, level: 0)!
                for i in 0..<min(Int(block[0]), cap) where !seen[Int(block[1 + i])] {
                    seen[Int(block[1 + i])] = true
                    stack.append(block[1 + i])
                }
            }
            let reachable = seen.filter { $0 }.count
            #expect(reachable == 6_000, "\(method): \(reachable) of 6000 reachable at level 0")
        }
    }

    @Test(arguments: [ConstructionMethod.batched, .incremental])
    func progressRisesToTheTotal(construction: ConstructionMethod) throws {
        let calls = Mutex<[Int]>([])
        _ = try HNSWIndex.build(Self.base.rows(0..<12_000), parameters: HNSWParameters(m: 8, efConstruction: 40),
                                threads: 2, construction: construction) { done, total in
            #expect(total == 12_000)
            calls.withLock { $0.append(done) }
        }
        let seen = calls.withLock { $0 }
        #expect(seen.count >= 5, "\(seen.count) progress calls")
        #expect(seen.max() == 12_000)
        #expect(seen.allSatisfy { $0 >= 0 && $0 <= 12_000 })
    }

    @Test func incrementalAddsMatchOneBuild() throws {
        let base = Self.base.rows(0..<4_000)
        let index = try HNSWIndex(dimension: 128)
        try index.add(base.rows(0..<1_000))
        try index.add(base.rows(1_000..<4_000))
        #expect(index.count == 4_000)
        let truth = try FlatIndex(base).search(Self.queries, k: 10)
        #expect(recall(try index.searchBatch(Self.queries, k: 10, ef: 64), truth, k: 10) >= 0.95)
    }

    @Test func smallAndEdgeCaseIndexes() throws {
        let empty = try HNSWIndex(dimension: 4)
        #expect(try empty.search([1, 2, 3, 4], k: 5).isEmpty)
        let one = try HNSWIndex.build([[1, 2, 3, 4]], ids: [42])
        #expect(try one.search([1, 2, 3, 4], k: 5) == [SearchResult(id: 42, distance: 0)])
        // k larger than the index returns everything, sorted.
        let rows = (0..<20).map { i in [Float(i), 0, 0, 0] }
        let small = try HNSWIndex.build(rows)
        let all = try small.search([0, 0, 0, 0], k: 50)
        #expect(all.map(\.id) == (0..<20).map(Int64.init))
        #expect(all.map(\.distance) == (0..<20).map { Float($0 * $0) })
    }

    @Test func customIDsAreReturnedAndLookedUp() throws {
        let rows = (0..<100).map { i in [Float(i), Float(i % 3), 1] }
        let ids = (0..<100).map { Int64($0) * 1_000 + 7 }
        let index = try HNSWIndex.build(rows, ids: ids)
        #expect(try index.search([5, 2, 1], k: 1).first?.id == 5_007)
        #expect(try index.vector(id: 5_007) == [5, 2, 1])
        #expect(throws: SochVectorError.notFound("id 5")) { try index.vector(id: 5) }
        #expect(throws: SochVectorError.invalidArgument("id 7 is already in the index")) {
            try index.add([[1, 1, 1]], ids: [7])
        }
        #expect(throws: SochVectorError.invalidArgument("duplicate id 3")) {
            try index.add([[1, 1, 1], [2, 2, 2]], ids: [3, 3])
        }
        #expect(index.count == 100)
    }
}
