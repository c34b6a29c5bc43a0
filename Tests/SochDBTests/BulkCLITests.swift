import Foundation
import Testing
@testable import SochDB

/// `sochdb-bulk` end to end, as a user runs it.
struct BulkCLITests {
    let dir = NSTemporaryDirectory() + "sochdb-cli-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    /// Runs the CLI; returns (exit status, stdout, stderr).
    func run(_ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(sochdbBulkPath()))
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func buildQueryInfoConvertAndErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = SyntheticData.clustered(count: 1_500, dimension: 12, clusters: 6, seed: 3)
        try VectorFile.write(base, to: dir + "/v.npy", format: .npy)
        try VectorFile.write(base.rows(0..<3), to: dir + "/q.raw", format: .rawF32)

        var (status, out, err) = try run(["build-index", "--input", dir + "/v.npy", "--output", dir + "/i.hnsw",
                                          "--max-connections", "8", "--json", "--quiet", "--telemetry"])
        #expect(status == 0, "\(err)")
        let report = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let stats = report["stats"] as! [String: Any]
        #expect(stats["vectors"] as? Int == 1_500 && stats["dimension"] as? Int == 12)
        #expect((report["telemetry"] as? [String: Any])?["minor_page_faults"] != nil)

        (status, out, err) = try run(["info", "--index", dir + "/i.hnsw", "--verify"])
        #expect(status == 0)
        #expect(out.contains("Dimension: 12\n") && out.contains("Vectors: 1500\n") && out.contains("Max connections: 8\n"))

        (status, out, _) = try run(["query", "--index", dir + "/i.hnsw", "--query", dir + "/q.raw", "--k", "2"])
        #expect(status == 0)
        let lines = out.split(separator: "\n")
        #expect(lines.count == 6 && lines[0].hasPrefix("0\t0\t0\t"))

        (status, _, err) = try run(["query", "--index", dir + "/i.hnsw", "--query", dir + "/v.npy", "--k", "3",
                                    "--output", dir + "/r.tsv"])
        #expect(status == 0 && err.contains("queries/s"))
        let tsv = try String(contentsOfFile: dir + "/r.tsv", encoding: .utf8).split(separator: "\n")
        #expect(tsv.first == "query\trank\tid\tdistance" && tsv.count == 1 + 1_500 * 3)

        (status, _, _) = try run(["query", "--index", dir + "/i.hnsw", "--query", dir + "/v.npy", "--output", dir + "/r.npy"])
        #expect(status == 0)
        let (ids, shape) = try VectorFile.readIntegers(path: dir + "/r.npy")
        #expect(shape == [1_500, 10] && ids[0] == 0)
        #expect(try VectorFile.read(path: dir + "/r.distances.npy").count == 1_500)

        (status, _, _) = try run(["convert", "--input", dir + "/v.npy", "--output", dir + "/v.raw", "--to-format", "raw_f32"])
        #expect(status == 0)
        #expect(try VectorFile.read(path: dir + "/v.raw", dimension: 12).flatArray == base.flatArray)

        // Errors: non-zero exit, the file and the problem on stderr, no output left.
        (status, _, err) = try run(["build-index", "--input", dir + "/v.raw", "--output", dir + "/bad.hnsw"])
        #expect(status != 0 && err.contains("--dimension") && err.contains("v.raw"))
        (status, _, err) = try run(["build-index", "--input", dir + "/v.npy", "--output", dir + "/bad.hnsw", "--dimension", "13"])
        #expect(status != 0 && err.contains("dimension mismatch: expected 13, got 12"))
        (status, _, err) = try run(["info", "--index", dir + "/v.npy"])
        #expect(status == 2 && err.contains("bad magic"))
        (status, _, err) = try run(["query", "--index", dir + "/missing.hnsw", "--query", dir + "/q.raw"])
        #expect(status != 0 && err.contains("missing.hnsw"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.hnsw"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    /// The seed's "Advanced Options" example, every flag as written (a
    /// small 1536-d input): --direct-read and --prefault together mean a
    /// direct read, whose reads bring every page in up front.
    @Test func seedAdvancedOptionsExampleRuns() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = SyntheticData.clustered(count: 400, dimension: 1536, clusters: 4, seed: 9)
        try VectorFile.write(base, to: dir + "/vectors.npy", format: .npy)
        let (status, out, err) = try run([
            "build-index", "--input", dir + "/vectors.npy", "--output", dir + "/index.hnsw", "--dimension", "1536",
            "--max-connections", "32", "--ef-construction", "200", "--threads", "8",
            "--direct-read", "--prefault", "--telemetry", "--ordering", "kmeans", "--json", "--quiet"])
        #expect(status == 0, "\(err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let telemetry = try #require(report["telemetry"] as? [String: Any])
        let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/vectors.npy")[.size] as? Int)
        #expect(telemetry["direct_bytes_read"] as? Int == fileBytes)
        #expect(report["ordering"] as? String == "kmeans")
        let index = try HNSWIndex.open(dir + "/index.hnsw")
        #expect(index.count == 400 && index.dimension == 1536)
    }
}
