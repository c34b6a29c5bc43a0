#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Construction parameters of an HNSW graph (Malkov & Yashunin, 2016).
public struct HNSWParameters: Sendable, Equatable, Codable {
    /// Links per node on the upper levels (`M`); level 0 keeps `2·M`.
    public var m: Int
    /// Candidate list size while inserting (`efConstruction`).
    public var efConstruction: Int
    /// Seed of the level draws. Single-threaded builds with the same seed
    /// and input produce identical graphs.
    public var seed: UInt64

    public init(m: Int = 16, efConstruction: Int = 100, seed: UInt64 = 100) {
        self.m = m
        self.efConstruction = efConstruction
        self.seed = seed
    }

    /// Links per node on level 0 (`M0 = 2·M`).
    public var m0: Int { 2 * m }

    /// The level multiplier mL = 1/ln(M): a node reaches level ≥ l with
    /// probability M^−l.
    public var levelMultiplier: Double { 1 / log(Double(m)) }

    /// Highest level a node may get; the draw is capped here (a level above
    /// it has probability below M^−32) and files claiming more are corrupt.
    public static let maxLevel = 32

    func validate() throws {
        guard (2...255).contains(m) else {
            throw SochVectorError.invalidArgument("m (max connections) must be in 2...255, got \(m)")
        }
        guard (1...100_000).contains(efConstruction) else {
            throw SochVectorError.invalidArgument("efConstruction must be in 1...100000, got \(efConstruction)")
        }
    }
}

/// How a graph is constructed.
public enum ConstructionMethod: String, Sendable, Codable, CaseIterable {
    /// Batched for a build of at least 10,000 vectors into an empty index,
    /// incremental otherwise.
    case automatic
    /// Insert one node at a time (Malkov & Yashunin's algorithm 1), in parallel.
    case incremental
    /// Exact k-NN candidates from BLAS, cut by the same heuristic
    /// (``BatchedConstruction``); only for a build into an empty index.
    case batched

    func usesBatches(count: Int) -> Bool {
        switch self {
        case .automatic: return count >= 10_000
        case .incremental: return false
        case .batched: return count >= 2
        }
    }

    // Tuning of the batched build, measured side by side with hnswlib on
    // fashion-mnist-784, GloVe-50 (390k) and a hard synthetic 100k×768 set
    // (Benchmarks/tuning.md): 96 candidates cost more and gained nothing;
    // 4–6 probes left GloVe below hnswlib's recall at equal ef, 8–10 passed
    // it; α = 1.1 (second pass) raised recall at every ef on all three, while
    // α = 1.2 slowed fashion-mnist's queries with longer lists.

    /// Exact candidates kept per node: enough beyond 2·M for the heuristic
    /// to choose diverse directions.
    func candidates(m: Int) -> Int { max(2 * m + 32, 48) }
    /// Centroids each node scans for candidates (and bridges).
    var probes: Int { 8 }
    /// Relaxation of the heuristic's second pass (DiskANN's α).
    var alpha: Float { 1.1 }
}

/// What ``HNSWIndex/info`` reports.
public struct HNSWInfo: Sendable, Equatable, Codable {
    public var dimension: Int
    public var count: Int
    public var deletedCount: Int
    public var m: Int
    public var efConstruction: Int
    public var metric: Metric
    /// External id of the entry point (nil when empty).
    public var entryPoint: Int64?
    public var maxLevel: Int
    /// Nodes per level: `levelHistogram[l]` nodes have top level `l`.
    public var levelHistogram: [Int]
    /// Bytes of the file the index was opened from or last saved to (nil if never).
    public var fileSizeBytes: Int?
    public var formatVersion: Int
    /// Bytes the index holds in memory or in its mapping.
    public var memoryBytes: Int
}
