/// The on-disk constants and fixed records of the table (SSTable) format,
/// in one place. docs/formats/sstable.md is the byte-level specification;
/// changing anything here changes the format and needs a new ``version``.
///
///     data block*  [filter block]  properties block  index block  footer
///
/// Every block is followed by a ``blockTrailerSize``-byte trailer
/// (type u8, CRC32C u32 LE over the block bytes and the type byte).
enum TableFormat {
    /// Format: the last 8 bytes of every table, ASCII "SOCH-SST" read as a
    /// little-endian u64.
    static let magic: UInt64 = 0x5453_532D_4843_4F53
    /// Format: the version this code writes and the only one it reads.
    static let version: UInt32 = 1
    /// Format: block type u8 + CRC32C u32.
    static let blockTrailerSize = 5
    /// Format: the fixed footer at the end of the file (see ``TableFooter``).
    static let footerSize = 72
    /// Format: the only block type of version 1 (no compression).
    static let blockTypeUncompressed: UInt8 = 0
    /// Default entries between two restart points of a block.
    static let defaultRestartInterval = 16
}

/// Where a block lives in a table: `offset` of its first byte and `size` of
/// its contents, the trailer excluded. Encoded in index entries as two
/// varints; in the footer as two u64 LE.
struct BlockHandle: Equatable, Sendable {
    var offset: UInt64
    var size: UInt64

    /// Bytes the block occupies in the file, trailer included. The caller
    /// has checked that `size` is within the file, so this cannot overflow.
    @inline(__always)
    var extent: UInt64 { size + UInt64(TableFormat.blockTrailerSize) }

    /// Offset just past the block's trailer.
    @inline(__always)
    var end: UInt64 { offset + extent }

    func encode(into out: inout [UInt8]) {
        out.appendVarint(offset)
        out.appendVarint(size)
    }

    var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Decodes two varints; nil if either is short or malformed.
    static func decode(_ reader: inout ByteReader) -> BlockHandle? {
        guard let offset = reader.varint(), let size = reader.varint() else { return nil }
        return BlockHandle(offset: offset, size: size)
    }
}

/// The fixed 72-byte record at the end of every table: where the
/// metadata blocks are, how many entries the table holds, and the format's
/// identity. All fields little-endian.
///
///     0   8  filter offset       (0 with size 0: no filter)
///     8   8  filter size
///     16  8  properties offset
///     24  8  properties size
///     32  8  index offset
///     40  8  index size
///     48  8  entry count
///     56  4  CRC32C of bytes 0..<56 followed by bytes 60..<72
///     60  4  version
///     64  8  magic
struct TableFooter: Equatable, Sendable {
    static let crcOffset = 56

    var filter: BlockHandle
    var properties: BlockHandle
    var index: BlockHandle
    var entryCount: UInt64

    /// True when the table was written without a bloom filter.
    var hasFilter: Bool { filter.size != 0 }

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(TableFormat.footerSize)
        for h in [filter, properties, index] { out.appendFixed64(h.offset); out.appendFixed64(h.size) }
        out.appendFixed64(entryCount)
        out.appendFixed32(0)
        out.appendFixed32(TableFormat.version)
        out.appendFixed64(TableFormat.magic)
        out.setFixed32(Self.checksum(out), at: Self.crcOffset)
        return out
    }

    /// Decodes and checks a footer read from `offset` of `path`: magic first
    /// (is this a table at all?), then version, then the CRC.
    static func decode(_ bytes: [UInt8], path: String, offset: UInt64) throws -> TableFooter {
        guard bytes.count == TableFormat.footerSize else {
            throw StorageError.corruption(path: path, reason: "table footer is \(bytes.count) bytes, expected \(TableFormat.footerSize)")
        }
        return try bytes.withUnsafeBytes { raw in
            let p = raw.baseAddress!
            let magic = loadFixed64(p + 64)
            guard magic == TableFormat.magic else {
                throw StorageError.corruption(path: path, reason: "bad table magic 0x\(String(magic, radix: 16)) (not a table file)")
            }
            let version = loadFixed32(p + 60)
            guard version == TableFormat.version else {
                throw StorageError.corruption(path: path, reason: "unsupported table format version \(version) (this build reads \(TableFormat.version))")
            }
            guard loadFixed32(p + crcOffset) == checksum(bytes) else {
                throw StorageError.checksumMismatch(path: path, offset: offset)
            }
            func handle(_ at: Int) -> BlockHandle { BlockHandle(offset: loadFixed64(p + at), size: loadFixed64(p + at + 8)) }
            return TableFooter(filter: handle(0), properties: handle(16), index: handle(32), entryCount: loadFixed64(p + 48))
        }
    }

    /// CRC32C of the footer without its CRC field.
    private static func checksum(_ footer: [UInt8]) -> UInt32 {
        footer.withUnsafeBytes { raw in
            let head = Checksum.crc32c(UnsafeRawBufferPointer(rebasing: raw[0..<crcOffset]))
            return Checksum.crc32c(UnsafeRawBufferPointer(rebasing: raw[(crcOffset + 4)...]), extending: head)
        }
    }
}

/// What a finished table holds, returned by ``TableBuilder/finish()`` and
/// known to a ``TableReader`` right after open (from the properties block).
/// `smallest` and `largest` are internal keys (empty for an empty table).
struct TableProperties: Equatable, Sendable {
    var smallest: [UInt8]
    var largest: [UInt8]
    var entries: UInt64
    var deletions: UInt64
    /// Size of the whole file, footer included. Not stored in the properties
    /// block: the reader takes it from the file.
    var fileSize: UInt64
}

extension TableProperties {
    /// Format: the properties block contents,
    /// `varint entries | varint deletions | varint len | smallest | varint len | largest`.
    func encodeBlock() -> [UInt8] {
        var out: [UInt8] = []
        out.appendVarint(entries)
        out.appendVarint(deletions)
        out.appendLengthPrefixed(smallest)
        out.appendLengthPrefixed(largest)
        return out
    }

    /// Decodes a properties block; nil if it is short, malformed or has
    /// bytes left over.
    static func decodeBlock(_ bytes: [UInt8], fileSize: UInt64) -> TableProperties? {
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            guard let entries = r.varint(), let deletions = r.varint(),
                  let smallest = r.lengthPrefixed(), let largest = r.lengthPrefixed(), r.isAtEnd
            else { return nil }
            return TableProperties(smallest: smallest, largest: largest, entries: entries,
                                   deletions: deletions, fileSize: fileSize)
        }
    }
}
