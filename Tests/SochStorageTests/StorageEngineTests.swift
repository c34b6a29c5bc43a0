import Foundation
import Testing
@testable import SochStorage

/// The engine's API, end to end through the real file system.
struct StorageEngineTests {
    @Test func putGetDeleteScanAndReopen() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        var engine = try StorageEngine.open(path: dir)
        let lsn1 = try engine.put(b("users/alice"), b("a"))
        let lsn2 = try engine.put(b("users/bob"), b("b"))
        #expect(lsn2 == lsn1 + 1)
        try engine.put(b("users/carol"), b("c"))
        try engine.put(b("usersx"), b("x"))
        try engine.delete(b("users/bob"))
        #expect(s(try engine.get(b("users/alice"))) == "a")
        #expect(try engine.get(b("users/bob")) == nil)
        #expect(try engine.all().map(\.0) == ["users/alice", "users/carol", "usersx"])
        var prefixed: [String] = []
        try engine.scan(prefix: b("users/")).forEach { k, _ in prefixed.append(s(k)!) }
        #expect(prefixed == ["users/alice", "users/carol"])
        var ranged: [String] = []
        try engine.scan(from: b("users/b"), to: b("usersx")).forEach { k, _ in ranged.append(s(k)!) }
        #expect(ranged == ["users/carol"])
        #expect(throws: StorageError.self) { try engine.scan(from: b("z"), to: b("a")) }
        try engine.close()
        try engine.close()   // idempotent

        engine = try StorageEngine.open(path: dir)
        #expect(try engine.all().map(\.0) == ["users/alice", "users/carol", "usersx"])
        #expect(engine.latestSequence == lsn2 + 3)
        try engine.close()
    }

    @Test func droppingAnEngineWithoutCloseClosesIt() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        do {
            let engine = try StorageEngine.open(path: dir, options: tinyOptions())
            for i in 0..<3_000 { try engine.put(b("k\(i)"), b(String(repeating: "v", count: 30))) }
        }   // deinit: joins the background threads, syncs, unlocks
        let engine = try StorageEngine.open(path: dir)
        #expect(try engine.all().count == 3_000)
        try engine.close()
    }

    @Test func atomicBatchGetsConsecutiveSequencesAndOneLSN() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        var batch = WriteBatch()
        for i in 0..<10 { batch.put(b("k\(i)"), b("v\(i)")) }
        batch.delete(b("k3"))
        let lsn = try engine.write(batch)
        #expect(lsn == 11)
        #expect(try engine.get(b("k3")) == nil)
        #expect(try engine.write(WriteBatch()) == lsn)   // empty: nothing written
        try engine.close()
    }

    @Test func snapshotsSurviveFlushAndCompaction() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions(background: false))
        for i in 0..<200 { try engine.put(b("k\(i % 20)"), b("old\(i)")) }
        let snap = engine.snapshot()
        let before = try engine.all()
        for i in 0..<200 { try engine.put(b("k\(i % 20)"), b("new\(i)")) }
        for i in 0..<10 { try engine.delete(b("k\(i)")) }
        try engine.compactAll()
        var atSnapshot: [(String, String)] = []
        try engine.scan(snapshot: snap).forEach { k, v in atSnapshot.append((s(k)!, s(v)!)) }
        #expect(atSnapshot.map(\.0) == before.map(\.0) && atSnapshot.map(\.1) == before.map(\.1))
        #expect(s(try engine.get(b("k5"), snapshot: snap)) == "old185")
        #expect(try engine.get(b("k5")) == nil)
        #expect(s(try engine.get(b("k15"))) == "new195")
        snap.release()
        try engine.compactAll()
        let stats = engine.statistics()
        #expect(stats.keysCount == 10)   // exact after a full compaction with no snapshot
        #expect(stats.compactions > 0 && stats.liveSnapshots == 0)
        try engine.close()
    }

    @Test func checkpointReturnsTheLSNAndRecyclesTheWAL() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions())
        for i in 0..<2_000 { try engine.put(b("key\(i)"), b(String(repeating: "v", count: 50))) }
        let lsn = try engine.checkpoint()
        #expect(lsn == 2_000)
        let stats = engine.statistics()
        #expect(stats.lastCheckpointLSN == 2_000)
        #expect(stats.memtableSizeBytes == 0)
        #expect(stats.walSizeBytes == UInt64(WALFormat.segmentHeaderSize))
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".log") }
        #expect(logs.count == 1)
        #expect(stats.bytesWritten > 2_000 * 50 && stats.flushes > 0)
        #expect(stats.writeAmplification > 1)
        try engine.close()
        let reopened = try StorageEngine.open(path: dir)
        #expect(reopened.statistics().lastCheckpointLSN == 2_000)
        #expect(try reopened.all().count == 2_000)
        try reopened.close()
    }

    @Test func secondOpenerGetsDatabaseLockedAndWritesNothing() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        try engine.put(b("a"), b("1"))
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(throws: StorageError.databaseLocked(path: dir)) { try StorageEngine.open(path: dir) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before)
        try engine.close()
        let again = try StorageEngine.open(path: dir)   // released by close
        #expect(s(try again.get(b("a"))) == "1")
        try again.close()
    }

    @Test func readsAfterCloseAndBadOptionsAreTypedErrors() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        var bad = StorageOptions(); bad.memtableSizeBytes = 10
        #expect(throws: StorageError.self) { try StorageEngine.open(path: dir, options: bad) }
        let engine = try StorageEngine.open(path: dir)
        try engine.close()
        #expect(throws: StorageError.self) { try engine.get(b("a")) }
        #expect(throws: StorageError.self) { try engine.put(b("a"), b("b")) }
    }

    @Test func groupCommitUnderConcurrentWritersInSyncFull() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions(sync: .full))
        let threads = 4, perThread = 200
        runOnThreads(threads) { t in
            for i in 0..<perThread { try! engine.put(b("t\(t)/\(i)"), b("\(i)")) }
        }
        let stats = engine.statistics()
        #expect(stats.batchesCommitted == UInt64(threads * perThread))
        #expect(stats.walSyncs <= UInt64(threads * perThread) + 50)
        try engine.close()
        let reopened = try StorageEngine.open(path: dir)
        #expect(try reopened.all().count == threads * perThread)
        try reopened.close()
    }

    @Test func readersRunDuringWritesFlushesAndCompactions() throws {
        let dir = makeTemporaryDirectory(); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir, options: tinyOptions())
        for i in 0..<500 { try engine.put(b(String(format: "k%04d", i)), b("0")) }
        let done = ManagedFlag()
        let writer = Thread {
            for round in 1...6 {
                var batch = WriteBatch()
                for i in 0..<500 { batch.put(b(String(format: "k%04d", i)), b("\(round)")) }
                try! engine.write(batch)
            }
            _ = done.setOnce()
        }
        writer.start()
        var scans = 0
        while !done.isSet || scans < 3 {
            // Every scan sees one whole batch: 500 keys, all with one value.
            let rows = try engine.all(batchSize: 64)
            #expect(rows.count == 500)
            #expect(Set(rows.map(\.1)).count == 1)
            scans += 1
        }
        try engine.close()
    }
}
