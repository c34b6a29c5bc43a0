import Foundation
import GRPCCore
import SochVector

/// `sochdb.v1.VectorService`: searches over the index files under the
/// server's index directory (docs/protocol/grpc.md). Requests are checked in
/// full before any search runs; a bad one gets INVALID_ARGUMENT or
/// NOT_FOUND and touches nothing.
struct VectorService: Sochdb_V1_VectorService.SimpleServiceProtocol {
    let directory: IndexDirectory
    let cache: IndexCache
    let workers: Workers
    let limits: SearchLimits
    /// Pieces of one batch searched at once (the machine's cores).
    let parallelism: Int
    /// Queries handed to a worker at a time; cancellation is checked between.
    static let piece = 64
    static let defaultChunkQueries = 256

    func search(request: Sochdb_V1_VectorSearchRequest, context: ServerContext) async throws -> Sochdb_V1_VectorSearchResponse {
        let index = try open(request.indexPath)
        let (k, ef) = try limits.check(k: request.k, ef: request.efSearch)
        let query = try VectorBytes.vector(request.queryVector, dimension: index.dimension, field: "query_vector")
        let hits = try await workers.run(context) { try index.search(query, k: k, ef: ef) }
        return .with { $0.neighbors = hits.map { h in .with { $0.id = h.id; $0.distance = h.distance } } }
    }

    func searchBatch(request: Sochdb_V1_VectorSearchBatchRequest, context: ServerContext) async throws -> Sochdb_V1_VectorSearchBatchResponse {
        let (index, queries, k, ef) = try checkBatch(request, streamed: false)
        var response = Sochdb_V1_VectorSearchBatchResponse()
        response.k = UInt32(k)
        response.firstQuery = 0
        try await searchRows(index, queries, 0..<queries.count, k: k, ef: ef, context: context, into: &response)
        return response
    }

    func searchStream(request: Sochdb_V1_VectorSearchBatchRequest, response: RPCWriter<Sochdb_V1_VectorSearchBatchResponse>,
                      context: ServerContext) async throws {
        let (index, queries, k, ef) = try checkBatch(request, streamed: true)
        let chunk = Self.chunk(request)
        var first = 0
        while first < queries.count {
            let rows = first..<min(first + chunk, queries.count)
            var message = Sochdb_V1_VectorSearchBatchResponse()
            message.k = UInt32(k)
            message.firstQuery = UInt32(first)
            try await searchRows(index, queries, rows, k: k, ef: ef, context: context, into: &message)
            try await response.write(message)
            first = rows.upperBound
        }
    }

    func info(request: Sochdb_V1_IndexInfoRequest, context: ServerContext) async throws -> Sochdb_V1_IndexInfoResponse {
        let index = try open(request.indexPath)
        let info = try await workers.run(context) { index.info }
        return .with {
            $0.dimension = UInt32(info.dimension)
            $0.vectors = UInt64(info.count - info.deletedCount)
            $0.deleted = UInt64(info.deletedCount)
            $0.metric = info.metric.rawValue
            $0.maxConnections = UInt32(info.m)
            $0.efConstruction = UInt32(info.efConstruction)
            if let entry = info.entryPoint { $0.entryPoint = entry }
            $0.maxLevel = UInt32(info.maxLevel)
            $0.fileBytes = UInt64(info.fileSizeBytes ?? 0)
            $0.formatVersion = UInt32(info.formatVersion)
        }
    }

    static func chunk(_ request: Sochdb_V1_VectorSearchBatchRequest) -> Int {
        request.chunkQueries == 0 ? defaultChunkQueries : Int(request.chunkQueries)
    }

    private func open(_ requested: String) throws(RPCError) -> HNSWIndex {
        try cache.index(try directory.resolve(requested))
    }

    private func checkBatch(_ request: Sochdb_V1_VectorSearchBatchRequest, streamed: Bool) throws(RPCError) -> (HNSWIndex, VectorMatrix, Int, Int) {
        let index = try open(request.indexPath)
        let (k, ef) = try limits.check(k: request.k, ef: request.efSearch)
        let queries = try VectorBytes.matrix(request.queryVectors, dimension: index.dimension, field: "query_vectors")
        let perMessage = streamed ? min(queries.count, Self.chunk(request)) : queries.count
        guard SearchLimits.responseBytes(queries: perMessage, k: k) <= limits.maxResponseBytes else {
            throw RPCError(code: .resourceExhausted,
                           message: "results of \(perMessage) queries × k=\(k) would pass the server's \(limits.maxResponseBytes)-byte message limit"
                               + (streamed ? ": ask for a smaller chunk_queries" : ": use SearchStream"),
                           metadata: ["sochdb-code": "702"])
        }
        if index.metric == .cosine {
            for i in 0..<queries.count where queries.withRow(i, { row in (0..<queries.dimension).allSatisfy { row[$0] == 0 } }) {
                throw StatusMapping.invalid("query_vectors: row \(i) is the zero vector, which has no cosine distance")
            }
        }
        return (index, queries, k, ef)
    }

    /// Searches `rows` of `queries` a piece at a time, up to `parallelism`
    /// pieces at once (one core each), appending to `out` in query order.
    private func searchRows(_ index: HNSWIndex, _ queries: VectorMatrix, _ rows: Range<Int>, k: Int, ef: Int,
                            context: ServerContext, into out: inout Sochdb_V1_VectorSearchBatchResponse) async throws {
        let pieces = stride(from: rows.lowerBound, to: rows.upperBound, by: Self.piece).map {
            $0..<min($0 + Self.piece, rows.upperBound)
        }
        var results = [BatchSearchResults?](repeating: nil, count: pieces.count)
        let workers = self.workers
        try await withThrowingTaskGroup(of: (Int, BatchSearchResults).self) { group in
            for (i, piece) in pieces.enumerated() {
                if i >= parallelism, let (j, r) = try await group.next() { results[j] = r }
                group.addTask {
                    (i, try await workers.run(context) { try index.searchBatch(queries.rows(piece), k: k, ef: ef, threads: 1) })
                }
            }
            for try await (j, r) in group { results[j] = r }
        }
        out.counts.reserveCapacity(out.counts.count + rows.count)
        out.ids.reserveCapacity(out.ids.count + rows.count * k)
        out.distances.reserveCapacity(out.distances.count + rows.count * k)
        for case let r? in results {
            for q in 0..<r.queryCount {
                var n = 0
                while n < k && !(r.ids[q * k + n] < 0 && r.distances[q * k + n] == .infinity) { n += 1 }
                out.counts.append(UInt32(n))
            }
            out.ids.append(contentsOf: r.ids)
            out.distances.append(contentsOf: r.distances)
        }
    }
}

/// The k and ef a search may ask for (GRPCServerConfiguration.maxK, maxEf).
struct SearchLimits: Sendable {
    let maxK: Int
    let maxEf: Int
    /// The largest message the server sends.
    let maxResponseBytes: Int

    /// Bytes a batch response of `queries` × `k` neighbours takes at most
    /// (packed id and distance, a count, field overhead).
    static func responseBytes(queries: Int, k: Int) -> Int { queries * (k * 14 + 5) + 64 }

    /// k and the effective ef (0 → max(k, 64); raised to k).
    func check(k: UInt32, ef: UInt32) throws(RPCError) -> (Int, Int) {
        guard k >= 1, Int(k) <= maxK else { throw StatusMapping.invalid("k must be 1...\(maxK), got \(k)") }
        guard Int(ef) <= maxEf else { throw StatusMapping.invalid("ef_search must be 0...\(maxEf), got \(ef)") }
        return (Int(k), max(ef == 0 ? 64 : Int(ef), Int(k)))
    }
}
