import CSochSupport

/// CRC32C (Castagnoli), the checksum of every section of an index file.
enum CRC32C {
    /// CRC of `count` bytes at `bytes`, extending `crc` (the finished CRC of
    /// the bytes before, 0 for none). Hardware instruction when available.
    @inline(__always)
    static func checksum(_ bytes: UnsafeRawPointer, count: Int, extending crc: UInt32 = 0) -> UInt32 {
        soch_crc32c(crc, bytes, count)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0.baseAddress!, count: $0.count) }
    }

    /// Bit-at-a-time reference the fast path is tested against.
    static func reference(_ bytes: [UInt8], extending crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        }
        return ~c
    }
}

var crc32cIsHardware: Bool { soch_crc32c_is_hardware() != 0 }
