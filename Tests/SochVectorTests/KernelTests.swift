import Testing
@testable import SochVector

/// Fast kernels against float64 references.
///
/// Error bound: a float32 sum of n terms differs from the exact sum by at
/// most γ(n) · Σ|terms| with γ(n) ≈ n·ε (ε = 2⁻²³, Higham's bound for
/// recursive summation; pairwise/blocked summation as in the SIMD kernels
/// is tighter). We assert |fast − exact| ≤ (n + 4) · ε · Σ|terms|.
struct KernelTests {
    static let dimensions = Array(1...17) + [50, 128, 384, 768, 784, 1536]

    static func bound(_ n: Int, _ absSum: Double) -> Double {
        Double(n + 4) * Double(Float.ulpOfOne) * absSum
    }

    @Test(arguments: dimensions)
    func l2MatchesReference(dimension n: Int) {
        var rng = SeededRandom(seed: UInt64(n))
        for _ in 0..<20 {
            let a = (0..<n).map { _ in Float(rng.nextGaussian() * 3) }
            let b = (0..<n).map { _ in Float(rng.nextGaussian() * 3) }
            let exact = ScalarReference.l2Squared(a, b)
            let fast = Double(a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in l2SquaredSIMD(pa.baseAddress!, pb.baseAddress!, n) } })
            #expect(abs(fast - exact) <= Self.bound(n, exact), "n=\(n) fast=\(fast) exact=\(exact)")
        }
    }

    @Test(arguments: dimensions)
    func dotMatchesReference(dimension n: Int) {
        var rng = SeededRandom(seed: UInt64(n) &+ 1000)
        for _ in 0..<20 {
            let a = (0..<n).map { _ in Float(rng.nextGaussian()) }
            let b = (0..<n).map { _ in Float(rng.nextGaussian()) }
            let exact = ScalarReference.dot(a, b)
            let absSum = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            let fast = Double(a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dotSIMD(pa.baseAddress!, pb.baseAddress!, n) } })
            #expect(abs(fast - exact) <= Self.bound(n, absSum), "n=\(n) fast=\(fast) exact=\(exact)")
        }
    }

    @Test(arguments: dimensions)
    func cosineMatchesReference(dimension n: Int) {
        var rng = SeededRandom(seed: UInt64(n) &+ 2000)
        for _ in 0..<20 {
            let a = (0..<n).map { _ in Float(rng.nextGaussian()) }
            let b = (0..<n).map { _ in Float(rng.nextGaussian()) }
            let exact = ScalarReference.cosineDistance(a, b)
            let fast = Double(a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in cosineDistanceSIMD(pa.baseAddress!, pb.baseAddress!, n) } })
            // cos = dot/(|a||b|): three sums of bound (n+4)ε each, plus a
            // sqrt and a division; |cos| ≤ 1, so an absolute bound is right.
            #expect(abs(fast - exact) <= 3 * Double(n + 8) * Double(Float.ulpOfOne) * 2, "n=\(n)")
        }
    }

    @Test func exactInputsGiveExactResults() {
        // Small integers: every product and partial sum is exact in float32.
        let a: [Float] = (0..<100).map { Float($0 % 7) }
        let b: [Float] = (0..<100).map { Float($0 % 5) }
        let l2 = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in l2SquaredSIMD(pa.baseAddress!, pb.baseAddress!, 100) } }
        let dot = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dotSIMD(pa.baseAddress!, pb.baseAddress!, 100) } }
        #expect(Double(l2) == ScalarReference.l2Squared(a, b))
        #expect(Double(dot) == ScalarReference.dot(a, b))
    }

    @Test func cosineOfZeroVectorIsOne() {
        let z = [Float](repeating: 0, count: 9), a = [Float](repeating: 1, count: 9)
        let d = z.withUnsafeBufferPointer { pz in a.withUnsafeBufferPointer { pa in cosineDistanceSIMD(pz.baseAddress!, pa.baseAddress!, 9) } }
        #expect(d == 1)
    }

    @Test func kernelReportsItself() {
        #expect(KernelInfo.description.contains("simd16"))
    }
}

struct CRC32CTests {
    @Test func knownVector() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.reference(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func fastMatchesReference() {
        var rng = SeededRandom(seed: 3)
        for len in [0, 1, 7, 8, 9, 63, 64, 65, 1000, 4097] {
            let bytes = (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(CRC32C.checksum(bytes) == CRC32C.reference(bytes), "len \(len)")
            // Extending equals checksumming the concatenation.
            let half = len / 2
            let first = CRC32C.checksum(Array(bytes[..<half]))
            let whole = bytes.withUnsafeBytes { b in
                CRC32C.checksum(b.baseAddress! + half, count: len - half, extending: first)
            }
            if len > 0 { #expect(whole == CRC32C.reference(bytes)) }
        }
    }
}
