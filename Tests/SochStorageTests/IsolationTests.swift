import Foundation
import Synchronization
import Testing
@testable import SochStorage

/// Records list-append histories on the engine and checks them with
/// ``ListAppendChecker`` for the anomalies snapshot isolation forbids.
struct IsolationTests {
    static func encode(_ list: [Int]) -> [UInt8] { Array(list.map(String.init).joined(separator: ",").utf8) }
    static func decode(_ bytes: [UInt8]?) -> [Int] {
        guard let bytes, !bytes.isEmpty else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: ",").map { Int($0)! }
    }
    static func key(_ k: Int) -> [UInt8] { Array("list/\(k)".utf8) }

    @Test func fourThreadsTenThousandTransactionsEachShowNoForbiddenAnomaly() throws {
        let dir = makeTemporaryDirectory("elle"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions())
        let threads = 4, perThread = 10_000
        let histories = Mutex<[[ListAppendChecker.Txn]]>(Array(repeating: [], count: threads))
        runOnThreads(threads) { t in
            var rng = SplitMix64(seed: UInt64(t) &+ 77)
            var history: [ListAppendChecker.Txn] = []
            history.reserveCapacity(perThread)
            for i in 0..<perThread {
                // Eight keys per window of 100 transactions: lists stay short
                // and the threads contend for the same keys.
                let window = (i / 100) * 8
                var ops: [ListAppendChecker.Op] = []
                let txn = engine.beginTransaction()
                do {
                    for n in 0..<(1 + Int(rng.next() % 4)) {
                        // Yield now and then, and sometimes sleep, so other
                        // threads commit between this transaction's operations
                        // even when a loaded machine runs the threads one after
                        // another (2 cores, 4 threads, other tests running).
                        let pause = rng.next() % 32
                        if pause == 0 { usleep(200) } else if pause < 8 { sched_yield() }
                        let k = window + Int(rng.next() % 8)
                        if rng.next() % 2 == 0 {
                            let value = t * 100_000_000 + i * 10 + n
                            let list = Self.decode(try txn.get(Self.key(k)))
                            try txn.put(Self.key(k), Self.encode(list + [value]))
                            ops.append(.append(key: k, value: value))
                        } else {
                            ops.append(.read(key: k, observed: Self.decode(try txn.get(Self.key(k)))))
                        }
                    }
                    try txn.commit()
                    history.append(.init(ops: ops, committed: true))
                } catch TransactionError.conflict {
                    history.append(.init(ops: ops, committed: false))
                } catch {
                    Issue.record("\(error)")
                    return
                }
            }
            histories.withLock { $0[t] = history }
        }
        var finalLists: [Int: [Int]] = [:]
        try engine.scan(prefix: Array("list/".utf8)).forEach { k, v in
            finalLists[Int(String(decoding: k.dropFirst(5), as: UTF8.self))!] = Self.decode(v)
        }
        let txns = histories.withLock { $0.flatMap { $0 } }
        #expect(txns.count == threads * perThread)
        let committed = txns.filter(\.committed).count
        #expect(committed > txns.count / 2)
        #expect(committed < txns.count, "no conflicts at all: the threads did not contend")
        let anomalies = ListAppendChecker(txns: txns, finalLists: finalLists).check()
        #expect(anomalies.isEmpty, "\(anomalies.prefix(5))")
        try engine.close()
    }

    /// The checker itself finds each anomaly in a hand-made history (so the
    /// test above could fail), and lets write skew through.
    @Test func checkerFindsEachForbiddenAnomalyAndAllowsWriteSkew() {
        typealias T = ListAppendChecker.Txn
        func check(_ txns: [T], _ final: [Int: [Int]]) -> [ListAppendChecker.Anomaly] {
            ListAppendChecker(txns: txns, finalLists: final).check()
        }
        // G1a: T1 reads an element of aborted T0.
        #expect(check([T(ops: [.append(key: 0, value: 1)], committed: false),
                       T(ops: [.read(key: 0, observed: [1])], committed: true)], [0: []])
                .contains(.g1a(reader: 1, value: 1)))
        // G1b: T1 sees T0's first append to key 0 but not its second.
        #expect(check([T(ops: [.append(key: 0, value: 1), .append(key: 0, value: 2)], committed: true),
                       T(ops: [.read(key: 0, observed: [1])], committed: true)], [0: [1, 2]])
                .contains(.g1b(reader: 1, key: 0)))
        // G0: T0 before T1 on key 0, T1 before T0 on key 1.
        #expect(check([T(ops: [.append(key: 0, value: 1), .append(key: 1, value: 4)], committed: true),
                       T(ops: [.append(key: 0, value: 2), .append(key: 1, value: 3)], committed: true)],
                      [0: [1, 2], 1: [3, 4]]).contains { if case .g0 = $0 { return true }; return false })
        // G1c: T0 → T1 by ww on key 0, T1 → T0 by wr on key 1.
        #expect(check([T(ops: [.append(key: 0, value: 1), .read(key: 1, observed: [5])], committed: true),
                       T(ops: [.append(key: 0, value: 2), .append(key: 1, value: 5)], committed: true)],
                      [0: [1, 2], 1: [5]]).contains { if case .g1c = $0 { return true }; return false })
        // G-single (read skew): T1 sees T0's write to key 0 but misses its write to key 1.
        #expect(check([T(ops: [.append(key: 0, value: 1), .append(key: 1, value: 2)], committed: true),
                       T(ops: [.read(key: 0, observed: [1]), .read(key: 1, observed: [])], committed: true)],
                      [0: [1], 1: [2]]).contains { if case .gSingle = $0 { return true }; return false })
        // G2 (write skew): each reads what the other appends; two rw edges: allowed.
        #expect(check([T(ops: [.read(key: 1, observed: []), .append(key: 0, value: 1)], committed: true),
                       T(ops: [.read(key: 0, observed: []), .append(key: 1, value: 2)], committed: true)],
                      [0: [1], 1: [2]]).isEmpty)
    }
}
