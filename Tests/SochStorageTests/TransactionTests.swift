import Foundation
import Synchronization
import Testing
@testable import SochStorage

/// Snapshot isolation: what a transaction sees, when it may commit, and the
/// classic concurrent tests (bank transfers, lost updates), plus write skew,
/// which snapshot isolation allows.
struct TransactionTests {
    func int(_ bytes: [UInt8]?) -> Int { Int(String(decoding: bytes ?? [], as: UTF8.self)) ?? 0 }
    func bytes(_ n: Int) -> [UInt8] { Array(String(n).utf8) }

    @Test func readsItsSnapshotAndItsOwnWrites() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        try engine.put(b("a"), b("1"))
        try engine.put(b("c"), b("3"))
        let txn = engine.beginTransaction()
        try engine.put(b("a"), b("changed"))          // after the snapshot: invisible
        try engine.put(b("b"), b("new"))
        #expect(s(try txn.get(b("a"))) == "1")
        #expect(try txn.get(b("b")) == nil)
        try txn.put(b("b"), b("mine"))
        try txn.delete(b("c"))
        #expect(s(try txn.get(b("b"))) == "mine")
        #expect(try txn.get(b("c")) == nil)
        #expect(try txn.scan().map { s($0.key)! + "=" + s($0.value)! } == ["a=1", "b=mine"])
        #expect(txn.id != engine.beginTransaction().id)
        #expect(throws: TransactionError.self) { try txn.commit() }   // b was written after the snapshot
        #expect(!txn.isActive)
        #expect(s(try engine.get(b("b"))) == "new")
        #expect(s(try engine.get(b("c"))) == "3")
        try engine.close()
    }

    @Test func guardedKeysConflictWithoutBeingWritten() throws {
        let dir = makeTemporaryDirectory("txn-guard"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        // Two transactions guarding the same key both commit: guards are not writes.
        let t1 = engine.beginTransaction(), t2 = engine.beginTransaction()
        try t1.requireUnchanged(b("schema")); try t1.put(b("x"), b("1"))
        try t2.requireUnchanged(b("schema")); try t2.put(b("y"), b("1"))
        try t1.commit()
        try t2.commit()
        // A commit that writes the guarded key after the snapshot fails the guard.
        let t3 = engine.beginTransaction()
        try t3.requireUnchanged(b("schema")); try t3.put(b("z"), b("1"))
        try engine.put(b("schema"), b("v2"))
        #expect(throws: TransactionError.conflict(key: b("schema"))) { try t3.commit() }
        #expect(try engine.get(b("z")) == nil)
        // A read-only transaction with a guard never fails.
        let t4 = engine.beginTransaction()
        try t4.requireUnchanged(b("schema"))
        try engine.put(b("schema"), b("v3"))
        try t4.commit()
        try engine.close()
    }

    @Test func commitReturnsTheLSNAndAbortDiscards() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        let t1 = engine.beginTransaction()
        try t1.put(b("x"), b("1")); try t1.put(b("y"), b("2"))
        let lsn = try t1.commit()
        #expect(lsn == 2 && engine.latestSequence == 2)
        #expect(throws: TransactionError.finished(id: t1.id)) { try t1.get(b("x")) }
        #expect(throws: TransactionError.finished(id: t1.id)) { try t1.put(b("x"), b("3")) }
        #expect(throws: TransactionError.finished(id: t1.id)) { try t1.commit() }
        let t2 = engine.beginTransaction()
        try t2.put(b("x"), b("9"))
        t2.abort()
        t2.abort()   // no-op
        #expect(s(try engine.get(b("x"))) == "1")
        let readOnly = engine.beginTransaction()
        _ = try readOnly.get(b("x"))
        try engine.put(b("x"), b("7"))
        #expect(try readOnly.commit() == 2)   // read-only: never a conflict
        let stats = engine.statistics()
        #expect(stats.transactionsCommitted == 2 && stats.transactionsAborted == 1)
        try engine.close()
    }

    @Test func firstCommitterWins() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        let t1 = engine.beginTransaction(), t2 = engine.beginTransaction()
        try t1.put(b("k"), b("t1")); try t2.put(b("k"), b("t2")); try t2.put(b("other"), b("t2"))
        try t1.commit()
        #expect(throws: TransactionError.conflict(key: b("k"))) { try t2.commit() }
        #expect(s(try engine.get(b("k"))) == "t1")
        #expect(try engine.get(b("other")) == nil)   // nothing of t2 was written
        // Disjoint writes both commit.
        let t3 = engine.beginTransaction(), t4 = engine.beginTransaction()
        try t3.put(b("p"), b("3")); try t4.put(b("q"), b("4"))
        try t3.commit(); try t4.commit()
        try engine.close()
    }

    @Test func closureCommitsOnReturnAndAbortsOnThrow() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        let (value, lsn) = try engine.transaction { txn in try txn.put(b("a"), b("1")); return 42 }
        #expect(value == 42 && lsn == 1)
        struct Oops: Error {}
        #expect(throws: Oops.self) { try engine.transaction { txn in try txn.put(b("a"), b("2")); throw Oops() } }
        #expect(s(try engine.get(b("a"))) == "1")
        try engine.close()
    }

    @Test func writeSkewIsAllowedUnderSnapshotIsolation() throws {
        // Two on-call doctors; each transaction checks that the other is on
        // call and takes itself off. Both commit (they write different keys):
        // snapshot isolation permits this anomaly (serializability would not).
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        try engine.put(b("alice"), b("1")); try engine.put(b("bob"), b("1"))
        let t1 = engine.beginTransaction(), t2 = engine.beginTransaction()
        if int(try t1.get(b("bob"))) == 1 { try t1.put(b("alice"), b("0")) }
        if int(try t2.get(b("alice"))) == 1 { try t2.put(b("bob"), b("0")) }
        try t1.commit(); try t2.commit()
        #expect(int(try engine.get(b("alice"))) + int(try engine.get(b("bob"))) == 0)
        try engine.close()
    }

    @Test func bankTransfersKeepTheTotal() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions())
        let accounts = 10, initial = 100
        try engine.transaction { txn in for a in 0..<accounts { try txn.put(b("acct/\(a)"), bytes(initial)) } }
        let conflicts = Atomic<Int>(0), audits = Atomic<Int>(0)
        runOnThreads(4) { worker in
            var rng = SplitMix64(seed: UInt64(worker + 1))
            for _ in 0..<300 {
                if worker == 3 {
                    // Auditor: every snapshot sums to the constant.
                    let rows = try! engine.transaction { txn in try txn.scan(prefix: b("acct/")) }.result
                    #expect(rows.reduce(0) { $0 + int($1.value) } == accounts * initial)
                    audits.wrappingAdd(1, ordering: .relaxed)
                    continue
                }
                let from = Int(rng.next() % UInt64(accounts)), to = Int(rng.next() % UInt64(accounts))
                let amount = Int(rng.next() % 20)
                while true {
                    do {
                        try engine.transaction { txn in
                            let f = int(try txn.get(b("acct/\(from)"))), t = int(try txn.get(b("acct/\(to)")))
                            guard from != to, f >= amount else { return }
                            try txn.put(b("acct/\(from)"), bytes(f - amount))
                            try txn.put(b("acct/\(to)"), bytes(t + amount))
                        }
                        break
                    } catch TransactionError.conflict {
                        conflicts.wrappingAdd(1, ordering: .relaxed)
                    } catch {
                        Issue.record("\(error)"); return
                    }
                }
            }
        }
        let rows = try engine.scan(prefix: b("acct/")).nextBatch(maxEntries: 100)
        #expect(rows.count == accounts)
        #expect(rows.reduce(0) { $0 + int($1.value) } == accounts * initial)
        #expect(rows.allSatisfy { int($0.value) >= 0 })
        #expect(audits.load(ordering: .relaxed) == 300)
        try engine.close()
        let reopened = try StorageEngine.open(path: dir)
        #expect(try reopened.all().reduce(0) { $0 + int(b($1.1)) } == accounts * initial)
        try reopened.close()
    }

    @Test func concurrentIncrementsLoseNoUpdate() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        let committed = Atomic<Int>(0), conflicts = Atomic<Int>(0)
        runOnThreads(4) { _ in
            for _ in 0..<250 {
                while true {
                    do {
                        try engine.transaction { txn in
                            try txn.put(b("counter"), bytes(int(try txn.get(b("counter"))) + 1))
                        }
                        committed.wrappingAdd(1, ordering: .relaxed)
                        break
                    } catch TransactionError.conflict {
                        conflicts.wrappingAdd(1, ordering: .relaxed)
                    } catch {
                        Issue.record("\(error)"); return
                    }
                }
            }
        }
        #expect(committed.load(ordering: .relaxed) == 1_000)
        #expect(int(try engine.get(b("counter"))) == 1_000)
        #expect(engine.statistics().transactionsAborted == UInt64(conflicts.load(ordering: .relaxed)))
        try engine.close()
    }

    @Test func aPlainWriteAfterTheSnapshotConflictsToo() throws {
        let dir = makeTemporaryDirectory("txn"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        let txn = engine.beginTransaction()
        try txn.put(b("k"), b("txn"))
        var batch = WriteBatch(); batch.put(b("k"), b("plain")); batch.put(b("z"), b("1"))
        try engine.write(batch)
        #expect(throws: TransactionError.conflict(key: b("k"))) { try txn.commit() }
        #expect(s(try engine.get(b("k"))) == "plain")
        try engine.close()
    }
}
