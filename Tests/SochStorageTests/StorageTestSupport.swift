import Foundation
@testable import SochStorage

/// A fresh temporary directory, removed by the caller with `removeTree`.
func makeTemporaryDirectory(_ tag: String = "engine") -> String {
    let dir = NSTemporaryDirectory() + "sochdb-\(tag)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

func b(_ s: String) -> [UInt8] { Array(s.utf8) }
func s(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

/// Options that make flushes and compactions happen after a few hundred writes.
func tinyOptions(background: Bool = true, sync: SyncMode = .normal, fileSystem: FileSystem = POSIXFileSystem.shared) -> StorageOptions {
    StorageOptions(syncMode: sync, memtableSizeBytes: 8 << 10, blockCacheBytes: 64 << 10, fileSystem: fileSystem,
                   level1MaxBytes: 32 << 10, levelSizeMultiplier: 4, targetFileSizeBytes: 8 << 10,
                   l0CompactionTrigger: 2, l0StopTrigger: 6, blockSize: 512, backgroundWork: background)
}

extension StorageEngine {
    /// Every live pair, in order, by one full scan.
    func all(batchSize: Int = 7) throws -> [(String, String)] {
        var out: [(String, String)] = []
        try scan().forEach(batchSize: batchSize) { k, v in out.append((s(k)!, s(v)!)) }
        return out
    }
}

/// Index of the first of `keys` (sorted internal keys) that is ≥ `target`:
/// the reference the block and table seeks are checked against.
func referenceLowerBound(_ keys: [[UInt8]], _ target: [UInt8]) -> Int {
    var lo = 0, hi = keys.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if InternalKey.compare(keys[mid], target) < 0 { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// Runs `body(0..<count)` on `count` dedicated threads at once and waits for
/// all. (`DispatchQueue.concurrentPerform` may run the iterations one after
/// another when the pool is busy with other tests, which would make a
/// concurrency test test nothing.)
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for i in 0..<count {
        done.enter()
        let thread = Thread { body(i); done.leave() }
        thread.start()
    }
    done.wait()
}
