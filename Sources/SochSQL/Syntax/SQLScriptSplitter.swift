import Foundation

/// Splits a script into statements at `;`, ignoring semicolons inside
/// quotes ('…', "…", `…`, […]) and comments (`--`, `/* */`).
enum SQLScriptSplitter {
    /// The statements' texts, trimmed, without the `;`; statements that are
    /// empty or hold only comments are left out.
    static func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var pieces: [String] = []
        var start = 0, i = 0
        func finish(_ end: Int) {
            let piece = String(decoding: bytes[start..<end], as: UTF8.self)
            if let tokens = try? SQLLexer.tokenize(piece), tokens.count == 1 { return }   // only blanks and comments
            let trimmed = piece.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { pieces.append(trimmed) }
        }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
                let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : c
                i += 1
                while i < bytes.count && bytes[i] != close { i += 1 }
                i += 1
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                i += 2
                while i + 1 < bytes.count && !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
            case UInt8(ascii: ";"):
                finish(i)
                i += 1
                start = i
            default:
                i += 1
            }
        }
        if start < bytes.count { finish(min(i, bytes.count)) }
        return pieces
    }
}
