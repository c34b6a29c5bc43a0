import Foundation
import Testing
@testable import SochDB

/// `sochdb collection …`, run as a user runs it.
struct CollectionCLITests {
    let dir = NSTemporaryDirectory() + "sochdb-collection-cli-\(UUID().uuidString)"

    func tool(_ args: [String]) throws -> (Int32, String, String) { try runTool("sochdb", ["collection"] + args) }

    @Test func createImportSearchGetDeleteInfo() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = SyntheticData.clustered(count: 600, dimension: 8, clusters: 4, seed: 12)
        try VectorFile.write(base, to: dir + "/v.npy", format: .npy)
        try VectorFile.write(base.rows(5..<7), to: dir + "/q.npy", format: .npy)
        let meta = (0..<600).map { #"{"row": \#($0), "even": \#($0 % 2 == 0)}"# }.joined(separator: "\n") + "\n"
        try meta.write(toFile: dir + "/m.jsonl", atomically: true, encoding: .utf8)
        try (0..<600).map { "doc-\($0)" }.joined(separator: "\n").write(toFile: dir + "/ids.txt", atomically: true, encoding: .utf8)
        let db = dir + "/db"

        var (status, out, err) = try tool(["create", "--db", db, "--name", "docs", "--dimension", "8", "--m", "8"])
        #expect(status == 0, "\(err)")
        #expect(try tool(["create", "--db", db, "--name", "docs", "--dimension", "8"]).0 == 64)
        (status, out, err) = try tool(["import", "--db", db, "--name", "docs", "--vectors", dir + "/v.npy",
                                       "--metadata", dir + "/m.jsonl", "--ids", dir + "/ids.txt", "--batch", "250"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("imported 600 vectors") && err.contains("600/600"))

        (status, out, _) = try tool(["search", "--db", db, "--name", "docs", "--query", dir + "/q.npy", "--k", "2", "--with-metadata"])
        let lines = out.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(status == 0 && lines.count == 5)
        #expect(lines[0] == ["query", "rank", "id", "distance", "metadata"])
        #expect(lines[1][0...2] == ["0", "0", "doc-5"] && lines[1][4] == #"{"even":false,"row":5}"#)
        #expect(lines[3][0...2] == ["1", "0", "doc-6"])

        (status, out, _) = try tool(["search", "--db", db, "--name", "docs", "--query", dir + "/q.npy", "--k", "3",
                                     "--filter", #"{"even": true, "row": {"$lt": 100}}"#, "--output", dir + "/r.tsv"])
        let rows = try String(contentsOfFile: dir + "/r.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(status == 0 && rows.count == 6)
        for r in rows {
            let n = Int(r.split(separator: "\t")[2].dropFirst(4))!
            #expect(n % 2 == 0 && n < 100)
        }
        (status, _, err) = try tool(["search", "--db", db, "--name", "docs", "--query", dir + "/q.npy", "--filter", #"{"row": {"$in": 3}}"#])
        #expect(status == 64 && err.contains("$in"), "\(err)")

        #expect(try tool(["get", "--db", db, "--name", "docs", "doc-7"]) == (0, #"{"even":false,"row":7}"# + "\n", ""))
        #expect(try tool(["get", "--db", db, "--name", "docs", "nope"]).0 == 1)
        #expect(try tool(["delete", "--db", db, "--name", "docs", "doc-7", "doc-8", "nope"]) == (0, "deleted 2 of 3\n", ""))
        #expect(try tool(["get", "--db", db, "--name", "docs", "doc-7"]).0 == 1)
        (status, out, _) = try tool(["info", "--db", db, "--name", "docs"])
        let info = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        #expect(info["count"] as? Int == 598 && info["dimension"] as? Int == 8 && info["metric"] as? String == "l2")
        #expect(try tool(["list", "--db", db]) == (0, "docs\n", ""))
        #expect(try tool(["info", "--db", db, "--name", "missing"]).0 == 1)
        // A wrong dimension is bad input, and the collection is unchanged.
        try VectorFile.write(SyntheticData.clustered(count: 3, dimension: 5, clusters: 1, seed: 1), to: dir + "/bad.npy", format: .npy)
        #expect(try tool(["import", "--db", db, "--name", "docs", "--vectors", dir + "/bad.npy"]).0 == 64)
        #expect(try tool(["drop", "--db", db, "--name", "docs"]).0 == 0)
        #expect(try tool(["list", "--db", db]) == (0, "", ""))
    }
}
