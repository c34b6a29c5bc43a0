/// Lloyd's k-means with the assignment step through BLAS (``FlatIndex``).
///
/// Used to order vectors for memory locality and (later) to partition work
/// in batched construction. Deterministic for a fixed seed. O(iterations · n ·
/// k · d) flops, almost all of it in sgemm.
public struct KMeans: Sendable {
    public let centroids: VectorMatrix
    /// Cluster of each input row.
    public let assignments: [Int32]

    /// Clusters `data` into `k` groups (L2) in `iterations` rounds.
    public init(_ data: VectorMatrix, k requested: Int, iterations: Int = 8, seed: UInt64 = 1, threads: Int = 0) throws {
        guard requested >= 1 else { throw SochVectorError.invalidArgument("k-means needs k ≥ 1, got \(requested)") }
        guard data.count > 0 else { throw SochVectorError.invalidArgument("k-means needs at least one vector") }
        let k = min(requested, data.count), d = data.dimension, n = data.count
        var rng = SeededRandom(seed: seed)
        var chosen = Set<Int>()
        while chosen.count < k { chosen.insert(Int(rng.next() % UInt64(n))) }
        var centres = chosen.sorted().flatMap { data[$0] }
        var assignments = [Int32](repeating: 0, count: n)
        for round in 0..<max(1, iterations) {
            let index = try FlatIndex(VectorMatrix(flat: centres, dimension: d))
            let nearest = try index.search(data, k: 1, threads: threads)
            for i in 0..<n { assignments[i] = Int32(nearest.ids[i]) }
            if round == iterations - 1 { break }
            var sums = [Double](repeating: 0, count: k * d)
            var sizes = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = Int(assignments[i])
                sizes[c] += 1
                data.withRow(i) { row in for j in 0..<d { sums[c * d + j] += Double(row[j]) } }
            }
            for c in 0..<k {
                if sizes[c] == 0 {
                    // Re-seed an empty cluster with a random point.
                    let r = Int(rng.next() % UInt64(n))
                    for j in 0..<d { centres[c * d + j] = data.withRow(r) { $0[j] } }
                } else {
                    for j in 0..<d { centres[c * d + j] = Float(sums[c * d + j] / Double(sizes[c])) }
                }
            }
        }
        centroids = try VectorMatrix(flat: centres, dimension: d)
        self.assignments = assignments
    }
}
