import ArgumentParser
import Foundation
import SochClient
import SochDB
import SochWire

/// `sochdb remote …`: the same reads and writes through a running
/// `sochdb-server` (IpcClient) instead of opening the directory, so they
/// work while the server owns it. Exit status: 0 success, 1 `get` found no
/// value, 4 the server could not be reached or failed, 64 bad input.
struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Talk to a running sochdb-server over its Unix socket.",
        subcommands: [RemotePing.self, RemotePut.self, RemoteGet.self, RemoteDelete.self, RemoteLoad.self,
                      RemoteScan.self, RemoteStats.self, RemoteSQL.self])
}

struct RemoteOptions: ParsableArguments {
    @Option(help: "The server's socket (e.g. ./my_db/sochdb.sock).") var socket: String
    @Option(help: "Seconds to wait for each reply.") var timeout: Double = 30

    func withClient(_ body: (IpcClient) throws -> Void) throws {
        do {
            let client = try IpcClient.connect(path: socket, timeout: timeout)
            defer { client.close() }
            try body(client)
        } catch let e as SochDBError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(e.code == 120 ? 64 : 4)
        } catch let e as ByteEscaping.MalformedEscape {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(64)
        }
    }
}

struct RemotePing: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Print the round-trip time in milliseconds.")
    @OptionGroup var remote: RemoteOptions
    func run() throws { try remote.withClient { print(String(format: "%.3f ms", try $0.ping() * 1000)) } }
}

struct RemotePut: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "Store VALUE under KEY.")
    @OptionGroup var remote: RemoteOptions
    @Argument var key: String
    @Argument var value: String
    func run() throws { try remote.withClient { try $0.put(try bytes(key), try bytes(value)) } }
}

struct RemoteGet: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the value of KEY; exit status 1 if absent.")
    @OptionGroup var remote: RemoteOptions
    @Argument var key: String
    func run() throws {
        var found = true
        try remote.withClient { c in
            if let v = try c.get(try bytes(key)) { print(ByteEscaping.escape(v)) } else { found = false }
        }
        if !found { throw ExitCode(1) }
    }
}

struct RemoteDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete KEY (no error if absent).")
    @OptionGroup var remote: RemoteOptions
    @Argument var key: String
    func run() throws { try remote.withClient { try $0.delete(try bytes(key)) } }
}

struct RemoteLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Read key<TAB>value lines from stdin and PUT each; print the count.")
    @OptionGroup var remote: RemoteOptions
    func run() throws {
        try remote.withClient { c in
            var n = 0
            while let line = readLine(strippingNewline: true) {
                if line.isEmpty { continue }
                guard let tab = line.firstIndex(of: "\t") else {
                    throw SochDBError.invalidArgument("stdin line \(n + 1): expected key<TAB>value")
                }
                try c.put(try bytes(String(line[..<tab])), try bytes(String(line[line.index(after: tab)...])))
                n += 1
            }
            print(n)
        }
    }
}

struct RemoteScan: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "Print key<TAB>value lines under a prefix, in key order.")
    @OptionGroup var remote: RemoteOptions
    @Option(help: "Only keys starting with this prefix.") var prefix: String = ""
    @Flag(help: "Print only the number of pairs.") var count = false
    func run() throws {
        try remote.withClient { c in
            let n = try c.scan(prefix: try bytes(prefix)) { (batch: [KeyValue]) throws(SochDBError) in
                guard !count else { return }
                var out = ""
                for p in batch { out += ByteEscaping.escape(p.key) + "\t" + ByteEscaping.escape(p.value) + "\n" }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
            if count { print(n) }
        }
    }
}

struct RemoteStats: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Print the server's and the engine's statistics as JSON.")
    @OptionGroup var remote: RemoteOptions
    func run() throws { try remote.withClient { print(MetadataValue.object(try $0.stats()).json) } }
}

struct RemoteSQL: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sql", abstract: "Run one SQL statement; print the result as TOON.")
    @OptionGroup var remote: RemoteOptions
    @Argument var statement: String
    func run() throws { try remote.withClient { print(try $0.executeSQLTOON(statement)) } }
}
