import Testing
@testable import SochStorage

/// ``TransactionCursor`` (the streamed, packed transaction scan) against
/// ``Transaction/scan(from:to:)`` (the reference that merges into one
/// array), on random stores, random own writes, bounds and batch sizes.
struct TransactionCursorTests {
    func drain(_ cursor: TransactionCursor, batch: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        while true {
            let b = try cursor.nextPackedBatch(maxEntries: batch)
            if b.isEmpty { return out }
            for pair in b { out.append((Array(pair.key), Array(pair.value))) }
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func streamedScanEqualsTheReference(seed: UInt64) throws {
        let dir = makeTemporaryDirectory("txn-cursor"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions())
        var rng = SplitMix64(seed: seed)
        let key = { (n: UInt64) in b("k\(1000 + n)") }
        for _ in 0..<600 { try engine.put(key(rng.next() % 400), b("base\(rng.next() % 10)")) }
        for _ in 0..<50 { try engine.delete(key(rng.next() % 400)) }
        if seed % 2 == 0 { try engine.checkpoint() }   // half the cases read tables, half memtables
        for round in 0..<8 {
            let txn = engine.beginTransaction()
            let writes = round == 0 ? 0 : Int(rng.next() % 120)
            for _ in 0..<writes {
                let k = key(rng.next() % 450)
                if rng.next() % 3 == 0 { try txn.delete(k) } else { try txn.put(k, b("own\(rng.next() % 10)")) }
            }
            var start: [UInt8]? = rng.next() % 2 == 0 ? nil : key(rng.next() % 400)
            var end: [UInt8]? = rng.next() % 2 == 0 ? nil : key(rng.next() % 450)
            if let s = start, let e = end, BufferedWrites.compare(s, e) > 0 { (start, end) = (e, s) }
            let reference = try txn.scan(from: start, to: end)
            for batch in [1, 7, 64, 5000] {
                let streamed = try drain(try txn.scanCursor(from: start, to: end), batch: batch)
                #expect(streamed.map(\.key) == reference.map(\.key), "seed \(seed) round \(round) batch \(batch)")
                #expect(streamed.map(\.value) == reference.map(\.value))
            }
            txn.abort()
        }
        try engine.close()
    }

    @Test func aCursorSeesTheWritesMadeBeforeItOpenedOnly() throws {
        let dir = makeTemporaryDirectory("txn-cursor-own"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        try engine.put(b("a"), b("1"))
        try engine.put(b("c"), b("3"))
        let txn = engine.beginTransaction()
        try txn.delete(b("a"))
        try txn.put(b("b"), b("mine"))
        let cursor = try txn.scanCursor()
        try txn.put(b("d"), b("later"))
        #expect(try drain(cursor, batch: 10).map { s($0.key)! } == ["b", "c"])
        // A whole batch of the snapshot hidden by own deletes is not the end.
        let hide = engine.beginTransaction()
        try hide.delete(b("a"))
        #expect(try drain(try hide.scanCursor(), batch: 1).map { s($0.key)! } == ["c"])
        txn.abort(); hide.abort()
        try engine.close()
    }
}
