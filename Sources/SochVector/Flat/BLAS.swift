import CBLAS

/// The few BLAS entry points we use, and OpenBLAS's thread control.
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
    /// Process-wide: do not overlap with other BLAS users that want threads.
    static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }

    /// OpenBLAS's build description (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH …").
    static var configuration: String { String(cString: openblas_get_config()) }
}
