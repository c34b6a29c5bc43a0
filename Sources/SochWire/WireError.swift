/// Why a frame or payload does not decode. Thrown by ``WireReader`` and the
/// request/response decoders; the server answers it with an ERROR frame
/// (code 701, protocol) and keeps the connection when the framing is intact.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The payload ended before a field of `needed` bytes at `offset`.
    case truncated(field: String, offset: Int, needed: Int)
    /// The payload has bytes after its last field.
    case trailingBytes(count: Int)
    /// A length field is larger than the frame (or the limit) allows.
    case lengthTooLarge(field: String, length: UInt64, limit: UInt64)
    /// The opcode is not one this side knows.
    case unknownOpcode(UInt8)
    /// A field holds a value outside its domain (bad UTF-8, bad JSON, an
    /// unknown format byte…).
    case invalidField(String)

    public var description: String {
        switch self {
        case let .truncated(field, offset, needed):
            return "truncated payload: \(field) needs \(needed) bytes at offset \(offset)"
        case .trailingBytes(let n): return "payload has \(n) bytes after its last field"
        case let .lengthTooLarge(field, length, limit): return "\(field) length \(length) exceeds \(limit)"
        case .unknownOpcode(let op): return "unknown opcode 0x\(String(op, radix: 16, uppercase: true))"
        case .invalidField(let why): return "invalid field: \(why)"
        }
    }
}
