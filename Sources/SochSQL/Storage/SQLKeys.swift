/// Builds every key the SQL layer writes, under the engine's key prefix
/// (docs/formats/sql-keys.md).
///
/// FORMAT: the one-byte kinds below are on-disk format.
struct SQLKeys: Sendable {
    static let kindVersion = UInt8(ascii: "v")
    static let kindNextID = UInt8(ascii: "n")
    static let kindCatalog = UInt8(ascii: "c")
    static let kindRow = UInt8(ascii: "r")
    static let kindRowidCounter = UInt8(ascii: "q")
    static let kindIndex = UInt8(ascii: "i")

    let prefix: [UInt8]

    private func key(_ kind: UInt8) -> [UInt8] { prefix + [kind] }

    private func key(_ kind: UInt8, _ id: UInt32) -> [UInt8] {
        var k = prefix
        k.reserveCapacity(prefix.count + 24)
        k.append(kind)
        OrderedKeyEncoding.appendBigEndian(id, to: &k)
        return k
    }

    /// The catalogue version token, rewritten by every DDL statement.
    var version: [UInt8] { key(Self.kindVersion) }
    /// The last table or index id handed out (u32 big-endian).
    var nextID: [UInt8] { key(Self.kindNextID) }
    /// The prefix of every catalogue entry.
    var catalogPrefix: [UInt8] { key(Self.kindCatalog) }

    func catalogEntry(_ table: String) -> [UInt8] { catalogPrefix + Array(table.utf8) }

    /// The prefix of every row of every table.
    var allRowsPrefix: [UInt8] { key(Self.kindRow) }
    /// The prefix of every entry of every index.
    var allIndexesPrefix: [UInt8] { key(Self.kindIndex) }

    /// The prefix of every row of table `id`.
    func rowPrefix(_ table: UInt32) -> [UInt8] { key(Self.kindRow, table) }

    func row(_ table: UInt32, primaryKey: [SQLValue]) -> [UInt8] {
        var k = rowPrefix(table)
        for v in primaryKey { OrderedKeyEncoding.append(v, to: &k) }
        return k
    }

    func rowidCounter(_ table: UInt32) -> [UInt8] { key(Self.kindRowidCounter, table) }

    /// The prefix of every entry of index `id`.
    func indexPrefix(_ index: UInt32) -> [UInt8] { key(Self.kindIndex, index) }

    /// The key of an index entry. The primary key is part of the key in a
    /// non-unique index, and in a unique index only when a value is NULL
    /// (NULLs never collide); otherwise a unique index has one key per
    /// value tuple, so its uniqueness check and point lookup are one get.
    /// The entry's value is always the encoded primary key.
    func indexEntry(_ index: IndexSchema, values: [SQLValue], primaryKey: [SQLValue]) -> [UInt8] {
        var k = indexPrefix(index.id)
        for v in values { OrderedKeyEncoding.append(v, to: &k) }
        if !index.unique || values.contains(where: \.isNull) {
            for v in primaryKey { OrderedKeyEncoding.append(v, to: &k) }
        }
        return k
    }
}
