import Foundation
import SochDB
import SochWire

/// Vector collections over IPC (opcodes 0x20–0x27). Upserts and deletes
/// join the connection's open transaction, if any.
extension IpcClient {
    public func createCollection(_ name: String, dimension: Int, metric: Metric = .l2,
                                 m: Int = 16, efConstruction: Int = 100) throws(SochDBError) {
        guard let dim = UInt32(exactly: dimension), let m16 = UInt16(exactly: m), let ef16 = UInt16(exactly: efConstruction) else {
            throw .invalidArgument("dimension, m or efConstruction out of range")
        }
        try expect(.collectionCreate(CollectionSpec(name: name, dimension: dim, metric: metric.rawValue, m: m16, efConstruction: ef16)))
    }

    /// Upserts a batch in one commit (or in the open transaction). Every
    /// vector must have the same length.
    public func upsert(collection: String, _ records: [CollectionRecord]) throws(SochDBError) {
        guard let dim = records.first?.vector.count else { return }
        guard records.allSatisfy({ $0.vector.count == dim }) else {
            throw .invalidArgument("every vector of one upsert must have the same dimension")
        }
        try expect(.collectionUpsert(collection: collection, records: records.map {
            WireRecord(id: $0.id, vector: $0.vector, metadataJSON: MetadataValue.object($0.metadata).json)
        }))
    }

    public func upsert(collection: String, id: String, vector: [Float], metadata: Metadata = [:]) throws(SochDBError) {
        try upsert(collection: collection, [CollectionRecord(id: id, vector: vector, metadata: metadata)])
    }

    /// The `k` nearest records, with `filter` in the JSON filter language
    /// (docs/filters.md).
    public func search(collection: String, vector: [Float], k: Int = 10, ef: Int? = nil,
                       filter: String? = nil) throws(SochDBError) -> [CollectionSearchResult] {
        let r = try send(.collectionSearch(WireSearch(collection: collection, k: UInt32(clamping: max(0, k)),
                                                     ef: UInt32(clamping: max(0, ef ?? 0)),
                                                     filterJSON: filter ?? "", vector: vector)))
        switch r {
        case .searchResults(let hits):
            var out: [CollectionSearchResult] = []
            for h in hits { out.append(CollectionSearchResult(id: h.id, distance: h.distance, metadata: try Self.metadata(h.metadataJSON))) }
            return out
        case let .error(code, message): throw Self.error(code: code, message: message)
        default: throw .protocol("unexpected reply to COLLECTION_SEARCH")
        }
    }

    public func getVector(collection: String, id: String) throws(SochDBError) -> CollectionRecord? {
        switch try send(.collectionGet(collection: collection, id: id)) {
        case .value(let bytes):
            let rec: WireRecord
            do { rec = try WireRecord.decodeValue(id: id, bytes) } catch { throw .protocol("bad COLLECTION_GET reply: \(error)") }
            return CollectionRecord(id: id, vector: rec.vector, metadata: try Self.metadata(rec.metadataJSON))
        case .notFound: return nil
        case let .error(code, message): throw Self.error(code: code, message: message)
        default: throw .protocol("unexpected reply to COLLECTION_GET")
        }
    }

    /// Deletes a record; false if there was none.
    @discardableResult
    public func deleteVector(collection: String, id: String) throws(SochDBError) -> Bool {
        switch try send(.collectionDelete(collection: collection, id: id)) {
        case .ok: return true
        case .notFound: return false
        case let .error(code, message): throw Self.error(code: code, message: message)
        default: throw .protocol("unexpected reply to COLLECTION_DELETE")
        }
    }

    /// The collection's configuration and counts (JSON fields of docs/protocol/ipc.md).
    public func collectionInfo(_ name: String) throws(SochDBError) -> [String: MetadataValue] {
        guard case .object(let o) = try json(.collectionInfo(collection: name)) else { throw .protocol("bad COLLECTION_INFO reply") }
        return o
    }

    public func listCollections() throws(SochDBError) -> [String] {
        guard case .list(let items) = try json(.collectionList) else { throw .protocol("bad COLLECTION_LIST reply") }
        return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    public func dropCollection(_ name: String) throws(SochDBError) { try expect(.collectionDrop(collection: name)) }

    private func expect(_ request: Request) throws(SochDBError) {
        switch try send(request) {
        case .ok: return
        case let .error(code, message): throw Self.error(code: code, message: message)
        default: throw .protocol("unexpected reply to \(request.opcode)")
        }
    }

    private func json(_ request: Request) throws(SochDBError) -> MetadataValue {
        switch try send(request) {
        case .value(let bytes):
            guard let v = try? JSONDecoder().decode(MetadataValue.self, from: Data(bytes)) else { throw .protocol("reply is not JSON") }
            return v
        case let .error(code, message): throw Self.error(code: code, message: message)
        default: throw .protocol("unexpected reply to \(request.opcode)")
        }
    }

    static func metadata(_ json: String) throws(SochDBError) -> Metadata {
        guard case .object(let o)? = try? JSONDecoder().decode(MetadataValue.self, from: Data(json.utf8)) else {
            throw .protocol("metadata in a reply is not a JSON object")
        }
        return o
    }
}
