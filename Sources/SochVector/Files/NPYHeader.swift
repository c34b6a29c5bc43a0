/// The header of a NumPy `.npy` file, format versions 1.0, 2.0 and 3.0.
///
/// Layout (all versions): the magic `\x93NUMPY`, a major and a minor version
/// byte, the header length (u16 LE in 1.x, u32 LE in 2.x/3.x), then that many
/// bytes of a Python dict literal (ASCII; UTF-8 in 3.x) such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }`,
/// padded with spaces and a newline so the data starts on a 64-byte boundary
/// (16 in files from old NumPy). The data follows in C (row-major) order.
/// See docs/formats/vector-files.md.
public struct NPYHeader: Sendable, Equatable {
    /// The dtype string, e.g. `<f4`.
    public var descr: String
    public var fortranOrder: Bool
    public var shape: [Int]
    /// Offset of the first data byte from the start of the file.
    public var dataOffset: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Size in bytes of one element of `descr` (`<f4` → 4).
    public var itemSize: Int? {
        guard descr.count >= 3, let n = Int(descr.dropFirst(2)) else { return nil }
        return n
    }

    /// Parses the header at the start of `bytes` (`count` bytes available).
    /// Throws `.corruptFile` for a truncated or malformed header and
    /// `.unsupportedFormat` for a version we do not know.
    static func parse(_ bytes: UnsafeRawPointer, count: Int, path: String) throws -> NPYHeader {
        guard count >= 10 else {
            throw SochVectorError.corruptFile(path: path, reason: "npy header truncated: file has \(count) bytes, a header needs at least 10")
        }
        let b = bytes.assumingMemoryBound(to: UInt8.self)
        guard (0..<6).allSatisfy({ b[$0] == magic[$0] }) else {
            throw SochVectorError.corruptFile(path: path, reason: "not an .npy file (magic \\x93NUMPY not found)")
        }
        let major = b[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw SochVectorError.unsupportedFormat(path: path, reason: "npy format version \(major).\(b[7]) (1.0–3.0 supported)")
        }
        guard count >= 8 + lengthBytes else {
            throw SochVectorError.corruptFile(path: path, reason: "npy header truncated before its length field")
        }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(b[8 + i]) << (8 * i) }
        let start = 8 + lengthBytes
        guard headerLength <= count - start else {
            throw SochVectorError.corruptFile(path: path, reason: "npy header says \(headerLength) header bytes but the file has \(count - start) after the preamble")
        }
        let text = String(decoding: UnsafeBufferPointer(start: b + start, count: headerLength), as: UTF8.self)
        var header = try parseDict(text, path: path)
        header.dataOffset = start + headerLength
        return header
    }

    /// Parses the dict literal. Accepts the keys in any order, single or
    /// double quotes, and trailing commas, as NumPy itself writes and reads.
    private static func parseDict(_ text: String, path: String) throws -> NPYHeader {
        func bad(_ why: String) -> SochVectorError {
            .corruptFile(path: path, reason: "npy header \(why): \(text.trimmingCharacters(in: " \n"))")
        }
        guard let descr = stringValue(for: "descr", in: text) else { throw bad("has no 'descr'") }
        guard let fortranText = rawValue(for: "fortran_order", in: text) else { throw bad("has no 'fortran_order'") }
        let fortran: Bool
        switch fortranText {
        case "True": fortran = true
        case "False": fortran = false
        default: throw bad("has fortran_order \(fortranText)")
        }
        guard let shapeStart = valueStart(for: "shape", in: text), text[shapeStart...].first == "(",
              let close = text[shapeStart...].firstIndex(of: ")")
        else { throw bad("has no 'shape' tuple") }
        let inner = text[text.index(after: shapeStart)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: " L")
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw bad("has shape entry '\(t)'") }
            shape.append(v)
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape, dataOffset: 0)
    }

    private static func valueStart(for key: String, in text: String) -> String.Index? {
        for q in ["'", "\""] {
            if let r = text.firstRange(of: q + key + q) {
                var i = r.upperBound
                while i < text.endIndex, text[i] == " " || text[i] == ":" { i = text.index(after: i) }
                return i
            }
        }
        return nil
    }

    private static func rawValue(for key: String, in text: String) -> String? {
        guard let s = valueStart(for: key, in: text) else { return nil }
        let end = text[s...].firstIndex { $0 == "," || $0 == "}" } ?? text.endIndex
        return text[s..<end].trimmingCharacters(in: " ")
    }

    private static func stringValue(for key: String, in text: String) -> String? {
        guard let v = rawValue(for: key, in: text), v.count >= 2,
              let q = v.first, q == "'" || q == "\"", v.last == q else { return nil }
        return String(v.dropFirst().dropLast())
    }

    /// Serialises a version 1.0 header for `descr` and `shape`, padded so the
    /// data starts on a 64-byte boundary.
    static func encode(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let n = dict.utf8.count
        return magic + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(dict.utf8)
    }
}
