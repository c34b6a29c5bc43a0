import Testing
@testable import SochStorage

/// The skip list against a sorted array of the same entries.
struct MemtableTests {
    @Test func orderAndLookupMatchAReference() throws {
        let table = Memtable()
        var rng = SplitMix64(seed: 7)
        var reference: [([UInt8], UInt64, EntryKind, [UInt8])] = []
        for seq in 1...3_000 {
            let key = b("k\(rng.next() % 500)")
            let kind: EntryKind = rng.next() % 5 == 0 ? .deletion : .value
            let value = kind == .value ? b("v\(seq)") : []
            key.withUnsafeBytes { k in value.withUnsafeBytes { v in table.add(sequence: UInt64(seq), kind: kind, key: k, value: v) } }
            reference.append((key, UInt64(seq), kind, value))
        }
        reference.sort { InternalKey.compare(InternalKey.make($0.0, $0.1, $0.2), InternalKey.make($1.0, $1.1, $1.2)) < 0 }
        let it = table.makeIterator()
        it.seekToFirst()
        for (key, seq, kind, value) in reference {
            #expect(it.isValid)
            #expect(it.key == InternalKey.make(key, seq, kind))
            #expect(it.value == value)
            it.next()
        }
        #expect(!it.isValid)
        #expect(table.entryCount == 3_000)

        // Lookups at several snapshots agree with the newest entry at or below each.
        for at in [UInt64(1), 500, 1_500, 3_000] {
            for k in 0..<500 {
                let key = b("k\(k)")
                let newest = reference.filter { $0.0 == key && $0.1 <= at }.max { $0.1 < $1.1 }
                let got = key.withUnsafeBytes { uk in InternalKey.lookup(key, at: at).withUnsafeBytes { table.get(userKey: uk, lookupKey: $0) } }
                switch (got, newest) {
                case (.absent, nil): break
                case (.deleted, let n?): #expect(n.2 == .deletion)
                case (.found(let v), let n?): #expect(n.2 == .value && Array(v) == n.3)
                default: Issue.record("key \(k) at \(at): \(got) vs \(String(describing: newest))")
                }
            }
        }
    }

    @Test func seekLandsOnTheFirstEntryAtOrAfterTheTarget() {
        let table = Memtable()
        for (i, k) in ["b", "d", "f"].enumerated() {
            b(k).withUnsafeBytes { key in [UInt8]().withUnsafeBytes { table.add(sequence: UInt64(i + 1), kind: .value, key: key, value: $0) } }
        }
        let it = table.makeIterator()
        it.seek(InternalKey.lookup(b("c"), at: 100))
        #expect(it.isValid && InternalKey.userKey(it.key) == ArraySlice(b("d")))
        it.seek(InternalKey.lookup(b("g"), at: 100))
        #expect(!it.isValid)
    }
}

/// The word-at-a-time key comparison against the byte-by-byte reference.
struct CompareBytesTests {
    @Test func matchesTheReferenceOnRandomAndAdversarialKeys() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 80)
            let a = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4 == 0 ? rng.next() : 0x61) }
            var b = a
            switch rng.next() % 4 {
            case 0: if !b.isEmpty { b[Int(rng.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8)) }
            case 1: b.append(UInt8(truncatingIfNeeded: rng.next()))
            case 2: if !b.isEmpty { b.removeLast() }
            default: b = (0..<Int(rng.next() % 80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            let fast = a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in compareBytes(pa, pb) } }
            #expect(fast.signum() == compareBytesReference(a, b), "\(a) vs \(b)")
        }
    }
}
