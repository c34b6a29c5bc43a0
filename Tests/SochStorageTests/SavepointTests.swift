import Testing
@testable import SochStorage

/// Transaction savepoints: a rollback returns the buffered writes to what
/// they were, nested savepoints undo only their own writes, a release
/// keeps the writes for an enclosing rollback; checked against a model
/// that copies the writes at each savepoint.
struct SavepointTests {
    @Test func rollbackRestoresPutsDeletesAndAbsentKeys() throws {
        let dir = makeTemporaryDirectory("savepoint"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        try engine.put(b("stored"), b("0"))
        let txn = engine.beginTransaction()
        try txn.put(b("a"), b("1"))
        try txn.delete(b("b"))
        let sp = try txn.savepoint()
        try txn.put(b("a"), b("2"))          // buffered value → other value
        try txn.put(b("b"), b("2"))          // buffered delete → value
        try txn.put(b("c"), b("2"))          // absent → value
        try txn.delete(b("stored"))          // snapshot value → delete
        try txn.put(b("a"), b("3"))          // a second write keeps the first prior
        try txn.rollback(to: sp)
        #expect(s(try txn.get(b("a"))) == "1")
        #expect(try txn.get(b("b")) == nil)
        #expect(try txn.get(b("c")) == nil)
        #expect(s(try txn.get(b("stored"))) == "0")
        #expect(try txn.scan().map { s($0.key)! } == ["a", "stored"])
        // Ended: rolling back to it again is refused, also once a newer
        // savepoint sits at the same depth.
        #expect(throws: StorageError.self) { try txn.rollback(to: sp) }
        let newer = try txn.savepoint()
        #expect(throws: StorageError.self) { try txn.rollback(to: sp) }
        // No commit while a savepoint is open (a statement is running).
        #expect(throws: StorageError.self) { try txn.commit() }
        try txn.release(newer)
        try txn.commit()
        #expect(try s(engine.get(b("a"))) == "1" && s(engine.get(b("stored"))) == "0")
    }

    @Test func nestedSavepointsAndReleaseMatchACopyingModel() throws {
        let dir = makeTemporaryDirectory("savepoint-model"); defer { removeTree(dir) }
        let engine = try StorageEngine.open(path: dir)
        var rng = SplitMix64(seed: 7)
        for round in 0..<40 {
            let txn = engine.beginTransaction()
            var model: [String: String?] = [:]   // the buffered writes, nil = delete
            var stack: [(Savepoint, [String: String?])] = []
            for _ in 0..<200 {
                let key = "k\(rng.next() % 12)"
                switch rng.next() % 10 {
                case 0...3: let v = "v\(rng.next() % 100)"; try txn.put(b(key), b(v)); model[key] = .some(v)
                case 4, 5: try txn.delete(b(key)); model[key] = .some(nil)
                case 6: stack.append((try txn.savepoint(), model))
                case 7 where !stack.isEmpty:
                    let i = Int(rng.next() % UInt64(stack.count))
                    try txn.rollback(to: stack[i].0)
                    model = stack[i].1
                    stack.removeSubrange(i...)
                case 8 where !stack.isEmpty:
                    let i = Int(rng.next() % UInt64(stack.count))
                    try txn.release(stack[i].0)
                    stack.removeSubrange(i...)
                default: break
                }
                for k in 0..<12 {
                    let key = "k\(k)"
                    let expected: String? = model[key] ?? nil
                    #expect(s(try txn.get(b(key))) == expected, "round \(round), \(key)")
                }
            }
            txn.abort()
        }
    }
}
