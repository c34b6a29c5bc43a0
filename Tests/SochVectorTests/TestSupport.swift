import Testing
@testable import SochVector
#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory per call, removed by the caller with `removeTree`.
func temporaryDirectory() -> String {
    var template = Array("/tmp/sochdb-test-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

func removeTree(_ path: String) {
    _ = system("rm -rf '\(path)'")
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    let f = fopen(path, "wb")!
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
    fclose(f)
}

func readBytes(_ path: String) -> [UInt8] {
    let f = fopen(path, "rb")!
    defer { fclose(f) }
    fseek(f, 0, SEEK_END)
    let n = ftell(f)
    fseek(f, 0, SEEK_SET)
    var b = [UInt8](repeating: 0, count: n)
    _ = b.withUnsafeMutableBytes { fread($0.baseAddress, 1, n, f) }
    return b
}

/// recall@k of `results` against exact `truth` (same shape).
func recall(_ results: BatchSearchResults, _ truth: BatchSearchResults, k: Int) -> Double {
    var hits = 0
    for i in 0..<results.queryCount {
        let t = Set(truth.ids[i * truth.k..<i * truth.k + k])
        for j in 0..<k where t.contains(results.ids[i * results.k + j]) { hits += 1 }
    }
    return Double(hits) / Double(results.queryCount * k)
}
