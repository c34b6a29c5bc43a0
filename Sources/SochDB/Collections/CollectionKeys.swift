import Foundation
import SochVector

/// Where a vector collection keeps its data in the key-value store, which is
/// the source of truth (docs/formats/collections.md). For collection name N
/// (1–128 bytes of UTF-8, no NUL, no `/`) and its incarnation I (a random
/// u64 drawn at creation, big-endian here):
///
///     config        FF 'c' 'm' N                   → JSON ``CollectionConfig``
///     record        FF 'c' 'r' I <id UTF-8>        → label u64 LE | metadata JSON
///     vector        FF 'c' 'v' I <label u64 BE>    → dimension × f32 LE
///
/// The label is the record's node id in the HNSW graph. Every upsert gets a
/// new label, so a label always names one immutable vector: reconciling the
/// graph with the store after a crash compares label sets, nothing more.
/// Keying records by incarnation rather than name means a collection created
/// again under a dropped one's name can never see the old one's data.
enum CollectionKeys {
    static let tag = UInt8(ascii: "c")

    static func checkName(_ name: String) throws(SochDBError) {
        let bytes = name.utf8.count
        guard (1...128).contains(bytes) else {
            throw .invalidArgument("collection name must be 1–128 bytes of UTF-8, got \(bytes)")
        }
        guard !name.utf8.contains(0), !name.contains("/") else {
            throw .invalidArgument("collection name \"\(name)\" may not contain a NUL byte or '/'")
        }
    }

    static func checkID(_ id: String) throws(SochDBError) {
        guard !id.isEmpty else { throw .invalidArgument("a vector id may not be empty") }
        guard id.utf8.count <= 1024 else { throw .invalidArgument("vector id longer than 1024 bytes") }
    }

    static let configPrefix: [UInt8] = [KeyEncoding.reservedByte, tag, UInt8(ascii: "m")]

    static func config(_ name: String) -> [UInt8] { configPrefix + Array(name.utf8) }

    static func recordPrefix(_ incarnation: UInt64) -> [UInt8] { tagged("r", incarnation) }

    static func record(_ incarnation: UInt64, id: String) -> [UInt8] { recordPrefix(incarnation) + Array(id.utf8) }

    static func vectorPrefix(_ incarnation: UInt64) -> [UInt8] { tagged("v", incarnation) }

    static func vector(_ incarnation: UInt64, label: Int64) -> [UInt8] {
        var key = vectorPrefix(incarnation)
        withUnsafeBytes(of: UInt64(bitPattern: label).bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    static func label(fromVectorKey key: [UInt8]) -> Int64 {
        var v: UInt64 = 0
        for b in key[11...] { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v)
    }

    private static func tagged(_ kind: Unicode.Scalar, _ incarnation: UInt64) -> [UInt8] {
        var key: [UInt8] = [KeyEncoding.reservedByte, tag, UInt8(ascii: kind)]
        withUnsafeBytes(of: incarnation.bigEndian) { key.append(contentsOf: $0) }
        return key
    }
}

/// The value of a record key: the vector's label and its metadata.
struct CollectionRecordValue {
    var label: Int64
    var metadata: Metadata

    func encoded() throws(SochDBError) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(bitPattern: label).littleEndian) { out.append(contentsOf: $0) }
        if !metadata.isEmpty {
            do { out += try MetadataValue.jsonEncoder.encode(metadata) } catch {
                throw .invalidArgument("metadata cannot be stored as JSON: \(error)")
            }
        }
        return out
    }

    init(label: Int64, metadata: Metadata) { self.label = label; self.metadata = metadata }

    init(decoding bytes: [UInt8], key: String) throws(SochDBError) {
        guard bytes.count >= 8 else { throw .database(.corruption(path: "collection record \(key)", reason: "\(bytes.count) bytes, fewer than a label")) }
        var l: UInt64 = 0
        for i in (0..<8).reversed() { l = l << 8 | UInt64(bytes[i]) }
        label = Int64(bitPattern: l)
        if bytes.count == 8 {
            metadata = [:]
        } else {
            do { metadata = try JSONDecoder().decode(Metadata.self, from: Data(bytes[8...])) } catch {
                throw .database(.corruption(path: "collection record \(key)", reason: "metadata is not JSON: \(error)"))
            }
        }
    }
}

enum VectorBytes {
    static func encode(_ v: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: v.count * 4)
        out.withUnsafeMutableBytes { dst in
            for (i, x) in v.enumerated() { dst.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], dimension: Int, key: String) throws(SochDBError) -> [Float] {
        guard bytes.count == dimension * 4 else {
            throw .database(.corruption(path: "collection vector \(key)", reason: "\(bytes.count) bytes for dimension \(dimension)"))
        }
        return bytes.withUnsafeBytes { raw in
            (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
