import Testing
@testable import SochWire

/// Every request and response survives encode → decode, and every damaged
/// payload (each truncation, trailing bytes, lying lengths) is a WireError.
struct CodecTests {
    static let requests: [Request] = [
        .put(key: Array("k".utf8), value: Array("v".utf8)), .put(key: [], value: []),
        .get(key: [0, 1, 2]), .delete(key: Array("gone".utf8)), .beginTxn, .commitTxn(id: 42), .abortTxn(id: .max),
        .query(json: #"{"prefix":"users/","limit":10}"#), .createTable,
        .putPath(segments: ["users", "alice", "email"], value: Array("a@example.com".utf8)),
        .getPath(segments: ["users", "ålice"]), .deletePath(segments: ["x"]),
        .scan(prefix: Array("log:".utf8), batchSize: 100), .checkpoint, .stats, .ping,
        .executeSQL(sql: "SELECT ?", format: .toon, parametersJSON: "[1]"),
        .collectionCreate(CollectionSpec(name: "docs", dimension: 3, metric: "cosine", m: 8, efConstruction: 50)),
        .collectionUpsert(collection: "docs", records: [WireRecord(id: "a", vector: [1, 2, 3], metadataJSON: #"{"x":1}"#),
                                                        WireRecord(id: "b", vector: [-1, 0.5, .pi])]),
        .collectionGet(collection: "docs", id: "a"), .collectionDelete(collection: "docs", id: "b"),
        .collectionSearch(WireSearch(collection: "docs", k: 5, ef: 64, filterJSON: #"{"x":1}"#, vector: [0, 0, 1])),
        .collectionInfo(collection: "docs"), .collectionList, .collectionDrop(collection: "docs"),
    ]

    static let responses: [Response] = [
        .ok, .error(code: 600, message: "conflict"), .value([]), .value(Array("hello".utf8)), .txnID(7),
        .scanBatch([KeyValue(key: [1], value: [2, 3]), KeyValue(key: [], value: [])]), .endStream(count: 2),
        .statsResp(json: "{}"), .pong(timestampNanos: 123), .notFound,
        .searchResults([WireHit(id: "a", distance: 0.25, metadataJSON: "{}")]),
    ]

    @Test func everyRequestRoundTrips() throws {
        for r in Self.requests {
            let frame = r.encodeFrame()
            let (op, len) = FrameFormat.parseHeader(frame)
            #expect(Int(len) == frame.count - 5)
            #expect(try Request.decode(opcode: op, payload: Array(frame.dropFirst(5))) == r)
        }
        // Every request opcode has a case above.
        let covered = Set(Self.requests.map(\.opcode))
        #expect(Set(Opcode.allCases.filter { !$0.isResponse }) == covered)
    }

    @Test func everyResponseRoundTrips() throws {
        for r in Self.responses {
            let frame = r.encodeFrame()
            #expect(try Response.decode(opcode: frame[0], payload: Array(frame.dropFirst(5))) == r)
        }
        #expect(Set(Opcode.allCases.filter(\.isResponse)) == Set(Self.responses.map(\.opcode)))
    }

    @Test func seedLayoutsAreByteExact() {
        // PUT: key_len(4) + key + val_len(4) + val, little-endian.
        #expect(Request.put(key: [0x61], value: [0x62, 0x63]).encodeFrame()
                == [0x01, 11, 0, 0, 0, 1, 0, 0, 0, 0x61, 2, 0, 0, 0, 0x62, 0x63])
        #expect(Request.commitTxn(id: 0x0102).encodeFrame() == [0x05, 8, 0, 0, 0, 0x02, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(Request.ping.encodeFrame() == [0x0E, 0, 0, 0, 0])
        #expect(Response.value([0x7A]).encodeFrame() == [0x82, 5, 0, 0, 0, 1, 0, 0, 0, 0x7A])
        #expect(Response.error(code: 701, message: "x").encodeFrame() == [0x81, 5, 0, 0, 0, 0xBD, 0x02, 0, 0, 0x78])
    }

    @Test func everyTruncationAndTrailingByteIsAnError() {
        for r in Self.requests {
            let payload = r.encodePayload()
            for cut in 0..<payload.count {
                // A shorter payload either fails or (for fields at the end
                // that are optional, like SCAN's batch size) decodes to
                // something else; it never traps.
                if let decoded = try? Request.decode(opcode: r.opcode.rawValue, payload: Array(payload.prefix(cut))) {
                    #expect(decoded != r || cut == payload.count)
                }
            }
            if r.opcode != .query && r.opcode != .createTable {   // free-form payloads
                #expect(throws: WireError.self) { try Request.decode(opcode: r.opcode.rawValue, payload: payload + [0]) }
            }
        }
    }

    @Test func lyingCountsAreRefusedBeforeAllocating() {
        // An upsert that claims 2^32-1 records of dimension 2^20.
        var w = WireWriter()
        w.shortString("c"); w.u32(1 << 20); w.u32(.max)
        #expect(throws: WireError.self) { try Request.decode(opcode: Opcode.collectionUpsert.rawValue, payload: w.bytes) }
        var s = WireWriter()
        s.shortString("c"); s.u32(1); s.u32(0); s.string(""); s.u32(.max)
        #expect(throws: WireError.self) { try Request.decode(opcode: Opcode.collectionSearch.rawValue, payload: s.bytes) }
        #expect(throws: WireError.self) { try Response.decode(opcode: Opcode.scanBatch.rawValue, payload: [0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: WireError.self) { try Request.decode(opcode: Opcode.get.rawValue, payload: [0xFF, 0xFF, 0xFF, 0x7F, 1]) }
    }

    @Test func unknownAndMisdirectedOpcodesAreErrors() {
        #expect(throws: WireError.unknownOpcode(0x55)) { try Request.decode(opcode: 0x55, payload: []) }
        #expect(throws: WireError.unknownOpcode(0x80)) { try Request.decode(opcode: 0x80, payload: []) }
        #expect(throws: WireError.unknownOpcode(0x01)) { try Response.decode(opcode: 0x01, payload: []) }
    }

    @Test func randomPayloadsNeverTrap() {
        var rng = SplitMix(seed: 11)
        for _ in 0..<20_000 {
            let op = UInt8(truncatingIfNeeded: rng.next())
            let n = Int(rng.next() % 64)
            let payload = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? Request.decode(opcode: op, payload: payload)
            _ = try? Response.decode(opcode: op, payload: payload)
        }
    }
}

/// A seeded generator so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
