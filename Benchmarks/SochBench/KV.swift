// sochdb-bench kv: SochDB's side of the key-value benchmark against SQLite
// and RocksDB (Benchmarks/kv_side_by_side.py runs all three).
//
//   sochdb-bench kv --dir /tmp/x [--keys 1000000 --batch 1000 --value-size 100 ...]
//
// The workload is Benchmarks/kv/kv_workload.h's, generated the same way
// (same keys, values, load order, read and scan-start streams; change both
// together), and the JSON printed on stdout has the same schema. Between the
// cached and uncached rows the engine is closed and the OS page cache
// dropped: with --drop-caches driver this prints "#drop-caches" and waits for
// "ok" or "failed <why>" on stdin.
import ArgumentParser
import Foundation
import SochDB
import SochStorage

struct KV: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Key-value rows on SochDB's storage engine (see Benchmarks/README.md).")

    @Option(help: "Database directory (created; must not exist).") var dir: String
    @Option(help: "Keys loaded.") var keys = 1_000_000
    @Option(help: "Keys per write batch in the load.") var batch = 1000
    @Option(name: .customLong("value-size")) var valueSize = 100
    @Option(help: "Gets in read_random_cached.") var reads = 1_000_000
    @Option(name: .customLong("uncached-reads")) var uncachedReads = 200_000
    @Option(name: .customLong("short-scans")) var shortScans = 10_000
    @Option(name: .customLong("scan-length")) var scanLength = 100
    @Option(name: .customLong("sync-commits")) var syncCommits = 2000
    @Option var seed: UInt64 = 42
    @Option(name: .customLong("cache-mib"), help: "Block cache for the load and the cached reads.") var cacheMiB = 256
    @Option(name: .customLong("small-cache-mib"), help: "Block cache after the reopen.") var smallCacheMiB = 4
    @Option(name: .customLong("drop-caches"), help: "driver, self or none.") var dropCaches = "self"
    @Flag(name: .customLong("compact-before-scans"),
          help: "Diagnostic, SochDB only: compactAll() (untimed) before the scan rows, so they read one sorted run.")
    var compactBeforeScans = false

    func validate() throws {
        guard keys > 0, batch > 0, valueSize >= 0, keys < 1_000_000_000_000_000 else { throw ValidationError("--keys/--batch out of range") }
        guard scanLength <= keys else { throw ValidationError("--scan-length exceeds --keys") }
        guard ["driver", "self", "none"].contains(dropCaches) else { throw ValidationError("--drop-caches must be driver, self or none") }
    }

    func run() throws {
        let w = KVWorkload(keys: keys, valueSize: valueSize, seed: seed)
        let report = KVReport(engine: "sochdb", version: "0.1.0", params: params)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)

        let loadedBytes = try loadPhase(w, report)
        let (dropped, note) = KVEnvironment.dropPageCache(mode: dropCaches)
        if !dropped { log("kvbench: page cache NOT dropped (\(note)): uncached reads hit the OS page cache") }
        try reopenedPhase(w, report)

        report.fields["db_size_bytes"] = loadedBytes
        report.fields["db_size_final_bytes"] = KVEnvironment.directoryBytes(dir)
        report.fields["page_cache_dropped"] = dropped
        report.fields["page_cache_note"] = note
        report.fields["peak_rss_kb"] = KVEnvironment.peakRSSKiB()
        try report.print()
    }

    private var params: [String: Any] {
        ["keys": keys, "batch": batch, "value_size": valueSize, "reads": reads, "uncached_reads": uncachedReads,
         "short_scans": shortScans, "scan_length": scanLength, "sync_commits": syncCommits, "seed": seed,
         "cache_mib": cacheMiB, "small_cache_mib": smallCacheMiB]
    }

    private func open(cacheMiB: Int, sync: SyncMode) throws -> StorageEngine {
        try StorageEngine.open(path: dir, options: StorageOptions(
            syncMode: sync, memtableSizeBytes: 64 << 20, blockCacheBytes: cacheMiB << 20))
    }

    /// bulk_load, flush, read_random_cached; returns the size after the flush.
    private func loadPhase(_ w: KVWorkload, _ report: KVReport) throws -> Int {
        let engine = try open(cacheMiB: cacheMiB, sync: .normal)
        var key = [UInt8](repeating: 0, count: KVWorkload.keySize)
        var value = [UInt8](repeating: 0, count: valueSize)
        var order = w.permutation()
        var wb = WriteBatch()
        var t0 = kvNow()
        for start in stride(from: 0, to: keys, by: batch) {
            wb.clear()
            for i in start..<min(start + batch, keys) {
                w.key(order[i], into: &key)
                w.value(order[i], into: &value)
                wb.put(key, value)
            }
            try engine.write(wb)
        }
        report.row("bulk_load", ops: keys, seconds: kvNow() - t0)
        order = []

        t0 = kvNow()
        try engine.checkpoint()
        report.row("flush", ops: 0, seconds: kvNow() - t0)
        let loadedBytes = KVEnvironment.directoryBytes(dir)

        // Warm-up: every key once, in key order, checking the full value.
        var wrong = 0
        t0 = kvNow()
        for i in 0..<keys {
            w.key(UInt64(i), into: &key)
            w.value(UInt64(i), into: &value)
            if try engine.get(key) != value { wrong += 1 }
        }
        let warm = kvNow() - t0
        let (misses, seconds) = try randomGets(engine, w, count: reads, stream: KVWorkload.streamCachedReads)
        report.row("read_random_cached", ops: reads, seconds: seconds)
        report.set("misses", misses)
        report.set("warmup_seconds", warm)
        report.set("warmup_wrong_values", wrong)
        report.fields["statistics_after_cached_reads"] = Self.summary(engine.statistics())
        try engine.close()
        return loadedBytes
    }

    /// read_random_uncached, scan_full, scan_short on a small cache, then
    /// commit_sync on an engine reopened with syncMode .full.
    private func reopenedPhase(_ w: KVWorkload, _ report: KVReport) throws {
        let io0 = KVEnvironment.storageReadBytes()
        var t0 = kvNow()
        var engine = try open(cacheMiB: smallCacheMiB, sync: .normal)
        let openSeconds = kvNow() - t0
        let io1 = KVEnvironment.storageReadBytes()
        let (misses, seconds) = try randomGets(engine, w, count: uncachedReads, stream: KVWorkload.streamUncachedReads)
        report.row("read_random_uncached", ops: uncachedReads, seconds: seconds)
        report.set("misses", misses)
        report.set("storage_read_bytes", KVEnvironment.storageReadBytes() - io1)
        report.set("open_seconds", openSeconds)
        report.set("open_storage_read_bytes", io1 - io0)

        if compactBeforeScans {
            let c0 = kvNow()
            try engine.compactAll()
            log("compactAll before the scans: \(String(format: "%.3f", kvNow() - c0)) s")
        }
        let io2 = KVEnvironment.storageReadBytes()
        try scanFull(engine, report)
        report.set("storage_read_bytes", KVEnvironment.storageReadBytes() - io2)
        try scanShort(engine, w, report)
        report.fields["statistics_after_scans"] = Self.summary(engine.statistics())
        try engine.close()

        // The sync mode is an open-time option: SQLite switches PRAGMA
        // synchronous and RocksDB its WriteOptions at the same point.
        engine = try open(cacheMiB: smallCacheMiB, sync: .full)
        var key = [UInt8](repeating: 0, count: KVWorkload.keySize)
        var value = [UInt8](repeating: 0, count: valueSize)
        var latencies = [Double](repeating: 0, count: syncCommits)
        t0 = kvNow()
        for j in 0..<syncCommits {
            w.key(UInt64(keys + j), into: &key)
            w.value(UInt64(keys + j), into: &value)
            let t = kvNow()
            try engine.put(key, value)
            latencies[j] = (kvNow() - t) * 1e6
        }
        report.row("commit_sync", ops: syncCommits, seconds: kvNow() - t0)
        latencies.sort()
        report.set("p50_us", KVWorkload.percentile(sorted: latencies, 0.50))
        report.set("p99_us", KVWorkload.percentile(sorted: latencies, 0.99))
        report.set("max_us", latencies.last ?? 0)
        try engine.close()
    }

    /// The engine's shape and cache counters, for reading the rows (not timed).
    private static func summary(_ s: StorageStatistics) -> [String: Any] {
        ["tables_per_level": s.tablesPerLevel, "bytes_per_level": s.bytesPerLevel.map { Int($0) },
         "flushes": Int(s.flushes), "compactions": Int(s.compactions), "write_amplification": s.writeAmplification,
         "cache_hits": Int(s.cacheHits), "cache_misses": Int(s.cacheMisses), "bytes_read": Int(s.bytesRead)]
    }

    private func randomGets(_ engine: StorageEngine, _ w: KVWorkload, count: Int, stream: UInt64) throws -> (misses: Int, seconds: Double) {
        var key = [UInt8](repeating: 0, count: KVWorkload.keySize)
        var rng = SplitMix64(seed: KVWorkload.streamSeed(seed, stream))
        var misses = 0
        let t0 = kvNow()
        for _ in 0..<count {
            w.key(rng.next() % UInt64(keys), into: &key)
            if try engine.get(key)?.count != valueSize { misses += 1 }
        }
        return (misses, kvNow() - t0)
    }

    private func scanFull(_ engine: StorageEngine, _ report: KVReport) throws {
        // The same per-key work as kv_workload.h: memcmp against the previous
        // key (kept in a fixed buffer of the key size), a value-length check,
        // memcpy of the key.
        var seen = 0, orderErrors = 0, badValues = 0
        let previous = UnsafeMutableRawPointer.allocate(byteCount: KVWorkload.keySize, alignment: 8)
        defer { previous.deallocate() }
        var previousLength = 0
        let t0 = kvNow()
        let cursor = try engine.scan()
        while true {
            let entries = try cursor.nextPackedBatch(maxEntries: 1024)
            if entries.isEmpty { break }
            entries.forEachView { key, value in
                if seen > 0 {
                    let c = memcmp(previous, key.baseAddress!, min(previousLength, key.count))
                    if c > 0 || (c == 0 && previousLength >= key.count) { orderErrors += 1 }
                }
                if value.count != valueSize { badValues += 1 }
                previousLength = min(key.count, KVWorkload.keySize)
                previous.copyMemory(from: key.baseAddress!, byteCount: previousLength)
                seen += 1
            }
        }
        report.row("scan_full", ops: seen, seconds: kvNow() - t0)
        report.set("keys_seen", seen)
        report.set("expected_keys", keys)
        report.set("order_errors", orderErrors)
        report.set("bad_values", badValues)
    }

    private func scanShort(_ engine: StorageEngine, _ w: KVWorkload, _ report: KVReport) throws {
        var start = [UInt8](repeating: 0, count: KVWorkload.keySize)
        var rng = SplitMix64(seed: KVWorkload.streamSeed(seed, KVWorkload.streamShortScans))
        var errors = 0
        let t0 = kvNow()
        for _ in 0..<shortScans {
            w.key(rng.next() % UInt64(keys - scanLength + 1), into: &start)
            let cursor = try engine.scan(from: start)
            var got = 0
            while got < scanLength {
                let entries = try cursor.nextPackedBatch(maxEntries: scanLength - got)
                if entries.isEmpty { break }
                if got == 0 && !entries[0].key.elementsEqual(start) { errors += 1 }
                got += entries.count
            }
            if got != scanLength { errors += 1 }
        }
        report.row("scan_short", ops: shortScans, seconds: kvNow() - t0)
        report.set("errors", errors)
    }
}

/// Keys, values and orders of the key-value workload (kv_workload.h's contract).
struct KVWorkload {
    static let keySize = 16
    static let streamPermutation: UInt64 = 1, streamValues: UInt64 = 2, streamCachedReads: UInt64 = 3
    static let streamUncachedReads: UInt64 = 4, streamShortScans: UInt64 = 5

    let keys: Int, valueSize: Int, seed: UInt64
    private let valueSeed: UInt64

    init(keys: Int, valueSize: Int, seed: UInt64) {
        self.keys = keys
        self.valueSize = valueSize
        self.seed = seed
        valueSeed = Self.streamSeed(seed, Self.streamValues)
    }

    static func streamSeed(_ seed: UInt64, _ stream: UInt64) -> UInt64 {
        var s = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        return s.next()
    }

    /// "k" and 15 zero-padded decimal digits of i, into key[0..<16].
    func key(_ i: UInt64, into key: inout [UInt8]) {
        var n = i
        key[0] = UInt8(ascii: "k")
        for p in stride(from: Self.keySize - 1, through: 1, by: -1) {
            key[p] = UInt8(ascii: "0") + UInt8(n % 10)
            n /= 10
        }
    }

    /// value(i): SplitMix64 outputs, little-endian, into value[0..<valueSize].
    func value(_ i: UInt64, into value: inout [UInt8]) {
        var rng = SplitMix64(seed: valueSeed ^ (i &* 0xD1B5_4A32_D192_ED03))
        var off = 0
        while off < valueSize {
            let r = rng.next()
            for b in 0..<min(8, valueSize - off) { value[off + b] = UInt8(truncatingIfNeeded: r >> (8 * UInt64(b))) }
            off += 8
        }
    }

    /// The load order: Fisher-Yates over 0..<keys.
    func permutation() -> [UInt64] {
        var p = (0..<UInt64(keys)).map { $0 }
        var rng = SplitMix64(seed: Self.streamSeed(seed, Self.streamPermutation))
        var i = keys - 1
        while i >= 1 {
            let j = Int(rng.next() % UInt64(i + 1))
            p.swapAt(i, j)
            i -= 1
        }
        return p
    }

    /// Nearest-rank percentile of an ascending array.
    static func percentile(sorted v: [Double], _ p: Double) -> Double {
        if v.isEmpty { return 0 }
        let rank = Int((p * Double(v.count)).rounded(.up))
        return v[max(rank, 1) - 1]
    }
}

/// The JSON object kvbench prints; rows log to stderr as they are added.
final class KVReport {
    private let engine: String, version: String, params: [String: Any]
    private var rows: [String: [String: Any]] = [:]
    private var current = ""
    var fields: [String: Any] = [:]

    init(engine: String, version: String, params: [String: Any]) {
        self.engine = engine
        self.version = version
        self.params = params
    }

    /// Starts a row; ops == 0 leaves out ops and ops_per_s (the flush row).
    func row(_ name: String, ops: Int, seconds: Double) {
        current = name
        var r: [String: Any] = ["seconds": seconds]
        if ops > 0 { r["ops"] = ops; r["ops_per_s"] = Double(ops) / seconds }
        rows[name] = r
        log("kvbench: " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %10.3f s", seconds)
            + (ops > 0 ? String(format: "  %12.0f ops/s", Double(ops) / seconds) : ""))
    }

    /// Adds a number to the current row.
    func set(_ key: String, _ value: Any) {
        rows[current]?[key] = value
        log("kvbench:   \(key) = \(value)")
    }

    func print() throws {
        var obj = fields
        obj["engine"] = engine
        obj["version"] = version
        obj["params"] = params
        obj["rows"] = rows
        let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Process and OS probes, with kv_workload.h's meanings.
enum KVEnvironment {
    static func peakRSSKiB() -> Int { MappedFile.telemetry.snapshot().peakRSSBytes / 1024 }

    /// read_bytes of /proc/self/io (storage reads the page cache did not serve), or 0.
    static func storageReadBytes() -> Int { MappedFile.telemetry.snapshot().storageBytesRead }

    /// Sum of the apparent sizes of the regular files under dir.
    static func directoryBytes(_ dir: String) -> Int {
        var total = 0
        guard let e = FileManager.default.enumerator(atPath: dir) else { return 0 }
        while e.nextObject() != nil {
            let attrs = e.fileAttributes
            if attrs?[.type] as? FileAttributeType == .typeRegular { total += (attrs?[.size] as? NSNumber)?.intValue ?? 0 }
        }
        return total
    }

    /// Drops the OS page cache; returns whether it was dropped and, if not, why.
    static func dropPageCache(mode: String) -> (Bool, String) {
        switch mode {
        case "none":
            return (false, "not attempted (--drop-caches none)")
        case "driver":
            FileHandle.standardOutput.write(Data("#drop-caches\n".utf8))   // unbuffered
            guard let line = readLine() else { return (false, "driver did not answer") }
            return line.hasPrefix("ok") ? (true, "") : (false, line)
        default:
            sync()
            do {
                let f = try FileHandle(forWritingTo: URL(fileURLWithPath: "/proc/sys/vm/drop_caches"))
                defer { try? f.close() }
                try f.write(contentsOf: Data("3".utf8))
                return (true, "")
            } catch {
                return (false, "writing /proc/sys/vm/drop_caches failed: \(error.localizedDescription)")
            }
        }
    }
}

func kvNow() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// `sochdb-bench kv-scan --dir DIR`: times full scans of an existing
/// database (a profiling aid for the scan path; the side-by-side row is `kv`).
struct KVScan: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kv-scan", abstract: "Time full scans of an existing database.")
    @Option var dir: String
    @Option var repeats = 3
    @Option(name: .customLong("cache-mib")) var cacheMiB = 4
    @Option(name: .customLong("batch")) var batch = 1024
    @Flag(name: .customLong("no-compaction"), help: "Open without background work, so the tables stay as they are.")
    var noCompaction = false

    func run() throws {
        let engine = try StorageEngine.open(path: dir, options: StorageOptions(blockCacheBytes: cacheMiB << 20,
                                                                               backgroundWork: !noCompaction))
        for _ in 0..<repeats {
            let t0 = kvNow()
            var n = 0, bytes = 0
            let cursor = try engine.scan()
            while true {
                let b = try cursor.nextPackedBatch(maxEntries: batch)
                if b.isEmpty { break }
                n += b.count
                bytes += b.bytes.count
            }
            let s = kvNow() - t0
            log(String(format: "scan: %d keys, %d bytes in %.3f s: %.0f keys/s", n, bytes, s, Double(n) / s))
        }
        try engine.close()
    }
}
