import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a bulk build reports (the seed's `BulkBuildStats`).
public struct BulkBuildStats: Sendable, Codable, Equatable {
    public var vectors: Int
    public var dimension: Int
    public var elapsedSeconds: Double
    /// Vectors per second over the whole build (ordering and save included).
    public var rate: Double
    public var indexSizeBytes: Int

    enum CodingKeys: String, CodingKey {
        case vectors, dimension, rate
        case elapsedSeconds = "elapsed_seconds"
        case indexSizeBytes = "index_size_bytes"
    }
}

/// Options of a bulk build beyond the seed's positional ones.
public struct BulkBuildOptions: Sendable {
    public var metric: Metric = .l2
    /// External ids, one per row (default: row numbers).
    public var ids: [Int64]? = nil
    public var ordering: VectorOrdering = .none
    public var construction: ConstructionMethod = .automatic
    public var seed: UInt64 = 100
    /// Called with (done, total) from worker threads.
    public var progress: (@Sendable (Int, Int) -> Void)? = nil
    public init() {}
}

/// Builds an HNSW index over `embeddings` and saves it to `output`
/// atomically (no partial file on failure). Mirrors the seed's
/// `bulk_build_index(embeddings, output, m, ef_construction, threads, quiet)`;
/// `quiet: false` prints a progress bar on stderr.
@discardableResult
public func bulkBuildIndex(_ embeddings: VectorMatrix, output: String, m: Int = 16, efConstruction: Int = 100,
                           threads: Int = 0, quiet: Bool = true,
                           options: BulkBuildOptions = BulkBuildOptions()) throws -> BulkBuildStats {
    let start = DispatchTime.now().uptimeNanoseconds
    if let ids = options.ids, ids.count != embeddings.count {
        throw SochVectorError.invalidArgument("\(ids.count) ids for \(embeddings.count) vectors")
    }
    let bar = quiet ? nil : ProgressBar(total: embeddings.count)
    var progress = options.progress
    if progress == nil, let bar { progress = { @Sendable done, _ in bar.update(done) } }
    let index = try HNSWIndex.build(embeddings, metric: options.metric,
                                    parameters: HNSWParameters(m: m, efConstruction: efConstruction, seed: options.seed),
                                    ids: options.ids, threads: threads, construction: options.construction,
                                    ordering: options.ordering, progress: progress)
    bar?.finish()
    let size = try index.save(to: output)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return BulkBuildStats(vectors: embeddings.count, dimension: embeddings.dimension, elapsedSeconds: seconds,
                          rate: Double(embeddings.count) / max(seconds, 1e-9), indexSizeBytes: size)
}

/// Builds from rows of one dimension. See the `VectorMatrix` overload.
@discardableResult
public func bulkBuildIndex(_ embeddings: [[Float]], output: String, m: Int = 16, efConstruction: Int = 100,
                           threads: Int = 0, quiet: Bool = true,
                           options: BulkBuildOptions = BulkBuildOptions()) throws -> BulkBuildStats {
    try bulkBuildIndex(VectorMatrix(rows: embeddings), output: output, m: m, efConstruction: efConstruction,
                       threads: threads, quiet: quiet, options: options)
}

/// The `k` nearest neighbours of `query` in the index file `index`
/// (opened by mapping; nearest first).
public func bulkQueryIndex(index: String, query: [Float], k: Int = 10, efSearch: Int = 64) throws -> [SearchResult] {
    try HNSWIndex.open(index).search(query, k: k, ef: efSearch)
}

/// The metadata of an index file (dimension, count, M, metric, entry point…).
public func bulkInfo(index: String, verify: Bool = false) throws -> HNSWInfo {
    try HNSWIndex.open(index, verification: verify ? .full : .header).info
}

/// Writes `embeddings` as raw little-endian float32 rows.
public func convertEmbeddingsToRaw(_ embeddings: VectorMatrix, path: String) throws {
    try VectorFile.write(embeddings, to: path, format: .rawF32)
}

/// Where the `sochdb-bulk` executable is, in the seed's order: bundled next to
/// this program (`$SOCHDB_BULK_PATH`, then the running executable's folder),
/// then `PATH`, then this package's own build folders
/// (`.build/release`, `.build/debug`, searched upward from the working
/// directory). Nil if none is found.
public func sochdbBulkPath() -> String? {
    var candidates: [String] = []
    if let env = getenv("SOCHDB_BULK_PATH") { candidates.append(String(cString: env)) }
    if let exe = executableDirectory() { candidates.append(exe + "/sochdb-bulk") }
    if let path = getenv("PATH") {
        for dir in String(cString: path).split(separator: ":") { candidates.append(dir + "/sochdb-bulk") }
    }
    var dir = currentDirectory()
    for _ in 0..<6 {
        candidates.append(dir + "/.build/release/sochdb-bulk")
        candidates.append(dir + "/.build/debug/sochdb-bulk")
        guard let slash = dir.lastIndex(of: "/"), slash != dir.startIndex else { break }
        dir = String(dir[..<slash])
    }
    return candidates.first { access($0, X_OK) == 0 }
}

private func executableDirectory() -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    guard n > 0 else { return nil }
    let path = String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return nil }
    return String(path[..<slash])
}

private func currentDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "." }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
