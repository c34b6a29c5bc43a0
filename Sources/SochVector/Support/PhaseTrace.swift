import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints the wall time of named phases to stderr when the environment has
/// SOCHDB_TRACE=1; costs one getenv per trace otherwise. For profiling builds.
final class PhaseTrace {
    private let name: String
    private let enabled: Bool
    private var last = DispatchTime.now().uptimeNanoseconds

    init(_ name: String) {
        self.name = name
        enabled = getenv("SOCHDB_TRACE").map { String(cString: $0) == "1" } ?? false
    }

    func mark(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let line = "[trace] \(name): \(phase) \(Double(now - last) / 1e6) ms\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        last = now
    }
}
