#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an entry of the memtable or a table records for its key.
/// Format constant: stored in the low byte of every internal key trailer.
public enum EntryKind: UInt8, Sendable {
    case deletion = 0
    case value = 1
}

/// Sequence numbers (LSNs) are 56 bits: the trailer packs `seq << 8 | kind`.
public typealias SequenceNumber = UInt64
let maxSequenceNumber: SequenceNumber = (1 << 56) - 1

/// Internal keys: the user key followed by an 8-byte little-endian trailer
/// `sequence << 8 | kind`, ordered by user key ascending (bytewise), then by
/// trailer descending, so the newest version of a key comes first. This is
/// the order of the memtable, of every table and of every iterator below the
/// engine (LevelDB's internal key).
enum InternalKey {
    static let trailerSize = 8

    static func make(_ userKey: [UInt8], _ sequence: SequenceNumber, _ kind: EntryKind) -> [UInt8] {
        var k = userKey
        k.reserveCapacity(userKey.count + 8)
        k.appendFixed64(sequence << 8 | UInt64(kind.rawValue))
        return k
    }

    /// The first internal key for `userKey` visible at `sequence`: seeking to
    /// it lands on the newest version with seq ≤ `sequence`.
    static func lookup(_ userKey: [UInt8], at sequence: SequenceNumber) -> [UInt8] {
        make(userKey, sequence, .value)
    }

    @inline(__always)
    static func userKey(_ internalKey: [UInt8]) -> ArraySlice<UInt8> {
        internalKey[0..<(internalKey.count - trailerSize)]
    }

    @inline(__always)
    static func trailer(_ internalKey: [UInt8]) -> UInt64 {
        internalKey.withUnsafeBytes { loadFixed64($0.baseAddress! + $0.count - trailerSize) }
    }

    @inline(__always)
    static func sequence(_ internalKey: [UInt8]) -> SequenceNumber { trailer(internalKey) >> 8 }

    @inline(__always)
    static func kind(_ internalKey: [UInt8]) -> EntryKind? { EntryKind(rawValue: UInt8(truncatingIfNeeded: trailer(internalKey))) }

    /// Orders two internal keys: negative, zero or positive.
    @inline(__always)
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in compare(pa, pb) } }
    }

    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let c = compareBytes(UnsafeRawBufferPointer(rebasing: a[0..<(a.count - trailerSize)]),
                             UnsafeRawBufferPointer(rebasing: b[0..<(b.count - trailerSize)]))
        if c != 0 { return c }
        let ta = loadFixed64(a.baseAddress! + a.count - trailerSize)
        let tb = loadFixed64(b.baseAddress! + b.count - trailerSize)
        return ta > tb ? -1 : (ta < tb ? 1 : 0)
    }

    /// True if `internalKey` is well formed (long enough, known kind).
    static func isValid(_ internalKey: [UInt8]) -> Bool {
        internalKey.count >= trailerSize && kind(internalKey) != nil
    }
}

/// Bytewise (memcmp) order of two byte strings, the order of user keys.
///
/// Keys are mostly short (16–64 bytes), where comparing eight bytes at a
/// time inline beats a call to memcmp: it is the innermost operation of
/// merges, seeks and skip-list inserts. Longer keys go to memcmp.
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 64 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    } else if n > 0 {
        let pa = a.baseAddress!, pb = b.baseAddress!
        var i = 0
        while i + 8 <= n {
            let x = pa.loadUnaligned(fromByteOffset: i, as: UInt64.self).bigEndian
            let y = pb.loadUnaligned(fromByteOffset: i, as: UInt64.self).bigEndian
            if x != y { return x < y ? -1 : 1 }
            i += 8
        }
        while i < n {
            let x = pa.load(fromByteOffset: i, as: UInt8.self), y = pb.load(fromByteOffset: i, as: UInt8.self)
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
    }
    return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
}

/// The simple reference ``compareBytes(_:_:)`` is tested against.
func compareBytesReference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
    return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
}

@inline(__always)
func compareBytes<A: ContiguousCollection, B: ContiguousCollection>(_ a: A, _ b: B) -> Int
where A.Element == UInt8, B.Element == UInt8 {
    a.withUnsafeBytesContiguous { pa in b.withUnsafeBytesContiguous { pb in compareBytes(pa, pb) } }
}

/// `[UInt8]` and `ArraySlice<UInt8>` expose their bytes the same way.
protocol ContiguousCollection: Collection {
    func withUnsafeBytesContiguous<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousCollection where Element == UInt8 {
    @inline(__always)
    func withUnsafeBytesContiguous<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try withUnsafeBytes(body) }
}

extension ArraySlice: ContiguousCollection where Element == UInt8 {
    @inline(__always)
    func withUnsafeBytesContiguous<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try withUnsafeBytes(body) }
}
