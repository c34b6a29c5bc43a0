/// Every table of one catalogue version, as loaded from the `c` entries.
/// Immutable; the engine caches it by the version token it was read at.
struct SQLCatalog: Sendable {
    /// The `v` key's value this catalogue was read at (empty: none yet).
    let version: [UInt8]
    /// Lowercased table name → schema.
    let tables: [String: TableSchema]
    /// Lowercased index name → owning table's name.
    let indexOwners: [String: String]

    init(version: [UInt8], tables: [String: TableSchema]) {
        self.version = version
        self.tables = tables
        var owners: [String: String] = [:]
        for table in tables.values { for index in table.indexes { owners[index.name] = table.name } }
        indexOwners = owners
    }

    func table(_ name: String) throws(SQLError) -> TableSchema {
        guard let t = tables[name] else { throw SQLError.unknownTable(name) }
        return t
    }
}
