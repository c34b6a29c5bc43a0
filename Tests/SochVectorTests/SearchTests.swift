import Testing
@testable import SochVector

/// Input validation and filtered search.
struct SearchTests {
    static let all = SyntheticData.clustered(count: 6_100, dimension: 32, clusters: 20, seed: 31)
    static let base = all.rows(0..<6_000)
    static let queries = all.rows(6_000..<6_100)
    static let index = try! HNSWIndex.build(base, parameters: HNSWParameters(m: 12, efConstruction: 80))

    @Test func badVectorsAreTypedErrorsAndChangeNothing() throws {
        let idx = try HNSWIndex.build([[1, 2, 3], [4, 5, 6]])
        #expect(throws: SochVectorError.invalidVector(row: 1, reason: "component 2 is nan")) {
            try idx.add([[1, 1, 1], [1, 1, .nan]])
        }
        #expect(throws: SochVectorError.invalidVector(row: 0, reason: "component 0 is inf")) {
            try idx.add([[.infinity, 1, 1]])
        }
        #expect(throws: SochVectorError.dimensionMismatch(expected: 3, actual: 2)) { try idx.add([[1, 1]]) }
        #expect(throws: SochVectorError.dimensionMismatch(expected: 3, actual: 4)) { try idx.search([1, 2, 3, 4], k: 1) }
        #expect(throws: SochVectorError.invalidVector(row: 0, reason: "query component 1 is nan")) { try idx.search([1, .nan, 3], k: 1) }
        #expect(throws: SochVectorError.invalidArgument("k must be ≥ 1, got 0")) { try idx.search([1, 2, 3], k: 0) }
        #expect(throws: SochVectorError.invalidArgument("ef must be ≥ 1, got 0")) { try idx.search([1, 2, 3], k: 1, ef: 0) }
        #expect(throws: SochVectorError.invalidArgument("k and ef must be ≤ 1048576, got k=1, ef=\(Int.max)")) {
            try idx.search([1, 2, 3], k: 1, ef: .max)
        }
        #expect(throws: SochVectorError.self) { try idx.searchBatch(try VectorMatrix(rows: [[1, 2, 3]]), k: .max) }
        #expect(idx.count == 2)
        let cos = try HNSWIndex(dimension: 2, metric: .cosine)
        #expect(throws: SochVectorError.invalidVector(row: 1, reason: "zero vector has no cosine direction")) {
            try cos.add([[1, 0], [0, 0]])
        }
        #expect(cos.count == 0)
        try cos.add([[1, 0]])
        #expect(throws: SochVectorError.invalidVector(row: 0, reason: "zero query vector has no cosine direction")) {
            try cos.search([0, 0], k: 1)
        }
        #expect(throws: SochVectorError.invalidArgument("m (max connections) must be in 2...255, got 1")) {
            try HNSWIndex(dimension: 3, parameters: HNSWParameters(m: 1))
        }
        #expect(throws: SochVectorError.invalidArgument("dimension must be in 1...65536, got 0")) { try HNSWIndex(dimension: 0) }
    }

    /// Exact answer among the ids `allowed` admits.
    func exactFiltered(_ q: [Float], _ allowed: (Int64) -> Bool, k: Int) -> [Int64] {
        (0..<Self.base.count).filter { allowed(Int64($0)) }
            .map { (ScalarReference.l2Squared(q, Self.base[$0]), Int64($0)) }
            .sorted { $0 < $1 }.prefix(k).map(\.1)
    }

    @Test(arguments: [2, 10, 50])
    func predicateFilterReturnsKAllowedResults(modulus: Int) throws {
        let allowed: @Sendable (Int64) -> Bool = { $0 % Int64(modulus) == 0 }
        var hits = 0
        for i in 0..<Self.queries.count {
            let q = Self.queries[i]
            let got = try Self.index.search(q, k: 10, ef: 64, filter: .predicate(allowed))
            #expect(got.count == 10)
            #expect(got.allSatisfy { allowed($0.id) })
            hits += Set(got.map(\.id)).intersection(exactFiltered(q, allowed, k: 10)).count
        }
        let r = Double(hits) / Double(Self.queries.count * 10)
        #expect(r >= 0.95, "filtered recall@10 = \(r) at 1/\(modulus)")
    }

    @Test func allowListsUseGraphOrExactSearch() throws {
        // 1% of ids: exact path. 30%: graph walk with a bitset.
        for fraction in [100, 3] {
            let list = (0..<Int64(Self.base.count)).filter { $0 % Int64(fraction) == 1 }
            let set = Set(list)
            var hits = 0
            for i in 0..<Self.queries.count {
                let q = Self.queries[i]
                let got = try Self.index.search(q, k: 10, ef: 64, filter: .allowList(list))
                #expect(got.count == 10 && got.allSatisfy { set.contains($0.id) })
                hits += Set(got.map(\.id)).intersection(exactFiltered(q, { set.contains($0) }, k: 10)).count
            }
            #expect(Double(hits) / Double(Self.queries.count * 10) >= 0.95)
        }
        // Unknown ids are ignored; an empty list returns nothing.
        #expect(try Self.index.search(Self.queries[0], k: 5, filter: .allowList([-5, 99_999])).isEmpty)
    }

    @Test func batchSearchMatchesSingleSearches() throws {
        let batch = try Self.index.searchBatch(Self.queries, k: 7, ef: 50, threads: 3)
        for i in 0..<Self.queries.count {
            #expect(batch[i] == (try Self.index.search(Self.queries[i], k: 7, ef: 50)))
        }
        #expect(throws: SochVectorError.self) { try Self.index.searchBatch(SyntheticData.uniform(count: 2, dimension: 5), k: 1) }
    }

    @Test func concurrentSearchesAgree() async throws {
        let expected = try Self.index.searchBatch(Self.queries, k: 5, ef: 32, threads: 1)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var ok = true
                    for i in stride(from: t, to: Self.queries.count, by: 8) {
                        let got = try Self.index.search(Self.queries[i], k: 5, ef: 32)
                        ok = ok && got == expected[i]
                    }
                    return ok
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
