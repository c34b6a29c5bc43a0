// sochdb-bench: SochDB's side of the side-by-side benchmark.
//
//   sochdb-bench run --dataset Datasets/cache/fashion-mnist-784 --threads 2 --json out.json
//   sochdb-bench open --index x.hnsw --queries q.npy      (the fresh-process open probe)
//
// `run` prints build rate, recall@k and queries/s over an ef sweep, and
// writes the JSON schema of Benchmarks/README.md that side_by_side.py reads.
import ArgumentParser
import Foundation
import SochDB

@main
struct SochBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sochdb-bench",
        abstract: "Benchmark SochDB's HNSW index on a dataset folder (base.npy, queries.npy, gt.npy, meta.json).",
        subcommands: [Run.self, SearchOnly.self, OpenProbe.self, Kernels.self, KV.self, KVScan.self, CollectionBench.self, SQLBench.self, TriggerBench.self, TombstoneBench.self, IPCBench.self],
        defaultSubcommand: Run.self)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Build, save, and sweep ef.")

    @Option(help: "Dataset folder (from Datasets/).") var dataset: String
    @Option var m = 16
    @Option(name: .customLong("ef-construction")) var efConstruction = 100
    @Option(help: "Build and batch-search threads (0 = all cores).") var threads = 2
    @Option(help: "Comma-separated ef values.") var efs = "10,16,24,32,48,64,96,128,256"
    @Option var k = 10
    @Option(name: .customLong("max-single-queries"), help: "Queries for the one-query-per-call run.") var maxSingleQueries = 2000
    @Flag(name: .customLong("skip-single-thread-build"), help: "Skip the 1-thread build.") var skipSingleThreadBuild = false
    @Option(help: "Write the result JSON here.") var json: String?
    @Option(help: "automatic, incremental or batched.") var construction: String = "automatic"
    @Option(help: "Timed runs per ef; the best counts.") var repeats = 3
    @Option(name: .customLong("work-dir"), help: "Where to save the index.") var workDir: String?

    func run() throws {
        let folder = try DatasetFolder(dataset)
        let (metric, name, base, queries) = (folder.metric, folder.name, folder.base, folder.queries)
        let (gt, gtShape) = try VectorFile.readIntegers(path: folder.file("gt.npy"))
        let params = HNSWParameters(m: m, efConstruction: efConstruction)
        guard let method = ConstructionMethod(rawValue: construction) else { throw ValidationError("bad --construction") }
        log("\(name): \(base.count)×\(base.dimension) \(metric.rawValue), \(queries.count) queries; \(KernelInfo.description)")

        var builds: [String: BuildFigures] = [:]
        let work = workDir ?? NSTemporaryDirectory() + "sochdb-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let indexPath = work + "/\(name).hnsw"
        // Build, save, probe and sweep in a closure so the index is freed
        // before the 1-thread build (peak RSS counts one index, as for peers).
        let (size, openMs, sweep): (Int, Double, [SweepPoint]) = try {
            let (index, seconds) = try timed { try HNSWIndex.build(base, metric: metric, parameters: params, threads: threads, construction: method) }
            builds["threads_\(threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads)"] = BuildFigures(seconds: seconds, rate: Double(base.count) / seconds)
            log(String(format: "build %d threads: %.2f s, %.0f vectors/s", threads, seconds, Double(base.count) / seconds))
            let size = try index.save(to: indexPath)
            let openMs = try openProbe(indexPath: indexPath, queries: folder.file("queries.npy"))
            log(String(format: "index file %.1f MB; open + first query in a fresh process: %.2f ms", Double(size) / 1e6, openMs))
            let sweep = try Self.sweep(index, queries: queries, gt: gt, gtShape: gtShape, efs: efs, k: k,
                                       threads: threads, maxSingleQueries: maxSingleQueries, repeats: repeats)
            return (size, openMs, sweep)
        }()
        // The 1-thread build last, so it cannot disturb the sweep.
        if !skipSingleThreadBuild && threads != 1 {
            let (_, s1) = try timed { try HNSWIndex.build(base, metric: metric, parameters: params, threads: 1, construction: method) }
            builds["threads_1"] = BuildFigures(seconds: s1, rate: Double(base.count) / s1)
            log(String(format: "build 1 thread: %.2f s, %.0f vectors/s", s1, Double(base.count) / s1))
        }
        let result = BenchResult(
            library: "sochdb", version: "0.1.0", kernel: KernelInfo.description, dataset: name,
            metric: folder.metricName, m: m, ef_construction: efConstruction, threads: threads,
            build: builds, index_size_bytes: size, search: sweep, open_first_query_ms: openMs,
            peak_rss_bytes: MappedFile.telemetry.snapshot().peakRSSBytes)
        if let json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(result).write(to: URL(fileURLWithPath: json))
        }
        if workDir == nil {
            try? FileManager.default.removeItem(atPath: indexPath)
            try? FileManager.default.removeItem(atPath: work)
        }
    }

    /// recall@k, single-query q/s on this thread and batch q/s on `threads`, per ef.
    static func sweep(_ index: HNSWIndex, queries: VectorMatrix, gt: [Int64], gtShape: [Int], efs: String, k: Int,
                      threads: Int, maxSingleQueries: Int, repeats: Int) throws -> [SweepPoint] {
        var sweep: [SweepPoint] = []
        let single = queries.rows(0..<min(maxSingleQueries, queries.count))
        let rows = (0..<single.count).map { single[$0] }
        let gtK = gtShape.count == 2 ? gtShape[1] : 1
        for ef in efs.split(separator: ",").compactMap({ Int($0) }) {
            // Best of `repeats` runs: the machine is shared, and the best run is
            // the one least disturbed (peers.py does the same).
            var batchSeconds = Double.infinity, singleSeconds = Double.infinity
            var batch: BatchSearchResults?
            for _ in 0..<repeats {
                let (b, s) = try timed { try index.searchBatch(queries, k: k, ef: ef, threads: threads) }
                batch = b
                batchSeconds = min(batchSeconds, s)
                singleSeconds = min(singleSeconds, try timed {
                    for row in rows { _ = try index.search(row, k: k, ef: ef) }
                }.1)
            }
            let recall = Self.recall(batch!, gt: gt, gtK: gtK, k: k)
            let point = SweepPoint(ef: ef, recall: recall, qps_single_1t: Double(single.count) / singleSeconds,
                                   qps_batch: Double(queries.count) / batchSeconds)
            sweep.append(point)
            log(String(format: "ef %4d  recall@%d %.4f  single-query %8.0f q/s  batch %8.0f q/s",
                       ef, k, recall, point.qps_single_1t, point.qps_batch))
        }
        return sweep
    }

    static func recall(_ r: BatchSearchResults, gt: [Int64], gtK: Int, k: Int) -> Double {
        var hits = 0
        for i in 0..<r.queryCount {
            let truth = Set(gt[i * gtK..<i * gtK + min(k, gtK)])
            for j in 0..<k where truth.contains(r.ids[i * k + j]) { hits += 1 }
        }
        return Double(hits) / Double(r.queryCount * min(k, gtK))
    }

    /// Runs `sochdb-bench open` in a fresh process; returns its milliseconds.
    func openProbe(indexPath: String, queries: String) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0].hasPrefix("/")
            ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0])
        p.arguments = ["open", "--index", indexPath, "--queries", queries]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return obj?["open_first_query_ms"] as? Double ?? -1
    }
}

struct SearchOnly: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Open a saved index and sweep ef.")
    @Option var index: String
    @Option(help: "Dataset folder (queries.npy, gt.npy).") var dataset: String
    @Option var efs = "10,16,24,32,48,64,96,128,256"
    @Option var k = 10
    @Option var threads = 2
    @Option(name: .customLong("max-single-queries")) var maxSingleQueries = 2000
    @Option(help: "Timed runs per ef; the best counts.") var repeats = 3

    func run() throws {
        let dir = URL(fileURLWithPath: dataset)
        let idx = try HNSWIndex.open(index)
        let queries = try VectorFile.read(path: dir.appendingPathComponent("queries.npy").path)
        let (gt, shape) = try VectorFile.readIntegers(path: dir.appendingPathComponent("gt.npy").path)
        _ = try Run.sweep(idx, queries: queries, gt: gt, gtShape: shape, efs: efs, k: k, threads: threads,
                          maxSingleQueries: maxSingleQueries, repeats: repeats)
    }
}

struct OpenProbe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open an index and answer one query; print the time as JSON.")
    @Option var index: String
    @Option var queries: String
    @Option var k = 10

    func run() throws {
        let q = try VectorFile.read(path: queries)
        let query = q[0]
        let start = DispatchTime.now().uptimeNanoseconds
        let idx = try HNSWIndex.open(index)
        let r = try idx.search(query, k: k)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print("{\"open_first_query_ms\": \(ms), \"results\": \(r.count)}")
    }
}

struct BuildFigures: Codable { var seconds: Double; var rate: Double }
struct SweepPoint: Codable { var ef: Int; var recall: Double; var qps_single_1t: Double; var qps_batch: Double }
struct BenchResult: Codable {
    var library: String, version: String, kernel: String, dataset: String, metric: String
    var m: Int, ef_construction: Int, threads: Int
    var build: [String: BuildFigures]
    var index_size_bytes: Int
    var search: [SweepPoint]
    var open_first_query_ms: Double
    var peak_rss_bytes: Int
}

func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let r = try body()
    return (r, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }
