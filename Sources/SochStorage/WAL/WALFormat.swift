/// On-disk constants and field codecs of the write-ahead log.
///
/// FORMAT: every value here is part of the file format documented in
/// docs/formats/wal.md. Changing one makes existing logs unreadable; bump
/// ``version`` and keep a reader for the old one instead.
///
///     segment := segmentHeader record*
///     segmentHeader (16 bytes) := magic "SOCHWAL\0" | version u32 | crc u32
///     record := headerCRC u32 | length u32 | payloadCRC u32 | payload[length]
///
/// All integers are little-endian; `crc` covers the segment header's first 12
/// bytes, `headerCRC` the 8 bytes `length | payloadCRC`, `payloadCRC` the
/// payload. Writer and reader both go through the helpers below so the two
/// cannot disagree.
enum WALFormat {
    /// First 8 bytes of every segment.
    static let magic: [UInt8] = [0x53, 0x4F, 0x43, 0x48, 0x57, 0x41, 0x4C, 0x00]  // "SOCHWAL\0"
    /// The one version this build writes and reads.
    static let version: UInt32 = 1
    /// magic (8) + version (4) + CRC32C of those 12 bytes (4).
    static let segmentHeaderSize = 16
    /// headerCRC (4) + length (4) + payloadCRC (4).
    static let recordHeaderSize = 12
    /// Largest payload a record may carry (inclusive). A valid header that
    /// declares more is damage, never a real record.
    static let maxPayloadSize = 1 << 31

    /// The 16 bytes that open a segment.
    static func segmentHeader() -> [UInt8] {
        var bytes = magic
        bytes.appendFixed32(version)
        bytes.appendFixed32(Checksum.crc32c(bytes))
        return bytes
    }

    enum SegmentHeaderStatus: Equatable {
        case valid
        /// Magic and checksum are right but the version is not ours.
        case unsupportedVersion(UInt32)
        /// Wrong magic or checksum (torn, zeroed or overwritten).
        case damaged
    }

    /// Classifies the first ``segmentHeaderSize`` bytes of `bytes`.
    /// Requires `bytes.count >= segmentHeaderSize`.
    static func checkSegmentHeader(_ bytes: UnsafeRawBufferPointer) -> SegmentHeaderStatus {
        precondition(bytes.count >= segmentHeaderSize)
        let base = bytes.baseAddress!
        let stored = loadFixed32(base + 12)
        guard Checksum.crc32c(UnsafeRawBufferPointer(start: base, count: 12)) == stored,
              magic.withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(start: base, count: 8)) })
        else { return .damaged }
        let v = loadFixed32(base + 8)
        return v == version ? .valid : .unsupportedVersion(v)
    }

    /// Writes a record header for a payload of `length` bytes with checksum
    /// `payloadCRC` into the 12 bytes at `header`.
    @inline(__always)
    static func encodeRecordHeader(length: UInt32, payloadCRC: UInt32, into header: UnsafeMutableRawPointer) {
        header.storeBytes(of: length.littleEndian, toByteOffset: 4, as: UInt32.self)
        header.storeBytes(of: payloadCRC.littleEndian, toByteOffset: 8, as: UInt32.self)
        let crc = Checksum.crc32c(UnsafeRawBufferPointer(start: header + 4, count: 8))
        header.storeBytes(of: crc.littleEndian, toByteOffset: 0, as: UInt32.self)
    }

    /// A record header as read from disk.
    struct RecordHeader {
        var length: UInt32
        var payloadCRC: UInt32
        /// The stored header CRC matches `length | payloadCRC`.
        var isIntact: Bool
    }

    /// Decodes the 12 bytes at `header` (no alignment needed).
    @inline(__always)
    static func decodeRecordHeader(_ header: UnsafeRawPointer) -> RecordHeader {
        let stored = loadFixed32(header)
        let computed = Checksum.crc32c(UnsafeRawBufferPointer(start: header + 4, count: 8))
        return RecordHeader(length: loadFixed32(header + 4), payloadCRC: loadFixed32(header + 8), isIntact: stored == computed)
    }
}
