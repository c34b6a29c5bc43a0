/// The catalogue entry's value bytes (docs/formats/sql-keys.md,
/// "Catalogue entry").
///
/// FORMAT: layout and column type codes are on-disk format.
extension TableSchema {
    static let formatVersion: UInt8 = 1

    /// Stable codes of the column types in the catalogue.
    static func typeCode(_ type: SQLColumnType) -> UInt8 {
        switch type {
        case .integer: return 1
        case .real: return 2
        case .text: return 3
        case .boolean: return 4
        case .blob: return 5
        }
    }

    static func type(code: UInt8) throws(SQLError) -> SQLColumnType {
        switch code {
        case 1: return .integer
        case 2: return .real
        case 3: return .text
        case 4: return .boolean
        case 5: return .blob
        default: throw SQLError.corruption("unknown column type code \(code)")
        }
    }

    func encoded() -> [UInt8] {
        var out: [UInt8] = [TableSchema.formatVersion]
        OrderedKeyEncoding.appendBigEndian(id, to: &out)
        Self.appendString(name, to: &out)
        RowCodec.appendVarint(UInt64(columns.count), to: &out)
        for c in columns {
            Self.appendString(c.name, to: &out)
            out.append(Self.typeCode(c.type))
            let hasDefault = !c.defaultValue.isNull
            out.append((c.notNull ? 1 : 0) | (c.primaryKey ? 2 : 0) | (hasDefault ? 4 : 0))
            if hasDefault {
                let bytes = RowCodec.encode([c.defaultValue])
                RowCodec.appendVarint(UInt64(bytes.count), to: &out)
                out.append(contentsOf: bytes)
            }
        }
        Self.appendPositions(primaryKey, to: &out)
        RowCodec.appendVarint(UInt64(indexes.count), to: &out)
        for index in indexes {
            OrderedKeyEncoding.appendBigEndian(index.id, to: &out)
            Self.appendString(index.name, to: &out)
            out.append(index.unique ? 1 : 0)
            Self.appendPositions(index.columns, to: &out)
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(SQLError) -> TableSchema {
        var reader = ByteReader(bytes: bytes)
        guard try reader.byte() == formatVersion else { throw SQLError.corruption("unknown catalogue entry version") }
        let id = try reader.uint32()
        let name = try reader.string()
        var columns: [ColumnDefinition] = []
        for _ in 0..<(try reader.count()) {
            let columnName = try reader.string()
            let type = try Self.type(code: try reader.byte())
            let flags = try reader.byte()
            var column = ColumnDefinition(name: columnName, type: type, notNull: flags & 1 != 0, primaryKey: flags & 2 != 0)
            if flags & 4 != 0 { column.defaultValue = try RowCodec.decode(try reader.byteString(), width: 1)[0] }
            columns.append(column)
        }
        let primaryKey = try reader.positions(below: columns.count)
        var indexes: [IndexSchema] = []
        for _ in 0..<(try reader.count()) {
            let indexID = try reader.uint32()
            let indexName = try reader.string()
            let unique = try reader.byte() != 0
            indexes.append(IndexSchema(id: indexID, name: indexName, columns: try reader.positions(below: columns.count), unique: unique))
        }
        return TableSchema(id: id, name: name, columns: columns, primaryKey: primaryKey, indexes: indexes)
    }

    private static func appendString(_ s: String, to out: inout [UInt8]) {
        RowCodec.appendVarint(UInt64(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }

    private static func appendPositions(_ positions: [Int], to out: inout [UInt8]) {
        RowCodec.appendVarint(UInt64(positions.count), to: &out)
        for p in positions { RowCodec.appendVarint(UInt64(p), to: &out) }
    }
}

/// Sequential reads from catalogue bytes; every overrun is corruption.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func byte() throws(SQLError) -> UInt8 {
        guard offset < bytes.count else { throw SQLError.corruption("catalogue entry ends early") }
        offset += 1
        return bytes[offset - 1]
    }

    mutating func uint32() throws(SQLError) -> UInt32 {
        var x: UInt32 = 0
        for _ in 0..<4 { x = x << 8 | UInt32(try byte()) }
        return x
    }

    mutating func count() throws(SQLError) -> Int {
        let n = try RowCodec.readVarint(bytes, at: &offset)
        guard n <= UInt64(bytes.count) else { throw SQLError.corruption("impossible count in catalogue entry") }
        return Int(n)
    }

    mutating func byteString() throws(SQLError) -> [UInt8] {
        let n = try count()
        guard offset + n <= bytes.count else { throw SQLError.corruption("catalogue value overruns the entry") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    mutating func string() throws(SQLError) -> String {
        let n = try count()
        guard offset + n <= bytes.count else { throw SQLError.corruption("catalogue string overruns the entry") }
        defer { offset += n }
        return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
    }

    mutating func positions(below width: Int) throws(SQLError) -> [Int] {
        var out: [Int] = []
        for _ in 0..<(try count()) {
            let p = try count()
            guard p < width else { throw SQLError.corruption("column position out of range") }
            out.append(p)
        }
        return out
    }
}
