import ArgumentParser
import Foundation
import SochDB

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an index file's metadata.")

    @Option(help: "Index file.") var index: String
    @Flag(help: "Also check every section checksum and the graph's structure.") var verify = false
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try reportingErrors(index) {
            let info = try bulkInfo(index: index, verify: verify)
            if json {
                try printJSON(info)
                return
            }
            print("Dimension: \(info.dimension)")
            print("Vectors: \(info.count)")
            print("Deleted: \(info.deletedCount)")
            print("Max connections: \(info.m)")
            print("Ef construction: \(info.efConstruction)")
            print("Metric: \(info.metric.rawValue)")
            print("Entry point: \(info.entryPoint.map(String.init) ?? "none")")
            print("Max level: \(info.maxLevel)")
            print("Level histogram: " + info.levelHistogram.enumerated().map { "\($0.offset):\($0.element)" }.joined(separator: " "))
            print("File size: \(info.fileSizeBytes ?? 0) bytes")
            print("Format version: \(info.formatVersion)")
            if verify { print("Verified: all section checksums and graph structure OK") }
        }
    }
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Convert vectors between .npy and raw f32.")

    @Option(help: "Input vectors (.npy or raw f32).") var input: String
    @Option(help: "Output file.") var output: String
    @Option(name: .customLong("to-format"), help: "raw_f32 or npy.") var toFormat: VectorFile.Format
    @Option(help: "Dimension: required for raw input, checked for .npy.") var dimension: Int?

    func run() throws {
        try reportingErrors(input) {
            let m = try VectorFile.read(path: input, dimension: dimension)
            try VectorFile.write(m, to: output, format: toFormat)
            writeStandardError("Wrote \(m.count) × \(m.dimension) vectors to \(output) (\(toFormat.rawValue))\n")
        }
    }
}
