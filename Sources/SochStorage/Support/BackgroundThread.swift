#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable pthread running one closure (the engine's background flush and
/// compaction loop, the WAL syncer). Foundation-free on purpose: the engine
/// depends on nothing but the C library.
final class BackgroundThread {
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    private var thread: pthread_t? = nil

    init(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        thread = t
    }

    /// Waits for the closure to return; idempotent.
    func join() {
        guard let t = thread else { return }
        thread = nil
        pthread_join(t, nil)
    }
}

/// Seconds on a monotonic clock, for sync intervals.
@inline(__always)
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
