import CBLAS
import CSochSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few BLAS entry points we use, OpenBLAS's thread control, and the
/// choice of OpenBLAS's CPU kernels.
///
/// OpenBLAS's own threads and a Dispatch pool on the same cores halve each
/// other (PERFORMANCE-NOTES.md): code that parallelises with Dispatch calls
/// BLAS inside ``singleThreaded(_:)`` so Dispatch owns the cores.
enum BLAS {
    /// C (m×n) = A (m×k, row-major) · Bᵀ where B is n×k row-major.
    @inline(__always)
    static func multiplyTransposed(_ a: UnsafePointer<Float>, rows m: Int,
                                   _ b: UnsafePointer<Float>, rows n: Int, depth k: Int,
                                   into c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(k), 0, c, Int32(n))
    }

    /// Runs `body` with OpenBLAS limited to one thread, then restores it.
    ///
    /// OpenBLAS's thread count is process-wide, so overlapping callers
    /// (two builds, a build and a flat search, parallel tests) share one
    /// count of active regions: the first sets one thread, the last restores
    /// the setting found before. Without it, the first to leave restored the
    /// threads while another was still inside; its sgemm calls then split
    /// differently, rounded differently, and a 1-thread build was no longer
    /// deterministic (seen as a flaky test).
    static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        _ = kernel
        singleThreadRegions.withLock { state in
            if state.depth == 0 {
                state.previous = openblas_get_num_threads()
                openblas_set_num_threads(1)
            }
            state.depth += 1
        }
        defer {
            singleThreadRegions.withLock { state in
                state.depth -= 1
                if state.depth == 0 { openblas_set_num_threads(state.previous) }
            }
        }
        return try body()
    }

    /// Active ``singleThreaded(_:)`` regions and the thread setting to restore.
    private static let singleThreadRegions = Mutex<(depth: Int, previous: Int32)>((0, 1))

    /// OpenBLAS's CPU kernel in use, chosen once on first use (see ``setUp()``).
    static let kernel: String = setUp()

    /// Picks OpenBLAS's CPU kernels. OpenBLAS 0.3.21 identifies CPUs by model
    /// number; a CPU it does not know (a newer Xeon, or a generic model under
    /// a hypervisor) gets the baseline "Prescott" (SSE3) kernels, 5× slower
    /// than the AVX-512 ones on the same machine (26 vs 146 GFLOP/s measured,
    /// Benchmarks/blas-kernels.md). When the user has not set
    /// OPENBLAS_CORETYPE and OpenBLAS fell back so, we choose by the CPU's
    /// features instead (SkylakeX for AVX-512, Haswell for AVX2+FMA), then
    /// check the new kernel against a scalar product and go back on any
    /// mismatch. Runs before any other BLAS call of ours.
    private static func setUp() -> String {
        let original = String(cString: openblas_get_corename())
        guard getenv("OPENBLAS_CORETYPE") == nil, ["prescott", "core2", "unknown"].contains(original.lowercased()) else {
            return original
        }
        let better = soch_cpu_has_avx512() != 0 ? "SkylakeX" : soch_cpu_has_avx2_fma() != 0 ? "Haswell" : nil
        guard let better else { return original }
        switchCore(to: better)
        if selfTestPasses() { return String(cString: openblas_get_corename()) + " (chosen by CPU features)" }
        switchCore(to: original)
        return original + " (fallback: \(better) failed its self-test)"
    }

    private static func switchCore(to name: String) {
        setenv("OPENBLAS_CORETYPE", name, 1)
        gotoblas_dynamic_quit()
        gotoblas_dynamic_init()
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// sgemm on small integers (exact in float32) against a scalar product.
    static func selfTestPasses() -> Bool {
        let m = 37, n = 45, k = 131
        let a = (0..<m * k).map { Float(($0 * 7 + 3) % 11) - 5 }
        let b = (0..<n * k).map { Float(($0 * 5 + 1) % 13) - 6 }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    multiplyTransposed(pa.baseAddress!, rows: m, pb.baseAddress!, rows: n, depth: k, into: pc.baseAddress!)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for x in 0..<k { s += a[i * k + x] * b[j * k + x] }
                if s != c[i * n + j] { return false }
            }
        }
        return true
    }
}
