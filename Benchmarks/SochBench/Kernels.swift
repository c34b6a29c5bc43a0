import ArgumentParser
import Foundation
import SochDB

/// `sochdb-bench kernels`: distance-kernel throughput (vectors in L1/L2, so
/// this measures arithmetic, not memory) and FlatIndex sgemm throughput.
/// Run once from a native build and once from a SOCHDB_PORTABLE=1 build to
/// see what `-target-cpu native` buys (Benchmarks/kernels.md).
struct Kernels: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time the distance kernels and the BLAS flat search.")
    @Option(help: "Comma-separated dimensions.") var dims = "50,128,384,768,784,1536"
    @Option(help: "Milliseconds per measurement.") var millis = 300

    func run() throws {
        print("kernel build: \(KernelInfo.description)")
        print("| dimension | L2² M dist/s | dot M dist/s |")
        print("|---:|---:|---:|")
        for d in dims.split(separator: ",").compactMap({ Int($0) }) {
            let m = SyntheticData.uniform(count: 64, dimension: d, seed: 3).flatArray
            let l2 = rate(m, d, dot: false)
            let dot = rate(m, d, dot: true)
            print(String(format: "| %d | %.1f | %.1f |", d, l2 / 1e6, dot / 1e6))
        }
        let base = SyntheticData.uniform(count: 20_000, dimension: 768, seed: 4)
        let queries = SyntheticData.uniform(count: 1_000, dimension: 768, seed: 5)
        let flat = try FlatIndex(base)
        _ = try flat.search(queries.rows(0..<100), k: 10)
        let (_, s) = timed { _ = try? flat.search(queries, k: 10) }
        print(String(format: "FlatIndex 1000 × 20000 × 768, k=10, all cores: %.3f s, %.0f GFLOP/s (sgemm part and selection)",
                     s, 2.0 * 1000 * 20000 * 768 / s / 1e9))
    }

    /// Distances per second over 64 resident vectors, all pairs in turn.
    func rate(_ m: [Float], _ d: Int, dot: Bool) -> Double {
        m.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            var sink: Float = 0, count = 0
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(millis) * 1_000_000
            let start = DispatchTime.now().uptimeNanoseconds
            while DispatchTime.now().uptimeNanoseconds < deadline {
                for i in 0..<64 {
                    for j in 0..<64 {
                        sink += dot ? dotSIMD(base + i * d, base + j * d, d) : l2SquaredSIMD(base + i * d, base + j * d, d)
                    }
                }
                count += 64 * 64
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if sink == .infinity { print("") }  // keep the work
            return Double(count) / seconds
        }
    }
}
