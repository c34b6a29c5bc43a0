/// The IPC protocol's opcodes: wire format constants (docs/protocol/ipc.md).
///
/// 0x01–0x0F are the seed's and upstream SochDB's own numbers (upstream's
/// server assigns 0x08 CREATE_TABLE, 0x09 PUT_PATH, 0x0A GET_PATH, 0x0B SCAN,
/// 0x0F EXECUTE_SQL, 0x84 ROW, 0x85 END_STREAM); 0x10 and up, 0x88 and up
/// are SochDB-Swift extensions. Never renumber a case.
public enum Opcode: UInt8, Sendable, CaseIterable {
    // Requests.
    case put = 0x01
    case get = 0x02
    case delete = 0x03
    case beginTxn = 0x04
    case commitTxn = 0x05
    case abortTxn = 0x06
    case query = 0x07
    case createTable = 0x08
    case putPath = 0x09
    case getPath = 0x0A
    case scan = 0x0B
    case checkpoint = 0x0C
    case stats = 0x0D
    case ping = 0x0E
    case executeSQL = 0x0F
    case deletePath = 0x10
    case collectionCreate = 0x20
    case collectionUpsert = 0x21
    case collectionGet = 0x22
    case collectionDelete = 0x23
    case collectionSearch = 0x24
    case collectionInfo = 0x25
    case collectionList = 0x26
    case collectionDrop = 0x27

    // Responses.
    case ok = 0x80
    case error = 0x81
    case value = 0x82
    case txnID = 0x83
    /// One batch of a SCAN's pairs (upstream's ROW number).
    case scanBatch = 0x84
    /// Ends a SCAN's stream with the number of pairs sent.
    case endStream = 0x85
    case statsResp = 0x86
    case pong = 0x87
    /// A GET of a key (path, collection id) that does not exist.
    case notFound = 0x88
    case searchResults = 0x89

    public var isResponse: Bool { rawValue >= 0x80 }
}

/// Frame header constants: `[opcode u8][length u32 LE][payload]`.
public enum FrameFormat {
    public static let headerSize = 5
    /// The default cap on a frame's declared payload length (16 MiB, as upstream).
    public static let defaultMaxPayload = 16 << 20

    /// The opcode byte and declared payload length of a 5-byte header.
    public static func parseHeader<C: Collection>(_ header: C) -> (opcode: UInt8, length: UInt32)
    where C.Element == UInt8 {
        precondition(header.count >= headerSize)
        var i = header.startIndex
        let op = header[i]
        var len: UInt32 = 0
        for shift in stride(from: 0, to: 32, by: 8) {
            i = header.index(after: i)
            len |= UInt32(header[i]) << UInt32(shift)
        }
        return (op, len)
    }

    /// A whole frame: header then payload.
    public static func encode(_ opcode: Opcode, _ payload: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerSize + payload.count)
        out.append(opcode.rawValue)
        let n = UInt32(payload.count)
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
        out.append(contentsOf: payload)
        return out
    }
}
