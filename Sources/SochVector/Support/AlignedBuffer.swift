/// A growable, 64-byte-aligned block of trivial elements that it owns.
///
/// One of the few owners of raw memory in the module: the index's sections
/// (vectors, links, levels…) live in these while they are mutable. Growth
/// copies and invalidates earlier pointers, so callers re-read `base` after
/// `reserve`; the index grows its buffers only while no search or insert runs.
/// Not thread-safe for growth; concurrent element access is the caller's
/// business (the index guards link lists with per-node locks).
final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    /// Allocates room for `capacity` elements, zero-filled.
    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = AlignedBuffer.allocate(self.capacity)
    }

    deinit { free(base) }

    /// Grows to at least `minimumCapacity` elements, keeping the contents and
    /// zero-filling the rest. Amortised: grows by at least half.
    func reserve(_ minimumCapacity: Int) {
        guard minimumCapacity > capacity else { return }
        let newCapacity = max(minimumCapacity, capacity + capacity / 2)
        let newBase = AlignedBuffer.allocate(newCapacity)
        newBase.update(from: base, count: capacity)
        free(base)
        base = newBase
        capacity = newCapacity
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Element> {
        let bytes = max(count * MemoryLayout<Element>.stride, 64)
        var raw: UnsafeMutableRawPointer?
        let rc = posix_memalign(&raw, 64, (bytes + 63) & ~63)
        guard rc == 0, let raw else { fatalError("out of memory allocating \(bytes) bytes") }
        memset(raw, 0, (bytes + 63) & ~63)
        return raw.bindMemory(to: Element.self, capacity: count)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
