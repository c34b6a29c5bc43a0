extension Request {
    /// Decodes a request frame's payload. Every length is checked against
    /// the bytes left before anything is allocated; trailing bytes are an
    /// error, so each payload has exactly one reading.
    public static func decode(opcode raw: UInt8, payload: [UInt8]) throws(WireError) -> Request {
        guard let op = Opcode(rawValue: raw), !op.isResponse else { throw .unknownOpcode(raw) }
        var r = WireReader(payload)
        let request = try decodeFields(op, &r)
        try r.finish()
        return request
    }

    private static func decodeFields(_ op: Opcode, _ r: inout WireReader) throws(WireError) -> Request {
        switch op {
        case .put: return .put(key: try r.blob("key"), value: try r.blob("value"))
        case .get: return .get(key: try r.blob("key"))
        case .delete: return .delete(key: try r.blob("key"))
        case .beginTxn: return .beginTxn
        case .commitTxn: return .commitTxn(id: try r.u64("txn_id"))
        case .abortTxn: return .abortTxn(id: try r.u64("txn_id"))
        case .query: return .query(json: try utf8(r.rest(), "query parameters"))
        case .createTable: _ = r.rest(); return .createTable
        case .putPath: return .putPath(segments: try segments(&r), value: try r.blob("value"))
        case .getPath: return .getPath(segments: try segments(&r))
        case .deletePath: return .deletePath(segments: try segments(&r))
        case .scan: return .scan(prefix: try r.blob("prefix"), batchSize: r.remaining == 0 ? 0 : try r.u32("batch_size"))
        case .checkpoint: return .checkpoint
        case .stats: return .stats
        case .ping: return .ping
        case .executeSQL:
            let raw = try r.u8("format")
            guard let format = ResultFormat(rawValue: raw) else { throw .invalidField("result format \(raw)") }
            return .executeSQL(sql: try r.string("sql"), format: format, parametersJSON: try r.string("parameters"))
        case .collectionCreate:
            return .collectionCreate(CollectionSpec(name: try r.shortString("name"), dimension: try r.u32("dimension"),
                                                    metric: try r.shortString("metric"), m: try r.u16("m"),
                                                    efConstruction: try r.u16("ef_construction")))
        case .collectionUpsert: return try upsert(&r)
        case .collectionGet: return .collectionGet(collection: try r.shortString("collection"), id: try r.shortString("id"))
        case .collectionDelete: return .collectionDelete(collection: try r.shortString("collection"), id: try r.shortString("id"))
        case .collectionSearch:
            let name = try r.shortString("collection")
            let k = try r.u32("k"), ef = try r.u32("ef")
            let filter = try r.string("filter")
            let dim = try r.count("dimension", minItemBytes: 4)
            return .collectionSearch(WireSearch(collection: name, k: k, ef: ef, filterJSON: filter,
                                                vector: try r.floats(dim, "vector")))
        case .collectionInfo: return .collectionInfo(collection: try r.shortString("collection"))
        case .collectionList: return .collectionList
        case .collectionDrop: return .collectionDrop(collection: try r.shortString("collection"))
        case .ok, .error, .value, .txnID, .scanBatch, .endStream, .statsResp, .pong, .notFound, .searchResults:
            throw .unknownOpcode(op.rawValue)
        }
    }

    private static func segments(_ r: inout WireReader) throws(WireError) -> [String] {
        let n = Int(try r.u16("segment count"))
        guard n <= r.remaining / 2 else {
            throw .lengthTooLarge(field: "segment count", length: UInt64(n), limit: UInt64(r.remaining / 2))
        }
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try r.shortString("segment")) }
        return out
    }

    private static func upsert(_ r: inout WireReader) throws(WireError) -> Request {
        let name = try r.shortString("collection")
        let dim = Int(try r.u32("dimension"))
        // Each record is at least an id length, a metadata length and its floats.
        let n = try r.count("record count", minItemBytes: 6 + 4 * dim)
        var records: [WireRecord] = []
        records.reserveCapacity(n)
        for _ in 0..<n {
            let id = try r.shortString("id")
            let meta = try r.string("metadata")
            records.append(WireRecord(id: id, vector: try r.floats(dim, "vector"), metadataJSON: meta))
        }
        return .collectionUpsert(collection: name, records: records)
    }

    static func utf8(_ bytes: [UInt8], _ field: String) throws(WireError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .invalidField("\(field) is not UTF-8") }
        return s
    }

    /// The payload bytes of this request (the mirror of ``decode(opcode:payload:)``).
    public func encodePayload() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case let .put(key, value): w.blob(key); w.blob(value)
        case .get(let key), .delete(let key): w.blob(key)
        case .beginTxn, .checkpoint, .stats, .ping, .collectionList, .createTable: break
        case .commitTxn(let id), .abortTxn(let id): w.u64(id)
        case .query(let json): w.raw(Array(json.utf8))
        case let .putPath(segments, value): Self.write(segments, &w); w.blob(value)
        case .getPath(let segments), .deletePath(let segments): Self.write(segments, &w)
        case let .scan(prefix, batchSize): w.blob(prefix); w.u32(batchSize)
        case let .executeSQL(sql, format, params): w.u8(format.rawValue); w.string(sql); w.string(params)
        case .collectionCreate(let s):
            w.shortString(s.name); w.u32(s.dimension); w.shortString(s.metric); w.u16(s.m); w.u16(s.efConstruction)
        case let .collectionUpsert(name, records):
            w.shortString(name)
            w.u32(UInt32(records.first?.vector.count ?? 0))
            w.u32(UInt32(records.count))
            for rec in records { w.shortString(rec.id); w.string(rec.metadataJSON); w.floats(rec.vector) }
        case let .collectionGet(name, id), let .collectionDelete(name, id): w.shortString(name); w.shortString(id)
        case .collectionSearch(let s):
            w.shortString(s.collection); w.u32(s.k); w.u32(s.ef); w.string(s.filterJSON)
            w.u32(UInt32(s.vector.count)); w.floats(s.vector)
        case .collectionInfo(let name), .collectionDrop(let name): w.shortString(name)
        }
        return w.bytes
    }

    private static func write(_ segments: [String], _ w: inout WireWriter) {
        w.u16(UInt16(segments.count))
        for s in segments { w.shortString(s) }
    }

    /// The whole frame (header and payload).
    public func encodeFrame() -> [UInt8] { FrameFormat.encode(opcode, encodePayload()) }
}

extension Request {
    /// Refuses a request whose fields do not fit their wire widths (a name,
    /// id, metric or path segment over 65,535 bytes, more than 65,535
    /// segments, an upsert whose vectors differ in length, a payload over
    /// 4 GiB), so that a client gets an error instead of a malformed frame.
    public func checkEncodable() throws(WireError) {
        func short(_ s: String, _ field: String) throws(WireError) {
            let n = s.utf8.count
            if n > Int(UInt16.max) { throw .lengthTooLarge(field: field, length: UInt64(n), limit: UInt64(UInt16.max)) }
        }
        switch self {
        case .putPath(let segments, _), .getPath(let segments), .deletePath(let segments):
            if segments.count > Int(UInt16.max) {
                throw .lengthTooLarge(field: "segment count", length: UInt64(segments.count), limit: UInt64(UInt16.max))
            }
            for s in segments { try short(s, "path segment") }
        case .collectionCreate(let spec): try short(spec.name, "collection"); try short(spec.metric, "metric")
        case let .collectionUpsert(name, records):
            try short(name, "collection")
            let dim = records.first?.vector.count ?? 0
            for r in records {
                try short(r.id, "id")
                if r.vector.count != dim { throw .invalidField("every vector of one upsert must have the same dimension") }
            }
        case let .collectionGet(name, id), let .collectionDelete(name, id): try short(name, "collection"); try short(id, "id")
        case .collectionSearch(let s): try short(s.collection, "collection")
        case .collectionInfo(let name), .collectionDrop(let name): try short(name, "collection")
        default: break
        }
    }
}
