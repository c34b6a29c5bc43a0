/// Hand-written JSON for the hot paths that emit many small strings (the C
/// ABI's search results, SQL rows): `JSONEncoder` costs about a microsecond
/// per call, this a few nanoseconds per byte. The output is RFC 8259 JSON
/// that any decoder reads back to the same string (tested against
/// Foundation's decoder).
public enum JSONText {
    /// `s` as a quoted JSON string: `"` and `\` escaped, control characters
    /// as `\n`, `\t`… or `\u00XX`; everything else, non-ASCII included, as is.
    public static func quoted(_ s: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count + 2)
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` quoted, as ``quoted(_:)``, to a UTF-8 buffer.
    public static func append(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(c)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONText {
    /// Appends `value` as compact JSON with object keys sorted, as
    /// ``MetadataValue/json`` writes it, except that a double is written in
    /// Swift's shortest round-trip form (`5.0`, `1e-05`), so a reader can
    /// tell it from an integer. A non-finite double (never stored) is `null`.
    public static func append(_ value: MetadataValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .int(let i): out.append(contentsOf: Array(String(i).utf8))
        case .double(let d): out.append(contentsOf: Array((d.isFinite ? d.description : "null").utf8))
        case .string(let s): append(s, to: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(fields[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
