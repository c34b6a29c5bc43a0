/// Reads one TOON table from text: the header here, values in
/// `TOONParser+Values.swift`.
///
/// A recursive-descent parser over the text's UTF-8 bytes, which it owns
/// (one copy of the input). Single use, not thread-safe. Every check is made
/// where the byte is read, so an error carries the first offending position;
/// positions are kept as byte offsets and turned into Unicode-scalar offsets
/// only when an error is thrown. Time O(n); recursion depth bounded by
/// ``TOONSyntax/maxNestingDepth``.
struct TOONParser {
    let bytes: [UInt8]
    /// Byte offset of the next unread byte.
    var i = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { i >= bytes.count }

    /// `name "[" count "]" "{" fields "}" ":" body`, then the end of the text.
    mutating func table() throws(TOONError) -> TOONTable {
        let name = try self.name(what: "a table name")
        try expect(TOONSyntax.openCount, "'[' after the table name")
        let countAt = i
        let count = try self.count()
        try expect(TOONSyntax.closeCount, "']' after the record count")
        try expect(TOONSyntax.openFields, "'{' to open the field list")
        let fields = try self.fields()
        try expect(TOONSyntax.colon, "':' after the field list")
        let rows = try body(count: count, countAt: countAt, fieldCount: fields.count)
        let records = rows.map { Dictionary(uniqueKeysWithValues: zip(fields, $0)) }
        return TOONTable(name: name, fields: fields, records: records)
    }

    /// An identifier `[A-Za-z_][A-Za-z0-9_.-]*`.
    private mutating func name(what: String) throws(TOONError) -> String {
        guard !atEnd else { throw error(.unexpectedEnd, at: i, "expected \(what), found \(found(at: i))") }
        guard TOONSyntax.isNameStart(bytes[i]) else {
            throw error(.invalidName, at: i, "expected \(what) ([A-Za-z_][A-Za-z0-9_.-]*), found \(found(at: i))")
        }
        let start = i
        i += 1
        while !atEnd, TOONSyntax.isNameContinue(bytes[i]) { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// Decimal digits that fit `Int`.
    private mutating func count() throws(TOONError) -> Int {
        let start = i
        while !atEnd, TOONSyntax.isDigit(bytes[i]) { i += 1 }
        guard i > start else {
            let kind: TOONError.Kind = atEnd ? .unexpectedEnd : .invalidCount
            throw error(kind, at: i, "expected the record count (decimal digits), found \(found(at: i))")
        }
        guard let count = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else {
            throw error(.invalidCount, at: start, "record count does not fit a 64-bit integer")
        }
        return count
    }

    /// `(name ("," name)*)? "}"`, after the `{`; names must be distinct.
    private mutating func fields() throws(TOONError) -> [String] {
        if !atEnd, bytes[i] == TOONSyntax.closeFields {
            i += 1
            return []
        }
        var fields: [String] = []
        var seen = Set<String>()
        while true {
            let start = i
            let field = try name(what: "a field name")
            guard seen.insert(field).inserted else {
                throw error(.duplicateField, at: start, "field \(field.debugDescription) appears twice in the header")
            }
            fields.append(field)
            guard !atEnd else { throw error(.unexpectedEnd, at: i, "expected ',' or '}' in the field list") }
            switch bytes[i] {
            case TOONSyntax.comma: i += 1
            case TOONSyntax.closeFields: i += 1; return fields
            default: throw error(.unexpectedCharacter, at: i, "expected ',' or '}' in the field list, found \(found(at: i))")
            }
        }
    }

    /// Exactly `count` records separated by `;`, then the end of the text.
    /// A surplus record is reported where it starts, a missing one where the
    /// text ends.
    private mutating func body(count: Int, countAt: Int, fieldCount: Int) throws(TOONError) -> [[TOONValue]] {
        guard count > 0 else {
            if !atEnd { throw error(.recordCountMismatch, at: i, "header declares 0 records, but a record follows") }
            return []
        }
        var rows: [[TOONValue]] = []
        rows.reserveCapacity(min(count, bytes.count - i + 1))
        if atEnd, fieldCount > 0 {
            throw error(.recordCountMismatch, at: i, "header declares \(count) records, found 0")
        }
        for index in 0..<count {
            if index > 0 {
                guard !atEnd else {
                    throw error(.recordCountMismatch, at: i, "header declares \(count) records, found \(index)")
                }
                i += 1  // the ';' that record(...) stopped at
            }
            rows.append(try record(index: index, fieldCount: fieldCount))
        }
        if !atEnd {
            throw error(.recordCountMismatch, at: i + 1, "header declares \(count) records, but another follows")
        }
        return rows
    }

    /// Consumes `byte` or throws naming `what` was expected.
    mutating func expect(_ byte: UInt8, _ what: String) throws(TOONError) {
        guard !atEnd else { throw error(.unexpectedEnd, at: i, "expected \(what), found the end of the input") }
        guard bytes[i] == byte else {
            throw error(.unexpectedCharacter, at: i, "expected \(what), found \(found(at: i))")
        }
        i += 1
    }

    /// An error at byte offset `byte`, reported as a Unicode-scalar offset.
    func error(_ kind: TOONError.Kind, at byte: Int, _ message: String) -> TOONError {
        TOONError(kind, at: scalarOffset(byte), message)
    }

    /// Unicode scalars before byte offset `byte` (which is on a scalar
    /// boundary): the bytes that are not UTF-8 continuation bytes. O(byte).
    func scalarOffset(_ byte: Int) -> Int {
        let scalars = bytes[..<min(byte, bytes.count)].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return scalars + max(0, byte - bytes.count)
    }

    /// The character at byte offset `byte`, for messages: `'x'`, `U+000A`, or
    /// "the end of the input".
    func found(at byte: Int) -> String {
        guard byte < bytes.count else { return "the end of the input" }
        let tail = bytes[byte..<min(byte + 4, bytes.count)]
        guard let scalar = String(decoding: tail, as: UTF8.self).unicodeScalars.first else { return "?" }
        if TOONSyntax.isControl(scalar) || TOONSyntax.isSpace(scalar) {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(scalar)'"
    }
}
