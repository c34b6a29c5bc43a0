/// Builds a payload of little-endian fields (the mirror of ``WireReader``).
public struct WireWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) { bytes = []; bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    public mutating func u16(_ v: UInt16) { uint(UInt64(v), 2) }

    public mutating func u32(_ v: UInt32) { uint(UInt64(v), 4) }

    public mutating func u64(_ v: UInt64) { uint(v, 8) }

    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }

    public mutating func f32(_ v: Float) { u32(v.bitPattern) }

    private mutating func uint(_ v: UInt64, _ width: Int) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    public mutating func raw<C: Collection>(_ b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }

    /// A `u32` length then the bytes.
    public mutating func blob<C: Collection>(_ b: C) where C.Element == UInt8 { u32(UInt32(b.count)); raw(b) }

    public mutating func string(_ s: String) { blob(Array(s.utf8)) }

    /// A `u16` length then the UTF-8 (callers keep names under 64 KiB).
    public mutating func shortString(_ s: String) {
        let b = Array(s.utf8)
        precondition(b.count <= Int(UInt16.max), "short string over 65535 bytes")
        u16(UInt16(b.count)); raw(b)
    }

    public mutating func floats(_ v: [Float]) {
        bytes.reserveCapacity(bytes.count + v.count * 4)
        for x in v { u32(x.bitPattern) }
    }
}
