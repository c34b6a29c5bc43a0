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

    deinit { AlignedBuffer.release(base, capacity: capacity) }

    /// Grows to at least `minimumCapacity` elements, keeping the contents and
    /// zero-filling the rest. Amortised: grows by at least half.
    func reserve(_ minimumCapacity: Int) {
        guard minimumCapacity > capacity else { return }
        let newCapacity = max(minimumCapacity, capacity + capacity / 2)
        let newBase = AlignedBuffer.allocate(newCapacity)
        newBase.update(from: base, count: capacity)
        AlignedBuffer.release(base, capacity: capacity)
        base = newBase
        capacity = newCapacity
    }

    /// Buffers from this size on are mapped anonymously on 2 MiB
    /// boundaries and advised to use transparent huge pages: a graph walk
    /// touches vectors at random, and with 4 KiB pages nearly every touch of
    /// a large index is also a TLB miss.
    static var hugePageThreshold: Int { 4 << 20 }
    private static var hugePage: Int { 2 << 20 }

    private static func byteCount(_ count: Int) -> Int {
        (max(count * MemoryLayout<Element>.stride, 64) + 63) & ~63
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Element> {
        let bytes = byteCount(count)
        if bytes >= hugePageThreshold {
            let length = (bytes + hugePage - 1) / hugePage * hugePage
            // Over-map by one huge page and unmap the slack around the aligned part.
            guard let raw = mmap(nil, length + hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  raw != MAP_FAILED else { fatalError("out of memory mapping \(bytes) bytes") }
            let start = (Int(bitPattern: raw) + hugePage - 1) / hugePage * hugePage
            let head = start - Int(bitPattern: raw)
            if head > 0 { munmap(raw, head) }
            let tail = hugePage - head
            if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: start + length)!, tail) }
            let aligned = UnsafeMutableRawPointer(bitPattern: start)!
            #if os(Linux)
            madvise(aligned, length, MADV_HUGEPAGE)
            #endif
            return aligned.bindMemory(to: Element.self, capacity: count)  // anonymous pages are zero
        }
        var raw: UnsafeMutableRawPointer?
        let rc = posix_memalign(&raw, 64, bytes)
        guard rc == 0, let raw else { fatalError("out of memory allocating \(bytes) bytes") }
        memset(raw, 0, bytes)
        return raw.bindMemory(to: Element.self, capacity: count)
    }

    private static func release(_ p: UnsafeMutablePointer<Element>, capacity: Int) {
        let bytes = byteCount(capacity)
        if bytes >= hugePageThreshold {
            munmap(UnsafeMutableRawPointer(p), (bytes + hugePage - 1) / hugePage * hugePage)
        } else {
            free(p)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
