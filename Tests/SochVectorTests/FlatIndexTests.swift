import Testing
@testable import SochVector

/// The BLAS flat search against a scalar float64 brute force.
struct FlatIndexTests {
    @Test(arguments: Metric.allCases)
    func matchesScalarBruteForce(metric: Metric) throws {
        // 2,500 rows spans two base blocks; 150 queries span two query blocks.
        let base = SyntheticData.uniform(count: 2_500, dimension: 37, seed: 5)
        let queries = SyntheticData.uniform(count: 150, dimension: 37, seed: 6)
        let found = try FlatIndex(base, metric: metric).search(queries, k: 5, threads: 2)
        for i in 0..<queries.count {
            let q = queries[i]
            let exact = (0..<base.count).map { (ScalarReference.distance(metric, q, base[$0]), $0) }.sorted { $0 < $1 }
            for j in 0..<5 {
                let got = found[i][j]
                // Same distance as the reference up to float32 rounding of the
                // sgemm formulation (‖x‖² + ‖y‖² − 2x·y cancels digits for L2).
                #expect(abs(Double(got.distance) - exact[j].0) <= 1e-4 * max(1, abs(exact[j].0)), "q\(i) rank \(j)")
                let refOfGot = ScalarReference.distance(metric, q, base[Int(got.id)])
                #expect(abs(refOfGot - exact[j].0) <= 1e-4 * max(1, abs(exact[j].0)))
            }
        }
    }

    @Test func clampsTinyNegativesAndFindsDuplicates() throws {
        let rows = (0..<10).map { i in [Float](repeating: 1000 + Float(i), count: 64) }
        let m = try VectorMatrix(rows: rows)
        let r = try FlatIndex(m).search(m, k: 1)
        for i in 0..<10 {
            #expect(r[i][0].id == Int64(i))
            #expect(r[i][0].distance >= 0)
        }
    }

    @Test func rejectsBadQueries() throws {
        let flat = try FlatIndex(SyntheticData.uniform(count: 10, dimension: 4))
        #expect(throws: SochVectorError.dimensionMismatch(expected: 4, actual: 3)) {
            try flat.search(SyntheticData.uniform(count: 1, dimension: 3), k: 1)
        }
        #expect(throws: SochVectorError.invalidArgument("k must be ≥ 1, got 0")) {
            try flat.search(SyntheticData.uniform(count: 1, dimension: 4), k: 0)
        }
    }
}
