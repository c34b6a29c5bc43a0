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
        if let end, BufferedWrites.compare(start, end) >= 0 { return [] }
        let base: [(key: [UInt8], value: [UInt8])]
        do { base = try transaction.scan(from: start, to: end) } catch { throw SQLError.wrap(error) }
        if writes.isEmpty { return base }
        return BufferedWrites.merge(writes, from: start, to: end) { emit in for pair in base { emit(pair.key, pair.value) } }
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
