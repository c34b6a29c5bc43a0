import CSochFFI
import Foundation
import SochDB

// sochdb_collection_* (include/sochdb.h, "Vector collections").

/// What a `sochdb_collection *` points to; keeps its database alive.
final class CollectionHandle {
    let database: Database
    let collection: VectorCollection
    init(_ database: Database, _ collection: VectorCollection) { self.database = database; self.collection = collection }
}

func collection(_ pointer: OpaquePointer?) throws(SochDBError) -> VectorCollection {
    try Handle.get(pointer, as: CollectionHandle.self, "collection").collection
}

@_cdecl("sochdb_collection_create")
public func sochdb_collection_create(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ dimension: Int,
                                     _ metric: UnsafePointer<CChar>?, _ m: Int, _ efConstruction: Int,
                                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db), o = try required(out, "out_collection")
        let n = try string(name, "name")
        let metricName = try optionalString(metric, "metric") ?? "l2"
        guard let parsed = Metric(name: metricName) else { throw invalid("unknown metric \"\(metricName)\" (l2, cosine, ip)") }
        guard m >= 0, efConstruction >= 0 else { throw invalid("m and ef_construction must be ≥ 0") }
        let c = try d.createCollection(n, dimension: dimension, metric: parsed,
                                       m: m == 0 ? 16 : m, efConstruction: efConstruction == 0 ? 100 : efConstruction)
        o.pointee = Handle.make(CollectionHandle(d, c))
    }
}

@_cdecl("sochdb_collection_open")
public func sochdb_collection_open(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db), o = try required(out, "out_collection")
        o.pointee = Handle.make(CollectionHandle(d, try d.collection(try string(name, "name"))))
    }
}

@_cdecl("sochdb_collection_release")
public func sochdb_collection_release(_ c: OpaquePointer?) { Handle.release(c, as: CollectionHandle.self) }

@_cdecl("sochdb_collection_drop")
public func sochdb_collection_drop(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    ffiCall { () throws(SochDBError) in try database(db).dropCollection(try string(name, "name")) }
}

@_cdecl("sochdb_collection_list")
public func sochdb_collection_list(_ db: OpaquePointer?, _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outJSON, "out_json")
        let names = try database(db).listCollections()
        out.pointee = try mallocString(MetadataValue.list(names.map { .string($0) }).json)
    }
}

@_cdecl("sochdb_collection_info")
public func sochdb_collection_info(_ c: OpaquePointer?, _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outJSON, "out_json")
        out.pointee = try mallocString(try collection(c).info().json)
    }
}

@_cdecl("sochdb_collection_count")
public func sochdb_collection_count(_ c: OpaquePointer?, _ outCount: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outCount, "out_count")
        out.pointee = UInt64(try collection(c).count)
    }
}

/// The records of an upsert call, checked against the caller's lengths.
private func records(count: Int, ids: UnsafePointer<CChar>?, offsets: UnsafePointer<UInt64>?,
                     vectors: UnsafePointer<Float>?, dimension: Int, metadatas: String?) throws(SochDBError) -> [CollectionRecord] {
    guard count > 0 else { return [] }
    guard let ids, let offsets else { throw invalid("ids and id_offsets may not be NULL") }
    guard let vectors else { throw invalid("vectors is NULL") }
    _ = try product(count, dimension, "count × dimension")
    var metadata: [MetadataValue]?
    if let metadatas {
        guard case .list(let list) = try parseJSON(metadatas, "metadatas_json"), list.count == count else {
            throw invalid("metadatas_json must be a JSON array of \(count) objects")
        }
        metadata = list
    }
    let raw = UnsafeRawPointer(ids).assumingMemoryBound(to: UInt8.self)
    guard offsets[0] == 0 else { throw invalid("id_offsets[0] must be 0, got \(offsets[0])") }
    var out: [CollectionRecord] = []
    out.reserveCapacity(count)
    for i in 0..<count {
        let (lo, hi) = (offsets[i], offsets[i + 1])
        guard lo <= hi, hi - lo <= 1 << 20 else { throw invalid("id_offsets[\(i)...\(i + 1)] = \(lo), \(hi) is not a valid range") }
        guard let id = String(validating: UnsafeBufferPointer(start: raw + Int(lo), count: Int(hi - lo)), as: UTF8.self) else {
            throw invalid("id \(i) is not valid UTF-8")
        }
        var fields: Metadata = [:]
        if let metadata {
            switch metadata[i] {
            case .object(let o): fields = o
            case .null: break
            default: throw invalid("metadata \(i) must be a JSON object or null")
            }
        }
        let vector = Array(UnsafeBufferPointer(start: vectors + i * dimension, count: dimension))
        out.append(CollectionRecord(id: id, vector: vector, metadata: fields))
    }
    return out
}

@_cdecl("sochdb_collection_upsert")
public func sochdb_collection_upsert(_ c: OpaquePointer?, _ count: Int, _ ids: UnsafePointer<CChar>?,
                                     _ idOffsets: UnsafePointer<UInt64>?, _ vectors: UnsafePointer<Float>?,
                                     _ dimension: Int, _ metadatasJSON: UnsafePointer<CChar>?,
                                     _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let coll = try collection(c)
        guard count >= 0 else { throw invalid("count is negative") }
        guard dimension == coll.dimension else {
            throw .vector(.dimensionMismatch(expected: coll.dimension, actual: dimension))
        }
        let batch = try records(count: count, ids: ids, offsets: idOffsets, vectors: vectors, dimension: dimension,
                                metadatas: try optionalString(metadatasJSON, "metadatas_json"))
        let lsn = batch.isEmpty ? 0 : try coll.upsert(batch)
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_collection_search")
public func sochdb_collection_search(_ c: OpaquePointer?, _ queries: UnsafePointer<Float>?, _ queryCount: Int,
                                     _ dimension: Int, _ k: Int, _ ef: Int, _ filterJSON: UnsafePointer<CChar>?,
                                     _ withMetadata: Int32, _ outDistances: UnsafeMutablePointer<Float>?,
                                     _ outCounts: UnsafeMutablePointer<UInt32>?,
                                     _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let coll = try collection(c)
        let distances = try required(outDistances, "out_distances"), counts = try required(outCounts, "out_counts")
        let out = try required(outJSON, "out_json")
        guard queryCount > 0 else { throw invalid("query_count must be ≥ 1") }
        guard let queries else { throw invalid("queries is NULL") }
        guard dimension == coll.dimension else { throw .vector(.dimensionMismatch(expected: coll.dimension, actual: dimension)) }
        guard ef >= 0 else { throw invalid("ef must be ≥ 0") }
        _ = try product(queryCount, dimension, "query_count × dimension")
        _ = try product(queryCount, k, "query_count × k")
        var filter: MetadataFilter?
        if let text = try optionalString(filterJSON, "filter_json") {
            do { filter = try MetadataFilter.parse(json: text) } catch { throw invalid("filter: \(error)") }
        }
        let matrix = try wrapped { try VectorMatrix.borrowing(queries, count: queryCount, dimension: dimension) }
        let all = try coll.searchBatch(matrix, k: k, ef: ef == 0 ? nil : ef, filter: filter)
        // {"ids": [[…], …], "metadata": [[…], …]}, written into one buffer.
        var text = [UInt8]()
        text.reserveCapacity(queryCount * k * 16 + 16)
        text.append(contentsOf: Array(#"{"ids":["#.utf8))
        for (i, hits) in all.enumerated() {
            counts[i] = UInt32(hits.count)
            for j in 0..<k { distances[i * k + j] = j < hits.count ? hits[j].distance : .infinity }
            if i > 0 { text.append(UInt8(ascii: ",")) }
            text.append(UInt8(ascii: "["))
            for (j, hit) in hits.enumerated() {
                if j > 0 { text.append(UInt8(ascii: ",")) }
                JSONText.append(hit.id, to: &text)
            }
            text.append(UInt8(ascii: "]"))
        }
        text.append(UInt8(ascii: "]"))
        if withMetadata != 0 {
            text.append(contentsOf: Array(#","metadata":["#.utf8))
            for (i, hits) in all.enumerated() {
                if i > 0 { text.append(UInt8(ascii: ",")) }
                text.append(UInt8(ascii: "["))
                for (j, hit) in hits.enumerated() {
                    if j > 0 { text.append(UInt8(ascii: ",")) }
                    JSONText.append(.object(hit.metadata), to: &text)
                }
                text.append(UInt8(ascii: "]"))
            }
            text.append(UInt8(ascii: "]"))
        }
        text.append(UInt8(ascii: "}"))
        text.append(0)
        out.pointee = UnsafeMutableRawPointer(try mallocCopy(text)).assumingMemoryBound(to: CChar.self)
    }
}

@_cdecl("sochdb_collection_get")
public func sochdb_collection_get(_ c: OpaquePointer?, _ id: UnsafePointer<CChar>?, _ idLen: Int,
                                  _ outVector: UnsafeMutablePointer<Float>?, _ dimension: Int,
                                  _ outMetadata: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                  _ outFound: UnsafeMutablePointer<Int32>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let coll = try collection(c), found = try required(outFound, "out_found")
        let key = try string(id, length: idLen, "id")
        if outVector != nil, dimension != coll.dimension {
            throw .vector(.dimensionMismatch(expected: coll.dimension, actual: dimension))
        }
        guard let record = try coll.get(key) else { found.pointee = 0; outMetadata?.pointee = nil; return }
        let metadata = try outMetadata.map { _ throws(SochDBError) in try mallocString(MetadataValue.object(record.metadata).json) }
        if let outVector { record.vector.withUnsafeBufferPointer { outVector.update(from: $0.baseAddress!, count: dimension) } }
        if let outMetadata { outMetadata.pointee = metadata }
        found.pointee = 1
    }
}

@_cdecl("sochdb_collection_delete")
public func sochdb_collection_delete(_ c: OpaquePointer?, _ id: UnsafePointer<CChar>?, _ idLen: Int,
                                     _ outDeleted: UnsafeMutablePointer<Int32>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let deleted = try collection(c).delete(try string(id, length: idLen, "id"))
        outDeleted?.pointee = deleted ? 1 : 0
    }
}
