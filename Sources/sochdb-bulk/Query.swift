import ArgumentParser
import Foundation
import SochDB

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the k nearest neighbours of one or many query vectors.",
        discussion: """
            QUERY is a raw f32 file (one or more vectors of the index's dimension) or an .npy \
            (1-D for one vector, 2-D for many). Without --output, prints one line per neighbour: \
            `id<TAB>distance` for one query, `query<TAB>rank<TAB>id<TAB>distance` for many. \
            --output x.tsv writes `query rank id distance` with a header line; --output x.npy writes \
            the ids as int64 (queries × k) and the distances as float32 to x.distances.npy (missing \
            neighbours: id -1, distance inf). With many queries the search's queries/s (load time \
            excluded) goes to stderr, or into --json.
            """)

    @Option(help: "Index file.") var index: String
    @Option(help: "Query vector(s): raw f32 or .npy.") var query: String
    @Option var k = 10
    @Option(help: "Search candidate list size (≥ k).") var ef = 64
    @Option(help: "Search threads for many queries (0 = all cores).") var threads = 0
    @Option(help: "Write results to a .tsv or .npy file.") var output: String?
    @Option(name: .customLong("ground-truth"), help: "Exact neighbour ids (.npy, queries × ≥k, e.g. Datasets' gt.npy): print recall@k.") var groundTruth: String?
    @Flag(help: "Print one JSON object (timing, and results when no --output).") var json = false

    struct Report: Codable {
        var queries: Int, k: Int, ef: Int, threads: Int
        var loadSeconds: Double, searchSeconds: Double, queriesPerSecond: Double
        var recall: Double?
        var results: [[SearchResult]]?
        enum CodingKeys: String, CodingKey {
            case queries, k, ef, threads, results, recall
            case loadSeconds = "load_seconds", searchSeconds = "search_seconds", queriesPerSecond = "queries_per_second"
        }
    }

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be ≥ 1") }
        guard ef >= 1 else { throw ValidationError("--ef must be ≥ 1") }
        if let output, !(output.hasSuffix(".tsv") || output.hasSuffix(".npy")) {
            throw ValidationError("--output must end in .tsv or .npy")
        }
    }

    func run() throws {
        try reportingErrors(query) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let idx = try HNSWIndex.open(index)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let queries = try VectorFile.read(path: query, dimension: idx.dimension, allowSingleRow: true)
            let t2 = DispatchTime.now().uptimeNanoseconds
            let results = try idx.searchBatch(queries, k: k, ef: max(ef, k), threads: threads)
            let t3 = DispatchTime.now().uptimeNanoseconds
            let searchSeconds = Double(t3 - t2) / 1e9
            let qps = Double(queries.count) / max(searchSeconds, 1e-9)
            if let output { try write(results, to: output) }
            let recall = try groundTruth.map { try Self.recall(results, groundTruth: $0) }
            if json {
                let rows = output == nil ? (0..<results.queryCount).map { results[$0] } : nil
                try printJSON(Report(queries: queries.count, k: k, ef: ef, threads: threads, loadSeconds: Double(t1 - t0) / 1e9,
                                     searchSeconds: searchSeconds, queriesPerSecond: qps, recall: recall, results: rows))
                return
            }
            if output == nil && groundTruth == nil { printResults(results) }
            if let recall { print(String(format: "recall@%d: %.4f", k, recall)) }
            if queries.count > 1 {
                writeStandardError(String(format: "%d queries in %.3f s: %.0f queries/s (k=%d, ef=%d; index opened in %.2f ms)\n",
                                          queries.count, searchSeconds, qps, k, ef, Double(t1 - t0) / 1e6))
            }
        }
    }

    /// Fraction of the true k nearest (first k columns of the ground truth)
    /// found among the k results, over all queries.
    static func recall(_ r: BatchSearchResults, groundTruth path: String) throws -> Double {
        let (truth, shape) = try VectorFile.readIntegers(path: path)
        guard shape.count == 2, shape[0] == r.queryCount, shape[1] >= r.k else {
            throw SochVectorError.invalidArgument("\(path): ground truth of shape \(shape) does not cover \(r.queryCount) queries × k=\(r.k)")
        }
        var hits = 0
        for q in 0..<r.queryCount {
            let expected = Set(truth[q * shape[1]..<q * shape[1] + r.k])
            for j in 0..<r.k where expected.contains(r.ids[q * r.k + j]) { hits += 1 }
        }
        return Double(hits) / Double(r.queryCount * r.k)
    }

    private func printResults(_ r: BatchSearchResults) {
        var out = ""
        for q in 0..<r.queryCount {
            for (rank, hit) in r[q].enumerated() {
                out += r.queryCount == 1 ? "\(hit.id)\t\(hit.distance)\n" : "\(q)\t\(rank)\t\(hit.id)\t\(hit.distance)\n"
            }
        }
        FileHandle.standardOutput.write(out.data(using: .utf8)!)
    }

    private func write(_ r: BatchSearchResults, to path: String) throws {
        if path.hasSuffix(".npy") {
            try VectorFile.writeNPY(int64: r.ids, rows: r.queryCount, columns: r.k, to: path)
            try VectorFile.writeNPY(float32: r.distances, rows: r.queryCount, columns: r.k,
                                    to: String(path.dropLast(4)) + ".distances.npy")
        } else {
            var text = "query\trank\tid\tdistance\n"
            for q in 0..<r.queryCount {
                for (rank, hit) in r[q].enumerated() { text += "\(q)\t\(rank)\t\(hit.id)\t\(hit.distance)\n" }
            }
            guard FileManager.default.createFile(atPath: path, contents: text.data(using: .utf8)) else {
                throw SochVectorError.io(path: path, operation: "create", errno: errno)
            }
        }
    }
}
