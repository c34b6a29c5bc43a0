import CSochSupport

/// CRC32C (Castagnoli), the checksum of every WAL record, table block and
/// manifest. Hardware instruction when the CPU has it (`CSochSupport`).
enum Checksum {
    @inline(__always)
    static func crc32c(_ bytes: UnsafeRawBufferPointer, extending crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return soch_crc32c(crc, base, bytes.count)
    }

    static func crc32c(_ bytes: [UInt8], extending crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32c($0, extending: crc) }
    }

    static func crc32c(_ bytes: ArraySlice<UInt8>, extending crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32c($0, extending: crc) }
    }
}
