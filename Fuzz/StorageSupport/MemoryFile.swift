// An input served as a read-only file of the storage engine's FileSystem
// layer, for the targets that drive its readers (wal, sstable).
import SochStorage

/// The input, as a read-only file.
public final class MemoryFile: ReadableFile, @unchecked Sendable {
    public let path: String
    public let bytes: [UInt8]
    public var size: UInt64 { UInt64(bytes.count) }
    public init(path: String, bytes: [UInt8]) { self.path = path; self.bytes = bytes }
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < size else { return 0 }
        let n = min(buffer.count, bytes.count - Int(offset))
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: n) }
        return n
    }
    public func close() {}
}
