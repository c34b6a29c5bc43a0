/// Lloyd's k-means with the assignment step through BLAS (``FlatIndex``).
///
/// Used to order vectors for memory locality and (later) to partition work
/// in batched construction. Deterministic for a fixed seed. O(iterations · n ·
/// k · d) flops, almost all of it in sgemm.
public struct KMeans: Sendable {
    public let centroids: VectorMatrix
    /// Cluster of each input row (its nearest centroid).
    public let assignments: [Int32]
    /// The `probes` nearest centroids of each row, nearest first
    /// (`rows × probes`, row-major); `probeLists[i * probes] == assignments[i]`.
    public let probeLists: [Int32]
    public let probes: Int

    /// Clusters `data` into `k` groups (L2) in `iterations` rounds; the last
    /// assignment also records each row's `probes` nearest centroids. The
    /// centroids are trained on at most `samplesPerCentroid · k` seeded
    /// random rows (Lloyd's rounds on a sample lose little and cost far less);
    /// the final assignment covers every row.
    public init(_ data: VectorMatrix, k requested: Int, iterations: Int = 8, probes requestedProbes: Int = 1,
                samplesPerCentroid: Int = 64, seed: UInt64 = 1, threads: Int = 0) throws {
        guard requested >= 1 else { throw SochVectorError.invalidArgument("k-means needs k ≥ 1, got \(requested)") }
        guard data.count > 0 else { throw SochVectorError.invalidArgument("k-means needs at least one vector") }
        let k = min(requested, data.count), d = data.dimension, n = data.count
        var rng = SeededRandom(seed: seed)
        var chosen = Set<Int>()
        while chosen.count < k { chosen.insert(Int(rng.next() % UInt64(n))) }
        var centres = chosen.sorted().flatMap { data[$0] }
        let sampleSize = min(n, max(k, samplesPerCentroid * k))
        var sample = data
        if sampleSize < n {
            var picked = Set<Int>()
            while picked.count < sampleSize { picked.insert(Int(rng.next() % UInt64(n))) }
            sample = data.gathering(picked.sorted())
        }
        var assignments = [Int32](repeating: 0, count: n)
        let probes = max(1, min(requestedProbes, k))
        var probeLists: [Int32] = []
        for round in 0...max(1, iterations) {
            let last = round == max(1, iterations)
            let index = try FlatIndex(VectorMatrix(flat: centres, dimension: d))
            let points = last ? data : sample
            let nearest = index.searchUnchecked(points, k: last ? probes : 1, threads: threads, rerank: false)
            if last {
                for i in 0..<n { assignments[i] = Int32(nearest.ids[i * nearest.k]) }
                probeLists = nearest.ids.map { Int32($0) }
                break
            }
            var sums = [Double](repeating: 0, count: k * d)
            var sizes = [Int](repeating: 0, count: k)
            for i in 0..<points.count {
                let c = Int(nearest.ids[i])
                sizes[c] += 1
                points.withRow(i) { row in
                    sums.withUnsafeMutableBufferPointer { s in for j in 0..<d { s[c * d + j] += Double(row[j]) } }
                }
            }
            for c in 0..<k {
                if sizes[c] == 0 {
                    // Re-seed an empty cluster with a random point.
                    let r = Int(rng.next() % UInt64(points.count))
                    for j in 0..<d { centres[c * d + j] = points.withRow(r) { $0[j] } }
                } else {
                    for j in 0..<d { centres[c * d + j] = Float(sums[c * d + j] / Double(sizes[c])) }
                }
            }
        }
        centroids = try VectorMatrix(flat: centres, dimension: d)
        self.assignments = assignments
        self.probeLists = probeLists
        self.probes = probes
    }
}
