// `sochdb collection …`: create, import into, search, read and inspect the
// vector collections of a database (docs/formats/collections.md).
import ArgumentParser
import Dispatch
import Foundation
import SochDB

struct CollectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collection",
        abstract: "Vector collections: vectors with metadata, searchable by similarity and readable by id.",
        subcommands: [Create.self, Import.self, Search.self, GetRecord.self, DeleteRecord.self, Info.self, List.self, Drop.self])

    /// The database and collection every subcommand names.
    struct Target: ParsableArguments {
        @Option(help: "The database directory.") var db: String
        @Option(help: "WAL sync mode: off, normal or full.") var sync: String = "normal"
        @Option(help: "The collection's name.") var name: String
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an empty collection.")
        @OptionGroup var target: Target
        @Option(help: "Vector dimension.") var dimension: Int
        @Option(help: "Distance: l2, cosine or ip.") var metric = "l2"
        @Option(help: "HNSW links per node (level 0 keeps 2·m).") var m = 16
        @Option(name: .customLong("ef-construction"), help: "HNSW build candidate list size.") var efConstruction = 100
        func run() throws {
            guard let metric = Metric(name: metric) else { throw ValidationError("--metric must be l2, cosine or ip") }
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                try db.createCollection(target.name, dimension: dimension, metric: metric, m: m, efConstruction: efConstruction)
                print("created collection \(target.name): dimension \(dimension), \(metric.rawValue), m \(m), ef_construction \(efConstruction)")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upsert vectors from a .npy/.fvecs/raw f32 file, with optional metadata and ids.",
            discussion: """
            Ids default to the row number as text. --metadata is a JSON Lines file with one object per \
            row (an empty line or `{}` for none). Rows are committed in batches of --batch; each batch \
            is atomic, and a failure stops the import after the batches already committed.
            """)
        @OptionGroup var target: Target
        @Option(help: "The vectors (.npy float32, .fvecs, or raw f32 with the collection's dimension).") var vectors: String
        @Option(help: "JSON Lines: one metadata object per row.") var metadata: String?
        @Option(help: "One id per line, one line per row.") var ids: String?
        @Option(help: "Rows per committed batch.") var batch = 5_000
        func run() throws {
            guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1") }
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                let c = try db.collection(target.name)
                let matrix = try VectorFile.read(path: vectors, dimension: c.dimension)
                let idList = try ids.map { try readLines($0) } ?? (0..<matrix.count).map(String.init)
                guard idList.count == matrix.count else {
                    throw SochDBError.invalidArgument("\(ids ?? ""): \(idList.count) ids for \(matrix.count) vectors")
                }
                let docs = try metadata.map { try readMetadata($0, rows: matrix.count) }
                let bar = ProgressBar(total: matrix.count)
                let t0 = DispatchTime.now().uptimeNanoseconds
                var start = 0
                while start < matrix.count {
                    let end = min(start + batch, matrix.count)
                    try c.upsert((start..<end).map { CollectionRecord(id: idList[$0], vector: matrix[$0], metadata: docs?[$0] ?? [:]) })
                    bar.update(end)
                    start = end
                }
                bar.finish()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                print(String(format: "imported %d vectors into %@ in %.2f s (%.0f vectors/s); %d in the collection",
                             matrix.count, target.name, seconds, Double(matrix.count) / max(seconds, 1e-9), c.count))
            }
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "k-NN search; prints `query rank id distance` (tab-separated) per result.",
            discussion: #"--filter takes a JSON filter such as '{"lang": "en", "year": {"$gte": 2020}}' (docs/filters.md)."#)
        @OptionGroup var target: Target
        @Option(help: "Query vectors (.npy, .fvecs or raw f32), one or more rows.") var query: String
        @Option var k = 10
        @Option(help: "Search candidate list size.") var ef = 64
        @Option(help: "A metadata filter as JSON.") var filter: String?
        @Option(help: "Write the results to this .tsv file instead of stdout.") var output: String?
        @Flag(name: .customLong("with-metadata"), help: "Add a metadata column (JSON).") var withMetadata = false
        func run() throws {
            guard k >= 1, ef >= 1 else { throw ValidationError("--k and --ef must be ≥ 1") }
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                let c = try db.collection(target.name)
                let parsed: MetadataFilter?
                do { parsed = try filter.map { try MetadataFilter.parse(json: $0) } } catch {
                    throw SochDBError.invalidArgument("--filter: \(error)")
                }
                let queries = try VectorFile.read(path: query, dimension: c.dimension, allowSingleRow: true)
                var text = "query\trank\tid\tdistance" + (withMetadata ? "\tmetadata" : "") + "\n"
                let t0 = DispatchTime.now().uptimeNanoseconds
                for q in 0..<queries.count {
                    for (rank, hit) in try c.search(queries[q], k: k, ef: max(ef, k), filter: parsed).enumerated() {
                        text += "\(q)\t\(rank)\t\(tsvField(hit.id))\t\(hit.distance)"
                        if withMetadata { text += "\t" + json(hit.metadata) }
                        text += "\n"
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                if let output {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                } else {
                    print(text, terminator: "")
                }
                if queries.count > 1 {
                    FileHandle.standardError.write(Data(String(format: "%d queries in %.3f s: %.0f queries/s (k=%d, ef=%d)\n",
                                                               queries.count, seconds, Double(queries.count) / max(seconds, 1e-9), k, ef).utf8))
                }
            }
        }
    }

    struct GetRecord: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Print ID's metadata as JSON (exit status 1 if absent); --vector adds the vector.")
        @OptionGroup var target: Target
        @Argument var id: String
        @Flag(help: "Print {\"metadata\": …, \"vector\": […]} instead.") var vector = false
        func run() throws {
            var found = true
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                guard let r = try db.collection(target.name).get(id) else { found = false; return }
                if vector {
                    let v = r.vector.map { "\($0)" }.joined(separator: ", ")
                    print("{\"metadata\": \(json(r.metadata)), \"vector\": [\(v)]}")
                } else {
                    print(json(r.metadata))
                }
            }
            if !found { throw ExitCode(1) }
        }
    }

    struct DeleteRecord: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete the vectors with these ids (exit status 1 if none existed).")
        @OptionGroup var target: Target
        @Argument var ids: [String]
        func run() throws {
            var deleted = 0
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                let c = try db.collection(target.name)
                for id in ids where try c.delete(id) { deleted += 1 }
                print("deleted \(deleted) of \(ids.count)")
            }
            if deleted == 0 && !ids.isEmpty { throw ExitCode(1) }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the collection's settings and counts as JSON.")
        @OptionGroup var target: Target
        func run() throws {
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                let i = try db.collection(target.name).info()
                let fields: [(String, String)] = [
                    ("name", json(.string(i.config.name))), ("dimension", "\(i.config.dimension)"),
                    ("metric", json(.string(i.config.metric.rawValue))), ("m", "\(i.config.m)"),
                    ("ef_construction", "\(i.config.efConstruction)"), ("count", "\(i.count)"),
                    ("graph_nodes", "\(i.graphNodes)"), ("tombstones", "\(i.tombstones)"),
                    ("graph_file", i.graphFile.map { json(.string($0)) } ?? "null"),
                ]
                print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the names of the database's collections, one per line.")
        @Option(help: "The database directory.") var db: String
        func run() throws {
            try withCollectionDatabase(db, sync: "normal") { db in for n in try db.listCollections() { print(n) } }
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete the collection with all its vectors and metadata.")
        @OptionGroup var target: Target
        func run() throws {
            try withCollectionDatabase(target.db, sync: target.sync) { db in
                try db.dropCollection(target.name)
                print("dropped collection \(target.name)")
            }
        }
    }
}

/// Opens the database, runs `body`, closes it (saving the collections'
/// graphs), mapping failures to the tool's exit statuses: 1 not found,
/// 2 damage, 3 I/O or locked, 64 bad input.
func withCollectionDatabase(_ path: String, sync: String, _ body: (Database) throws -> Void) throws {
    guard let mode = SyncMode(rawValue: sync) else { throw ValidationError("--sync must be off, normal or full") }
    do {
        let db = try Database.open(path, options: Database.Options(syncMode: mode))
        do { try body(db) } catch { try? db.close(); throw error }
        try db.close()
    } catch let e as SochDBError {
        FileHandle.standardError.write(Data("error: \(e)\n".utf8))
        switch e {
        case .notFound: throw ExitCode(1)
        case .sql: throw ExitCode(64)
        case .database(let s): throw ExitCode(s.isCorruption ? 2 : s.code >= 300 ? 3 : 64)
        case .transaction: throw ExitCode(3)
        default: throw ExitCode(64)
        }
    } catch let e as SochVectorError {
        FileHandle.standardError.write(Data("error: \(e)\n".utf8))
        throw ExitCode(64)
    }
}

private func readLines(_ path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

private func readMetadata(_ path: String, rows: Int) throws -> [Metadata] {
    let lines = try readLines(path)
    guard lines.count == rows else {
        throw SochDBError.invalidArgument("\(path): \(lines.count) metadata lines for \(rows) vectors")
    }
    return try lines.enumerated().map { n, line in
        if line.trimmingCharacters(in: .whitespaces).isEmpty { return [:] }
        do { return try JSONDecoder().decode(Metadata.self, from: Data(line.utf8)) } catch {
            throw SochDBError.invalidArgument("\(path) line \(n + 1): not a JSON object")
        }
    }
}

func json(_ metadata: Metadata) -> String { MetadataValue.object(metadata).json }

func json(_ value: MetadataValue) -> String { value.json }

/// An id as one TSV field: tabs and newlines escaped.
private func tsvField(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
}
