import Testing
@testable import SochVector
#if canImport(Glibc)
import Glibc
#endif

/// Tombstones: deleted vectors are never returned, recall over the rest
/// holds, and tombstones survive save and open.
struct DeleteTests {
    @Test func deletedVectorsAreNeverReturnedAndRecallHolds() throws {
        let all = SyntheticData.clustered(count: 4_050, dimension: 24, clusters: 16, seed: 9)
        let base = all.rows(0..<4_000), queries = all.rows(4_000..<4_050)
        let index = try HNSWIndex.build(base, parameters: HNSWParameters(m: 12, efConstruction: 80))
        var rng = SeededRandom(seed: 4)
        var deleted = Set<Int64>()
        while deleted.count < 1_200 { deleted.insert(Int64(rng.next() % 4_000)) }   // 30%
        for id in deleted { #expect(try index.markDeleted(id: id)) }
        #expect(try index.markDeleted(id: deleted.first!) == false)
        #expect(index.info.deletedCount == 1_200)
        #expect(throws: SochVectorError.notFound("id 99999")) { try index.markDeleted(id: 99_999) }

        var hits = 0
        for q in 0..<queries.count {
            let query = queries[q]
            let got = try index.search(query, k: 10, ef: 64)
            #expect(got.count == 10)
            #expect(got.allSatisfy { !deleted.contains($0.id) })
            let truth = (0..<4_000).filter { !deleted.contains(Int64($0)) }
                .map { (ScalarReference.l2Squared(query, base[$0]), Int64($0)) }
                .sorted { $0 < $1 }.prefix(10).map(\.1)
            hits += Set(got.map(\.id)).intersection(truth).count
            // A filter on top of the tombstones still never returns them.
            let filtered = try index.search(query, k: 5, ef: 64, filter: .predicate { $0 % 2 == 0 })
            #expect(filtered.allSatisfy { !deleted.contains($0.id) && $0.id % 2 == 0 })
        }
        #expect(Double(hits) / Double(10 * queries.count) >= 0.93)
    }

    @Test func tombstonesSurviveSaveAndOpenAndAMappedIndexCanDelete() throws {
        let base = SyntheticData.clustered(count: 500, dimension: 8, clusters: 4, seed: 2)
        let index = try HNSWIndex.build(base)
        try index.markDeleted(id: 7)
        let dir = temporaryDirectory(); defer { removeTree(dir) }
        try index.save(to: dir + "/a.hnsw")
        let opened = try HNSWIndex.open(dir + "/a.hnsw", verification: .full)
        #expect(opened.info.deletedCount == 1)
        #expect(try opened.isDeleted(id: 7) && !opened.isDeleted(id: 8))
        #expect(try opened.markDeleted(id: 8))              // copies the mapping, then marks
        #expect(!opened.isMapped)
        let q = base[8]
        #expect(try opened.search(q, k: 3).allSatisfy { $0.id != 7 && $0.id != 8 })
        try opened.save(to: dir + "/b.hnsw")
        #expect(try HNSWIndex.open(dir + "/b.hnsw", verification: .full).info.deletedCount == 2)
    }
}
