/// Seeded synthetic vectors for tests, examples and benchmarks.
public enum SyntheticData {
    /// `count` vectors drawn from a mixture of `clusters` Gaussians in
    /// `dimension` dimensions: centres ~ N(0, 1)·`spread`, points = centre +
    /// N(0, 1). Same seed, same vectors, on every platform.
    public static func clustered(count: Int, dimension: Int, clusters: Int = 32,
                                 spread: Float = 4, seed: UInt64 = 42) -> VectorMatrix {
        var rng = SeededRandom(seed: seed)
        let centres = (0..<clusters * dimension).map { _ in Float(rng.nextGaussian()) * spread }
        let buffer = AlignedBuffer<Float>(capacity: max(count * dimension, 1))
        for i in 0..<count {
            let c = Int(rng.next() % UInt64(clusters))
            for j in 0..<dimension {
                buffer.base[i * dimension + j] = centres[c * dimension + j] + Float(rng.nextGaussian())
            }
        }
        return VectorMatrix(base: buffer.base, count: count, dimension: dimension, owner: buffer)
    }

    /// `count` vectors with components uniform in [-1, 1).
    public static func uniform(count: Int, dimension: Int, seed: UInt64 = 7) -> VectorMatrix {
        var rng = SeededRandom(seed: seed)
        let buffer = AlignedBuffer<Float>(capacity: max(count * dimension, 1))
        for i in 0..<count * dimension {
            buffer.base[i] = Float(rng.nextUnitInterval() * 2 - 1)
        }
        return VectorMatrix(base: buffer.base, count: count, dimension: dimension, owner: buffer)
    }
}
