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

/// The bank workload of the crash test: accounts whose balances always sum
/// to the same total, and a counter every transfer increments, all updated in
/// one snapshot-isolated transaction per transfer (several threads,
/// retrying on conflict). After any crash the total must hold, no balance may
/// be negative, and the counter must be at least the last acknowledged one.
enum BankWorkload {
    static let accounts = 16
    static let initialBalance = 1_000
    static let counterKey = Array("bank/transfers".utf8)
    static func account(_ i: Int) -> [UInt8] { Array("bank/account/\(i)".utf8) }
    static func int(_ bytes: [UInt8]?) -> Int { bytes.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0 }
    static func bytes(_ n: Int) -> [UInt8] { Array(String(n).utf8) }

    /// Creates the accounts once (a no-op when they exist).
    static func setUp(_ engine: StorageEngine) throws {
        try engine.transaction { txn in
            guard try txn.get(account(0)) == nil else { return }
            for a in 0..<accounts { try txn.put(account(a), bytes(initialBalance)) }
            try txn.put(counterKey, bytes(0))
        }
    }

    /// One transfer; returns the counter value it committed.
    static func transfer(_ engine: StorageEngine, rng: inout SplitMix64) throws -> Int {
        while true {
            let from = Int(rng.next() % UInt64(accounts)), to = Int(rng.next() % UInt64(accounts))
            do {
                return try engine.transaction { txn in
                    let count = int(try txn.get(counterKey)) + 1
                    let balance = int(try txn.get(account(from)))
                    let amount = balance == 0 ? 0 : Int(rng.next() % UInt64(min(balance, 100) + 1))
                    if from != to {
                        try txn.put(account(from), bytes(balance - amount))
                        try txn.put(account(to), bytes(int(try txn.get(account(to))) + amount))
                    }
                    try txn.put(counterKey, bytes(count))
                    return count
                }.result
            } catch TransactionError.conflict {
                continue
            }
        }
    }

    /// Checks the invariants; returns the counter.
    @discardableResult
    static func check(_ engine: StorageEngine, acknowledged: Int) throws -> Int {
        let balances = try (0..<accounts).map { int(try engine.get(account($0))) }
        guard balances.reduce(0, +) == accounts * initialBalance else {
            throw StressFailure("balances sum to \(balances.reduce(0, +)), not \(accounts * initialBalance): \(balances)")
        }
        guard balances.allSatisfy({ $0 >= 0 }) else { throw StressFailure("a negative balance: \(balances)") }
        let count = int(try engine.get(counterKey))
        guard count >= acknowledged else { throw StressFailure("transfer \(acknowledged) was acknowledged but the counter is \(count)") }
        return count
    }
}
