// sochdb: the database's command-line tool (like sqlite3 or RocksDB's ldb),
// `sochdb <command> --db DIR …`. Keys and values are UTF-8 text with the
// backslash escapes of ByteEscaping (\\ \t \n \r \xHH) for other bytes.
//
// Exit status: 0 success; 1 `get` found no value; 2 the database is damaged
// (also `verify` finding damage); 3 an I/O error or the database is locked
// by another process; 64 bad arguments or input.
import ArgumentParser
import Foundation
import SochDB

@main
struct SochDBTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sochdb",
        abstract: "Read, write and inspect a SochDB database directory.",
        subcommands: [Put.self, Get.self, Delete.self, Scan.self, Load.self, Stats.self, Checkpoint.self, Verify.self, Compact.self,
                      CollectionCommand.self, SQL.self, RemoteCommand.self])
}

/// Options every command takes.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The database directory (created if missing).") var db: String
    @Option(help: "WAL sync mode: off, normal or full.") var sync: String = "normal"
    @Flag(name: .customLong("salvage-wal"), help: "Open a database whose WAL is damaged mid-log, keeping the records before the damage.")
    var salvageWAL = false

    func open() throws -> StorageEngine {
        guard let mode = SyncMode(rawValue: sync) else { throw ValidationError("--sync must be off, normal or full") }
        var options = StorageOptions(syncMode: mode)
        if salvageWAL { options.walRecovery = .salvage }
        return try StorageEngine.open(path: db, options: options)
    }
}

/// Runs `body` with the database open, mapping storage errors to the exit
/// statuses above with `error: …` on stderr. The database is closed (and its
/// WAL synced) before the process exits.
func withDatabase(_ options: DatabaseOptions, _ body: (StorageEngine) throws -> Void) throws {
    do {
        let engine = try options.open()
        do { try body(engine) } catch { try? engine.close(); throw error }
        try engine.close()
    } catch let e as StorageError {
        FileHandle.standardError.write(Data("error: \(e)\n".utf8))
        throw ExitCode(e.isCorruption ? 2 : e.code >= 300 && e.code < 400 ? 3 : e.code >= 500 ? 3 : 64)
    } catch let e as ByteEscaping.MalformedEscape {
        FileHandle.standardError.write(Data("error: \(e)\n".utf8))
        throw ExitCode(64)
    }
}

func bytes(_ text: String) throws -> [UInt8] { try ByteEscaping.unescape(text) }

struct Put: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Store VALUE under KEY; prints the commit's LSN.")
    @OptionGroup var database: DatabaseOptions
    @Argument var key: String
    @Argument var value: String
    func run() throws {
        try withDatabase(database) { print(try $0.put(try bytes(key), try bytes(value))) }
    }
}

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the value of KEY; exit status 1 and no output if absent.")
    @OptionGroup var database: DatabaseOptions
    @Argument var key: String
    func run() throws {
        var found = true
        try withDatabase(database) { engine in
            if let v = try engine.get(try bytes(key)) { print(ByteEscaping.escape(v)) } else { found = false }
        }
        if !found { throw ExitCode(1) }
    }
}

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete KEY (no error if absent); prints the commit's LSN.")
    @OptionGroup var database: DatabaseOptions
    @Argument var key: String
    func run() throws {
        try withDatabase(database) { print(try $0.delete(try bytes(key))) }
    }
}

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print key<TAB>value lines in key order.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only keys starting with this prefix.") var prefix: String?
    @Option(help: "First key (inclusive).") var start: String?
    @Option(help: "Last key (exclusive).") var end: String?
    @Option(help: "Stop after this many lines.") var limit: Int?

    func validate() throws {
        if prefix != nil && (start != nil || end != nil) { throw ValidationError("use --prefix or --start/--end, not both") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        try withDatabase(database) { engine in
            let cursor = try prefix.map { try engine.scan(prefix: try bytes($0)) }
                ?? engine.scan(from: try start.map(bytes), to: try end.map(bytes))
            var printed = 0
            var out = ""
            while limit.map({ printed < $0 }) ?? true {
                let batch = try cursor.nextBatch(maxEntries: min(1024, (limit ?? Int.max) - printed))
                if batch.isEmpty { break }
                for (k, v) in batch { out += ByteEscaping.escape(k) + "\t" + ByteEscaping.escape(v) + "\n" }
                printed += batch.count
                FileHandle.standardOutput.write(Data(out.utf8)); out = ""
            }
        }
    }
}

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read key<TAB>value lines from stdin and commit them in batches; print each batch's LSN once it is committed.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Lines per committed batch.") var batch = 1000

    func validate() throws { if batch < 1 { throw ValidationError("--batch must be at least 1") } }

    func run() throws {
        try withDatabase(database) { engine in
            var wb = WriteBatch()
            var lineNumber = 0
            func commit() throws {
                guard !wb.isEmpty else { return }
                let lsn = try engine.write(wb)
                FileHandle.standardOutput.write(Data("\(lsn)\n".utf8))   // unbuffered: each LSN as soon as it commits
                wb.clear()
            }
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                if line.isEmpty { continue }
                guard let tab = line.firstIndex(of: "\t") else {
                    throw StorageError.invalidArgument("stdin line \(lineNumber): expected key<TAB>value")
                }
                wb.put(try bytes(String(line[..<tab])), try bytes(String(line[line.index(after: tab)...])))
                if wb.count >= batch { try commit() }
            }
            try commit()
        }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the statistics as JSON.")
    @OptionGroup var database: DatabaseOptions
    func run() throws { try withDatabase(database) { print($0.statistics().json) } }
}

struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Flush everything to tables and recycle the WAL; prints the LSN covered.")
    @OptionGroup var database: DatabaseOptions
    func run() throws { try withDatabase(database) { print(try $0.checkpoint()) } }
}

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compact every level down, dropping overwritten values and tombstones.")
    @OptionGroup var database: DatabaseOptions
    func run() throws { try withDatabase(database) { try $0.compactAll(); print($0.statistics().json) } }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read every table block and check every checksum; exit status 2 on damage.")
    @OptionGroup var database: DatabaseOptions
    func run() throws {
        try withDatabase(database) { engine in
            let report = try engine.verify()
            print("ok: \(report.tables) tables, \(report.entries) entries, \(report.bytes) bytes verified")
        }
    }
}
