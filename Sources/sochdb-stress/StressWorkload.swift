import SochStorage

/// The history both stress tests write and check: batch j (j = 0, 1, …)
/// puts `size(j)` keys `b/<j>/<k>` with values derived from (j, k), deletes
/// the keys of batch j − 3, and sets `last` to j — all in one WriteBatch.
/// After any crash the database must hold exactly the state after some
/// prefix 0…L of batches, and L must be at least the last acknowledged one.
enum StressWorkload {
    static let lastKey = Array("last".utf8)
    static let deleteLag = 3

    static func size(_ j: Int) -> Int { 1 + j % 7 }
    static func key(_ j: Int, _ k: Int) -> [UInt8] { Array("b/\(pad(j))/\(k)".utf8) }
    static func value(_ j: Int, _ k: Int) -> [UInt8] {
        Array("v\(j).\(k).".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: j &* 31 &+ k), count: 20 + (j * 7 + k) % 200)
    }

    static func batch(_ j: Int) -> WriteBatch {
        var b = WriteBatch()
        for k in 0..<size(j) { b.put(key(j, k), value(j, k)) }
        if j >= deleteLag { for k in 0..<size(j - deleteLag) { b.delete(key(j - deleteLag, k)) } }
        b.put(lastKey, Array(String(j).utf8))
        return b
    }

    /// The last batch in the database (-1 if none).
    static func lastBatch(_ engine: StorageEngine) throws -> Int {
        guard let v = try engine.get(lastKey) else { return -1 }
        guard let j = Int(String(decoding: v, as: UTF8.self)) else { throw StressFailure("`last` holds \(v)") }
        return j
    }

    /// Checks that the database holds exactly the state after batches 0…L
    /// and that L ≥ `acknowledged` (the last batch the writer saw commit).
    /// Returns L.
    @discardableResult
    static func check(_ engine: StorageEngine, acknowledged: Int) throws -> Int {
        let last = try lastBatch(engine)
        guard last >= acknowledged else {
            throw StressFailure("batch \(acknowledged) was acknowledged but the database ends at batch \(last)")
        }
        var expected: [[UInt8]: [UInt8]] = [:]
        for j in max(0, last - deleteLag + 1)...max(0, last) where last >= 0 {
            for k in 0..<size(j) { expected[key(j, k)] = value(j, k) }
        }
        var seen = 0
        try engine.scan(prefix: Array("b/".utf8)).forEach { k, v in
            guard let want = expected[k] else {
                throw StressFailure("unexpected key \(String(decoding: k, as: UTF8.self)) after batch \(last) (a partial or lost batch)")
            }
            guard want == v else { throw StressFailure("wrong value for \(String(decoding: k, as: UTF8.self))") }
            seen += 1
        }
        guard seen == expected.count else {
            throw StressFailure("\(expected.count - seen) keys of batches \(max(0, last - deleteLag + 1))…\(last) are missing")
        }
        for (k, v) in expected where try engine.get(k) != v {
            throw StressFailure("point read of \(String(decoding: k, as: UTF8.self)) disagrees with the scan")
        }
        return last
    }

    static func pad(_ j: Int) -> String {
        let s = String(j)
        return String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}

struct StressFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
