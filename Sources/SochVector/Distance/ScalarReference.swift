/// Scalar references for every SIMD kernel, accumulated in `Double`.
///
/// Slow and obviously correct: the tests hold each fast kernel against these
/// with a stated relative error bound. Nothing on a hot path calls them.
public enum ScalarReference {
    public static func l2Squared(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        var s = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            s += d * d
        }
        return s
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        var s = 0.0
        for i in a.indices { s += Double(a[i]) * Double(b[i]) }
        return s
    }

    public static func cosineDistance(_ a: [Float], _ b: [Float]) -> Double {
        let na = dot(a, a).squareRoot(), nb = dot(b, b).squareRoot()
        guard na > 0, nb > 0 else { return 1 }
        return 1 - dot(a, b) / (na * nb)
    }

    /// The distance an index with `metric` reports between `a` and `b` as
    /// stored (cosine vectors already normalised): see ``Metric``.
    public static func distance(_ metric: Metric, _ a: [Float], _ b: [Float]) -> Double {
        switch metric {
        case .l2: return l2Squared(a, b)
        case .innerProduct: return 1 - dot(a, b)
        case .cosine: return cosineDistance(a, b)
        }
    }
}
