import PropertyBased
import Testing
@testable import SochTOON

/// The byte scanners (TOONQuoting.needsQuotes, TOONNumber.classify) against
/// their plain references in TOONQuoting+Reference.swift.
@Suite struct ReferenceTests {
    @Test func needsQuotesMatchesReference() async {
        await propertyCheck(count: 3000, input: TOONGen.strings) { s in
            for nested in [false, true] {
                #expect(TOONQuoting.needsQuotes(s, nested: nested)
                    == TOONQuoting.needsQuotesReference(s, nested: nested), "\(s.debugDescription) nested: \(nested)")
            }
        }
    }

    @Test func needsQuotesMatchesReferenceOnNumberishTokens() async {
        await propertyCheck(count: 3000, input: TOONGen.tokens) { s in
            #expect(TOONQuoting.needsQuotes(s, nested: false)
                == TOONQuoting.needsQuotesReference(s, nested: false), "\(s.debugDescription)")
        }
    }

    @Test func classifyMatchesReference() async {
        await propertyCheck(count: 3000, input: TOONGen.tokens) { s in
            #expect(TOONNumber.classify(Array(s.utf8)[...]) == TOONQuoting.classifyReference(s), "\(s)")
        }
    }

    /// Anything the decoder would type is quoted by the encoder: the
    /// property that makes the quoting rules sufficient.
    @Test func typedTokensAreAlwaysQuoted() async {
        await propertyCheck(count: 3000, input: TOONGen.tokens) { s in
            if TOONNumber.classify(Array(s.utf8)[...]) != .string {
                #expect(TOONQuoting.needsQuotes(s, nested: false), "\(s)")
            }
        }
    }

    @Test func handPickedCases() {
        let quoted = ["", "a,b", "a;b", "\"", "\\", "\n", " a", "a ", "[a", "{a", "1", "-0", "1.5e3", "+1", ".5",
                      "1.", "nan", "-Inf", "INFINITY", "True", "nuLL", "\u{85}", "\u{2029}", "\u{A0}x"]
        let bare = ["a", "x y", "a]", "a}", "a:b", "1e", "e1", "1.2.3", "0x10", "--1", "+", "-", ".", "nul",
                    "infinite", "é", "日本", "\u{FEFF}", "a[b"]
        for s in quoted {
            #expect(TOONQuoting.needsQuotes(s, nested: false), "\(s.debugDescription)")
            #expect(TOONQuoting.needsQuotesReference(s, nested: false), "\(s.debugDescription)")
        }
        for s in bare {
            #expect(!TOONQuoting.needsQuotes(s, nested: false), "\(s.debugDescription)")
            #expect(!TOONQuoting.needsQuotesReference(s, nested: false), "\(s.debugDescription)")
        }
        for s in ["a]", "a}", "a:b"] {
            #expect(TOONQuoting.needsQuotes(s, nested: true))
            #expect(TOONQuoting.needsQuotesReference(s, nested: true))
        }
    }
}
