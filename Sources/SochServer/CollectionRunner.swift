import Foundation
import SochDB
import SochWire

/// The collection requests (0x20–0x27). Upserts and deletes go through the
/// connection's transaction when one is open (committing with its other
/// writes), otherwise each commits on its own; searches and info read the
/// committed graph.
struct CollectionRunner {
    let database: Database
    let transaction: DatabaseTransaction?

    func run(_ request: Request) throws(SochDBError) -> Response {
        switch request {
        case .collectionCreate(let s):
            guard let metric = Metric(name: s.metric) else { throw .invalidArgument("unknown metric \"\(s.metric)\" (l2, ip, cosine)") }
            try database.createCollection(s.name, dimension: Int(s.dimension), metric: metric,
                                          m: Int(s.m), efConstruction: Int(s.efConstruction))
            return .ok
        case let .collectionUpsert(name, records):
            let c = try database.collection(name)
            var parsed: [CollectionRecord] = []
            parsed.reserveCapacity(records.count)
            for r in records {
                parsed.append(CollectionRecord(id: r.id, vector: r.vector, metadata: try Self.metadata(r.metadataJSON)))
            }
            if let transaction { try c.upsert(parsed, in: transaction) } else { try c.upsert(parsed) }
            return .ok
        case let .collectionGet(name, id):
            let c = try database.collection(name)
            let rec = if let transaction { try c.get(id, in: transaction) } else { try c.get(id) }
            guard let rec else { return .notFound }
            return .value(WireRecord(id: id, vector: rec.vector, metadataJSON: MetadataValue.object(rec.metadata).json).encodeValue())
        case let .collectionDelete(name, id):
            let c = try database.collection(name)
            let existed = if let transaction { try c.delete(id, in: transaction) } else { try c.delete(id) }
            return existed ? .ok : .notFound
        case .collectionSearch(let s):
            let c = try database.collection(s.collection)
            var filter: MetadataFilter?
            if !s.filterJSON.isEmpty {
                do { filter = try MetadataFilter.parse(json: s.filterJSON) } catch {
                    throw .invalidArgument("filter: \(error)")
                }
            }
            let hits = try c.search(s.vector, k: Int(s.k), ef: s.ef == 0 ? nil : Int(s.ef), filter: filter)
            return .searchResults(hits.map {
                WireHit(id: $0.id, distance: $0.distance, metadataJSON: MetadataValue.object($0.metadata).json)
            })
        case .collectionInfo(let name):
            return .value(Array(try database.collection(name).info().json.utf8))
        case .collectionList:
            let names = try database.listCollections()
            return .value(Array(MetadataValue.list(names.map { .string($0) }).json.utf8))
        case .collectionDrop(let name):
            try database.dropCollection(name)
            return .ok
        default:
            throw .protocol("opcode 0x\(String(request.opcode.rawValue, radix: 16, uppercase: true)) is not a request this server runs")
        }
    }

    static func metadata(_ json: String) throws(SochDBError) -> Metadata {
        if json.isEmpty { return [:] }
        guard case .object(let o)? = try? JSONDecoder().decode(MetadataValue.self, from: Data(json.utf8)) else {
            throw .invalidArgument("metadata must be a JSON object")
        }
        return o
    }
}
