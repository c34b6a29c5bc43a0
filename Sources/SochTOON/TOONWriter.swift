/// Builds TOON text into a byte buffer, one header, record or value at a time.
///
/// Not thread-safe; each encode call owns one writer. The writer validates
/// values as it writes them (non-finite doubles, nesting depth) but trusts
/// its caller for the header: ``TOON`` checks names before calling ``header``.
/// Output is O(size of the text); nothing is written twice.
struct TOONWriter {
    private(set) var bytes: [UInt8] = []

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// `name[count]{f1,f2,…}:`
    mutating func header(name: String, count: Int, fields: [String]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(TOONSyntax.openCount)
        bytes.append(contentsOf: String(count).utf8)
        bytes.append(TOONSyntax.closeCount)
        bytes.append(TOONSyntax.openFields)
        for (i, field) in fields.enumerated() {
            if i > 0 { bytes.append(TOONSyntax.comma) }
            bytes.append(contentsOf: field.utf8)
        }
        bytes.append(TOONSyntax.closeFields)
        bytes.append(TOONSyntax.colon)
    }

    /// Writes one record's values, comma-separated, preceded by `;` unless it
    /// is the first record. `record` is only used to locate errors.
    mutating func record(_ values: some Sequence<TOONValue>, index record: Int) throws(TOONError) {
        if record > 0 { bytes.append(TOONSyntax.semicolon) }
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(TOONSyntax.comma) }
            try self.value(value, depth: 0, record: record)
        }
    }

    /// Writes `value`; `depth` is 0 in a record and grows by one per list or
    /// object around the value.
    mutating func value(_ value: TOONValue, depth: Int, record: Int) throws(TOONError) {
        switch value {
        case .null: bytes.append(contentsOf: TOONSyntax.null.utf8)
        case .bool(let b): bytes.append(contentsOf: (b ? TOONSyntax.true : TOONSyntax.false).utf8)
        case .int(let i): bytes.append(contentsOf: String(i).utf8)
        case .double(let d):
            guard d.isFinite else {
                throw TOONError(.nonFiniteNumber, at: record,
                                "record \(record) holds \(d), which TOON cannot represent")
            }
            bytes.append(contentsOf: TOONNumber.format(d).utf8)
        case .string(let s): string(s, nested: depth > 0)
        case .list(let items):
            try checkDepth(depth + 1, record: record)
            bytes.append(TOONSyntax.openList)
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(TOONSyntax.comma) }
                try self.value(item, depth: depth + 1, record: record)
            }
            bytes.append(TOONSyntax.closeList)
        case .object(let pairs):
            try checkDepth(depth + 1, record: record)
            bytes.append(TOONSyntax.openObject)
            for (i, (key, item)) in pairs.enumerated() {
                if i > 0 { bytes.append(TOONSyntax.comma) }
                string(key, nested: true)
                bytes.append(TOONSyntax.colon)
                try self.value(item, depth: depth + 1, record: record)
            }
            bytes.append(TOONSyntax.closeObject)
        }
    }

    private mutating func string(_ s: String, nested: Bool) {
        if TOONQuoting.needsQuotes(s, nested: nested) {
            TOONQuoting.appendQuoted(s, to: &bytes)
        } else {
            bytes.append(contentsOf: s.utf8)
        }
    }

    private func checkDepth(_ depth: Int, record: Int) throws(TOONError) {
        if depth > TOONSyntax.maxNestingDepth {
            throw TOONError(.nestingTooDeep, at: record,
                            "record \(record) nests lists/objects deeper than \(TOONSyntax.maxNestingDepth)")
        }
    }
}
