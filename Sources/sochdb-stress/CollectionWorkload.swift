import Foundation
import SochDB

/// The `collection` crash workload: a child upserts vectors `0, 1, 2, …`
/// into collection "stress" (id = the number as text, metadata {"j": n}),
/// one transaction each, acknowledging n after the commit returns. Every
/// fifth transaction also deletes n − 3, atomically with the upsert; every
/// 200th commit is followed by a checkpoint, so recovery starts from a saved
/// graph file plus whatever committed after it.
///
/// After a kill, every acknowledged n must be readable by id with its
/// metadata and be its own nearest neighbour, unless it was deleted by an
/// acknowledged transaction, in which case neither `get` nor a search may
/// return it.
enum CollectionWorkload {
    static let name = "stress"
    static let dimension = 8

    static func options(_ sync: SyncMode) -> Database.Options {
        Database.Options(syncMode: sync, memtableSizeBytes: 256 << 10, cacheSizeBytes: 1 << 20)
    }

    static func vector(_ n: Int) -> [Float] {
        var rng = SplitMix64(seed: UInt64(n) &* 0x9E37_79B9 &+ 17)
        return (0..<dimension).map { _ in Float(rng.next() % 100_000) / 1_000 }
    }

    static func collection(_ db: Database) throws -> VectorCollection {
        if try db.listCollections().contains(name) { return try db.collection(name) }
        return try db.createCollection(name, dimension: dimension, m: 8, efConstruction: 64)
    }

    /// Whether an acknowledged prefix up to `last` deleted n.
    static func deleted(_ n: Int, acknowledged last: Int) -> Bool { n % 5 == 2 && n + 3 <= last }

    /// Writes from `start` (the parent's last acknowledgement + 1: a commit
    /// that landed unacknowledged is simply written again, identically).
    static func run(_ db: Database, start: Int) throws -> Never {
        let c = try collection(db)
        var n = start
        while true {
            try db.transaction { txn in
                try c.upsert(id: String(n), vector: vector(n), metadata: ["j": .int(Int64(n))], in: txn)
                if n % 5 == 0 && n >= 3 { try c.delete(String(n - 3), in: txn) }
            }
            FileHandle.standardOutput.write(Data("\(n)\n".utf8))
            if n % 200 == 199 { try db.checkpoint() }
            n += 1
        }
    }

    static func check(_ db: Database, acknowledged last: Int) throws {
        guard last >= 0 else { return }
        let c = try collection(db)
        for n in 0...last {
            let record = try c.get(String(n))
            if deleted(n, acknowledged: last) {
                guard record == nil else { throw Failure("\(n) was deleted by an acknowledged commit but is still stored") }
                if try c.search(vector(n), k: 1, ef: 200).first?.id == String(n) {
                    throw Failure("deleted \(n) is still returned by search")
                }
                continue
            }
            // The transaction after the last acknowledged one may have
            // committed unacknowledged, deleting its n − 3.
            if record == nil && n % 5 == 2 && n + 3 == last + 1 { continue }
            guard let record else { throw Failure("acknowledged upsert \(n) is missing") }
            guard record.metadata == ["j": .int(Int64(n))], record.vector == vector(n) else {
                throw Failure("\(n) has metadata \(record.metadata), vector \(record.vector)")
            }
            let hit = try c.search(vector(n), k: 1, ef: 200).first
            guard hit?.id == String(n), hit?.metadata == record.metadata else {
                throw Failure("acknowledged \(n) is not found by a search for its own vector (got \(String(describing: hit)))")
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
