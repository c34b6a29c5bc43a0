// sochdb-bulk: build, query, inspect and convert HNSW indexes from the shell.
// The seed's CLI (see README "sochdb-bulk"); every command is a thin layer
// over the SochDB bulk API, so the CLI and Swift callers behave the same.
import ArgumentParser
import Foundation
import SochDB

@main
struct SochDBBulk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sochdb-bulk",
        abstract: "Bulk HNSW operations: build an index from .npy/raw f32 vectors, query it, inspect it, convert formats.",
        subcommands: [BuildIndex.self, Query.self, Info.self, Convert.self])
}

/// Runs `body`, turning SochDB errors into `error: …` on stderr and exit 1.
func reportingErrors(_ context: String? = nil, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as SochVectorError {
        let prefix = context.map { "\($0): " } ?? ""
        switch e {
        case .dimensionMismatch, .invalidVector, .invalidArgument: writeStandardError("error: \(prefix)\(e)\n")
        default: writeStandardError("error: \(e)\n")
        }
        throw ExitCode(e.code >= 300 ? 3 : e.code >= 200 ? 2 : 1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}

/// Process counters for `--telemetry`, as a difference of two snapshots.
struct TelemetryReport: Codable {
    var minorPageFaults: Int, majorPageFaults: Int, storageBytesRead: Int, directBytesRead: Int, peakRSSBytes: Int
    init(from a: IOTelemetry.Snapshot, to b: IOTelemetry.Snapshot) {
        minorPageFaults = b.minorFaults - a.minorFaults
        majorPageFaults = b.majorFaults - a.majorFaults
        storageBytesRead = b.storageBytesRead - a.storageBytesRead
        directBytesRead = b.directBytesRead - a.directBytesRead
        peakRSSBytes = b.peakRSSBytes
    }
    enum CodingKeys: String, CodingKey {
        case minorPageFaults = "minor_page_faults", majorPageFaults = "major_page_faults"
        case storageBytesRead = "storage_bytes_read", directBytesRead = "direct_bytes_read", peakRSSBytes = "peak_rss_bytes"
    }
}

extension Metric: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["l2", "cosine", "ip"] }
}

extension VectorOrdering: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
}

extension ConstructionMethod: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
}

extension VectorFile.Format: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "raw_f32", "raw", "f32": self = .rawF32
        case "npy": self = .npy
        default: return nil
        }
    }
}
