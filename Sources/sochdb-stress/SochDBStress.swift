// sochdb-stress: crash and power-loss tests of the storage engine, in the
// spirit of RocksDB's db_stress.
//
//   sochdb-stress crash --iterations 100       SIGKILL a writer process at random moments
//   sochdb-stress power-loss --iterations 100  cut power through the fault-injecting file system
//
// Each prints one verdict line: `crash: PASS 100 iterations, 4211 batches acknowledged, …`
// and exits non-zero on the first violation.
import ArgumentParser
import Foundation
import SochDB

@main
struct SochDBStress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sochdb-stress",
        abstract: "Crash and power-loss tests of the SochDB storage engine.",
        subcommands: [Crash.self, PowerLoss.self, Child.self])
}

/// Small memtables and levels so flushes and compactions happen during the
/// short runs between crashes.
func stressOptions(sync: SyncMode, fileSystem: FileSystem = POSIXFileSystem.shared) -> StorageOptions {
    StorageOptions(syncMode: sync, memtableSizeBytes: 64 << 10, blockCacheBytes: 1 << 20, fileSystem: fileSystem,
                   level1MaxBytes: 256 << 10, levelSizeMultiplier: 4, targetFileSizeBytes: 64 << 10,
                   l0CompactionTrigger: 3, l0StopTrigger: 8)
}

func temporaryDirectory(_ tag: String) -> String {
    let dir = NSTemporaryDirectory() + "sochdb-stress-\(tag)-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    return dir
}

struct Crash: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Kill a committing child process with SIGKILL, reopen, check.")
    @Option var iterations = 100
    @Option var seed: UInt64 = 1
    @Option(help: "Sync mode of the writer (every mode survives a process crash).") var sync = "normal"
    @Option(help: "Longest run of the child before the kill, in milliseconds.") var maxRunMs = 300
    @Option(help: "Database directory (default: a fresh temporary one, removed on success).") var dir: String?
    @Option(help: "batches (atomic write batches), bank (concurrent transfer transactions) or collection (vector upserts and deletes).")
    var workload = "batches"

    func run() throws {
        guard let mode = SyncMode(rawValue: sync) else { throw ValidationError("--sync must be off, normal or full") }
        guard ["batches", "bank", "collection"].contains(workload) else {
            throw ValidationError("--workload must be batches, bank or collection")
        }
        let db = dir ?? temporaryDirectory("crash")
        var rng = SplitMix64(seed: seed)
        var acknowledgedTotal = 0, lastAcknowledged = -1, killedDuringOpen = 0
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        for i in 0..<iterations {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: me)
            child.arguments = ["child", "--db", db, "--sync", mode.rawValue, "--workload", workload, "--start", "\(lastAcknowledged + 1)"]
            let pipe = Pipe()
            child.standardOutput = pipe
            try child.run()
            let acks = AckReader(pipe.fileHandleForReading)
            usleep(useconds_t(rng.next() % UInt64(maxRunMs * 1000)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let seen = acks.finish()
            if seen.isEmpty { killedDuringOpen += 1 }
            acknowledgedTotal += seen.count
            if let last = seen.max() { lastAcknowledged = max(lastAcknowledged, last) }
            if workload == "collection" {
                let database = try Database.open(db, options: CollectionWorkload.options(mode))
                do { try CollectionWorkload.check(database, acknowledged: lastAcknowledged) } catch {
                    print("crash: FAIL at iteration \(i + 1): \(error) (database left in \(db))")
                    throw ExitCode(1)
                }
                try database.close()
                continue
            }
            let engine = try StorageEngine.open(path: db, options: stressOptions(sync: mode))
            do {
                if workload == "bank" {
                    try BankWorkload.check(engine, acknowledged: lastAcknowledged)
                } else {
                    try StressWorkload.check(engine, acknowledged: lastAcknowledged)
                }
            } catch {
                print("crash: FAIL at iteration \(i + 1): \(error) (database left in \(db))")
                throw ExitCode(1)
            }
            try engine.close()
        }
        let unit = ["bank": "transfers", "collection": "upserts"][workload] ?? "batches"
        print("crash: PASS \(iterations) iterations, \(acknowledgedTotal) \(unit) acknowledged and found, last \(lastAcknowledged), \(killedDuringOpen) kills before the first commit")
        if dir == nil { try? FileManager.default.removeItem(atPath: db) }
    }
}

/// Collects the acknowledged batch numbers a child writes, one per line.
final class AckReader: @unchecked Sendable {
    private let handle: FileHandle
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        self.handle = handle
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func finish() -> [Int] {
        done.wait()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
    }
}

struct Child: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(internal) the writer that `crash` kills.", shouldDisplay: false)
    @Option var db: String
    @Option var sync = "normal"
    @Option var workload = "batches"
    @Option var start = 0

    func run() throws {
        if workload == "collection" {
            let mode = SyncMode(rawValue: sync) ?? .normal
            try CollectionWorkload.run(try Database.open(db, options: CollectionWorkload.options(mode)), start: start)
        }
        let engine = try StorageEngine.open(path: db, options: stressOptions(sync: SyncMode(rawValue: sync) ?? .normal))
        if workload == "bank" { try runBank(engine) }
        var j = try StressWorkload.lastBatch(engine) + 1
        while true {
            try engine.write(StressWorkload.batch(j))
            FileHandle.standardOutput.write(Data("\(j)\n".utf8))   // unbuffered: the parent sees each ack at once
            j += 1
        }
    }
}

extension Child {
    /// Three threads transfer until killed; each acknowledged counter value
    /// is written to stdout after its commit returns.
    func runBank(_ engine: StorageEngine) throws -> Never {
        try BankWorkload.setUp(engine)
        for t in 0..<3 {
            Thread.detachNewThread {
                var rng = SplitMix64(seed: UInt64(getpid()) &* 31 &+ UInt64(t))
                while true {
                    guard let count = try? BankWorkload.transfer(engine, rng: &rng) else { Foundation.exit(3) }
                    FileHandle.standardOutput.write(Data("\(count)\n".utf8))
                }
            }
        }
        while true { sleep(60) }
    }
}

struct PowerLoss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power-loss",
        abstract: "Commit in sync mode full through the fault-injecting file system, cut power (dropping unsynced data, tearing the last page, failing a write or sync), reopen, check.")
    @Option var iterations = 100
    @Option var seed: UInt64 = 1
    @Option(help: "Database directory (default: a fresh temporary one, removed on success).") var dir: String?

    func run() throws {
        let db = dir ?? temporaryDirectory("power")
        var rng = SplitMix64(seed: seed)
        var acknowledgedTotal = 0, lastAcknowledged = -1, injected = 0
        for i in 0..<iterations {
            let fs = FaultInjectingFileSystem()
            let engine = try StorageEngine.open(path: db, options: stressOptions(sync: .full, fileSystem: fs))
            var j = try StressWorkload.lastBatch(engine) + 1
            let batches = Int(rng.next() % 300)
            switch rng.next() % 3 {
            case 0: fs.failWrite(after: 1 + Int(rng.next() % 400), errno: rng.next() % 2 == 0 ? EIO : ENOSPC); injected += 1
            case 1: fs.failSync(after: 1 + Int(rng.next() % 200), errno: EIO); injected += 1
            default: break
            }
            for _ in 0..<batches {
                do { try engine.write(StressWorkload.batch(j)) } catch { break }
                lastAcknowledged = j; acknowledgedTotal += 1; j += 1
            }
            fs.halt()
            try? engine.close()
            try fs.simulatePowerLoss(tear: rng.next() % 2 == 0 ? .lastPage(seed: rng.next()) : .none)
            let reopened = try StorageEngine.open(path: db, options: stressOptions(sync: .full))
            do {
                lastAcknowledged = try StressWorkload.check(reopened, acknowledged: lastAcknowledged)
            } catch {
                print("power-loss: FAIL at iteration \(i + 1): \(error) (database left in \(db))")
                throw ExitCode(1)
            }
            try reopened.close()
        }
        print("power-loss: PASS \(iterations) iterations, \(acknowledgedTotal) batches acknowledged and found, \(injected) injected I/O errors, last batch \(lastAcknowledged)")
        if dir == nil { try? FileManager.default.removeItem(atPath: db) }
    }
}
