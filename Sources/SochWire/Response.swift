/// A decoded response (layouts in docs/protocol/ipc.md).
public enum Response: Sendable, Equatable {
    case ok
    /// `code` is the stable error code of docs/errors.md.
    case error(code: Int32, message: String)
    case value([UInt8])
    /// BEGIN's transaction id, or COMMIT's LSN.
    case txnID(UInt64)
    case scanBatch([KeyValue])
    /// The end of a SCAN: how many pairs its batches held.
    case endStream(count: UInt64)
    case statsResp(json: String)
    /// The server's clock, nanoseconds since the Unix epoch.
    case pong(timestampNanos: UInt64)
    case notFound
    case searchResults([WireHit])

    public var opcode: Opcode {
        switch self {
        case .ok: .ok
        case .error: .error
        case .value: .value
        case .txnID: .txnID
        case .scanBatch: .scanBatch
        case .endStream: .endStream
        case .statsResp: .statsResp
        case .pong: .pong
        case .notFound: .notFound
        case .searchResults: .searchResults
        }
    }
}

/// One pair of a SCAN batch.
public struct KeyValue: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]
    public init(key: [UInt8], value: [UInt8]) { self.key = key; self.value = value }
}

extension Response {
    public static func decode(opcode raw: UInt8, payload: [UInt8]) throws(WireError) -> Response {
        guard let op = Opcode(rawValue: raw), op.isResponse else { throw .unknownOpcode(raw) }
        var r = WireReader(payload)
        let response: Response
        switch op {
        case .ok: response = .ok
        case .error:
            let code = try r.i32("code")
            response = .error(code: code, message: String(decoding: r.rest(), as: UTF8.self))
        case .value: response = .value(try r.blob("value"))
        case .txnID: response = .txnID(try r.u64("txn_id"))
        case .scanBatch:
            let n = try r.count("pair count", minItemBytes: 8)
            var pairs: [KeyValue] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n { pairs.append(KeyValue(key: try r.blob("key"), value: try r.blob("value"))) }
            response = .scanBatch(pairs)
        case .endStream: response = .endStream(count: try r.u64("count"))
        case .statsResp: response = .statsResp(json: try Request.utf8(r.rest(), "stats"))
        case .pong: response = .pong(timestampNanos: try r.u64("timestamp"))
        case .notFound: response = .notFound
        case .searchResults:
            let n = try r.count("hit count", minItemBytes: 10)
            var hits: [WireHit] = []
            hits.reserveCapacity(n)
            for _ in 0..<n {
                hits.append(WireHit(id: try r.shortString("id"), distance: try r.f32("distance"),
                                    metadataJSON: try r.string("metadata")))
            }
            response = .searchResults(hits)
        default: throw .unknownOpcode(raw)
        }
        try r.finish()
        return response
    }

    public func encodePayload() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case .ok, .notFound: break
        case let .error(code, message): w.i32(code); w.raw(Array(message.utf8))
        case .value(let v): w.blob(v)
        case .txnID(let id): w.u64(id)
        case .scanBatch(let pairs):
            w.u32(UInt32(pairs.count))
            for p in pairs { w.blob(p.key); w.blob(p.value) }
        case .endStream(let n): w.u64(n)
        case .statsResp(let json): w.raw(Array(json.utf8))
        case .pong(let t): w.u64(t)
        case .searchResults(let hits):
            w.u32(UInt32(hits.count))
            for h in hits { w.shortString(h.id); w.f32(h.distance); w.string(h.metadataJSON) }
        }
        return w.bytes
    }

    public func encodeFrame() -> [UInt8] { FrameFormat.encode(opcode, encodePayload()) }
}

extension WireRecord {
    /// COLLECTION_GET's VALUE payload: `dimension u32, f32 × dimension, metadata (u32 + JSON)`.
    public func encodeValue() -> [UInt8] {
        var w = WireWriter(capacity: 8 + vector.count * 4 + metadataJSON.utf8.count)
        w.u32(UInt32(vector.count)); w.floats(vector); w.string(metadataJSON)
        return w.bytes
    }

    public static func decodeValue(id: String, _ bytes: [UInt8]) throws(WireError) -> WireRecord {
        var r = WireReader(bytes)
        let dim = try r.count("dimension", minItemBytes: 4)
        let v = try r.floats(dim, "vector")
        let meta = try r.string("metadata")
        try r.finish()
        return WireRecord(id: id, vector: v, metadataJSON: meta)
    }
}
