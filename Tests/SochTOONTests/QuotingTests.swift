import Testing
@testable import SochTOON

/// One test per quoting rule (TOONQuoting 1–9), each checking the exact text
/// and the way back.
@Suite struct QuotingTests {
    /// The text of `value` as the only value of a one-record table; checks
    /// that it decodes back to `value`.
    func written(_ value: TOONValue, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let text = try TOON.encode(table: "t", columns: ["v"], rows: [[value]])
        let back = try TOON.decode(text)
        #expect(back.rows == [[value]], sourceLocation: sourceLocation)
        #expect(text.hasPrefix("t[1]{v}:"))
        return String(text.dropFirst("t[1]{v}:".count))
    }

    @Test func plainTextIsBare() throws {
        #expect(try written("Alice") == "Alice")
        #expect(try written("x y") == "x y")
        #expect(try written("alice@example.com") == "alice@example.com")
        #expect(try written("-") == "-")
        #expect(try written("2024-01-31") == "2024-01-31")
    }

    @Test func comma() throws { #expect(try written("a,b") == #""a,b""#) }

    @Test func semicolon() throws { #expect(try written("a;b") == #""a;b""#) }

    @Test func doubleQuote() throws { #expect(try written(#"say "hi""#) == #""say \"hi\"""#) }

    @Test func backslash() throws { #expect(try written(#"C:\dir"#) == #""C:\\dir""#) }

    @Test func newlineAndOtherControls() throws {
        #expect(try written("a\nb") == #""a\nb""#)
        #expect(try written("a\r\tb") == #""a\r\tb""#)
        #expect(try written("bell\u{7}") == #""bell\u0007""#)
        #expect(try written("nul\u{0}") == #""nul\u0000""#)
        #expect(try written("del\u{7F}") == #""del\u007F""#)
        #expect(try written("c1\u{85}") == #""c1\u0085""#)
        #expect(try written("ls\u{2028}ps\u{2029}") == #""ls\u2028ps\u2029""#)
    }

    @Test func leadingOrTrailingSpace() throws {
        #expect(try written(" lead") == #"" lead""#)
        #expect(try written("trail ") == #""trail ""#)
        #expect(try written(" ") == #"" ""#)
        #expect(try written("\u{A0}nbsp") == "\"\u{A0}nbsp\"")
        #expect(try written("wide\u{3000}") == "\"wide\u{3000}\"")
        #expect(try written("in side") == "in side")
    }

    @Test func numberLike() throws {
        for s in ["123", "-0", "007", "1.5", "-2.25", "1e5", "1E+300", "2.5e-3"] {
            #expect(try written(.string(s)) == "\"\(s)\"", "decoder reads \(s) as a number")
        }
        for s in ["+1", ".5", "1.", "NaN", "-inf", "Infinity", "+INF"] {
            #expect(try written(.string(s)) == "\"\(s)\"", "looser readers take \(s) for a number")
        }
        for s in ["1e", "1.2.3", "0x1F", "1-2", "e5", "12px", "--1"] {
            #expect(try written(.string(s)) == s, "\(s) is not a number to anyone")
        }
        #expect(try written(123) == "123")
        #expect(try written(1.5) == "1.5")
    }

    @Test func boolLike() throws {
        #expect(try written("true") == #""true""#)
        #expect(try written("false") == #""false""#)
        #expect(try written("True") == #""True""#)
        #expect(try written("FALSE") == #""FALSE""#)
        #expect(try written(true) == "true")
        #expect(try written("truth") == "truth")
    }

    @Test func nullLike() throws {
        #expect(try written("null") == #""null""#)
        #expect(try written("NULL") == #""NULL""#)
        #expect(try written(nil) == "null")
        #expect(try written("nullable") == "nullable")
    }

    @Test func emptyStringIsNotNull() throws {
        #expect(try written("") == #""""#)
        #expect(try written(.null) == "null")
        #expect(try TOON.decode(#"t[2]{v}:"";null"#).rows == [[""], [.null]])
    }

    @Test func openingBracketOrBrace() throws {
        #expect(try written("[draft]") == #""[draft]""#)
        #expect(try written("{x}") == #""{x}""#)
        #expect(try written("a[1]") == "a[1]")
        #expect(try written("x]") == "x]")
        #expect(try written("}") == "}")
    }

    @Test func colonIsFreeAtTopLevel() throws {
        #expect(try written("a:b") == "a:b")
        #expect(try written("url: http://x") == "url: http://x")
        #expect(try TOON.decode("t[1]{a,b}:x:y,:").rows == [["x:y", ":"]])
    }

    @Test func nestedLists() throws {
        #expect(try written([1, 2.5, "a", nil, true, [], [[]]]) == "[1,2.5,a,null,true,[],[[]]]")
        #expect(try written(["x]", "y}", "k:v", "a,b", "", "null", "[", " s"])
            == #"["x]","y}","k:v","a,b","","null","["," s"]"#)
        #expect(try written(.list([])) == "[]")
    }

    @Test func nestedObjects() throws {
        #expect(try written(["z": 1, "a": [1, 2], "k": ["x": "y"]]) == "{z:1,a:[1,2],k:{x:y}}")
        #expect(try written(["1": "one", "": "e", "a:b": "c]d", "null": nil]) == #"{"1":one,"":e,"a:b":"c]d","null":null}"#)
        #expect(try written(.object([])) == "{}")
        #expect(try written(.object([("d", 1), ("d", 2)])) == "{d:1,d:2}")
        // Bare keys are strings whatever they look like.
        #expect(try TOON.decode("t[1]{v}:{1:null,true:x}").rows == [[.object([("1", .null), ("true", "x")])]])
    }

    @Test func unicodeStaysRaw() throws {
        #expect(try written("café") == "café")
        #expect(try written("日本語") == "日本語")
        #expect(try written("emoji 😀") == "emoji 😀")
        #expect(try written("🇫🇷") == "🇫🇷")
        #expect(try written("e\u{301}") == "e\u{301}")
        #expect(try written("\u{FEFF}bom") == "\u{FEFF}bom")
    }

    @Test func decoderAcceptsEveryEscapeAndSurrogatePairs() throws {
        let text = #"t[1]{v}:"\"\\\n\r\t\u00e9\u00E9\uD83D\uDE00x""#
        #expect(try TOON.decode(text).rows == [["\"\\\n\r\té\u{E9}😀x"]])
    }

    @Test func quotedNeedlessStringsDecodeToo() throws {
        #expect(try TOON.decode(#"t[1]{a,b}:"Alice","x y""#).rows == [["Alice", "x y"]])
    }
}
