import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counters for `sochdb-bulk --telemetry`: page faults from the kernel's
/// per-process accounting (getrusage) and bytes read with plain reads.
/// Thread-safe.
#if os(Linux)
let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

public final class IOTelemetry: Sendable {
    private let directBytes = Atomic<Int>(0)

    func addBytesRead(_ n: Int) { directBytes.add(n, ordering: .relaxed) }

    /// A snapshot of the process's counters.
    public struct Snapshot: Sendable, Codable {
        public var minorFaults: Int
        public var majorFaults: Int
        /// Bytes the kernel read from storage for this process (Linux
        /// /proc/self/io `read_bytes`; 0 where unavailable).
        public var storageBytesRead: Int
        /// Bytes this process read with `read(2)` for vector files.
        public var directBytesRead: Int
        public var peakRSSBytes: Int
    }

    public func snapshot() -> Snapshot {
        var ru = rusage()
        getrusage(RUSAGE_SELF_WHO, &ru)
        return Snapshot(minorFaults: Int(ru.ru_minflt), majorFaults: Int(ru.ru_majflt),
                        storageBytesRead: IOTelemetry.procReadBytes(),
                        directBytesRead: directBytes.load(ordering: .relaxed),
                        peakRSSBytes: Int(ru.ru_maxrss) * 1024)
    }

    private static func procReadBytes() -> Int {
        guard let f = fopen("/proc/self/io", "r") else { return 0 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if s.hasPrefix("read_bytes:") {
                return Int(s.dropFirst("read_bytes:".count).trimmingCharacters(in: " \n")) ?? 0
            }
        }
        return 0
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
