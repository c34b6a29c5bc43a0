// Fuzz target `sstable`: one table file (docs/formats/sstable.md).
//
// Feeds: the input as the bytes of a table, served from memory through the
// engine's ReadableFile protocol, to TableReader.open (footer, index,
// properties and bloom filter blocks), then reads it every way the engine
// does: verify(), a full iteration (RunIterator with readahead), a point get
// and a seek for iterated keys. Each input is read as given and with every
// checksum repaired (data, filter, properties and index block trailers, the
// footer CRC), so mutations of the block contents get past the CRCs.
//
// Checks, beyond "no trap / no out-of-bounds read": errors are StorageError;
// iterated keys are internal keys; and when verify() accepts the table:
// iteration yields exactly `entries` keys in strictly increasing order, and
// every iterated key is found by get (same key, same value) and by seek.
// (A table verify() rejects may answer wrongly, by design, but never crash.)
import FuzzStorageSupport
import FuzzSupport
@testable import SochStorage

@_cdecl("fuzz_sstable_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(inputBytes(data), size) }
}

let counters = EngineCounters()

func load64(_ b: [UInt8], _ at: Int) -> UInt64 { b.withUnsafeBytes { loadFixed64($0.baseAddress! + at) } }

/// The input with the trailer CRC of every block it can locate, and the
/// footer CRC, recomputed (the block type byte is left as it is).
func repaired(_ input: [UInt8]) -> [UInt8] {
    var b = input
    let footerSize = TableFormat.footerSize
    guard b.count >= footerSize else { return b }
    let footer = b.count - footerSize
    /// Fixes the trailer of the block at `h` if it lies before the footer; returns its contents.
    func fix(_ h: BlockHandle) -> [UInt8]? {
        guard h.offset <= UInt64(footer), h.size <= UInt64(footer) - h.offset,
              UInt64(footer) - h.offset - h.size >= 5 else { return nil }
        let at = Int(h.offset), size = Int(h.size)
        b.setFixed32(Checksum.crc32c(b[at..<(at + size + 1)]), at: at + size + 1)
        return Array(b[at..<(at + size)])
    }
    func handle(_ at: Int) -> BlockHandle { BlockHandle(offset: load64(b, footer + at), size: load64(b, footer + at + 8)) }
    if let index = fix(handle(32)), let block = try? Block.make(copying: index, path: "index") {
        let it = block.makeIterator()
        it.seekToFirst()
        while it.isValid {
            it.value.withUnsafeBytes { raw in
                var r = ByteReader(raw)
                if let h = BlockHandle.decode(&r) { _ = fix(h) }
            }
            it.next()
        }
    }
    if handle(0).size > 0 { _ = fix(handle(0)) }
    _ = fix(handle(16))
    let crc = Checksum.crc32c(b[(footer + 60)...], extending: Checksum.crc32c(b[footer..<(footer + 56)]))
    b.setFixed32(crc, at: footer + 56)
    return b
}

/// Runs `body`; a StorageError is an answer, anything else is a bug.
func attempt<R>(_ body: () throws -> R) -> R? {
    do { return try body() } catch is StorageError { return nil } catch {
        fatalError("non-StorageError \(error)")
    }
}

func check(_ bytes: [UInt8]) {
    let file = MemoryFile(path: "/fuzz/000009.sst", bytes: bytes)
    let cache = BlockCache(capacityBytes: 1 << 20, counters: counters, shardCount: 1)
    guard let table = attempt({ try TableReader.open(file: file, fileNumber: 9, cache: cache, counters: counters) }) else { return }
    let verified = attempt { try table.verify() } != nil

    var entries: [(key: [UInt8], value: [UInt8])] = []
    let it = table.makeIterator()
    _ = attempt {
        try it.seekToFirst()
        while it.isValid {
            let key = it.key
            require(InternalKey.isValid(key) || !verified, "iterated key is not an internal key")
            require(key.count >= InternalKey.trailerSize, "iterated key shorter than a trailer")
            if verified, let last = entries.last {
                require(InternalKey.compare(last.key, key) < 0, "iteration out of order in a verified table")
            }
            entries.append((key, it.value))
            try it.next()
        }
    }
    if verified {
        require(UInt64(entries.count) == table.properties.entries, "iterated \(entries.count) entries, properties say \(table.properties.entries)")
    }
    // Point lookups and seeks for (at most 64 of) the iterated keys.
    let step = max(1, entries.count / 64)
    for (key, value) in stride(from: 0, to: entries.count, by: step).map({ entries[$0] }) {
        let found = attempt { try table.get(userKey: Array(InternalKey.userKey(key)), lookupKey: key) }
        let cursor = table.makeIterator()
        let landed = attempt { () -> [UInt8]? in try cursor.seek(key); return cursor.isValid ? cursor.key : nil }
        if verified {
            guard let hit = found, let hit else { fatalError("get misses an iterated key of a verified table") }
            require(hit.key == key && hit.value == value, "get returned another entry")
            require(landed == .some(key), "seek to an iterated key lands elsewhere")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkAsGivenAndRepaired(data, size, repair: repaired, check: check)
    return 0
}

