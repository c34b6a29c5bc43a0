import Foundation
import Testing
@testable import SochDB

/// Runs an executable built beside the tests; returns (status, stdout, stderr).
func runTool(_ name: String, _ args: [String], stdin: String? = nil) throws -> (Int32, String, String) {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = here.deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent(name).path) && dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    let exe = dir.appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: exe) else { throw CocoaError(.fileNoSuchFile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out; p.standardError = err; p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The `sochdb` command-line tool and `sochdb-stress`, run as a user runs them.
struct StorageToolTests {
    let dir = NSTemporaryDirectory() + "sochdb-tool-\(UUID().uuidString)"

    @Test func putGetDeleteScanLoadStatsCheckpointVerify() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try runTool("sochdb", ["put", "--db", dir, "users/alice", "Alice"]).0 == 0)
        #expect(try runTool("sochdb", ["put", "--db", dir, "bin\\x00\\xff", "tab\\there"]).0 == 0)
        #expect(try runTool("sochdb", ["get", "--db", dir, "users/alice"]) == (0, "Alice\n", ""))
        let absent = try runTool("sochdb", ["get", "--db", dir, "users/nobody"])
        #expect(absent.0 == 1 && absent.1.isEmpty)
        #expect(try runTool("sochdb", ["get", "--db", dir, "bin\\x00\\xFF"]).1 == "tab\\there\n")

        let load = try runTool("sochdb", ["load", "--db", dir, "--batch", "2"], stdin: "k1\tv1\nk2\tv2\nk3\tv3\n")
        #expect(load.0 == 0)
        #expect(load.1.split(separator: "\n").compactMap { Int($0) } == [4, 5])   // each batch's LSN: k1,k2 = 3,4; k3 = 5
        #expect(try runTool("sochdb", ["delete", "--db", dir, "k2"]).0 == 0)
        #expect(try runTool("sochdb", ["scan", "--db", dir, "--prefix", "k"]).1 == "k1\tv1\nk3\tv3\n")
        #expect(try runTool("sochdb", ["scan", "--db", dir, "--start", "k", "--end", "k3"]).1 == "k1\tv1\n")
        #expect(try runTool("sochdb", ["scan", "--db", dir]).1.hasPrefix("bin\\x00\\xff\ttab\\there\n"))

        let checkpoint = try runTool("sochdb", ["checkpoint", "--db", dir])
        #expect(checkpoint.0 == 0 && Int(checkpoint.1.trimmingCharacters(in: .whitespacesAndNewlines)) == 6)
        let stats = try runTool("sochdb", ["stats", "--db", dir])
        let json = try JSONSerialization.jsonObject(with: Data(stats.1.utf8)) as! [String: Any]
        for name in ["keys_count", "bytes_written", "bytes_read", "memtable_size_bytes", "wal_size_bytes",
                     "last_checkpoint_lsn", "cache_hits", "cache_misses", "tables_per_level", "compactions", "write_amplification"] {
            #expect(json[name] != nil, "stats lacks \(name)")
        }
        #expect(json["last_checkpoint_lsn"] as? Int == 6)
        #expect(json["keys_count"] as? Int == 4)
        #expect(try runTool("sochdb", ["verify", "--db", dir]).0 == 0)

        // Bad input: a malformed escape, a load line without a tab.
        #expect(try runTool("sochdb", ["get", "--db", dir, "bad\\q"]).0 == 64)
        #expect(try runTool("sochdb", ["load", "--db", dir], stdin: "no tab here\n").0 == 64)

        // Damage a table: verify (or open) reports it with exit status 2.
        let table = try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".sst") }!
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + table)))
        bytes[10] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + table))
        let verify = try runTool("sochdb", ["verify", "--db", dir])
        #expect(verify.0 == 2 && verify.2.contains(table))
    }

    @Test func secondProcessGetsLockedQuickly() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = try StorageEngine.open(path: dir)
        try engine.put(Array("a".utf8), Array("1".utf8))
        let started = Date()
        let (status, out, err) = try runTool("sochdb", ["put", "--db", dir, "b", "2"])
        #expect(status == 3 && out.isEmpty && err.contains("locked"))
        #expect(Date().timeIntervalSince(started) < 5)   // generous bound for a loaded CI machine; it is immediate
        #expect(try engine.get(Array("b".utf8)) == nil)
        try engine.close()
    }

    @Test func crashTestKillsTheWriterAHundredTimes() throws {
        let (status, out, err) = try runTool("sochdb-stress", ["crash", "--iterations", "100", "--max-run-ms", "150"])
        #expect(status == 0, "\(out)\(err)")
        #expect(out.hasPrefix("crash: PASS 100 iterations"))
    }

    @Test func crashTestKeepsTheBankTotalThroughKills() throws {
        let (status, out, err) = try runTool("sochdb-stress", ["crash", "--workload", "bank", "--iterations", "50", "--max-run-ms", "150"])
        #expect(status == 0, "\(out)\(err)")
        #expect(out.hasPrefix("crash: PASS 50 iterations"))
    }

    @Test func crashTestKeepsEveryAcknowledgedCollectionUpsert() throws {
        let (status, out, err) = try runTool("sochdb-stress", ["crash", "--workload", "collection", "--iterations", "25",
                                                               "--max-run-ms", "150", "--sync", "full"])
        #expect(status == 0, "\(out)\(err)")
        #expect(out.hasPrefix("crash: PASS 25 iterations"))
    }

    @Test func powerLossTestKeepsEverySyncedBatch() throws {
        let (status, out, err) = try runTool("sochdb-stress", ["power-loss", "--iterations", "100"])
        #expect(status == 0, "\(out)\(err)")
        #expect(out.hasPrefix("power-loss: PASS 100 iterations"))
    }
}

struct ByteEscapingTests {
    @Test func roundTripsEveryByteString() throws {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let bytes = (0..<Int(rng.next() % 24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let text = ByteEscaping.escape(bytes)
            #expect(!text.contains("\t") && !text.contains("\n"))
            #expect(try ByteEscaping.unescape(text) == bytes)
        }
        #expect(ByteEscaping.escape(Array("héllo 日本".utf8)) == "héllo 日本")
        #expect(ByteEscaping.escape([0xC3]) == "\\xc3")             // a lone lead byte is not text
        #expect(ByteEscaping.escape([0x5C, 0x7F]) == "\\\\\\x7f")
        for bad in ["\\", "\\q", "\\x4", "\\xZZ"] {
            #expect(throws: ByteEscaping.MalformedEscape.self) { try ByteEscaping.unescape(bad) }
        }
    }
}
