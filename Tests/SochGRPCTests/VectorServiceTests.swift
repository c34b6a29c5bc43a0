import Foundation
import GRPCCore
import SochDB
@testable import SochGRPC
import Testing

/// VectorService against index files, client and server in one process.
@Suite struct VectorServiceTests {
    let rows = randomRows(600, 24, seed: 7)
    var ids: [Int64] { (0..<Int64(rows.count)).map { 10_000 + $0 * 3 } }
    let queries = randomRows(25, 24, seed: 8)

    @Test func searchBatchAndStreamEqualTheIndex() async throws {
        try await withServer(database: false) { f in
            let index = try writeIndex(rows, ids: ids, to: f.indexes + "/a.hnsw")
            try FileManager.default.createDirectory(atPath: f.indexes + "/sub", withIntermediateDirectories: true)
            let cosine = try writeIndex(rows, ids: ids, metric: .cosine, to: f.indexes + "/sub/c.hnsw")
            for (path, reference) in [("a.hnsw", index), ("sub/c.hnsw", cosine)] {
                var expected: [[SearchResult]] = []
                for q in queries {
                    let want = try reference.search(q, k: 10, ef: 64)
                    let got = try await f.vectors.search(.with {
                        $0.indexPath = path; $0.queryVector = bytes([q]); $0.k = 10; $0.efSearch = 64
                    })
                    #expect(got.neighbors.map(\.id) == want.map(\.id), "\(path)")
                    #expect(got.neighbors.map(\.distance) == want.map(\.distance), "\(path)")
                    expected.append(want)
                }
                let batch = try await f.vectors.searchBatch(.with {
                    $0.indexPath = path; $0.queryVectors = bytes(queries); $0.k = 10; $0.efSearch = 64
                })
                #expect(batch.k == 10 && batch.firstQuery == 0 && batch.counts == Array(repeating: 10, count: queries.count))
                #expect(batch.ids == expected.flatMap { $0.map(\.id) })
                #expect(batch.distances == expected.flatMap { $0.map(\.distance) })
                let chunks = try await f.vectors.searchStream(.with {
                    $0.indexPath = path; $0.queryVectors = bytes(queries); $0.k = 10; $0.efSearch = 64; $0.chunkQueries = 7
                }) { response in
                    var all: [Sochdb_V1_VectorSearchBatchResponse] = []
                    for try await m in response.messages { all.append(m) }
                    return all
                }
                #expect(chunks.map(\.firstQuery) == [0, 7, 14, 21])
                #expect(chunks.map(\.counts.count) == [7, 7, 7, 4])
                #expect(chunks.flatMap(\.ids) == batch.ids && chunks.flatMap(\.distances) == batch.distances)
            }
            let info = try await f.vectors.info(.with { $0.indexPath = "a.hnsw" })
            #expect(info.dimension == 24 && info.vectors == 600 && info.deleted == 0 && info.metric == "l2")
            #expect(info.maxConnections == 16 && info.efConstruction == 100 && info.hasEntryPoint && info.formatVersion >= 1)
            #expect(info.fileBytes == UInt64(try FileManager.default.attributesOfItem(atPath: f.indexes + "/a.hnsw")[.size] as! Int))
            #expect(try await f.vectors.info(.with { $0.indexPath = "sub/c.hnsw" }).metric == "cosine")
        }
    }

    @Test func fewerVectorsThanKArePadded() async throws {
        try await withServer(database: false) { f in
            try writeIndex(Array(rows.prefix(4)), ids: [5, 6, 7, 8], to: f.indexes + "/small.hnsw")
            let one = try await f.vectors.search(.with { $0.indexPath = "small.hnsw"; $0.queryVector = bytes([queries[0]]); $0.k = 10 })
            #expect(Set(one.neighbors.map(\.id)) == [5, 6, 7, 8])
            let batch = try await f.vectors.searchBatch(.with {
                $0.indexPath = "small.hnsw"; $0.queryVectors = bytes(Array(queries.prefix(2))); $0.k = 6
            })
            #expect(batch.counts == [4, 4] && batch.ids.count == 12)
            #expect(batch.ids[4...5] == [-1, -1] && batch.distances[4...5].allSatisfy { $0 == .infinity })
        }
    }

    @Test func badRequestsGetTheirStatusAndChangeNothing() async throws {
        try await withServer(database: false, { $0.maxK = 100; $0.maxEf = 500 }) { f in
            try writeIndex(rows, ids: ids, to: f.indexes + "/a.hnsw")
            try writeIndex(rows, ids: ids, metric: .cosine, to: f.indexes + "/c.hnsw")
            let outside = f.directory + "/outside.hnsw"
            try writeIndex(rows, to: outside)
            try FileManager.default.createSymbolicLink(atPath: f.indexes + "/link.hnsw", withDestinationPath: outside)
            try FileManager.default.createDirectory(atPath: f.indexes + "/folder.hnsw", withIntermediateDirectories: true)
            let q = bytes([queries[0]])
            func search(_ vector: Data, path: String = "a.hnsw", k: UInt32 = 10, ef: UInt32 = 0) async throws {
                _ = try await f.vectors.search(.with { $0.indexPath = path; $0.queryVector = vector; $0.k = k; $0.efSearch = ef })
            }
            await expectStatus(.invalidArgument, "3 stray bytes") { try await search(q + Data([1, 2, 3])) }
            await expectStatus(.invalidArgument, "wrong dimension") { try await search(q.prefix(23 * 4)) }
            await expectStatus(.invalidArgument, "empty vector") { try await search(Data()) }
            var nan = queries[0]; nan[5] = .nan
            await expectStatus(.invalidArgument, "NaN") { try await search(bytes([nan])) }
            var inf = queries[0]; inf[0] = -.infinity
            await expectStatus(.invalidArgument, "infinity") { try await search(bytes([inf])) }
            await expectStatus(.invalidArgument, "k = 0") { try await search(q, k: 0) }
            await expectStatus(.invalidArgument, "k over max") { try await search(q, k: 101) }
            await expectStatus(.invalidArgument, "ef over max") { try await search(q, ef: 501) }
            await expectStatus(.invalidArgument, "zero vector under cosine") { try await search(bytes([[Float](repeating: 0, count: 24)]), path: "c.hnsw") }
            await expectStatus(.invalidArgument, "..") { try await search(q, path: "../outside.hnsw") }
            await expectStatus(.invalidArgument, "../ deep") { try await search(q, path: "sub/../../outside.hnsw") }
            await expectStatus(.invalidArgument, "absolute outside") { try await search(q, path: outside) }
            await expectStatus(.invalidArgument, "/etc/passwd") { try await search(q, path: "/etc/passwd") }
            await expectStatus(.invalidArgument, "symlink out") { try await search(q, path: "link.hnsw") }
            await expectStatus(.invalidArgument, "empty path") { try await search(q, path: "") }
            await expectStatus(.invalidArgument, "NUL") { try await search(q, path: "a.hnsw\u{0}x") }
            await expectStatus(.notFound, "missing") { try await search(q, path: "missing.hnsw") }
            await expectStatus(.notFound, "missing below") { try await search(q, path: "../indexes/nope/x.hnsw") }
            await expectStatus(.notFound, "a folder") { try await search(q, path: "folder.hnsw") }
            let batch = bytes(Array(queries.prefix(3)))
            await expectStatus(.invalidArgument, "batch of partial rows") {
                _ = try await f.vectors.searchBatch(.with { $0.indexPath = "a.hnsw"; $0.queryVectors = batch.prefix(24 * 4 * 2 + 8); $0.k = 5 })
            }
            await expectStatus(.invalidArgument, "empty batch") {
                _ = try await f.vectors.searchBatch(.with { $0.indexPath = "a.hnsw"; $0.k = 5 })
            }
            var zeroRow = Array(queries.prefix(3)); zeroRow[2] = [Float](repeating: 0, count: 24)
            await expectStatus(.invalidArgument, "batch with a zero row under cosine") {
                _ = try await f.vectors.searchBatch(.with { $0.indexPath = "c.hnsw"; $0.queryVectors = bytes(zeroRow); $0.k = 5 })
            }
            // Absolute paths inside the folder are fine, and the server still answers.
            let ok = try await f.vectors.search(.with { $0.indexPath = f.indexes + "/./a.hnsw"; $0.queryVector = q; $0.k = 3 })
            #expect(ok.neighbors.count == 3)
        }
    }

    @Test func aCorruptFileIsDataLossAndTheServerStaysUp() async throws {
        try await withServer(database: false) { f in
            let good = try writeIndex(rows, ids: ids, to: f.indexes + "/a.hnsw")
            _ = good
            let data = try Data(contentsOf: URL(fileURLWithPath: f.indexes + "/a.hnsw"))
            try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: f.indexes + "/garbage.hnsw"))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: f.indexes + "/truncated.hnsw"))
            try Data().write(to: URL(fileURLWithPath: f.indexes + "/empty.hnsw"))
            let q = bytes([queries[0]])
            for name in ["garbage.hnsw", "truncated.hnsw", "empty.hnsw"] {
                let e = await expectStatus(.dataLoss, name) {
                    _ = try await f.vectors.search(.with { $0.indexPath = name; $0.queryVector = q; $0.k = 5 })
                }
                #expect(e?.metadata[stringValues: "sochdb-code"].first(where: { _ in true }) != nil, "\(name) carries its SochDB code")
                await expectStatus(.dataLoss, name + " info") { _ = try await f.vectors.info(.with { $0.indexPath = name }) }
            }
            let ok = try await f.vectors.search(.with { $0.indexPath = "a.hnsw"; $0.queryVector = q; $0.k = 5 })
            #expect(ok.neighbors.count == 5)
        }
    }

    @Test func aReplacedFileIsReopenedAndTheCacheIsBounded() async throws {
        try await withServer(database: false, { $0.maxOpenIndexes = 2 }) { f in
            let q = bytes([rows[3]])
            try writeIndex(rows, ids: ids, to: f.indexes + "/a.hnsw")
            let before = try await f.vectors.search(.with { $0.indexPath = "a.hnsw"; $0.queryVector = q; $0.k = 1 })
            #expect(before.neighbors.first?.id == ids[3])
            // Replaced by rename, as sochdb-bulk build-index writes it.
            try writeIndex(rows, ids: ids.map { $0 + 1 }, to: f.indexes + "/a.hnsw")
            let after = try await f.vectors.search(.with { $0.indexPath = "a.hnsw"; $0.queryVector = q; $0.k = 1 })
            #expect(after.neighbors.first?.id == ids[3] + 1)
            #expect(f.server.cache.counts.opens == 2)
            _ = try await f.vectors.search(.with { $0.indexPath = "a.hnsw"; $0.queryVector = q; $0.k = 1 })
            #expect(f.server.cache.counts.opens == 2, "an unchanged file is not reopened")
            for name in ["b", "c", "d"] {
                try writeIndex(Array(rows.prefix(50)), to: f.indexes + "/\(name).hnsw")
                _ = try await f.vectors.info(.with { $0.indexPath = name + ".hnsw" })
                #expect(f.server.cache.counts.open <= 2)
            }
        }
    }

    @Test func deadlinesAreHonoured() async throws {
        let many = randomRows(30_000, 24, seed: 9)
        try await withServer(database: false, { $0.defaultDeadlineMilliseconds = 100 }) { f in
            // 30,000 queries that each visit all 3,000 vectors: seconds of work.
            try writeIndex(randomRows(3_000, 24, seed: 10), to: f.indexes + "/a.hnsw")
            let heavy = Sochdb_V1_VectorSearchBatchRequest.with {
                $0.indexPath = "a.hnsw"; $0.queryVectors = bytes(many); $0.k = 100; $0.efSearch = 3_000
            }
            // The client's own deadline.
            var options = CallOptions.defaults
            options.timeout = .milliseconds(50)
            await expectStatus(.deadlineExceeded, "client deadline") {
                _ = try await f.vectors.searchBatch(heavy, options: options)
            }
            // The server's default deadline, for a call that set none: unary and streamed.
            let clock = ContinuousClock()
            let start = clock.now
            let e = await expectStatus(.deadlineExceeded, "default deadline") { _ = try await f.vectors.searchBatch(heavy) }
            #expect(e?.message.contains("default deadline") == true)
            // The whole batch takes about 40 s on one core here; stopping at
            // the deadline takes well under a second alone, a few seconds
            // beside the rest of the suite on 2 cores.
            #expect(clock.now - start < .seconds(20), "the work stopped at the deadline, not at its end")
            await expectStatus(.deadlineExceeded, "default deadline, streamed") {
                try await f.vectors.searchStream(heavy) { response in for try await _ in response.messages {} }
            }
            // A longer client deadline overrides the default.
            var generous = CallOptions.defaults
            generous.timeout = .seconds(120)
            let light = Sochdb_V1_VectorSearchBatchRequest.with {
                $0.indexPath = "a.hnsw"; $0.queryVectors = bytes(Array(many.prefix(2_000))); $0.k = 10; $0.efSearch = 400
            }
            let done = try await f.vectors.searchBatch(light, options: generous)
            #expect(done.counts.count == 2_000)
        }
    }

    @Test func oversizedResponsesAreRefusedUpFront() async throws {
        try await withServer(database: false, { $0.maxMessageBytes = 64 << 10 }) { f in
            try writeIndex(rows, ids: ids, to: f.indexes + "/a.hnsw")
            let queries = randomRows(200, 24, seed: 11)
            let request = Sochdb_V1_VectorSearchBatchRequest.with {
                $0.indexPath = "a.hnsw"; $0.queryVectors = bytes(queries); $0.k = 50
            }
            await expectStatus(.resourceExhausted, "200 × 50 results in 64 KiB") { _ = try await f.vectors.searchBatch(request) }
            var streamed = request
            streamed.chunkQueries = 40
            let total = try await f.vectors.searchStream(streamed) { response in
                var n = 0
                for try await m in response.messages { n += m.counts.count }
                return n
            }
            #expect(total == 200)
            // A request over the limit is refused by the transport before it is
            // read: grpc-swift resets the stream, which the client sees as
            // RESOURCE_EXHAUSTED or UNAVAILABLE. The server goes on answering.
            do {
                _ = try await f.vectors.searchBatch(.with {
                    $0.indexPath = "a.hnsw"; $0.queryVectors = bytes(randomRows(1_000, 24, seed: 12)); $0.k = 1
                })
                Issue.record("a 96 KB request passed a 64 KiB limit")
            } catch let e as RPCError {
                #expect([.resourceExhausted, .unavailable].contains(e.code), "\(e)")
            }
            #expect(try await f.vectors.searchBatch(.with { $0.indexPath = "a.hnsw"; $0.queryVectors = bytes(queries); $0.k = 2 }).counts.count == 200)
        }
    }

    @Test func concurrentClientsGetTheirOwnAnswers() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let index = try writeIndex(rows, ids: ids, to: dir + "/indexes/a.hnsw")
        let expected = try queries.map { try index.search($0, k: 5, ef: 32).map(\.id) }
        let queries = self.queries
        try await withServer(database: false, in: dir) { f in
            let port = f.server.port
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        try await withGRPCClient(transport: try clientTransport(port: port)) { client in
                            let vectors = Sochdb_V1_VectorService.Client(wrapping: client)
                            for round in 0..<30 {
                                let i = (worker * 7 + round) % queries.count
                                let got = try await vectors.search(.with {
                                    $0.indexPath = "a.hnsw"; $0.queryVector = bytes([queries[i]]); $0.k = 5; $0.efSearch = 32
                                })
                                #expect(got.neighbors.map(\.id) == expected[i])
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(f.server.cache.counts.opens == 1)
        }
    }
}
