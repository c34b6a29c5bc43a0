import ArgumentParser
import Foundation
import SochDB

struct BuildIndex: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-index",
        abstract: "Build an HNSW index from an .npy (float32, 2-D) or raw f32 file.",
        discussion: """
            The index is written to a temporary file and renamed into place, so a failed \
            build leaves no partial OUTPUT. Prints build statistics at the end (--json: one JSON object).
            """)

    @Option(help: "Vectors: .npy (<f4, 2-D, C order) or raw little-endian float32.") var input: String
    @Option(help: "Index file to write.") var output: String
    @Option(help: "Vector dimension: required for raw input, checked for .npy.") var dimension: Int?
    @Option(name: .customLong("max-connections"), help: "HNSW M: links per node (level 0 keeps 2·M).") var maxConnections = 16
    @Option(name: .customLong("ef-construction"), help: "Candidate list size while inserting.") var efConstruction = 100
    @Option(help: "Build threads (0 = all cores).") var threads = 0
    @Option(name: .customLong("batch-size"), help: "Vectors between progress updates.") var batchSize = 1000
    @Option(help: "Distance: l2 (squared), cosine, ip.") var metric: Metric = .l2
    @Option(help: "External ids: .npy of int64/int32, one per vector (default: row numbers).") var ids: String?
    @Option(help: "Reorder vectors for locality before building: none, random_projection, kmeans.") var ordering: VectorOrdering = .none
    @Option(help: "Seed for level draws and ordering.") var seed: UInt64 = 100
    @Option(help: "Graph construction: automatic (batched from 10,000 vectors), batched, incremental.") var construction: ConstructionMethod = .automatic
    @Flag(name: .customLong("direct-read"), help: "Read the input with plain reads instead of mapping it.") var directRead = false
    @Flag(help: "Populate the input mapping up front (MAP_POPULATE). With --direct-read it adds nothing: the reads bring every page in before the build starts.") var prefault = false
    @Flag(help: "Report page faults (minor/major) and bytes read.") var telemetry = false
    @Flag(help: "No progress bar.") var quiet = false
    @Flag(help: "Print the statistics as one JSON object on stdout.") var json = false

    struct Report: Codable {
        var stats: BulkBuildStats
        var metric: String, m: Int, efConstruction: Int, threads: Int, ordering: String
        var telemetry: TelemetryReport?
        enum CodingKeys: String, CodingKey {
            case stats, metric, m, threads, ordering, telemetry
            case efConstruction = "ef_construction"
        }
    }

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be ≥ 0") }
    }

    func run() throws {
        try reportingErrors(input) {
            let before = MappedFile.telemetry.snapshot()
            let vectors = try VectorFile.read(path: input, dimension: dimension,
                                              options: .init(directRead: directRead, prefault: prefault))
            var options = BulkBuildOptions()
            options.metric = metric
            options.ordering = ordering
            options.seed = seed
            options.construction = construction
            if let ids { options.ids = try readIDs(ids, count: vectors.count) }
            if !quiet {
                let bar = ProgressBar(total: vectors.count)
                let step = batchSize
                options.progress = { done, total in
                    if done % step < 1000 || done == total { bar.update(done) }
                }
                writeStandardError("Building \(input): \(vectors.count) × \(vectors.dimension), \(metric.rawValue), M=\(maxConnections), efConstruction=\(efConstruction)\n")
            }
            let stats = try bulkBuildIndex(vectors, output: output, m: maxConnections, efConstruction: efConstruction,
                                           threads: threads, quiet: true, options: options)
            if !quiet { writeStandardError("\n") }
            let tele = telemetry ? TelemetryReport(from: before, to: MappedFile.telemetry.snapshot()) : nil
            if json {
                try printJSON(Report(stats: stats, metric: metric.rawValue, m: maxConnections, efConstruction: efConstruction,
                                     threads: threads, ordering: ordering.rawValue, telemetry: tele))
            } else {
                print("Vectors: \(stats.vectors)")
                print("Dimension: \(stats.dimension)")
                print(String(format: "Elapsed: %.3f s", stats.elapsedSeconds))
                print(String(format: "Rate: %.0f vectors/s", stats.rate))
                print("Index size: \(stats.indexSizeBytes) bytes")
                if let tele {
                    print("Page faults: \(tele.minorPageFaults) minor, \(tele.majorPageFaults) major")
                    print("Bytes read: \(tele.storageBytesRead) from storage, \(tele.directBytesRead) by direct reads")
                    print("Peak RSS: \(tele.peakRSSBytes) bytes")
                }
            }
        }
    }

    private func readIDs(_ path: String, count: Int) throws -> [Int64] {
        let (values, shape) = try VectorFile.readIntegers(path: path)
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            throw SochVectorError.unsupportedFormat(path: path, reason: "ids must be 1-D, found shape \(shape)")
        }
        guard values.count == count else {
            throw SochVectorError.invalidArgument("\(path) has \(values.count) ids for \(count) vectors")
        }
        return values
    }
}
