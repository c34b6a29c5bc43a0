/// The distance an index ranks by.
///
/// Reported distances, smallest = nearest:
/// - `l2`: the *squared* Euclidean distance ‖a−b‖² (as hnswlib and faiss report it);
/// - `innerProduct`: 1 − a·b (hnswlib's convention; a larger dot product is nearer);
/// - `cosine`: 1 − cos(a, b). Stored vectors are normalised once at insert and
///   queries once per search, so the graph walk computes 1 − a·b.
public enum Metric: String, Sendable, CaseIterable, Codable {
    case l2
    case innerProduct = "ip"
    case cosine

    /// Parses the names the CLI and the Python SDK use (`l2`, `euclidean`,
    /// `ip`, `inner_product`, `dot`, `cosine`, `cos`).
    public init?(name: String) {
        switch name.lowercased() {
        case "l2", "euclidean", "l2sq": self = .l2
        case "ip", "inner_product", "innerproduct", "dot": self = .innerProduct
        case "cosine", "cos": self = .cosine
        default: return nil
        }
    }

    /// On-disk code (format constant, see docs/formats/hnsw.md).
    var formatCode: UInt32 {
        switch self {
        case .l2: return 0
        case .innerProduct: return 1
        case .cosine: return 2
        }
    }

    init?(formatCode: UInt32) {
        switch formatCode {
        case 0: self = .l2
        case 1: self = .innerProduct
        case 2: self = .cosine
        default: return nil
        }
    }

    /// True when the engine ranks by 1 − dot product (IP and normalised cosine).
    var usesDotProduct: Bool { self != .l2 }
}
