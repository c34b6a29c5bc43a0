import Foundation
import Testing
@testable import SochDB

/// The seed's bulk API, in process.
struct BulkAPITests {
    let dir = NSTemporaryDirectory() + "sochdb-bulk-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    @Test func buildQueryInfoConvert() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = SyntheticData.clustered(count: 3_050, dimension: 24, clusters: 10, seed: 4)
        let base = all.rows(0..<3_000)
        let stats = try bulkBuildIndex(base, output: dir + "/i.hnsw", m: 12, efConstruction: 80, threads: 2)
        #expect(stats.vectors == 3_000 && stats.dimension == 24)
        #expect(stats.indexSizeBytes == (try FileManager.default.attributesOfItem(atPath: dir + "/i.hnsw")[.size] as! Int))
        #expect(stats.rate > 0 && stats.elapsedSeconds > 0)
        let info = try bulkInfo(index: dir + "/i.hnsw", verify: true)
        #expect(info.count == 3_000 && info.m == 12 && info.efConstruction == 80 && info.metric == .l2)
        let hits = try bulkQueryIndex(index: dir + "/i.hnsw", query: base[17], k: 5, efSearch: 32)
        #expect(hits.first == SearchResult(id: 17, distance: 0))
        #expect(hits.count == 5)
        try convertEmbeddingsToRaw(base, path: dir + "/v.raw")
        #expect(try VectorFile.read(path: dir + "/v.raw", dimension: 24).flatArray == base.flatArray)
    }

    @Test(arguments: VectorOrdering.allCases)
    func orderingKeepsCallerIDs(ordering: VectorOrdering) throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = SyntheticData.clustered(count: 2_000, dimension: 16, clusters: 8, seed: 5)
        var options = BulkBuildOptions()
        options.ordering = ordering
        options.ids = (0..<2_000).map { Int64($0) * 7 + 3 }
        // One thread: a deterministic graph, so the exact 100-of-100 check
        // below tests the ids, not how parallel inserts happened to race.
        try bulkBuildIndex(base, output: dir + "/o.hnsw", threads: 1, options: options)
        let index = try HNSWIndex.open(dir + "/o.hnsw")
        var selfHits = 0
        for i in stride(from: 0, to: 2_000, by: 20) where try index.search(base[i], k: 1).first?.id == Int64(i) * 7 + 3 {
            selfHits += 1
        }
        #expect(selfHits == 100)
        #expect(try index.vector(id: 3 + 7 * 42) == base[42])
    }

    @Test func orderingsGroupNearbyVectors() throws {
        let base = SyntheticData.clustered(count: 1_000, dimension: 8, clusters: 5, spread: 20, seed: 8)
        let plain = try VectorOrdering.none.permutation(of: base)
        #expect(plain == Array(0..<1_000))
        for ordering in [VectorOrdering.kmeans, .randomProjection] {
            let p = try ordering.permutation(of: base)
            #expect(Set(p) == Set(0..<1_000))
            // Consecutive rows are closer on average than in input order.
            func meanGap(_ order: [Int]) -> Double {
                zip(order, order.dropFirst()).map { ScalarReference.l2Squared(base[$0], base[$1]) }.reduce(0, +) / Double(order.count - 1)
            }
            #expect(meanGap(p) < 0.5 * meanGap(plain), "\(ordering)")
        }
    }

    @Test func rejectsMismatchedIDsWithoutWriting() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = BulkBuildOptions()
        options.ids = [1, 2]
        #expect(throws: SochVectorError.invalidArgument("2 ids for 3 vectors")) {
            try bulkBuildIndex([[1, 2], [3, 4], [5, 6]], output: dir + "/x.hnsw", options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.hnsw"))
    }

    @Test func findsTheBulkExecutable() throws {
        // `swift test` builds every product, and runs from the package root.
        let path = try #require(sochdbBulkPath())
        #expect(path.hasSuffix("/sochdb-bulk"))
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }
}
