// `sochdb-bench collection`: vector collections against the bulk build on
// the same data. Prints one markdown table (and writes it with --markdown-out).
//
//   sochdb-bench collection --dataset Datasets/cache/fashion-mnist-784
//
// Rows: the bulk build (HNSWIndex.build, the baseline); a collection import
// in batches (one transaction per batch, metadata and vectors stored in the
// key-value store); single upserts (one transaction each); searches without
// a filter, with a 10% and with a 1% metadata filter, each with recall@k
// against exact answers over the vectors the filter admits.
import ArgumentParser
import Foundation
import SochDB

struct CollectionBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "collection", abstract: "Collection inserts and filtered search beside the bulk build.")

    @Option(help: "Dataset folder (from Datasets/).") var dataset: String
    @Option var m = 16
    @Option(name: .customLong("ef-construction")) var efConstruction = 100
    @Option var ef = 64
    @Option var k = 10
    @Option(help: "Rows per transaction in the batch import.") var batch = 5_000
    @Option(name: .customLong("single-upserts"), help: "Upserts timed one transaction each.") var singleUpserts = 5_000
    @Option(help: "Queries timed (from the dataset's queries).") var queries = 1_000
    @Option(help: "WAL sync mode of the database.") var sync = "normal"
    @Option(name: .customLong("markdown-out")) var markdownOut: String?

    func run() throws {
        guard let mode = SyncMode(rawValue: sync) else { throw ValidationError("--sync must be off, normal or full") }
        let folder = try DatasetFolder(dataset)
        let (metric, name, base, allQueries) = (folder.metric, folder.name, folder.base, folder.queries)
        let q = allQueries.rows(0..<min(queries, allQueries.count))
        let n = base.count
        log("\(name): \(n)×\(base.dimension) \(metric.rawValue); \(q.count) queries, k=\(k), ef=\(ef), sync \(sync)")
        var rows: [(String, String, String)] = []

        let params = HNSWParameters(m: m, efConstruction: efConstruction)
        let (_, bulkSeconds) = try timed { try HNSWIndex.build(base, metric: metric, parameters: params, threads: 0) }
        rows.append(("bulk build (HNSWIndex.build, no store)", rate(n, bulkSeconds, "vectors/s"), "baseline"))
        log(rows.last!.1)

        let work = NSTemporaryDirectory() + "sochdb-bench-collection-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let db = try Database.open(work, options: Database.Options(syncMode: mode))
        let c = try db.createCollection("bench", dimension: base.dimension, metric: metric, m: m, efConstruction: efConstruction)
        func record(_ i: Int) -> CollectionRecord {
            CollectionRecord(id: "doc-\(i)", vector: base[i], metadata: ["tenth": .int(Int64(i % 10)), "bucket": .int(Int64(i % 100))])
        }
        let (_, importSeconds) = try timed {
            for start in stride(from: 0, to: n, by: batch) { try c.upsert((start..<min(start + batch, n)).map(record)) }
        }
        rows.append(("collection import, \(batch) per transaction", rate(n, importSeconds, "vectors/s"),
                     String(format: "%.2f× the bulk build's time", importSeconds / bulkSeconds)))
        log(rows.last!.1)

        let truth = try FlatIndex(base, metric: metric).search(q, k: k)
        for (label, filter, admits) in [("search, no filter", nil as MetadataFilter?, { (_: Int) in true }),
                                        ("search, 10% filter (tenth == 3)", MetadataFilter.field("tenth") == 3, { $0 % 10 == 3 }),
                                        ("search, 1% filter (bucket == 42)", MetadataFilter.field("bucket") == 42, { $0 % 100 == 42 })] {
            let exact: [Set<String>]
            if filter == nil {
                exact = (0..<q.count).map { Set(truth[$0].map { "doc-\($0.id)" }) }
            } else {
                let subset = (0..<n).filter(admits)
                let flat = try FlatIndex(try VectorMatrix(rows: subset.map { base[$0] }), metric: metric)
                let r = try flat.search(q, k: k)
                exact = (0..<q.count).map { Set(r[$0].map { "doc-\(subset[Int($0.id)])" }) }
            }
            var hits = 0
            let (_, seconds) = try timed {
                for i in 0..<q.count {
                    let got = try c.search(q[i], k: k, ef: ef, filter: filter)
                    hits += exact[i].intersection(got.map(\.id)).count
                }
            }
            rows.append((label + ", 1 thread", rate(q.count, seconds, "queries/s"),
                         String(format: "recall@%d %.4f", k, Double(hits) / Double(q.count * k))))
            log(rows.last!.1 + " " + rows.last!.2)
        }

        let single = try db.createCollection("single", dimension: base.dimension, metric: metric, m: m, efConstruction: efConstruction)
        let count = min(singleUpserts, n)
        let (_, singleSeconds) = try timed { for i in 0..<count { try single.upsert([record(i)]) } }
        rows.append(("single upserts, one transaction each (\(count))", rate(count, singleSeconds, "upserts/s"),
                     String(format: "%.0f µs each", singleSeconds / Double(count) * 1e6)))
        log(rows.last!.1)
        try db.close()

        var md = "| \(name) (\(n)×\(base.dimension), \(metric.rawValue), M=\(m), efC=\(efConstruction), sync \(sync)) | rate | note |\n|---|--:|---|\n"
        for r in rows { md += "| \(r.0) | \(r.1) | \(r.2) |\n" }
        print(md, terminator: "")
        if let markdownOut { try md.write(toFile: markdownOut, atomically: true, encoding: .utf8) }
    }

    private func rate(_ count: Int, _ seconds: Double, _ unit: String) -> String {
        let r = Double(count) / max(seconds, 1e-9)
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.maximumFractionDigits = 0
        return "\(f.string(from: NSNumber(value: r)) ?? "\(Int(r))") \(unit)"
    }
}
