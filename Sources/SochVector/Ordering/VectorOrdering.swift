/// Reorders vectors before a build so that vectors near each other in space
/// sit near each other in memory (fewer cache and TLB misses in the walk,
/// fewer page faults when the file is larger than RAM). Search results keep
/// the caller's ids: the build maps each new position back to its original id.
public enum VectorOrdering: String, Sendable, CaseIterable, Codable {
    /// Input order.
    case none
    /// Sort by a 16-bit locality-sensitive hash: the signs of 16 seeded
    /// random projections (one sgemm-free pass, O(n · d · 16)).
    case randomProjection = "random_projection"
    /// Group by k-means cluster (√n clusters, assignment through BLAS).
    case kmeans

    /// `permutation[newPosition] = original row`. Stable within a group.
    public func permutation(of data: VectorMatrix, seed: UInt64 = 1, threads: Int = 0) throws -> [Int] {
        switch self {
        case .none:
            return Array(0..<data.count)
        case .randomProjection:
            return randomProjectionOrder(data, seed: seed)
        case .kmeans:
            guard data.count > 1 else { return Array(0..<data.count) }
            let k = max(1, Int(Double(data.count).squareRoot()))
            let clusters = try KMeans(data, k: k, iterations: 6, seed: seed, threads: threads)
            return (0..<data.count).sorted { (clusters.assignments[$0], $0) < (clusters.assignments[$1], $1) }
        }
    }

    private func randomProjectionOrder(_ data: VectorMatrix, seed: UInt64) -> [Int] {
        var rng = SeededRandom(seed: seed)
        let d = data.dimension, bits = 16
        let planes = (0..<bits * d).map { _ in Float(rng.nextGaussian()) }
        var codes = [UInt32](repeating: 0, count: data.count)
        planes.withUnsafeBufferPointer { p in
            for i in 0..<data.count {
                var code: UInt32 = 0
                data.withRow(i) { row in
                    for b in 0..<bits where dotSIMD(row, p.baseAddress! + b * d, d) > 0 { code |= 1 << UInt32(b) }
                }
                codes[i] = code
            }
        }
        return (0..<data.count).sorted { (codes[$0], $0) < (codes[$1], $1) }
    }
}

extension VectorMatrix {
    /// A copy with rows in `permutation` order (`permutation[i]` = source row).
    public func permuted(_ permutation: [Int]) -> VectorMatrix {
        precondition(permutation.count == count)
        return gathering(permutation)
    }

    /// A copy of the given rows, in the given order (repeats allowed).
    public func gathering(_ rows: [Int]) -> VectorMatrix {
        let buffer = AlignedBuffer<Float>(capacity: max(rows.count * dimension, 1))
        for (i, src) in rows.enumerated() {
            precondition(src >= 0 && src < count, "row \(src) out of range 0..<\(count)")
            (buffer.base + i * dimension).update(from: base + src * dimension, count: dimension)
        }
        return VectorMatrix(base: buffer.base, count: rows.count, dimension: dimension, owner: buffer)
    }
}
