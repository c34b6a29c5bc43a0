/// Reads through a buffer of uncommitted writes (key → value, nil for a
/// delete): what `Transaction` keeps until commit, and what the SQL layer
/// keeps per statement on top of a transaction.
public enum BufferedWrites {
    /// The pairs in [`start`, `end`) that `base` yields (in key order, via
    /// the `emit` it is given), with `writes` applied: buffered puts appear
    /// or replace, buffered deletes hide. In key order.
    public static func merge(_ writes: [ByteKey: [UInt8]?], from start: [UInt8]?, to end: [UInt8]?,
                             base: (_ emit: ([UInt8], [UInt8]) -> Void) throws -> Void) rethrows -> [(key: [UInt8], value: [UInt8])] {
        var merged: [(key: [UInt8], value: [UInt8])] = []
        let own = writes.compactMap { k, v -> (key: [UInt8], value: [UInt8]?)? in
            let inRange = (start.map { compareBytes(k.bytes, $0) >= 0 } ?? true) && (end.map { compareBytes(k.bytes, $0) < 0 } ?? true)
            return inRange ? (k.bytes, v) : nil
        }.sorted { compareBytes($0.key, $1.key) < 0 }
        var i = 0
        try base { k, v in
            while i < own.count && compareBytes(own[i].key, k) < 0 {
                if let value = own[i].value { merged.append((own[i].key, value)) }
                i += 1
            }
            if i < own.count && own[i].key == k {
                if let value = own[i].value { merged.append((k, value)) }
                i += 1
            } else {
                merged.append((k, v))
            }
        }
        for (k, v) in own[i...] { if let v { merged.append((k, v)) } }
        return merged
    }

    /// Byte-wise key order (negative, zero, positive), as the engine sorts keys.
    public static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int { compareBytes(a, b) }
}
