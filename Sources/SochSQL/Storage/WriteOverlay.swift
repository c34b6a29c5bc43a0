import SochStorage

/// One statement's writes, buffered over the caller's ``Transaction`` so a
/// failing statement changes nothing.
///
/// Reads (`get`, `scan`) see the transaction's view with this overlay's
/// writes applied on top; ``apply()`` copies the writes into the transaction
/// once the statement has succeeded. Key and value sizes are checked when a
/// write is buffered, so applying cannot fail half-way for bad input. Not
/// thread-safe, like the transaction it wraps.
struct WriteOverlay {
    let transaction: Transaction
    /// A value, or nil for a delete.
    private(set) var writes: [ByteKey: [UInt8]?] = [:]

    init(_ transaction: Transaction) { self.transaction = transaction }

    func get(_ key: [UInt8]) throws(SQLError) -> [UInt8]? {
        if let own = writes[ByteKey(key)] { return own }
        do { return try transaction.get(key) } catch { throw SQLError.wrap(error) }
    }

    mutating func put(_ key: [UInt8], _ value: [UInt8]) throws(SQLError) {
        guard key.count <= WriteBatch.maxKeySize else {
            throw SQLError.storage("key of \(key.count) bytes exceeds the limit of \(WriteBatch.maxKeySize)")
        }
        guard value.count <= WriteBatch.maxValueSize else {
            throw SQLError.storage("row of \(value.count) bytes exceeds the limit of \(WriteBatch.maxValueSize)")
        }
        writes[ByteKey(key)] = .some(value)
    }

    mutating func delete(_ key: [UInt8]) { writes[ByteKey(key)] = .some(nil) }

    /// Pairs in [`start`, `end`) in key order, overlay applied.
    /// An empty range (`end` ≤ `start`) yields nothing.
    func scan(from start: [UInt8], to end: [UInt8]?) throws(SQLError) -> [(key: [UInt8], value: [UInt8])] {
        if let end, SQLValue.compareBytes(start, end) >= 0 { return [] }
        let base: [(key: [UInt8], value: [UInt8])]
        do { base = try transaction.scan(from: start, to: end) } catch { throw SQLError.wrap(error) }
        if writes.isEmpty { return base }
        let own = writes.compactMap { k, v -> (key: [UInt8], value: [UInt8]?)? in
            let inRange = SQLValue.compareBytes(k.bytes, start) >= 0 && (end.map { SQLValue.compareBytes(k.bytes, $0) < 0 } ?? true)
            return inRange ? (k.bytes, v) : nil
        }.sorted { SQLValue.compareBytes($0.key, $1.key) < 0 }
        if own.isEmpty { return base }
        var merged: [(key: [UInt8], value: [UInt8])] = []
        merged.reserveCapacity(base.count + own.count)
        var i = 0
        for pair in base {
            while i < own.count && SQLValue.compareBytes(own[i].key, pair.key) < 0 {
                if let v = own[i].value { merged.append((own[i].key, v)) }
                i += 1
            }
            if i < own.count && own[i].key == pair.key {
                if let v = own[i].value { merged.append((pair.key, v)) }
                i += 1
            } else {
                merged.append(pair)
            }
        }
        for (k, v) in own[i...] { if let v { merged.append((k, v)) } }
        return merged
    }

    func scan(prefix: [UInt8]) throws(SQLError) -> [(key: [UInt8], value: [UInt8])] {
        try scan(from: prefix, to: ScanCursor.prefixEnd(prefix))
    }

    /// Copies the buffered writes into the transaction.
    func apply() throws(SQLError) {
        do {
            for (key, value) in writes {
                if let value { try transaction.put(key.bytes, value) } else { try transaction.delete(key.bytes) }
            }
        } catch {
            throw SQLError.wrap(error)
        }
    }
}
