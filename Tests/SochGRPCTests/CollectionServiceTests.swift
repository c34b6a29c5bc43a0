import Foundation
import GRPCCore
import SochDB
@testable import SochGRPC
import Testing

/// CollectionService over a database directory, client and server in one process.
@Suite struct CollectionServiceTests {
    static func upsert(_ f: Fixture, _ messages: [Sochdb_V1_UpsertRequest]) async throws -> Sochdb_V1_UpsertResponse {
        try await f.collections.upsert(request: StreamingClientRequest(producer: { writer in
            for m in messages { try await writer.write(m) }
        }))
    }

    static func batch(_ collection: String, _ ids: [String], _ rows: [[Float]], _ metadata: [String] = []) -> Sochdb_V1_UpsertRequest {
        .with { $0.collection = collection; $0.ids = ids; $0.vectors = bytes(rows); $0.metadataJson = metadata }
    }

    @Test func createUpsertSearchGetDeleteDrop() async throws {
        let rows = randomRows(300, 8, seed: 21)
        try await withServer { f in
            let created = try await f.collections.createCollection(.with { $0.name = "docs"; $0.dimension = 8; $0.metric = "cosine" })
            #expect(created.name == "docs" && created.dimension == 8 && created.metric == "cosine" && created.m == 16 && created.count == 0)
            await expectStatus(.alreadyExists, "twice") {
                _ = try await f.collections.createCollection(.with { $0.name = "docs"; $0.dimension = 8 })
            }
            await expectStatus(.invalidArgument, "bad metric") {
                _ = try await f.collections.createCollection(.with { $0.name = "x"; $0.dimension = 8; $0.metric = "manhattan" })
            }
            await expectStatus(.invalidArgument, "dimension 0") { _ = try await f.collections.createCollection(.with { $0.name = "x" }) }
            #expect(try await f.collections.listCollections(.init()).names == ["docs"])

            // Three messages of 100, every record tagged by parity.
            let messages = stride(from: 0, to: 300, by: 100).map { start in
                Self.batch("docs", (start..<start + 100).map { "doc-\($0)" }, Array(rows[start..<start + 100]),
                           (start..<start + 100).map { #"{"parity":"\#($0 % 2 == 0 ? "even" : "odd")","n":\#($0)}"# })
            }
            let written = try await Self.upsert(f, messages)
            #expect(written.upserted == 300 && written.lsn > 0)
            let info = try await f.collections.getCollectionInfo(.with { $0.name = "docs" })
            #expect(info.count == 300)

            // Search equals the embedded collection's answer; the filter holds.
            let embedded = try f.server.database!.collection("docs")
            let want = try embedded.search(rows[10], k: 5, ef: 64)
            let got = try await f.collections.search(.with {
                $0.collection = "docs"; $0.queryVector = bytes([rows[10]]); $0.k = 5; $0.efSearch = 64
            })
            #expect(got.hits.map(\.id) == want.map(\.id) && got.hits.first?.id == "doc-10")
            #expect(got.hits.map(\.distance) == want.map(\.distance))
            #expect(got.hits.first?.metadataJson.contains(#""n":10"#) == true)
            let odd = try await f.collections.search(.with {
                $0.collection = "docs"; $0.queryVector = bytes([rows[10]]); $0.k = 10; $0.filterJson = #"{"parity":"odd"}"#
            })
            #expect(odd.hits.count == 10 && odd.hits.allSatisfy { $0.metadataJson.contains(#""parity":"odd""#) })
            let few = try await f.collections.search(.with {
                $0.collection = "docs"; $0.queryVector = bytes([rows[10]]); $0.k = 10; $0.filterJson = #"{"n":{"$lt":3}}"#
            })
            #expect(Set(few.hits.map(\.id)) == ["doc-0", "doc-1", "doc-2"])
            await expectStatus(.invalidArgument, "bad filter") {
                _ = try await f.collections.search(.with {
                    $0.collection = "docs"; $0.queryVector = bytes([rows[0]]); $0.k = 3; $0.filterJson = #"{"n":{"$near":3}}"#
                })
            }
            await expectStatus(.invalidArgument, "wrong dimension") {
                _ = try await f.collections.search(.with { $0.collection = "docs"; $0.queryVector = bytes([[1, 2, 3]]); $0.k = 3 })
            }
            await expectStatus(.notFound, "no such collection") {
                _ = try await f.collections.search(.with { $0.collection = "nope"; $0.queryVector = bytes([rows[0]]); $0.k = 3 })
            }

            let record = try await f.collections.get(.with { $0.collection = "docs"; $0.id = "doc-7" })
            let stored = try embedded.get("doc-7")!
            #expect(record.id == "doc-7" && record.vector == bytes([stored.vector]) && record.metadataJson.contains(#""parity":"odd""#))
            let e = await expectStatus(.notFound, "missing id") { _ = try await f.collections.get(.with { $0.collection = "docs"; $0.id = "doc-x" }) }
            #expect(e?.metadata[stringValues: "sochdb-code"].first(where: { _ in true }) == "121")
            #expect(try await f.collections.delete(.with { $0.collection = "docs"; $0.id = "doc-7" }).existed)
            #expect(try await !f.collections.delete(.with { $0.collection = "docs"; $0.id = "doc-7" }).existed)
            await expectStatus(.notFound, "deleted") { _ = try await f.collections.get(.with { $0.collection = "docs"; $0.id = "doc-7" }) }
            #expect(try await f.collections.getCollectionInfo(.with { $0.name = "docs" }).count == 299)

            _ = try await f.collections.dropCollection(.with { $0.name = "docs" })
            #expect(try await f.collections.listCollections(.init()).names.isEmpty)
            await expectStatus(.notFound, "dropped") { _ = try await f.collections.getCollectionInfo(.with { $0.name = "docs" }) }
        }
    }

    @Test func aBadUpsertMessageFailsAloneAndSaysWhatCommitted() async throws {
        let rows = randomRows(10, 4, seed: 22)
        try await withServer { f in
            _ = try await f.collections.createCollection(.with { $0.name = "c"; $0.dimension = 4 })
            let good = Self.batch("c", ["a", "b"], Array(rows[0..<2]))
            let cases: [(String, Sochdb_V1_UpsertRequest)] = [
                ("short vectors", .with { $0.collection = "c"; $0.ids = ["x", "y"]; $0.vectors = bytes(Array(rows[2..<4])).prefix(20) }),
                ("NaN", Self.batch("c", ["x"], [[1, .nan, 0, 0]])),
                ("metadata count", Self.batch("c", ["x", "y"], Array(rows[2..<4]), [#"{"a":1}"#])),
                ("metadata not an object", Self.batch("c", ["x"], [rows[2]], ["[1,2]"])),
                ("metadata not JSON", Self.batch("c", ["x"], [rows[2]], ["{oops"])),
                ("another collection", Self.batch("other", ["x"], [rows[2]])),
                ("vectors without ids", .with { $0.collection = "c"; $0.vectors = bytes([rows[2]]) }),
            ]
            for (what, bad) in cases {
                let e = await expectStatus(.invalidArgument, what) { _ = try await Self.upsert(f, [good, bad, Self.batch("c", ["z"], [rows[9]])]) }
                #expect(e?.metadata[stringValues: "sochdb-committed"].first(where: { _ in true }) == "2", "\(what)")
                let c = try f.server.database!.collection("c")
                #expect(try c.get("x") == nil && c.get("y") == nil && c.get("z") == nil, "\(what) wrote nothing of its own or after it")
                #expect(try c.get("a") != nil)
            }
            await expectStatus(.notFound, "stream into a missing collection") { _ = try await Self.upsert(f, [Self.batch("none", ["a"], [rows[0]])]) }
            #expect(try await f.collections.getCollectionInfo(.with { $0.name = "c" }).count == 2)
        }
    }

    @Test func aStalledUpsertMeetsTheDefaultDeadline() async throws {
        let rows = randomRows(4, 4, seed: 24)
        try await withServer({ $0.defaultDeadlineMilliseconds = 200 }) { f in
            _ = try await f.collections.createCollection(.with { $0.name = "c"; $0.dimension = 4 })
            let clock = ContinuousClock()
            let start = clock.now
            // One batch, then silence: the server must not wait for the client.
            let e = await expectStatus(.deadlineExceeded, "stalled stream") {
                _ = try await f.collections.upsert(request: StreamingClientRequest(producer: { writer in
                    try await writer.write(Self.batch("c", ["a", "b"], Array(rows[0..<2])))
                    try await Task.sleep(for: .seconds(20))
                }))
            }
            #expect(clock.now - start < .seconds(15), "answered at the deadline, not when the client finished")
            #expect(e?.metadata[stringValues: "sochdb-committed"].first(where: { _ in true }) == "2")
            #expect(try f.server.database!.collection("c").get("b") != nil)
        }
    }

    @Test func withoutADatabaseCollectionsAreFailedPrecondition() async throws {
        try await withServer(database: false) { f in
            await expectStatus(.failedPrecondition) { _ = try await f.collections.listCollections(.init()) }
            await expectStatus(.failedPrecondition) { _ = try await f.collections.createCollection(.with { $0.name = "c"; $0.dimension = 4 }) }
        }
    }

    @Test func writesSurviveARestart() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = randomRows(50, 4, seed: 23)
        try await withServer(in: dir) { f in
            _ = try await f.collections.createCollection(.with { $0.name = "kept"; $0.dimension = 4; $0.metric = "l2" })
            _ = try await Self.upsert(f, [Self.batch("kept", (0..<50).map { "r\($0)" }, rows)])
        }
        try await withServer(in: dir) { f in
            #expect(try await f.collections.getCollectionInfo(.with { $0.name = "kept" }).count == 50)
            let hit = try await f.collections.search(.with { $0.collection = "kept"; $0.queryVector = bytes([rows[33]]); $0.k = 1 })
            #expect(hit.hits.first?.id == "r33")
        }
    }
}
