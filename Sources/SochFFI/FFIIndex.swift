import CSochFFI
import Foundation
import SochDB

// sochdb_index_* (include/sochdb.h, "Standalone HNSW index files").

/// What a `sochdb_index *` points to: an index opened by mapping its file.
final class IndexHandle {
    let index: HNSWIndex
    init(_ index: HNSWIndex) { self.index = index }
}

/// The options object of the build calls; an unknown key or a bad value is refused.
private struct BuildRequest {
    var m = 16, efConstruction = 100, threads = 0
    var options = BulkBuildOptions()
    var dimension: Int?

    init(_ json: String?, count: Int?) throws(SochDBError) {
        guard let json else { return }
        guard case .object(let fields) = try parseJSON(json, "options_json") else {
            throw invalid("options_json must be a JSON object")
        }
        for (key, value) in fields {
            switch (key, value) {
            case ("m", .int(let n)): m = Int(n)
            case ("ef_construction", .int(let n)): efConstruction = Int(n)
            case ("threads", .int(let n)) where n >= 0: threads = Int(n)
            case ("seed", .int(let n)): options.seed = UInt64(bitPattern: n)
            case ("dimension", .int(let n)) where n > 0: dimension = Int(n)
            case ("metric", .string(let s)):
                guard let metric = Metric(name: s) else { throw invalid("unknown metric \"\(s)\" (l2, cosine, ip)") }
                options.metric = metric
            case ("ordering", .string(let s)):
                guard let o = VectorOrdering(rawValue: s) else {
                    throw invalid("ordering must be none, random_projection or kmeans, got \"\(s)\"")
                }
                options.ordering = o
            case ("ids", .list(let items)):
                options.ids = try items.map { v throws(SochDBError) in
                    guard case .int(let i) = v else { throw invalid("ids must be integers") }
                    return i
                }
            default: throw invalid("unknown or invalid build option \"\(key)\": \(value.json)")
            }
        }
        if let count, let ids = options.ids, ids.count != count {
            throw invalid("\(ids.count) ids for \(count) vectors")
        }
    }

    func build(_ vectors: VectorMatrix, output: String) throws(SochDBError) -> String {
        let stats = try wrapped {
            try bulkBuildIndex(vectors, output: output, m: m, efConstruction: efConstruction, threads: threads,
                               quiet: true, options: options)
        }
        let fields: Metadata = [
            "vectors": .int(Int64(stats.vectors)), "dimension": .int(Int64(stats.dimension)),
            "elapsed_seconds": .double(stats.elapsedSeconds), "rate": .double(stats.rate),
            "index_size_bytes": .int(Int64(stats.indexSizeBytes)),
        ]
        return MetadataValue.object(fields).json
    }
}

private func writeStats(_ json: String, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws(SochDBError) {
    if let out { out.pointee = try mallocString(json) }
}

@_cdecl("sochdb_index_build")
public func sochdb_index_build(_ vectors: UnsafePointer<Float>?, _ count: Int, _ dimension: Int,
                               _ output: UnsafePointer<CChar>?, _ optionsJSON: UnsafePointer<CChar>?,
                               _ outStats: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let path = try string(output, "output")
        guard let vectors else { throw invalid("vectors is NULL") }
        guard count > 0 else { throw invalid("count must be ≥ 1") }
        _ = try product(count, dimension, "count × dimension")
        let request = try BuildRequest(try optionalString(optionsJSON, "options_json"), count: count)
        let matrix = try wrapped { try VectorMatrix.borrowing(vectors, count: count, dimension: dimension) }
        try writeStats(try request.build(matrix, output: path), outStats)
    }
}

@_cdecl("sochdb_index_build_file")
public func sochdb_index_build_file(_ input: UnsafePointer<CChar>?, _ output: UnsafePointer<CChar>?,
                                    _ optionsJSON: UnsafePointer<CChar>?,
                                    _ outStats: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let source = try string(input, "input"), path = try string(output, "output")
        let request = try BuildRequest(try optionalString(optionsJSON, "options_json"), count: nil)
        let matrix = try wrapped { try VectorFile.read(path: source, dimension: request.dimension) }
        if let ids = request.options.ids, ids.count != matrix.count {
            throw invalid("\(ids.count) ids for \(matrix.count) vectors")
        }
        try writeStats(try request.build(matrix, output: path), outStats)
    }
}

@_cdecl("sochdb_index_open")
public func sochdb_index_open(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let o = try required(out, "out_index"), p = try string(path, "path")
        o.pointee = Handle.make(IndexHandle(try wrapped { try HNSWIndex.open(p) }))
    }
}

@_cdecl("sochdb_index_close")
public func sochdb_index_close(_ index: OpaquePointer?) { Handle.release(index, as: IndexHandle.self) }

@_cdecl("sochdb_index_search")
public func sochdb_index_search(_ index: OpaquePointer?, _ queries: UnsafePointer<Float>?, _ queryCount: Int,
                                _ dimension: Int, _ k: Int, _ ef: Int, _ threads: Int,
                                _ outIDs: UnsafeMutablePointer<Int64>?, _ outDistances: UnsafeMutablePointer<Float>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let idx = try Handle.get(index, as: IndexHandle.self, "index").index
        let ids = try required(outIDs, "out_ids"), distances = try required(outDistances, "out_distances")
        guard let queries else { throw invalid("queries is NULL") }
        guard queryCount > 0 else { throw invalid("query_count must be ≥ 1") }
        guard ef >= 0, threads >= 0 else { throw invalid("ef and threads must be ≥ 0") }
        let n = try product(queryCount, k, "query_count × k")
        _ = try product(queryCount, dimension, "query_count × dimension")
        let matrix = try wrapped { try VectorMatrix.borrowing(queries, count: queryCount, dimension: dimension) }
        let results = try wrapped {
            try idx.searchBatch(matrix, k: k, ef: ef == 0 ? nil : ef, threads: threads)
        }
        results.ids.withUnsafeBufferPointer { ids.update(from: $0.baseAddress!, count: n) }
        results.distances.withUnsafeBufferPointer { distances.update(from: $0.baseAddress!, count: n) }
    }
}

@_cdecl("sochdb_index_info")
public func sochdb_index_info(_ index: OpaquePointer?, _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outJSON, "out_json")
        let info = try Handle.get(index, as: IndexHandle.self, "index").index.info
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        let data = try wrapped { try encoder.encode(info) }
        out.pointee = try mallocString(String(decoding: data, as: UTF8.self))
    }
}
