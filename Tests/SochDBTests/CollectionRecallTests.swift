import Foundation
import Testing
@testable import SochDB

/// Recall of collection searches on a 20,000 × 128 clustered set (64
/// clusters, centres spread 2σ), against exact answers: plain, after
/// deleting and re-adding 30%, and filtered. A collection's level seed is
/// random, so each run builds a different graph: before the level-1 beam
/// and the α fill of inserts, most runs missed 5–7 ids and one CI run 57
/// (SochVectorTests/SelfRecallTests pins the seeds that did).
@Suite(.serialized) final class CollectionRecallTests {
    static let all = SyntheticData.clustered(count: 20_100, dimension: 128, clusters: 64, spread: 2, seed: 77)
    static let base = all.rows(0..<20_000)
    static let queries = all.rows(20_000..<20_100)
    let dir = NSTemporaryDirectory() + "sochdb-collection-recall-\(UUID().uuidString)"
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Every row, with a `bucket` (i mod 100: 1% each) and a `tenth` field.
    static func record(_ i: Int) -> CollectionRecord {
        CollectionRecord(id: "v\(i)", vector: base[i], metadata: ["bucket": .int(Int64(i % 100)), "tenth": .int(Int64(i % 10))])
    }

    /// Exact top-k ids among the rows `allowed` admits.
    static func exact(_ q: [Float], k: Int, _ allowed: (Int) -> Bool) -> [String] {
        (0..<base.count).filter(allowed).map { (ScalarReference.l2Squared(q, base[$0]), $0) }
            .sorted { $0 < $1 }.prefix(k).map { "v\($0.1)" }
    }

    static let truth: [[String]] = {
        let r = try! FlatIndex(base).search(queries, k: 10)
        return (0..<queries.count).map { r[$0].map { "v\($0.id)" } }
    }()

    func recall(_ c: VectorCollection, filter: MetadataFilter? = nil, truth: [[String]] = truth) throws -> Double {
        var hits = 0
        for i in 0..<Self.queries.count {
            let got = try c.search(Self.queries[i], k: 10, ef: 64, filter: filter)
            hits += Set(got.map(\.id)).intersection(truth[i]).count
        }
        return Double(hits) / Double(truth.count * 10)
    }

    func loaded(_ db: Database) throws -> VectorCollection {
        let c = try db.createCollection("recall", dimension: 128, m: 16, efConstruction: 100)
        // One large batch (the batched build) and then smaller ones (chunked inserts).
        try c.upsert((0..<12_000).map(Self.record))
        for start in stride(from: 12_000, to: 20_000, by: 2_000) { try c.upsert((start..<start + 2_000).map(Self.record)) }
        return c
    }

    @Test func recallAndSelfRecall() throws {
        let db = try Database.open(dir)
        let c = try loaded(db)
        let r = try recall(c)
        #expect(r >= 0.95, "recall@10 at ef=64 = \(r)")
        // Every id, as the requirement reads: a sample of every 7th (2,858)
        // allowed 2 misses and swung between 1 and 6 from run to run.
        let missed = try (0..<20_000).filter { try c.search(Self.base[$0], k: 1).first?.id != "v\($0)" }
        #expect(Double(20_000 - missed.count) / 20_000 >= 0.999, "\(missed.count) of 20,000 missed themselves: \(missed.prefix(20))")
        try db.close()
    }

    @Test func deletingAndReaddingThirtyPercentKeepsRecall() throws {
        let db = try Database.open(dir)
        let c = try loaded(db)
        var rng = SystemRandomNumberGenerator()
        let victims = Array(0..<20_000).shuffled(using: &rng).prefix(6_000)
        for chunk in stride(from: 0, to: victims.count, by: 1_000) {
            for i in victims.dropFirst(chunk).prefix(1_000) { try c.delete("v\(i)") }
        }
        #expect(c.count == 14_000)
        try c.upsert(victims.map(Self.record))
        c.waitForMaintenance()
        #expect(c.count == 20_000)
        let info = c.info()
        #expect(info.rebuilds >= 1, "6,000 tombstones in 26,000 nodes should have triggered a rebuild")
        let r = try recall(c)
        #expect(r >= 0.93, "recall@10 after deleting and re-adding 30% = \(r), \(info)")
        try db.close()
    }

    @Test func filteredRecallAtOneAndTenPercent() throws {
        let db = try Database.open(dir)
        let c = try loaded(db)
        let one = (0..<Self.queries.count).map { Self.exact(Self.queries[$0], k: 10) { $0 % 100 == 42 } }
        let r1 = try recall(c, filter: MetadataFilter.field("bucket") == 42, truth: one)
        #expect(r1 >= 0.95, "recall@10 with a 1% filter = \(r1)")
        let ten = (0..<Self.queries.count).map { Self.exact(Self.queries[$0], k: 10) { $0 % 10 == 3 } }
        let r10 = try recall(c, filter: try MetadataFilter.parse(json: #"{"tenth": {"$in": [3]}}"#), truth: ten)
        #expect(r10 >= 0.95, "recall@10 with a 10% filter = \(r10)")
        for hit in try c.search(Self.queries[0], k: 10, filter: MetadataFilter.field("bucket") == 42) {
            #expect(hit.metadata["bucket"] == 42)
        }
        try db.close()
    }
}
