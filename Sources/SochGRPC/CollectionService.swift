import Foundation
import GRPCCore
import SochDB
import SochVector

/// `sochdb.v1.CollectionService`: the vector collections of the database
/// the server was started on (`--db`). Every write has committed when its
/// call returns. Without a database every call is FAILED_PRECONDITION.
struct CollectionService: Sochdb_V1_CollectionService.SimpleServiceProtocol {
    let database: Database?
    let workers: Workers
    let limits: SearchLimits

    func createCollection(request: Sochdb_V1_CreateCollectionRequest, context: ServerContext) async throws -> Sochdb_V1_CollectionInfo {
        let db = try requireDatabase()
        let metricName = request.metric.isEmpty ? "l2" : request.metric
        guard let metric = Metric(name: metricName) else {
            throw StatusMapping.invalid("unknown metric \"\(request.metric)\" (l2, cosine, ip)")
        }
        guard request.dimension >= 1 else { throw StatusMapping.invalid("dimension must be ≥ 1") }
        let c = try await workers.run(context) {
            try db.createCollection(request.name, dimension: Int(request.dimension), metric: metric,
                                    m: request.m == 0 ? 16 : Int(request.m),
                                    efConstruction: request.efConstruction == 0 ? 100 : Int(request.efConstruction))
        }
        return Self.info(c.info())
    }

    func listCollections(request: Sochdb_V1_ListCollectionsRequest, context: ServerContext) async throws -> Sochdb_V1_ListCollectionsResponse {
        let db = try requireDatabase()
        let names = try await workers.run(context) { try db.listCollections() }
        return .with { $0.names = names }
    }

    func getCollectionInfo(request: Sochdb_V1_CollectionRequest, context: ServerContext) async throws -> Sochdb_V1_CollectionInfo {
        let db = try requireDatabase()
        return Self.info(try await workers.run(context) { try db.collection(request.name).info() })
    }

    func dropCollection(request: Sochdb_V1_CollectionRequest, context: ServerContext) async throws -> Sochdb_V1_DropCollectionResponse {
        let db = try requireDatabase()
        try await workers.run(context) { try db.dropCollection(request.name) }
        return .init()
    }

    func upsert(request: RPCAsyncSequence<Sochdb_V1_UpsertRequest, any Error>, context: ServerContext) async throws -> Sochdb_V1_UpsertResponse {
        let db = try requireDatabase()
        var collection: VectorCollection?
        var upserted: UInt64 = 0
        var lsn: UInt64 = 0
        do {
            for try await message in request {
                if let c = collection, message.collection != c.name, !message.collection.isEmpty {
                    throw StatusMapping.invalid("message names collection \"\(message.collection)\"; this stream writes \"\(c.name)\"")
                }
                if collection == nil {
                    let name = message.collection
                    collection = try await workers.run(context) { try db.collection(name) }
                }
                let c = collection!
                let records = try Self.records(message, dimension: c.dimension)
                if records.isEmpty { continue }
                lsn = try await workers.run(context) { try c.upsert(records) }
                upserted += UInt64(records.count)
            }
            // A cancelled call's request stream ends early: not a success.
            if Task.isCancelled || context.cancellation.isCancelled {
                throw RPCError(code: .cancelled, message: "the call was cancelled (its deadline passed or the client went away)")
            }
        } catch {
            throw Self.partial(StatusMapping.rpcError(error), upserted)
        }
        return .with { $0.upserted = upserted; $0.lsn = lsn }
    }

    func search(request: Sochdb_V1_CollectionSearchRequest, context: ServerContext) async throws -> Sochdb_V1_CollectionSearchResponse {
        let db = try requireDatabase()
        let c = try await workers.run(context) { try db.collection(request.collection) }
        let (k, _) = try limits.check(k: request.k, ef: request.efSearch)
        let ef: Int? = request.efSearch == 0 ? nil : Int(request.efSearch)
        let query = try VectorBytes.vector(request.queryVector, dimension: c.dimension, field: "query_vector")
        var filter: MetadataFilter?
        if !request.filterJson.isEmpty {
            do { filter = try MetadataFilter.parse(json: request.filterJson) } catch {
                throw StatusMapping.invalid("filter_json: \(error)")
            }
        }
        let hits = try await workers.run(context) { [filter] in try c.search(query, k: k, ef: ef, filter: filter) }
        return .with {
            $0.hits = hits.map { h in
                .with { $0.id = h.id; $0.distance = h.distance; $0.metadataJson = MetadataValue.object(h.metadata).json }
            }
        }
    }

    func get(request: Sochdb_V1_GetRequest, context: ServerContext) async throws -> Sochdb_V1_Record {
        let db = try requireDatabase()
        let record = try await workers.run(context) { try db.collection(request.collection).get(request.id) }
        guard let record else {
            throw RPCError(code: .notFound, message: "collection \"\(request.collection)\" holds no record \"\(request.id)\"",
                           metadata: ["sochdb-code": "121"])
        }
        return .with {
            $0.id = record.id
            $0.vector = VectorBytes.encode(record.vector)
            $0.metadataJson = MetadataValue.object(record.metadata).json
        }
    }

    func delete(request: Sochdb_V1_DeleteRequest, context: ServerContext) async throws -> Sochdb_V1_DeleteResponse {
        let db = try requireDatabase()
        let existed = try await workers.run(context) { try db.collection(request.collection).delete(request.id) }
        return .with { $0.existed = existed }
    }

    // MARK: - Helpers

    private func requireDatabase() throws(RPCError) -> Database {
        guard let database else {
            throw RPCError(code: .failedPrecondition, message: "this server serves no collections: start it with --db DIR")
        }
        return database
    }


    /// One Upsert message's records, checked in full before any is written.
    static func records(_ m: Sochdb_V1_UpsertRequest, dimension: Int) throws(RPCError) -> [CollectionRecord] {
        let n = m.ids.count
        guard m.metadataJson.isEmpty || m.metadataJson.count == n else {
            throw StatusMapping.invalid("metadata_json has \(m.metadataJson.count) entries for \(n) ids (give none or one per id)")
        }
        if n == 0 {
            guard m.vectors.isEmpty else { throw StatusMapping.invalid("vectors given without ids") }
            return []
        }
        guard m.vectors.count == n * dimension * 4 else {
            throw StatusMapping.invalid("vectors: \(m.vectors.count) bytes for \(n) ids of dimension \(dimension) (want \(n * dimension * 4))")
        }
        let flat = try VectorBytes.matrix(m.vectors, dimension: dimension, field: "vectors").flatArray
        var records: [CollectionRecord] = []
        records.reserveCapacity(n)
        for i in 0..<n {
            var metadata: SochDB.Metadata = [:]
            if !m.metadataJson.isEmpty, !m.metadataJson[i].isEmpty {
                guard case .object(let o)? = try? JSONReader.parse(m.metadataJson[i]) else {
                    throw StatusMapping.invalid("metadata_json[\(i)] is not a JSON object")
                }
                metadata = o
            }
            records.append(CollectionRecord(id: m.ids[i], vector: Array(flat[i * dimension..<(i + 1) * dimension]), metadata: metadata))
        }
        return records
    }

    /// `error` with how many records the stream had committed before it.
    static func partial(_ error: RPCError, _ committed: UInt64) -> RPCError {
        var e = error
        e.message += " (\(committed) records of earlier messages were committed)"
        e.metadata.addString("\(committed)", forKey: "sochdb-committed")
        return e
    }

    static func info(_ i: CollectionInfo) -> Sochdb_V1_CollectionInfo {
        .with {
            $0.name = i.config.name
            $0.dimension = UInt32(i.config.dimension)
            $0.metric = i.config.metric.rawValue
            $0.m = UInt32(i.config.m)
            $0.efConstruction = UInt32(i.config.efConstruction)
            $0.count = UInt64(i.count)
            $0.graphNodes = UInt64(i.graphNodes)
            $0.tombstones = UInt64(i.tombstones)
            $0.rebuilds = UInt64(i.rebuilds)
        }
    }
}
