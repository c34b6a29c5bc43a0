import Testing
@testable import SochTOON

/// Malformed text: each input must throw the right kind at the right
/// Unicode-scalar offset.
@Suite struct DecodeErrorTests {
    struct Bad: CustomTestStringConvertible, Sendable {
        var text: String
        var kind: TOONError.Kind
        var position: Int
        var testDescription: String { "\(text.debugDescription) → \(kind) at \(position)" }
    }

    static let cases: [Bad] = [
        // Header.
        Bad(text: "", kind: .unexpectedEnd, position: 0),
        Bad(text: "[1]{a}:1", kind: .invalidName, position: 0),
        Bad(text: " t[1]{a}:1", kind: .invalidName, position: 0),
        Bad(text: "users{id}:1", kind: .unexpectedCharacter, position: 5),  // missing '['
        Bad(text: "users", kind: .unexpectedEnd, position: 5),
        Bad(text: "users[x]{id}:1", kind: .invalidCount, position: 6),
        Bad(text: "users[]{id}:", kind: .invalidCount, position: 6),
        Bad(text: "users[-1]{id}:", kind: .invalidCount, position: 6),
        Bad(text: "users[99999999999999999999]{id}:", kind: .invalidCount, position: 6),
        Bad(text: "users[2{id}:", kind: .unexpectedCharacter, position: 7),
        Bad(text: "users[1]id}:1", kind: .unexpectedCharacter, position: 8),
        Bad(text: "users[1]{1d}:1", kind: .invalidName, position: 9),
        Bad(text: "users[1]{id,}:1", kind: .invalidName, position: 12),
        Bad(text: "users[1]{id,name", kind: .unexpectedEnd, position: 16),
        Bad(text: "users[1]{id name}:1", kind: .unexpectedCharacter, position: 11),
        Bad(text: "users[1]{id,id}:1,2", kind: .duplicateField, position: 12),
        Bad(text: "users[1]{id}1", kind: .unexpectedCharacter, position: 12),
        // Strings.
        Bad(text: #"t[1]{a}:"abc"#, kind: .unterminatedString, position: 8),
        Bad(text: #"t[1]{a}:"abc\"#, kind: .unterminatedString, position: 8),
        Bad(text: #"t[1]{a}:"a\qb""#, kind: .invalidEscape, position: 10),
        Bad(text: #"t[1]{a}:"a\u12""#, kind: .invalidEscape, position: 10),
        Bad(text: #"t[1]{a}:"a\uD800""#, kind: .invalidEscape, position: 10),
        Bad(text: #"t[1]{a}:"a\uD800\u0041""#, kind: .invalidEscape, position: 10),
        Bad(text: #"t[1]{a}:"a\uDC00""#, kind: .invalidEscape, position: 10),
        Bad(text: "t[1]{a}:\"a\nb\"", kind: .unexpectedCharacter, position: 10),
        Bad(text: "t[1]{a}:a\nb", kind: .unexpectedCharacter, position: 9),
        Bad(text: "t[1]{a}:1\n", kind: .unexpectedCharacter, position: 9),
        Bad(text: "t[1]{a}:a\u{2028}b", kind: .unexpectedCharacter, position: 9),
        Bad(text: #"t[1]{a}:ab"c""#, kind: .unexpectedCharacter, position: 10),
        Bad(text: #"t[1]{a}:a\b"#, kind: .unexpectedCharacter, position: 9),
        // Record and value counts.
        Bad(text: "t[3]{a}:1;2", kind: .recordCountMismatch, position: 11),
        Bad(text: "t[1]{a}:1;2", kind: .recordCountMismatch, position: 10),
        Bad(text: "t[1]{a}:1;", kind: .recordCountMismatch, position: 10),
        Bad(text: "t[0]{a}:1", kind: .recordCountMismatch, position: 8),
        Bad(text: "t[2]{a}:", kind: .recordCountMismatch, position: 8),
        Bad(text: "t[2]{a,b}:1,2;3", kind: .valueCountMismatch, position: 15),
        Bad(text: "t[2]{a,b}:1;3,4", kind: .valueCountMismatch, position: 11),
        Bad(text: "t[1]{a,b}:1,2,3", kind: .valueCountMismatch, position: 14),
        Bad(text: "t[1]{}:1", kind: .valueCountMismatch, position: 7),
        Bad(text: "t[1]{a,b}:1,", kind: .unexpectedEnd, position: 12),
        Bad(text: "t[1]{a,b}:,1", kind: .unexpectedCharacter, position: 10),
        Bad(text: "t[2]{a}:1;;", kind: .unexpectedCharacter, position: 10),
        // Trailing garbage after a complete value.
        Bad(text: #"t[1]{a}:"x"y"#, kind: .trailingCharacters, position: 11),
        Bad(text: "t[1]{a}:[1]]", kind: .trailingCharacters, position: 11),
        Bad(text: "t[1]{a}:{k:1} ", kind: .trailingCharacters, position: 13),
        // Numbers.
        Bad(text: "t[1]{a}:99999999999999999999", kind: .numberOutOfRange, position: 8),
        Bad(text: "t[1]{a}:-9223372036854775809", kind: .numberOutOfRange, position: 8),
        Bad(text: "t[1]{a}:1e999", kind: .numberOutOfRange, position: 8),
        // Nested forms.
        Bad(text: "t[1]{a}:[1,2", kind: .unexpectedEnd, position: 12),
        Bad(text: "t[1]{a}:[1;2]", kind: .unexpectedCharacter, position: 10),
        Bad(text: "t[1]{a}:[1,]", kind: .unexpectedCharacter, position: 11),
        Bad(text: "t[1]{a}:[a:b]", kind: .unexpectedCharacter, position: 10),
        Bad(text: "t[1]{a}:{k}", kind: .unexpectedCharacter, position: 10),
        Bad(text: "t[1]{a}:{:1}", kind: .unexpectedCharacter, position: 9),
        Bad(text: "t[1]{a}:{k:1", kind: .unexpectedEnd, position: 12),
        Bad(text: #"t[1]{a}:["x"y]"#, kind: .unexpectedCharacter, position: 12),
        Bad(text: "t[1]{a}:" + String(repeating: "[", count: 129), kind: .nestingTooDeep, position: 8 + 128),
        // Positions count Unicode scalars, not bytes or grapheme clusters.
        Bad(text: "t[1]{a}:café,x", kind: .valueCountMismatch, position: 13),
        Bad(text: "t[1]{a}:日本\"x", kind: .unexpectedCharacter, position: 10),
        Bad(text: "t[1]{a}:e\u{301}\u{301}\"", kind: .unexpectedCharacter, position: 11),
    ]

    @Test(arguments: cases)
    func throwsAtPosition(_ bad: Bad) {
        #expect {
            _ = try TOON.decode(bad.text)
        } throws: { error in
            guard let error = error as? TOONError else { return false }
            return error.kind == bad.kind && error.position == bad.position
        }
        do {
            _ = try TOON.decode(bad.text)
        } catch {
            #expect(error.kind == bad.kind, "\(error)")
            #expect(error.position == bad.position, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func messagesSayWhatWasExpected() {
        func message(_ text: String) -> String {
            do { _ = try TOON.decode(text); return "" } catch { return error.description }
        }
        #expect(message("users{id}:1") == "TOON unexpectedCharacter at 5: expected '[' after the table name, found '{'")
        #expect(message("t[3]{a}:1;2") == "TOON recordCountMismatch at 11: header declares 3 records, found 2")
        #expect(message("t[2]{a,b}:1,2;3").contains("record 1 has 1 values, header declares 2 fields"))
        #expect(message("t[1]{a}:a\nb").contains("U+000A"))
    }

    @Test func deepestAllowedNestingDecodes() throws {
        let depth = TOONSyntax.maxNestingDepth
        let text = "t[1]{a}:" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var expected: TOONValue = .list([])
        for _ in 1..<depth { expected = .list([expected]) }
        #expect(try TOON.decode(text).rows == [[expected]])
        #expect(try TOON.encode(table: "t", columns: ["a"], rows: [[expected]]) == text)
    }
}
