/// SplitMix64: a small, fast, seedable generator. Level draws and any other
/// randomness in index construction come from it, so a single-threaded build
/// with a fixed seed is reproducible bit for bit.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so −log is finite.
    public mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal (Box–Muller), for synthetic data in tests and benchmarks.
    public mutating func nextGaussian() -> Double {
        let u1 = nextUnitInterval(), u2 = nextUnitInterval()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
