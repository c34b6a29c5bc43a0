/// Records and values: `record := value ("," value)*`, where a value is a
/// quoted string, a list `[…]`, an object `{…}`, or an unquoted token typed
/// by ``TOONNumber/classify(_:)``.
extension TOONParser {
    /// One record of exactly `fieldCount` values; stops at `;` or the end.
    mutating func record(index: Int, fieldCount: Int) throws(TOONError) -> [TOONValue] {
        guard fieldCount > 0 else {
            if !atEnd, bytes[i] != TOONSyntax.semicolon {
                throw error(.valueCountMismatch, at: i, "header declares no fields, but record \(index) has a value")
            }
            return []
        }
        var values: [TOONValue] = []
        values.reserveCapacity(fieldCount)
        while true {
            values.append(try value(nested: false, depth: 0))
            if atEnd || bytes[i] == TOONSyntax.semicolon {
                guard values.count == fieldCount else {
                    throw error(.valueCountMismatch, at: i,
                                "record \(index) has \(values.count) values, header declares \(fieldCount) fields")
                }
                return values
            }
            guard bytes[i] == TOONSyntax.comma else {
                throw error(.trailingCharacters, at: i,
                            "expected ',' or ';' or the end of the input after a value, found \(found(at: i))")
            }
            guard values.count < fieldCount else {
                throw error(.valueCountMismatch, at: i + 1,
                            "record \(index) has more than the \(fieldCount) values the header declares")
            }
            i += 1
        }
    }

    /// A value at the read position. `nested` is true inside a list or
    /// object; `depth` counts the lists and objects around the value.
    mutating func value(nested: Bool, depth: Int) throws(TOONError) -> TOONValue {
        guard !atEnd else { throw error(.unexpectedEnd, at: i, "expected a value, found the end of the input") }
        switch bytes[i] {
        case TOONSyntax.quote: return .string(try quotedString())
        case TOONSyntax.openList: return try list(depth: depth + 1)
        case TOONSyntax.openObject: return try object(depth: depth + 1)
        default: return try bareValue(nested: nested)
        }
    }

    private mutating func bareValue(nested: Bool) throws(TOONError) -> TOONValue {
        let start = i
        let token = try bareToken(nested: nested, what: "a value")
        switch TOONNumber.classify(token) {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string: return .string(String(decoding: token, as: UTF8.self))
        case .int:
            guard let v = Int64(String(decoding: token, as: UTF8.self)) else {
                throw error(.numberOutOfRange, at: start, "integer does not fit in 64 bits; quote it to keep it as a string")
            }
            return .int(v)
        case .double:
            guard let v = Double(String(decoding: token, as: UTF8.self)), v.isFinite else {
                throw error(.numberOutOfRange, at: start, "float overflows a 64-bit double; quote it to keep it as a string")
            }
            return .double(v)
        }
    }

    /// The bytes of an unquoted token, up to the next byte that ends one.
    /// Rejects `"`, `\` and control characters inside it, and an empty token.
    private mutating func bareToken(nested: Bool, what: String) throws(TOONError) -> ArraySlice<UInt8> {
        let start = i
        while !atEnd, !TOONSyntax.endsBareValue(bytes[i], nested: nested) {
            let byte = bytes[i]
            if byte == TOONSyntax.quote || byte == TOONSyntax.backslash {
                throw error(.unexpectedCharacter, at: i,
                            "\(found(at: i)) inside an unquoted value; put the whole value in quotes")
            }
            if TOONSyntax.isControl(utf8: bytes, at: i) {
                throw error(.unexpectedCharacter, at: i,
                            "control character \(found(at: i)) in an unquoted value; quote the value and escape it")
            }
            i += 1
        }
        guard i > start else {
            let kind: TOONError.Kind = atEnd ? .unexpectedEnd : .unexpectedCharacter
            throw error(kind, at: i, "expected \(what), found \(found(at: i))")
        }
        return bytes[start..<i]
    }

    /// `"[" (value ("," value)*)? "]"`.
    private mutating func list(depth: Int) throws(TOONError) -> TOONValue {
        let open = try enterNested(depth: depth)
        var items: [TOONValue] = []
        if !atEnd, bytes[i] == TOONSyntax.closeList { i += 1; return .list(items) }
        while true {
            items.append(try value(nested: true, depth: depth))
            if try closeOrContinue(TOONSyntax.closeList, "list", openedAt: open) { return .list(items) }
        }
    }

    /// `"{" (key ":" value ("," key ":" value)*)? "}"`; a key is a quoted
    /// string or an unquoted token taken as a string, whatever it looks like.
    private mutating func object(depth: Int) throws(TOONError) -> TOONValue {
        let open = try enterNested(depth: depth)
        var pairs: [(String, TOONValue)] = []
        if !atEnd, bytes[i] == TOONSyntax.closeObject { i += 1; return .object(pairs) }
        while true {
            let key: String
            if !atEnd, bytes[i] == TOONSyntax.quote {
                key = try quotedString()
            } else {
                key = String(decoding: try bareToken(nested: true, what: "an object key"), as: UTF8.self)
            }
            try expect(TOONSyntax.colon, "':' after the object key")
            pairs.append((key, try value(nested: true, depth: depth)))
            if try closeOrContinue(TOONSyntax.closeObject, "object", openedAt: open) { return .object(pairs) }
        }
    }

    /// Checks the depth and consumes the opening bracket; returns its offset.
    private mutating func enterNested(depth: Int) throws(TOONError) -> Int {
        guard depth <= TOONSyntax.maxNestingDepth else {
            throw error(.nestingTooDeep, at: i, "lists/objects nest deeper than \(TOONSyntax.maxNestingDepth)")
        }
        i += 1
        return i - 1
    }

    /// After an item: consumes `,` (returns false) or `close` (returns true).
    private mutating func closeOrContinue(_ close: UInt8, _ what: String, openedAt open: Int) throws(TOONError) -> Bool {
        let closing = close == TOONSyntax.closeList ? "']'" : "'}'"
        guard !atEnd else {
            throw error(.unexpectedEnd, at: i,
                        "expected ',' or \(closing) to continue the \(what) opened at \(scalarOffset(open))")
        }
        if bytes[i] == TOONSyntax.comma { i += 1; return false }
        if bytes[i] == close { i += 1; return true }
        throw error(.unexpectedCharacter, at: i, "expected ',' or \(closing) in the \(what), found \(found(at: i))")
    }
}
