/// A distance function the graph code is specialised over.
///
/// The HNSW walk is generic over this protocol, so each metric gets its own
/// compiled loop with the kernel inlined: no closure call, no switch per
/// distance. The metric is bound once, when an index is created or opened.

protocol DistanceKernel {
    static func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float
}

/// Squared L2.

enum L2Kernel: DistanceKernel {
    @inline(__always)
    static func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        l2SquaredSIMD(a, b, n)
    }
}

/// 1 − a·b: inner product, and cosine over normalised vectors.

enum DotKernel: DistanceKernel {
    @inline(__always)
    static func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        1 - dotSIMD(a, b, n)
    }
}

/// Describes the compiled kernels, so benchmarks and `info` can say which runs.
public enum KernelInfo {
    /// e.g. "simd16 (avx512f, target-cpu native)" or "simd16 (baseline x86-64)".
    public static var description: String {
        var features: [String] = []
        #if arch(x86_64)
        features.append("x86_64")
        #elseif arch(arm64)
        features.append("arm64")
        #endif
        return "simd16 kernels, " + features.joined(separator: ",") + ", built for "
            + compiledTarget + "; crc32c " + (crc32cIsHardware ? "sse4.2" : "table")
            + "; OpenBLAS kernel " + BLAS.kernel
    }

    /// What the build flags asked for; Package.swift sets native unless
    /// SOCHDB_PORTABLE=1.
    static var compiledTarget: String {
        #if SOCHDB_PORTABLE
        return "baseline CPU"
        #else
        return "the build machine's CPU (-target-cpu native)"
        #endif
    }
}
