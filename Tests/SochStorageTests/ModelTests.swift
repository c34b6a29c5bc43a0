import Foundation
import Testing
@testable import SochStorage

/// Random puts, deletes, batches, scans, snapshots, flushes, compactions and
/// reopens, checked after every step against a dictionary.
struct ModelTests {
    @Test(arguments: [(UInt64(1), false), (UInt64(2), true), (UInt64(3), false)])
    func randomOperationsMatchADictionary(seed: UInt64, background: Bool) throws {
        let dir = makeTemporaryDirectory("model"); defer { removeTree(dir) }
        var rng = SplitMix64(seed: seed)
        var model: [String: String] = [:]
        var engine = try StorageEngine.open(path: dir, options: tinyOptions(background: background))
        var snapshots: [(Snapshot, [String: String])] = []
        func key() -> String { "key\(rng.next() % 400)" }
        func value() -> String { "v\(rng.next() % 1_000_000)" + String(repeating: "x", count: Int(rng.next() % 60)) }

        for step in 0..<4_000 {
            switch rng.next() % 100 {
            case 0..<45:
                let k = key(), v = value()
                try engine.put(b(k), b(v)); model[k] = v
            case 45..<60:
                let k = key()
                try engine.delete(b(k)); model[k] = nil
            case 60..<70:
                var batch = WriteBatch()
                for _ in 0..<Int(rng.next() % 20) {
                    let k = key()
                    if rng.next() % 3 == 0 { batch.delete(b(k)); model[k] = nil } else { let v = value(); batch.put(b(k), b(v)); model[k] = v }
                }
                try engine.write(batch)
            case 70..<82:
                let k = key()
                #expect(s(try engine.get(b(k))) == model[k], "step \(step): get \(k)")
            case 82..<86:
                let lo = key(), hi = key()
                let (start, end) = lo <= hi ? (lo, hi) : (hi, lo)
                var got: [String] = []
                try engine.scan(from: b(start), to: b(end)).forEach(batchSize: 1 + Int(rng.next() % 50)) { k, v in
                    got.append(s(k)!); #expect(s(v) == model[s(k)!])
                }
                #expect(got == model.keys.filter { $0 >= start && $0 < end }.sorted(), "step \(step): scan")
            case 86..<89:
                if snapshots.count < 3 { snapshots.append((engine.snapshot(), model)) }
            case 89..<91:
                if !snapshots.isEmpty {
                    let (snap, frozen) = snapshots.removeFirst()
                    var got: [String: String] = [:]
                    try engine.scan(snapshot: snap).forEach { k, v in got[s(k)!] = s(v)! }
                    #expect(got == frozen, "step \(step): snapshot scan")
                }
            case 91..<94: try engine.flushMemtable()
            case 94..<96: try engine.compactAll()
            case 96..<98: _ = try engine.checkpoint()
            default:
                snapshots.removeAll()
                try engine.close()
                engine = try StorageEngine.open(path: dir, options: tinyOptions(background: background))
            }
        }
        let all = try engine.all()
        #expect(all.map(\.0) == model.keys.sorted())
        #expect(all.map(\.1) == model.keys.sorted().map { model[$0]! })
        try engine.verify()
        snapshots.removeAll()
        try engine.compactAll()
        #expect(engine.statistics().keysCount == UInt64(model.count))
        try engine.close()
    }
}
