import Foundation
import Testing
@testable import SochDB

/// ``VectorCollection/searchBatch(_:k:ef:filter:threads:)`` against its
/// reference, one ``VectorCollection/search(_:k:ef:filter:)`` per row.
final class CollectionBatchSearchTests {
    let dir = NSTemporaryDirectory() + "sochdb-batch-search-\(UUID().uuidString)"
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    @Test func batchSearchEqualsOneSearchPerRow() throws {
        let db = try Database.open(dir)
        let c = try db.createCollection("docs", dimension: 8, metric: .cosine)
        var rng = SplitMix64(seed: 11)
        func vector() -> [Float] { (0..<8).map { _ in Float(rng.next() % 1000) / 500 - 1 } }
        let records = (0..<1500).map { i in
            CollectionRecord(id: "doc-\(i)", vector: vector(), metadata: ["group": .int(Int64(i % 7))])
        }
        try c.upsert(records)
        _ = try c.delete("doc-3")
        try c.upsert(id: "doc-4", vector: vector(), metadata: ["group": 99])
        let queries = (0..<40).map { _ in vector() }
        let matrix = try VectorMatrix(rows: queries)
        for filter in [nil, try MetadataFilter.parse(json: #"{"group": 3}"#)] as [MetadataFilter?] {
            let batch = try c.searchBatch(matrix, k: 10, ef: 50, filter: filter, threads: 2)
            #expect(batch.count == queries.count)
            for (i, q) in queries.enumerated() {
                let one = try c.search(q, k: 10, ef: 50, filter: filter)
                #expect(batch[i].map(\.id) == one.map(\.id), "query \(i)")
                #expect(batch[i].map(\.metadata) == one.map(\.metadata))
                #expect(!batch[i].contains { $0.id == "doc-3" })
            }
        }
        #expect(throws: SochDBError.self) { try c.searchBatch(try VectorMatrix(rows: [[1, 2]]), k: 1) }
        #expect(throws: SochDBError.self) { try c.searchBatch(try VectorMatrix(rows: [[Float](repeating: 0, count: 8)]), k: 1) }
        #expect(try c.searchBatch(try VectorMatrix(flat: [], dimension: 8), k: 3).isEmpty)
        try db.close()
    }
}
