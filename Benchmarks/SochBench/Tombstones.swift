// `sochdb-bench tombstones`: what deleted-but-linked vectors cost a search.
// Prints one markdown table (and writes it with --markdown-out).
//
//   sochdb-bench tombstones --dataset Datasets/cache/fashion-mnist-784
//
// For each fraction f: build over the base set, mark a seeded random f of it
// deleted (tombstones: still walked through, never returned), and build a
// fresh graph over the live vectors only. Both are searched with the same
// queries (one thread, one query per call); recall@k is against exact
// answers over the live vectors. This is what decides between repairing
// neighbours on delete and rebuilding past a threshold (collections rebuild
// past 20%).
import ArgumentParser
import Foundation
import SochDB
import SochStorage

struct TombstoneBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tombstones", abstract: "Search over tombstoned graphs against fresh graphs of the live vectors.")

    @Option(help: "Dataset folder (from Datasets/).") var dataset: String
    @Option(help: "Fractions deleted, comma-separated.") var fractions = "0.05,0.1,0.2,0.3"
    @Option(help: "ef values, comma-separated.") var efs = "16,64"
    @Option var m = 16
    @Option(name: .customLong("ef-construction")) var efConstruction = 100
    @Option var k = 10
    @Option(help: "Queries timed (from the dataset's queries).") var queries = 2_000
    @Option(help: "Timed runs per row; the best counts.") var repeats = 3
    @Option(name: .customLong("markdown-out")) var markdownOut: String?

    func validate() throws {
        guard k >= 1, m >= 2, efConstruction >= 1 else { throw ValidationError("k must be ≥ 1, m ≥ 2, ef-construction ≥ 1") }
        guard queries >= 1, repeats >= 1 else { throw ValidationError("queries and repeats must be ≥ 1") }
    }

    func run() throws {
        let folder = try DatasetFolder(dataset)
        let base = folder.base, metric = folder.metric
        let q = folder.queries.rows(0..<min(queries, folder.queries.count))
        let fractionList = try fractions.split(separator: ",").map { s -> Double in
            guard let f = Double(s.trimmingCharacters(in: .whitespaces)), (0..<1).contains(f) else { throw ValidationError("fractions must be in [0, 1): \(s)") }
            return f
        }
        let efList = try efs.split(separator: ",").map { s -> Int in
            guard let e = Int(s.trimmingCharacters(in: .whitespaces)), e >= k else { throw ValidationError("each ef must be an integer ≥ k: \(s)") }
            return e
        }
        let n = base.count
        log("\(folder.name): \(n)×\(base.dimension) \(metric.rawValue); \(q.count) queries, k=\(k)")
        let params = HNSWParameters(m: m, efConstruction: efConstruction)
        var order = Array(0..<n)
        var rng = SplitMix64(seed: 20261201)  // the same deleted set on every run
        order.shuffle(using: &rng)
        var md = "| \(folder.name) deleted | ef | tombstoned recall@\(k) | tombstoned q/s | fresh recall@\(k) | fresh q/s | tombstoned ÷ fresh q/s |\n|--:|--:|--:|--:|--:|--:|--:|\n"
        for f in fractionList {
            let dead = Set(order.prefix(Int(f * Double(n))))
            let live = (0..<n).filter { !dead.contains($0) }
            let liveVectors = try VectorMatrix(rows: live.map { base[$0] })
            let tombstoned = try HNSWIndex.build(base, metric: metric, parameters: params)
            for d in dead { _ = try tombstoned.markDeleted(id: Int64(d)) }
            let fresh = try HNSWIndex.build(liveVectors, metric: metric, parameters: params, ids: live.map(Int64.init))
            let exact = try FlatIndex(liveVectors, metric: metric).search(q, k: k)
            let truth = (0..<q.count).map { Set(exact[$0].map { Int64(live[Int($0.id)]) }) }
            for ef in efList {
                let (r1, s1) = try measure(tombstoned, q, ef: ef, truth: truth)
                let (r2, s2) = try measure(fresh, q, ef: ef, truth: truth)
                let row = String(format: "| %.0f%% | %d | %.4f | %.0f | %.4f | %.0f | %.2f |", f * 100, ef, r1, s1, r2, s2, s1 / s2)
                log(row)
                md += row + "\n"
            }
        }
        print(md, terminator: "")
        if let markdownOut { try md.write(toFile: markdownOut, atomically: true, encoding: .utf8) }
    }

    /// Recall@k and the best q/s of `repeats` single-query runs.
    private func measure(_ index: HNSWIndex, _ q: VectorMatrix, ef: Int, truth: [Set<Int64>]) throws -> (Double, Double) {
        var hits = 0
        for i in 0..<q.count { hits += truth[i].intersection(try index.search(q[i], k: k, ef: ef).map(\.id)).count }
        var best = 0.0
        for _ in 0..<repeats {
            let (_, seconds) = try timed { for i in 0..<q.count { _ = try index.search(q[i], k: k, ef: ef) } }
            best = max(best, Double(q.count) / seconds)
        }
        return (Double(hits) / Double(q.count * k), best)
    }
}
