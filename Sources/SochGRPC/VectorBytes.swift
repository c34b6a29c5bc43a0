import Foundation
import GRPCCore
import SochVector

/// Vectors as they travel in the API's `bytes` fields: little-endian
/// float32 components, row after row (docs/protocol/grpc.md).
enum VectorBytes {
    /// One vector of `dimension` components. INVALID_ARGUMENT when the byte
    /// count is not `dimension × 4` or a component is NaN or infinite.
    static func vector(_ bytes: Data, dimension: Int, field: String) throws(RPCError) -> [Float] {
        guard bytes.count == dimension * 4 else {
            throw StatusMapping.invalid(bytes.count % 4 != 0
                ? "\(field): \(bytes.count) bytes is not a whole number of float32 components"
                : "\(field): \(bytes.count / 4) components where the index has dimension \(dimension)")
        }
        return try decode(bytes, count: dimension, dimension: dimension, field: field)
    }

    /// `n ≥ 1` vectors of `dimension` components, row-major.
    static func matrix(_ bytes: Data, dimension: Int, field: String) throws(RPCError) -> VectorMatrix {
        let rowBytes = dimension * 4
        guard !bytes.isEmpty, bytes.count % rowBytes == 0 else {
            throw StatusMapping.invalid(bytes.isEmpty ? "\(field) is empty"
                : "\(field): \(bytes.count) bytes is not a whole number of \(dimension)-component float32 rows")
        }
        let flat = try decode(bytes, count: bytes.count / 4, dimension: dimension, field: field)
        do { return try VectorMatrix(flat: flat, dimension: dimension) } catch {
            throw StatusMapping.rpcError(error)
        }
    }

    /// `vectors` as bytes (what Get returns).
    static func encode(_ vector: [Float]) -> Data {
        var out = Data(count: vector.count * 4)
        out.withUnsafeMutableBytes { raw in
            for (i, x) in vector.enumerated() { raw.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return out
    }

    private static func decode(_ bytes: Data, count: Int, dimension: Int, field: String) throws(RPCError) -> [Float] {
        var bad: Int?
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let x = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    if !x.isFinite && bad == nil { bad = i }
                    buffer[i] = x
                }
            }
            initialized = count
        }
        if let bad {
            throw StatusMapping.invalid("\(field): row \(bad / dimension), component \(bad % dimension) is \(out[bad]) (components must be finite)")
        }
        return out
    }
}
