import Foundation
import Testing
@testable import SochDB

/// The hand-written JSON parser against Foundation's decoder (the
/// reference): the same documents accepted with the same values, the same
/// malformed ones refused, and its own documented differences.
struct JSONReaderTests {
    /// Foundation's reading of `text`, or nil where it refuses it.
    func reference(_ text: String) -> MetadataValue? {
        try? JSONDecoder().decode(MetadataValue.self, from: Data(text.utf8))
    }

    /// Equal, numbers by value (Foundation reads 5.0 as the integer 5).
    func same(_ a: MetadataValue, _ b: MetadataValue) -> Bool { a.sameValue(as: b) }

    func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> MetadataValue {
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        case 3: return .double(Double(Int64(bitPattern: rng.next()) >> 20) / Double(1 << (rng.next() % 40)))
        case 4:
            let scalars = (0..<Int(rng.next() % 8)).compactMap { _ in Unicode.Scalar(UInt32(rng.next() % 0x2_0000)) }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 5: return .list((0..<Int(rng.next() % 5)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var fields: [String: MetadataValue] = [:]
            for i in 0..<Int(rng.next() % 5) { fields["k\(i)\(rng.next() % 3)"] = randomValue(&rng, depth: depth + 1) }
            return .object(fields)
        }
    }

    @Test func readsWhatItsWriterWritesExactlyAndAsFoundationDoes() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<2_000 {
            let value = randomValue(&rng)
            var out = [UInt8]()
            JSONText.append(value, to: &out)
            let text = String(decoding: out, as: UTF8.self)
            // JSONText writes reals with a fraction or exponent: types survive.
            #expect(try JSONReader.parse(text) == value, "\(text)")
            let expected = try #require(reference(text), "\(text)")
            #expect(same(try JSONReader.parse(text), expected), "\(text)")
        }
    }

    @Test func escapesWhitespaceAndNumbers() throws {
        let cases: [(String, MetadataValue)] = [
            (#" { "a" : [ 1 , -2.5e3 , true , null ] ,"b":"x\"y\\z\/\b\f\n\r\t" } "#,
             ["a": [1, -2500.0, true, .null], "b": "x\"y\\z/\u{8}\u{C}\n\r\t"]),
            (#""\u00e9\u4e2d\ud83d\ude80""#, "é中🚀"),
            ("\"ünï 🚀\"", "ünï 🚀"),
            ("0", 0), ("-0", 0), ("-0.0", -0.0), ("1E2", 100.0), ("1e-2", 0.01),
            ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("9223372036854775808", .double(9223372036854775808)),   // past Int64: a double, as Foundation reads it
            ("[]", []), ("{}", [:]), ("\u{FEFF} 1", 1), (#"{"k":1,"k":2}"#, ["k": 2]),
        ]
        for (text, expected) in cases {
            #expect(try JSONReader.parse(text) == expected, "\(text)")
            if let r = reference(text), !text.contains(#""k":1,"k""#) { #expect(same(try JSONReader.parse(text), r), "\(text)") }
        }
    }

    @Test func refusesWhatFoundationRefuses() {
        let malformed = ["", " ", "[", "]", "{", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "01", "1.",
                         ".5", "+1", "-", "1e", "1e+", "tru", "nul", "True", "NaN", "Infinity", "'a'", "\"a", "\"\\x\"",
                         "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{1}b\"", "1 2", "[1]x", "{\"a\" 1}"]
        for text in malformed {
            #expect(throws: SochDBError.self, "\(text.debugDescription)") { try JSONReader.parse(text) }
            // Foundation lets a trailing comma through; RFC 8259 does not.
            if !["[1,]", "{\"a\":1,}"].contains(text) {
                #expect(reference(text) == nil, "Foundation accepts \(text.debugDescription)")
            }
        }
        // Invalid UTF-8 inside a string.
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: SochDBError.self) { try bytes.withUnsafeBufferPointer { try JSONReader.parse($0) } }
    }

    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
        _ = try JSONReader.parse(ok)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: SochDBError.self) { try JSONReader.parse(deep) }
    }

    @Test func mutatedDocumentsItAcceptsFoundationAcceptsAlike() throws {
        var rng = SplitMix64(seed: 5)
        let alphabet = Array("{}[],:\"\\ 0123456789.eE+-tfnul ax".utf8)
        var accepted = 0
        for _ in 0..<5_000 {
            var out = [UInt8]()
            JSONText.append(randomValue(&rng), to: &out)
            for _ in 0...(rng.next() % 3) where !out.isEmpty {
                let i = Int(rng.next() % UInt64(out.count))
                switch rng.next() % 3 {
                case 0: out[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: out.remove(at: i)
                default: out.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else { continue }
            let mine = try? JSONReader.parse(text)
            let theirs = reference(text)
            if theirs != nil, mine == nil, text.contains(",]") || text.contains(",}") { continue }   // Foundation's leniency
            #expect((mine == nil) == (theirs == nil), "only one of the two accepts \(text)")
            if let mine, let theirs {
                accepted += 1
                #expect(same(mine, theirs), "\(text)")
            }
        }
        #expect(accepted > 500)
    }
}
